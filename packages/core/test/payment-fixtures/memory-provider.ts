/**
 * An in-memory PaymentProvider written against the port, for the payment
 * tests: it de-duplicates by idempotency key like a real vendor, lets a test
 * play the customer (`pay`), inject failures and build signed webhooks.
 */
import {
  PaymentProviderError,
  type CreatePaymentRequest,
  type PaymentProvider,
  type PaymentProviderCapabilities,
  type ProviderCallContext,
  type ProviderPaymentState,
  type ProviderPaymentStatus,
  type ProviderRefundState,
  type WebhookRequest,
} from '@ordo/core'

export interface ProviderCall {
  op: 'create' | 'capture' | 'void' | 'refund' | 'get'
  key: string | null
  amount?: number
  receiptTotal?: number | null
}

export interface MemoryProvider extends PaymentProvider {
  readonly calls: ProviderCall[]
  readonly payments: Map<string, ProviderPaymentState>
  /** The customer pays on the provider's page: authorised (two-stage) or captured. */
  pay(providerPaymentId: string): ProviderPaymentState
  /** The next `count` calls throw (retryable or not); `hang` makes them wait until aborted. */
  failNext(count: number, mode: 'retryable' | 'fatal' | 'hang'): void
  /** Distinct charges made: payments captured at least once. */
  charges(): number
}

export function memoryProvider(options: { id?: string; capabilities?: Partial<PaymentProviderCapabilities> } = {}): MemoryProvider {
  const capabilities: PaymentProviderCapabilities = {
    supportsTwoStage: true,
    supportsPartialCapture: true,
    supportsPartialRefund: true,
    supportsReceipts: false,
    webhookVerification: 'signature',
    ...options.capabilities,
  }
  const payments = new Map<string, ProviderPaymentState>()
  const twoStage = new Map<string, boolean>()
  const byKey = new Map<string, unknown>()
  const calls: ProviderCall[] = []
  let failures: { count: number; mode: 'retryable' | 'fatal' | 'hang' } = { count: 0, mode: 'retryable' }
  let n = 0

  async function maybeFail(signal: AbortSignal): Promise<void> {
    if (failures.count <= 0) return
    failures.count--
    if (failures.mode === 'hang') {
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))
    }
    throw new PaymentProviderError(failures.mode === 'retryable' ? 'HTTP 503' : 'invalid_request', {
      retryable: failures.mode === 'retryable',
      status: failures.mode === 'retryable' ? 503 : 400,
      vendorCode: failures.mode === 'retryable' ? null : 'invalid_request',
    })
  }

  function once<T>(key: string, make: () => T): T {
    if (byKey.has(key)) return structuredClone(byKey.get(key)) as T
    const value = make()
    byKey.set(key, structuredClone(value))
    return value
  }

  function get(id: string): ProviderPaymentState {
    const p = payments.get(id)
    if (!p) throw new PaymentProviderError(`no payment ${id}`, { retryable: false, status: 404 })
    return p
  }

  const provider: MemoryProvider = {
    id: options.id ?? 'memory',
    capabilities,
    calls,
    payments,
    async createPayment(request: CreatePaymentRequest, context: ProviderCallContext) {
      calls.push({ op: 'create', key: context.idempotencyKey, amount: request.amount, receiptTotal: request.receipt?.total ?? null })
      await maybeFail(context.signal)
      const made = once(context.idempotencyKey, () => {
        const id = `mp_${++n}`
        const state: ProviderPaymentState = {
          providerPaymentId: id,
          status: 'requires_action',
          amount: request.amount,
          currency: request.currency,
          capturedAmount: 0,
          refundedAmount: 0,
          confirmationUrl: `https://pay.example/${id}`,
          failureReason: null,
          metadata: request.metadata,
        }
        payments.set(id, state)
        twoStage.set(id, !request.capture)
        return state
      })
      return { ...get(made.providerPaymentId) }
    },
    async capture(request, context) {
      calls.push({ op: 'capture', key: context.idempotencyKey, amount: request.amount, receiptTotal: request.receipt?.total ?? null })
      await maybeFail(context.signal)
      once(context.idempotencyKey, () => {
        const p = get(request.providerPaymentId)
        if (p.status !== 'authorized') throw new PaymentProviderError(`cannot capture a ${p.status} payment`, { retryable: false, status: 400 })
        if (request.amount > p.amount) throw new PaymentProviderError('amount above the hold', { retryable: false, status: 400 })
        Object.assign(p, { status: 'captured', capturedAmount: request.amount })
        return true
      })
      return { ...get(request.providerPaymentId) }
    },
    async void(request, context) {
      calls.push({ op: 'void', key: context.idempotencyKey })
      await maybeFail(context.signal)
      once(context.idempotencyKey, () => {
        const p = get(request.providerPaymentId)
        if (p.status === 'captured') throw new PaymentProviderError('already captured', { retryable: false, status: 400 })
        p.status = 'canceled'
        return true
      })
      return { ...get(request.providerPaymentId) }
    },
    async refund(request, context): Promise<ProviderRefundState> {
      calls.push({ op: 'refund', key: context.idempotencyKey, amount: request.amount, receiptTotal: request.receipt?.total ?? null })
      await maybeFail(context.signal)
      return once(context.idempotencyKey, () => {
        const p = get(request.providerPaymentId)
        if (request.amount > p.capturedAmount - p.refundedAmount) throw new PaymentProviderError('refund above captured', { retryable: false, status: 400 })
        p.refundedAmount += request.amount
        return { providerRefundId: `rf_${++n}`, status: 'succeeded' as const, amount: request.amount }
      })
    },
    async getPayment(id, context) {
      calls.push({ op: 'get', key: null })
      await maybeFail(context.signal)
      return { ...get(id) }
    },
    async parseWebhook(request: WebhookRequest) {
      if (request.headers['x-signature'] !== 'ok') {
        return { ok: false, reason: 'bad signature', response: { status: 401, body: 'bad signature', contentType: 'text/plain' } }
      }
      const body = JSON.parse(request.rawBody) as { eventId: string; paymentId: string; status: ProviderPaymentStatus | null; refund?: { id: string; amount: number } }
      return {
        ok: true,
        event: {
          eventId: body.eventId,
          kind: body.refund ? 'refund' : 'payment',
          providerPaymentId: body.paymentId,
          claimedStatus: body.status,
          refund: body.refund ? { providerRefundId: body.refund.id, amount: body.refund.amount } : null,
        },
        response: { status: 200, body: '{"ok":true}', contentType: 'application/json' },
      }
    },
    pay(id) {
      const p = get(id)
      if (twoStage.get(id)) p.status = 'authorized'
      else Object.assign(p, { status: 'captured', capturedAmount: p.amount })
      return { ...p }
    },
    failNext(count, mode) {
      failures = { count, mode }
    },
    charges() {
      return [...payments.values()].filter((p) => p.capturedAmount > 0).length
    },
  }
  return provider
}

/** A signed webhook request the memory provider accepts. */
export function webhook(eventId: string, paymentId: string, status: ProviderPaymentStatus | null, refund?: { id: string; amount: number }): WebhookRequest {
  return { headers: { 'x-signature': 'ok' }, rawBody: JSON.stringify({ eventId, paymentId, status, ...(refund ? { refund } : {}) }) }
}
