import { randomUUID } from 'node:crypto'
import { createCommerce, definePlugin } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { expect, test } from 'vitest'
import { memoryCourier, services } from './delivery-fixtures/memory-courier.js'
import { failure } from './fixtures/order-fixture.js'
import { memoryProvider } from './payment-fixtures/memory-provider.js'

test('a plugin brings a payment provider and a courier; they work like the config’s own', async () => {
  const courier = memoryCourier({ id: 'plugged', tariffs: [{ tariffCode: 'D', name: 'Door', methodType: 'courier_door', price: 25_000, minDays: 1, maxDays: 2, services: services() }] })
  const provider = memoryProvider({ id: 'plugpay' })
  const plugin = definePlugin({ id: 'acme-adapters', paymentProviders: [provider], couriers: [courier] })
  const shop = await createCommerce({
    storage: sqliteStorage({ filename: ':memory:' }),
    currency: 'RUB',
    plugins: [plugin],
    payments: { methods: [{ code: 'card', type: 'card_online', provider: 'plugpay' }] },
  })
  try {
    expect(shop.delivery.couriers().map((c) => c.id)).toEqual(['plugged'])
    await shop.catalog.upsertProduct({ handle: 'mug', name: 'Кружка', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: 'MUG' }] })
    await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku: 'MUG', amount: 500 }])
    const location = await shop.inventory.createLocation({ code: 'main', name: 'Main', type: 'warehouse' })
    await shop.inventory.receive({ variantId: (await shop.catalog.getVariantBySku('MUG'))!.id, locationId: location.id, delta: 5, key: 'seed' })
    const cart = await shop.carts.create()
    await shop.carts.addItem(cart.id, { sku: 'MUG', quantity: 1 })
    await shop.carts.setContact(cart.id, { phone: '+79161234567' })
    const quote = await shop.delivery.quote(cart.id, { city: 'Казань' })
    expect(quote.options.map((o) => o.id)).toEqual(['plugged:D'])
    await shop.carts.setDelivery(cart.id, { optionId: 'plugged:D', destination: { city: 'Казань' }, address: { country: 'RU', city: 'Казань', street: 'Баумана', house: '1' } })
    const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID() })
    const payment = await shop.payments.start(order.id, { method: 'card', returnUrl: 'https://shop.example/back', idempotencyKey: randomUUID() })
    expect(payment).toMatchObject({ providerId: 'plugpay', status: 'requires_action', amount: 25_500 })
  } finally {
    await shop.close()
  }
})

test('adapter ids stay unique across the config and plugins', async () => {
  const twice = definePlugin({ id: 'dup', couriers: [memoryCourier({ id: 'x' }), memoryCourier({ id: 'x' })] })
  expect(await failure(createCommerce({ storage: sqliteStorage({ filename: ':memory:' }), currency: 'RUB', plugins: [twice] }))).toMatchObject({ code: 'INVALID_CONFIG' })
  const notArray = definePlugin({ id: 'bad', paymentProviders: memoryProvider() as never })
  expect(await failure(createCommerce({ storage: sqliteStorage({ filename: ':memory:' }), currency: 'RUB', plugins: [notArray] }))).toMatchObject({ code: 'INVALID_PLUGIN' })
})
