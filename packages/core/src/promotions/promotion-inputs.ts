import { z } from 'zod'
import { PROMOTION_KINDS, type PromotionBenefit, type PromotionCondition, type PromotionKind } from '../pricing/promotion-types.js'

const id = z.string().min(1).max(64)
const limit = z.number().int().min(1).max(2_147_483_647)
/** A Date, or an ISO 8601 instant with an offset, read as a Date. */
const instant = z.union([z.date(), z.iso.datetime({ offset: true }).transform((s) => new Date(s))])
const rule = z.looseObject({ type: z.string().min(1).max(100) })

/** Characters a hand-made coupon code may use: letters, digits, `-` and `_`. */
export const COUPON_CODE_PATTERN = /^[\p{L}\p{N}_-]+$/u

/** A hand-made coupon code: 3–64 letters, digits, `-` or `_`; stored upper-case. */
export const couponCodeSchema = z
  .string()
  .trim()
  .min(3, 'a coupon code has at least 3 characters')
  .max(64, 'a coupon code has at most 64 characters')
  .regex(COUPON_CODE_PATTERN, 'a coupon code may use letters, digits, "-" and "_"')
  .transform((code) => code.toUpperCase())

/** What `shop.promotions.create()` takes. */
export interface CreatePromotionInput {
  name: string
  description?: string | null
  /** @default 'cart' */
  kind?: PromotionKind
  /** Lower runs first. @default 0 */
  priority?: number
  /** @default false */
  exclusive?: boolean
  /** @default false */
  stopsFurtherOnLines?: boolean
  /** @default [] */
  conditions?: PromotionCondition[]
  /** At least one. */
  benefits: PromotionBenefit[]
  /** A Date or an ISO instant; null or absent: from now on. */
  validFrom?: Date | string | null
  /** A Date or an ISO instant (exclusive); null or absent: no end. */
  validTo?: Date | string | null
  /** @default true */
  active?: boolean
  usageLimit?: number | null
  usagePerCustomer?: number | null
  /** Applies only with a coupon; create codes with `createCoupon` or `generateCoupons`. @default false */
  requiresCoupon?: boolean
}

/** What `shop.promotions.update()` takes: any field of {@link CreatePromotionInput}. */
export type UpdatePromotionInput = Partial<CreatePromotionInput>

const promotionFields = {
  name: z.string().trim().min(1).max(255),
  description: z.string().max(10_000).nullable().optional(),
  kind: z.enum(PROMOTION_KINDS).optional(),
  priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
  exclusive: z.boolean().optional(),
  stopsFurtherOnLines: z.boolean().optional(),
  conditions: z.array(rule).max(50).optional(),
  benefits: z.array(rule).min(1, 'a promotion needs at least one benefit').max(20),
  validFrom: instant.nullable().optional(),
  validTo: instant.nullable().optional(),
  active: z.boolean().optional(),
  usageLimit: limit.nullable().optional(),
  usagePerCustomer: limit.nullable().optional(),
  requiresCoupon: z.boolean().optional(),
}

const validWindow = (p: { validFrom?: Date | null | undefined; validTo?: Date | null | undefined }) =>
  p.validFrom == null || p.validTo == null || p.validFrom.getTime() < p.validTo.getTime()

/** @internal */
export const createPromotionSchema = z.strictObject(promotionFields).refine(validWindow, { message: 'validTo must be after validFrom', path: ['validTo'] })

/** @internal */
export const updatePromotionSchema = z.strictObject(promotionFields).partial()

/** @internal */
export const promotionIdSchema = id

/** What `shop.promotions.list()` takes. */
export interface ListPromotionsInput {
  kind?: PromotionKind
  /** Only active (`true`) or inactive (`false`) ones. */
  active?: boolean
  /** @default false */
  includeArchived?: boolean
  /** @default 100, at most 1000 */
  limit?: number
  /** The id of the last promotion of the previous page. */
  after?: string
}

/** @internal */
export const listPromotionsSchema = z
  .strictObject({
    kind: z.enum(PROMOTION_KINDS).optional(),
    active: z.boolean().optional(),
    includeArchived: z.boolean().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    after: id.optional(),
  })
  .optional()

/** What `shop.promotions.createCoupon()` takes. */
export interface CreateCouponInput {
  promotionId: string
  /** 3–64 letters, digits, `-` or `_`; case-insensitive (stored upper-case). */
  code: string
  /** Uses of this code in all; null or absent: no limit of its own. */
  usageLimit?: number | null
  /** Uses of this code per customer. */
  perCustomerLimit?: number | null
  validFrom?: Date | string | null
  validTo?: Date | string | null
}

/** @internal */
export const createCouponSchema = z
  .strictObject({
    promotionId: id,
    code: couponCodeSchema,
    usageLimit: limit.nullable().optional(),
    perCustomerLimit: limit.nullable().optional(),
    validFrom: instant.nullable().optional(),
    validTo: instant.nullable().optional(),
  })
  .refine(validWindow, { message: 'validTo must be after validFrom', path: ['validTo'] })

/** Most codes one `generateCoupons` call makes. */
export const MAX_COUPONS_PER_BATCH = 100_000

/** What `shop.promotions.generateCoupons()` takes. */
export interface GenerateCouponsInput {
  /** How many codes, 1–100 000. */
  count: number
  /** Put before each code, e.g. `SPRING-`; letters, digits, `-`, `_`. */
  prefix?: string
  /** Random characters per code, 6–32. @default 10 (32^10 ≈ 10^15 possible codes) */
  length?: number
  /** Uses of each code; @default 1 (single-use codes). null: no limit of its own. */
  usageLimit?: number | null
  /** Uses of each code per customer. */
  perCustomerLimit?: number | null
  validFrom?: Date | string | null
  validTo?: Date | string | null
}

/** @internal */
export const generateCouponsSchema = z
  .strictObject({
    count: z.number().int().min(1).max(MAX_COUPONS_PER_BATCH, `at most ${MAX_COUPONS_PER_BATCH} codes per call`),
    prefix: z
      .string()
      .max(20)
      .regex(COUPON_CODE_PATTERN, 'a prefix may use letters, digits, "-" and "_"')
      .transform((p) => p.toUpperCase())
      .optional(),
    length: z.number().int().min(6).max(32).optional(),
    usageLimit: limit.nullable().optional(),
    perCustomerLimit: limit.nullable().optional(),
    validFrom: instant.nullable().optional(),
    validTo: instant.nullable().optional(),
  })
  .refine(validWindow, { message: 'validTo must be after validFrom', path: ['validTo'] })

/** What `shop.promotions.checkCoupon()` takes besides the code. */
export interface CheckCouponOptions {
  /** The customer, for per-customer limits. */
  customerId?: string | null
  /** @default now, by the engine's clock */
  at?: Date
}

/** @internal */
export const checkCouponSchema = z
  .strictObject({ customerId: z.string().min(1).max(191).nullable().optional(), at: z.date().optional() })
  .optional()

/** @internal A code as looked up: any string, trimmed and upper-cased (a malformed code simply does not exist). */
export const lookupCodeSchema = z.string().max(200).transform((code) => code.trim().toUpperCase())

/** What `shop.promotions.listCoupons()` takes. */
export interface ListCouponsInput {
  promotionId?: string
  batchId?: string
  /** @default 1000, at most 10 000 */
  limit?: number
  /** The id of the last coupon of the previous page. */
  after?: string
}

/** @internal */
export const listCouponsSchema = z.strictObject({
  promotionId: id.optional(),
  batchId: id.optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
  after: id.optional(),
})
