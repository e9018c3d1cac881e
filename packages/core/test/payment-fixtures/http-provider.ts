/**
 * A PaymentProvider that speaks HTTP to a loopback "vendor" the test runs
 * (so a parent process can watch what a child process sends), and that
 * vendor: it charges once per idempotency key and can hold its answer to the
 * first request while the test kills the caller.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PaymentProviderError, type PaymentProvider, type ProviderPaymentState } from '@ordo/core'

/** The adapter side: plain fetch with the idempotency key in a header. */
export function httpProvider(baseUrl: string): PaymentProvider {
  async function call(path: string, init: { method: string; body?: unknown; key?: string; signal: AbortSignal }): Promise<any> {
    let response: Response
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method: init.method,
        headers: { 'content-type': 'application/json', ...(init.key ? { 'idempotency-key': init.key } : {}) },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        signal: init.signal,
      })
    } catch (error) {
      throw new PaymentProviderError(`network: ${(error as Error).message}`, { retryable: true, cause: error })
    }
    if (response.status >= 500) throw new PaymentProviderError(`HTTP ${response.status}`, { retryable: true, status: response.status })
    if (!response.ok) throw new PaymentProviderError(`HTTP ${response.status}`, { retryable: false, status: response.status })
    return response.json()
  }
  return {
    id: 'loopback',
    capabilities: { supportsTwoStage: false, supportsPartialCapture: false, supportsPartialRefund: true, supportsReceipts: false, webhookVerification: 'refetch' },
    createPayment: (request, ctx) => call('/payments', { method: 'POST', body: request, key: ctx.idempotencyKey, signal: ctx.signal }),
    capture: (request, ctx) => call(`/payments/${request.providerPaymentId}/capture`, { method: 'POST', body: request, key: ctx.idempotencyKey, signal: ctx.signal }),
    void: (request, ctx) => call(`/payments/${request.providerPaymentId}/void`, { method: 'POST', body: request, key: ctx.idempotencyKey, signal: ctx.signal }),
    refund: (request, ctx) => call(`/payments/${request.providerPaymentId}/refund`, { method: 'POST', body: request, key: ctx.idempotencyKey, signal: ctx.signal }),
    getPayment: (id, ctx) => call(`/payments/${id}`, { method: 'GET', signal: ctx.signal }),
    parseWebhook: async () => ({ ok: false, reason: 'not used', response: { status: 400, body: '', contentType: 'text/plain' } }),
  }
}

export interface LoopbackVendor {
  readonly url: string
  /** Every create request: its idempotency key. */
  readonly creates: string[]
  /** Distinct payments the vendor made (each one a charge: one-stage payments are captured at once). */
  readonly payments: Map<string, ProviderPaymentState>
  /** Called on the first create, after the charge and before the answer; the answer waits for it. */
  beforeFirstAnswer: (() => Promise<void>) | null
  close(): Promise<void>
}

export async function loopbackVendor(): Promise<LoopbackVendor> {
  const byKey = new Map<string, string>()
  const vendor: Omit<LoopbackVendor, 'url'> & { url: string } = {
    url: '',
    creates: [],
    payments: new Map(),
    beforeFirstAnswer: null,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
  const body = (req: IncomingMessage) =>
    new Promise<any>((resolve) => {
      let data = ''
      req.on('data', (c) => (data += c))
      req.on('end', () => resolve(data ? JSON.parse(data) : null))
    })
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(value))
    }
    const url = req.url ?? ''
    if (req.method === 'POST' && url === '/payments') {
      const key = String(req.headers['idempotency-key'] ?? '')
      const request = await body(req)
      vendor.creates.push(key)
      let id = byKey.get(key)
      const first = id === undefined
      if (!id) {
        id = `lb_${byKey.size + 1}`
        byKey.set(key, id)
        vendor.payments.set(id, {
          providerPaymentId: id,
          status: 'captured',
          amount: request.amount,
          currency: request.currency,
          capturedAmount: request.amount,
          refundedAmount: 0,
          confirmationUrl: null,
          failureReason: null,
          metadata: request.metadata,
        })
      }
      if (first && vendor.beforeFirstAnswer) {
        const hook = vendor.beforeFirstAnswer
        vendor.beforeFirstAnswer = null
        await hook()
      }
      if (!res.destroyed) send(200, vendor.payments.get(id))
      return
    }
    const get = /^\/payments\/([^/]+)$/.exec(url)
    if (req.method === 'GET' && get) {
      const p = vendor.payments.get(get[1]!)
      return p ? send(200, p) : send(404, { error: 'not found' })
    }
    send(404, { error: 'not found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  vendor.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return vendor
}
