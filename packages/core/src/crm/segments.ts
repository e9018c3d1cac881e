import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import { z } from 'zod'
import type { Database } from '../storage/database.js'
import type { CrmRange, SegmentFilter, SegmentMember } from './crm-types.js'

const DAY = 86_400_000
const BIG = 1_000_000_000_000_000

const rangeSchema = (max: number) =>
  z
    .strictObject({ min: z.number().int().min(0).max(max).optional(), max: z.number().int().min(0).max(max).optional() })
    .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, 'min must not exceed max')
const instantSchema = z.union([z.date(), z.iso.datetime({ offset: true })]).transform((v) => (typeof v === 'string' ? new Date(v) : v))
const idList = z.array(z.string().trim().min(1).max(64)).min(1).max(500)
const scoreSchema = z.number().int().refine((n) => [Math.floor(n / 100), Math.floor(n / 10) % 10, n % 10].every((d) => d >= 1 && d <= 5) && n >= 111 && n <= 555, 'an RFM score is three digits 1–5, like 545')

/** @internal The zod schema of a segment filter. */
export const segmentFilterSchema = z.strictObject({
  ordersCount: rangeSchema(1_000_000_000).optional(),
  spend: rangeSchema(BIG).optional(),
  categories: idList.optional(),
  lastOrder: z
    .strictObject({
      withinDays: z.number().int().min(0).max(36_500).optional(),
      olderThanDays: z.number().int().min(0).max(36_500).optional(),
      after: instantSchema.optional(),
      before: instantSchema.optional(),
    })
    .refine((v) => Object.values(v).some((x) => x !== undefined), 'give withinDays, olderThanDays, after or before')
    .optional(),
  points: rangeSchema(BIG).optional(),
  rfm: z
    .strictObject({
      recency: rangeSchema(5).optional(),
      frequency: rangeSchema(5).optional(),
      monetary: rangeSchema(5).optional(),
      scores: z.array(scoreSchema).min(1).max(125).optional(),
    })
    .optional(),
  groups: idList.optional(),
  tags: idList.optional(),
})

/** @internal A validated filter as stored: absolute instants become ISO strings. */
export type StoredSegmentFilter = z.output<typeof segmentFilterSchema>

/** @internal The filter as JSON text. */
export function serializeFilter(filter: StoredSegmentFilter): string {
  // Dates serialise as ISO strings.
  return JSON.stringify(filter)
}

/** @internal A stored filter back as the public type (instants as `Date`). */
export function parseStoredFilter(text: string): SegmentFilter {
  const raw = JSON.parse(text) as SegmentFilter
  const last = raw.lastOrder
  if (last) {
    return {
      ...raw,
      lastOrder: {
        ...last,
        ...(last.after !== undefined ? { after: new Date(last.after) } : {}),
        ...(last.before !== undefined ? { before: new Date(last.before) } : {}),
      },
    }
  }
  return raw
}

/** What a segment query reads from the modules that own the data, each as a subquery so a page is one SQL statement. */
export interface SegmentSources {
  /** Customers with orders: `customer_id`, `orders_count`, `spend`, `last_order_at`. */
  customerStats(db: Kysely<Database>): SelectQueryBuilder<any, any, { customer_id: string }>
  /** Customers who bought any product in these categories. */
  buyersInCategories(db: Kysely<Database>, categoryIds: readonly string[]): SelectQueryBuilder<any, any, { customer_id: string | null }>
  /** Active points per customer: `customer_id`, `points`. */
  balances(db: Kysely<Database>, now: Date): SelectQueryBuilder<any, any, { customer_id: string }>
  /** Customers in any of the groups / with any of the tags; absent when the shop has no customer records. */
  labelled?: ((db: Kysely<Database>, filter: { groups?: readonly string[]; tags?: readonly string[] }) => SelectQueryBuilder<any, any, { customer_id: string }>) | undefined
  /** Every customer (not merged away): the population, so that customers without orders are members too; absent: customers with orders. */
  customers?: ((db: Kysely<Database>) => SelectQueryBuilder<any, any, { customer_id: string }>) | undefined
}

function inRange(column: string, range: CrmRange | undefined) {
  const parts = []
  if (range?.min !== undefined) parts.push(sql`${sql.ref(column)} >= ${range.min}`)
  if (range?.max !== undefined) parts.push(sql`${sql.ref(column)} <= ${range.max}`)
  return parts.length === 0 ? null : sql.join(parts, sql` and `)
}

/**
 * One page of a filter's members, ordered by customer id, strictly after
 * `after`: one SQL statement joining the customers, their order statistics,
 * loyalty balances and RFM scores.
 */
export async function segmentMembers(
  database: Kysely<Database>,
  sources: SegmentSources,
  filter: SegmentFilter,
  options: { now: Date; after: string | null; limit: number },
): Promise<SegmentMember[]> {
  const db = database as unknown as Kysely<any>
  const now = options.now.getTime()
  const spend = sql<number>`coalesce(s.spend, 0)`
  const points = sql<number>`coalesce(b.points, 0)`
  const count = sql<number>`coalesce(s.orders_count, 0)`
  // The population: every customer when the shop keeps customer records, else every customer with orders.
  const id = sources.customers ? 'c.customer_id' : 's.customer_id'
  const base = sources.customers
    ? db.selectFrom(sources.customers(database).as('c')).leftJoin(sources.customerStats(database).as('s'), 's.customer_id', 'c.customer_id')
    : db.selectFrom(sources.customerStats(database).as('s'))
  let query = base
    .leftJoin(sources.balances(database, options.now).as('b'), 'b.customer_id', id)
    .leftJoin('ordo_crm_rfm as r', 'r.customer_id', id)
    .select([
      `${id} as customer_id`,
      count.as('orders_count'),
      spend.as('spend'),
      's.last_order_at as last_order_at',
      points.as('points'),
      'r.score as rfm_score',
    ])
  const where: ReturnType<typeof sql>[] = []
  const add = (part: ReturnType<typeof sql> | null) => {
    if (part) where.push(part)
  }
  if (filter.ordersCount?.min !== undefined) where.push(sql`${count} >= ${filter.ordersCount.min}`)
  if (filter.ordersCount?.max !== undefined) where.push(sql`${count} <= ${filter.ordersCount.max}`)
  if (filter.spend?.min !== undefined) where.push(sql`${spend} >= ${filter.spend.min}`)
  if (filter.spend?.max !== undefined) where.push(sql`${spend} <= ${filter.spend.max}`)
  if (filter.points?.min !== undefined) where.push(sql`${points} >= ${filter.points.min}`)
  if (filter.points?.max !== undefined) where.push(sql`${points} <= ${filter.points.max}`)
  const last = filter.lastOrder
  if (last?.withinDays !== undefined) where.push(sql`s.last_order_at >= ${now - last.withinDays * DAY}`)
  if (last?.olderThanDays !== undefined) where.push(sql`s.last_order_at < ${now - last.olderThanDays * DAY}`)
  if (last?.after !== undefined) where.push(sql`s.last_order_at >= ${new Date(last.after).getTime()}`)
  if (last?.before !== undefined) where.push(sql`s.last_order_at < ${new Date(last.before).getTime()}`)
  const rfm = filter.rfm
  if (rfm) {
    where.push(sql`r.score is not null`)
    add(inRange('r.recency', rfm.recency))
    add(inRange('r.frequency', rfm.frequency))
    add(inRange('r.monetary', rfm.monetary))
    if (rfm.scores) where.push(sql`r.score in (${sql.join([...rfm.scores])})`)
  }
  for (const part of where) query = query.where(part as never)
  if (filter.categories) query = query.where(id, 'in', sources.buyersInCategories(database, filter.categories))
  if (filter.groups || filter.tags) {
    if (!sources.labelled) return []
    query = query.where(id, 'in', sources.labelled(database, { ...(filter.groups ? { groups: filter.groups } : {}), ...(filter.tags ? { tags: filter.tags } : {}) }))
  }
  if (options.after !== null) query = query.where(id, '>', options.after)
  const rows = await query.orderBy(id).limit(options.limit).execute()
  return rows.map((r: Record<string, unknown>) => ({
    customerId: String(r['customer_id']),
    ordersCount: Number(r['orders_count']),
    spend: Number(r['spend'] ?? 0),
    lastOrderAt: r['last_order_at'] === null || r['last_order_at'] === undefined ? null : new Date(Number(r['last_order_at'])),
    points: Number(r['points'] ?? 0),
    rfmScore: r['rfm_score'] === null || r['rfm_score'] === undefined ? null : Number(r['rfm_score']),
  }))
}
