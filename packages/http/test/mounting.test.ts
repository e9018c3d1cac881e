// The README's mounting snippets, run: Hono, Express and Fastify each serve the routes.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { createTestDatabase, type TestDatabase } from '@ordo/testing'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { adminRoutes, apiKeyAuth, apiKeys, storefrontRoutes, webhookRoutes } from '../src/index.js'
import { httpShop, SECRET, type HttpShop } from './http-fixture.js'

describe('http: mounting into Hono, Express and Fastify', () => {
  let db: TestDatabase
  let fixture: HttpShop
  let api: Hono
  const closers: (() => Promise<void>)[] = []
  beforeAll(async () => {
    db = await createTestDatabase('sqlite')
    fixture = await httpShop(db.storage)
    const shop = fixture.shop
    api = new Hono()
    api.route('/store', storefrontRoutes(shop, { orderTokenSecret: SECRET }))
    api.route('/admin', adminRoutes(shop, { auth: apiKeyAuth(apiKeys(shop)) }))
    api.route('/webhooks', webhookRoutes(shop))
  })
  afterAll(async () => {
    for (const close of closers) await close()
    await fixture.close()
    await db.drop()
  })
  const listening = async (server: Server) => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise((resolve) => server.close(() => resolve())))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
  async function exercise(base: string) {
    const created = await fetch(`${base}/store/carts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: { source: 'vk' } }) })
    expect(created.status).toBe(201)
    const cart = (await created.json()) as { id: string }
    const added = await fetch(`${base}/store/carts/${cart.id}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'SOCKS', quantity: 2 }) })
    expect(((await added.json()) as { breakdown: { total: number } }).breakdown.total).toBe(60_000)
    const refused = await fetch(`${base}/admin/orders`)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    const forged = await fetch(`${base}/webhooks/payments/cloudpayments`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-hmac': 'bm9wZQ==' }, body: 'TransactionId=1&InvoiceId=x' })
    expect(await forged.json()).toEqual({ code: 13 })
  }

  test('Hono on Node', async () => {
    const app = new Hono()
    app.route('/api', api)
    const { createServer } = await import('node:http')
    const base = await listening(createServer(getRequestListener(app.fetch)))
    await exercise(`${base}/api`)
  })

  test('Express: the Hono app as a request listener, before any body parser', async () => {
    const app = express()
    app.use('/api', getRequestListener(api.fetch))
    app.use(express.json())
    const { createServer } = await import('node:http')
    const base = await listening(createServer(app))
    await exercise(`${base}/api`)
  })

  test('Fastify: a scope that leaves the body to Hono', async () => {
    const fastify = Fastify()
    const listener = getRequestListener(new Hono().route('/api', api).fetch)
    await fastify.register(async (scope) => {
      scope.removeAllContentTypeParsers()
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null))
      scope.all('/api/*', (request, reply) => {
        reply.hijack()
        void listener(request.raw, reply.raw)
      })
    })
    await fastify.listen({ port: 0, host: '127.0.0.1' })
    closers.push(() => fastify.close())
    await exercise(`http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}/api`)
  })
})
