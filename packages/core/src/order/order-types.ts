import type { Address, ChannelAttribution } from '../cart/cart-types.js'
import type { Reservation } from '../inventory/inventory-types.js'
import type { CurrencyCode } from '../money/index.js'
import type { VatRate } from '../money/vat.js'
import type { LineDiscount, PriceBreakdown, PricingContext } from '../pricing/index.js'
import type { OrderMachineConfig } from './order-machine.js'

/** One line of an order: what was sold, at what price, with which discounts. */
export interface OrderLine {
  id: string
  /** 1, 2, 3… in the order lines were added. */
  lineNo: number
  variantId: string
  productId: string
  sku: string
  name: string
  quantity: number
  /** Price of one unit, VAT included, minor units. */
  unitPrice: number
  discountTotal: number
  /** `unitPrice × quantity − discountTotal`. */
  total: number
  vatRate: VatRate
  vatAmount: number
  /** Every discount on the line (order-level ones allocated to it), for refunds and fiscal receipts. */
  discounts: LineDiscount[]
  /** Purchase cost of one unit at the time of the sale, for margin reports. */
  costPrice: number | null
  /** Fiscal payment subject (`commodity`, `service`…). */
  paymentSubject: string
  weightGrams: number | null
}

/** An order's money, minor units of `currency`. */
export interface OrderTotals {
  /** Σ line subtotals before discounts. */
  subtotal: number
  /** Σ line discounts. */
  discountTotal: number
  /** Delivery after its discount. */
  deliveryTotal: number
  vatTotal: number
  /** The payment method's fee, when the method charges one. */
  paymentFee: number
  /** What the customer pays: Σ line totals + delivery + payment fee. */
  total: number
}

/** An order as `shop.orders` returns it. */
export interface Order {
  id: string
  /** Human number (`100245`), unique. */
  number: string
  /** The status (a state of the order machine). */
  status: string
  /** The status's group (board column), or null when the machine gives it none. */
  group: string | null
  /** Grows by one with every change; pass it as `expectedVersion` to refuse stale edits. */
  version: number
  cartId: string | null
  customerId: string | null
  contact: { name: string | null; phone: string | null; email: string | null }
  shippingAddress: Address | null
  notes: string | null
  currency: CurrencyCode
  region: string | null
  channel: ChannelAttribution
  /** Everything the order is re-priced with when it changes. */
  pricingContext: PricingContext
  totals: OrderTotals
  breakdown: PriceBreakdown
  lines: OrderLine[]
  /** The delivery choice, as checkout or `changeDelivery` stored it. */
  delivery: unknown | null
  /** E.g. `pay_later`, `card_online`, `cash_on_delivery`. */
  paymentMethod: string
  managerId: string | null
  cancelReason: string | null
  idempotencyKey: string | null
  placedAt: Date
  updatedAt: Date
  /** When an order in a status with the `expires` capability is cancelled for want of confirmation or payment. */
  reservationExpiresAt: Date | null
  /** Goods value the customer refused at delivery (partial buyout or refusal), minor units: the order finally costs `totals.total − refusedTotal`. */
  refusedTotal: number
}

/** A row of the order list: no lines, no breakdown. */
export type OrderSummary = Omit<Order, 'lines' | 'breakdown' | 'pricingContext'>

/** One status change in an order's history. */
export interface OrderHistoryEntry {
  transition: string
  from: string
  to: string
  /** `customer`, `manager:7`, `system`, `plugin:acme`… */
  actor: string
  reason: string | null
  note: string | null
  at: Date
}

/** What kind of change an {@link OrderChange} records. */
export const ORDER_CHANGE_KINDS = [
  'quantity_changed',
  'line_removed',
  'line_added',
  'variant_substituted',
  'address_changed',
  'delivery_changed',
  'manager_assigned',
] as const
/** One of {@link ORDER_CHANGE_KINDS}. */
export type OrderChangeKind = (typeof ORDER_CHANGE_KINDS)[number]

/** One versioned change of an order's content: what, totals before and after, who. */
export interface OrderChange {
  id: string
  /** The order's version after the change. */
  version: number
  kind: OrderChangeKind
  /** What changed (line, SKU, quantities, address…). */
  details: Record<string, unknown>
  totalsBefore: OrderTotals
  totalsAfter: OrderTotals
  /** `totalsAfter.total − totalsBefore.total`: positive means the customer owes more. */
  amountDueDelta: number
  actor: string
  at: Date
}

/** Outcomes of a confirmation call. */
export const CALL_OUTCOMES = ['confirmed', 'no_answer', 'call_back_later'] as const
/** One of {@link CALL_OUTCOMES}. */
export type CallOutcome = (typeof CALL_OUTCOMES)[number]

/** A call to the customer about an order. */
export interface OrderCall {
  id: string
  /** The manager who called. */
  manager: string
  outcome: CallOutcome
  note: string | null
  at: Date
}

/** Everything the back office shows on an order's page. */
export interface OrderView {
  order: Order
  /** Status changes, oldest first. */
  history: OrderHistoryEntry[]
  /** Content changes, oldest first. */
  changes: OrderChange[]
  /** Calls, oldest first. */
  calls: OrderCall[]
  /** Stock held for the order (and released or converted), oldest first. */
  reservations: Reservation[]
}

/** Filter and page of `shop.orders.list()`, newest first. */
export interface ListOrdersInput {
  /** One status or several. */
  status?: string | string[]
  /** A status group, e.g. `approval`. */
  group?: string
  /** Placed at or after. */
  from?: Date
  /** Placed before. */
  to?: Date
  /** Any notation; compared in E.164. */
  phone?: string
  /** Any case. */
  email?: string
  managerId?: string
  /** Channel source (UTM source). */
  source?: string
  number?: string
  /** @default 50, at most 500 */
  limit?: number
  /** `nextCursor` of the previous page. */
  cursor?: string | null
}

/** A page of orders. */
export interface OrderPage {
  items: OrderSummary[]
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

/** Counts for an order board: per status and per group. */
export interface OrderBoard {
  /** Every status of the machine with its count (zero included), in machine order. */
  statuses: { status: string; label: string; group: string | null; count: number }[]
  /** Every group with its count, in board order. */
  groups: { group: string; count: number }[]
}

/** Who acts and, optionally, the version they saw. */
export interface OrderCommandOptions {
  /** `manager:7`, `customer`, `system`, `plugin:acme`… */
  actor: string
  /** The version the caller saw; a different current version is `CONFLICT`, nothing written. */
  expectedVersion?: number
}

/** Options of `shop.orders.transition()`. */
export interface TransitionOrderOptions extends OrderCommandOptions {
  reason?: string
  note?: string
}

/** How an order was confirmed. */
export const CONFIRMATION_CHANNELS = ['call', 'sms', 'auto'] as const
/** One of {@link CONFIRMATION_CHANNELS}. */
export type ConfirmationChannel = (typeof CONFIRMATION_CHANNELS)[number]

/** Options of `shop.orders.confirm()`. */
export interface ConfirmOrderOptions extends OrderCommandOptions {
  /** `auto` is only accepted when `orders.autoConfirmPrepaid` is on. */
  channel: ConfirmationChannel
  note?: string
}

/** Options of `shop.orders.cancel()`. */
export interface CancelOrderOptions extends OrderCommandOptions {
  /** One of the configured cancellation reasons. */
  reason: string
  note?: string
}

/** The answer of `shop.orders.confirmByCode()`: confirmed, or why not. */
export type ConfirmByCodeResult =
  | { ok: true; order: Order }
  | {
      ok: false
      /** `wrong_code` (try again), `expired` / `too_many_attempts` / `no_code` (request a new code). */
      reason: 'wrong_code' | 'expired' | 'too_many_attempts' | 'no_code'
      /** Attempts left with this code. */
      attemptsLeft: number
    }

/** What `requestConfirmationCode` did: the code went out (through a job) and until when it is valid. */
export interface ConfirmationCodeRequest {
  orderId: string
  /** The phone the code was sent to (E.164). */
  phone: string
  expiresAt: Date
}

/** Input of `shop.orders.logCall()`. */
export interface LogCallInput {
  manager: string
  outcome: CallOutcome
  note?: string
  /** @default `manager:<manager>` */
  actor?: string
}

/** Input of the line edits; each names the line by id. */
export interface ChangeQuantityInput extends OrderCommandOptions {
  lineId: string
  quantity: number
}
/** Input of `shop.orders.removeLine()`. */
export interface RemoveLineInput extends OrderCommandOptions {
  lineId: string
}
/** Input of `shop.orders.addLine()`: a SKU the manager adds (up-sell, cross-sell); a SKU already on the order adds to its line. */
export interface AddLineInput extends OrderCommandOptions {
  sku: string
  quantity: number
}
/** Input of `shop.orders.substituteVariant()`: replaces a line's variant (e.g. out of stock) by another SKU. */
export interface SubstituteVariantInput extends OrderCommandOptions {
  lineId: string
  sku: string
  /** @default the line's quantity */
  quantity?: number
}
/** Input of `shop.orders.changeAddress()`. */
export interface ChangeAddressInput extends OrderCommandOptions {
  address: Address | null
}
/** Input of `shop.orders.changeDelivery()`: the delivery choice and its price (null: not priced). */
export interface ChangeDeliveryInput extends OrderCommandOptions {
  delivery: Record<string, unknown> | null
  price: { amount: number; label?: string } | null
}
/** Input of `shop.orders.assignManager()`. */
export interface AssignManagerInput extends OrderCommandOptions {
  /** null to unassign. */
  managerId: string | null
}

/** The `orders` section of `createCommerce()`'s config. */
export interface OrdersConfig {
  /**
   * Changes to the default order machine (add, relabel, remove statuses and
   * transitions), or `{ replace }` a whole machine of your own (it must keep
   * the `confirm` and `cancel` transition names; statuses are yours).
   */
  machine?: OrderMachineConfig
  /** Reasons `cancel` accepts. @default DEFAULT_CANCELLATION_REASONS */
  cancellationReasons?: string[]
  /** Minutes an order may stay in a status with the `expires` capability before it is cancelled. @default 1440 (a day) */
  reservationTtlMinutes?: number
  /** SMS confirmation codes. */
  confirmationCode?: {
    /** Digits. @default 4 (4 to 8) */
    length?: number
    /** @default 10 */
    ttlMinutes?: number
    /** Wrong codes accepted before the code is burnt. @default 5 */
    maxAttempts?: number
  }
  /** After this many "no answer" calls, the order is cancelled with reason `no_answer`; null: never. @default null */
  autoCancelAfterNoAnswer?: number | null
  /** Allow confirmation with channel `auto` (prepaid orders confirmed when paid). @default false */
  autoConfirmPrepaid?: boolean
  /** The first order number checkout hands out. @default 100001 */
  numberStart?: number
}
