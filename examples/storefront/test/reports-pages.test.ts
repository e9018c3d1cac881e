import { createCommerce, type Commerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createApp } from '../src/app.js'
import { settle } from '../src/background.js'
import { DEMO_LOYALTY } from '../src/loyalty-config.js'
import { reportPeriod } from '../src/reports-page.js'
import { seedDemoShop } from '../src/seed.js'
import { CookieJar } from './cookie-jar.js'

let shop: Commerce
let app: ReturnType<typeof createApp>
const jar = new CookieJar()

beforeAll(async () => {
  shop = await createCommerce({
    storage: sqliteStorage({ filename: ':memory:' }),
    currency: 'RUB',
    payments: { methods: [{ code: 'cash_on_delivery', type: 'cash_on_delivery', label: 'Наложенный платёж' }] },
    loyalty: DEMO_LOYALTY,
  })
  await seedDemoShop(shop)
  app = createApp(shop, { loyalty: DEMO_LOYALTY })
})
afterAll(async () => {
  await shop.close()
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
/** The count a bar of an SVG chart (`data-chart`) shows for `bar`. */
function barCount(html: string, chart: string, bar: string): number {
  const svg = new RegExp(`<svg[^>]*data-chart="${chart}"[\\s\\S]*?</svg>`).exec(html)?.[0]
  expect(svg, `chart ${chart}`).toBeDefined()
  const match = new RegExp(`data-bar="${bar}" data-count="(\\d+)"`).exec(svg!)
  expect(match, `bar ${bar} of ${chart}`).not.toBeNull()
  return Number(match![1])
}
/** Today in Moscow, `2026-03-01`: the revenue chart's column of orders placed now. */
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(new Date())

/** A new visitor lands from an ad, looks at a product and orders it with cash on delivery; returns the order. */
async function visitAndOrder(sku: string, contact: { name: string; phone: string; email: string }) {
  jar.clear()
  await page('/?utm_source=vk&utm_medium=cpc&utm_campaign=autumn')
  const product = await shop.catalog.getProduct((await shop.catalog.listProducts({ limit: 1 })).items[0]!.handle)
  expect(await page(`/p/${product!.handle}`)).toContain(product!.name)
  expect((await post('/cart/add', { sku, quantity: '1' })).headers.get('location')).toBe('/cart')
  const cart = (await shop.carts.get(decodeURIComponent(jar.get('ordo_cart')!)))!
  const placed = await post('/checkout', { ...contact, city: 'Москва', street: 'Тверская, 7', payment: 'cash_on_delivery', idempotencyKey: crypto.randomUUID() })
  expect(placed.status, await placed.clone().text()).toBe(302)
  const order = (await shop.orders.list({ limit: 1 })).items[0]!
  return { order, cart }
}

describe('reports dashboard and customers', () => {
  test('with no orders every section renders its empty state', async () => {
    const html = await page('/admin/reports')
    expect(html).toContain('data-empty-period')
    for (const bar of ['visits', 'carts', 'orders', 'paid', 'delivered']) expect(barCount(html, 'funnel', bar)).toBe(0)
    expect(html).toContain('Продаж за период нет')
    expect(html).toContain('Отмен за период нет.')
    expect(html).toContain('ни одно отправление не было вручено')
    expect(html).toContain('data-figure="revenue" data-value="0"')
    // Last 7 days by default: one column per day, today's last.
    const days = [...html.matchAll(/data-day="([^"]+)"/g)].map((m) => m[1])
    expect(days).toHaveLength(7)
    expect(days.at(-1)).toBe(today())
    expect(await page('/admin/customers')).toContain('Клиентов ещё нет')
  })

  test('page views are visits and the cart belongs to the session; the order shows in the funnel, the revenue and the status groups', async () => {
    const { order, cart } = await visitAndOrder('SOCKS-SPORT-BLACK-M', { name: 'Вера Петрова', phone: '+7 916 700-11-22', email: 'Vera@Example.ru' })
    expect(cart.sessionId).toBe(jar.get('ordo_session'))
    // The cart has no UTM tags of its own: it takes the channel the session's landing page came from.
    expect(cart.channel).toMatchObject({ source: 'vk', medium: 'cpc', campaign: 'autumn' })
    await settle(shop)

    const html = await page('/admin/reports')
    expect(html).not.toContain('data-empty-period')
    expect(barCount(html, 'funnel', 'visits')).toBe(1)
    expect(barCount(html, 'funnel', 'carts')).toBe(1)
    expect(barCount(html, 'funnel', 'orders')).toBe(1)
    expect(barCount(html, 'funnel', 'paid')).toBe(0)
    expect(html).toContain(`data-day="${today()}" data-revenue="${order.totals.total}" data-orders="1"`)
    expect(html).toContain(`data-figure="revenue" data-value="${order.totals.total}"`)
    expect(html).toContain(`data-figure="aov" data-value="${order.totals.total}"`)
    // One bar per status group: the new order is in its status's group.
    const group = (await shop.orders.board()).statuses.find((s) => s.status === order.status)!.group!
    expect(barCount(html, 'status-groups', group)).toBe(1)

    const csv = await request('/admin/reports/csv/sales?days=7')
    expect(csv.headers.get('content-type')).toContain('text/csv')
    const lines = (await csv.text()).trim().split('\r\n')
    expect(lines[0]!.split(',').slice(0, 3)).toEqual(['period', 'source', 'medium'])
    expect(lines).toHaveLength(8)
    expect(lines.find((l) => l.startsWith(today()))!.split(',')).toContain(String(order.totals.total))
    const channels = await (await request('/admin/reports/csv/channels')).text()
    expect(channels).toContain('vk,cpc')

    // 30 days: thirty columns, the order still in today's.
    const month = await page('/admin/reports?days=30')
    expect([...month.matchAll(/data-day="/g)]).toHaveLength(30)
    expect(month).toContain(`data-day="${today()}" data-revenue="${order.totals.total}"`)
    expect(month).toContain('<a href="/admin/reports?days=30" class="current" data-period="30">')
    expect(month).toContain('<a href="/admin/reports?days=7" data-period="7">')
  })

  test('a cancelled order moves to the cancellations by reason and leaves the revenue', async () => {
    const before = await page('/admin/reports')
    const revenue = Number(/data-figure="revenue" data-value="(\d+)"/.exec(before)![1])
    const { order } = await visitAndOrder('SOCKS-SPORT-BLACK-M', { name: 'Пётр', phone: '+7 916 700-33-44', email: 'petr@example.ru' })
    const cancelled = await post(`/admin/orders/${order.id}/transition`, { transition: 'cancel', reason: 'out_of_stock', version: String(order.version), back: '/admin/orders' })
    expect(cancelled.headers.get('location')).toBe('/admin/orders')
    await settle(shop)
    const html = await page('/admin/reports')
    expect(html).toContain('data-reason="out_of_stock"')
    expect(html).toContain('нет в наличии')
    expect(html).toContain('data-cancelled="1"')
    expect(html).toContain(`data-figure="revenue" data-value="${revenue}"`)
    expect(barCount(html, 'funnel', 'orders')).toBe(2)
    expect(barCount(html, 'status-groups', 'cancel')).toBe(1)
  })

  test('customers are searched by name, phone and e-mail; the customer page shows the order in the timeline and takes notes, calls and tasks', async () => {
    const vera = (await shop.customers.findByContact({ phone: '+79167001122' }))!
    expect(vera.name).toBe('Вера Петрова')
    for (const query of ['Петрова', '8 916 700 11 22', '7001122', 'VERA@example']) {
      const found = await page(`/admin/customers?q=${encodeURIComponent(query)}`)
      expect(found, query).toContain(`data-customer="${vera.id}"`)
      expect(found, query).not.toContain('Пётр<')
    }
    expect(await page('/admin/customers?q=nobody-here')).toContain('Никого не нашлось')
    const all = await page('/admin/customers')
    expect(all).toContain('data-customers="2"')

    const order = (await shop.orders.list({ limit: 10 })).items.find((o) => o.customerId === vera.id)!
    // The admin order page links its customer.
    expect(await page(`/admin/orders/${order.id}`)).toContain(`href="/admin/customers/${vera.id}" data-customer-link`)

    const customerPage = await page(`/admin/customers/${vera.id}`)
    expect(customerPage).toContain('data-contact="+79167001122"')
    expect(customerPage).toContain('data-points-active="0"')
    expect(customerPage).toContain('data-contact="vera@example.ru"')
    // The RFM job ran with the background work after the order.
    const rfm = (await shop.crm.rfm(vera.id))!
    expect(customerPage).toContain(`<tr data-rfm="${rfm.score}">`)
    expect(customerPage).toContain('заказов 1 на 349,00')
    expect(customerPage).toMatch(new RegExp(`data-timeline-kind="order" data-timeline-id="${order.id}"[\\s\\S]*?Заказ № ${order.number}`))

    const noted = await follow(await post(`/admin/customers/${vera.id}/notes`, { body: 'Любит носки без резинки' }))
    expect(noted).toContain('Заметка добавлена.')
    expect(noted).toMatch(/data-timeline-kind="note"[^>]*>[\s\S]*?Любит носки без резинки/)

    const called = await follow(await post(`/admin/customers/${vera.id}/calls`, { direction: 'out', outcome: 'call_back_later', minutes: '2', orderId: order.id, note: 'Перезвонить вечером' }))
    expect(called).toContain('Звонок записан.')
    expect(called).toMatch(/data-timeline-kind="call"[^>]*>[\s\S]*?исходящий звонок, просил перезвонить, 2 мин[\s\S]*?Перезвонить вечером/)

    const tasked = await follow(await post(`/admin/customers/${vera.id}/tasks`, { title: 'Перезвонить Вере', dueAt: '2030-01-15T18:30', assignee: 'anna' }))
    expect(tasked).toContain('Задача «Перезвонить Вере» поставлена на 15.01.2030, 18:30:00.')
    const [task] = await shop.crm.tasks({ customerId: vera.id })
    expect(task!.dueAt.toISOString()).toBe('2030-01-15T15:30:00.000Z')
    const done = await follow(await post(`/admin/customers/${vera.id}/tasks/${task!.id}/done`, {}))
    expect(done).toContain('Задача выполнена.')
    expect((await shop.crm.tasks({ customerId: vera.id }))[0]!.doneBy).toBe('manager:demo')

    // Newest first: the task, the call, the note, then the order.
    const kinds = [...done.matchAll(/data-timeline-kind="(\w+)"/g)].map((m) => m[1])
    expect(kinds.indexOf('task')).toBeLessThan(kinds.indexOf('call'))
    expect(kinds.indexOf('call')).toBeLessThan(kinds.indexOf('note'))
    expect(kinds.indexOf('note')).toBeLessThan(kinds.indexOf('order'))

    // What the engine refuses comes back with its reason, and nothing is written.
    const refused = await follow(await post(`/admin/customers/${vera.id}/notes`, { body: '   ' }))
    expect(refused).toContain('class="error"')
    const missingDue = await follow(await post(`/admin/customers/${vera.id}/tasks`, { title: 'Без срока', dueAt: '' }))
    expect(missingDue).toContain('Укажите срок задачи.')
    expect(await shop.crm.tasks({ customerId: vera.id })).toHaveLength(1)
  })

  test('the period is the last days in Moscow, today included', () => {
    // 21:30 UTC on 1 March is 00:30 on 2 March in Moscow.
    const period = reportPeriod(7, new Date('2026-03-01T21:30:00Z'))
    expect(new Date(period.from).toISOString()).toBe('2026-02-23T21:00:00.000Z')
    expect(new Date(period.to).toISOString()).toBe('2026-03-02T21:00:00.000Z')
    expect(period.timeZone).toBe('Europe/Moscow')
  })
})
