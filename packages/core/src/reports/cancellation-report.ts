import { sql, type RawBuilder } from 'kysely'
import type { Runtime } from '../runtime.js'
import { ratio, type ReportPeriod } from './report-period.js'
import { bucketIndex, inShopCurrency, num, periodInfo, periodOrderIds, placedIn, type Buckets } from './report-sql.js'
import type { CancellationReport, DeliveryOutcomes } from './reports-types.js'

/** The shipment statuses that record what the customer did with the goods; a shipment takes exactly one of them. */
export const OUTCOME_STATES = ['delivered', 'partially_delivered', 'refused'] as const

/** How long a parcel may wait at a pickup point before its outcome: arrivals this much before a period are still read. */
const MAX_WAIT_AT_POINT_MS = 60 * 86_400_000

/**
 * A derived table of the shipment outcomes the kernel's transition history
 * holds: `shipment_id`, `outcome` (one of {@link OUTCOME_STATES}), `at` (when
 * it was recorded) and `arrived_at` (when the parcel reached the customer: its
 * arrival at a pickup point, else the outcome). The history is used, not the
 * shipment's status, because a refused or partly refused shipment moves on to
 * `returning` and `returned`. Narrowed to outcomes recorded in `recordedIn`,
 * or to the shipments of orders placed in `ordersOf`.
 */
export function shipmentOutcomes(narrow: { recordedIn: ReportPeriod } | { ordersOf: ReportPeriod }): RawBuilder<unknown> {
  const outcomes = sql.join([...OUTCOME_STATES])
  const outcomeAt = sql`MIN(CASE WHEN to_state IN (${outcomes}) THEN at END)`
  const where =
    'recordedIn' in narrow
      ? sql`at >= ${sql.lit(narrow.recordedIn.from - MAX_WAIT_AT_POINT_MS)} AND at < ${sql.lit(narrow.recordedIn.to)}`
      : sql`entity_id IN (SELECT id FROM ordo_shipment WHERE order_id IN (${periodOrderIds(narrow.ordersOf)}))`
  const having = 'recordedIn' in narrow ? sql`${outcomeAt} >= ${sql.lit(narrow.recordedIn.from)}` : sql`${outcomeAt} IS NOT NULL`
  return sql`(
    SELECT entity_id AS shipment_id, MIN(CASE WHEN to_state IN (${outcomes}) THEN to_state END) AS outcome, ${outcomeAt} AS at, MIN(at) AS arrived_at
    FROM ordo_transition
    WHERE machine = 'shipment' AND to_state IN ('at_pickup_point', ${outcomes}) AND ${where}
    GROUP BY entity_id
    HAVING ${having}
  )`
}

/**
 * Cancellation rate by reason and by bucket, and the partial-buyout and
 * refusal rates of the outbound shipments, all for orders placed in the
 * period. A cancelled order is one with a cancellation reason (the `cancel`
 * transition records it); returns after delivery are not cancellations.
 */
export async function cancellationReport(runtime: Runtime, period: ReportPeriod, buckets: Buckets): Promise<CancellationReport> {
  const db = runtime.db
  const [byBucket, byReason, outcomes] = await Promise.all([
    sql<{ bucket: unknown; placed: unknown; cancelled: unknown }>`
      SELECT ${bucketIndex(sql.ref('o.placed_at'), buckets)} AS bucket, COUNT(*) AS placed,
        SUM(CASE WHEN o.cancel_reason IS NOT NULL THEN 1 ELSE 0 END) AS cancelled
      FROM ordo_order o WHERE ${placedIn(period)}
      GROUP BY 1
    `.execute(db),
    sql<{ reason: string; orders: unknown; value: unknown }>`
      SELECT o.cancel_reason AS reason, COUNT(*) AS orders, SUM(CASE WHEN ${inShopCurrency(runtime)} THEN o.total ELSE 0 END) AS value
      FROM ordo_order o WHERE ${placedIn(period)} AND o.cancel_reason IS NOT NULL
      GROUP BY o.cancel_reason
    `.execute(db),
    sql<{ shipments: unknown; delivered: unknown; partial: unknown; refused: unknown }>`
      SELECT COUNT(*) AS shipments,
        SUM(CASE WHEN t.outcome = 'delivered' THEN 1 ELSE 0 END) AS delivered,
        SUM(CASE WHEN t.outcome = 'partially_delivered' THEN 1 ELSE 0 END) AS partial,
        SUM(CASE WHEN t.outcome = 'refused' THEN 1 ELSE 0 END) AS refused
      FROM ordo_shipment sh JOIN ${shipmentOutcomes({ ordersOf: period })} t ON t.shipment_id = sh.id JOIN ordo_order o ON o.id = sh.order_id
      WHERE sh.direction = 'outbound' AND ${placedIn(period)}
    `.execute(db),
  ])
  // The value side counts each order once, however many shipments it had.
  const values = await sql<{ order_value: unknown; refused_value: unknown }>`
    SELECT SUM(o.total) AS order_value, SUM(o.refused_total) AS refused_value FROM ordo_order o
    WHERE ${placedIn(period)} AND ${inShopCurrency(runtime)} AND o.id IN (
      SELECT sh.order_id FROM ordo_shipment sh JOIN ${shipmentOutcomes({ ordersOf: period })} t ON t.shipment_id = sh.id WHERE sh.direction = 'outbound'
    )
  `.execute(db)

  const counts = new Map(byBucket.rows.map((r) => [num(r.bucket), { placed: num(r.placed), cancelled: num(r.cancelled) }]))
  const byPeriod = buckets.labels.map((label, index) => {
    const c = counts.get(index) ?? { placed: 0, cancelled: 0 }
    return { period: label, placed: c.placed, cancelled: c.cancelled, cancellationRate: ratio(c.cancelled, c.placed) }
  })
  const placed = byPeriod.reduce((s, r) => s + r.placed, 0)
  const cancelled = byPeriod.reduce((s, r) => s + r.cancelled, 0)
  const rows = byReason.rows
    .map((r) => ({ reason: r.reason, orders: num(r.orders), value: num(r.value) }))
    .sort((a, b) => b.orders - a.orders || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0))
    .map((r) => ({ reason: r.reason, orders: r.orders, rate: ratio(r.orders, placed), shareOfCancelled: ratio(r.orders, cancelled), value: r.value }))

  const o = outcomes.rows[0]
  const shipments = num(o?.shipments)
  const partiallyDelivered = num(o?.partial)
  const refused = num(o?.refused)
  const orderValue = num(values.rows[0]?.order_value)
  const refusedValue = num(values.rows[0]?.refused_value)
  const delivery: DeliveryOutcomes = {
    shipments,
    delivered: num(o?.delivered),
    partiallyDelivered,
    refused,
    partialBuyoutRate: ratio(partiallyDelivered, shipments),
    refusalRate: ratio(refused, shipments),
    orderValue,
    refusedValue,
    refusedValueRate: ratio(refusedValue, orderValue),
  }
  return {
    period: periodInfo(period),
    rows,
    totals: { placed, cancelled, cancellationRate: ratio(cancelled, placed), cancelledValue: rows.reduce((s, r) => s + r.value, 0) },
    byPeriod,
    outcomes: delivery,
  }
}
