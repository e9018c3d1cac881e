import { TZDate } from '@date-fns/tz'
import { lightFormat } from 'date-fns/lightFormat'
import { sql } from 'kysely'
import type { Runtime } from '../runtime.js'
import { ratio, type ReportPeriod } from './report-period.js'
import { num, periodInfo, perUnit } from './report-sql.js'
import { shipmentOutcomes } from './cancellation-report.js'
import type { CourierFigures, CourierReport, CourierRow } from './reports-types.js'
import { cmp } from './sales-report.js'

const DAY = 86_400_000

interface Acc {
  shipments: number
  withEstimate: number
  onTime: number
  daysMs: number
  partiallyDelivered: number
  refused: number
  deliveryCost: number
  orders: Set<string>
}

const empty = (): Acc => ({ shipments: 0, withEstimate: 0, onTime: 0, daysMs: 0, partiallyDelivered: 0, refused: 0, deliveryCost: 0, orders: new Set() })

function figures(a: Acc): CourierFigures {
  return {
    shipments: a.shipments,
    withEstimate: a.withEstimate,
    onTime: a.onTime,
    onTimeRate: ratio(a.onTime, a.withEstimate),
    averageDays: a.shipments === 0 ? 0 : Math.round((a.daysMs / a.shipments / DAY) * 10) / 10,
    partiallyDelivered: a.partiallyDelivered,
    refused: a.refused,
    refusalRate: ratio(a.refused, a.shipments),
    partialBuyoutRate: ratio(a.partiallyDelivered, a.shipments),
    deliveryCost: a.deliveryCost,
    costPerDelivery: perUnit(a.deliveryCost, a.orders.size),
  }
}

/**
 * Courier performance per carrier and delivery method, over outbound
 * shipments whose outcome was recorded in the period: on time when the day
 * the parcel reached the customer (its arrival at a pickup point, else the
 * outcome) in the delivery calendar's time zone is not after the last day of
 * the estimate given at checkout; refusal and partial-buyout rates;
 * what the carrier charged per order delivered. The estimate and the price
 * live in the order's delivery choice (JSON), so one row per shipment is
 * read in a single query and summed here.
 */
export async function courierReport(runtime: Runtime, period: ReportPeriod, calendarTimeZone: string): Promise<CourierReport> {
  const { rows } = await sql<{ carrier: string; method_type: string; order_id: string; outcome: string; at: unknown; arrived_at: unknown; placed_at: unknown; delivery: string | null }>`
    SELECT sh.carrier AS carrier, sh.method_type AS method_type, sh.order_id AS order_id, t.outcome AS outcome, t.at AS at, t.arrived_at AS arrived_at,
      o.placed_at AS placed_at, o.delivery AS delivery
    FROM ordo_shipment sh JOIN ${shipmentOutcomes({ recordedIn: period })} t ON t.shipment_id = sh.id JOIN ordo_order o ON o.id = sh.order_id
    WHERE sh.direction = 'outbound' AND t.at >= ${sql.lit(period.from)} AND t.at < ${sql.lit(period.to)}
  `.execute(runtime.db)

  const groups = new Map<string, { carrier: string; methodType: string; acc: Acc }>()
  const total = empty()
  for (const r of rows) {
    const id = `${r.carrier}\u0000${r.method_type}`
    let group = groups.get(id)
    if (!group) groups.set(id, (group = { carrier: r.carrier, methodType: r.method_type, acc: empty() }))
    const choice = r.delivery === null ? null : (JSON.parse(r.delivery) as { estimate?: { to?: string }; price?: number; carrierPrice?: number })
    const at = num(r.at)
    const day = lightFormat(new TZDate(num(r.arrived_at), calendarTimeZone), 'yyyy-MM-dd')
    const deadline = choice?.estimate?.to
    for (const acc of [group.acc, total]) {
      acc.shipments += 1
      acc.daysMs += at - num(r.placed_at)
      if (r.outcome === 'partially_delivered') acc.partiallyDelivered += 1
      if (r.outcome === 'refused') acc.refused += 1
      if (deadline) {
        acc.withEstimate += 1
        if (day <= deadline) acc.onTime += 1
      }
      // An order split into several shipments paid for its delivery once.
      if (!acc.orders.has(r.order_id)) {
        acc.orders.add(r.order_id)
        acc.deliveryCost += choice?.carrierPrice ?? choice?.price ?? 0
      }
    }
  }
  const out: CourierRow[] = [...groups.values()]
    .sort((a, b) => cmp(a.carrier, b.carrier) || cmp(a.methodType, b.methodType))
    .map((g) => ({ carrier: g.carrier, methodType: g.methodType, ...figures(g.acc) }))
  return { period: periodInfo(period), rows: out, totals: figures(total) }
}
