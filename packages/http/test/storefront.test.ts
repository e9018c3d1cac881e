import { describeEachDialect } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import { call, chooseShowroom, httpShop, PHONE, readyCart, type HttpShop } from './http-fixture.js'

describeEachDialect('http: storefront routes', ({ database }) => {
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

  test('a visitor browses, fills a cart, checks out once however often the request is retried, and sees the order', async () => {
    const { app, shop } = await setup()
    const categories = await call(app, 'GET', '/store/categories')
    expect(categories.body.map((c: { slug: string }) => c.slug)).toEqual(['tees'])
    const products = await call(app, 'GET', `/store/products?categoryId=${categories.body[0].id}&limit=10`)
    expect(products.status).toBe(200)
    expect(products.body.items.map((p: { handle: string }) => p.handle)).toEqual(['tee'])
    const tee = await call(app, 'GET', '/store/products/tee')
    expect(tee.body.variants.map((v: { sku: string }) => v.sku).sort()).toEqual(['TEE-L', 'TEE-M'])

    const cartId = await readyCart(app)
    const cart = await call(app, 'GET', `/store/carts/${cartId}`)
    expect(cart.body.contact.phone).toBe(PHONE)
    const socks = cart.body.items.find((i: { sku: string }) => i.sku === 'SOCKS')
    expect((await call(app, 'PATCH', `/store/carts/${cartId}/items/${socks.lineId}`, { quantity: 3 })).body.items.find((i: { sku: string }) => i.sku === 'SOCKS').quantity).toBe(3)
    const removed = await call(app, 'DELETE', `/store/carts/${cartId}/items/${socks.lineId}`)
    expect(removed.body.items.map((i: { sku: string }) => i.sku)).toEqual(['TEE-M'])
    expect(removed.body.breakdown.total).toBe(200_000)
    await chooseShowroom(app, cartId)
    const methods = await call(app, 'GET', `/store/carts/${cartId}/payment-methods`)
    expect(methods.body.map((m: { code: string }) => m.code)).toContain('pickup')
    expect((await call(app, 'PUT', `/store/carts/${cartId}/payment`, { method: 'pickup' })).body.paymentMethod).toBe('pickup')

    const checkout = () => call(app, 'POST', `/store/carts/${cartId}/checkout`, {}, { 'idempotency-key': 'checkout-attempt-1' })
    const placed = await checkout()
    expect(placed.status).toBe(201)
    expect(placed.body.order).toMatchObject({ status: 'awaiting_confirmation', totals: { total: 200_000 } })
    expect(placed.body.order).not.toHaveProperty('managerId')
    expect(placed.body.order).not.toHaveProperty('idempotencyKey')
    const retried = await checkout()
    expect(retried.body.order.id).toBe(placed.body.order.id)
    expect((await shop.orders.list()).items).toHaveLength(1)

    const orderId = placed.body.order.id as string
    const token = placed.body.accessToken as string
    const view = await call(app, 'GET', `/store/orders/${orderId}`, undefined, { 'x-order-token': token })
    expect(view.status).toBe(200)
    expect(view.body.order.number).toBe(placed.body.order.number)
    expect(view.body.timeline.at(-1)).toMatchObject({ to: 'awaiting_confirmation' })
    expect(view.body.shipments).toMatchObject([{ methodType: 'showroom_pickup', pickupPoint: { id: 'main' } }])
    expect(view.body.order.paymentMethod).toBe('pickup')
    expect((await call(app, 'GET', `/store/orders/${orderId}?token=${token}`)).status).toBe(200)

    const wrong = await call(app, 'GET', `/store/orders/${orderId}`, undefined, { 'x-order-token': token.slice(0, -2) + 'xx' })
    expect(wrong.status).toBe(404)
    expect((await call(app, 'GET', `/store/orders/${orderId}`)).status).toBe(404)

    const lookup = await call(app, 'POST', '/store/orders/lookup', { number: placed.body.order.number, phone: '+7 (916) 123-45-67' })
    expect(lookup.body).toEqual({ orderId, number: placed.body.order.number, accessToken: token })
    expect((await call(app, 'POST', '/store/orders/lookup', { number: placed.body.order.number, phone: '+79990000000' })).status).toBe(404)

    // The cart is an order now: changing it is refused by the engine.
    const closed = await call(app, 'POST', `/store/carts/${cartId}/items`, { sku: 'TEE-L', quantity: 1 })
    expect(closed.status).toBe(409)
    expect(closed.body.code).toBe('CART_CLOSED')
  })

  test('products and orders are shown without purchase costs, archived variants or the customer id', async () => {
    const { app, shop } = await setup()
    await shop.catalog.upsertProduct({
      handle: 'tee',
      name: 'Футболка',
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      variants: [
        { sku: 'TEE-M', name: 'M', weightGrams: 180, costPrice: 41_000 },
        { sku: 'TEE-L', name: 'L', weightGrams: 190, costPrice: 45_000, status: 'archived' },
      ],
    })
    expect((await shop.catalog.getProduct('tee'))!.variants.map((v) => v.costPrice)).toEqual([41_000, 45_000])
    const tee = await call(app, 'GET', '/store/products/tee')
    expect(tee.body.variants.map((v: { sku: string }) => v.sku)).toEqual(['TEE-M'])
    expect(JSON.stringify(tee.body)).not.toContain('costPrice')
    const list = await call(app, 'GET', '/store/products?limit=10')
    expect(list.body.items.find((p: { handle: string }) => p.handle === 'tee').variants.map((v: { sku: string }) => v.sku)).toEqual(['TEE-M'])
    expect(JSON.stringify(list.body)).not.toContain('costPrice')

    const cartId = await readyCart(app, { payment: 'pickup' })
    const placed = await call(app, 'POST', `/store/carts/${cartId}/checkout`, {}, { 'idempotency-key': 'cost-view-1' })
    expect(placed.status).toBe(201)
    expect((await shop.orders.get(placed.body.order.id))!.lines.find((l) => l.sku === 'TEE-M')!.costPrice).toBe(41_000)
    for (const order of [placed.body.order, (await call(app, 'GET', `/store/orders/${placed.body.order.id}`, undefined, { 'x-order-token': placed.body.accessToken })).body.order]) {
      expect(order.lines.map((l: { sku: string }) => l.sku).sort()).toEqual(['SOCKS', 'TEE-M'])
      expect(order).not.toHaveProperty('customerId')
      for (const line of order.lines) expect(line).not.toHaveProperty('costPrice')
    }
  })

  test('idempotency keys are scoped to the cart: another visitor reusing a key gets their own order, not a problem naming the first', async () => {
    const { app, shop } = await setup()
    const first = await readyCart(app, { payment: 'pickup' })
    const second = await readyCart(app, { payment: 'pickup' })
    const a = await call(app, 'POST', `/store/carts/${first}/checkout`, {}, { 'idempotency-key': 'shared-key-1' })
    const b = await call(app, 'POST', `/store/carts/${second}/checkout`, {}, { 'idempotency-key': 'shared-key-1' })
    expect(a.status).toBe(201)
    expect(b.status).toBe(201)
    expect(b.body.order.id).not.toBe(a.body.order.id)
    expect((await shop.orders.list()).items).toHaveLength(2)
    expect((await call(app, 'POST', `/store/carts/${first}/checkout`, {}, { 'idempotency-key': 'shared-key-1' })).body.order.id).toBe(a.body.order.id)
  })

  test('checkout needs an idempotency key; an incomplete cart is refused by the engine', async () => {
    const { app } = await setup()
    const cartId = await readyCart(app)
    const missing = await call(app, 'POST', `/store/carts/${cartId}/checkout`)
    expect(missing.status).toBe(400)
    expect(missing.body.details.issues).toEqual([{ path: 'header.idempotency-key', message: expect.any(String) }])
    const empty = (await call(app, 'POST', '/store/carts', {})).body.id
    const incomplete = await call(app, 'POST', `/store/carts/${empty}/checkout`, undefined, { 'idempotency-key': 'another-attempt' })
    expect(incomplete.status).toBe(422)
    expect(incomplete.body.code).toBe('CART_INCOMPLETE')
  })

  test('errors are problem+json with the engine code and the right status', async () => {
    const { app } = await setup()
    const cartId = (await call(app, 'POST', '/store/carts')).body.id as string

    const badShape = await call(app, 'POST', `/store/carts/${cartId}/items`, { sku: 'TEE-M', quantity: 0, extra: 1 })
    expect(badShape.status).toBe(400)
    expect(badShape.headers.get('content-type')).toBe('application/problem+json')
    expect(badShape.body).toMatchObject({ type: 'urn:ordo:problem:VALIDATION', title: 'Bad Request', status: 400, code: 'VALIDATION', instance: `/store/carts/${cartId}/items` })
    expect(badShape.body.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.extra', 'body.quantity'])

    const notJson = await app.request(`/store/carts/${cartId}/items`, { method: 'POST', body: '{"sku":', headers: { 'content-type': 'application/json' } })
    expect(notJson.status).toBe(400)
    expect(((await notJson.json()) as any).details.issues).toEqual([{ path: 'body', message: 'not valid JSON' }])

    const unknownSku = await call(app, 'POST', `/store/carts/${cartId}/items`, { sku: 'NOPE', quantity: 1 })
    expect(unknownSku.status).toBe(404)
    expect(unknownSku.body).toMatchObject({ code: 'NOT_FOUND', status: 404, title: 'Not Found' })

    const outOfStock = await call(app, 'POST', `/store/carts/${cartId}/items`, { sku: 'TEE-L', quantity: 3 })
    expect(outOfStock.body.code).toBe('OUT_OF_STOCK')
    expect(outOfStock.status).toBe(409)

    const coupon = await call(app, 'POST', `/store/carts/${cartId}/coupons`, { code: 'NOSUCH' })
    expect(coupon).toMatchObject({ status: 422, body: { code: 'COUPON_REJECTED', details: { reason: 'unknown' } } })

    const unknownCart = await call(app, 'GET', '/store/carts/00000000-0000-0000-0000-000000000000')
    expect(unknownCart).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } })

    const noRoute = await call(app, 'GET', '/store/nowhere')
    expect(noRoute.status).toBe(404)

    const badQuery = await call(app, 'GET', '/store/products?limit=1000')
    expect(badQuery).toMatchObject({ status: 400, body: { code: 'VALIDATION', details: { issues: [{ path: 'query.limit' }] } } })
  })

  test('pickup points and delivery quotes go through the engine', async () => {
    const { app } = await setup()
    const points = await call(app, 'GET', '/store/pickup-points?city=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0&cod=true')
    expect(points.status).toBe(200)
    expect(Array.isArray(points.body)).toBe(true)
    const cartId = await readyCart(app)
    const quote = await call(app, 'POST', `/store/carts/${cartId}/delivery-quotes`, { destination: { city: 'Москва', postalCode: '101000' } })
    expect(quote.status).toBe(200)
    expect(quote.body).toMatchObject({ options: [{ methodType: 'showroom_pickup', pickupPoints: [{ id: 'main' }] }], failures: [] })
    expect(points.body).toEqual([])
    const showrooms = await call(app, 'GET', '/store/pickup-points?city=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0&card=true')
    expect(showrooms.body).toMatchObject([{ id: 'main', carrier: 'showroom' }])
    const refused = await call(app, 'PUT', `/store/carts/${cartId}/delivery`, { optionId: 'nope:nope', destination: { city: 'Москва' } })
    expect(refused).toMatchObject({ status: 422, body: { code: 'DELIVERY_UNAVAILABLE' } })
  })
})
