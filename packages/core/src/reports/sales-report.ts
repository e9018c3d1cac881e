import { sql } from 'kysely'
import type { Runtime } from '../runtime.js'
import { ratio, type ReportPeriod } from './report-period.js'
import { bucketIndex, num, periodInfo, periodOrderIds, perUnit, soldOrders, type Buckets } from './report-sql.js'
import type { SalesFigures, SalesReport, SalesReportOptions, SalesRow } from './reports-types.js'

interface SalesSqlRow {
  bucket: unknown
  source?: string | null
  medium?: string | null
  campaign?: string | null
  orders: unknown
  revenue: unknown
  refused: unknown
  refunded: unknown
  discounts: unknown
  delivery: unknown
  goods: unknown
  cost: unknown
  uncosted: unknown
  refused_cost: unknown
  points: unknown
}

interface Sums {
  orders: number
  revenue: number
  refused: number
  refunded: number
  discounts: number
  delivery: number
  lineGoods: number
  lineCost: number
  refusedCost: number
  uncostedLines: number
  pointsSpent: number
}

const ZERO: Sums = { orders: 0, revenue: 0, refused: 0, refunded: 0, discounts: 0, delivery: 0, lineGoods: 0, lineCost: 0, refusedCost: 0, uncostedLines: 0, pointsSpent: 0 }

function add(a: Sums, b: Sums): Sums {
  const out = { ...a }
  for (const key of Object.keys(out) as (keyof Sums)[]) out[key] += b[key]
  return out
}

function figures(s: Sums): SalesFigures {
  const goods = s.lineGoods - s.refused - s.refunded
  const cost = s.lineCost - s.refusedCost
  return {
    orders: s.orders,
    revenue: s.revenue,
    averageOrderValue: perUnit(s.revenue, s.orders),
    goods,
    cost,
    grossMargin: goods - cost,
    marginRate: ratio(goods - cost, goods),
    discounts: s.discounts,
    pointsSpent: s.pointsSpent,
    delivery: s.delivery,
    refused: s.refused,
    refunded: s.refunded,
    uncostedLines: s.uncostedLines,
  }
}

/**
 * Revenue, orders, AOV, gross margin, discounts and points spent per bucket
 * (and channel). One aggregate query over the period's sold orders joined to
 * per-order sums of their lines, refused units and points spends.
 */
export async function salesReport(runtime: Runtime, period: ReportPeriod, buckets: Buckets, options: SalesReportOptions): Promise<SalesReport> {
  const ids = periodOrderIds(period)
  const byChannel = options.byChannel === true
  const channel = byChannel ? sql`, s.channel_source AS source, s.channel_medium AS medium, s.channel_campaign AS campaign` : sql``
  const groupBy = byChannel ? sql`GROUP BY 1, 2, 3, 4` : sql`GROUP BY 1`
  const { rows } = await sql<SalesSqlRow>`
    SELECT ${bucketIndex(sql.ref('s.placed_at'), buckets)} AS bucket${channel},
      COUNT(*) AS orders, SUM(s.revenue) AS revenue, SUM(s.refused) AS refused, SUM(s.refunded) AS refunded,
      SUM(s.discount_total) AS discounts, SUM(s.delivery_total) AS delivery,
      SUM(COALESCE(l.goods, 0)) AS goods, SUM(COALESCE(l.cost, 0)) AS cost, SUM(COALESCE(l.uncosted, 0)) AS uncosted,
      SUM(COALESCE(rc.refused_cost, 0)) AS refused_cost, SUM(COALESCE(pt.points, 0)) AS points
    FROM ${soldOrders(runtime, period)} s
    LEFT JOIN (
      SELECT order_id, SUM(total) AS goods, SUM(cost_price * quantity) AS cost, SUM(CASE WHEN cost_price IS NULL THEN 1 ELSE 0 END) AS uncosted
      FROM ordo_order_line WHERE order_id IN (${ids}) GROUP BY order_id
    ) l ON l.order_id = s.id
    LEFT JOIN (
      SELECT ol.order_id AS order_id, SUM(sl.refused_quantity * ol.cost_price) AS refused_cost
      FROM ordo_shipment_line sl JOIN ordo_shipment sh ON sh.id = sl.shipment_id JOIN ordo_order_line ol ON ol.id = sl.order_line_id
      WHERE sh.direction = 'outbound' AND sl.refused_quantity > 0 AND ol.order_id IN (${ids})
      GROUP BY ol.order_id
    ) rc ON rc.order_id = s.id
    LEFT JOIN (
      SELECT order_id, -SUM(points) AS points FROM ordo_loyalty_entry
      WHERE kind = 'spend' AND status IN ('held', 'committed') AND order_id IN (${ids})
      GROUP BY order_id
    ) pt ON pt.order_id = s.id
    ${groupBy}
  `.execute(runtime.db)

  const sumsOf = (r: SalesSqlRow): Sums => ({
    orders: num(r.orders),
    revenue: num(r.revenue),
    refused: num(r.refused),
    refunded: num(r.refunded),
    discounts: num(r.discounts),
    delivery: num(r.delivery),
    lineGoods: num(r.goods),
    lineCost: num(r.cost),
    refusedCost: num(r.refused_cost),
    uncostedLines: num(r.uncosted),
    pointsSpent: num(r.points),
  })

  let total = ZERO
  const out: SalesRow[] = []
  if (byChannel) {
    const sorted = rows
      .map((r) => ({ index: num(r.bucket), source: r.source ?? null, medium: r.medium ?? null, campaign: r.campaign ?? null, sums: sumsOf(r) }))
      .sort((a, b) => a.index - b.index || cmp(a.source, b.source) || cmp(a.medium, b.medium) || cmp(a.campaign, b.campaign))
    for (const r of sorted) {
      total = add(total, r.sums)
      out.push({ period: buckets.labels[r.index]!, source: r.source, medium: r.medium, campaign: r.campaign, ...figures(r.sums) })
    }
  } else {
    const byBucket = new Map(rows.map((r) => [num(r.bucket), sumsOf(r)]))
    buckets.labels.forEach((label, index) => {
      const sums = byBucket.get(index) ?? ZERO
      total = add(total, sums)
      out.push({ period: label, source: null, medium: null, campaign: null, ...figures(sums) })
    })
  }
  return { period: periodInfo(period), rows: out, totals: figures(total) }
}

/** Orders text with null first, by code points, so every database sorts channels alike. */
export function cmp(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return -1
  if (b === null) return 1
  return a < b ? -1 : 1
}
