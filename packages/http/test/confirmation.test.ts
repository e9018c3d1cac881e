import { describeEachDialect } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import type { StorefrontRouteOptions } from '../src/index.js'
import { call, httpShop, PHONE, readyCart, type HttpShop } from './http-fixture.js'

describeEachDialect('http: SMS confirmation codes and their rate limits', ({ database }) => {
  const open: HttpShop[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()))
  })
  async function setup(storefront: Partial<StorefrontRouteOptions> = {}) {
    const db = await database()
    const fixture = await httpShop(db.storage, { storefront })
    open.push(fixture)
    return fixture
  }
  async function placed(app: HttpShop['app'], key: string) {
    const cartId = await readyCart(app)
    const { body } = await call(app, 'POST', `/store/carts/${cartId}/checkout`, {}, { 'idempotency-key': key })
    return { orderId: body.order.id as string, token: body.accessToken as string }
  }

  test('the customer requests a code and confirms the order with it', async () => {
    const { app, shop, sms } = await setup()
    const { orderId, token } = await placed(app, 'confirm-flow-1')
    const requested = await call(app, 'POST', `/store/orders/${orderId}/confirmation-code`, undefined, { 'x-order-token': token })
    expect(requested.status).toBe(201)
    expect(requested.body.phone).toBe('+79*******67')
    await shop.jobs.runDue({ names: ['notify.send-sms'] })
    const code = sms.lastTo(PHONE)!.text.match(/(\d+)$/)![1]!

    const wrong = await call(app, 'POST', `/store/orders/${orderId}/confirm`, { code: code === '0000' ? '1111' : '0000' }, { 'x-order-token': token })
    expect(wrong.body).toEqual({ ok: false, reason: 'wrong_code', attemptsLeft: 4 })
    const right = await call(app, 'POST', `/store/orders/${orderId}/confirm`, { code }, { 'x-order-token': token })
    expect(right.body).toMatchObject({ ok: true, order: { id: orderId, status: 'confirmed' } })
    expect((await shop.orders.view(orderId)).history.at(-1)).toMatchObject({ actor: 'customer', reason: 'sms' })

    const noToken = await call(app, 'POST', `/store/orders/${orderId}/confirmation-code`)
    expect(noToken.status).toBe(404)
  })

  test('code requests are limited per order and per client IP; checks per order', async () => {
    const { app } = await setup({
      rateLimits: {
        codeRequestsPerOrder: { limit: 2, windowMs: 60_000 },
        codeRequestsPerIp: { limit: 3, windowMs: 60_000 },
        codeChecksPerOrder: { limit: 2, windowMs: 60_000 },
      },
    })
    const first = await placed(app, 'rate-limit-1')
    const second = await placed(app, 'rate-limit-2')
    const third = await placed(app, 'rate-limit-3')
    const request = (o: { orderId: string; token: string }, ip: string) =>
      call(app, 'POST', `/store/orders/${o.orderId}/confirmation-code`, undefined, { 'x-order-token': o.token, 'x-test-ip': ip })

    expect((await request(first, '10.0.0.1')).status).toBe(201)
    expect((await request(first, '10.0.0.2')).status).toBe(201)
    const perOrder = await request(first, '10.0.0.3')
    expect(perOrder.status).toBe(429)
    expect(perOrder.headers.get('content-type')).toBe('application/problem+json')
    expect(perOrder.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(perOrder.body).toMatchObject({ status: 429, code: 'RATE_LIMITED', details: { limit: 'code-requests-per-order' } })

    // 10.0.0.1 has used one of its three: two more orders go through, a third is over the IP's limit.
    expect((await request(second, '10.0.0.1')).status).toBe(201)
    expect((await request(third, '10.0.0.1')).status).toBe(201)
    const perIp = await request(third, '10.0.0.1')
    expect(perIp.body).toMatchObject({ status: 429, details: { limit: 'code-requests-per-ip' } })

    const check = () => call(app, 'POST', `/store/orders/${second.orderId}/confirm`, { code: '000000' }, { 'x-order-token': second.token, 'x-test-ip': '10.0.0.9' })
    expect((await check()).status).toBe(200)
    expect((await check()).status).toBe(200)
    expect((await check()).body).toMatchObject({ status: 429, details: { limit: 'code-checks-per-order' } })
  })

  test("requests without the order's token do not use up its customer's code limits", async () => {
    const { app } = await setup({ rateLimits: { codeRequestsPerOrder: { limit: 2, windowMs: 60_000 }, codeChecksPerOrder: { limit: 2, windowMs: 60_000 } } })
    const { orderId, token } = await placed(app, 'tokenless-1')
    for (let i = 0; i < 3; i++) {
      const ip = `10.3.0.${i}`
      expect((await call(app, 'POST', `/store/orders/${orderId}/confirmation-code`, undefined, { 'x-test-ip': ip })).status).toBe(404)
      expect((await call(app, 'POST', `/store/orders/${orderId}/confirmation-code`, undefined, { 'x-test-ip': ip, 'x-order-token': 'forged' })).status).toBe(404)
      expect((await call(app, 'POST', `/store/orders/${orderId}/confirm`, { code: '000000' }, { 'x-test-ip': ip })).status).toBe(404)
    }
    expect((await call(app, 'POST', `/store/orders/${orderId}/confirmation-code`, undefined, { 'x-order-token': token })).status).toBe(201)
    expect((await call(app, 'POST', `/store/orders/${orderId}/confirm`, { code: '000000' }, { 'x-order-token': token })).status).toBe(200)
  })

  test('delivery quotes are limited per client IP', async () => {
    const { app } = await setup({ rateLimits: { deliveryQuotesPerIp: { limit: 2, windowMs: 60_000 } } })
    const cartId = (await call(app, 'POST', '/store/carts', {})).body.id as string
    await call(app, 'POST', `/store/carts/${cartId}/items`, { sku: 'SOCKS', quantity: 1 })
    const quote = (ip: string) => call(app, 'POST', `/store/carts/${cartId}/delivery-quotes`, { destination: { city: 'Москва' } }, { 'x-test-ip': ip })
    expect((await quote('10.4.0.1')).status).toBe(200)
    expect((await quote('10.4.0.1')).status).toBe(200)
    expect((await quote('10.4.0.1')).body).toMatchObject({ status: 429, code: 'RATE_LIMITED', details: { limit: 'delivery-quotes-per-ip' } })
    expect((await quote('10.4.0.2')).status).toBe(200)
  })

  test('order look-ups by number and phone are limited per client IP', async () => {
    const { app } = await setup({ rateLimits: { checksPerIp: { limit: 2, windowMs: 60_000 } } })
    const lookup = (ip: string) => call(app, 'POST', '/store/orders/lookup', { number: '999999', phone: PHONE }, { 'x-test-ip': ip })
    expect((await lookup('10.1.0.1')).status).toBe(404)
    expect((await lookup('10.1.0.1')).status).toBe(404)
    expect((await lookup('10.1.0.1')).status).toBe(429)
    expect((await lookup('10.1.0.2')).status).toBe(404)
  })

  test('options are checked when the routes are built', async () => {
    const { shop } = await setup()
    const { storefrontRoutes } = await import('../src/index.js')
    expect(() => storefrontRoutes(shop, { orderTokenSecret: 'short' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', details: { key: 'orderTokenSecret' } }))
  })
})
