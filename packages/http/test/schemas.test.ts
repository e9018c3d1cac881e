import { cartSchemas, deliverySchemas, isOrdoError, orderSchemas, paymentSchemas, shipmentSchemas } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import { afterEach, describe, expect, test } from 'vitest'
import { apiKeys } from '../src/index.js'
import * as s from '../src/schemas.js'
import { call, httpShop, readyCart, type HttpShop } from './http-fixture.js'

/** What the engine throws for an input: its code and the places of the issues. */
async function engineRefusal(command: () => Promise<unknown>): Promise<{ code: string; paths: string[] }> {
  try {
    await command()
  } catch (error) {
    if (!isOrdoError(error)) throw error
    const issues = (error.details['issues'] ?? []) as { path: string }[]
    return { code: error.code, paths: issues.map((i) => i.path).sort() }
  }
  throw new Error('the engine accepted the input')
}

describeEachDialect('http: route schemas are the engine’s', ({ database }) => {
  const open: HttpShop[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((x) => x.close()))
  })
  async function setup() {
    const db = await database()
    const fixture = await httpShop(db.storage)
    open.push(fixture)
    const manager = await apiKeys(fixture.shop).issue({ name: 'Мария', scopes: ['*'] })
    return { ...fixture, auth: { 'x-api-key': manager.token } }
  }

  test('bad input answers 400 with the code and the issue places the engine gives for the same input', async () => {
    const { app, shop, auth } = await setup()
    const cartId = (await call(app, 'POST', '/store/carts', {})).body.id as string
    const orderCart = await readyCart(app, { payment: 'pickup' })
    const order = (await call(app, 'POST', `/store/carts/${orderCart}/checkout`, {}, { 'idempotency-key': 'schemas-1' })).body.order as { id: string; lines: { id: string }[] }

    // `at`: where the engine's input sits in the request (the body, or a field of it).
    const cases: { name: string; at?: string; http: () => ReturnType<typeof call>; engine: () => Promise<unknown> }[] = [
      {
        name: 'add item: fractional quantity, unknown key',
        http: () => call(app, 'POST', `/store/carts/${cartId}/items`, { sku: 'TEE-M', quantity: 1.5, extra: 1 }),
        engine: () => shop.carts.addItem(cartId, { sku: 'TEE-M', quantity: 1.5, extra: 1 } as never),
      },
      {
        name: 'contact: not an e-mail',
        http: () => call(app, 'PUT', `/store/carts/${cartId}/contact`, { email: 'not-an-email' }),
        engine: () => shop.carts.setContact(cartId, { email: 'not-an-email' }),
      },
      {
        name: 'payment method: empty',
        http: () => call(app, 'PUT', `/store/carts/${cartId}/payment`, { method: '' }),
        engine: () => shop.carts.setPayment(cartId, { method: '' }),
      },
      {
        name: 'delivery quote: country of three letters',
        at: 'body.destination.',
        http: () => call(app, 'POST', `/store/carts/${cartId}/delivery-quotes`, { destination: { city: 'Москва', country: 'RUS' } }),
        engine: () => shop.delivery.quote(cartId, { city: 'Москва', country: 'RUS' }),
      },
      {
        name: 'cancel: empty reason',
        http: () => call(app, 'POST', `/admin/orders/${order.id}/cancel`, { reason: '' }, auth),
        engine: () => shop.orders.cancel(order.id, { reason: '', actor: 'manager:1' }),
      },
      {
        name: 'add line: quantity 0',
        http: () => call(app, 'POST', `/admin/orders/${order.id}/lines`, { sku: 'TEE-L', quantity: 0 }, auth),
        engine: () => shop.orders.addLine(order.id, { sku: 'TEE-L', quantity: 0, actor: 'manager:1' }),
      },
      {
        name: 'refund: idempotency key too short',
        http: () => call(app, 'POST', '/admin/payments/payment-1/refund', { reason: 'damaged', idempotencyKey: 'short' }, auth),
        engine: () => shop.payments.refund('payment-1', { reason: 'damaged', idempotencyKey: 'short' }),
      },
      {
        name: 'points adjustment: zero points',
        http: () => call(app, 'POST', '/admin/customers/customer-1/points/adjustments', { points: 0, reason: 'x', externalId: 'adj-1' }, auth),
        engine: () => shop.loyalty.adjust('customer-1', { points: 0, reason: 'x', externalId: 'adj-1' }),
      },
    ]
    for (const c of cases) {
      const engine = await engineRefusal(c.engine)
      const answer = await c.http()
      expect({ case: c.name, status: answer.status, code: answer.body.code }).toEqual({ case: c.name, status: 400, code: engine.code })
      expect(engine.code).toBe('VALIDATION')
      const paths = (answer.body.details.issues as { path: string }[]).map((i) => (i.path.startsWith(c.at ?? 'body.') ? i.path.slice((c.at ?? 'body.').length) : i.path)).sort()
      expect({ case: c.name, paths }).toEqual({ case: c.name, paths: engine.paths })
    }
  })

  test('the storefront refuses fields only the shop may set, which the engine itself takes', async () => {
    const { app, shop } = await setup()
    const asShop = await shop.carts.create({ customerGroups: ['wholesale'] })
    expect(asShop.id).toBeTruthy()
    const asVisitor = await call(app, 'POST', '/store/carts', { customerGroups: ['wholesale'] })
    expect(asVisitor).toMatchObject({ status: 400, body: { code: 'VALIDATION', details: { issues: [{ path: 'body.customerGroups', message: 'unknown key' }] } } })
    const cartId = await readyCart(app, { payment: 'card' })
    const order = (await call(app, 'POST', `/store/carts/${cartId}/checkout`, {}, { 'idempotency-key': 'schemas-2' })).body
    const pay = await call(app, 'POST', `/store/orders/${order.order.id}/payments`, { method: 'card', amount: 1 }, { 'x-order-token': order.accessToken, 'idempotency-key': 'schemas-pay-1' })
    expect(pay).toMatchObject({ status: 400, body: { code: 'VALIDATION', details: { issues: [{ path: 'body.amount', message: 'unknown key' }] } } })
  })
})

describe('http: route schemas', () => {
  test('bodies are built from the engine’s schemas, not copies of them', () => {
    expect(s.addItemBody.shape.sku).toBe(cartSchemas.addItem.shape.sku)
    expect(s.contactBody).toBe(cartSchemas.setContact)
    expect(s.quoteBody.shape.options).toBe(deliverySchemas.quoteOptions)
    expect(s.startPaymentBody.shape.method).toBe(paymentSchemas.start.shape.method)
    expect(s.cancelBody.shape.reason).toBe(orderSchemas.cancel.shape.reason)
    expect(s.outcomeBody.shape.kept).toBe(shipmentSchemas.recordOutcome.shape.kept)
    expect(s.codeBody.shape.code).toBe(orderSchemas.confirmationCode)
    // Fields the route fills itself are not taken from the client.
    expect(Object.keys(s.cancelBody.shape)).not.toContain('actor')
    expect(Object.keys(s.startPaymentBody.shape).sort()).toEqual(['method', 'returnUrl'])
  })
})
