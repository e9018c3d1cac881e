import { sql } from 'kysely'
import type { Runtime } from '../runtime.js'
import { ratio, type ReportPeriod } from './report-period.js'
import { bucketIndex, bucketsOf, customerKey, notCancelled, num, periodInfo } from './report-sql.js'
import type { CohortRow, RetentionReport } from './reports-types.js'

/**
 * Repeat purchase rate of the customers who bought in the period, and monthly
 * cohort retention: customers grouped by the month (in the period's time
 * zone) of their first sold order ever, for cohorts starting in the period,
 * and the share of each cohort buying again in each later month up to the
 * period's end. Cohorts are always monthly, whatever the period's grouping.
 * A customer is the order's customer id, else its contact phone, else its
 * e-mail; orders with none of them are left out.
 */
export async function retentionReport(runtime: Runtime, period: ReportPeriod): Promise<RetentionReport> {
  const db = runtime.db
  const months = bucketsOf({ ...period, groupBy: 'month' })
  const key = customerKey()
  const sold = sql`${notCancelled(runtime, sql.ref('o.status'))} AND ${key} IS NOT NULL`
  const from = sql.lit(period.from)
  const to = sql.lit(period.to)

  // One row per customer who bought up to the period's end, narrowed to those who bought in it; summed in SQL.
  const perCustomer = sql`(
    SELECT ${key} AS customer_key, MIN(o.placed_at) AS first_at,
      SUM(CASE WHEN o.placed_at >= ${from} THEN 1 ELSE 0 END) AS in_period
    FROM ordo_order o WHERE ${sold} AND o.placed_at < ${to}
    GROUP BY ${key}
  )`
  const totals = await sql<{ customers: unknown; new_customers: unknown; repeat_customers: unknown }>`
    SELECT COUNT(*) AS customers,
      SUM(CASE WHEN c.first_at >= ${from} THEN 1 ELSE 0 END) AS new_customers,
      SUM(CASE WHEN c.in_period >= 2 THEN 1 ELSE 0 END) AS repeat_customers
    FROM ${perCustomer} c WHERE c.in_period > 0
  `.execute(db)

  const firsts = sql`(
    SELECT ${key} AS customer_key, MIN(o.placed_at) AS first_at FROM ordo_order o
    WHERE ${sold} AND o.placed_at < ${to}
    GROUP BY ${key}
  )`
  const activity = sql`(
    SELECT ${key} AS customer_key, ${bucketIndex(sql.ref('o.placed_at'), months)} AS month FROM ordo_order o
    WHERE ${sold} AND o.placed_at >= ${from} AND o.placed_at < ${to}
    GROUP BY ${key}, 2
  )`
  const { rows: cells } = await sql<{ cohort: unknown; month: unknown; customers: unknown }>`
    SELECT f.cohort AS cohort, a.month AS month, COUNT(*) AS customers
    FROM (
      SELECT fc.customer_key AS customer_key, ${bucketIndex(sql.ref('fc.first_at'), months)} AS cohort
      FROM ${firsts} fc WHERE fc.first_at >= ${from}
    ) f
    JOIN ${activity} a ON a.customer_key = f.customer_key
    GROUP BY f.cohort, a.month
  `.execute(db)

  const grid = new Map<string, number>()
  for (const c of cells) grid.set(`${num(c.cohort)}:${num(c.month)}`, num(c.customers))
  const rows: CohortRow[] = months.labels.map((label, cohort) => {
    const size = grid.get(`${cohort}:${cohort}`) ?? 0
    const active: number[] = []
    for (let month = cohort; month < months.labels.length; month++) active.push(grid.get(`${cohort}:${month}`) ?? 0)
    return { cohort: label, customers: size, active, retention: active.map((n) => ratio(n, size)) }
  })

  const t = totals.rows[0]
  const customers = num(t?.customers)
  const newCustomers = num(t?.new_customers)
  const repeatCustomers = num(t?.repeat_customers)
  return {
    period: periodInfo(period),
    rows,
    totals: { customers, newCustomers, returningCustomers: customers - newCustomers, repeatCustomers, repeatRate: ratio(repeatCustomers, customers) },
  }
}
