import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import {
  OrdoError,
  PaymentProviderError,
  fromMajor,
  isCurrencyCode,
  money,
  toMajorString,
  type CurrencyCode,
  type FiscalReceipt,
  type ParsedWebhook,
  type PaymentProvider,
  type ProviderCallContext,
  type ProviderPaymentState,
  type ProviderPaymentStatus,
  type ProviderWebhookEvent,
  type WebhookRequest,
} from '@ordo/core'
import { z } from 'zod'
import { resolveCloudPaymentsConfig, type CloudPaymentsConfig, type ResolvedCloudPaymentsConfig } from './cloudpayments-config.js'
import { toCloudKassirReceipt } from './cloudpayments-receipt.js'
import { mapCloudPaymentsStatus } from './cloudpayments-status.js'

const envelopeSchema = z.looseObject({
  Success: z.boolean(),
  Message: z.string().nullish(),
  Model: z.unknown().optional(),
})
type Envelope = z.infer<typeof envelopeSchema>

const transactionSchema = z.looseObject({
  TransactionId: z.coerce.number().int(),
  Amount: z.union([z.number(), z.string()]),
  Currency: z.string().nullish(),
  InvoiceId: z.string().nullish(),
  Status: z.string(),
  Reason: z.string().nullish(),
  ReasonCode: z.coerce.number().nullish(),
  CardHolderMessage: z.string().nullish(),
  JsonData: z.string().nullish(),
  CreatedDateIso: z.string().nullish(),
  OriginalTransactionId: z.coerce.number().int().nullish(),
})
type Transaction = z.infer<typeof transactionSchema>

const orderSchema = z.looseObject({ Id: z.string(), Url: z.string() })

/** Key under which the adapter keeps core's metadata inside `JsonData`. */
const METADATA_KEY = 'ordo'
/** CloudPayments answers notifications with `{"code":0}`; 13 means "rejected". */
const ACCEPTED = JSON.stringify({ code: 0 })
const REJECTED = JSON.stringify({ code: 13 })
const LIST_PAGE_SIZE = 100

/**
 * The identity of a payment as this adapter hands it to core: the
 * `InvoiceId` sent to `orders/create`, which CloudPayments echoes on every
 * transaction and notification. It also carries the amount and currency, so
 * the payment can be described before any transaction exists (CloudPayments
 * has no API to read a payment link back).
 */
interface PaymentRef {
  id: string
  amount: number
  currency: CurrencyCode
}

function newInvoiceId(request: { orderNumber: string; amount: number; currency: CurrencyCode }, idempotencyKey: string): string {
  // Derived from the idempotency key so a retried create names the same invoice.
  const nonce = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 10)
  const number = request.orderNumber.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)
  return `${number}.${nonce}.${request.amount}${request.currency}`
}

function parseRef(providerPaymentId: string): PaymentRef {
  const match = /^.*\.[0-9a-f]{10}\.(\d+)([A-Z]{3})$/.exec(providerPaymentId)
  const currency = match?.[2]
  if (!match || !isCurrencyCode(currency)) {
    throw new PaymentProviderError(`"${providerPaymentId}" is not a CloudPayments payment id made by this adapter (expected <order>.<nonce>.<amount><currency>).`, {
      retryable: false,
      vendorCode: 'unknown_payment',
    })
  }
  return { id: providerPaymentId, amount: Number(match[1]), currency }
}

function toMinor(value: number | string, currency: CurrencyCode): number {
  return fromMajor(typeof value === 'number' ? String(value) : value, currency).amount
}

function toMajor(amount: number, currency: CurrencyCode): number {
  return Number(toMajorString(money(amount, currency)))
}

function metadataFrom(jsonData: string | null | undefined): Record<string, string> {
  if (!jsonData) return {}
  try {
    const parsed = JSON.parse(jsonData) as unknown
    const metadata = (parsed as Record<string, unknown> | null)?.[METADATA_KEY]
    if (metadata === null || typeof metadata !== 'object') return {}
    return Object.fromEntries(Object.entries(metadata).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
  } catch {
    return {}
  }
}

function header(request: WebhookRequest, name: string): string | undefined {
  for (const [key, value] of Object.entries(request.headers)) if (key.toLowerCase() === name) return value
  return undefined
}

function signatureMatches(message: string, signature: string, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(message, 'utf8').digest()
  const given = Buffer.from(signature.trim(), 'base64')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

function reject(reason: string): ParsedWebhook {
  // HTTP 200 so CloudPayments does not keep redelivering a request it never sent; code 13 = rejected.
  return { ok: false, reason, response: { status: 200, body: REJECTED, contentType: 'application/json' } }
}

/**
 * A payment provider on CloudPayments: every payment is a payment link
 * (`orders/create`) the customer pays on CloudPayments' page, one-stage or
 * two-stage (`RequireConfirmation`); `capture` is `payments/confirm`
 * (partial allowed), `void` is `payments/void`, `refund` is `payments/refund`
 * (partial, repeatable). Fiscal receipts go to CloudKassir as
 * `JsonData.CloudPayments.CustomerReceipt`. Notifications (Pay, Confirm, Fail,
 * Refund, Cancel) are trusted only when their `Content-HMAC` (or
 * `X-Content-HMAC`) matches the HMAC-SHA256 of the raw body keyed by the API
 * secret, compared in constant time before the body is parsed.
 *
 * The `providerPaymentId` is the `InvoiceId` the adapter gives the link: it
 * stays the same from creation on, and the transaction is found through it.
 *
 * @example
 * ```ts
 * import { createCommerce } from '@ordo/core'
 * import { cloudpayments } from '@ordo/payment-cloudpayments'
 *
 * const provider = cloudpayments({ publicId: process.env.CP_PUBLIC_ID!, apiSecret: process.env.CP_API_SECRET! })
 * ```
 */
export function cloudpayments(config: CloudPaymentsConfig): PaymentProvider {
  const settings: ResolvedCloudPaymentsConfig = resolveCloudPaymentsConfig(config)
  const authorization = `Basic ${Buffer.from(`${settings.publicId}:${settings.apiSecret}`, 'utf8').toString('base64')}`

  async function call(method: string, body: Record<string, unknown>, options: { signal: AbortSignal; requestId?: string }): Promise<Envelope> {
    const headers: Record<string, string> = { authorization, 'content-type': 'application/json', accept: 'application/json' }
    if (options.requestId !== undefined) headers['x-request-id'] = options.requestId
    let response: Response
    let text: string
    try {
      response = await settings.fetch(`${settings.baseUrl}/${method}`, { method: 'POST', headers, body: JSON.stringify(body), signal: options.signal })
      text = await response.text()
    } catch (error) {
      throw new PaymentProviderError(`CloudPayments ${method}: the request failed (${(error as Error).message})`, { retryable: true, cause: error })
    }
    if (!response.ok) {
      const status = response.status
      const hint = status === 401 ? ' — check publicId and apiSecret' : ''
      throw new PaymentProviderError(`CloudPayments ${method}: HTTP ${status}${hint}`, {
        retryable: status >= 500 || status === 429 || status === 408,
        status,
        vendorCode: `http_${status}`,
      })
    }
    let parsed: Envelope
    try {
      parsed = envelopeSchema.parse(JSON.parse(text))
    } catch (error) {
      // A proxy's error page or a cut-off body: the request may not have been processed; the same key makes a retry safe.
      throw new PaymentProviderError(`CloudPayments ${method}: the answer is not a CloudPayments envelope`, { retryable: true, status: response.status, cause: error })
    }
    return parsed
  }

  function refused(method: string, envelope: Envelope): PaymentProviderError {
    return new PaymentProviderError(`CloudPayments ${method} refused: ${envelope.Message ?? 'no message'}`, { retryable: false, status: 200, vendorCode: envelope.Message ?? null })
  }

  async function findTransaction(ref: PaymentRef, signal: AbortSignal): Promise<Transaction | null> {
    const answer = await call('payments/find', { InvoiceId: ref.id }, { signal })
    if (!answer.Success) {
      if (answer.Model === undefined || answer.Model === null) {
        // "Not found": the customer has not paid yet.
        if ((answer.Message ?? '').toLowerCase().includes('not found')) return null
        throw refused('payments/find', answer)
      }
    }
    // A declined transaction comes back with Success: false and its Model.
    return transactionSchema.parse(answer.Model)
  }

  async function refundedAmount(tx: Transaction, currency: CurrencyCode, signal: AbortSignal): Promise<number> {
    // CloudPayments keeps refunds as their own transactions pointing at the payment (OriginalTransactionId).
    const from = tx.CreatedDateIso ?? new Date(0).toISOString()
    const to = new Date(Date.now() + 60_000).toISOString()
    let total = 0
    for (let page = 1; ; page++) {
      const answer = await call('v2/payments/list', { CreatedDateGte: from, CreatedDateLte: to, PageNumber: page, Statuses: ['Completed'] }, { signal })
      if (!answer.Success) throw refused('v2/payments/list', answer)
      const items = z.array(transactionSchema).parse(answer.Model ?? [])
      for (const item of items) if (item.OriginalTransactionId === tx.TransactionId && item.Status === 'Completed') total += toMinor(item.Amount, currency)
      if (items.length < LIST_PAGE_SIZE) return total
    }
  }

  async function describe(ref: PaymentRef, tx: Transaction | null, signal: AbortSignal): Promise<ProviderPaymentState> {
    if (!tx) {
      return { providerPaymentId: ref.id, status: 'requires_action', amount: ref.amount, currency: ref.currency, capturedAmount: 0, refundedAmount: 0, confirmationUrl: null, failureReason: null, metadata: {} }
    }
    const status = mapCloudPaymentsStatus(tx.Status)
    if (status === null) throw new PaymentProviderError(`CloudPayments reported an unknown transaction status "${tx.Status}"`, { retryable: false, vendorCode: tx.Status })
    const captured = status === 'captured' ? toMinor(tx.Amount, ref.currency) : 0
    return {
      providerPaymentId: ref.id,
      status,
      amount: ref.amount,
      currency: ref.currency,
      capturedAmount: captured,
      refundedAmount: status === 'captured' ? await refundedAmount(tx, ref.currency, signal) : 0,
      confirmationUrl: null,
      failureReason: failureReason(status, tx),
      metadata: metadataFrom(tx.JsonData),
    }
  }

  function failureReason(status: ProviderPaymentStatus, tx: Transaction): string | null {
    if (status === 'failed') return `${tx.Reason ?? tx.CardHolderMessage ?? 'Declined'}${tx.ReasonCode ? ` (${tx.ReasonCode})` : ''}`
    if (status === 'canceled') return tx.Reason && tx.Reason !== 'Approved' ? tx.Reason : 'Cancelled'
    return null
  }

  function receiptData(receipt: FiscalReceipt | null, amount: number, currency: CurrencyCode): Record<string, unknown> | undefined {
    if (!receipt) return undefined
    return { CloudPayments: { CustomerReceipt: toCloudKassirReceipt(receipt, { amount, currency, taxationSystem: settings.taxationSystem }) } }
  }

  async function requireTransaction(ref: PaymentRef, signal: AbortSignal, action: string): Promise<Transaction> {
    const tx = await findTransaction(ref, signal)
    if (!tx) throw new PaymentProviderError(`Cannot ${action} ${ref.id}: the customer has not paid it yet`, { retryable: false, vendorCode: 'not_paid' })
    return tx
  }

  function checkCurrency(ref: PaymentRef, currency: CurrencyCode): void {
    if (currency !== ref.currency) throw new OrdoError('CURRENCY_MISMATCH', `Payment ${ref.id} is in ${ref.currency}, not ${currency}.`, { details: { expected: ref.currency, got: currency } })
  }

  function parseNotification(request: WebhookRequest): Record<string, string> {
    const contentType = header(request, 'content-type') ?? ''
    if (contentType.includes('json')) {
      const parsed = JSON.parse(request.rawBody) as Record<string, unknown>
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)]))
    }
    return Object.fromEntries(new URLSearchParams(request.rawBody))
  }

  return Object.freeze({
    id: 'cloudpayments',
    capabilities: Object.freeze({
      supportsTwoStage: true,
      supportsPartialCapture: true,
      supportsPartialRefund: true,
      supportsReceipts: true,
      webhookVerification: 'signature' as const,
    }),

    async createPayment(request: Parameters<PaymentProvider['createPayment']>[0], context: ProviderCallContext) {
      const receipt = receiptData(request.receipt, request.amount, request.currency)
      const invoiceId = newInvoiceId(request, context.idempotencyKey)
      const answer = await call(
        'orders/create',
        {
          Amount: toMajor(request.amount, request.currency),
          Currency: request.currency,
          Description: request.description,
          InvoiceId: invoiceId,
          RequireConfirmation: !request.capture,
          ...(request.receipt?.customer.email ? { Email: request.receipt.customer.email } : {}),
          ...(request.receipt?.customer.phone ? { Phone: request.receipt.customer.phone } : {}),
          ...(request.returnUrl ? { SuccessRedirectUrl: request.returnUrl, FailRedirectUrl: request.returnUrl } : {}),
          JsonData: { [METADATA_KEY]: request.metadata, ...receipt },
        },
        { signal: context.signal, requestId: context.idempotencyKey },
      )
      if (!answer.Success) throw refused('orders/create', answer)
      const order = orderSchema.parse(answer.Model)
      return {
        providerPaymentId: invoiceId,
        status: 'requires_action',
        amount: request.amount,
        currency: request.currency,
        capturedAmount: 0,
        refundedAmount: 0,
        confirmationUrl: order.Url,
        failureReason: null,
        metadata: { ...request.metadata },
      } satisfies ProviderPaymentState
    },

    async capture(request: Parameters<PaymentProvider['capture']>[0], context: ProviderCallContext) {
      const ref = parseRef(request.providerPaymentId)
      checkCurrency(ref, request.currency)
      const receipt = receiptData(request.receipt, request.amount, request.currency)
      const tx = await requireTransaction(ref, context.signal, 'capture')
      const answer = await call(
        'payments/confirm',
        { TransactionId: tx.TransactionId, Amount: toMajor(request.amount, ref.currency), ...(receipt ? { JsonData: receipt } : {}) },
        { signal: context.signal, requestId: context.idempotencyKey },
      )
      if (!answer.Success) throw refused('payments/confirm', answer)
      return describe(ref, await findTransaction(ref, context.signal), context.signal)
    },

    async void(request: Parameters<PaymentProvider['void']>[0], context: ProviderCallContext) {
      const ref = parseRef(request.providerPaymentId)
      const tx = await requireTransaction(ref, context.signal, 'void')
      const answer = await call('payments/void', { TransactionId: tx.TransactionId }, { signal: context.signal, requestId: context.idempotencyKey })
      if (!answer.Success) throw refused('payments/void', answer)
      return describe(ref, await findTransaction(ref, context.signal), context.signal)
    },

    async refund(request: Parameters<PaymentProvider['refund']>[0], context: ProviderCallContext) {
      const ref = parseRef(request.providerPaymentId)
      checkCurrency(ref, request.currency)
      const receipt = receiptData(request.receipt, request.amount, request.currency)
      const tx = await requireTransaction(ref, context.signal, 'refund')
      const answer = await call(
        'payments/refund',
        { TransactionId: tx.TransactionId, Amount: toMajor(request.amount, ref.currency), ...(receipt ? { JsonData: receipt } : {}) },
        { signal: context.signal, requestId: context.idempotencyKey },
      )
      if (!answer.Success) throw refused('payments/refund', answer)
      const model = z.looseObject({ TransactionId: z.coerce.number().int() }).parse(answer.Model)
      return { providerRefundId: String(model.TransactionId), status: 'succeeded' as const, amount: request.amount }
    },

    async getPayment(providerPaymentId: string, context: { signal: AbortSignal }) {
      const ref = parseRef(providerPaymentId)
      return describe(ref, await findTransaction(ref, context.signal), context.signal)
    },

    async parseWebhook(request: WebhookRequest): Promise<ParsedWebhook> {
      const contentHmac = header(request, 'content-hmac')
      const xContentHmac = header(request, 'x-content-hmac')
      if (!contentHmac && !xContentHmac) return reject('missing Content-HMAC header')
      const verified = contentHmac
        ? signatureMatches(request.rawBody, contentHmac, settings.apiSecret)
        : // X-Content-HMAC is computed over the URL-decoded message.
          signatureMatches(safeDecode(request.rawBody), xContentHmac!, settings.apiSecret)
      if (!verified) return reject('Content-HMAC does not match the body')

      let fields: Record<string, string>
      try {
        fields = parseNotification(request)
      } catch {
        return reject('signed body is not a CloudPayments notification')
      }
      const transactionId = fields.TransactionId
      const invoiceId = fields.InvoiceId
      if (!transactionId || !invoiceId) return reject('notification without TransactionId or InvoiceId')
      let ref: PaymentRef
      try {
        ref = parseRef(invoiceId)
      } catch {
        return reject(`InvoiceId ${invoiceId} is not a payment made by this adapter`)
      }
      const event = notificationEvent(fields, ref, transactionId)
      if (!event) return reject('unrecognised notification')
      return { ok: true, event, response: { status: 200, body: ACCEPTED, contentType: 'application/json' } }
    },
  } satisfies PaymentProvider)
}

function safeDecode(body: string): string {
  try {
    return decodeURIComponent(body.replace(/\+/g, ' '))
  } catch {
    return body
  }
}

/**
 * Which notification this is, from its fields: Refund carries
 * `PaymentTransactionId`; Fail a non-zero `ReasonCode` and no `Status`; Pay and
 * Confirm a `Status`; Cancel none of these. Pay (one-stage) and Confirm both
 * mean "captured" and share an event id, so a pair is de-duplicated as one.
 */
function notificationEvent(fields: Record<string, string>, ref: PaymentRef, transactionId: string): ProviderWebhookEvent | null {
  if (fields.PaymentTransactionId) {
    if (!fields.Amount) return null
    return {
      eventId: `${transactionId}:Refund`,
      kind: 'refund',
      providerPaymentId: ref.id,
      claimedStatus: null,
      refund: { providerRefundId: transactionId, amount: toMinor(fields.Amount, ref.currency) },
    }
  }
  const status = fields.Status ? mapCloudPaymentsStatus(fields.Status) : null
  if (fields.Status && status === null) return null
  const payment = (type: string, claimedStatus: ProviderPaymentStatus): ProviderWebhookEvent => ({
    eventId: `${transactionId}:${type}`,
    kind: 'payment',
    providerPaymentId: ref.id,
    claimedStatus,
    refund: null,
  })
  if (status === 'authorized') return payment('Pay', 'authorized')
  if (status === 'captured') return payment('Captured', 'captured')
  if (status === 'failed' || (!fields.Status && fields.ReasonCode && fields.ReasonCode !== '0')) return payment('Fail', 'failed')
  if (status === 'canceled' || !fields.Status) return payment('Cancel', 'canceled')
  return payment(fields.Status, status ?? 'pending')
}
