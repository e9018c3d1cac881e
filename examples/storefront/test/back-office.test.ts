import { createCommerce, type Commerce } from '@ordo/core'
import { yookassa } from '@ordo/payment-yookassa'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { startYooKassaFake, type YooKassaFake } from '@ordo/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createApp } from '../src/app.js'
import { DEMO_SELLER, demoPaymentMethods } from '../src/payment-config.js'
import { seedDemoShop } from '../src/seed.js'

let shop: Commerce
let fake: YooKassaFake
let app: ReturnType<typeof createApp>
/** The browser's cookies, by name. */
let jar = new Map<string, string>()

beforeAll(async () => {
  fake = await startYooKassaFake()
  const provider = yookassa({ shopId: fake.shopId, secretKey: fake.secretKey, baseUrl: fake.url, allowedIps: null, returnUrl: 'http://shop.test/payment/return' })
  shop = await createCommerce({
    storage: sqliteStorage({ filename: ':memory:' }),
    currency: 'RUB',
    payments: { providers: [provider], methods: demoPaymentMethods(provider.id), seller: DEMO_SELLER },
  })
  await seedDemoShop(shop)
  app = createApp(shop, {
    publicUrl: 'http://shop.test',
    deliverDemoNotification: async (id) => {
      await shop.payments.handleWebhook(provider.id, await fake.control.webhookFor(id))
    },
  })
})
afterAll(async () => {
  await shop.close()
  await fake.close()
})

async function request(path: string, init: RequestInit = {}) {
  const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
  const response = await app.request(path, { ...init, headers: { ...(init.headers ?? {}), cookie }, redirect: 'manual' })
  for (const set of response.headers.getSetCookie()) {
    const [pair] = set.split(';')
    const at = pair!.indexOf('=')
    jar.set(pair!.slice(0, at), pair!.slice(at + 1))
  }
  return response
}
const page = async (path: string) => (await request(path)).text()
const post = (path: string, form: Record<string, string>) =>
  request(path, { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } })
const follow = async (response: Response) => {
  expect(response.status).toBe(302)
  return page(response.headers.get('location')!)
}
/** A new visitor with these items in the cart, who checks out with this payment method; returns the order id and where checkout sent them. */
async function order(sku: string, payment: string, extra: Record<string, string> = {}) {
  jar = new Map()
  await post('/cart/add', { sku, quantity: '1' })
  const placed = await post('/checkout', { name: 'Олег', phone: '+7 916 222 33 44', city: 'Москва', street: 'Тверская, 7', payment, idempotencyKey: crypto.randomUUID(), ...extra })
  expect(placed.status, await placed.clone().text()).toBe(302)
  const location = placed.headers.get('location')!
  const placedOrder = (await shop.orders.list({ limit: 1 })).items[0]!
  return { id: placedOrder.id, location }
}
/** The product cards of a catalog page, by handle. */
const productsOn = (html: string) => [...html.matchAll(/data-product="([^"]+)"/g)].map((m) => m[1]!)

describe('storefront', () => {
  test('Russian by default; ?lang=en switches to English and the cookie keeps it; ?lang=ru switches back', async () => {
    jar = new Map()
    const ru = await page('/')
    expect(ru).toContain('<html lang="ru">')
    expect(ru).toContain('<h1>Каталог</h1>')
    expect(ru).toContain('href="/?lang=en"')
    expect(ru).toMatch(/от 990,00\s₽/)

    const en = await page('/?lang=en')
    expect(en).toContain('<html lang="en">')
    expect(en).toContain('<h1>Catalog</h1>')
    expect(en).toMatch(/from RUB\s990\.00/)
    expect(jar.get('lang')).toBe('en')
    // The next page, with no query, stays English; the cart too.
    expect(await page('/cart')).toContain('Your cart is empty.')
    await post('/cart/add', { sku: 'TEE-BASIC-BLACK-M', quantity: '1' })
    const cart = await page('/cart')
    expect(cart).toContain('Show delivery options')
    expect(cart).toMatch(/Place the order for RUB\s990\.00/)
    expect(cart).not.toContain('Оформить заказ')
    expect(await page('/?lang=ru')).toContain('<h1>Каталог</h1>')
    expect(await page('/cart')).toContain('Показать способы доставки')
    // A language the shop does not have falls back to Russian.
    jar = new Map()
    expect(await page('/?lang=de')).toContain('<h1>Каталог</h1>')
  })

  test('the catalog filters by category and by several values of the filterable attributes', async () => {
    jar = new Map()
    const all = productsOn(await page('/'))
    expect(all).toHaveLength(25)
    // Green or red, in XXL: the oversize tee and the zip hoodie come in green XXL; nothing red comes in XXL.
    const greenOrRedXxl = productsOn(await page('/?color=green&color=red&size=XXL'))
    expect(greenOrRedXxl.sort()).toEqual(['hoodie-zip', 'tee-oversize'])
    expect(productsOn(await page('/?color=red&size=XXL'))).toEqual([])
    expect(await page('/?color=red&size=XXL')).toContain('Ничего не нашлось')

    const tree = await shop.catalog.categoryTree()
    const accessories = tree.find((n) => n.slug === 'accessories')!
    const caps = accessories.children.find((n) => n.slug === 'caps')!
    // A parent category shows its subcategories' products; filters stay when the category changes.
    expect(productsOn(await page(`/?category=${accessories.id}`)).sort()).toEqual(['backpack', 'beanie', 'cap-baseball', 'tote-bag'])
    const redAccessories = await page(`/?category=${accessories.id}&color=red`)
    expect(productsOn(redAccessories).sort()).toEqual(['beanie', 'cap-baseball'])
    expect(redAccessories).toContain(`href="/?color=red&amp;category=${caps.id}"`)
    expect(redAccessories).toMatch(/name="color" value="red" checked/)
    // An unknown value is ignored rather than matching nothing.
    expect(productsOn(await page('/?color=purple'))).toHaveLength(25)
  })
})

describe('back office', () => {
  test('the board groups orders by the machine’s status groups, with the transitions it allows as buttons', async () => {
    const { id } = await order('TEE-BASIC-BLACK-M', 'cash_on_delivery')
    const placed = (await shop.orders.get(id))!
    const board = await page('/admin/orders')
    const machine = shop.machines.get('order')!
    const group = machine.states[placed.status]!.group!
    const column = board.split(`data-group="${group}"`)[1]!.split('data-group=')[0]!
    expect(column).toContain(`№ ${placed.number}`)
    for (const transition of await shop.orders.allowedTransitions(id)) {
      expect(column).toContain(`data-transition="${transition.name}"`)
    }
    expect(board).toContain('data-admin-nav')

    // A button pressed on a stale page is refused with the reason, and nothing moves.
    await shop.orders.assignManager(id, { managerId: 'manager:other', actor: 'manager:other' })
    const stale = await follow(await post(`/admin/orders/${id}/transition`, { transition: 'confirm', version: String(placed.version), back: '/admin/orders' }))
    expect(stale).toContain('class="error"')
    expect((await shop.orders.get(id))!.status).toBe(placed.status)
  })

  test('the order page logs calls (a "confirmed" call confirms) and cancels with a reason and a note', async () => {
    const { id } = await order('SOCKS-SPORT-WHITE-M', 'cash_on_delivery')
    const adminPage = `/admin/orders/${id}`
    const noAnswer = await follow(await post(`/admin/orders/${id}/call`, { outcome: 'no_answer', note: 'гудки' }))
    expect(noAnswer).toContain('data-calls="1"')
    expect(noAnswer).toContain('не ответил')
    expect(noAnswer).toContain('гудки')
    const confirmed = await follow(await post(`/admin/orders/${id}/call`, { outcome: 'confirmed' }))
    expect(confirmed).toContain('data-calls="2"')
    expect((await shop.orders.get(id))!.status).toBe('confirmed')
    expect(confirmed).toContain('data-status="confirmed"')

    const cancel = (await shop.orders.allowedTransitions(id)).find((t) => t.name === 'cancel')!
    expect(cancel.allowed).toBe(true)
    expect(confirmed).toContain('data-transition="cancel"')
    const current = (await shop.orders.get(id))!
    const cancelled = await follow(
      await post(`/admin/orders/${id}/transition`, { transition: 'cancel', version: String(current.version), reason: 'out_of_stock', note: 'нет на складе', back: adminPage }),
    )
    expect(cancelled).toContain('data-status="cancelled"')
    expect(cancelled).toContain('нет в наличии')
    expect((await shop.orders.get(id))!).toMatchObject({ status: 'cancelled', cancelReason: 'out_of_stock' })
    expect(await page(`/orders/${id}`)).toContain('Отменён')
  })

  test('a card hold is captured from the order page, and part of it refunded', async () => {
    const { id, location } = await order('HOODIE-CLASSIC-GREY-M', 'card_hold')
    expect(location.startsWith(fake.origin)).toBe(true)
    const pay = await fetch(`${location}/pay`, { method: 'POST', redirect: 'manual' })
    const back = new URL(pay.headers.get('location')!)
    await request(`${back.pathname}${back.search}`)
    const [held] = (await shop.payments.forOrder(id)).payments
    expect(held).toMatchObject({ status: 'authorized', captured: 0 })

    const adminPage = await page(`/admin/orders/${id}`)
    expect(adminPage).toContain(`action="/admin/payments/${held!.id}/capture"`)
    const captured = await follow(await post(`/admin/payments/${held!.id}/capture`, { amount: '' }))
    const total = (await shop.orders.get(id))!.totals.total
    expect((await shop.payments.get(held!.id))!).toMatchObject({ status: 'captured', captured: total })
    expect(captured).toContain(`action="/admin/payments/${held!.id}/refund"`)
    expect(captured).not.toContain(`action="/admin/payments/${held!.id}/capture"`)

    const missing = await follow(await post(`/admin/payments/${held!.id}/refund`, { amount: '', reason: 'брак' }))
    expect(missing).toContain('Укажите сумму возврата')
    const refunded = await follow(await post(`/admin/payments/${held!.id}/refund`, { amount: '50000', reason: 'брак' }))
    expect(refunded).toContain('Возвращено')
    expect((await shop.payments.get(held!.id))!).toMatchObject({ status: 'partially_refunded', refunded: 50_000 })
    // More than is left to refund is refused by the engine and shown.
    const tooMuch = await follow(await post(`/admin/payments/${held!.id}/refund`, { amount: String(total), reason: 'брак' }))
    expect(tooMuch).toContain('class="error"')
    expect((await shop.payments.get(held!.id))!.refunded).toBe(50_000)
  })

  test('a company pays by invoice: issued at checkout with its requisites, printable, recorded as paid from the back office', async () => {
    const bad = await order('BACKPACK-BLACK-M', 'invoice', { buyerName: 'ООО «Опечатка»', buyerTaxId: '7701000018' })
    const refused = await page(bad.location)
    expect(bad.location).toContain('error=')
    expect(refused).toContain('data-invoice-buyer')
    expect(await shop.payments.invoices(bad.id)).toEqual([])
    // The customer fixes the ИНН on the order page.
    const fixed = await follow(await post(`/orders/${bad.id}/invoice`, { buyerName: 'ООО «Опечатка»', buyerTaxId: '7702000011' }))
    const [invoice] = await shop.payments.invoices(bad.id)
    expect(invoice).toMatchObject({ buyer: { taxId: '7702000011' }, status: 'issued' })
    expect(fixed).toContain(`data-invoice="${invoice!.number}"`)
    expect(fixed).not.toContain('data-invoice-buyer')

    const document = await page(`/orders/${bad.id}/invoices/${invoice!.id}`)
    expect(document).toContain(`Счёт на оплату № ${invoice!.number}`)
    expect(document).toContain(DEMO_SELLER.bank.account)
    expect(document).toContain(`data-invoice-total="${(await shop.orders.get(bad.id))!.totals.total}"`)

    const adminPage = await page(`/admin/orders/${bad.id}`)
    expect(adminPage).toContain('data-record-cash')
    const total = (await shop.orders.get(bad.id))!.totals.total
    await follow(await post(`/admin/orders/${bad.id}/cash`, { amount: String(total) }))
    expect((await shop.payments.forOrder(bad.id)).state.status).toBe('paid')
  })
})
