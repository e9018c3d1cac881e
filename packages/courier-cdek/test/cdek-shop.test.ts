// The adapter inside a shop: quote, choose a CDEK pickup point, place a cash-
// on-delivery order, register it, and let the fake's status changes — pushed
// as webhooks and found by polling — move the shipment and the order.
import { randomUUID } from 'node:crypto'
import { createCommerce, type Commerce } from '@ordo/core'
import { cdek } from '@ordo/courier-cdek'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { startCdekFake, testClock, type CdekFake } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'

let fake: CdekFake
let shop: Commerce
const clock = testClock('2026-03-10T09:00:00Z')

beforeAll(async () => {
  fake = await startCdekFake({ clientId: 'shop_account', clientSecret: 'shop_secret' })
  shop = await createCommerce({
    storage: sqliteStorage({ filename: ':memory:' }),
    currency: 'RUB',
    clock,
    payments: { methods: [{ code: 'cod', type: 'cash_on_delivery' }] },
    delivery: {
      couriers: [cdek({ clientId: fake.clientId, clientSecret: fake.clientSecret, baseUrl: fake.url, clock })],
      from: { country: 'RU', city: 'Москва', postalCode: '125009' },
      calendar: { timeZone: 'Europe/Moscow' },
    },
  })
  await shop.catalog.upsertProduct({ handle: 'dress', name: 'Платье', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: 'DRESS-M', weightGrams: 600 }] })
  await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku: 'DRESS-M', amount: 459_000 }])
  const warehouse = await shop.inventory.createLocation({ code: 'msk', name: 'Склад', type: 'warehouse' })
  await shop.inventory.receive({ variantId: (await shop.catalog.getVariantBySku('DRESS-M'))!.id, locationId: warehouse.id, delta: 10, key: 'seed' })
})
afterAll(async () => {
  await shop?.close()
  await fake?.close()
})

test('a CDEK pickup-point order with cash on delivery: registered once, tracked by webhook and poll, completed', async () => {
  const cart = await shop.carts.create()
  await shop.carts.addItem(cart.id, { sku: 'DRESS-M', quantity: 2 })
  await shop.carts.setContact(cart.id, { name: 'Мария', phone: '+79161234567' })
  await shop.carts.setPayment(cart.id, { method: 'cod' })
  const quote = await shop.delivery.quote(cart.id, { city: 'Москва', postalCode: '101000' })
  expect(quote.failures).toEqual([])
  const option = quote.options.find((o) => o.methodType === 'pickup_point' && o.pickupPoints!.some((p) => p.services.cod))!
  expect(option).toMatchObject({ carrier: 'cdek', carrierName: 'СДЭК', price: expect.any(Number) })
  const point = option.pickupPoints!.find((p) => p.services.cod)!
  await shop.carts.setDelivery(cart.id, { optionId: option.id, destination: { city: 'Москва', postalCode: '101000' }, pickupPointId: point.id })
  const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID() })
  expect(order.totals.total).toBe(918_000 + option.price)

  await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
  await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:1' })
  const [shipment] = await shop.shipments.forOrder(order.id)
  await shop.shipments.pack(shipment!.id, { weightGrams: 1_400, actor: 'manager:1' })
  const registered = await shop.shipments.register(shipment!.id)
  const atCdek = fake.orders().filter((o) => o.number === shipment!.number)
  expect(atCdek).toHaveLength(1)
  expect(atCdek[0]).toMatchObject({ deliveryPoint: point.id })
  // Cash to collect for the goods and for delivery (sent in rubles, read back by the fake in kopecks) equals the order total.
  const cod = atCdek[0]!.items.reduce((s, i) => s + i.paymentValue * i.amount, 0) + atCdek[0]!.deliveryRecipientCost
  expect(cod).toBe(order.totals.total)
  expect(registered).toMatchObject({ status: 'registered', carrierShipmentId: atCdek[0]!.uuid })

  // Accepted at CDEK's warehouse: a webhook says so.
  fake.setStatus(atCdek[0]!.uuid, 'RECEIVED_AT_SHIPMENT_WAREHOUSE')
  const pushed = await shop.shipments.handleWebhook('cdek', fake.orderStatusWebhook(atCdek[0]!.uuid))
  expect(pushed).toMatchObject({ outcome: 'applied', response: { status: 200 } })
  expect((await shop.shipments.get(shipment!.id))!.status).toBe('handed_over')
  expect((await shop.orders.get(order.id))!.status).toBe('handed_to_carrier')
  // The same webhook again changes nothing.
  await shop.shipments.handleWebhook('cdek', fake.orderStatusWebhook(atCdek[0]!.uuid))
  expect((await shop.shipments.history(shipment!.id)).filter((e) => e.rawStatus === 'RECEIVED_AT_SHIPMENT_WAREHOUSE')).toHaveLength(1)

  // At the pickup point: found by polling.
  fake.setStatus(atCdek[0]!.uuid, 'ACCEPTED_AT_PICK_UP_POINT')
  clock.advance({ minutes: 31 })
  const polled = await shop.shipments.track()
  expect(polled.applied).toBe(1)
  expect((await shop.orders.get(order.id))!.status).toBe('ready_for_pickup')

  fake.setStatus(atCdek[0]!.uuid, 'DELIVERED')
  await shop.shipments.handleWebhook('cdek', fake.orderStatusWebhook(atCdek[0]!.uuid))
  expect((await shop.shipments.get(shipment!.id))!).toMatchObject({ status: 'delivered', rawStatus: 'DELIVERED' })
  expect((await shop.orders.get(order.id))!.status).toBe('completed')
  const payments = (await shop.payments.forOrder(order.id)).payments
  expect(payments).toMatchObject([{ methodType: 'cash_on_delivery', status: 'pending', amount: order.totals.total, trackingNumber: registered.trackingNumber }])
})
