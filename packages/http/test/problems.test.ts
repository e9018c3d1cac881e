import { OrdoError, type Commerce } from '@ordo/core'
import { describe, expect, test, vi } from 'vitest'
import { adminRoutes, storefrontRoutes, STATUS_BY_CODE, webhookRoutes } from '../src/index.js'
import * as s from '../src/schemas.js'
import { SECRET } from './http-fixture.js'

describe('http: problems, CORS and options', () => {
  test('an error that is not an OrdoError is a 500 INTERNAL problem that hides its message and reaches the listener', async () => {
    const onUnexpectedError = vi.fn()
    const shop = { catalog: { categoryTree: async () => Promise.reject(new Error('connection reset by peer')) } } as unknown as Commerce
    const app = storefrontRoutes(shop, { orderTokenSecret: SECRET, onUnexpectedError })
    const response = await app.request('/categories')
    expect(response.status).toBe(500)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    const body = await response.json()
    expect(body).toEqual({ type: 'urn:ordo:problem:INTERNAL', title: 'Internal Server Error', status: 500, code: 'INTERNAL', detail: 'An unexpected error occurred.', details: {}, instance: '/categories' })
    expect(onUnexpectedError).toHaveBeenCalledWith(expect.objectContaining({ message: 'connection reset by peer' }), expect.any(Request))
  })

  test('engine errors keep their code and details in the back office, with the mapped status; 5xx ones reach the listener', async () => {
    const storage = new OrdoError('STORAGE', 'database is locked', { details: { table: 'x' } })
    const shop = { orders: { list: async () => Promise.reject(storage) } } as unknown as Commerce
    const onUnexpectedError = vi.fn()
    const admin = adminRoutes(shop, { auth: async () => ({ id: 'manager:1', name: 'M', scopes: ['*'] }), onUnexpectedError })
    const response = await admin.request('/orders')
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ code: 'STORAGE', detail: 'database is locked', details: { table: 'x' } })
    expect(onUnexpectedError).toHaveBeenCalledWith(storage, expect.any(Request))
    expect(STATUS_BY_CODE.NOT_FOUND).toBe(404)
  })

  test('the storefront hides 5xx messages and details, reports them, and shows details only of input errors', async () => {
    let error: Error = new OrdoError('STORAGE', 'database is locked at /var/db', { details: { table: 'ordo_order' } })
    const shop = { catalog: { categoryTree: async () => Promise.reject(error) } } as unknown as Commerce
    const onUnexpectedError = vi.fn()
    const app = storefrontRoutes(shop, { orderTokenSecret: SECRET, onUnexpectedError })

    const outage = await app.request('/categories')
    expect(outage.status).toBe(503)
    expect(await outage.json()).toEqual({ type: 'urn:ordo:problem:STORAGE', title: 'Service Unavailable', status: 503, code: 'STORAGE', detail: expect.not.stringContaining('locked'), details: {}, instance: '/categories' })
    expect(onUnexpectedError).toHaveBeenCalledWith(error, expect.any(Request))

    error = new OrdoError('PAYMENT_PROVIDER', 'provider said 401 for shop 123', { details: { providerId: 'x', body: 'secret' } })
    const provider = (await (await app.request('/categories')).json()) as any
    expect(provider).toMatchObject({ status: 502, code: 'PAYMENT_PROVIDER', details: {} })
    expect(provider.detail).not.toContain('shop 123')
    expect(onUnexpectedError).toHaveBeenCalledTimes(2)

    error = new OrdoError('IDEMPOTENCY_MISMATCH', 'The idempotency key "k" already placed order 100245 from another cart.', { details: { idempotencyKey: 'k', orderId: 'someone-elses-order' } })
    const mismatch = (await (await app.request('/categories')).json()) as any
    expect(mismatch).toMatchObject({ status: 409, code: 'IDEMPOTENCY_MISMATCH', details: {} })
    expect(mismatch.detail).not.toContain('100245')

    error = new OrdoError('CONFLICT', 'changed', { details: { customerId: 'cus_1' } })
    expect(await (await app.request('/categories')).json()).toMatchObject({ code: 'CONFLICT', details: {} })

    error = new OrdoError('OUT_OF_STOCK', 'Not enough TEE-M: 2 available', { details: { sku: 'TEE-M', available: 2 } })
    expect(await (await app.request('/categories')).json()).toMatchObject({ status: 409, detail: 'Not enough TEE-M: 2 available', details: { sku: 'TEE-M', available: 2 } })
    expect(onUnexpectedError).toHaveBeenCalledTimes(2)
  })

  test('a body that is not sent as JSON is 415; JSON and +json types are read', async () => {
    const shop = { carts: { create: async (input: unknown) => ({ id: 'c1', input }) } } as unknown as Commerce
    const app = storefrontRoutes(shop, { orderTokenSecret: SECRET })
    const body = JSON.stringify({ region: 'RU-MOW' })
    const form = await app.request('/carts', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(form.status).toBe(415)
    expect(form.headers.get('content-type')).toBe('application/problem+json')
    expect(await form.json()).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', title: 'Unsupported Media Type' })
    expect((await app.request('/carts', { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } })).status).toBe(415)
    expect((await app.request('/carts', { method: 'POST', body })).status).toBe(415)
    const json = await app.request('/carts', { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8' } })
    expect(json.status).toBe(201)
    expect(await json.json()).toEqual({ id: 'c1', input: { region: 'RU-MOW' } })
    expect((await app.request('/carts', { method: 'POST', body, headers: { 'content-type': 'application/merge-patch+json' } })).status).toBe(201)
    // An optional body may be left out without a type.
    expect((await app.request('/carts', { method: 'POST' })).status).toBe(201)
  })

  test('without a client address the per-IP limits are skipped (not shared) and a warning is logged once', async () => {
    const shop = { delivery: { quote: async () => ({ options: [], failures: [], parcels: [] }) } } as unknown as Commerce
    const logger = { warn: vi.fn() }
    const app = storefrontRoutes(shop, { orderTokenSecret: SECRET, logger, rateLimits: { deliveryQuotesPerIp: { limit: 1, windowMs: 60_000 } } })
    const quote = () => app.request('/carts/c1/delivery-quotes', { method: 'POST', body: JSON.stringify({ destination: { city: 'Москва' } }), headers: { 'content-type': 'application/json' } })
    for (let i = 0; i < 3; i++) expect((await quote()).status).toBe(200)
    expect(logger.warn).toHaveBeenCalledTimes(1)
    expect(logger.warn.mock.calls[0]![0]).toContain('clientIp')

    const byIp = storefrontRoutes(shop, { orderTokenSecret: SECRET, logger, clientIp: (c) => c.req.header('x-ip'), rateLimits: { deliveryQuotesPerIp: { limit: 1, windowMs: 60_000 } } })
    const from = (ip: string) => byIp.request('/carts/c1/delivery-quotes', { method: 'POST', body: JSON.stringify({ destination: { city: 'Москва' } }), headers: { 'content-type': 'application/json', 'x-ip': ip } })
    expect((await from('10.0.0.1')).status).toBe(200)
    const limited = await from('10.0.0.1')
    expect(limited.status).toBe(429)
    expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'delivery-quotes-per-ip' } })
    expect((await from('10.0.0.2')).status).toBe(200)
  })

  test('route schemas hold the engine’s bounds', () => {
    expect(s.versionBody.safeParse({ expectedVersion: 0 }).success).toBe(false)
    expect(s.versionBody.safeParse({ expectedVersion: 1 }).success).toBe(true)
    expect(s.transitionBody.safeParse({ reason: 'x'.repeat(192) }).success).toBe(false)
    expect(s.transitionBody.safeParse({ reason: 'x'.repeat(191) }).success).toBe(true)
    expect(s.cancelBody.safeParse({ reason: 'x'.repeat(101) }).success).toBe(false)
    expect(s.cancelBody.safeParse({ reason: 'x'.repeat(100) }).success).toBe(true)
    expect(s.lookupBody.safeParse({ number: '1'.repeat(33), phone: '+79161234567' }).success).toBe(false)
    expect(s.lookupBody.safeParse({ number: '100245', phone: '+7'.padEnd(41, '9') }).success).toBe(false)
    expect(s.orderListQuery.safeParse({ number: '1'.repeat(33) }).success).toBe(false)
    expect(s.orderListQuery.safeParse({ phone: '9'.repeat(41) }).success).toBe(false)
    expect(s.lookupBody.safeParse({ number: '1'.repeat(32), phone: '+7'.padEnd(40, '9') }).success).toBe(true)
  })

  test('CORS is off by default and answers preflights when configured', async () => {
    const shop = { catalog: { categoryTree: async () => [] } } as unknown as Commerce
    const closed = storefrontRoutes(shop, { orderTokenSecret: SECRET })
    expect((await closed.request('/categories', { headers: { origin: 'https://shop.example' } })).headers.get('access-control-allow-origin')).toBeNull()
    const open = storefrontRoutes(shop, { orderTokenSecret: SECRET, cors: { origin: ['https://shop.example'] } })
    const preflight = await open.request('/carts', { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    const other = await open.request('/categories', { headers: { origin: 'https://evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('bad router options are INVALID_CONFIG', () => {
    const shop = {} as Commerce
    expect(() => adminRoutes(shop, {} as never)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', details: { key: 'auth' } }))
    expect(() => webhookRoutes(shop, { maxBodyBytes: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', details: { key: 'maxBodyBytes' } }))
  })
})
