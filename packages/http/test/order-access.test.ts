import { describeEachDialect } from '@ordo/testing'
import { afterEach, describe, expect, test } from 'vitest'
import { orderAccess, type StorefrontRouteOptions } from '../src/index.js'
import { base64url } from '../src/api-keys.js'
import { call, httpShop, PHONE, readyCart, SECRET, type HttpShop } from './http-fixture.js'

const DAY = 86_400_000

describeEachDialect('http: order access tokens and order look-ups', ({ database }) => {
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
    return { orderId: body.order.id as string, number: body.order.number as string, token: body.accessToken as string }
  }
  const view = (app: HttpShop['app'], orderId: string, token: string) => call(app, 'GET', `/store/orders/${orderId}`, undefined, { 'x-order-token': token })

  test('a token works until its expiry, then every order route answers 401 ORDER_TOKEN_EXPIRED; a look-up issues a fresh one', async () => {
    const { app, clock } = await setup({ orderTokenTtlMs: 2 * DAY })
    const { orderId, number, token } = await placed(app, 'expiry-1')
    expect(token).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/)
    expect(Number(token.split('.')[0]) * 1000).toBe(clock.now().getTime() + 2 * DAY)

    clock.advance(2 * DAY - 1000)
    expect((await view(app, orderId, token)).status).toBe(200)
    clock.advance(1000)
    const expired = await view(app, orderId, token)
    expect(expired.status).toBe(401)
    expect(expired.headers.get('content-type')).toBe('application/problem+json')
    expect(expired.body).toMatchObject({ type: 'urn:ordo:problem:ORDER_TOKEN_EXPIRED', status: 401, code: 'ORDER_TOKEN_EXPIRED', details: { reason: 'expired' } })
    expect((await call(app, 'GET', `/store/orders/${orderId}?token=${token}`)).body.code).toBe('ORDER_TOKEN_EXPIRED')
    expect((await call(app, 'POST', `/store/orders/${orderId}/confirmation-code`, undefined, { 'x-order-token': token })).body.code).toBe('ORDER_TOKEN_EXPIRED')
    expect((await call(app, 'POST', `/store/orders/${orderId}/confirm`, { code: '0000' }, { 'x-order-token': token })).body.code).toBe('ORDER_TOKEN_EXPIRED')
    expect((await call(app, 'POST', `/store/orders/${orderId}/payments`, { method: 'card' }, { 'x-order-token': token, 'idempotency-key': 'expired-pay-1' })).body.code).toBe('ORDER_TOKEN_EXPIRED')

    const lookup = await call(app, 'POST', '/store/orders/lookup', { number, phone: PHONE })
    expect(lookup.status).toBe(200)
    expect(lookup.body.accessToken).not.toBe(token)
    expect((await view(app, orderId, lookup.body.accessToken)).status).toBe(200)
  })

  test('a token moved to its expiry, another order or another secret is not accepted: 404 as for a missing order', async () => {
    const { app, shop } = await setup()
    const first = await placed(app, 'tamper-1')
    const second = await placed(app, 'tamper-2')
    const [expires, mac] = first.token.split('.') as [string, string]
    expect((await view(app, first.orderId, `${Number(expires) + DAY / 1000}.${mac}`)).status).toBe(404)
    expect((await view(app, second.orderId, first.token)).status).toBe(404)
    const other = await orderAccess('another-secret-of-at-least-32-characters', { clock: { now: () => new Date('2026-03-10T09:00:00Z') } }).token(first.orderId)
    expect((await view(app, first.orderId, other)).status).toBe(404)
    expect((await view(app, first.orderId, `${expires}.${mac}x`)).status).toBe(404)
    expect(await shop.orders.get(first.orderId)).not.toBeNull()
  })

  test('a token of the earlier form (no expiry) is refused with ORDER_TOKEN_EXPIRED, reason no_expiry', async () => {
    const { app } = await setup()
    const { orderId } = await placed(app, 'legacy-1')
    // How tokens were signed before they carried an expiry: the HMAC of `order:<id>`.
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    const legacy = base64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`order:${orderId}`))))
    const refused = await view(app, orderId, legacy)
    expect(refused).toMatchObject({ status: 401, body: { code: 'ORDER_TOKEN_EXPIRED', details: { reason: 'no_expiry' } } })
    // A legacy-looking token signed for another order is just wrong.
    const { orderId: otherId } = await placed(app, 'legacy-2')
    expect((await view(app, otherId, legacy)).status).toBe(404)
  })

  test('one order looked up from many client IPs runs into the per-number limit', async () => {
    const { app } = await setup({ rateLimits: { lookupsPerOrderNumber: { limit: 3, windowMs: 60_000 } } })
    const { number, orderId } = await placed(app, 'per-number-1')
    const guess = (i: number) => call(app, 'POST', '/store/orders/lookup', { number: i % 2 ? number : ` ${number} `, phone: `+7999000${String(i).padStart(4, '0')}` }, { 'x-test-ip': `10.20.${i}.1` })
    for (let i = 0; i < 3; i++) expect((await guess(i)).status).toBe(404)
    const limited = await guess(3)
    expect(limited).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED', details: { limit: 'lookups-per-order-number' } } })
    // Even the right phone, from a fresh address: the number's allowance is spent.
    expect((await call(app, 'POST', '/store/orders/lookup', { number, phone: PHONE }, { 'x-test-ip': '10.21.0.1' })).status).toBe(429)
    // Other orders are not held back.
    const other = await placed(app, 'per-number-2')
    const found = await call(app, 'POST', '/store/orders/lookup', { number: other.number, phone: PHONE }, { 'x-test-ip': '10.21.0.2' })
    expect(found.status).toBe(200)
    expect(found.body.orderId).not.toBe(orderId)
  })

  test('one phone tried against many order numbers from many client IPs runs into the per-phone limit, whatever its format', async () => {
    const { app } = await setup({ rateLimits: { lookupsPerPhone: { limit: 3, windowMs: 60_000 } } })
    const { number } = await placed(app, 'per-phone-1')
    // As the engine reads them: an extension or full-width digits are still the same phone.
    const formats = ['+79161234567', '8 916 123-45-67 доб. 12', '+７ (９１６) １２３ ４５ ６７', '89161234567']
    for (let i = 0; i < 3; i++) {
      expect((await call(app, 'POST', '/store/orders/lookup', { number: `9${i}0000`, phone: formats[i] }, { 'x-test-ip': `10.30.${i}.1` })).status).toBe(404)
    }
    const limited = await call(app, 'POST', '/store/orders/lookup', { number, phone: formats[3] }, { 'x-test-ip': '10.30.9.1' })
    expect(limited).toMatchObject({ status: 429, body: { details: { limit: 'lookups-per-phone' } } })
    expect((await call(app, 'POST', '/store/orders/lookup', { number, phone: '+79990001122' }, { 'x-test-ip': '10.30.9.2' })).status).toBe(404)
  })

  test('look-ups that find the order are not counted per number or per phone: guessing cannot lock the customer out', async () => {
    const { app } = await setup({ rateLimits: { lookupsPerOrderNumber: { limit: 2, windowMs: 60_000 }, lookupsPerPhone: { limit: 2, windowMs: 60_000 } } })
    const { number } = await placed(app, 'found-order-1')
    for (let i = 0; i < 5; i++) {
      expect((await call(app, 'POST', '/store/orders/lookup', { number, phone: PHONE }, { 'x-test-ip': `10.50.${i}.1` })).status).toBe(200)
    }
    expect((await call(app, 'POST', '/store/orders/lookup', { number, phone: '+79990001122' }, { 'x-test-ip': '10.50.9.1' })).status).toBe(404)
    expect((await call(app, 'POST', '/store/orders/lookup', { number, phone: '+79990001123' }, { 'x-test-ip': '10.50.9.2' })).status).toBe(404)
    expect((await call(app, 'POST', '/store/orders/lookup', { number, phone: PHONE }, { 'x-test-ip': '10.50.9.3' })).status).toBe(429)
  })

  test('malformed look-ups are refused before any limit is counted', async () => {
    const { app } = await setup({ rateLimits: { lookupsPerOrderNumber: { limit: 1, windowMs: 60_000 }, lookupsPerPhone: { limit: 1, windowMs: 60_000 } } })
    const { number } = await placed(app, 'malformed-1')
    const notJson = await app.request('/store/orders/lookup', { method: 'POST', body: `{"number":"${number}"`, headers: { 'content-type': 'application/json', 'x-test-ip': '10.40.0.1' } })
    expect(notJson.status).toBe(400)
    expect((await call(app, 'POST', '/store/orders/lookup', { number, phone: PHONE, extra: true }, { 'x-test-ip': '10.40.0.2' })).status).toBe(400)
    expect((await call(app, 'POST', '/store/orders/lookup', { number, phone: PHONE }, { 'x-test-ip': '10.40.0.3' })).status).toBe(200)
  })
})

describe('http: orderAccess', () => {
  test('tokens carry the configured lifetime and are checked against the clock', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z')
    const access = orderAccess(SECRET, { ttlMs: 60_000, clock: { now: () => new Date(now) } })
    const token = await access.token('order-1')
    expect(await access.verify('order-1', token)).toBe('valid')
    expect(await access.check('order-1', token)).toBe(true)
    expect(await access.verify('order-2', token)).toBe('invalid')
    expect(await access.verify('order-1', undefined)).toBe('invalid')
    now += 60_000
    expect(await access.verify('order-1', token)).toBe('expired')
    expect(await access.check('order-1', token)).toBe(false)
    const defaults = orderAccess(SECRET, { clock: { now: () => new Date(now) } })
    expect(Number((await defaults.token('order-1')).split('.')[0]) * 1000).toBe(now + 30 * DAY)
  })
})
