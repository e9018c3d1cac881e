import type { CurrencyCode, VatRate } from '../money/index.js'
import { AdapterError } from '../adapter-error.js'

/**
 * Statuses a provider reports for a payment, mapped by the adapter from the
 * vendor's own words (YooKassa `waiting_for_capture` → `authorized`,
 * CloudPayments `Completed` → `captured`…).
 */
export const PROVIDER_PAYMENT_STATUSES = ['pending', 'requires_action', 'authorized', 'captured', 'canceled', 'failed'] as const
/** A provider payment status; see {@link PROVIDER_PAYMENT_STATUSES}. */
export type ProviderPaymentStatus = (typeof PROVIDER_PAYMENT_STATUSES)[number]

/** 54-FZ payment modes (tag 1214). */
export const FISCAL_PAYMENT_MODES = ['full_prepayment', 'partial_prepayment', 'advance', 'full_payment', 'partial_payment', 'credit', 'credit_payment'] as const
/** A fiscal payment mode; see {@link FISCAL_PAYMENT_MODES}. */
export type FiscalPaymentMode = (typeof FISCAL_PAYMENT_MODES)[number]

/** One line of a fiscal receipt (54-FZ): what was sold, for how much after discounts, with which VAT. */
export interface FiscalReceiptLine {
  description: string
  quantity: number
  /** Unit price after discount, VAT included, minor units. Σ unitPrice × quantity (after the last-line correction) = the receipt total. */
  unitPrice: number
  /** Line total (minor units); equals the line's share of the payment, so the lines sum to the receipt total exactly. */
  amount: number
  vatRate: VatRate
  /** 54-FZ payment subject (commodity, service…). */
  paymentSubject: string
  paymentMode: FiscalPaymentMode
}

/** A fiscal receipt as a payment provider that fiscalises (or the shop's own fiscal service) needs it. */
export interface FiscalReceipt {
  /** `income` for a capture, `refund` for a refund. */
  kind: 'income' | 'refund'
  customer: { email: string | null; phone: string | null }
  lines: FiscalReceiptLine[]
  /** Σ line amounts. */
  total: number
  currency: CurrencyCode
}

/** What core passes to every provider call besides its request. */
export interface ProviderCallContext {
  /** Abort when the engine's timeout for the call runs out. */
  readonly signal: AbortSignal
  /** The key for this operation: the same on every retry of it, so the provider performs it once. */
  readonly idempotencyKey: string
}

/** Input of {@link PaymentProvider.createPayment}. */
export interface CreatePaymentRequest {
  amount: number
  currency: CurrencyCode
  /** The order's human number, shown to the customer and in the provider's back office. */
  orderNumber: string
  description: string
  /** Where the provider's page sends the customer back. */
  returnUrl: string | null
  /** `true`: one-stage (capture at once); `false`: two-stage (hold, capture later). */
  capture: boolean
  /** The provider-side method, e.g. `bank_card`, `sbp`, `installments`; null lets the customer choose on the provider's page. */
  method: string | null
  receipt: FiscalReceipt | null
  /** Echoed back in webhooks and `getPayment`: core puts its payment id here. */
  metadata: Record<string, string>
}

/** What a provider answers about a payment. */
export interface ProviderPaymentState {
  providerPaymentId: string
  status: ProviderPaymentStatus
  /** Amount the customer authorised (minor units). */
  amount: number
  currency: CurrencyCode
  /** Captured so far (minor units). */
  capturedAmount: number
  /** Refunded so far (minor units), when the provider reports it. */
  refundedAmount: number
  /** Where to send the customer to pay (status `requires_action`). */
  confirmationUrl: string | null
  /** Why it failed or was canceled, in the provider's words. */
  failureReason: string | null
  /** Core's payment id, from the metadata sent at creation. */
  metadata: Record<string, string>
}

/** What a provider answers about a refund. */
export interface ProviderRefundState {
  providerRefundId: string
  status: 'pending' | 'succeeded' | 'failed'
  amount: number
}

/** A raw webhook request as it reached the shop's endpoint; the body is kept byte-exact for signature checks. */
export interface WebhookRequest {
  headers: Record<string, string | undefined>
  rawBody: string
  /** The sender's IP, for providers with an allow-list. */
  remoteAddress?: string | null
}

/** A webhook the adapter parsed (and, for `signature` verification, verified). */
export interface ProviderWebhookEvent {
  /** Unique per delivery of one event, for de-duplication (the vendor's event id, or a hash of the body). */
  eventId: string
  /** What happened, mapped to core's words. */
  kind: 'payment' | 'refund'
  providerPaymentId: string
  /** The state the event claims (for `refetch` providers core re-fetches instead of trusting it). */
  claimedStatus: ProviderPaymentStatus | null
  /** Refund events: the provider's refund id and amount. */
  refund: { providerRefundId: string; amount: number } | null
}

/** The adapter's verdict on a webhook, with what to answer the provider. */
export type ParsedWebhook =
  | { ok: true; event: ProviderWebhookEvent; response: { status: number; body: string; contentType: string } }
  | { ok: false; reason: string; response: { status: number; body: string; contentType: string } }

/** What a payment provider can do; core checks these instead of sniffing methods. */
export interface PaymentProviderCapabilities {
  /** Hold now, capture later. @default false */
  readonly supportsTwoStage: boolean
  /** Capture less than the hold (the rest is released). @default false */
  readonly supportsPartialCapture: boolean
  /** Refund part of a captured amount. @default false */
  readonly supportsPartialRefund: boolean
  /** Sends 54-FZ receipts to the tax service itself. @default false */
  readonly supportsReceipts: boolean
  /** How webhooks are trusted: a signature over the raw body, or re-fetching the object from the API. */
  readonly webhookVerification: 'signature' | 'refetch'
}

/**
 * The small interface a payment adapter implements. Core wraps it with
 * idempotency keys (the same key on every retry of one operation), timeouts,
 * retries with backoff on network errors and 5xx, a log of every attempt with
 * secrets redacted, and the mapping of statuses onto the payment machine.
 *
 * Methods throw {@link PaymentProviderError} for failures; a declined card is
 * not an exception but a `failed` status.
 */
export interface PaymentProvider {
  /** Stable id, e.g. `yookassa`; stored on every payment. */
  readonly id: string
  readonly capabilities: PaymentProviderCapabilities
  /** Creates the payment at the provider (one- or two-stage); usually `requires_action` with a confirmation URL to send the customer to. */
  createPayment(request: CreatePaymentRequest, context: ProviderCallContext): Promise<ProviderPaymentState>
  /** Captures a hold, fully or (with `supportsPartialCapture`) partly; the rest of the hold is released. */
  capture(request: { providerPaymentId: string; amount: number; currency: CurrencyCode; receipt: FiscalReceipt | null }, context: ProviderCallContext): Promise<ProviderPaymentState>
  /** Releases a hold (two-stage) or cancels a payment not yet captured. */
  void(request: { providerPaymentId: string }, context: ProviderCallContext): Promise<ProviderPaymentState>
  /** Refunds captured money, fully or (with `supportsPartialRefund`) partly, with the refund receipt. */
  refund(request: { providerPaymentId: string; amount: number; currency: CurrencyCode; receipt: FiscalReceipt | null }, context: ProviderCallContext): Promise<ProviderRefundState>
  /** The payment as the provider sees it now: for reconciliation and for verifying `refetch` webhooks. */
  getPayment(providerPaymentId: string, context: Omit<ProviderCallContext, 'idempotencyKey'>): Promise<ProviderPaymentState>
  /** Verifies (signature) or reads (refetch) a webhook and says what happened and what to answer the provider. */
  parseWebhook(request: WebhookRequest): Promise<ParsedWebhook>
}

/**
 * A provider call failed. `retryable` failures (network, timeout, 5xx, the
 * vendor's "try again") are retried by core with the same idempotency key;
 * the others are reported at once.
 */
export class PaymentProviderError extends AdapterError {
  override readonly name = 'PaymentProviderError'
}
