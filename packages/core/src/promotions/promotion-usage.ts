import { sql } from 'kysely'
import { OrdoError } from '../errors.js'
import type { StorageCapabilities } from '../storage/storage-dialect.js'
import { affected } from '../storage/sql-helpers.js'
import { newId } from '../storage/ids.js'
import type { UnitOfWork } from '../unit-of-work.js'
import type { PromotionUsageTable } from './promotions-schema.js'

/** What an order used: the promotions that applied and the coupon codes that unlocked them. */
export interface PromotionUsageInput {
  orderId: string
  /** Who placed it (customer id, or a key derived for guests such as a hashed phone), for per-customer limits. */
  customerKey: string | null
  promotionIds: readonly string[]
  couponCodes: readonly string[]
}

/**
 * Counts an order's use of promotions and coupons: each total limit by a
 * conditional `UPDATE … SET uses_count = uses_count + 1 WHERE uses_count <
 * usage_limit`, each per-customer limit from the customer's active usage rows
 * (read after the promotion or coupon row is locked by that update, so two
 * orders of one customer cannot both take the last use). A limit reached
 * throws `PROMOTION_LIMIT_REACHED` and the unit of work rolls back. Recording
 * the same order again does nothing.
 *
 * @internal
 */
export async function recordUsage(capabilities: StorageCapabilities, uow: UnitOfWork, usage: PromotionUsageInput): Promise<void> {
  const db = uow.db
  const codes = [...new Set(usage.couponCodes.map((c) => c.trim().toUpperCase()).filter((c) => c !== ''))]
  if (usage.promotionIds.length === 0 && codes.length === 0) return
  const customerKey = usage.customerKey === '' ? null : usage.customerKey
  const existing = await db.selectFrom('ordo_promotion_usage').select('id').where('order_id', '=', usage.orderId).where('status', '=', 'active').limit(1).execute()
  if (existing.length > 0) return

  const coupons =
    codes.length === 0
      ? []
      : await db.selectFrom('ordo_coupon').select(['id', 'code', 'promotion_id', 'per_customer_limit']).where('code', 'in', codes).orderBy('id').execute()
  const unknown = codes.filter((code) => !coupons.some((c) => c.code === code))
  if (unknown.length > 0) {
    throw new OrdoError('NOT_FOUND', `No coupon ${unknown.join(', ')}.`, { details: { couponCodes: unknown } })
  }
  const promotionIds = [...new Set([...usage.promotionIds, ...coupons.map((c) => c.promotion_id)])].sort()
  const promotions = await db
    .selectFrom('ordo_promotion')
    .select(['id', 'name', 'usage_limit', 'usage_per_customer'])
    .where('id', 'in', promotionIds)
    .orderBy('id')
    .execute()
  const missing = promotionIds.filter((id) => !promotions.some((p) => p.id === id))
  if (missing.length > 0) {
    throw new OrdoError('NOT_FOUND', `No promotion ${missing.join(', ')}.`, { details: { promotionIds: missing } })
  }

  // Coupons, then promotions, each by id: every process locks rows in the same order.
  for (const coupon of coupons) {
    const result = await db
      .updateTable('ordo_coupon')
      .set({ uses_count: sql`uses_count + 1` })
      .where('id', '=', coupon.id)
      .where((eb) => eb.or([eb('usage_limit', 'is', null), eb('uses_count', '<', eb.ref('usage_limit'))]))
      .executeTakeFirst()
    if (affected(result) !== 1) {
      throw new OrdoError('PROMOTION_LIMIT_REACHED', `Coupon ${coupon.code} has been used up.`, {
        details: { couponCode: coupon.code, promotionId: coupon.promotion_id, limit: 'coupon' },
      })
    }
    if (coupon.per_customer_limit !== null && customerKey !== null) {
      const uses = await customerUses(capabilities, uow, 'coupon_id', coupon.id, customerKey)
      if (uses >= Number(coupon.per_customer_limit)) {
        throw new OrdoError('PROMOTION_LIMIT_REACHED', `Customer ${customerKey} has already used coupon ${coupon.code} ${uses} time(s), the most allowed.`, {
          details: { couponCode: coupon.code, promotionId: coupon.promotion_id, limit: 'coupon_per_customer', customerKey },
        })
      }
    }
  }
  for (const promotion of promotions) {
    const result = await db
      .updateTable('ordo_promotion')
      .set({ uses_count: sql`uses_count + 1` })
      .where('id', '=', promotion.id)
      .where((eb) => eb.or([eb('usage_limit', 'is', null), eb('uses_count', '<', eb.ref('usage_limit'))]))
      .executeTakeFirst()
    if (affected(result) !== 1) {
      throw new OrdoError('PROMOTION_LIMIT_REACHED', `The promotion "${promotion.name}" has been used up.`, {
        details: { promotionId: promotion.id, limit: 'promotion' },
      })
    }
    if (promotion.usage_per_customer !== null && customerKey !== null) {
      const uses = await customerUses(capabilities, uow, 'promotion_id', promotion.id, customerKey)
      if (uses >= Number(promotion.usage_per_customer)) {
        throw new OrdoError('PROMOTION_LIMIT_REACHED', `Customer ${customerKey} has already used the promotion "${promotion.name}" ${uses} time(s), the most allowed.`, {
          details: { promotionId: promotion.id, limit: 'promotion_per_customer', customerKey },
        })
      }
    }
  }

  const now = uow.now.getTime()
  const rows: PromotionUsageTable[] = []
  for (const promotionId of promotionIds) {
    const unlocking = coupons.filter((c) => c.promotion_id === promotionId)
    for (const coupon of unlocking.length > 0 ? unlocking : [null]) {
      rows.push({
        id: newId(),
        promotion_id: promotionId,
        coupon_id: coupon?.id ?? null,
        customer_key: customerKey,
        order_id: usage.orderId,
        status: 'active',
        created_at: now,
        released_at: null,
      })
    }
  }
  await db.insertInto('ordo_promotion_usage').values(rows).execute()
  uow.emit({
    type: 'promotion.usage_recorded',
    aggregateId: usage.orderId,
    data: { orderId: usage.orderId, customerKey, promotionIds, couponCodes: coupons.map((c) => c.code) },
  })
}

/**
 * Releases an order's uses (it was cancelled): its usage rows become
 * `released` and each promotion's and coupon's count goes down by one.
 * Releasing twice, or an order that used nothing, does nothing.
 *
 * @internal
 */
export async function releaseUsage(capabilities: StorageCapabilities, uow: UnitOfWork, orderId: string): Promise<void> {
  const db = uow.db
  let query = db.selectFrom('ordo_promotion_usage').select(['id', 'promotion_id', 'coupon_id']).where('order_id', '=', orderId).where('status', '=', 'active')
  if (capabilities.concurrentWriters) query = query.forUpdate()
  const rows = await query.execute()
  if (rows.length === 0) return
  const released = await db
    .updateTable('ordo_promotion_usage')
    .set({ status: 'released', released_at: uow.now.getTime() })
    .where('id', 'in', rows.map((r) => r.id))
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (affected(released) !== rows.length) {
    throw new OrdoError('CONFLICT', `The promotion usage of order ${orderId} changed while it was being released; retry.`, { details: { orderId } })
  }
  const promotionIds = [...new Set(rows.map((r) => r.promotion_id))].sort()
  const couponIds = [...new Set(rows.map((r) => r.coupon_id).filter((id): id is string => id !== null))].sort()
  for (const id of couponIds) {
    await db.updateTable('ordo_coupon').set({ uses_count: sql`uses_count - 1` }).where('id', '=', id).where('uses_count', '>', 0).execute()
  }
  for (const id of promotionIds) {
    await db.updateTable('ordo_promotion').set({ uses_count: sql`uses_count - 1` }).where('id', '=', id).where('uses_count', '>', 0).execute()
  }
  const codes =
    couponIds.length === 0 ? [] : (await db.selectFrom('ordo_coupon').select('code').where('id', 'in', couponIds).orderBy('code').execute()).map((r) => r.code)
  uow.emit({ type: 'promotion.usage_released', aggregateId: orderId, data: { orderId, promotionIds, couponCodes: codes } })
}

/**
 * Orders in which the customer used a coupon or promotion and that were not
 * cancelled. Where several processes write, the rows are read with a locking
 * read, so the count includes what other transactions committed meanwhile.
 */
async function customerUses(
  capabilities: StorageCapabilities,
  uow: UnitOfWork,
  column: 'coupon_id' | 'promotion_id',
  id: string,
  customerKey: string,
): Promise<number> {
  let query = uow.db
    .selectFrom('ordo_promotion_usage')
    .select('order_id')
    .where(column, '=', id)
    .where('customer_key', '=', customerKey)
    .where('status', '=', 'active')
  if (capabilities.concurrentWriters) query = query.forUpdate()
  const rows = await query.execute()
  return new Set(rows.map((r) => r.order_id)).size
}
