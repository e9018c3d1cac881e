import { randomUUID } from 'node:crypto'
import { createCommerce, type Commerce } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { memoryProvider, webhook, type MemoryProvider } from './payment-fixtures/memory-provider.js'

// A prepaid order whose customer refuses part at the door: the refund of the refused goods and the refusal are the
// same money, counted once; a later refund of a kept item comes off too.
describeEachDialect('loyalty: prepaid partial buyout and later refunds', ({ database }) => {
  let shop: Commerce
  let provider: MemoryProvider

  beforeAll(async () => {
    provider = memoryProvider()
    shop = await createCommerce({
      storage: (await database()).storage,
      currency: 'RUB',
      clock: testClock('2026-03-10T09:00:00Z'),
      payments: { providers: [provider], methods: [{ code: 'card', type: 'card_online', provider: 'memory' }], retryBackoffMs: 1 },
      delivery: { ownCourier: { zones: [{ code: 'msk', name: 'Moscow', cities: ['Москва'], price: 30_000, days: { min: 1, max: 1 } }] }, calendar: { timeZone: 'Europe/Moscow' } },
      loyalty: { earnBasisPoints: 500, pointValue: 100 },
    })
    const warehouse = await shop.inventory.createLocation({ code: 'main', name: 'Main', type: 'warehouse' })
    for (const [sku, amount] of [['LAMP', 100_000], ['VASE', 40_000]] as const) {
      await shop.catalog.upsertProduct({ handle: sku.toLowerCase(), name: sku, vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku }] })
      await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku, amount }])
      await shop.inventory.receive({ variantId: (await shop.catalog.getVariantBySku(sku))!.id, locationId: warehouse.id, delta: 10, key: `seed-${sku}` })
    }
  })
  afterAll(() => shop?.close())

  const settle = async () => {
    for (let i = 0; i < 5; i++) await shop.events.relay()
  }

  test('points are earned on the goods kept and paid: refused once, later refunds off', async () => {
    const cart = await shop.carts.create({ customerId: 'customer-7' })
    await shop.carts.addItem(cart.id, { sku: 'LAMP', quantity: 1 })
    await shop.carts.addItem(cart.id, { sku: 'VASE', quantity: 1 })
    await shop.carts.setContact(cart.id, { phone: '+79161234567' })
    await shop.carts.setPayment(cart.id, { method: 'card' })
    await shop.carts.setDelivery(cart.id, { optionId: 'own:msk', destination: { city: 'Москва' }, address: { country: 'RU', city: 'Москва', street: 'Тверская', house: '1' }, tryOn: true })
    const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID() })
    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'request_payment', { actor: 'manager:1' })
    const payment = await shop.payments.start(order.id, { method: 'card', returnUrl: 'https://shop.example/back', idempotencyKey: randomUUID() })
    provider.pay(payment.providerPaymentId!)
    await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}`, payment.providerPaymentId!, 'captured'))
    await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:1' })
    const [shipment] = await shop.shipments.forOrder(order.id)
    await shop.shipments.pack(shipment!.id, { actor: 'manager:1' })
    await shop.shipments.transition(shipment!.id, 'hand_over', { actor: 'courier:1' })
    const lamp = order.lines.find((l) => l.sku === 'LAMP')!
    const vase = order.lines.find((l) => l.sku === 'VASE')!
    const outcome = await shop.shipments.recordOutcome(shipment!.id, { kept: [{ lineId: lamp.id, quantity: 1 }], refused: [{ lineId: vase.id, quantity: 1 }], actor: 'courier:1' })
    expect(outcome.refundDue).toBe(40_000)
    await settle()
    // 5 % of the lamp (1 000 ₽) = 50 points; the vase's refusal and its refund are the same money.
    expect(await shop.loyalty.balance('customer-7')).toMatchObject({ pending: 50 })

    // The lamp comes back within the return window and is refunded: nothing is earned.
    await shop.payments.refund(payment.id, { lines: [{ lineId: lamp.id, quantity: 1 }], reason: 'returned', idempotencyKey: randomUUID() })
    await settle()
    expect(await shop.loyalty.balance('customer-7')).toMatchObject({ pending: 0 })
  })
})
