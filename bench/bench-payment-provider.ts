// An in-process card provider for the checkout.flow.* scenarios: it answers at
// once (no HTTP), keeps its payments in a Map, de-duplicates by idempotency
// key like a real vendor, and signs its webhooks with an HMAC over the raw
// body so `parseWebhook` verifies them the way an adapter does.
import { createHmac, timingSafeEqual } from 'node:crypto'
import {
  PaymentProviderError,
  type CreatePaymentRequest,
  type ParsedWebhook,
  type PaymentProvider,
  type ProviderPaymentState,
  type WebhookRequest,
} from '@ordo/core'

/** The provider id the bench shop's card method names. */
export const BENCH_PROVIDER_ID = 'benchpay'

/** {@link benchProvider}: a provider plus the customer's side (`pay`) and the vendor's webhook. */
export interface BenchProvider extends PaymentProvider {
  /** The customer pays on the provider's page: one-stage payments are captured, two-stage ones held. */
  pay(providerPaymentId: string): ProviderPaymentState
  /** The signed webhook the provider sends about a payment's current state. */
  webhook(providerPaymentId: string): WebhookRequest
}

/** A provider that answers at once; see the file comment. */
export function benchProvider(secret = 'bench-secret'): BenchProvider {
  const payments = new Map<string, ProviderPaymentState & { twoStage: boolean }>()
  const byKey = new Map<string, string>()
  let n = 0
  let events = 0
  const sign = (body: string) => createHmac('sha256', secret).update(body).digest('hex')
  const get = (id: string) => {
    const p = payments.get(id)
    if (!p) throw new PaymentProviderError(`no payment ${id}`, { retryable: false, status: 404 })
    return p
  }
  const state = (id: string): ProviderPaymentState => {
    const { twoStage: _twoStage, ...rest } = get(id)
    return { ...rest, metadata: { ...rest.metadata } }
  }
  const unsupported = (what: string) => Promise.reject(new PaymentProviderError(`the bench provider does not ${what}`, { retryable: false, status: 400 }))

  return {
    id: BENCH_PROVIDER_ID,
    capabilities: { supportsTwoStage: true, supportsPartialCapture: false, supportsPartialRefund: false, supportsReceipts: false, webhookVerification: 'signature' },
    async createPayment(request: CreatePaymentRequest, context) {
      const known = byKey.get(context.idempotencyKey)
      if (known) return state(known)
      const id = `bp_${++n}`
      payments.set(id, {
        providerPaymentId: id,
        status: 'requires_action',
        amount: request.amount,
        currency: request.currency,
        capturedAmount: 0,
        refundedAmount: 0,
        confirmationUrl: `https://pay.bench.example/${id}`,
        failureReason: null,
        metadata: { ...request.metadata },
        twoStage: !request.capture,
      })
      byKey.set(context.idempotencyKey, id)
      return state(id)
    },
    capture: () => unsupported('capture holds'),
    void: () => unsupported('void'),
    refund: () => unsupported('refund'),
    async getPayment(id) {
      return state(id)
    },
    async parseWebhook(request: WebhookRequest): Promise<ParsedWebhook> {
      const given = Buffer.from(request.headers['x-bench-signature'] ?? '', 'hex')
      const expected = Buffer.from(sign(request.rawBody), 'hex')
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { ok: false, reason: 'bad signature', response: { status: 401, body: 'bad signature', contentType: 'text/plain' } }
      }
      const body = JSON.parse(request.rawBody) as { eventId: string; paymentId: string; status: ProviderPaymentState['status'] }
      return {
        ok: true,
        event: { eventId: body.eventId, kind: 'payment', providerPaymentId: body.paymentId, claimedStatus: body.status, refund: null },
        response: { status: 200, body: '{"ok":true}', contentType: 'application/json' },
      }
    },
    pay(id) {
      const p = get(id)
      if (p.twoStage) p.status = 'authorized'
      else Object.assign(p, { status: 'captured', capturedAmount: p.amount })
      return state(id)
    },
    webhook(id) {
      const rawBody = JSON.stringify({ eventId: `ev_${++events}`, paymentId: id, status: get(id).status })
      return { headers: { 'x-bench-signature': sign(rawBody) }, rawBody }
    },
  }
}
