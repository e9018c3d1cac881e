import { TZDate } from '@date-fns/tz'
import { addDays } from 'date-fns/addDays'
import { addMonths } from 'date-fns/addMonths'
import { addWeeks } from 'date-fns/addWeeks'
import { lightFormat } from 'date-fns/lightFormat'
import { sql, type RawBuilder } from 'kysely'
import { statesInGroup } from '../machine/machine-queries.js'
import type { RefundPurpose } from '../payment/index.js'
import type { Runtime } from '../runtime.js'
import { parseInput, validationError } from '../validation.js'
import { bucketStart, reportPeriodSchema, type ReportGrouping, type ReportPeriod } from './report-period.js'
import type { ReportPeriodInfo } from './reports-types.js'

/** The order machine's group whose statuses mean the sale did not happen (cancelled, returned). */
const CANCEL_GROUP = 'cancel'
/** The purpose of refunds for goods refused at delivery: their money is the order's `refused_total` already. */
const REFUSED_GOODS: RefundPurpose = 'refused_goods'
/** A period cut into more buckets than this is refused: the SQL that buckets rows would grow past sense. */
export const MAX_BUCKETS = 1_000

/** The buckets of a period: their labels and the instants they start at (the first may start before `from`). */
export interface Buckets {
  labels: string[]
  starts: number[]
}

/** Cuts the period into its buckets in its time zone. */
export function bucketsOf(period: ReportPeriod): Buckets {
  const labels: string[] = []
  const starts: number[] = []
  let at = new TZDate(bucketStart(period.from, period), period.timeZone)
  while (at.getTime() < period.to) {
    starts.push(at.getTime())
    labels.push(lightFormat(at, period.groupBy === 'month' ? 'yyyy-MM' : 'yyyy-MM-dd'))
    at = period.groupBy === 'day' ? addDays(at, 1) : period.groupBy === 'week' ? addWeeks(at, 1) : addMonths(at, 1)
  }
  return { labels, starts }
}

/**
 * A SQL expression giving the bucket index (0-based) of an instant column, as
 * nested CASEs halving the boundaries: about log2(buckets) comparisons a row
 * instead of one per bucket (a year by day is 9 instead of up to 365). The
 * boundaries are inlined as literals: the same text (so it can be grouped by)
 * and the same answer on every database, whatever the time zone. Rows must
 * already be limited to the period.
 */
export function bucketIndex(column: RawBuilder<unknown>, buckets: Buckets): RawBuilder<number> {
  const starts = buckets.starts
  const node = (lo: number, hi: number): RawBuilder<number> => {
    if (lo === hi) return sql<number>`${sql.lit(lo)}`
    const mid = (lo + hi + 1) >> 1
    return sql<number>`CASE WHEN ${column} < ${sql.lit(starts[mid]!)} THEN ${node(lo, mid - 1)} ELSE ${node(mid, hi)} END`
  }
  return node(0, Math.max(0, starts.length - 1))
}

/** The statuses of the order machine in the `cancel` group (read at query time: plugins may add statuses). */
export function cancelStatuses(runtime: Runtime): string[] {
  const machine = runtime.machines.get('order')?.machine
  return machine ? statesInGroup(machine, CANCEL_GROUP) : ['cancelled', 'returned']
}

/** `<column> NOT IN (cancel statuses)`, or true when the machine has none. */
export function notCancelled(runtime: Runtime, column: RawBuilder<unknown>): RawBuilder<boolean> {
  const statuses = cancelStatuses(runtime)
  return statuses.length === 0 ? sql<boolean>`1 = 1` : sql<boolean>`${column} NOT IN (${sql.join(statuses)})`
}

/** `<column> IN (cancel statuses)`, or false when the machine has none. */
export function isCancelled(runtime: Runtime, column: RawBuilder<unknown>): RawBuilder<boolean> {
  const statuses = cancelStatuses(runtime)
  return statuses.length === 0 ? sql<boolean>`1 = 0` : sql<boolean>`${column} IN (${sql.join(statuses)})`
}

/** Orders in the shop's currency (`<alias>.currency`): reports add money up, and amounts in different currencies do not add. */
export function inShopCurrency(runtime: Runtime, alias = 'o'): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(`${alias}.currency`)} = ${runtime.currency}`
}

/** Orders placed in the period: `<alias>.placed_at` within `[from, to)`. */
export function placedIn(period: ReportPeriod, alias = 'o'): RawBuilder<boolean> {
  const at = sql.ref(`${alias}.placed_at`)
  return sql<boolean>`${at} >= ${sql.lit(period.from)} AND ${at} < ${sql.lit(period.to)}`
}

/** Who bought: the order's customer id, else its contact phone, else its e-mail (guests). */
export function customerKey(alias = 'o'): RawBuilder<string | null> {
  return sql<string | null>`COALESCE(${sql.ref(`${alias}.customer_id`)}, ${sql.ref(`${alias}.contact_phone`)}, ${sql.ref(`${alias}.contact_email`)})`
}

/** `SELECT id FROM ordo_order` of the orders placed in the period, to narrow subqueries over lines, payments… */
export function periodOrderIds(period: ReportPeriod): RawBuilder<unknown> {
  return sql`SELECT id FROM ordo_order WHERE placed_at >= ${sql.lit(period.from)} AND placed_at < ${sql.lit(period.to)}`
}

/**
 * A derived table of refunds per order of the period, other than those for
 * goods refused at delivery (their money is the order's `refused_total`
 * already): Σ payments' `refunded` − Σ succeeded refund operations whose
 * purpose is `refused_goods`. Columns `order_id`, `refunded`.
 */
export function otherRefunds(period: ReportPeriod): RawBuilder<unknown> {
  const ids = periodOrderIds(period)
  return sql`(
    SELECT pr.order_id AS order_id, pr.refunded - COALESCE(po.refused_refunded, 0) AS refunded
    FROM (SELECT p.order_id AS order_id, SUM(p.refunded) AS refunded FROM ordo_payment p WHERE p.order_id IN (${ids}) GROUP BY p.order_id) pr
    LEFT JOIN (
      SELECT p2.order_id AS order_id, SUM(op.amount) AS refused_refunded
      FROM ordo_payment_operation op JOIN ordo_payment p2 ON p2.id = op.payment_id
      WHERE op.kind = 'refund' AND op.status = 'succeeded' AND op.purpose = ${REFUSED_GOODS} AND p2.order_id IN (${ids})
      GROUP BY p2.order_id
    ) po ON po.order_id = pr.order_id
  )`
}

/**
 * A derived table of the period's sold orders (placed in the period, status
 * not in the `cancel` group, in the shop's currency) with their revenue: total − refused − other
 * refunds. Columns: `id`, `placed_at`, `channel_source`, `channel_medium`,
 * `channel_campaign`, `customer_key`, `manager_id`, `total`, `refused`,
 * `refunded`, `revenue`, `discount_total`, `delivery_total`.
 */
export function soldOrders(runtime: Runtime, period: ReportPeriod): RawBuilder<unknown> {
  return sql`(
    SELECT o.id AS id, o.placed_at AS placed_at, o.channel_source AS channel_source, o.channel_medium AS channel_medium,
      o.channel_campaign AS channel_campaign, ${customerKey()} AS customer_key, o.manager_id AS manager_id, o.total AS total,
      o.refused_total AS refused, COALESCE(rf.refunded, 0) AS refunded, o.total - o.refused_total - COALESCE(rf.refunded, 0) AS revenue,
      o.discount_total AS discount_total, o.delivery_total AS delivery_total
    FROM ordo_order o LEFT JOIN ${otherRefunds(period)} rf ON rf.order_id = o.id
    WHERE ${placedIn(period)} AND ${notCancelled(runtime, sql.ref('o.status'))} AND ${inShopCurrency(runtime)}
  )`
}

/** A database number (bigint, numeric and decimal come back as text on some drivers) as a JS number; null → 0. */
export function num(value: unknown): number {
  if (value === null || value === undefined) return 0
  return typeof value === 'number' ? value : Number(value)
}

/** The period as reports hand it back. */
export function periodInfo(period: ReportPeriod): ReportPeriodInfo {
  return { from: new Date(period.from), to: new Date(period.to), timeZone: period.timeZone, groupBy: period.groupBy }
}

/** part ÷ whole rounded to a whole number (kopecks), 0 when whole is 0. */
export function perUnit(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round(part / whole)
}

const APPROX_BUCKET_MS = { day: 86_400_000, week: 7 * 86_400_000, month: 28 * 86_400_000 } as const

/** Validates a report's period (`VALIDATION` on bad input, or when it would make more than {@link MAX_BUCKETS} buckets) and cuts it into buckets of its grouping, or of `cutBy` for reports with a fixed one. */
export function parsePeriod(command: string, input: unknown, cutBy?: ReportGrouping): { period: ReportPeriod; buckets: Buckets } {
  const period = parseInput(command, reportPeriodSchema, input)
  const unit = cutBy ?? period.groupBy
  if ((period.to - period.from) / APPROX_BUCKET_MS[unit] > MAX_BUCKETS) {
    throw validationError(command, [{ path: 'to', message: `the period holds more than ${MAX_BUCKETS} ${unit}s; group by a longer unit or shorten it` }])
  }
  return { period, buckets: bucketsOf({ ...period, groupBy: unit }) }
}
