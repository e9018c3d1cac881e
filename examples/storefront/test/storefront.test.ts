import { createCommerce, type Commerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createApp } from '../src/app.js'
import { seedDemoShop } from '../src/seed.js'
import { CookieJar } from './cookie-jar.js'

let shop: Commerce
let app: ReturnType<typeof createApp>
const jar = new CookieJar()

beforeAll(async () => {
  shop = await createCommerce({ storage: sqliteStorage({ filename: ':memory:' }), currency: 'RUB' })
  expect(await seedDemoShop(shop)).toMatchObject({ products: 25, skus: 292 })
  expect(await seedDemoShop(shop)).toBeUndefined()
  app = createApp(shop)
})
afterAll(() => shop.close())

async function request(path: string, init: RequestInit = {}) {
  const response = await app.request(path, { ...init, headers: { ...(init.headers ?? {}), cookie: jar.header() }, redirect: 'manual' })
  jar.store(response)
  return response
}
const post = (path: string, form: Record<string, string>) =>
  request(path, { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } })

test('the catalog lists products by category with prices', async () => {
  const home = await (await request('/')).text()
  expect(home).toContain('Футболка Basic')
  expect(home).toMatch(/от 990,00\s₽/)
  const tree = await shop.catalog.categoryTree()
  const socks = tree.flatMap((n) => n.children).find((n) => n.slug === 'socks')!
  const page = await (await request(`/?category=${socks.id}`)).text()
  expect(page).toContain('Носки Everyday')
  expect(page).not.toContain('Футболка Basic')
})

test('a visitor fills a cart, sees the breakdown with the promotion, and places an order a manager confirms', async () => {
  expect((await post('/cart/add', { sku: 'SOCKS-EVERYDAY-WHITE-M', quantity: '3' })).status).toBe(302)
  await post('/cart/add', { sku: 'TEE-BASIC-BLACK-M', quantity: '1' })
  const cart = await (await request('/cart')).text()
  expect(cart).toContain('3 пары носков по цене 2')
  expect(cart).toMatch(/Итого/)
  const placed = await post('/checkout', { name: 'Анна', phone: '8 916 123 45 67', city: 'Москва', street: 'Покровка, 1', idempotencyKey: 'storefront-test-1' })
  expect(placed.status).toBe(302)
  const location = placed.headers.get('location')!
  expect(location).toMatch(/^\/orders\//)
  const orderPage = await (await request(location)).text()
  expect(orderPage).toMatch(/Заказ № \d{6}/)

  const board = await (await request('/admin/orders')).text()
  expect(board).toContain('Анна')
  const orderId = location.split('/').pop()!
  const order = (await shop.orders.get(orderId))!
  const confirm = (await shop.orders.allowedTransitions(orderId)).find((t) => t.allowed && t.name === 'confirm')!
  expect(confirm).toBeDefined()
  expect((await post(`/admin/orders/${orderId}/transition`, { transition: 'confirm', version: String(order.version) })).status).toBe(302)
  expect((await shop.orders.get(orderId))!.status).not.toBe(order.status)
})

test('a bad coupon shows the reason on the cart page', async () => {
  const response = await post('/cart/coupon', { code: 'NOPE' })
  const page = await (await request(response.headers.get('location')!)).text()
  expect(page).toContain('class="error"')
})
