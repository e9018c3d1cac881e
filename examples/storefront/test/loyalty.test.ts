import { createCommerce, type Commerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { testClock, type TestClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createApp } from '../src/app.js'
import { settle as settleShop } from '../src/background.js'
import { deliveryConfig, startCouriers, type DemoCouriers } from '../src/delivery-config.js'
import { DEMO_LOYALTY } from '../src/loyalty-config.js'
import { seedDemoShop } from '../src/seed.js'
import { notifyConfig, startSms, type DemoSms } from '../src/sms-config.js'
import { CookieJar } from './cookie-jar.js'

let shop: Commerce
let clock: TestClock
let carriers: DemoCouriers
let sms: DemoSms
let app: ReturnType<typeof createApp>
const jar = new CookieJar()
/** What the running shop does in the background: deliver events, run due jobs. */
const settle = () => settleShop(shop)

const PHONE = '+7 916 555-44-33'
/** The customer the phone belongs to: the demo makes one the first time a phone is given. */
const customerId = async () => (await shop.customers.findByContact({ phone: PHONE }))!.id
const customerPoints = async () => `/customers/${await customerId()}/points`

beforeAll(async () => {
  // Tuesday 10 March 2026, 12:00 in Moscow.
  clock = testClock('2026-03-10T09:00:00Z')
  carriers = await startCouriers({}, { clock })
  sms = await startSms({})
  shop = await createCommerce({
    storage: sqliteStorage({ filename: ':memory:' }),
    currency: 'RUB',
    clock,
    payments: { methods: [{ code: 'cash_on_delivery', type: 'cash_on_delivery', label: 'Наложенный платёж' }] },
    delivery: deliveryConfig(carriers.couriers),
    loyalty: DEMO_LOYALTY,
    notify: notifyConfig(sms.gateway),
  })
  await seedDemoShop(shop)
  app = createApp(shop, { loyalty: DEMO_LOYALTY, demoClock: clock, reportDemoSms: sms.report! })
})
afterAll(async () => {
  await shop.close()
  await carriers.close()
  await sms.close()
})

async function request(path: string, init: RequestInit = {}) {
  const response = await app.request(path, { ...init, headers: { ...(init.headers ?? {}), cookie: jar.header() }, redirect: 'manual' })
  jar.store(response)
  return response
}
const page = async (path: string) => (await request(path)).text()
const post = (path: string, form: Record<string, string>) =>
  request(path, { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } })
const follow = async (response: Response) => {
  expect(response.status).toBe(302)
  return page(response.headers.get('location')!)
}
async function newCart(items: [string, number][]) {
  jar.clear()
  for (const [sku, quantity] of items) expect((await post('/cart/add', { sku, quantity: String(quantity) })).headers.get('location')).toBe('/cart')
}
/** Door delivery in Moscow by the shop's courier, cash on delivery; returns the order id. */
async function placeOrder(key: string) {
  const choices = await page('/cart?city=Москва&postalCode=101000')
  const slot = /<option value="(2026-\d\d-\d\d@14:00-18:00)"/.exec(choices)![1]!
  await follow(await post('/cart/delivery', { optionId: 'own:msk', city: 'Москва', postalCode: '101000', street: 'Покровка, 5, кв. 2', slot }))
  const placed = await post('/checkout', { name: 'Ольга', phone: PHONE, payment: 'cash_on_delivery', idempotencyKey: `storefront-loyalty-${key}` })
  const location = placed.headers.get('location')!
  expect(location).toMatch(/^\/orders\//)
  return location.split('/').pop()!
}
/** The manager's buttons, from confirmation to the courier handing the parcel over. */
async function deliver(orderId: string) {
  const back = `/admin/orders/${orderId}`
  for (const transition of ['confirm', 'start_picking']) {
    const current = (await shop.orders.get(orderId))!
    await post(`/admin/orders/${orderId}/transition`, { transition, version: String(current.version), back })
  }
  const [shipment] = await shop.shipments.forOrder(orderId)
  await post(`/admin/shipments/${shipment!.id}/pack`, { weightGrams: '1300' })
  await post(`/admin/shipments/${shipment!.id}/transition`, { transition: 'hand_over' })
  await post(`/admin/shipments/${shipment!.id}/transition`, { transition: 'deliver' })
  await settle()
}

let firstOrderId = ''

test('a completed order earns 5 % of the goods as pending points; the demo clock makes them active after the return window', async () => {
  await newCart([['HOODIE-ZIP-GREY-M', 2]])
  expect(await page('/cart')).toContain('data-points="guest"')
  firstOrderId = await placeOrder('first')
  const placedPage = await page(`/orders/${firstOrderId}`)
  expect(placedPage).toContain('После получения заказа начислим 5 % стоимости товаров баллами')
  expect(placedPage).not.toContain('data-points-earned')

  await deliver(firstOrderId)
  expect((await shop.orders.get(firstOrderId))!.group).toBe('complete')
  // 2 × 4 590 ₽ of goods (delivery is free from 5 000 ₽ and earns nothing anyway): 5 % = 459 points.
  const completedPage = await page(`/orders/${firstOrderId}`)
  expect(completedPage).toContain('data-points-earned="459"')
  expect(completedPage).toContain('data-points-status="pending"')
  expect(completedPage).toContain('станут доступны 24 марта 2026')
  expect(completedPage).toContain('data-balance-active="0" data-balance-pending="459"')
  expect(completedPage).toContain(`href="${await customerPoints()}"`)

  const statement = await page(await customerPoints())
  expect(statement).toContain('data-balance-active="0" data-balance-pending="459"')
  expect(statement).toContain('+459')
  expect(statement).toContain('data-entry-status="pending"')

  const moved = await follow(await post('/admin/demo/clock', { back: `/admin/orders/${firstOrderId}` }))
  expect(moved).toContain('часы переведены на 15 дней вперёд')
  expect(clock.now().toISOString()).toBe('2026-03-25T09:00:00.000Z')
  const after = await page(await customerPoints())
  expect(after).toContain('data-balance-active="459" data-balance-pending="0"')
  expect(after).toContain('data-entry-status="active"')
  expect(await page(`/orders/${firstOrderId}`)).toContain('уже доступны')
})

test('points are spent at checkout within the 30 % cap; more than the balance is refused with the reason; the breakdown shows the discount', async () => {
  await newCart([['SOCKS-SPORT-BLACK-M', 1]])
  // The customer gives their phone in another format: the same customer.
  const identified = await follow(await post('/cart/customer', { phone: '8 (916) 555-44-33' }))
  // 349 ₽ of goods: 30 % is 104,70 ₽, so 104 points at most.
  expect(identified).toContain('data-points-available="459" data-points-cap="104"')
  expect(identified).toContain('не больше 104 балла.')

  const capped = await follow(await post('/cart/points', { points: '300' }))
  expect(capped).toContain('data-points-redeemed="104"')
  expect(capped).toContain('data-points-discount="10400"')
  expect(capped).toContain('Баллы: −104,00')
  expect(capped).toMatch(/Итого<\/th><th class="num">245,00\s₽/)

  const refused = await follow(await post('/cart/points', { points: '1000' }))
  expect(refused).toContain('Недостаточно баллов: доступно 459 баллов.')
  expect(refused).toContain('data-points-redeemed="104"')

  const orderId = await placeOrder('second')
  const order = (await shop.orders.get(orderId))!
  expect(order.customerId).toBe(await customerId())
  expect((await shop.customers.get(order.customerId!))!.contacts.map((c) => c.value)).toEqual(['+79165554433'])
  expect(order.totals.discountTotal).toBeGreaterThanOrEqual(10_400)
  const orderPage = await page(`/orders/${orderId}`)
  expect(orderPage).toContain('data-points-spent="104"')
  expect(orderPage).toContain('data-balance-active="355"')
  expect(orderPage).toContain('зарезервировано заказами 104 балла')
})

test('the back office lists the order’s messages with text and status; the operator’s delivery report moves an SMS to delivered', async () => {
  await settle()
  const admin = await page(`/admin/orders/${firstOrderId}`)
  const number = (await shop.orders.get(firstOrderId))!.number
  expect(admin).toContain('<h2>Сообщения</h2>')
  expect(admin).toContain('data-message="order_placed"')
  expect(admin).toMatch(new RegExp(`Заказ ${number} принят, сумма 9\\s180\\s₽`))
  expect(admin).toContain('data-message="points_earned"')
  expect(admin).toContain(`За заказ ${number} начислены баллы: 459.`)
  expect(admin).toContain('+79165554433')
  expect(admin).not.toContain('data-message-status="queued"')

  const messages = await shop.notify.messages({ orderId: firstOrderId })
  const placed = messages.find((m) => m.template === 'order_placed')!
  expect(placed).toMatchObject({ channel: 'sms', status: 'sent', gateway: 'smsru' })
  const reported = await follow(await post(`/admin/messages/${placed.id}/demo-report`, { outcome: 'delivered' }))
  expect(reported).toContain('статусов обновлено: 1')
  expect((await shop.notify.get(placed.id))!.status).toBe('delivered')
  expect(reported).toContain('data-message-status="delivered"')
})
