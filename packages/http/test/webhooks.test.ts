import type { Commerce } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import { afterEach, describe, expect, test } from 'vitest'
import { apiKeys, webhookRoutes } from '../src/index.js'
import { call, httpShop, readyCart, type HttpShop } from './http-fixture.js'

describeEachDialect('http: webhook routes', ({ database }) => {
  const open: HttpShop[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()))
  })
  async function setup() {
    const db = await database()
    const fixture = await httpShop(db.storage)
    open.push(fixture)
    return fixture
  }
  const post = (app: HttpShop['app'], path: string, request: { headers: Record<string, string | undefined>; rawBody: string }) =>
    app.request(path, { method: 'POST', headers: Object.fromEntries(Object.entries(request.headers).filter((e): e is [string, string] => e[1] !== undefined)), body: request.rawBody })

  test('a card payment: the signed notification is applied from its raw body, a forged one is refused, then a manager refunds', async () => {
    const { app, shop, payments } = await setup()
    const cartId = await readyCart(app)
    const placed = await call(app, 'POST', `/store/carts/${cartId}/checkout`, {}, { 'idempotency-key': 'card-checkout-1' })
    const { id: orderId } = placed.body.order
    const started = await call(app, 'POST', `/store/orders/${orderId}/payments`, { method: 'card', returnUrl: 'https://shop.example/orders/1' }, { 'x-order-token': placed.body.accessToken, 'idempotency-key': 'card-pay-1' })
    expect(started.status).toBe(201)
    expect(started.body.confirmationUrl).toMatch(/^http/)
    const again = await call(app, 'POST', `/store/orders/${orderId}/payments`, { method: 'card' }, { 'x-order-token': placed.body.accessToken, 'idempotency-key': 'card-pay-1' })
    expect(again.body.id).toBe(started.body.id)
    const payment = (await shop.payments.get(started.body.id))!
    await payments.control.approve(payment.providerPaymentId!)

    const forged = await post(app, '/webhooks/payments/cloudpayments', await payments.control.forgedWebhookFor(payment.providerPaymentId!))
    expect(forged.status).toBe(200)
    expect(await forged.json()).toEqual({ code: 13 })
    expect((await shop.payments.get(payment.id))!.status).toBe(payment.status)

    const signed = await payments.control.webhookFor(payment.providerPaymentId!)
    const applied = await post(app, '/webhooks/payments/cloudpayments', signed)
    expect(applied.status).toBe(200)
    expect(await applied.json()).toEqual({ code: 0 })
    const captured = (await shop.payments.get(payment.id))!
    expect(captured.status).toBe('captured')

    // The same body with one byte changed no longer matches its signature.
    const tampered = await post(app, '/webhooks/payments/cloudpayments', { ...signed, rawBody: signed.rawBody.replace(/Amount=[\d.]+/, 'Amount=1.00') })
    expect(await tampered.json()).toEqual({ code: 13 })

    const { token } = await apiKeys(shop).issue({ name: 'бухгалтер', scopes: ['payments:write', 'payments:read'] })
    const refund = await call(app, 'POST', `/admin/payments/${payment.id}/refund`, { amount: 10_000, reason: 'customer_request', idempotencyKey: 'refund-1' }, { 'x-api-key': token })
    expect(refund.body).toMatchObject({ id: payment.id, refunded: 10_000 })
    const forOrder = await call(app, 'GET', `/admin/orders/${orderId}/payments`, undefined, { 'x-api-key': token })
    expect(forOrder.body.payments.map((p: { id: string }) => p.id)).toEqual([payment.id])
  })

  test('bodies over the limit are refused with 413 whether their length is declared or streamed', async () => {
    const { app } = await setup()
    const big = 'x'.repeat(300 * 1024)
    const declared = await app.request('/webhooks/payments/cloudpayments', { method: 'POST', body: big, headers: { 'content-length': String(big.length) } })
    expect(declared.status).toBe(413)
    expect(declared.headers.get('content-type')).toBe('application/problem+json')
    expect(await declared.json()).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', details: { maxBytes: 262_144 } })

    let pulled = 0
    const chunk = new TextEncoder().encode('y'.repeat(16 * 1024))
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        if (pulled > 1000) controller.close()
        else controller.enqueue(chunk)
      },
    })
    const streamed = await app.request('/webhooks/couriers/cdek', { method: 'POST', body: stream, headers: { 'transfer-encoding': 'chunked' }, duplex: 'half' } as RequestInit)
    expect(streamed.status).toBe(413)
    // Reading stopped at the limit, far before the 16 MB the client would send.
    expect(pulled).toBeLessThan(40)

    const storefront = await app.request('/store/carts', { method: 'POST', body: JSON.stringify({ channel: { source: 'x'.repeat(70_000) } }), headers: { 'content-type': 'application/json' } })
    expect(storefront.status).toBe(413)
  })

  test('unknown providers, carriers and gateways are problems, not crashes', async () => {
    const { app } = await setup()
    const payment = await post(app, '/webhooks/payments/nope', { headers: {}, rawBody: '{}' })
    expect(payment.status).toBe(404)
    expect(await payment.json()).toMatchObject({ code: 'NOT_FOUND' })
    expect((await post(app, '/webhooks/couriers/nope', { headers: {}, rawBody: '{}' })).status).toBe(404)
    expect((await post(app, '/webhooks/sms/nope', { headers: {}, rawBody: '{}' })).status).toBe(404)
    expect((await app.request('/webhooks/payments/cloudpayments')).status).toBe(404)
  })
})

describe('http: webhook raw bodies', () => {
  test('the adapter gets the body as sent: a byte order mark is kept', async () => {
    const received: string[] = []
    const shop = {
      payments: {
        handleWebhook: async (_provider: string, request: { rawBody: string }) => {
          received.push(request.rawBody)
          return { response: { status: 200, body: 'OK', contentType: 'text/plain' } }
        },
      },
    } as unknown as Commerce
    const app = webhookRoutes(shop, { clientIp: () => '203.0.113.7' })
    const json = new TextEncoder().encode('{"event":"payment.succeeded","amount":"990.00 ₽"}')
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...json])
    const response = await app.request('/payments/yookassa', { method: 'POST', body: bytes, headers: { 'content-type': 'application/json' } })
    expect(response.status).toBe(200)
    expect(received).toEqual(['\uFEFF{"event":"payment.succeeded","amount":"990.00 ₽"}'])
    // Byte for byte: encoding the string again gives back exactly what was sent.
    expect([...new TextEncoder().encode(received[0]!)]).toEqual([...bytes])
  })
})
