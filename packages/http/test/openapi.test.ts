import type { Commerce } from '@ordo/core'
import { Validator } from '@seriousme/openapi-schema-validator'
import type { Hono } from 'hono'
import { describe, expect, test } from 'vitest'
import { adminRoutes, storefrontRoutes, webhookRoutes } from '../src/index.js'
import { SECRET } from './http-fixture.js'

// Building the routers touches no storage: the shop is only called when a request comes.
const shop = {} as Commerce
const routers: [string, Hono<any>][] = [
  ['storefront', storefrontRoutes(shop, { orderTokenSecret: SECRET })],
  ['admin', adminRoutes(shop, { auth: async () => null })],
  ['webhooks', webhookRoutes(shop)],
]

const doc = async (app: Hono<any>): Promise<any> => (await app.request('/openapi.json')).json()

describe('http: OpenAPI documents', () => {
  for (const [name, app] of routers) {
    test(`the ${name} document is valid OpenAPI 3.1 with every $ref resolving`, async () => {
      const response = await app.request('/openapi.json')
      expect(response.status).toBe(200)
      const document = (await response.json()) as any
      expect(document.openapi).toBe('3.1.0')
      const validator = new Validator()
      const result = await validator.validate(document)
      expect(result.errors ?? []).toEqual([])
      expect(result.valid).toBe(true)
      expect(() => validator.resolveRefs()).not.toThrow()
    })

    test(`the ${name} document covers exactly the routes the app serves`, async () => {
      const document = await doc(app)
      const served = new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`))
      const documented = new Set(Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`)))
      expect(served.size).toBeGreaterThan(2)
      expect([...documented].sort()).toEqual([...served].sort())
    })
  }

  test('operations carry their inputs, problems and (admin) scopes', async () => {
    const storefront = await doc(routers[0]![1])
    const addItem = storefront.paths['/carts/{cartId}/items'].post
    expect(addItem.parameters).toEqual([expect.objectContaining({ name: 'cartId', in: 'path', required: true })])
    expect(addItem.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', required: ['sku', 'quantity'], properties: { quantity: { type: 'integer', minimum: 1 } } })
    expect(addItem.responses['409'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' })
    const checkout = storefront.paths['/carts/{cartId}/checkout'].post
    expect(checkout.parameters).toContainEqual(expect.objectContaining({ name: 'idempotency-key', in: 'header', required: true }))
    expect(storefront.components.schemas.Problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'code', 'detail']))
    const setDelivery = storefront.paths['/carts/{cartId}/delivery'].put.requestBody.content['application/json'].schema
    expect(JSON.stringify(setDelivery)).toContain('#/components/schemas/DeliveryDestination')
    expect(storefront.components.schemas.DeliveryDestination).toMatchObject({ type: 'object', required: ['city'] })

    const admin = await doc(routers[1]![1])
    const cancel = admin.paths['/orders/{orderId}/cancel'].post
    expect(cancel['x-ordo-scope']).toBe('orders:write')
    expect(cancel.security).toEqual([{ apiKey: ['orders:write'] }, { bearer: ['orders:write'] }])
    expect(Object.keys(cancel.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '409']))
    expect(admin.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' })

    // Query parameters are documented as the client sends them: strings before the route's transforms.
    const products = Object.fromEntries(storefront.paths['/products'].get.parameters.map((p: { name: string; schema: unknown }) => [p.name, p.schema]))
    expect(products.includeSubcategories).toEqual({ type: 'string', enum: ['true', 'false'] })
    expect(products.attributes).toMatchObject({ type: 'string', maxLength: 2000 })
    expect(addItem.responses['415'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' })
    expect(storefront.paths['/carts/{cartId}/delivery-quotes'].post.responses).toHaveProperty('429')

    const webhooks = await doc(routers[2]![1])
    expect(Object.keys(webhooks.paths['/payments/{provider}'].post.requestBody.content)).toContain('application/x-www-form-urlencoded')
  })
})
