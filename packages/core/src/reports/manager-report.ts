import { sql } from 'kysely'
import type { Runtime } from '../runtime.js'
import { ratio, type ReportPeriod } from './report-period.js'
import { inShopCurrency, isCancelled, num, otherRefunds, periodInfo, periodOrderIds, placedIn } from './report-sql.js'
import type { ManagerFigures, ManagerReport, ManagerRow } from './reports-types.js'
import { cmp } from './sales-report.js'

const MINUTE = 60_000

interface Sums {
  orders: number
  confirmed: number
  confirmMs: number
  cancelled: number
  revenue: number
}

function figures(s: Sums): ManagerFigures {
  return {
    orders: s.orders,
    confirmed: s.confirmed,
    confirmationRate: ratio(s.confirmed, s.orders),
    averageMinutesToConfirm: s.confirmed === 0 ? 0 : Math.round((s.confirmMs / s.confirmed / MINUTE) * 10) / 10,
    cancelled: s.cancelled,
    cancellationRate: ratio(s.cancelled, s.orders),
    revenue: s.revenue,
  }
}

/**
 * Manager performance over orders placed in the period, by the order's
 * assigned manager: how many were confirmed and how long after placing (the
 * first `confirm` transition in the order's history), how many were cancelled,
 * and the revenue of those sold. One aggregate query.
 */
export async function managerReport(runtime: Runtime, period: ReportPeriod): Promise<ManagerReport> {
  const { rows } = await sql<{ manager_id: string | null; orders: unknown; confirmed: unknown; confirm_ms: unknown; cancelled: unknown; revenue: unknown }>`
    SELECT o.manager_id AS manager_id, COUNT(*) AS orders,
      SUM(CASE WHEN c.confirmed_at IS NOT NULL THEN 1 ELSE 0 END) AS confirmed,
      SUM(CASE WHEN c.confirmed_at IS NOT NULL THEN c.confirmed_at - o.placed_at ELSE 0 END) AS confirm_ms,
      SUM(CASE WHEN o.cancel_reason IS NOT NULL THEN 1 ELSE 0 END) AS cancelled,
      SUM(CASE WHEN ${isCancelled(runtime, sql.ref('o.status'))} OR NOT (${inShopCurrency(runtime)}) THEN 0 ELSE o.total - o.refused_total - COALESCE(rf.refunded, 0) END) AS revenue
    FROM ordo_order o
    LEFT JOIN (
      SELECT entity_id AS order_id, MIN(at) AS confirmed_at FROM ordo_transition
      WHERE machine = 'order' AND transition = 'confirm' AND entity_id IN (${periodOrderIds(period)})
      GROUP BY entity_id
    ) c ON c.order_id = o.id
    LEFT JOIN ${otherRefunds(period)} rf ON rf.order_id = o.id
    WHERE ${placedIn(period)}
    GROUP BY o.manager_id
  `.execute(runtime.db)
  const total: Sums = { orders: 0, confirmed: 0, confirmMs: 0, cancelled: 0, revenue: 0 }
  const out: ManagerRow[] = rows
    .map((r) => ({
      managerId: r.manager_id,
      sums: { orders: num(r.orders), confirmed: num(r.confirmed), confirmMs: num(r.confirm_ms), cancelled: num(r.cancelled), revenue: num(r.revenue) },
    }))
    .sort((a, b) => cmp(a.managerId, b.managerId))
    .map((r) => {
      for (const k of Object.keys(total) as (keyof Sums)[]) total[k] += r.sums[k]
      return { managerId: r.managerId, ...figures(r.sums) }
    })
  return { period: periodInfo(period), rows: out, totals: figures(total) }
}
