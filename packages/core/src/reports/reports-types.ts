import type { ReportGrouping } from './report-period.js'

/** The period a report covered, as it was parsed: `[from, to)`, the time zone and the grouping. */
export interface ReportPeriodInfo {
  from: Date
  to: Date
  timeZone: string
  groupBy: ReportGrouping
}

/** What every report returns: the period, plain rows (ready for `shop.reports.csv(rows)`) and totals over them. */
export interface Report<Row, Totals> {
  period: ReportPeriodInfo
  rows: Row[]
  totals: Totals
}

/** The money and counts of sold orders: the row of {@link SalesReport} and its totals. */
export interface SalesFigures {
  /** Sold orders: placed in the period and not in a status of the `cancel` group (cancelled, returned). */
  orders: number
  /** Σ order total − goods refused at delivery − other refunds, minor units. */
  revenue: number
  /** revenue ÷ orders, rounded to the kopeck; 0 without orders. */
  averageOrderValue: number
  /** Goods value after discounts (Σ line totals) − refused − other refunds. */
  goods: number
  /** Purchase cost of the goods kept: Σ cost price × (quantity − refused units); lines without a cost price count 0 (see `uncostedLines`). */
  cost: number
  /** goods − cost. */
  grossMargin: number
  /** grossMargin ÷ goods, four decimals. */
  marginRate: number
  /** Σ order discounts (promotions, coupons and points), minor units. */
  discounts: number
  /** Loyalty points redeemed by these orders (held or committed spends). */
  pointsSpent: number
  /** Σ delivery charged. */
  delivery: number
  /** Goods value the customers refused at delivery (partial buyout, refusals). */
  refused: number
  /** Money refunded by succeeded refunds other than those of goods refused at delivery (already in `refused`). */
  refunded: number
  /** Order lines with no cost price, whose cost the margin cannot include. */
  uncostedLines: number
}

/** One row of {@link SalesReport}: a time bucket, and with `byChannel` a channel within it. */
export interface SalesRow extends SalesFigures {
  /** The bucket label: `2026-03-01` (day, or the Monday of a week) or `2026-03` (month). */
  period: string
  /** UTM source; null for direct orders or when not split by channel. */
  source: string | null
  medium: string | null
  campaign: string | null
}

/** Revenue, orders, AOV, margin, discounts and points spent per period (and channel). */
export type SalesReport = Report<SalesRow, SalesFigures>

/** Options of `shop.reports.sales()`. */
export interface SalesReportOptions {
  /** Split every bucket by channel (UTM source, medium and campaign). @default false */
  byChannel?: boolean
}

/** One row of {@link CancellationReport}: a cancellation reason. */
export interface CancellationReasonRow {
  reason: string
  /** Orders of the period cancelled with this reason. */
  orders: number
  /** orders ÷ orders placed in the period. */
  rate: number
  /** orders ÷ all cancelled orders of the period. */
  shareOfCancelled: number
  /** Σ totals of those orders, minor units. */
  value: number
}

/** One bucket of {@link CancellationReport.byPeriod}. */
export interface CancellationPeriodRow {
  period: string
  placed: number
  cancelled: number
  /** cancelled ÷ placed. */
  cancellationRate: number
}

/** What happened at the door or the pickup point to the outbound shipments of the period's orders. */
export interface DeliveryOutcomes {
  /** Shipments with an outcome (delivered, partially delivered or refused). */
  shipments: number
  /** Everything kept. */
  delivered: number
  /** Some items kept, some refused (partial buyout). */
  partiallyDelivered: number
  /** Nothing kept. */
  refused: number
  /** partiallyDelivered ÷ shipments. */
  partialBuyoutRate: number
  /** refused ÷ shipments. */
  refusalRate: number
  /** Σ totals of the orders those shipments belong to, minor units. */
  orderValue: number
  /** Σ goods value refused on those orders (`refused_total`). */
  refusedValue: number
  /** refusedValue ÷ orderValue. */
  refusedValueRate: number
}

/** Totals of {@link CancellationReport}. */
export interface CancellationTotals {
  placed: number
  cancelled: number
  cancellationRate: number
  cancelledValue: number
}

/** Cancellation rate by reason and by period, plus partial-buyout and refusal rates, for orders placed in the period. */
export interface CancellationReport extends Report<CancellationReasonRow, CancellationTotals> {
  byPeriod: CancellationPeriodRow[]
  outcomes: DeliveryOutcomes
}

/** One bucket of {@link CrossSellReport}. */
export interface CrossSellRow {
  period: string
  orders: number
  /** Orders with some value outside their main category. */
  crossSellOrders: number
  /** Σ line totals of the orders. */
  value: number
  /** Σ line totals outside each order's main category (the category holding most of the order's value). */
  crossSellValue: number
  /** crossSellValue ÷ value. */
  crossSellShare: number
}

/** Two products bought in the same order. */
export interface ProductPairRow {
  productA: string
  nameA: string
  productB: string
  nameB: string
  /** Sold orders holding both. */
  orders: number
  /** orders ÷ all sold orders of the period. */
  share: number
}

/** Share of order value from outside the order's main category, and the products most often bought together. */
export interface CrossSellReport extends Report<CrossSellRow, Omit<CrossSellRow, 'period'>> {
  pairs: ProductPairRow[]
}

/** Options of `shop.reports.crossSell()`. */
export interface CrossSellOptions {
  /** How many product pairs to return, most frequent first. @default 10 */
  topPairs?: number
}

/** One cohort of {@link RetentionReport}: customers whose first sold order fell in a month. */
export interface CohortRow {
  /** The cohort month, `2026-03`. */
  cohort: string
  /** Customers in the cohort. */
  customers: number
  /** Share of the cohort with a sold order in the cohort's month + n, for every month up to the period's end (`[1, …]`). */
  retention: number[]
  /** Customers with a sold order in the cohort's month + n. */
  active: number[]
}

/** Repeat purchase figures for the customers who bought in the period. */
export interface RetentionTotals {
  /** Customers with a sold order in the period. */
  customers: number
  /** Of those, customers whose first sold order ever is in the period. */
  newCustomers: number
  /** Of those, customers who had bought before the period. */
  returningCustomers: number
  /** Customers with two or more sold orders in the period. */
  repeatCustomers: number
  /** repeatCustomers ÷ customers. */
  repeatRate: number
}

/** Repeat purchase rate and monthly cohort retention; customers are the order's customer id, else its contact phone, else its e-mail. */
export type RetentionReport = Report<CohortRow, RetentionTotals>

/** What `shop.reports.recordSpend()` takes: money spent on a channel on a day. */
export interface RecordSpendInput {
  channel: { source: string; medium?: string | null | undefined; campaign?: string | null | undefined }
  /** The calendar day, `YYYY-MM-DD`, or a `Date`: the day it falls on in `timeZone`. */
  date: string | Date
  /** Minor units, ≥ 0. Recording the same channel and day again replaces the amount. */
  amount: number
  /** Must be the shop's currency (`VALIDATION` otherwise): spend is weighed against revenue in it. @default the shop's currency */
  currency?: string
  /** IANA time zone a `Date` in `date` is turned into a calendar day in; use the one your reports are run in. @default 'UTC' */
  timeZone?: string
}

/** One day's ad spend on a channel, as stored. */
export interface AdSpend {
  id: string
  source: string
  medium: string | null
  campaign: string | null
  date: string
  amount: number
  currency: string
  updatedAt: Date
}

/** How finely {@link AcquisitionReport} splits channels. */
export type ChannelLevel = 'source' | 'medium' | 'campaign'

/** Options of `shop.reports.acquisition()`. */
export interface AcquisitionOptions {
  /** `source`; `medium`: source + medium; `campaign`: source + medium + campaign. @default 'source' */
  level?: ChannelLevel
}

/** Spend against results for a channel. */
export interface AcquisitionFigures {
  /** Ad spend recorded on the days of the period, minor units. */
  spend: number
  /** Sold orders placed in the period. */
  orders: number
  /** Their revenue (as in the sales report). */
  revenue: number
  /** Customers whose first sold order ever came through the channel in the period. */
  newCustomers: number
  /** spend ÷ orders in minor units, rounded; null without orders. */
  costPerOrder: number | null
  /** spend ÷ newCustomers, rounded; null without new customers. */
  costPerNewCustomer: number | null
  /** Return on ad spend: revenue ÷ spend, four decimals; null without spend. */
  roas: number | null
}

/** One channel of {@link AcquisitionReport}. */
export interface AcquisitionRow extends AcquisitionFigures {
  source: string | null
  medium: string | null
  campaign: string | null
}

/** Cost per order and per new customer by channel, and return on ad spend. */
export type AcquisitionReport = Report<AcquisitionRow, AcquisitionFigures>

/** Figures of one carrier and delivery method. */
export interface CourierFigures {
  /** Outbound shipments whose outcome (delivered, partially delivered, refused) was recorded in the period. */
  shipments: number
  /** Of those, with an estimated date recorded at checkout. */
  withEstimate: number
  /** Reached the customer (arrived at the pickup point, else the outcome) on or before the estimate's last day, in the delivery calendar's time zone. */
  onTime: number
  /** onTime ÷ withEstimate. */
  onTimeRate: number
  /** Mean days from the order being placed to the outcome, one decimal. */
  averageDays: number
  partiallyDelivered: number
  refused: number
  /** refused ÷ shipments. */
  refusalRate: number
  /** partiallyDelivered ÷ shipments. */
  partialBuyoutRate: number
  /** Σ what the carrier charged for the orders' deliveries (the customer's price where the carrier's was not recorded). */
  deliveryCost: number
  /** deliveryCost ÷ orders delivered, rounded; 0 without any. */
  costPerDelivery: number
}

/** One row of {@link CourierReport}. */
export interface CourierRow extends CourierFigures {
  carrier: string
  methodType: string
}

/** On-time rate against the estimate given at checkout, refusal rate and cost per delivery, per carrier and method. */
export type CourierReport = Report<CourierRow, CourierFigures>

/** Figures of one manager. */
export interface ManagerFigures {
  /** Orders placed in the period and assigned to the manager. */
  orders: number
  /** Of those, confirmed. */
  confirmed: number
  /** confirmed ÷ orders. */
  confirmationRate: number
  /** Mean minutes from placing to confirmation, one decimal. */
  averageMinutesToConfirm: number
  cancelled: number
  /** cancelled ÷ orders. */
  cancellationRate: number
  /** Revenue of the manager's sold orders (as in the sales report). */
  revenue: number
}

/** One row of {@link ManagerReport}; `managerId` null gathers unassigned orders. */
export interface ManagerRow extends ManagerFigures {
  managerId: string | null
}

/** Time to confirm, confirmation and cancellation rates per manager (the order's assigned manager). */
export type ManagerReport = Report<ManagerRow, ManagerFigures>
