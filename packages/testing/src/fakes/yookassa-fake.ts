import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isCurrencyCode, minorUnits, type CurrencyCode, type WebhookRequest } from '@ordo/core'
import type { PaymentFakeControl } from '../payment-contract.js'

/** Options of {@link startYooKassaFake}. */
export interface YooKassaFakeOptions {
  /** The shop id the fake accepts as the Basic auth user. @default '100500' */
  shopId?: string
  /** The secret key the fake accepts as the Basic auth password. @default 'test_secret_key' */
  secretKey?: string
  /**
   * The sender address put on notifications the fake builds. YooKassa sends
   * from its published ranges, so the default lies inside 185.71.76.0/27.
   * @default '185.71.76.10'
   */
  notificationIp?: string
}

/** A payment status in YooKassa's own words. */
export type YooKassaFakePaymentStatus = 'pending' | 'waiting_for_capture' | 'succeeded' | 'canceled'

/** A receipt object the fake accepted, with the operation it came with. */
export interface YooKassaFakeReceipt {
  operation: 'payment' | 'capture' | 'refund'
  /** The refund it belongs to, for `refund` receipts. */
  refundId: string | null
  /** The `receipt` object exactly as the client sent it. */
  receipt: unknown
}

/** A snapshot of one payment held by the fake (amounts in minor units). */
export interface YooKassaFakePayment {
  id: string
  status: YooKassaFakePaymentStatus
  /** The payment amount; like YooKassa, replaced by the captured amount after a partial capture. */
  amount: number
  /** The amount first authorised. */
  authorizedAmount: number
  currency: string
  /** `capture` as sent at creation (false = two-stage). */
  capture: boolean
  refundedAmount: number
  description: string | null
  metadata: Record<string, string>
  /** `payment_method_data.type` sent at creation, if any. */
  paymentMethodType: string | null
  cancellationDetails: { party: string; reason: string } | null
  receipts: YooKassaFakeReceipt[]
}

/** A snapshot of one refund held by the fake (amount in minor units). */
export interface YooKassaFakeRefund {
  id: string
  paymentId: string
  status: 'succeeded'
  amount: number
  currency: string
}

/** A running YooKassa fake; see {@link startYooKassaFake}. */
export interface YooKassaFake {
  /** The API base, to pass as the adapter's `baseUrl`, e.g. `http://127.0.0.1:53121/v3`. */
  readonly url: string
  /** The server's origin; the customer's confirmation page lives at `${origin}/confirm/{paymentId}`. */
  readonly origin: string
  /** The credentials the fake accepts. */
  readonly shopId: string
  /** The secret key the fake accepts. */
  readonly secretKey: string
  /** The controls the payment contract suite drives. */
  readonly control: PaymentFakeControl
  /** Every payment the fake holds, oldest first. */
  payments(): YooKassaFakePayment[]
  /** Every refund the fake holds, oldest first. */
  refunds(): YooKassaFakeRefund[]
  /** A `refund.succeeded` notification about one refund, as YooKassa sends it. */
  refundWebhookFor(refundId: string): WebhookRequest
  /** Stops the server. */
  close(): Promise<void>
}

interface PaymentRecord {
  id: string
  status: YooKassaFakePaymentStatus
  amount: number
  authorizedAmount: number
  currency: string
  capture: boolean
  refunded: number
  description: string | null
  metadata: Record<string, string>
  returnUrl: string | null
  confirmation: boolean
  paymentMethodType: string | null
  paymentMethodId: string
  createdAt: string
  capturedAt: string | null
  expiresAt: string | null
  cancellation: { party: string; reason: string } | null
  receipts: YooKassaFakeReceipt[]
}

interface RefundRecord {
  id: string
  paymentId: string
  status: 'succeeded'
  amount: number
  currency: string
  description: string | null
  createdAt: string
  hasReceipt: boolean
}

interface Reply {
  status: number
  body: unknown
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
    readonly parameter?: string,
  ) {
    super(description)
  }
}

const PAYMENT_MODES = new Set(['full_prepayment', 'partial_prepayment', 'advance', 'full_payment', 'partial_payment', 'credit', 'credit_payment'])
const ERROR_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_credentials',
  403: 'forbidden',
  404: 'not_found',
  429: 'too_many_requests',
  500: 'internal_server_error',
}

function errorBody(code: string, description: string, parameter?: string): Record<string, string> {
  return { type: 'error', id: randomUUID(), code, description, ...(parameter === undefined ? {} : { parameter }) }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function formatValue(minor: number, digits: number): string {
  if (digits === 0) return String(minor)
  const text = String(minor).padStart(digits + 1, '0')
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`
}

/** Parses YooKassa's `{ value: "1234.56", currency: "RUB" }` into minor units, or throws its 400. */
function parseAmount(input: unknown, parameter: string): { minor: number; currency: string } {
  if (!isRecord(input)) throw new ApiError(400, 'invalid_request', `Parameter ${parameter} is missing or has an invalid format`, parameter)
  const { value, currency } = input
  if (typeof currency !== 'string' || !isCurrencyCode(currency)) {
    throw new ApiError(400, 'invalid_request', 'Invalid currency', `${parameter}.currency`)
  }
  const digits = minorUnits(currency)
  if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value)) {
    throw new ApiError(400, 'invalid_request', 'Invalid amount value format', `${parameter}.value`)
  }
  const [whole = '0', fraction = ''] = value.split('.')
  if (fraction.length > digits) throw new ApiError(400, 'invalid_request', `Amount has more than ${digits} decimal places`, `${parameter}.value`)
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0')
  if (!Number.isSafeInteger(minor) || minor <= 0) throw new ApiError(400, 'invalid_request', 'Amount must be greater than zero', `${parameter}.value`)
  return { minor, currency }
}

/**
 * Checks a `receipt` object the way YooKassa does before registering it:
 * a customer contact, 1–100 items each with a description (≤ 128), a
 * positive quantity, a unit amount in the payment's currency and a vat_code
 * 1–12, and Σ unit amount × quantity equal to the operation amount.
 */
function validateReceipt(receipt: unknown, expected: number, currency: string): void {
  if (!isRecord(receipt)) throw new ApiError(400, 'invalid_request', 'Receipt must be an object', 'receipt')
  const customer = receipt['customer']
  const hasContact = isRecord(customer) && (typeof customer['email'] === 'string' || typeof customer['phone'] === 'string')
  if (!hasContact) throw new ApiError(400, 'invalid_request', 'Receipt customer email or phone is required', 'receipt.customer')
  const items = receipt['items']
  if (!Array.isArray(items) || items.length === 0 || items.length > 100) {
    throw new ApiError(400, 'invalid_request', 'Receipt must contain from 1 to 100 items', 'receipt.items')
  }
  let sum = 0
  items.forEach((item: unknown, index) => {
    const at = `receipt.items[${index}]`
    if (!isRecord(item)) throw new ApiError(400, 'invalid_request', 'Receipt item must be an object', at)
    const description = item['description']
    if (typeof description !== 'string' || description.length === 0 || description.length > 128) {
      throw new ApiError(400, 'invalid_request', 'Item description must be 1 to 128 characters long', `${at}.description`)
    }
    const rawQuantity = item['quantity']
    const quantity = typeof rawQuantity === 'string' ? Number(rawQuantity) : rawQuantity
    if (typeof quantity !== 'number' || !Number.isFinite(quantity) || quantity <= 0) {
      throw new ApiError(400, 'invalid_request', 'Item quantity must be a positive number', `${at}.quantity`)
    }
    const unit = parseAmount(item['amount'], `${at}.amount`)
    if (unit.currency !== currency) throw new ApiError(400, 'invalid_request', 'Item currency differs from the payment currency', `${at}.amount.currency`)
    const vatCode = item['vat_code']
    if (typeof vatCode !== 'number' || !Number.isInteger(vatCode) || vatCode < 1 || vatCode > 12) {
      throw new ApiError(400, 'invalid_request', 'Item vat_code must be an integer from 1 to 12', `${at}.vat_code`)
    }
    const mode = item['payment_mode']
    if (mode !== undefined && (typeof mode !== 'string' || !PAYMENT_MODES.has(mode))) {
      throw new ApiError(400, 'invalid_request', 'Unknown payment_mode', `${at}.payment_mode`)
    }
    const subject = item['payment_subject']
    if (subject !== undefined && (typeof subject !== 'string' || subject.length === 0)) {
      throw new ApiError(400, 'invalid_request', 'Invalid payment_subject', `${at}.payment_subject`)
    }
    sum += Math.round(unit.minor * quantity)
  })
  if (sum !== expected) {
    throw new ApiError(
      400,
      'invalid_request',
      `Sum of receipt items amounts (${formatValue(sum, minorUnits(currency as CurrencyCode))}) doesn't match the operation amount (${formatValue(expected, minorUnits(currency as CurrencyCode))})`,
      'receipt',
    )
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * Starts a loopback fake of the YooKassa API v3 on 127.0.0.1 (a free port),
 * built from YooKassa's public documentation:
 *
 * - `POST /v3/payments`, `GET /v3/payments/{id}`, `POST /v3/payments/{id}/capture`,
 *   `POST /v3/payments/{id}/cancel`, `POST /v3/refunds`, `GET /v3/refunds/{id}`;
 * - HTTP Basic auth `shopId:secretKey` (401 `invalid_credentials` otherwise);
 * - a required `Idempotence-Key` on every POST: the same key and body replay
 *   the first answer, the same key with another request is a 400;
 * - amounts as `{ value: "1234.56", currency }`, statuses `pending`,
 *   `waiting_for_capture`, `succeeded`, `canceled` with `cancellation_details`;
 * - error bodies `{ type: 'error', id, code, description, parameter }`;
 * - 54-FZ receipt checks (Σ items = amount, vat_code present) and refunds
 *   limited to captured minus refunded;
 * - a confirmation page at `GET /confirm/{id}` with Pay and Decline buttons,
 *   where `confirmation_url` points.
 *
 * @example
 * ```ts
 * const fake = await startYooKassaFake({ shopId: '100500', secretKey: 'test_key' })
 * const provider = yookassa({ shopId: '100500', secretKey: 'test_key', baseUrl: fake.url })
 * const payment = await provider.createPayment(request, { signal, idempotencyKey })
 * await fake.control.approve(payment.providerPaymentId)
 * await fake.close()
 * ```
 */
export async function startYooKassaFake(options: YooKassaFakeOptions = {}): Promise<YooKassaFake> {
  const shopId = options.shopId ?? '100500'
  const secretKey = options.secretKey ?? 'test_secret_key'
  const notificationIp = options.notificationIp ?? '185.71.76.10'
  const expectedAuth = `Basic ${Buffer.from(`${shopId}:${secretKey}`).toString('base64')}`

  const payments = new Map<string, PaymentRecord>()
  const refunds = new Map<string, RefundRecord>()
  const idempotency = new Map<string, { fingerprint: string; reply: Reply }>()
  const log: { method: string; path: string; idempotencyKey: string | null }[] = []
  const failures: number[] = []
  let origin = ''

  const digitsOf = (currency: string) => minorUnits(currency as CurrencyCode)
  const money = (minor: number, currency: string) => ({ value: formatValue(minor, digitsOf(currency)), currency })

  function paymentJson(p: PaymentRecord): Record<string, unknown> {
    const paid = p.status === 'waiting_for_capture' || p.status === 'succeeded'
    return {
      id: p.id,
      status: p.status,
      paid,
      amount: money(p.amount, p.currency),
      ...(p.description === null ? {} : { description: p.description }),
      recipient: { account_id: shopId, gateway_id: '100700' },
      ...(paid || p.paymentMethodType !== null
        ? { payment_method: { type: p.paymentMethodType ?? 'bank_card', id: p.paymentMethodId, saved: false } }
        : {}),
      ...(p.capturedAt === null ? {} : { captured_at: p.capturedAt }),
      created_at: p.createdAt,
      ...(p.expiresAt === null ? {} : { expires_at: p.expiresAt }),
      ...(p.status === 'pending' && p.confirmation
        ? { confirmation: { type: 'redirect', confirmation_url: `${origin}/confirm/${p.id}`, ...(p.returnUrl === null ? {} : { return_url: p.returnUrl }) } }
        : {}),
      test: true,
      ...(p.refunded > 0 ? { refunded_amount: money(p.refunded, p.currency) } : {}),
      refundable: p.status === 'succeeded' && p.refunded < p.amount,
      ...(p.receipts.length > 0 ? { receipt_registration: 'succeeded' } : {}),
      metadata: { ...p.metadata },
      ...(p.cancellation === null ? {} : { cancellation_details: { ...p.cancellation } }),
    }
  }

  function refundJson(r: RefundRecord): Record<string, unknown> {
    return {
      id: r.id,
      payment_id: r.paymentId,
      status: r.status,
      created_at: r.createdAt,
      amount: money(r.amount, r.currency),
      ...(r.description === null ? {} : { description: r.description }),
      ...(r.hasReceipt ? { receipt_registration: 'succeeded' } : {}),
    }
  }

  function paymentOr404(id: string): PaymentRecord {
    const payment = payments.get(id)
    if (!payment) throw new ApiError(404, 'not_found', 'Payment not found or forbidden', 'payment_id')
    return payment
  }

  function createPayment(body: Record<string, unknown>): Reply {
    const { minor, currency } = parseAmount(body['amount'], 'amount')
    const capture = body['capture'] ?? false
    if (typeof capture !== 'boolean') throw new ApiError(400, 'invalid_request', 'capture must be a boolean', 'capture')
    const description = body['description']
    if (description !== undefined && (typeof description !== 'string' || description.length > 128)) {
      throw new ApiError(400, 'invalid_request', 'Description must be at most 128 characters long', 'description')
    }
    const metadata = body['metadata'] ?? {}
    if (!isRecord(metadata) || Object.keys(metadata).length > 16) {
      throw new ApiError(400, 'invalid_request', 'Metadata must be an object of at most 16 keys', 'metadata')
    }
    for (const [key, value] of Object.entries(metadata)) {
      if (key.length > 32 || typeof value !== 'string' || value.length > 512) {
        throw new ApiError(400, 'invalid_request', 'Metadata keys are at most 32 characters, values strings of at most 512', `metadata.${key}`)
      }
    }
    let returnUrl: string | null = null
    const confirmation = body['confirmation']
    if (confirmation !== undefined) {
      if (!isRecord(confirmation) || confirmation['type'] !== 'redirect') {
        throw new ApiError(400, 'invalid_request', 'This fake supports confirmation type redirect only', 'confirmation.type')
      }
      if (typeof confirmation['return_url'] !== 'string' || confirmation['return_url'].length === 0) {
        throw new ApiError(400, 'invalid_request', 'return_url is required for redirect confirmation', 'confirmation.return_url')
      }
      returnUrl = confirmation['return_url']
    }
    const methodData = body['payment_method_data']
    if (methodData !== undefined && (!isRecord(methodData) || typeof methodData['type'] !== 'string')) {
      throw new ApiError(400, 'invalid_request', 'payment_method_data.type is required', 'payment_method_data.type')
    }
    const receipts: YooKassaFakeReceipt[] = []
    if (body['receipt'] !== undefined) {
      validateReceipt(body['receipt'], minor, currency)
      receipts.push({ operation: 'payment', refundId: null, receipt: body['receipt'] })
    }
    const payment: PaymentRecord = {
      id: randomUUID(),
      status: 'pending',
      amount: minor,
      authorizedAmount: minor,
      currency,
      capture,
      refunded: 0,
      description: typeof description === 'string' ? description : null,
      metadata: metadata as Record<string, string>,
      returnUrl,
      confirmation: confirmation !== undefined,
      paymentMethodType: isRecord(methodData) ? (methodData['type'] as string) : null,
      paymentMethodId: randomUUID(),
      createdAt: new Date().toISOString(),
      capturedAt: null,
      expiresAt: null,
      cancellation: null,
      receipts,
    }
    payments.set(payment.id, payment)
    return { status: 200, body: paymentJson(payment) }
  }

  function capturePayment(payment: PaymentRecord, body: Record<string, unknown>): Reply {
    if (payment.status !== 'waiting_for_capture') {
      throw new ApiError(400, 'invalid_request', `Payment has status ${payment.status}; only a payment in waiting_for_capture can be captured`, 'payment_id')
    }
    let amount = payment.authorizedAmount
    if (body['amount'] !== undefined) {
      const parsed = parseAmount(body['amount'], 'amount')
      if (parsed.currency !== payment.currency) throw new ApiError(400, 'invalid_request', 'Currency differs from the payment currency', 'amount.currency')
      if (parsed.minor > payment.authorizedAmount) throw new ApiError(400, 'invalid_request', 'Capture amount exceeds the payment amount', 'amount.value')
      amount = parsed.minor
    }
    const partial = amount < payment.authorizedAmount
    if (body['receipt'] !== undefined) {
      validateReceipt(body['receipt'], amount, payment.currency)
    } else if (partial && payment.receipts.length > 0) {
      throw new ApiError(400, 'invalid_request', 'Receipt is required to capture part of a payment created with a receipt', 'receipt')
    }
    if (body['receipt'] !== undefined) payment.receipts.push({ operation: 'capture', refundId: null, receipt: body['receipt'] })
    payment.status = 'succeeded'
    payment.amount = amount
    payment.capturedAt = new Date().toISOString()
    payment.expiresAt = null
    return { status: 200, body: paymentJson(payment) }
  }

  function cancelPayment(payment: PaymentRecord): Reply {
    if (payment.status !== 'waiting_for_capture') {
      throw new ApiError(400, 'invalid_request', `Payment has status ${payment.status}; only a payment in waiting_for_capture can be canceled`, 'payment_id')
    }
    payment.status = 'canceled'
    payment.expiresAt = null
    payment.cancellation = { party: 'merchant', reason: 'canceled_by_merchant' }
    return { status: 200, body: paymentJson(payment) }
  }

  function createRefund(body: Record<string, unknown>): Reply {
    const paymentId = body['payment_id']
    if (typeof paymentId !== 'string') throw new ApiError(400, 'invalid_request', 'payment_id is required', 'payment_id')
    const payment = paymentOr404(paymentId)
    const { minor, currency } = parseAmount(body['amount'], 'amount')
    if (currency !== payment.currency) throw new ApiError(400, 'invalid_request', 'Currency differs from the payment currency', 'amount.currency')
    if (payment.status !== 'succeeded') {
      throw new ApiError(400, 'invalid_request', `Payment has status ${payment.status}; only a succeeded payment can be refunded`, 'payment_id')
    }
    const available = payment.amount - payment.refunded
    if (minor > available) {
      throw new ApiError(400, 'invalid_request', `Refund amount exceeds the amount available for refund (${formatValue(available, digitsOf(currency))})`, 'amount.value')
    }
    const description = body['description']
    if (description !== undefined && (typeof description !== 'string' || description.length > 250)) {
      throw new ApiError(400, 'invalid_request', 'Description must be at most 250 characters long', 'description')
    }
    if (body['receipt'] !== undefined) validateReceipt(body['receipt'], minor, currency)
    const refund: RefundRecord = {
      id: randomUUID(),
      paymentId,
      status: 'succeeded',
      amount: minor,
      currency,
      description: typeof description === 'string' ? description : null,
      createdAt: new Date().toISOString(),
      hasReceipt: body['receipt'] !== undefined,
    }
    if (body['receipt'] !== undefined) payment.receipts.push({ operation: 'refund', refundId: refund.id, receipt: body['receipt'] })
    payment.refunded += minor
    refunds.set(refund.id, refund)
    return { status: 200, body: refundJson(refund) }
  }

  function route(method: string, path: string, body: Record<string, unknown>): Reply {
    if (path === '/v3/payments') {
      if (method !== 'POST') return { status: 405, body: errorBody('method_not_allowed', 'Method not allowed') }
      return createPayment(body)
    }
    if (path === '/v3/refunds') {
      if (method !== 'POST') return { status: 405, body: errorBody('method_not_allowed', 'Method not allowed') }
      return createRefund(body)
    }
    let match = /^\/v3\/payments\/([^/]+)$/.exec(path)
    if (match) {
      if (method !== 'GET') return { status: 405, body: errorBody('method_not_allowed', 'Method not allowed') }
      return { status: 200, body: paymentJson(paymentOr404(decodeURIComponent(match[1]!))) }
    }
    match = /^\/v3\/payments\/([^/]+)\/(capture|cancel)$/.exec(path)
    if (match) {
      if (method !== 'POST') return { status: 405, body: errorBody('method_not_allowed', 'Method not allowed') }
      const payment = paymentOr404(decodeURIComponent(match[1]!))
      return match[2] === 'capture' ? capturePayment(payment, body) : cancelPayment(payment)
    }
    match = /^\/v3\/refunds\/([^/]+)$/.exec(path)
    if (match) {
      if (method !== 'GET') return { status: 405, body: errorBody('method_not_allowed', 'Method not allowed') }
      const refund = refunds.get(decodeURIComponent(match[1]!))
      if (!refund) throw new ApiError(404, 'not_found', 'Refund not found or forbidden', 'refund_id')
      return { status: 200, body: refundJson(refund) }
    }
    throw new ApiError(404, 'not_found', 'Resource not found')
  }

  /** Runs a handler, turning a thrown {@link ApiError} into YooKassa's error body. */
  function answer(handler: () => Reply): Reply {
    try {
      return handler()
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      return { status: error.status, body: errorBody(error.code, error.message, error.parameter) }
    }
  }

  function api(request: IncomingMessage, path: string, raw: string): Reply {
    const method = request.method ?? 'GET'
    const keyHeader = request.headers['idempotence-key']
    const key = typeof keyHeader === 'string' ? keyHeader : null
    log.push({ method, path, idempotencyKey: key })

    const failure = failures.shift()
    if (failure !== undefined) {
      return { status: failure, body: errorBody(ERROR_CODES[failure] ?? 'internal_server_error', `Simulated HTTP ${failure}`) }
    }
    if (request.headers.authorization !== expectedAuth) {
      return { status: 401, body: errorBody('invalid_credentials', 'Login or password is incorrect', 'Authorization') }
    }
    if (method !== 'POST') return answer(() => route(method, path, {}))

    if (key === null || key.length === 0) {
      return { status: 400, body: errorBody('invalid_request', 'Idempotence key is empty', 'Idempotence-Key') }
    }
    if (key.length > 64) {
      return { status: 400, body: errorBody('invalid_request', 'Idempotence key is longer than 64 characters', 'Idempotence-Key') }
    }
    const fingerprint = `${method} ${path}\n${raw}`
    const seen = idempotency.get(key)
    if (seen) {
      if (seen.fingerprint === fingerprint) return seen.reply
      return { status: 400, body: errorBody('invalid_request', 'Idempotence key duplicated', 'Idempotence-Key') }
    }

    let reply: Reply
    let body: unknown = {}
    if (raw.length > 0) {
      const type = request.headers['content-type'] ?? ''
      if (!type.toLowerCase().startsWith('application/json')) return { status: 415, body: errorBody('invalid_request', 'Content-Type must be application/json') }
      try {
        body = JSON.parse(raw)
      } catch {
        return { status: 400, body: errorBody('invalid_request', 'Request body is not valid JSON') }
      }
    }
    if (!isRecord(body)) {
      reply = { status: 400, body: errorBody('invalid_request', 'Request body must be a JSON object') }
    } else {
      const payload = body
      reply = answer(() => route(method, path, payload))
    }
    // Like YooKassa, an answer is remembered for its key unless the outcome is unknown (5xx).
    if (reply.status < 500) idempotency.set(key, { fingerprint, reply })
    return reply
  }

  function approve(id: string): void {
    const payment = payments.get(id)
    if (!payment) throw new Error(`YooKassa fake: no payment ${id}`)
    if (payment.status !== 'pending') throw new Error(`YooKassa fake: payment ${id} is ${payment.status}, not pending`)
    if (payment.capture) {
      payment.status = 'succeeded'
      payment.capturedAt = new Date().toISOString()
    } else {
      payment.status = 'waiting_for_capture'
      // Card holds live 7 days at YooKassa.
      payment.expiresAt = new Date(Date.now() + 7 * 24 * 3600_000).toISOString()
    }
  }

  function decline(id: string): void {
    const payment = payments.get(id)
    if (!payment) throw new Error(`YooKassa fake: no payment ${id}`)
    if (payment.status !== 'pending') throw new Error(`YooKassa fake: payment ${id} is ${payment.status}, not pending`)
    payment.status = 'canceled'
    payment.cancellation = { party: 'payment_network', reason: 'insufficient_funds' }
  }

  const EVENTS: Record<YooKassaFakePaymentStatus, string | null> = {
    pending: null,
    waiting_for_capture: 'payment.waiting_for_capture',
    succeeded: 'payment.succeeded',
    canceled: 'payment.canceled',
  }

  function notification(event: string, object: Record<string, unknown>): WebhookRequest {
    return {
      headers: { 'content-type': 'application/json; charset=UTF-8' },
      rawBody: JSON.stringify({ type: 'notification', event, object }),
      remoteAddress: notificationIp,
    }
  }

  function confirmPage(request: IncomingMessage, response: ServerResponse, path: string): void {
    const match = /^\/confirm\/([^/]+)(?:\/(pay|decline))?$/.exec(path)
    const payment = match ? payments.get(decodeURIComponent(match[1]!)) : undefined
    if (!match || !payment) {
      response.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Not found</title><p>No such payment.</p>')
      return
    }
    const action = match[2]
    if (action !== undefined) {
      if (request.method !== 'POST') {
        response.writeHead(405, { allow: 'POST' }).end()
        return
      }
      if (payment.status === 'pending') (action === 'pay' ? approve : decline)(payment.id)
      if (payment.returnUrl !== null) {
        response.writeHead(303, { location: payment.returnUrl }).end()
        return
      }
    }
    const amount = `${formatValue(payment.amount, digitsOf(payment.currency))} ${payment.currency}`
    const buttons =
      payment.status === 'pending'
        ? `<form method="post" action="/confirm/${payment.id}/pay"><button type="submit">Pay</button></form>` +
          `<form method="post" action="/confirm/${payment.id}/decline"><button type="submit">Decline</button></form>`
        : `<p>Payment status: <strong>${payment.status}</strong></p>`
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(
        `<!doctype html><html><head><meta charset="utf-8"><title>YooKassa test payment</title></head><body>` +
          `<h1>Test payment</h1><p>${escapeHtml(payment.description ?? 'Payment')}</p><p>Amount: ${escapeHtml(amount)}</p>${buttons}</body></html>`,
      )
  }

  const server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? '/', 'http://fake').pathname
      const raw = await readBody(request)
      if (path.startsWith('/confirm/')) return confirmPage(request, response, path)
      if (!path.startsWith('/v3/')) {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody('not_found', 'Resource not found')))
        return
      }
      const reply = api(request, path, raw)
      response.writeHead(reply.status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(reply.body))
    })().catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody('internal_server_error', String(error))))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const control: PaymentFakeControl = {
    async approve(id) {
      approve(id)
    },
    async decline(id) {
      decline(id)
    },
    async webhookFor(id) {
      const payment = payments.get(id)
      if (!payment) throw new Error(`YooKassa fake: no payment ${id}`)
      const event = EVENTS[payment.status]
      if (event === null) throw new Error(`YooKassa fake: YooKassa sends no notification for a pending payment (${id})`)
      return notification(event, paymentJson(payment))
    },
    async forgedWebhookFor(id) {
      // The claim the API will not confirm: "succeeded" for what is not, "canceled" for what is.
      const payment = payments.get(id)
      if (!payment) {
        return notification('payment.succeeded', {
          id,
          status: 'succeeded',
          paid: true,
          amount: { value: '1.00', currency: 'RUB' },
          created_at: new Date().toISOString(),
          test: true,
          refundable: true,
          metadata: {},
        })
      }
      const object = paymentJson(payment)
      if (payment.status === 'succeeded') {
        return notification('payment.canceled', { ...object, status: 'canceled', paid: false, cancellation_details: { party: 'merchant', reason: 'canceled_by_merchant' } })
      }
      return notification('payment.succeeded', { ...object, status: 'succeeded', paid: true, captured_at: new Date().toISOString() })
    },
    failNext(count, status) {
      for (let i = 0; i < count; i++) failures.push(status)
    },
    requests() {
      return log.map((entry) => ({ ...entry }))
    },
  }

  return {
    url: `${origin}/v3`,
    origin,
    shopId,
    secretKey,
    control,
    payments: () =>
      [...payments.values()].map((p) => ({
        id: p.id,
        status: p.status,
        amount: p.amount,
        authorizedAmount: p.authorizedAmount,
        currency: p.currency,
        capture: p.capture,
        refundedAmount: p.refunded,
        description: p.description,
        metadata: { ...p.metadata },
        paymentMethodType: p.paymentMethodType,
        cancellationDetails: p.cancellation === null ? null : { ...p.cancellation },
        receipts: p.receipts.map((r) => ({ ...r })),
      })),
    refunds: () => [...refunds.values()].map((r) => ({ id: r.id, paymentId: r.paymentId, status: r.status, amount: r.amount, currency: r.currency })),
    refundWebhookFor(refundId) {
      const refund = refunds.get(refundId)
      if (!refund) throw new Error(`YooKassa fake: no refund ${refundId}`)
      return notification('refund.succeeded', refundJson(refund))
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
