import type { Kysely } from 'kysely'
import type { CouponResult } from '../pricing/pricing-types.js'
import type { Promotion } from '../pricing/promotion-types.js'
import type { Database } from '../storage/database.js'
import { toPromotionRecord, type CouponCheck, type CouponRefusal } from './promotion-records.js'
import type { PromotionTable } from './promotions-schema.js'
import type { RevisionCache } from '../storage/revisions.js'

/** A coupon joined with its promotion and, for a customer, how often they used both. */
interface CouponRow extends PromotionTable {
  coupon_id: string
  code: string
  coupon_usage_limit: number | null
  coupon_uses_count: number
  per_customer_limit: number | null
  coupon_valid_from: number | null
  coupon_valid_to: number | null
  coupon_active: number
  coupon_customer_uses?: number | string | null
  promotion_customer_uses?: number | string | null
}

/** Coupons by code with their promotions, in one query. @internal */
export async function loadCouponRows(db: Kysely<Database>, codes: readonly string[], customerId: string | null): Promise<CouponRow[]> {
  if (codes.length === 0) return []
  const rows = await db
    .selectFrom('ordo_coupon as c')
    .innerJoin('ordo_promotion as p', 'p.id', 'c.promotion_id')
    .selectAll('p')
    .select([
      'c.id as coupon_id',
      'c.code as code',
      'c.usage_limit as coupon_usage_limit',
      'c.uses_count as coupon_uses_count',
      'c.per_customer_limit as per_customer_limit',
      'c.valid_from as coupon_valid_from',
      'c.valid_to as coupon_valid_to',
      'c.active as coupon_active',
    ])
    .$if(customerId !== null, (qb) =>
      qb.select((eb) => [
        eb
          .selectFrom('ordo_promotion_usage as u')
          .select((inner) => inner.fn.count<number>('u.order_id').distinct().as('n'))
          .whereRef('u.coupon_id', '=', 'c.id')
          .where('u.customer_key', '=', customerId)
          .where('u.status', '=', 'active')
          .as('coupon_customer_uses'),
        eb
          .selectFrom('ordo_promotion_usage as u')
          .select((inner) => inner.fn.count<number>('u.order_id').distinct().as('n'))
          .whereRef('u.promotion_id', '=', 'p.id')
          .where('u.customer_key', '=', customerId)
          .where('u.status', '=', 'active')
          .as('promotion_customer_uses'),
      ]),
    )
    .where('c.code', 'in', [...codes])
    .execute()
  return rows as CouponRow[]
}

type AutomaticRow = PromotionTable & { promotion_customer_uses?: number | string | null }

/**
 * Automatic promotions live at `at` (active, not archived, within validity;
 * any validity when `at` is null), with the customer's uses when given, in
 * one query. @internal
 */
async function loadAutomaticRows(db: Kysely<Database>, at: number | null, customerId: string | null): Promise<AutomaticRow[]> {
  const rows = await db
    .selectFrom('ordo_promotion as p')
    .selectAll('p')
    .$if(customerId !== null, (qb) =>
      qb.select((eb) =>
        eb
          .selectFrom('ordo_promotion_usage as u')
          .select((inner) => inner.fn.count<number>('u.order_id').distinct().as('n'))
          .whereRef('u.promotion_id', '=', 'p.id')
          .where('u.customer_key', '=', customerId)
          .where('u.status', '=', 'active')
          .as('promotion_customer_uses'),
      ),
    )
    .where('p.active', '=', 1)
    .where('p.requires_coupon', '=', 0)
    .where('p.archived_at', 'is', null)
    .$if(at !== null, (qb) =>
      qb
        .where((eb) => eb.or([eb('p.valid_from', 'is', null), eb('p.valid_from', '<=', at!)]))
        .where((eb) => eb.or([eb('p.valid_to', 'is', null), eb('p.valid_to', '>', at!)])),
    )
    .execute()
  return rows as AutomaticRow[]
}

/**
 * The automatic promotions live at `at`. Their definitions are kept in the
 * process between commands (`cache`); when any of them has a usage limit
 * that applies, they are read with their current use counts instead (counts
 * move with every order and are never cached).
 */
async function automaticRows(db: Kysely<Database>, at: number, customerId: string | null, cache: RevisionCache | undefined): Promise<AutomaticRow[]> {
  if (!cache) return loadAutomaticRows(db, at, customerId)
  const area = await cache.area<readonly AutomaticRow[]>(db, 'promotions', 'automatic')
  let running = area.get('running')
  if (!running) area.set('running', (running = await loadAutomaticRows(db, null, null)))
  const live = running.filter((r) => (r.valid_from === null || Number(r.valid_from) <= at) && (r.valid_to === null || Number(r.valid_to) > at))
  if (live.some((r) => r.usage_limit !== null || (customerId !== null && r.usage_per_customer !== null))) return loadAutomaticRows(db, at, customerId)
  return live
}

/** Why a coupon cannot be used at `at` by this customer, or null when it can. @internal */
export function couponRefusal(row: CouponRow, at: number): { reason: CouponRefusal; message: string } | null {
  const code = row.code
  if (Number(row.coupon_active) !== 1) return { reason: 'inactive', message: `Coupon ${code} is disabled.` }
  if (row.archived_at !== null || Number(row.active) !== 1) return { reason: 'inactive', message: `Coupon ${code} belongs to a promotion that is not running.` }
  if (Number(row.requires_coupon) !== 1) return { reason: 'inactive', message: `Coupon ${code} is not needed: its promotion "${row.name}" applies without a coupon.` }
  const from = latest(row.coupon_valid_from, row.valid_from)
  if (from !== null && at < from) return { reason: 'not_started', message: `Coupon ${code} is valid from ${new Date(from).toISOString()}.` }
  const to = earliest(row.coupon_valid_to, row.valid_to)
  if (to !== null && at >= to) return { reason: 'expired', message: `Coupon ${code} expired at ${new Date(to).toISOString()}.` }
  if (row.coupon_usage_limit !== null && Number(row.coupon_uses_count) >= Number(row.coupon_usage_limit)) {
    return { reason: 'used_up', message: `Coupon ${code} has been used up.` }
  }
  if (row.usage_limit !== null && Number(row.uses_count) >= Number(row.usage_limit)) {
    return { reason: 'used_up', message: `Coupon ${code} is no longer valid: the promotion "${row.name}" has been used up.` }
  }
  if (row.per_customer_limit !== null && Number(row.coupon_customer_uses ?? 0) >= Number(row.per_customer_limit)) {
    return { reason: 'used_up', message: `You have already used coupon ${code} ${times(Number(row.per_customer_limit))}, the most allowed per customer.` }
  }
  if (row.usage_per_customer !== null && Number(row.promotion_customer_uses ?? 0) >= Number(row.usage_per_customer)) {
    return { reason: 'used_up', message: `You have already used the promotion "${row.name}" ${times(Number(row.usage_per_customer))}, the most allowed per customer.` }
  }
  return null
}

/** Checks one coupon code (already upper-case) at `at` for a customer. @internal */
export async function checkCouponCode(db: Kysely<Database>, code: string, options: { customerId: string | null; at: Date }): Promise<CouponCheck> {
  const [row] = await loadCouponRows(db, [code], options.customerId)
  if (row === undefined) return { ok: false, code, reason: 'unknown', message: `Coupon ${code} does not exist.` }
  const refusal = couponRefusal(row, options.at.getTime())
  return refusal === null ? { ok: true, code, promotionId: row.id } : { ok: false, code, ...refusal }
}

/**
 * The promotions that may apply at `at`: every automatic one that is live and
 * not used up (in all, or by this customer), plus those unlocked by usable
 * coupon codes (with `couponCodes` set to those codes). Coupon codes that
 * cannot be used are reported with the reason. Two queries.
 *
 * @internal
 */
export async function loadPromotionsForPricing(
  db: Kysely<Database>,
  options: { at: Date; couponCodes: readonly string[]; customerId: string | null },
  cache?: RevisionCache,
): Promise<{ promotions: Promotion[]; coupons: CouponResult[] }> {
  const at = options.at.getTime()
  const codes = [...new Set(options.couponCodes.map((c) => c.trim().toUpperCase()).filter((c) => c !== ''))]
  const automatic = await automaticRows(db, at, options.customerId, cache)
  const promotions: Promotion[] = []
  for (const row of automatic) {
    if (row.usage_limit !== null && Number(row.uses_count) >= Number(row.usage_limit)) continue
    if (row.usage_per_customer !== null && Number(row.promotion_customer_uses ?? 0) >= Number(row.usage_per_customer)) continue
    promotions.push(toPromotion(row))
  }

  const failures: CouponResult[] = []
  if (codes.length > 0) {
    const rows = await loadCouponRows(db, codes, options.customerId)
    const byCode = new Map(rows.map((r) => [r.code, r]))
    const unlocked = new Map<string, { row: CouponRow; codes: string[] }>()
    for (const code of codes) {
      const row = byCode.get(code)
      if (row === undefined) {
        failures.push({ code, applied: false, reason: `Coupon ${code} does not exist.`, failure: 'unknown' })
        continue
      }
      const refusal = couponRefusal(row, at)
      if (refusal !== null) {
        failures.push({ code, applied: false, reason: refusal.message, failure: refusal.reason })
        continue
      }
      const entry = unlocked.get(row.id)
      if (entry === undefined) unlocked.set(row.id, { row, codes: [code] })
      else entry.codes.push(code)
    }
    for (const { row, codes: unlocking } of unlocked.values()) promotions.push({ ...toPromotion(row), couponCodes: unlocking })
  }
  return { promotions, coupons: failures }
}

function toPromotion(row: PromotionTable): Promotion {
  const { description: _d, archivedAt: _a, createdAt: _c, updatedAt: _u, ...promotion } = toPromotionRecord(row)
  return promotion
}

function latest(a: number | null, b: number | null): number | null {
  if (a === null) return b === null ? null : Number(b)
  return b === null ? Number(a) : Math.max(Number(a), Number(b))
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b === null ? null : Number(b)
  return b === null ? Number(a) : Math.min(Number(a), Number(b))
}

function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`
}
