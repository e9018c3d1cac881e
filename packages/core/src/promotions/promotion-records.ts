import type { Promotion } from '../pricing/promotion-types.js'
import type { CouponTable, PromotionTable } from './promotions-schema.js'

/** A stored promotion: the {@link Promotion} the pricing engine runs, plus bookkeeping. */
export interface PromotionRecord extends Promotion {
  description: string | null
  /** When it was archived (it no longer applies and cannot be changed), or null. */
  archivedAt: Date | null
  createdAt: Date
  updatedAt: Date
}

/** A stored coupon code. */
export interface Coupon {
  id: string
  /** Upper-case. */
  code: string
  promotionId: string
  /** The generated batch it belongs to, or null. */
  batchId: string | null
  usageLimit: number | null
  usesCount: number
  perCustomerLimit: number | null
  validFrom: Date | null
  validTo: Date | null
  active: boolean
  createdAt: Date
}

/** What `generateCoupons` made. */
export interface GeneratedCoupons {
  batchId: string
  promotionId: string
  /** The new codes, upper-case, all distinct. */
  codes: string[]
}

/** Why a coupon code cannot be used, whatever the cart. */
export type CouponRefusal = 'unknown' | 'expired' | 'not_started' | 'used_up' | 'inactive'

/** The result of checking a coupon code: usable (for which promotion) or why not. */
export type CouponCheck =
  | { ok: true; code: string; promotionId: string }
  | { ok: false; code: string; reason: CouponRefusal; message: string }

/** @internal */
export function toPromotionRecord(row: PromotionTable): PromotionRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.kind,
    priority: Number(row.priority),
    exclusive: Number(row.exclusive) === 1,
    stopsFurtherOnLines: Number(row.stops_further) === 1,
    conditions: JSON.parse(row.conditions),
    benefits: JSON.parse(row.benefits),
    validFrom: toDate(row.valid_from),
    validTo: toDate(row.valid_to),
    active: Number(row.active) === 1,
    usageLimit: toNumber(row.usage_limit),
    usagePerCustomer: toNumber(row.usage_per_customer),
    usesCount: Number(row.uses_count),
    requiresCoupon: Number(row.requires_coupon) === 1,
    archivedAt: toDate(row.archived_at),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  }
}

/** @internal */
export function toCoupon(row: CouponTable): Coupon {
  return {
    id: row.id,
    code: row.code,
    promotionId: row.promotion_id,
    batchId: row.batch_id,
    usageLimit: toNumber(row.usage_limit),
    usesCount: Number(row.uses_count),
    perCustomerLimit: toNumber(row.per_customer_limit),
    validFrom: toDate(row.valid_from),
    validTo: toDate(row.valid_to),
    active: Number(row.active) === 1,
    createdAt: new Date(Number(row.created_at)),
  }
}

/** @internal */
export function toDate(value: number | string | null): Date | null {
  return value === null ? null : new Date(Number(value))
}

/** @internal */
export function toNumber(value: number | string | null): number | null {
  return value === null ? null : Number(value)
}
