import { createCommerce, type Commerce } from '@ordo/core'
import { yookassa } from '@ordo/payment-yookassa'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { startYooKassaFake, type YooKassaFake } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createApp } from '../src/app.js'
import { seedDemoShop } from '../src/seed.js'
import { CookieJar } from './cookie-jar.js'

let shop: Commerce
let fake: YooKassaFake
let app: ReturnType<typeof createApp>
const jar = new CookieJar()

beforeAll(async () => {
  fake = await startYooKassaFake()
  const provider = yookassa({ shopId: fake.shopId, secretKey: fake.secretKey, baseUrl: fake.url, allowedIps: null, returnUrl: 'http://shop.test/payment/return' })
  shop = await createCommerce({
    storage: sqliteStorage({ filename: ':memory:' }),
    currency: 'RUB',
    payments: {
      providers: [provider],
      methods: [
        { code: 'card', type: 'card_online', label: 'Картой онлайн', provider: provider.id },
        { code: 'cash_on_delivery', type: 'cash_on_delivery', label: 'Наложенный платёж' },
      ],
    },
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
  const response = await app.request(path, { ...init, headers: { ...(init.headers ?? {}), cookie: jar.header() }, redirect: 'manual' })
  jar.store(response)
  return response
}
const post = (path: string, form: Record<string, string>) =>
  request(path, { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } })
const checkout = (payment: string, key: string) =>
  post('/checkout', { name: 'Ivan', phone: '+7 916 000 11 22', city: 'Москва', street: 'Тверская, 1', payment, idempotencyKey: key })

test('a visitor pays by card on the YooKassa page and comes back to a paid order', async () => {
  await post('/cart/add', { sku: 'HOODIE-ZIP-GREY-M', quantity: '1' })
  const cartPage = await (await request('/cart')).text()
  expect(cartPage).toContain('Картой онлайн')
  const placed = await checkout('card', 'card-flow-1')
  const confirmationUrl = placed.headers.get('location')!
  expect(confirmationUrl.startsWith(fake.origin)).toBe(true)

  // The customer presses "Pay" on the provider's page and is sent back to the shop.
  const pay = await fetch(`${confirmationUrl}/pay`, { method: 'POST', redirect: 'manual' })
  const back = new URL(pay.headers.get('location')!)
  expect(back.pathname).toBe('/payment/return')
  const returned = await request(`${back.pathname}${back.search}`)
  const orderPage = await (await request(returned.headers.get('location')!)).text()
  expect(orderPage).toContain('data-payment="paid"')
  const orderId = back.searchParams.get('order')!
  expect((await shop.payments.forOrder(orderId)).state).toMatchObject({ status: 'paid' })
})

test('cash on delivery places the order with nothing to pay yet', async () => {
  await post('/cart/add', { sku: 'SOCKS-SPORT-BLACK-M', quantity: '2' })
  const placed = await checkout('cash_on_delivery', 'cod-flow-1')
  const location = placed.headers.get('location')!
  expect(location).toMatch(/^\/orders\//)
  const page = await (await request(location)).text()
  expect(page).toContain('data-payment="unpaid"')
  expect((await shop.orders.get(location.split('/').pop()!))!.paymentMethod).toBe('cash_on_delivery')
})

test('the webhook endpoint answers the provider and refuses a notification the API does not confirm', async () => {
  const response = await request('/webhooks/yookassa', {
    method: 'POST',
    body: JSON.stringify({ type: 'notification', event: 'payment.succeeded', object: { id: 'nonexistent-payment', status: 'succeeded' } }),
    headers: { 'content-type': 'application/json' },
  })
  expect(response.status).toBeGreaterThanOrEqual(400)
})
