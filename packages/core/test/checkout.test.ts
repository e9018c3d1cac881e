import { OrdoError, type Commerce } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import { seededShop } from './fixtures/shop-fixture.js'
import { failure } from './fixtures/order-fixture.js'

describeEachDialect('checkout', ({ database }) => {
  const shops: Commerce[] = []
  afterEach(async () => {
    await Promise.all(shops.splice(0).map((s) => s.close()))
  })
  async function setup() {
    const db = await database()
    const fixture = await seededShop(db.storage)
    shops.push(fixture.shop)
    return fixture
  }
  async function readyCart(shop: Commerce, lines: Record<string, number> = { 'TEE-M': 2, SOCKS: 1 }) {
    const cart = await shop.carts.create({ channel: { source: 'yandex', medium: 'cpc' } })
    for (const [sku, quantity] of Object.entries(lines)) await shop.carts.addItem(cart.id, { sku, quantity })
    await shop.carts.setContact(cart.id, { name: 'Анна', phone: '+7 916 123-45-67' })
    return shop.carts.setShippingAddress(cart.id, { country: 'RU', city: 'Москва', street: 'Покровка', house: '1' })
  }

  test('a complete cart becomes an order: snapshot, number, reservation, converted cart, order.placed', async () => {
    const { shop, variantIds } = await setup()
    const placed: string[] = []
    shop.events.on('order.placed', (e) => void placed.push(e.aggregateId!))
    const cart = await readyCart(shop)
    const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey: 'attempt-0001' })
    expect(order.number).toMatch(/^\d{6}$/)
    expect(order).toMatchObject({ cartId: cart.id, contact: { phone: '+79161234567' }, channel: { source: 'yandex', medium: 'cpc' } })
    expect(order.totals.total).toBe(cart.breakdown.total)
    expect(order.lines.map((l) => [l.sku, l.quantity])).toEqual([
      ['TEE-M', 2],
      ['SOCKS', 1],
    ])
    expect(placed).toEqual([order.id])
    expect((await shop.carts.get(cart.id)).status).toBe('converted')
    const [tee] = await shop.inventory.availability([variantIds['TEE-M']!])
    expect(tee!.available).toBe(3)
    const second = await shop.checkout.placeOrder((await readyCart(shop, { SOCKS: 1 })).id, { idempotencyKey: 'attempt-0002' })
    expect(Number(second.number)).toBeGreaterThan(Number(order.number))
  })

  test('the same key returns the same order; a used key with another cart is refused', async () => {
    const { shop } = await setup()
    const cart = await readyCart(shop)
    const first = await shop.checkout.placeOrder(cart.id, { idempotencyKey: 'same-key-123' })
    const again = await shop.checkout.placeOrder(cart.id, { idempotencyKey: 'same-key-123' })
    expect(again.id).toBe(first.id)
    const other = await readyCart(shop, { SOCKS: 2 })
    expect((await failure(shop.checkout.placeOrder(other.id, { idempotencyKey: 'same-key-123' }))).code).toBe('IDEMPOTENCY_MISMATCH')
    expect((await failure(shop.checkout.placeOrder(cart.id, { idempotencyKey: 'another-key-1' }))).code).toBe('CART_CLOSED')
  })

  test('20 concurrent retries with one key place one order', async () => {
    const { shop, variantIds } = await setup()
    const cart = await readyCart(shop, { 'TEE-M': 1 })
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => shop.checkout.placeOrder(cart.id, { idempotencyKey: 'retry-storm-1' })))
    const ids = new Set(results.map((r) => (r.status === 'fulfilled' ? r.value.id : `error:${(r.reason as Error).message}`)))
    expect([...ids]).toHaveLength(1)
    expect([...ids][0]).not.toMatch(/^error/)
    const [tee] = await shop.inventory.availability([variantIds['TEE-M']!])
    expect(tee!.available).toBe(4)
  })

  test('an incomplete cart is refused and nothing is written', async () => {
    const { shop } = await setup()
    const empty = await shop.carts.create()
    expect(await failure(shop.checkout.placeOrder(empty.id, { idempotencyKey: 'k-empty-01' }))).toMatchObject({ code: 'CART_INCOMPLETE', details: { missing: 'items' } })
    await shop.carts.addItem(empty.id, { sku: 'SOCKS', quantity: 1 })
    expect(await failure(shop.checkout.placeOrder(empty.id, { idempotencyKey: 'k-empty-02' }))).toMatchObject({ code: 'CART_INCOMPLETE', details: { missing: 'contact' } })
    expect((await shop.carts.get(empty.id)).status).toBe('active')
    expect((await failure(shop.checkout.placeOrder(empty.id, { idempotencyKey: 'short' }))).code).toBe('VALIDATION')
  })

  test('a price that changed since the customer saw it is reported with the diff, and accepted on request', async () => {
    const { shop } = await setup()
    const cart = await readyCart(shop, { 'TEE-M': 1 })
    await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku: 'TEE-M', amount: 110_000 }])
    const error = await failure(shop.checkout.placeOrder(cart.id, { idempotencyKey: 'price-k-01' }))
    expect(error).toMatchObject({ code: 'PRICE_CHANGED', details: { before: 100_000, after: 110_000 } })
    expect(error.details.changes).toEqual([{ sku: 'TEE-M', before: { unitPrice: 100_000, total: 100_000 }, after: { unitPrice: 110_000, total: 110_000 } }])
    const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey: 'price-k-01', acceptPriceChanges: true })
    expect(order.totals.total).toBe(110_000)
  })

  test('stock sold out between cart and checkout is OUT_OF_STOCK; nothing is reserved or converted', async () => {
    const { shop, variantIds, warehouse } = await setup()
    const cart = await readyCart(shop, { 'TEE-L': 2, SOCKS: 1 })
    await shop.inventory.adjust({ variantId: variantIds['TEE-L']!, locationId: warehouse.id, delta: -1, reason: 'write_off', key: 'damaged-1' })
    const error = await failure(shop.checkout.placeOrder(cart.id, { idempotencyKey: 'oos-key-01' }))
    expect(error.code).toBe('OUT_OF_STOCK')
    expect((await shop.carts.get(cart.id)).status).toBe('active')
    const stock = await shop.inventory.availability([variantIds.SOCKS!])
    expect(stock[0]!.available).toBe(100)
  })

  test('the payment method chosen on the cart is checked and copied to the order', async () => {
    const { shop } = await setup()
    const cart = await readyCart(shop, { SOCKS: 1 })
    expect(cart.paymentMethod).toBeNull()
    const unknown = await failure(shop.carts.setPayment(cart.id, { method: 'bitcoin' }))
    expect(unknown).toMatchObject({ code: 'PAYMENT_METHOD_UNAVAILABLE', details: { method: 'bitcoin' } })
    expect((await shop.carts.get(cart.id)).paymentMethod).toBeNull()
    expect((await shop.carts.setPayment(cart.id, { method: 'cash_on_delivery' })).paymentMethod).toBe('cash_on_delivery')
    const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey: 'payment-method-1' })
    expect(order.paymentMethod).toBe('cash_on_delivery')
    const later = await shop.checkout.placeOrder((await readyCart(shop, { SOCKS: 1 })).id, { idempotencyKey: 'payment-method-2' })
    expect(later.paymentMethod).toBe('pay_later')
  })
})
