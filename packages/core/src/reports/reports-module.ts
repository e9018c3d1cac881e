import { z } from 'zod'
import type { DeliveryInternal } from '../delivery/delivery-module.js'
import type { Runtime } from '../runtime.js'
import { parseInput } from '../validation.js'
import { cancellationReport } from './cancellation-report.js'
import { createFunnelReports, type FunnelReports } from './funnel-report.js'
import { retentionReport } from './cohort-report.js'
import { courierReport } from './courier-report.js'
import { crossSellReport } from './cross-sell-report.js'
import { managerReport } from './manager-report.js'
import { toCsv, type ReportPeriodInput } from './report-period.js'
import { parsePeriod } from './report-sql.js'
import { salesReport } from './sales-report.js'
import { acquisitionReport, CHANNEL_LEVELS, recordSpend } from './spend-report.js'
import type {
  AcquisitionOptions,
  AcquisitionReport,
  AdSpend,
  CancellationReport,
  CourierReport,
  CrossSellOptions,
  CrossSellReport,
  ManagerReport,
  RecordSpendInput,
  RetentionReport,
  SalesReport,
  SalesReportOptions,
} from './reports-types.js'

export { reportsMigrations, type ReportsTables } from './reports-schema.js'

/**
 * `shop.reports`: the numbers that run a shop — revenue, orders, AOV and
 * margin by period and channel, cancellations, partial buyout and refusals,
 * cross-sell, repeat purchases and cohorts, cost per order and per new
 * customer from recorded ad spend, courier and manager performance; the
 * funnel and experiment results.
 *
 * Reports are read models: they read the tables of orders, payments,
 * shipments, the catalog, loyalty and the transition history read-only with
 * SQL aggregation (GROUP BY over the period, never a query per order) and
 * return plain data — rows and totals — that `csv()` turns into a file. The
 * only table the module owns is the ad spend it records.
 *
 * Every report takes a period `{ from, to, timeZone, groupBy }`: orders count
 * in the period when placed in `[from, to)`; a date alone (`2026-03-01`) is
 * midnight in `timeZone`; days, ISO weeks and months are cut in `timeZone`
 * (an order at 23:30 in Moscow lands on that Moscow day), with boundaries
 * computed once and passed to SQL as literals, so every database buckets
 * alike. Money is added up only over orders in the shop's currency (amounts
 * in different currencies do not add); order counts of the funnel,
 * cancellation and manager reports include every order.
 *
 * What counts as revenue: orders placed in the period and not in a status of
 * the machine's `cancel` group (cancelled, returned), at their total minus
 * the goods refused at delivery (`refusedTotal`) minus refunds — a refund a
 * delivery outcome started for refused goods is that same money and is not
 * taken off twice. Margin is the goods' value on the same terms minus the
 * cost price of the units kept.
 *
 * @example
 * ```ts
 * const march = { from: '2026-03-01T00:00:00+03:00', to: '2026-04-01T00:00:00+03:00', timeZone: 'Europe/Moscow', groupBy: 'day' } as const
 * const sales = await shop.reports.sales(march)
 * console.log(sales.totals.revenue, sales.totals.averageOrderValue)
 * await shop.reports.recordSpend({ channel: { source: 'yandex', medium: 'cpc' }, date: '2026-03-02', amount: 150_000 })
 * const csv = shop.reports.csv((await shop.reports.acquisition(march)).rows)
 * ```
 */
export interface ReportsApi extends FunnelReports {
  /** Revenue, sold orders, AOV, gross margin, discounts and points spent per bucket; `byChannel` splits each bucket by UTM source, medium and campaign. */
  sales(period: ReportPeriodInput, options?: SalesReportOptions): Promise<SalesReport>
  /** Cancellation rate by reason and by bucket, and the partial-buyout and refusal rates of the period's orders' shipments. */
  cancellations(period: ReportPeriodInput): Promise<CancellationReport>
  /** Share of order value from lines outside the order's main category per bucket, and the top product pairs bought together. */
  crossSell(period: ReportPeriodInput, options?: CrossSellOptions): Promise<CrossSellReport>
  /** Repeat purchase rate of the period's customers and monthly cohort retention (cohorts are always months). */
  retention(period: ReportPeriodInput): Promise<RetentionReport>
  /** Records one day's ad spend on a channel; recording the same channel and day again replaces the amount. */
  recordSpend(input: RecordSpendInput): Promise<AdSpend>
  /** Cost per order and per new customer by channel, and return on ad spend, from the spend recorded for the period's days. */
  acquisition(period: ReportPeriodInput, options?: AcquisitionOptions): Promise<AcquisitionReport>
  /** On-time rate against the checkout estimate, refusal rate and cost per delivery, per carrier and method (whole period; `groupBy` is not used). */
  couriers(period: ReportPeriodInput): Promise<CourierReport>
  /** Time to confirm, confirmation and cancellation rates per assigned manager (whole period; `groupBy` is not used). */
  managers(period: ReportPeriodInput): Promise<ManagerReport>
  /**
   * A report's rows as CSV (RFC 4180, CRLF line ends); columns are the first
   * row's keys unless given, arrays and objects are written as JSON.
   *
   * @example
   * ```ts
   * await writeFile('sales.csv', shop.reports.csv((await shop.reports.sales(march)).rows))
   * ```
   */
  csv(rows: readonly object[], columns?: readonly string[]): string
}

interface ReportsDeps {
  delivery: Pick<DeliveryInternal, 'settings'>
}

const salesOptions = z.strictObject({ byChannel: z.boolean().optional() }).optional()
const crossSellOptions = z.strictObject({ topPairs: z.number().int().min(0).max(100).optional() }).optional()
const acquisitionOptions = z.strictObject({ level: z.enum(CHANNEL_LEVELS).optional() }).optional()
const csvColumns = z.array(z.string().min(1)).optional()

/** Creates the reports module: read-model queries over the other modules' tables, and the ad spend it records. */
export function createReportsModule(runtime: Runtime, deps: ReportsDeps): { api: ReportsApi } {
  const api: ReportsApi = {
    ...createFunnelReports(runtime),
    async sales(input, options) {
      const { period, buckets } = parsePeriod('reports.sales', input)
      return salesReport(runtime, period, buckets, parseInput('reports.sales', salesOptions, options) ?? {})
    },
    async cancellations(input) {
      const { period, buckets } = parsePeriod('reports.cancellations', input)
      return cancellationReport(runtime, period, buckets)
    },
    async crossSell(input, options) {
      const { period, buckets } = parsePeriod('reports.crossSell', input)
      return crossSellReport(runtime, period, buckets, parseInput('reports.crossSell', crossSellOptions, options) ?? {})
    },
    async retention(input) {
      const { period } = parsePeriod('reports.retention', input, 'month')
      return retentionReport(runtime, period)
    },
    recordSpend: (input) => recordSpend(runtime, input),
    async acquisition(input, options) {
      const { period } = parsePeriod('reports.acquisition', input, 'month')
      return acquisitionReport(runtime, period, parseInput('reports.acquisition', acquisitionOptions, options) ?? {})
    },
    async couriers(input) {
      const { period } = parsePeriod('reports.couriers', input, 'month')
      return courierReport(runtime, period, deps.delivery.settings.calendar.timeZone)
    },
    async managers(input) {
      const { period } = parsePeriod('reports.managers', input, 'month')
      return managerReport(runtime, period)
    },
    csv(rows, columns) {
      if (!Array.isArray(rows)) parseInput('reports.csv', z.array(z.object({})), rows)
      return toCsv(rows as readonly Record<string, unknown>[], parseInput('reports.csv', csvColumns, columns))
    },
  }
  return { api }
}
