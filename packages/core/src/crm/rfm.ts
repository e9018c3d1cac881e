import type { Kysely } from 'kysely'
import type { Database } from '../storage/database.js'
import type { UnitOfWork } from '../unit-of-work.js'
import type { CrmRfmTable } from './crm-schema.js'
import type { RfmScore } from './crm-types.js'
import type { SegmentSources } from './segments.js'

/** Customers read per statistics page, and rows per insert. */
const PAGE = 5000
const INSERT_CHUNK = 500

/**
 * Quintile scores 1–5 of `values`: a value scores `1 + ⌊5·below/n⌋`, where
 * `below` counts the values strictly smaller, so equal values always get
 * the same score and the top fifth gets 5.
 */
export function quintileScores(values: readonly number[]): number[] {
  const n = values.length
  const sorted = [...values].sort((a, b) => a - b)
  const below = new Map<number, number>()
  for (let i = 0; i < n; i++) if (!below.has(sorted[i]!)) below.set(sorted[i]!, i)
  return values.map((v) => 1 + Math.floor((5 * below.get(v)!) / n))
}

/**
 * Scores every customer with at least one (not cancelled) order by recency
 * (last order date), frequency (orders) and monetary value (spend) in
 * quintiles over all of them, and replaces the stored scores. Reads the
 * statistics a page at a time, writes in multi-row inserts.
 */
export async function scoreRfm(uow: UnitOfWork, sources: Pick<SegmentSources, 'customerStats'>): Promise<{ customers: number }> {
  const db = uow.db as unknown as Kysely<any>
  const ids: string[] = []
  const last: number[] = []
  const count: number[] = []
  const spend: number[] = []
  let after: string | null = null
  for (;;) {
    let query = db
      .selectFrom(sources.customerStats(uow.db).as('s'))
      .select(['s.customer_id as customer_id', 's.orders_count as orders_count', 's.spend as spend', 's.last_order_at as last_order_at'])
      .where('s.orders_count', '>', 0)
      .orderBy('s.customer_id')
      .limit(PAGE)
    if (after !== null) query = query.where('s.customer_id', '>', after)
    const rows: Record<string, unknown>[] = await query.execute()
    for (const r of rows) {
      ids.push(String(r['customer_id']))
      count.push(Number(r['orders_count']))
      spend.push(Number(r['spend'] ?? 0))
      last.push(Number(r['last_order_at']))
    }
    if (rows.length < PAGE) break
    after = ids[ids.length - 1]!
  }
  const r = quintileScores(last)
  const f = quintileScores(count)
  const m = quintileScores(spend)
  const at = uow.now.getTime()
  await uow.db.deleteFrom('ordo_crm_rfm').execute()
  const rows: CrmRfmTable[] = ids.map((customerId, i) => ({
    customer_id: customerId,
    recency: r[i]!,
    frequency: f[i]!,
    monetary: m[i]!,
    score: r[i]! * 100 + f[i]! * 10 + m[i]!,
    orders_count: count[i]!,
    spend: spend[i]!,
    last_order_at: last[i]!,
    scored_at: at,
  }))
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await uow.db.insertInto('ordo_crm_rfm').values(rows.slice(i, i + INSERT_CHUNK)).execute()
  return { customers: rows.length }
}

/** A customer's stored RFM scores, or undefined when they were never scored. */
export async function rfmOf(db: Kysely<Database>, customerId: string): Promise<RfmScore | undefined> {
  const row = await db.selectFrom('ordo_crm_rfm').selectAll().where('customer_id', '=', customerId).executeTakeFirst()
  if (!row) return undefined
  return {
    customerId: row.customer_id,
    recency: Number(row.recency),
    frequency: Number(row.frequency),
    monetary: Number(row.monetary),
    score: Number(row.score),
    ordersCount: Number(row.orders_count),
    spend: Number(row.spend),
    lastOrderAt: new Date(Number(row.last_order_at)),
    scoredAt: new Date(Number(row.scored_at)),
  }
}
