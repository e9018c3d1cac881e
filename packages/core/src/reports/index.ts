/**
 * Reports: revenue, orders, AOV and margin by period and channel,
 * cancellations, partial buyout and refusals, cross-sell, repeat purchases
 * and cohorts, ad spend and cost per order, courier and manager performance
 * — `shop.reports`. Read models over the other modules' tables, with periods
 * cut in a time zone and CSV export.
 *
 * @module
 */
export type { ReportsApi } from './reports-module.js'
export { REPORT_GROUPINGS, toCsv } from './report-period.js'
export type { ReportGrouping, ReportPeriodInput } from './report-period.js'
export { CHANNEL_LEVELS } from './spend-report.js'
export type {
  AcquisitionFigures,
  AcquisitionOptions,
  AcquisitionReport,
  AcquisitionRow,
  AdSpend,
  CancellationPeriodRow,
  CancellationReasonRow,
  CancellationReport,
  CancellationTotals,
  ChannelLevel,
  CohortRow,
  CourierFigures,
  CourierReport,
  CourierRow,
  CrossSellOptions,
  CrossSellReport,
  CrossSellRow,
  DeliveryOutcomes,
  ManagerFigures,
  ManagerReport,
  ManagerRow,
  ProductPairRow,
  RecordSpendInput,
  Report,
  ReportPeriodInfo,
  RetentionReport,
  RetentionTotals,
  SalesFigures,
  SalesReport,
  SalesReportOptions,
  SalesRow,
} from './reports-types.js'
