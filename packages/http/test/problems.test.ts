import { OrdoError, type Commerce } from '@ordo/core'
import { describe, expect, test, vi } from 'vitest'
import { adminRoutes, storefrontRoutes, STATUS_BY_CODE, webhookRoutes } from '../src/index.js'
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

  test('engine errors keep their code and details, with the mapped status', async () => {
    const shop = { catalog: { categoryTree: async () => Promise.reject(new OrdoError('STORAGE', 'database is locked', { details: { table: 'x' } })) } } as unknown as Commerce
    const response = await storefrontRoutes(shop, { orderTokenSecret: SECRET }).request('/categories')
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ code: 'STORAGE', detail: 'database is locked', details: { table: 'x' } })
    expect(STATUS_BY_CODE.NOT_FOUND).toBe(404)
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
