import { createCommerce, type Commerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { testClock, type TestClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createApp } from '../src/app.js'
import { deliveryConfig, startCouriers, type DemoCouriers } from '../src/delivery-config.js'
import { seedDemoShop } from '../src/seed.js'
import { CookieJar } from './cookie-jar.js'

let shop: Commerce
let clock: TestClock
let carriers: DemoCouriers
let app: ReturnType<typeof createApp>
const jar = new CookieJar()

beforeAll(async () => {
  // Tuesday 10 March 2026, 12:00 in Moscow: before the cut-off, the day after a holiday.
  clock = testClock('2026-03-10T09:00:00Z')
  carriers = await startCouriers({}, { clock })
  shop = await createCommerce({
    storage: sqliteStorage({ filename: ':memory:' }),
    currency: 'RUB',
    clock,
    payments: {
      methods: [
        { code: 'cash_on_delivery', type: 'cash_on_delivery', label: 'Наложенный платёж' },
        { code: 'pay_at_pickup', type: 'pay_at_pickup', label: 'При получении в шоуруме' },
      ],
    },
    delivery: deliveryConfig(carriers.couriers),
  })
  await seedDemoShop(shop)
  // As in demo mode, but without the carrier's webhook: tracking must come from the poll.
  app = createApp(shop, { advanceDemoShipment: async (shipment, status) => void (await carriers.advance!(shipment, status)) })
})
afterAll(async () => {
  await shop.close()
  await carriers.close()
})

async function request(path: string, init: RequestInit = {}) {
  const response = await app.request(path, { ...init, headers: { ...(init.headers ?? {}), cookie: jar.header() }, redirect: 'manual' })
  jar.store(response)
  return response
}
const page = async (path: string) => (await request(path)).text()
const post = (path: string, form: Record<string, string>) =>
  request(path, { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } })
/** Follows a redirect and returns the page it leads to. */
const follow = async (response: Response) => {
  expect(response.status).toBe(302)
  return page(response.headers.get('location')!)
}

/** A fresh cart (a new cookie) with these items. */
async function newCart(items: [string, number][]) {
  jar.clear()
  for (const [sku, quantity] of items) await post('/cart/add', { sku, quantity: String(quantity) })
}
async function checkout(payment: string, key: string) {
  return post('/checkout', { name: 'Ольга', phone: '+7 916 555 44 33', payment, idempotencyKey: `storefront-delivery-${key}` })
}
/** Places the order and returns it with the order page the customer lands on. */
async function place(payment: string, key: string) {
  const placed = await checkout(payment, key)
  const location = placed.headers.get('location')!
  expect(location).toMatch(/^\/orders\//)
  return { order: (await shop.orders.get(location.split('/').pop()!))!, page: await page(location) }
}
const cartId = () => decodeURIComponent(jar.get('ordo_cart')!)
async function optionOf(methodType: string, carrier: string, city = 'Москва') {
  const quote = await shop.delivery.quote(cartId(), { city })
  return quote.options.find((o) => o.methodType === methodType && o.carrier === carrier)!
}

test('door delivery by the shop’s courier: a time slot and try-on, priced into the breakdown, on the order', async () => {
  await newCart([['TEE-BASIC-BLACK-M', 1]])
  const choices = await page('/cart?city=Москва&postalCode=101000')
  expect(choices).toContain('Курьером до двери')
  expect(choices).toContain('Курьер магазина')
  expect(choices).toContain('В пункт выдачи')
  expect(choices).toContain('На Мясницкой')
  // Slots start after the ship date; the 9 March holiday is already behind.
  const slot = /<option value="(2026-03-\d\d@14:00-18:00)"/.exec(choices)![1]!
  const chosen = await follow(await post('/cart/delivery', { optionId: 'own:msk', city: 'Москва', postalCode: '101000', street: 'Покровка, 5, кв. 2', slot, tryOn: 'on' }))
  expect(chosen).toContain('data-chosen="own:msk"')
  expect(chosen).toMatch(/data-delivery-total="35000"/)
  expect(chosen).toMatch(/Итого<\/th><th class="num">1\s?340,00\s₽/)

  const { order, page: orderPage } = await place('cash_on_delivery', 'door-1')
  expect(orderPage).toContain('14:00–18:00')
  const [shipment] = await shop.shipments.forOrder(order.id)
  expect(shipment).toMatchObject({ carrier: 'own', methodType: 'courier_door', slot: { id: slot }, services: { tryOn: true }, codAmount: 99_000 + 35_000 })
  expect(shipment!.address).toMatchObject({ city: 'Москва', street: 'Покровка, 5, кв. 2' })
})

test('a CDEK pickup point chosen from the list, with its address, hours and what it accepts', async () => {
  await newCart([['HOODIE-ZIP-GREY-M', 1]])
  const choices = await page('/cart?city=Санкт-Петербург')
  expect(choices).not.toContain('Курьер магазина')
  expect(choices).toContain('Невский пр., 28')
  expect(choices).toContain('Пн-Пт 10:00-21:00')
  expect(choices).toContain('data-no-cod="SPB118"')
  const option = await optionOf('pickup_point', 'cdek', 'Санкт-Петербург')
  expect(choices).toContain(`data-option="${option.id}"`)
  const chosen = await follow(await post('/cart/delivery', { optionId: option.id, city: 'Санкт-Петербург', postalCode: '', pickupPointId: 'SPB3' }))
  expect(chosen).toContain('На Невском')
  expect(chosen).toMatch(new RegExp(`data-delivery-total="${option.price}"`))
  const { order: placed, page: orderPage } = await place('cash_on_delivery', 'point-1')
  expect(orderPage).toContain('На Невском')
  expect(placed.totals.deliveryTotal).toBe(option.price)
  expect((await shop.shipments.forOrder(placed.id))[0]).toMatchObject({ carrier: 'cdek', pickupPoint: { id: 'SPB3' } })
})

test('showroom pickup, paid at the showroom', async () => {
  await newCart([['CAP-BASEBALL-RED-M', 1]])
  const choices = await page('/cart?city=Москва')
  expect(choices).toContain('Самовывоз из шоурума')
  expect(choices).toContain('ул. Покровка, 17')
  await follow(await post('/cart/delivery', { optionId: 'showroom:pickup', city: 'Москва', pickupPointId: 'showroom' }))
  const { order: placed, page: orderPage } = await place('pay_at_pickup', 'showroom-1')
  expect(orderPage).toContain('Шоурум на Покровке')
  expect(placed).toMatchObject({ paymentMethod: 'pay_at_pickup', totals: { deliveryTotal: 0 } })
  expect((await shop.shipments.forOrder(placed.id))[0]).toMatchObject({ carrier: 'showroom', methodType: 'showroom_pickup' })
})

test('cash on delivery at a parcel locker that takes none is refused with a message, and no order is placed', async () => {
  await newCart([['SOCKS-SPORT-RED-M', 1]])
  const locker = await optionOf('parcel_locker', 'cdek')
  await follow(await post('/cart/delivery', { optionId: locker.id, city: 'Москва', pickupPointId: 'MSK2241' }))
  const response = await checkout('cash_on_delivery', 'locker-cod-1')
  expect(response.headers.get('location')).toMatch(/^\/cart\?/)
  const refused = await follow(response)
  expect(refused).toContain('class="error"')
  expect(refused).toContain('Здесь не принимают наложенный платёж')
  expect((await shop.carts.get(cartId())).status).toBe('active')

  // Choosing a locker once COD is on the cart is refused at the delivery step itself.
  const point = await optionOf('pickup_point', 'cdek')
  await follow(await post('/cart/delivery', { optionId: point.id, city: 'Москва', pickupPointId: 'MSK12' }))
  await shop.carts.setPayment(cartId(), { method: 'cash_on_delivery' })
  const again = await follow(await post('/cart/delivery', { optionId: locker.id, city: 'Москва', pickupPointId: 'MSK2241' }))
  expect(again).toContain('Здесь не принимают наложенный платёж')
  expect(again).toContain('data-chosen="' + point.id + '"')
})

test('back office: pack, register at CDEK, the carrier moves the parcel, a poll moves the order; the outcome form shrinks cash on delivery', async () => {
  await newCart([['JEANS-SLIM-BLUE-M', 1], ['SOCKS-EVERYDAY-BLACK-M', 2]])
  const point = await optionOf('pickup_point', 'cdek')
  await follow(await post('/cart/delivery', { optionId: point.id, city: 'Москва', pickupPointId: 'MSK12', tryOn: 'on' }))
  const { order } = await place('cash_on_delivery', 'backoffice-1')
  const adminPage = `/admin/orders/${order.id}`

  for (const transition of ['confirm', 'start_picking']) {
    const current = (await shop.orders.get(order.id))!
    await post(`/admin/orders/${order.id}/transition`, { transition, version: String(current.version), back: adminPage })
  }
  const [shipment] = await shop.shipments.forOrder(order.id)
  expect(await follow(await post(`/admin/shipments/${shipment!.id}/pack`, { weightGrams: '900' }))).toContain('data-shipment-status="ready_to_ship"')
  const registered = await follow(await post(`/admin/shipments/${shipment!.id}/register`, {}))
  const tracking = (await shop.shipments.get(shipment!.id))!.trackingNumber!
  expect(tracking).toBeTruthy()
  expect(registered).toContain(tracking)
  expect(registered).toContain('data-shipment-status="registered"')
  const label = await request(`/admin/shipments/${shipment!.id}/label.pdf`)
  expect(label.headers.get('content-type')).toBe('application/pdf')
  expect(new TextDecoder().decode(await label.arrayBuffer()).startsWith('%PDF')).toBe(true)

  // The parcel reaches the point at CDEK; nothing changes here until we ask.
  await post(`/admin/shipments/${shipment!.id}/demo-advance`, { status: 'at_pickup_point' })
  expect((await shop.orders.get(order.id))!.status).not.toBe('ready_for_pickup')
  clock.advance(31 * 60_000)
  const polled = await follow(await post('/admin/track', { back: adminPage }))
  expect(polled).toContain('обновлено 1')
  expect(polled).toContain('data-shipment-status="at_pickup_point"')
  expect(polled).toContain('[ACCEPTED_AT_PICK_UP_POINT]')
  expect((await shop.orders.get(order.id))!.status).toBe('ready_for_pickup')
  expect(await page(`/orders/${order.id}`)).toContain(tracking)

  // The customer tries on and keeps the jeans, refusing both pairs of socks.
  const jeans = order.lines.find((l) => l.sku === 'JEANS-SLIM-BLUE-M')!
  const socks = order.lines.find((l) => l.sku === 'SOCKS-EVERYDAY-BLACK-M')!
  const codBefore = (await shop.shipments.get(shipment!.id))!.codAmount
  expect(codBefore).toBe(order.totals.total)
  const after = await follow(await post(`/admin/shipments/${shipment!.id}/outcome`, { [`kept:${jeans.id}`]: '1', [`kept:${socks.id}`]: '0', reason: 'не подошёл размер' }))
  expect((await shop.shipments.get(shipment!.id))!.codAmount).toBe(codBefore - socks.total)
  expect(after).toContain(`data-cod="${codBefore - socks.total}"`)
  expect((await shop.payments.forOrder(order.id)).state.due).toBe(codBefore - socks.total)

  const [, back] = await shop.shipments.forOrder(order.id)
  expect(back).toMatchObject({ direction: 'return', status: 'returning' })
  expect(after).toContain('Получен на складе')
  const received = await follow(await post(`/admin/shipments/${back!.id}/receive-return`, {}))
  expect(received).toContain('возвращён на склад')
  expect((await shop.shipments.get(back!.id))!.status).toBe('returned')
})
