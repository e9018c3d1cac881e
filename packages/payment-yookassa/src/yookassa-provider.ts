import {
  isCurrencyCode,
  OrdoError,
  PaymentProviderError,
  type CurrencyCode,
  type ParsedWebhook,
  type PaymentProvider,
  type ProviderPaymentState,
  type ProviderPaymentStatus,
  type ProviderRefundState,
  type ProviderWebhookEvent,
} from '@ordo/core'
import { z } from 'zod'
import { ipAllowList } from './ip-allow-list.js'
import { resolveYooKassaConfig, type ResolvedYooKassaConfig, type YooKassaConfig } from './yookassa-config.js'
import { fromYooKassaValue, toYooKassaAmount } from './yookassa-money.js'
import { toYooKassaReceipt } from './yookassa-receipt.js'

const amountSchema = z.looseObject({ value: z.string(), currency: z.string() })

const paymentSchema = z.looseObject({
  id: z.string().min(1),
  status: z.enum(['pending', 'waiting_for_capture', 'succeeded', 'canceled']),
  amount: amountSchema,
  confirmation: z.looseObject({ confirmation_url: z.string().optional() }).optional(),
  refunded_amount: amountSchema.optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  cancellation_details: z.looseObject({ party: z.string(), reason: z.string() }).optional(),
})
type YooKassaPayment = z.infer<typeof paymentSchema>

const refundSchema = z.looseObject({
  id: z.string().min(1),
  payment_id: z.string().min(1),
  status: z.enum(['pending', 'succeeded', 'canceled']),
  amount: amountSchema,
})
type YooKassaRefund = z.infer<typeof refundSchema>

const errorSchema = z.looseObject({
  type: z.literal('error').optional(),
  code: z.string().optional(),
  description: z.string().optional(),
  parameter: z.string().optional(),
})

const notificationSchema = z.looseObject({
  type: z.literal('notification'),
  event: z.enum(['payment.waiting_for_capture', 'payment.succeeded', 'payment.canceled', 'refund.succeeded']),
  object: z.looseObject({
    id: z.string().min(1),
    status: z.string().optional(),
    amount: amountSchema.optional(),
    payment_id: z.string().optional(),
  }),
})

/** Cancellations the shop caused (a void, a hold left to expire) are `canceled`; the rest are failures of the payment. */
const MERCHANT_CANCELLATIONS = new Set(['canceled_by_merchant', 'expired_on_capture'])

const JSON_HEADERS = { accept: 'application/json' } as const
const EMPTY_TEXT = 'text/plain; charset=utf-8'

function mapStatus(payment: YooKassaPayment): ProviderPaymentStatus {
  switch (payment.status) {
    case 'pending':
      return payment.confirmation?.confirmation_url ? 'requires_action' : 'pending'
    case 'waiting_for_capture':
      return 'authorized'
    case 'succeeded':
      return 'captured'
    case 'canceled': {
      const details = payment.cancellation_details
      return details && (details.party === 'merchant' || MERCHANT_CANCELLATIONS.has(details.reason)) ? 'canceled' : 'failed'
    }
  }
}

function currencyOf(amount: { currency: string }): CurrencyCode {
  if (!isCurrencyCode(amount.currency)) {
    throw new PaymentProviderError(`YooKassa answered with an unknown currency "${amount.currency}"`, { retryable: false })
  }
  return amount.currency
}

function minorOf(amount: { value: string }, currency: CurrencyCode): number {
  const minor = fromYooKassaValue(amount.value, currency)
  if (minor === null) throw new PaymentProviderError(`YooKassa answered with an invalid amount "${amount.value}"`, { retryable: false })
  return minor
}

function toState(payment: YooKassaPayment): ProviderPaymentState {
  const currency = currencyOf(payment.amount)
  const amount = minorOf(payment.amount, currency)
  const metadata: Record<string, string> = {}
  for (const [key, value] of Object.entries(payment.metadata ?? {})) if (typeof value === 'string') metadata[key] = value
  return {
    providerPaymentId: payment.id,
    status: mapStatus(payment),
    // After a partial capture YooKassa reports the captured amount here; the rest of the hold is released.
    amount,
    currency,
    capturedAmount: payment.status === 'succeeded' ? amount : 0,
    refundedAmount: payment.refunded_amount ? minorOf(payment.refunded_amount, currency) : 0,
    confirmationUrl: payment.status === 'pending' ? (payment.confirmation?.confirmation_url ?? null) : null,
    failureReason: payment.status === 'canceled' ? (payment.cancellation_details?.reason ?? 'canceled') : null,
    metadata,
  }
}

function toRefundState(refund: YooKassaRefund): ProviderRefundState {
  const currency = currencyOf(refund.amount)
  return {
    providerRefundId: refund.id,
    status: refund.status === 'canceled' ? 'failed' : refund.status,
    amount: minorOf(refund.amount, currency),
  }
}

function reject(reason: string): ParsedWebhook {
  return { ok: false, reason, response: { status: 400, body: '', contentType: EMPTY_TEXT } }
}

/** Statuses a payment passes through, in order; a notification about an earlier one than the API reports is stale, not forged. */
const PAYMENT_ORDER = { pending: 0, waiting_for_capture: 1, succeeded: 2, canceled: 2 } as const

class YooKassaClient {
  readonly #config: ResolvedYooKassaConfig
  readonly #authorization: string

  constructor(config: ResolvedYooKassaConfig) {
    this.#config = config
    this.#authorization = `Basic ${Buffer.from(`${config.shopId}:${config.secretKey}`).toString('base64')}`
  }

  async request<T>(
    schema: z.ZodType<T>,
    method: 'GET' | 'POST',
    path: string,
    options: { signal: AbortSignal; idempotencyKey?: string; body?: unknown },
  ): Promise<T> {
    const headers: Record<string, string> = { ...JSON_HEADERS, authorization: this.#authorization }
    if (options.idempotencyKey !== undefined) headers['idempotence-key'] = options.idempotencyKey
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    const what = `YooKassa ${method} ${path}`
    let response: Response
    let text: string
    try {
      response = await this.#config.fetch(`${this.#config.baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      })
      text = await response.text()
    } catch (error) {
      // Network failure, timeout or abort: the outcome is unknown, so the same key may be replayed.
      throw new PaymentProviderError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { retryable: true, cause: error })
    }
    if (response.status === 202) {
      // YooKassa is still processing the request: repeat it with the same key later.
      throw new PaymentProviderError(`${what}: YooKassa is still processing the request`, { retryable: true, status: 202 })
    }
    let json: unknown
    try {
      json = text.length === 0 ? null : JSON.parse(text)
    } catch (error) {
      throw new PaymentProviderError(`${what}: HTTP ${response.status} with a body that is not JSON`, {
        retryable: response.ok || response.status >= 500 || response.status === 429,
        status: response.status,
        cause: error,
      })
    }
    if (!response.ok) {
      const body = errorSchema.safeParse(json)
      const code = body.success ? (body.data.code ?? null) : null
      const description = body.success ? body.data.description : undefined
      const parameter = body.success ? body.data.parameter : undefined
      throw new PaymentProviderError(
        `${what}: HTTP ${response.status}${code ? ` ${code}` : ''}${description ? `: ${description}` : ''}${parameter ? ` (${parameter})` : ''}`,
        { retryable: response.status >= 500 || response.status === 429, status: response.status, vendorCode: code },
      )
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      throw new PaymentProviderError(`${what}: unexpected response shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
        retryable: false,
        status: response.status,
        cause: parsed.error,
      })
    }
    return parsed.data
  }
}

/**
 * The YooKassa (ЮKassa) payment provider, speaking API v3 over `fetch`:
 * one-stage and two-stage (hold, then partial or full capture) payments,
 * voids of holds, partial refunds, 54-FZ receipts sent with every operation,
 * and notifications verified by re-fetching the object from the API (YooKassa
 * does not sign them) after an optional sender IP check.
 *
 * Every POST carries core's idempotency key as `Idempotence-Key`, so a retry
 * after a timeout replays the first answer. HTTP 5xx, 429, 202 ("still
 * processing") and network errors throw a retryable `PaymentProviderError`;
 * other errors carry YooKassa's error `code` as `vendorCode`.
 *
 * Status mapping: `pending` → `requires_action` (with a confirmation URL) or
 * `pending`; `waiting_for_capture` → `authorized`; `succeeded` → `captured`;
 * `canceled` → `canceled` when the shop canceled it (or let the hold expire),
 * otherwise `failed` with `cancellation_details.reason` as the failure reason.
 *
 * @example
 * ```ts
 * import { createCommerce } from '@ordo/core'
 * import { yookassa } from '@ordo/payment-yookassa'
 *
 * const provider = yookassa({
 *   shopId: process.env.YOOKASSA_SHOP_ID!,
 *   secretKey: process.env.YOOKASSA_SECRET_KEY!,
 *   returnUrl: 'https://shop.example/checkout/return',
 * })
 * ```
 */
export function yookassa(config: YooKassaConfig): PaymentProvider {
  const resolved = resolveYooKassaConfig(config)
  const client = new YooKassaClient(resolved)
  const senderAllowed = resolved.allowedIps === null ? null : ipAllowList(resolved.allowedIps)
  const receiptFor = (receipt: Parameters<typeof toYooKassaReceipt>[0] | null) =>
    receipt === null ? {} : { receipt: toYooKassaReceipt(receipt, { taxSystemCode: resolved.taxSystemCode }) }

  async function verifyPaymentEvent(
    event: 'payment.waiting_for_capture' | 'payment.succeeded' | 'payment.canceled',
    claim: z.infer<typeof notificationSchema>['object'],
    signal: AbortSignal,
  ): Promise<ParsedWebhook> {
    const payment = await fetchOrNull(paymentSchema, `/payments/${encodeURIComponent(claim.id)}`, signal)
    if (payment === null) return reject(`payment ${claim.id} is unknown to YooKassa`)
    const claimed = event.slice('payment.'.length) as 'waiting_for_capture' | 'succeeded' | 'canceled'
    if (payment.status !== claimed) {
      if (claimed === 'waiting_for_capture' && PAYMENT_ORDER[payment.status] > PAYMENT_ORDER[claimed]) {
        // A late delivery of a genuine event: acknowledge it so YooKassa stops redelivering; the newer event carries the state.
        return { ok: false, reason: `stale notification: payment ${payment.id} is already ${payment.status}`, response: { status: 200, body: '', contentType: EMPTY_TEXT } }
      }
      return reject(`notification claims payment ${claim.id} is ${claimed}, YooKassa reports ${payment.status}`)
    }
    if (claim.amount && (claim.amount.value !== payment.amount.value || claim.amount.currency !== payment.amount.currency)) {
      return reject(`notification amount ${claim.amount.value} ${claim.amount.currency} differs from YooKassa's ${payment.amount.value} ${payment.amount.currency}`)
    }
    const state = toState(payment)
    return accept({ eventId: `${event}:${payment.id}`, kind: 'payment', providerPaymentId: payment.id, claimedStatus: state.status, refund: null })
  }

  async function verifyRefundEvent(claim: z.infer<typeof notificationSchema>['object'], signal: AbortSignal): Promise<ParsedWebhook> {
    const refund = await fetchOrNull(refundSchema, `/refunds/${encodeURIComponent(claim.id)}`, signal)
    if (refund === null) return reject(`refund ${claim.id} is unknown to YooKassa`)
    if (refund.status !== 'succeeded') return reject(`notification claims refund ${claim.id} succeeded, YooKassa reports ${refund.status}`)
    if (claim.payment_id !== undefined && claim.payment_id !== refund.payment_id) {
      return reject(`notification names payment ${claim.payment_id} for refund ${claim.id}, YooKassa names ${refund.payment_id}`)
    }
    if (claim.amount && (claim.amount.value !== refund.amount.value || claim.amount.currency !== refund.amount.currency)) {
      return reject(`notification refund amount ${claim.amount.value} differs from YooKassa's ${refund.amount.value}`)
    }
    const payment = await fetchOrNull(paymentSchema, `/payments/${encodeURIComponent(refund.payment_id)}`, signal)
    if (payment === null) return reject(`payment ${refund.payment_id} of refund ${refund.id} is unknown to YooKassa`)
    const state = toRefundState(refund)
    return accept({
      eventId: `refund.succeeded:${refund.id}`,
      kind: 'refund',
      providerPaymentId: payment.id,
      claimedStatus: null,
      refund: { providerRefundId: state.providerRefundId, amount: state.amount },
    })
  }

  async function fetchOrNull<T>(schema: z.ZodType<T>, path: string, signal: AbortSignal): Promise<T | null> {
    try {
      return await client.request(schema, 'GET', path, { signal })
    } catch (error) {
      // 404 is YooKassa saying "no such object"; anything else (auth, outage) is ours to surface, not the sender's fault.
      if (error instanceof PaymentProviderError && error.status === 404) return null
      throw error
    }
  }

  return Object.freeze({
    id: resolved.id,
    capabilities: Object.freeze({
      supportsTwoStage: true,
      supportsPartialCapture: true,
      supportsPartialRefund: true,
      supportsReceipts: true,
      webhookVerification: 'refetch' as const,
    }),

    async createPayment(request, context) {
      const returnUrl = request.returnUrl ?? resolved.returnUrl
      if (returnUrl === null) {
        throw new OrdoError('VALIDATION', 'A YooKassa redirect payment needs a returnUrl (in the request or the yookassa config)', {
          details: { path: 'returnUrl' },
        })
      }
      const description = request.description.length > 0 ? request.description : `Order ${request.orderNumber}`
      const body = {
        amount: toYooKassaAmount(request.amount, request.currency),
        capture: request.capture,
        confirmation: { type: 'redirect', return_url: returnUrl },
        // YooKassa limits the description to 128 characters.
        description: description.slice(0, 128),
        metadata: request.metadata,
        ...(request.method === null ? {} : { payment_method_data: { type: request.method } }),
        ...receiptFor(request.receipt),
      }
      const payment = await client.request(paymentSchema, 'POST', '/payments', { signal: context.signal, idempotencyKey: context.idempotencyKey, body })
      return toState(payment)
    },

    async capture(request, context) {
      const body = { amount: toYooKassaAmount(request.amount, request.currency), ...receiptFor(request.receipt) }
      const payment = await client.request(paymentSchema, 'POST', `/payments/${encodeURIComponent(request.providerPaymentId)}/capture`, {
        signal: context.signal,
        idempotencyKey: context.idempotencyKey,
        body,
      })
      return toState(payment)
    },

    async void(request, context) {
      const payment = await client.request(paymentSchema, 'POST', `/payments/${encodeURIComponent(request.providerPaymentId)}/cancel`, {
        signal: context.signal,
        idempotencyKey: context.idempotencyKey,
        body: {},
      })
      return toState(payment)
    },

    async refund(request, context) {
      const body = {
        payment_id: request.providerPaymentId,
        amount: toYooKassaAmount(request.amount, request.currency),
        ...receiptFor(request.receipt),
      }
      const refund = await client.request(refundSchema, 'POST', '/refunds', { signal: context.signal, idempotencyKey: context.idempotencyKey, body })
      return toRefundState(refund)
    },

    async getPayment(providerPaymentId, context) {
      return toState(await client.request(paymentSchema, 'GET', `/payments/${encodeURIComponent(providerPaymentId)}`, { signal: context.signal }))
    },

    async parseWebhook(request) {
      if (senderAllowed !== null) {
        const sender = request.remoteAddress ?? null
        if (sender === null) return reject('the sender address is unknown and yookassa allowedIps is set')
        if (!senderAllowed(sender)) return reject(`sender ${sender} is not in the YooKassa notification address list`)
      }
      let json: unknown
      try {
        json = JSON.parse(request.rawBody)
      } catch {
        return reject('the notification body is not JSON')
      }
      const parsed = notificationSchema.safeParse(json)
      if (!parsed.success) return reject('the body is not a YooKassa notification this provider handles')
      const { event, object } = parsed.data
      const signal = AbortSignal.timeout(resolved.webhookTimeoutMs)
      return event === 'refund.succeeded' ? verifyRefundEvent(object, signal) : verifyPaymentEvent(event, object, signal)
    },
  } satisfies PaymentProvider)
}

function accept(event: ProviderWebhookEvent): ParsedWebhook {
  return { ok: true, event, response: { status: 200, body: '', contentType: EMPTY_TEXT } }
}
