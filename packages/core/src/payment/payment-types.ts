import type { CurrencyCode } from '../money/index.js'
import type { FiscalPaymentMode, FiscalReceipt, PaymentProvider, WebhookRequest } from './payment-provider.js'
import type { SellerRequisites } from './payment-requisites.js'

/**
 * Statuses of the payment machine: `pending` → `requires_action` (customer
 * redirect) → `authorized` (held) → `captured` / `partially_captured` →
 * `partially_refunded` / `refunded`; side exits `voided`, `failed`, `expired`.
 */
export const PAYMENT_STATUSES = [
  'pending',
  'requires_action',
  'authorized',
  'captured',
  'partially_captured',
  'partially_refunded',
  'refunded',
  'voided',
  'failed',
  'expired',
] as const
/** One of {@link PAYMENT_STATUSES}. */
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number]

/**
 * Kinds of payment method:
 * - `card_online`, `ewallet`, `sbp`, `installment`: through a provider (card may be two-stage);
 * - `bank_invoice`: an invoice for a legal entity, marked paid by a manager;
 * - `pay_at_pickup`, `courier_terminal`: paid on receipt, recorded by a manager;
 * - `cash_on_delivery`: collected by the carrier, settled by a remittance statement.
 */
export const PAYMENT_METHOD_TYPES = ['card_online', 'ewallet', 'sbp', 'installment', 'bank_invoice', 'pay_at_pickup', 'courier_terminal', 'cash_on_delivery'] as const
/** One of {@link PAYMENT_METHOD_TYPES}. */
export type PaymentMethodType = (typeof PAYMENT_METHOD_TYPES)[number]

/** Method types that go through a payment provider. */
export const PROVIDER_METHOD_TYPES: readonly PaymentMethodType[] = ['card_online', 'ewallet', 'sbp', 'installment']
/** Method types paid when the goods are received: the order proceeds without a payment. */
export const PAY_ON_RECEIPT_METHOD_TYPES: readonly PaymentMethodType[] = ['pay_at_pickup', 'courier_terminal', 'cash_on_delivery']

/** A payment method the shop offers, in `payments.methods` of the config. */
export interface PaymentMethodConfig {
  /** The code carts and orders name (`card`, `sbp`, `cod`…). */
  code: string
  type: PaymentMethodType
  /** Shown to the customer. @default the code */
  label?: string
  /** Provider id (provider-hosted types). @default the first configured provider */
  provider?: string
  /** The provider-side method (`bank_card`, `sbp`, `installments`). @default null: the customer chooses on the provider's page */
  providerMethod?: string
  /** `card_online` only: hold first, capture later. @default false */
  twoStage?: boolean
  /** Offered only in these regions. @default everywhere */
  regions?: string[]
  /** Offered only with these delivery types (`courier`, `pickup_point`, `post`, `pickup`). @default with any */
  deliveryTypes?: string[]
  /** Smallest order total (minor units) it is offered for. */
  minAmount?: number
  /** Largest order total (minor units) it is offered for. */
  maxAmount?: number
  /** A fee (positive) or discount (negative) in basis points of the total (100 = 1%). */
  feeBasisPoints?: number
  /** A fixed fee (positive) or discount (negative), minor units. */
  feeFixed?: number
}

/** The `payments` section of `createCommerce()`'s config. */
export interface PaymentsConfig {
  /** Provider adapters (`yookassa(...)`, `cloudpayments(...)`). */
  providers?: PaymentProvider[]
  /** The methods the shop offers. @default card_online through the first provider (if any), pay_at_pickup and cash_on_delivery */
  methods?: PaymentMethodConfig[]
  /** Per provider call attempt. @default 30_000 */
  timeoutMs?: number
  /** Attempts of one provider call on retryable failures (same idempotency key each time). @default 3 */
  maxAttempts?: number
  /** First retry delay; doubles per attempt. @default 200 */
  retryBackoffMs?: number
  /** Payments pending, requiring action or held longer than this are synced with their provider by `reconcile()`. @default 15 */
  reconcileAfterMinutes?: number
  /** How long a provider keeps a hold. @default 7 */
  holdDays?: number
  /** What happens to a hold a day before it expires. @default 'void' */
  onHoldExpiry?: 'capture' | 'void'
  /** The seller's requisites printed on bank invoices; required to issue them. */
  seller?: SellerRequisites
}

/** A method as `shop.payments.methods()` offers it for a cart or an order. */
export interface PaymentMethod {
  code: string
  type: PaymentMethodType
  label: string
  providerId: string | null
  twoStage: boolean
  /** Paid when the goods are received: the order proceeds without it. */
  payOnReceipt: boolean
  /** Fee (positive) or discount (negative) for the given amount, minor units; 0 without an amount. */
  fee: number
}

/** What `methods()` filters by: an order total, region and delivery type. */
export interface PaymentMethodQuery {
  amount?: number
  region?: string | null
  deliveryType?: string | null
}

/** A payment as `shop.payments` returns it. */
export interface Payment {
  id: string
  orderId: string
  orderNumber: string
  method: string
  methodType: PaymentMethodType
  providerId: string | null
  providerPaymentId: string | null
  status: PaymentStatus
  currency: CurrencyCode
  /** Authorised (or, offline, expected) amount, minor units. */
  amount: number
  captured: number
  refunded: number
  twoStage: boolean
  /** Where to send the customer (status `requires_action`). */
  confirmationUrl: string | null
  failureReason: string | null
  trackingNumber: string | null
  version: number
  createdAt: Date
  updatedAt: Date
}

/** The order's payment state, derived from its payments (never stored). */
export const ORDER_PAYMENT_STATUSES = ['unpaid', 'partially_paid', 'paid', 'overpaid', 'refund_due'] as const
/** One of {@link ORDER_PAYMENT_STATUSES}. */
export type OrderPaymentStatus = (typeof ORDER_PAYMENT_STATUSES)[number]

/** An order's money as its payments say. */
export interface OrderPaymentState {
  status: OrderPaymentStatus
  /** Σ captured over the payments. */
  captured: number
  /** Σ refunded over the payments. */
  refunded: number
  /** total − (captured − refunded): positive, the customer owes; negative, the shop owes. */
  due: number
  /** The order total it was compared with. */
  total: number
}

/** `shop.payments.forOrder()`: the payments and the derived state. */
export interface OrderPayments {
  payments: Payment[]
  state: OrderPaymentState
}

/** Input of `shop.payments.start()`. */
export interface StartPaymentInput {
  /** A method code from `methods()`. */
  method: string
  /** Where the provider's page sends the customer back. */
  returnUrl?: string
  /** The client's key: a retry returns the same payment. */
  idempotencyKey: string
  /** @default what is still due on the order */
  amount?: number
  /** COD: the shipment's tracking number, for remittance matching. */
  trackingNumber?: string
  /** The currency the caller means; anything but the order's is `CURRENCY_MISMATCH`. @default the order's */
  currency?: CurrencyCode
}

/** Input of `shop.payments.capture()`. */
export interface CapturePaymentInput {
  /** @default what the order still owes, at most the hold */
  amount?: number
  idempotencyKey: string
  /** The currency the caller means; anything but the order's is `CURRENCY_MISMATCH`. @default the order's */
  currency?: CurrencyCode
}

/**
 * What a refund gives money back for, stored with each refund:
 * - `refused_goods` — goods the customer refused at the door or the pickup
 *   point (try-on, partial buyout). Their value is already in the order's
 *   refused total, so reports do not take such a refund off revenue again.
 *   A shipment outcome plans these itself; give it to `payments.refund` only
 *   for refused goods paid offline (the order shows `refund_due`).
 * - `return` — goods sent back after the customer kept them.
 * - `cancellation` — money of an order that was cancelled.
 * - `other` — anything else (a goodwill refund, a price correction, a refund
 *   made in the provider's back office).
 */
export const REFUND_PURPOSES = ['refused_goods', 'return', 'cancellation', 'other'] as const
/** One of {@link REFUND_PURPOSES}. */
export type RefundPurpose = (typeof REFUND_PURPOSES)[number]

/** Input of `shop.payments.refund()`: an amount, or lines (allocated from the order's breakdown), never both. */
export interface RefundPaymentInput {
  amount?: number
  lines?: { lineId: string; quantity: number }[]
  reason: string
  /**
   * What the refund is for; reports read it (see {@link REFUND_PURPOSES}).
   * @default 'other'
   * @example
   * ```ts
   * await shop.payments.refund(paymentId, { amount: 1500_00, reason: 'jacket returned', purpose: 'return', idempotencyKey })
   * ```
   */
  purpose?: RefundPurpose
  idempotencyKey: string
  /** Who refunds; required for cash refunds (COD, pickup). @default 'system' */
  actor?: string
  /** The currency the caller means; anything but the order's is `CURRENCY_MISMATCH`. @default the order's */
  currency?: CurrencyCode
}

/** Input of `shop.payments.recordCash()`: money a manager took (pickup, courier terminal, paid invoice). */
export interface RecordCashInput {
  amount: number
  actor: string
  /** A method code; @default the order's pending offline payment, else `pay_at_pickup`. */
  method?: string
  idempotencyKey?: string
  /** The currency the caller means; anything but the order's is `CURRENCY_MISMATCH`. @default the order's */
  currency?: CurrencyCode
}

/** One row of a carrier's remittance statement. */
export interface RemittanceRow {
  orderNumber?: string
  trackingNumber?: string
  /** Collected from the customer, minor units. */
  collected: number
  /** The carrier's fee, minor units. @default 0 */
  fee?: number
  date: Date | string
}

/** A row that did not match what was expected. */
export interface RemittanceMismatch {
  row: RemittanceRow
  paymentId: string | null
  orderNumber: string | null
  /** null when no open cash-on-delivery payment matches the row. */
  expected: number | null
  collected: number
  /** collected − expected. */
  difference: number | null
}

/** What `importRemittance()` did. */
export interface RemittanceResult {
  matched: { paymentId: string; orderNumber: string; collected: number; fee: number }[]
  mismatched: RemittanceMismatch[]
}

/** Options of {@link buildReceipt}. */
export interface BuildReceiptOptions {
  kind: 'income' | 'refund'
  /** @default the order total (or the lines' amount) */
  amount?: number
  /** A receipt for some lines only (a partial refund). */
  lines?: { lineId: string; quantity: number }[]
  paymentMode: FiscalPaymentMode
}

/** A stored receipt. */
export interface StoredReceipt {
  id: string
  paymentId: string
  orderId: string
  receipt: FiscalReceipt
  paymentMode: FiscalPaymentMode
  sentToProvider: boolean
  createdAt: Date
}

/** What `handleWebhook()` answers: what to send back to the provider, and what it did. */
export interface WebhookResult {
  response: { status: number; body: string; contentType: string }
  outcome: 'applied' | 'duplicate' | 'rejected' | 'unknown_payment'
  paymentId: string | null
}

/** What `reconcile()` did. */
export interface ReconcileResult {
  /** Payments whose state was synced with their provider. */
  synced: number
  /** Operations a crash left unfinished, replayed with their stored key. */
  resumed: number
  /** Holds captured or voided because they were about to expire. */
  holdsSettled: number
  /** Calls that failed (logged; tried again on the next run). */
  errors: number
}

/** Re-exported for `handleWebhook` callers. */
export type { WebhookRequest }
