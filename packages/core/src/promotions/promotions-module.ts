import type { Kysely } from 'kysely'
import type { CouponResult } from '../pricing/pricing-types.js'
import type { Promotion } from '../pricing/promotion-types.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import type { UnitOfWork } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import { z } from 'zod'
import './promotions-events.js'
import { createCouponCommands } from './coupon-commands.js'
import type {
  CheckCouponOptions,
  CreateCouponInput,
  CreatePromotionInput,
  GenerateCouponsInput,
  ListCouponsInput,
  ListPromotionsInput,
  UpdatePromotionInput,
} from './promotion-inputs.js'
import { createPromotionCommands } from './promotion-commands.js'
import { checkCouponCode, loadPromotionsForPricing } from './promotion-loader.js'
import type { Coupon, CouponCheck, GeneratedCoupons, PromotionRecord } from './promotion-records.js'
import { recordUsage, releaseUsage } from './promotion-usage.js'
import { randomCouponCodes } from './coupon-codes.js'
import { OrdoError } from '../errors.js'
import { newId } from '../storage/ids.js'
import { affected, insertIgnoringConflicts } from '../storage/sql-helpers.js'

export type { PromotionsTables } from './promotions-schema.js'
export { promotionsMigrations } from './promotions-schema.js'

/**
 * `shop.promotions`: promotions (conditions + benefits, priority, stacking,
 * limits, validity) and their coupon codes.
 *
 * Every command validates its input (bad input → `OrdoError('VALIDATION')`,
 * nothing written) and commits all of its writes or none. Conditions and
 * benefits are checked against the built-in types and those plugins
 * register, when the promotion is saved.
 *
 * @example
 * ```ts
 * const promo = await shop.promotions.create({
 *   name: '10% off shoes over 5000 ₽',
 *   requiresCoupon: true,
 *   conditions: [{ type: 'category', categoryIds: [shoes.id] }, { type: 'cart_subtotal', min: 500_000 }],
 *   benefits: [{ type: 'percent_off_lines', percent: 10 }],
 *   usagePerCustomer: 1,
 * })
 * await shop.promotions.createCoupon({ promotionId: promo.id, code: 'shoes10' })   // stored as SHOES10
 * const { codes } = await shop.promotions.generateCoupons(promo.id, { count: 1000, prefix: 'SH-' })
 * ```
 */
export interface PromotionsApi {
  /** Creates a promotion. @default kind 'cart', priority 0, active, no limits, automatic (no coupon). */
  create(input: CreatePromotionInput): Promise<PromotionRecord>
  /** Changes the given fields of a promotion (rules are checked again). An archived one cannot change. */
  update(id: string, patch: UpdatePromotionInput): Promise<PromotionRecord>
  /** Archives a promotion: it stops applying and can no longer change. */
  archive(id: string): Promise<PromotionRecord>
  /** The promotion with this id, or undefined. */
  get(id: string): Promise<PromotionRecord | undefined>
  /** Promotions in order of creation (not archived ones unless asked), a page at a time. */
  list(filter?: ListPromotionsInput): Promise<PromotionRecord[]>
  /** Creates one coupon code (case-insensitive, stored upper-case) for a promotion that requires a coupon. */
  createCoupon(input: CreateCouponInput): Promise<Coupon>
  /** Generates up to 100 000 unique, unguessable codes for a promotion in one call; single-use unless `usageLimit` says otherwise. */
  generateCoupons(promotionId: string, options: GenerateCouponsInput): Promise<GeneratedCoupons>
  /** The coupon with this code (any case), or undefined. */
  getCoupon(code: string): Promise<Coupon | undefined>
  /** Coupons of a promotion or a generated batch, in order of creation, a page at a time. */
  listCoupons(filter: ListCouponsInput): Promise<Coupon[]>
  /** Whether a code can be used now by a customer (exists, running, not used up), or why not. */
  checkCoupon(code: string, options?: CheckCouponOptions): Promise<CouponCheck>
}

/** What other core modules call inside their unit of work (pricing, cart, checkout, orders). */
export interface PromotionsInternal {
  /**
   * Active promotions at `at` (validity, active, not used up) — automatic
   * ones plus those unlocked by the given coupon codes; with per-customer
   * usage applied when customerId is given (promotions the customer has used
   * up are excluded, and their coupon reported). Two queries.
   */
  loadForPricing(
    db: Kysely<Database>,
    options: { at: Date; couponCodes: readonly string[]; customerId: string | null },
  ): Promise<{ promotions: Promotion[]; coupons: CouponResult[] }>
  /** Whether a coupon code (any case) can be used at `at` by the customer, and for which promotion; or why not. */
  checkCoupon(
    db: Kysely<Database>,
    code: string,
    options: { customerId: string | null; at: Date },
  ): Promise<
    | { ok: true; code: string; promotionId: string }
    | { ok: false; code: string; reason: 'unknown' | 'expired' | 'not_started' | 'used_up' | 'inactive'; message: string }
  >
  /**
   * Counts an order's use of promotions and coupons when it is placed; a
   * limit reached throws `OrdoError('PROMOTION_LIMIT_REACHED')`. Recording
   * the same order twice counts it once.
   */
  recordUsage(
    uow: UnitOfWork,
    usage: { orderId: string; customerKey: string | null; promotionIds: readonly string[]; couponCodes: readonly string[] },
  ): Promise<void>
  /** Gives back an order's uses when it is cancelled. Releasing twice does nothing. */
  releaseUsage(uow: UnitOfWork, orderId: string): Promise<void>
  /** Why a promotion cannot have personal coupons (unknown, archived, or applying without a coupon), or null. */
  whyNoCoupons(db: Kysely<Database>, promotionId: string): Promise<{ code: 'NOT_FOUND' | 'VALIDATION'; message: string } | null>
  /**
   * Creates one single-use coupon of a promotion (one use per customer) inside
   * the caller's unit of work, with a fresh random code; emits `coupon.created`.
   * Loyalty's personal coupons use it, so the code and the record of who got it
   * commit together.
   */
  createPersonalCoupon(uow: UnitOfWork, input: { promotionId: string; validTo: number | null }): Promise<{ id: string; code: string }>
  /** Moves a customer's recorded promotion and coupon uses to another customer (a CRM merge), so per-customer limits count both; returns how many moved. */
  moveCustomerUsage(uow: UnitOfWork, fromCustomerId: string, toCustomerId: string): Promise<number>
}

const orderIdSchema = z.string().min(1).max(64)
const usageSchema = z.strictObject({
  orderId: z.string().min(1).max(64),
  customerKey: z.string().max(191).nullable(),
  promotionIds: z.array(z.string().min(1).max(64)).max(100),
  couponCodes: z.array(z.string().max(200)).max(20),
})

const PERSONAL_CODE_LENGTH = 10
const PERSONAL_CODE_ROUNDS = 5

/** Creates the promotions module on the engine's runtime. */
export function createPromotionsModule(runtime: Runtime): { api: PromotionsApi; internal: PromotionsInternal } {
  const api: PromotionsApi = { ...createPromotionCommands(runtime), ...createCouponCommands(runtime) }
  const internal: PromotionsInternal = {
    loadForPricing: async (db, options) => loadPromotionsForPricing(db, options, runtime.revisions),
    checkCoupon: async (db, code, options) => checkCouponCode(db, code.trim().toUpperCase(), options),
    recordUsage: async (uow, usage) => recordUsage(runtime.storage.capabilities, uow, parseInput('promotions.recordUsage', usageSchema, usage)),
    releaseUsage: async (uow, orderId) => releaseUsage(runtime.storage.capabilities, uow, parseInput('promotions.releaseUsage', orderIdSchema, orderId)),
    async moveCustomerUsage(uow, fromCustomerId, toCustomerId) {
      const result = await uow.db.updateTable('ordo_promotion_usage').set({ customer_key: toCustomerId }).where('customer_key', '=', fromCustomerId).executeTakeFirst()
      return affected(result)
    },
    async whyNoCoupons(db, promotionId) {
      const row = await db.selectFrom('ordo_promotion').select(['name', 'requires_coupon', 'archived_at']).where('id', '=', promotionId).executeTakeFirst()
      if (row === undefined) return { code: 'NOT_FOUND', message: `no promotion "${promotionId}"` }
      if (row.archived_at !== null) return { code: 'VALIDATION', message: `promotion "${row.name}" is archived` }
      if (Number(row.requires_coupon) !== 1) return { code: 'VALIDATION', message: `promotion "${row.name}" applies without a coupon; update it with requiresCoupon: true first` }
      return null
    },
    async createPersonalCoupon(uow, input) {
      const now = uow.now.getTime()
      const tried = new Set<string>()
      for (let round = 0; round < PERSONAL_CODE_ROUNDS; round++) {
        const [code] = randomCouponCodes(1, PERSONAL_CODE_LENGTH, '', tried)
        tried.add(code!)
        const row = { id: newId(), code: code!, promotion_id: input.promotionId, batch_id: null, usage_limit: 1, uses_count: 0, per_customer_limit: 1, valid_from: null, valid_to: input.validTo, active: 1, created_at: now }
        const inserted = await insertIgnoringConflicts(uow.db.insertInto('ordo_coupon').values(row), runtime.storage.capabilities).executeTakeFirst()
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
          uow.emit({ type: 'coupon.created', aggregateId: input.promotionId, data: { couponId: row.id, promotionId: input.promotionId, code: row.code } })
          return { id: row.id, code: row.code }
        }
      }
      throw new OrdoError('INTERNAL', `No free coupon code after ${PERSONAL_CODE_ROUNDS} tries.`, { details: { promotionId: input.promotionId } })
    },
  }
  return { api, internal }
}
