import type { Commerce, CommerceConfig } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import { available, failure, placeOrder } from './fixtures/order-fixture.js'
import { seededShop } from './fixtures/shop-fixture.js'

describeEachDialect('orders: edits before packing', ({ database }) => {
  const shops: Commerce[] = []
  afterEach(async () => {
    await Promise.all(shops.splice(0).map((s) => s.close()))
  })
  async function setup(config: Partial<CommerceConfig> = {}) {
    const db = await database()
    const fixture = await seededShop(db.storage, { config })
    shops.push(fixture.shop)
    return fixture
  }

  test('changing a quantity re-prices, re-reserves and records a versioned change with the amount due delta', async () => {
    const { shop, variantIds } = await setup()
    const order = await placeOrder(shop, [{ sku: 'TEE-M', quantity: 1 }, { sku: 'SOCKS', quantity: 2 }])
    const tee = order.lines.find((l) => l.sku === 'TEE-M')!
    const changed = await shop.orders.changeQuantity(order.id, { lineId: tee.id, quantity: 3, actor: 'manager:7', expectedVersion: 1 })
    expect(changed.version).toBe(2)
    expect(changed.totals).toMatchObject({ subtotal: 360_000, total: 360_000 })
    expect(changed.lines.find((l) => l.id === tee.id)).toMatchObject({ quantity: 3, total: 300_000, lineNo: 1 })
    expect(changed.breakdown.lines.map((l) => l.lineId).sort()).toEqual(changed.lines.map((l) => l.id).sort())
    expect(await available(shop, variantIds['TEE-M']!)).toBe(2)
    expect(await available(shop, variantIds.SOCKS!)).toBe(98)

    const view = await shop.orders.view(order.id)
    expect(view.changes).toEqual([
      expect.objectContaining({
        version: 2,
        kind: 'quantity_changed',
        actor: 'manager:7',
        amountDueDelta: 200_000,
        details: { lineId: tee.id, variantId: variantIds['TEE-M'], from: 1, to: 3 },
        totalsBefore: expect.objectContaining({ total: 160_000 }),
        totalsAfter: expect.objectContaining({ total: 360_000 }),
      }),
    ])
    const event = (await shop.events.forAggregate(order.id)).find((e) => e.type === 'order.changed')
    expect(event?.data).toMatchObject({ version: 2, kind: 'quantity_changed', amountDueDelta: 200_000, totalBefore: 160_000, totalAfter: 360_000 })
  })

  test('a manager adds a line, substitutes a variant and removes a line; stock follows every change', async () => {
    const { shop, variantIds } = await setup()
    const order = await placeOrder(shop, [{ sku: 'TEE-M', quantity: 2 }])
    const withSocks = await shop.orders.addLine(order.id, { sku: 'SOCKS', quantity: 3, actor: 'manager:7' })
    expect(withSocks.lines.map((l) => [l.lineNo, l.sku, l.quantity])).toEqual([
      [1, 'TEE-M', 2],
      [2, 'SOCKS', 3],
    ])
    expect(withSocks.lines[1]).toMatchObject({ paymentSubject: 'commodity', weightGrams: 40 })
    const more = await shop.orders.addLine(order.id, { sku: 'SOCKS', quantity: 1, actor: 'manager:7' })
    expect(more.lines.map((l) => l.quantity)).toEqual([2, 4])

    const teeLine = more.lines[0]!
    const swapped = await shop.orders.substituteVariant(order.id, { lineId: teeLine.id, sku: 'TEE-L', actor: 'manager:7' })
    expect(swapped.lines[0]).toMatchObject({ id: teeLine.id, sku: 'TEE-L', quantity: 2, unitPrice: 120_000, weightGrams: 190 })
    expect(await available(shop, variantIds['TEE-M']!)).toBe(5)
    expect(await available(shop, variantIds['TEE-L']!)).toBe(0)

    const socksLine = swapped.lines[1]!
    const removed = await shop.orders.removeLine(order.id, { lineId: socksLine.id, actor: 'manager:7' })
    expect(removed.lines.map((l) => l.sku)).toEqual(['TEE-L'])
    expect(removed.totals.total).toBe(240_000)
    expect(await available(shop, variantIds.SOCKS!)).toBe(100)
    const last = await failure(shop.orders.removeLine(order.id, { lineId: teeLine.id, actor: 'manager:7' }))
    expect(last.code).toBe('VALIDATION')
    expect(last.message).toContain('cancel the order instead')
    expect((await shop.orders.view(order.id)).changes.map((c) => c.kind)).toEqual(['line_added', 'line_added', 'variant_substituted', 'line_removed'])
  })

  test('asking for more than is in stock is refused and nothing changes', async () => {
    const { shop, variantIds } = await setup()
    const order = await placeOrder(shop, [{ sku: 'TEE-L', quantity: 1 }])
    const error = await failure(shop.orders.changeQuantity(order.id, { lineId: order.lines[0]!.id, quantity: 3, actor: 'manager:7' }))
    expect(error.code).toBe('OUT_OF_STOCK')
    const after = await shop.orders.get(order.id)
    expect(after).toMatchObject({ version: 1, totals: { total: 120_000 } })
    expect(after!.lines[0]!.quantity).toBe(1)
    expect(await available(shop, variantIds['TEE-L']!)).toBe(1)
    expect((await failure(shop.orders.addLine(order.id, { sku: 'OLD', quantity: 1, actor: 'manager:7' }))).code).toBe('SKU_ARCHIVED')
    expect((await failure(shop.orders.addLine(order.id, { sku: 'NOPE', quantity: 1, actor: 'manager:7' }))).code).toBe('NOT_FOUND')
    expect((await failure(shop.orders.changeQuantity(order.id, { lineId: order.lines[0]!.id, quantity: 0, actor: 'manager:7' }))).code).toBe('VALIDATION')
    expect((await shop.orders.view(order.id)).changes).toEqual([])
  })

  test('once packed, lines and address can no longer change: the status lacks the capability', async () => {
    const { shop } = await setup()
    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    for (const step of ['confirm', 'start_picking']) await shop.orders.transition(order.id, step, { actor: 'manager:7' })
    const address = { country: 'RU', city: 'Казань' }
    expect((await shop.orders.changeAddress(order.id, { address, actor: 'manager:7' })).shippingAddress).toEqual(address)
    await shop.orders.transition(order.id, 'pack', { actor: 'warehouse:2' })
    const lines = await failure(shop.orders.addLine(order.id, { sku: 'TEE-M', quantity: 1, actor: 'manager:7' }))
    expect(lines).toMatchObject({ code: 'NOT_ALLOWED_IN_STATE', details: { state: 'packed', capability: 'edit_lines' } })
    expect(lines.message).toContain('"packed"')
    expect((await failure(shop.orders.changeAddress(order.id, { address: null, actor: 'manager:7' }))).details).toMatchObject({ capability: 'edit_address' })
  })

  test('delivery changes re-price the order and signal the payment delta', async () => {
    const { shop } = await setup()
    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    const courier = await shop.orders.changeDelivery(order.id, { delivery: { method: 'courier', city: 'Москва' }, price: { amount: 35_000 }, actor: 'manager:7' })
    expect(courier.totals).toMatchObject({ deliveryTotal: 35_000, total: 65_000 })
    expect(courier.delivery).toEqual({ method: 'courier', city: 'Москва' })
    const pickup = await shop.orders.changeDelivery(order.id, { delivery: { method: 'pickup' }, price: null, actor: 'manager:7' })
    expect(pickup.totals.total).toBe(30_000)
    expect((await shop.orders.view(order.id)).changes.map((c) => c.amountDueDelta)).toEqual([35_000, -35_000])
  })

  test('a single-use coupon keeps its discount when the order is re-priced', async () => {
    const { shop } = await setup()
    const promo = await shop.promotions.create({ name: 'Ten off', requiresCoupon: true, benefits: [{ type: 'percent_off_lines', percent: 10 }] })
    await shop.promotions.createCoupon({ promotionId: promo.id, code: 'ONCE', usageLimit: 1 })
    const order = await placeOrder(shop, [{ sku: 'TEE-M', quantity: 1 }], { coupon: 'ONCE' })
    expect(order.totals.total).toBe(90_000)
    const changed = await shop.orders.changeQuantity(order.id, { lineId: order.lines[0]!.id, quantity: 2, actor: 'manager:7' })
    expect(changed.totals).toMatchObject({ subtotal: 200_000, discountTotal: 20_000, total: 180_000 })
    expect(await shop.promotions.getCoupon('ONCE')).toMatchObject({ usesCount: 1 })
  })

  test('two managers editing the same version: the second gets CONFLICT and the first change is kept', async () => {
    const { shop } = await setup()
    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }, { sku: 'TEE-M', quantity: 1 }])
    const [socks, tee] = order.lines
    const first = await shop.orders.changeQuantity(order.id, { lineId: socks!.id, quantity: 5, actor: 'manager:1', expectedVersion: order.version })
    const stale = await failure(shop.orders.changeQuantity(order.id, { lineId: tee!.id, quantity: 2, actor: 'manager:2', expectedVersion: order.version }))
    expect(stale).toMatchObject({ code: 'CONFLICT', details: { expectedVersion: 1, actualVersion: 2 } })
    expect(stale.message).toContain('reload')
    const now = await shop.orders.get(order.id)
    expect(now!.version).toBe(first.version)
    expect(now!.lines.map((l) => l.quantity)).toEqual([5, 1])
    expect((await failure(shop.orders.cancel(order.id, { actor: 'manager:2', reason: 'other', expectedVersion: 1 }))).code).toBe('CONFLICT')
  })

  test('racing edits of one version: exactly one wins, the other is CONFLICT, nothing is lost silently', async () => {
    const { shop, variantIds } = await setup()
    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    const lineId = order.lines[0]!.id
    const results = await Promise.allSettled([
      shop.orders.changeQuantity(order.id, { lineId, quantity: 7, actor: 'manager:1', expectedVersion: 1 }),
      shop.orders.changeQuantity(order.id, { lineId, quantity: 9, actor: 'manager:2', expectedVersion: 1 }),
    ])
    const won = results.filter((r) => r.status === 'fulfilled')
    const lost = results.filter((r) => r.status === 'rejected')
    expect(won).toHaveLength(1)
    expect(lost).toHaveLength(1)
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' })
    const quantity = (won[0] as PromiseFulfilledResult<{ lines: { quantity: number }[] }>).value.lines[0]!.quantity
    expect((await shop.orders.get(order.id))!.lines[0]!.quantity).toBe(quantity)
    expect(await available(shop, variantIds.SOCKS!)).toBe(100 - quantity)
    expect((await shop.orders.view(order.id)).changes).toHaveLength(1)
  })
})
