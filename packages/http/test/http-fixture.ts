import { createCommerce, type Commerce, type CommerceConfig } from '@ordo/core'
import { cloudpayments } from '@ordo/payment-cloudpayments'
import { recordingSmsGateway, startCloudPaymentsFake, testClock, type CloudPaymentsFake, type RecordingSmsGateway, type TestClock } from '@ordo/testing'
import { Hono } from 'hono'
import { adminRoutes, apiKeyAuth, apiKeys, httpPlugin, storefrontRoutes, webhookRoutes, type StorefrontRouteOptions } from '../src/index.js'

export const SECRET = 'a-test-secret-of-at-least-32-characters!'
export const PHONE = '+79161234567'

export interface HttpShop {
  shop: Commerce
  app: Hono
  sms: RecordingSmsGateway
  payments: CloudPaymentsFake
  /** The engine's clock, which the storefront's order tokens read too. */
  clock: TestClock
  close(): Promise<void>
}

/**
 * A shop with a small catalog and stock, a CloudPayments fake as the card
 * provider, a recording SMS gateway and the three routers mounted under
 * `/store`, `/admin` and `/webhooks`. The client IP comes from `x-test-ip`.
 */
export async function httpShop(storage: CommerceConfig['storage'], options: { storefront?: Partial<StorefrontRouteOptions>; maxBodyBytes?: number } = {}): Promise<HttpShop> {
  const payments = await startCloudPaymentsFake({ publicId: 'pk_http', apiSecret: 'http_secret' })
  const sms = recordingSmsGateway()
  const clock = testClock('2026-03-10T09:00:00Z')
  const shop = await createCommerce({
    storage,
    currency: 'RUB',
    clock,
    notify: { sms },
    payments: {
      providers: [cloudpayments({ publicId: payments.publicId, apiSecret: payments.apiSecret, baseUrl: payments.url })],
      methods: [
        { code: 'card', type: 'card_online', provider: 'cloudpayments' },
        { code: 'cod', type: 'cash_on_delivery' },
        { code: 'pickup', type: 'pay_at_pickup' },
      ],
      retryBackoffMs: 1,
    },
    delivery: { showroomPickup: { locations: [{ code: 'main', city: 'Москва', address: 'ул. Арбат, 10' }] } },
    plugins: [httpPlugin()],
  })
  const tees = await shop.catalog.createCategory({ slug: 'tees', name: 'Футболки' })
  await shop.catalog.upsertProduct({
    handle: 'tee',
    name: 'Футболка',
    vatRate: 'vat22',
    paymentSubject: 'commodity',
    categoryIds: [tees.id],
    variants: [
      { sku: 'TEE-M', name: 'M', weightGrams: 180 },
      { sku: 'TEE-L', name: 'L', weightGrams: 190 },
    ],
  })
  await shop.catalog.upsertProduct({ handle: 'socks', name: 'Носки', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: 'SOCKS', weightGrams: 40 }] })
  await shop.catalog.setPrices([
    { priceListCode: 'base-RUB', sku: 'TEE-M', amount: 100_000 },
    { priceListCode: 'base-RUB', sku: 'TEE-L', amount: 120_000 },
    { priceListCode: 'base-RUB', sku: 'SOCKS', amount: 30_000 },
  ])
  const warehouse = await shop.inventory.createLocation({ code: 'main', name: 'Main', type: 'warehouse' })
  for (const [sku, delta] of [['TEE-M', 5], ['TEE-L', 2], ['SOCKS', 100]] as const) {
    const variant = await shop.catalog.getVariantBySku(sku)
    await shop.inventory.receive({ variantId: variant!.id, locationId: warehouse.id, delta, key: `seed-${sku}` })
  }
  const clientIp = (c: { req: { header(name: string): string | undefined } }) => c.req.header('x-test-ip') ?? '127.0.0.1'
  const common = { clientIp, ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}) }
  const app = new Hono()
  app.route('/store', storefrontRoutes(shop, { orderTokenSecret: SECRET, clock, ...common, ...options.storefront }))
  app.route('/admin', adminRoutes(shop, { auth: apiKeyAuth(apiKeys(shop)), ...common }))
  app.route('/webhooks', webhookRoutes(shop, common))
  return {
    shop,
    app,
    sms,
    payments,
    clock,
    async close() {
      await shop.close()
      await payments.close()
    },
  }
}

/** Sends a JSON request and reads the answer: status, headers and parsed body. */
export async function call(app: Hono, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await app.request(path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await response.text()
  let json: any = undefined
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = text
  }
  return { status: response.status, headers: response.headers, body: json }
}

/** A cart with two tees and socks, a contact and pickup at the showroom, ready for checkout. */
export async function readyCart(app: Hono, options: { payment?: string } = {}): Promise<string> {
  const cart = await call(app, 'POST', '/store/carts', { channel: { source: 'yandex', medium: 'cpc' } })
  const id = cart.body.id as string
  await call(app, 'POST', `/store/carts/${id}/items`, { sku: 'TEE-M', quantity: 2 })
  await call(app, 'POST', `/store/carts/${id}/items`, { sku: 'SOCKS', quantity: 1 })
  await call(app, 'PUT', `/store/carts/${id}/contact`, { name: 'Анна', phone: '8 916 123-45-67', email: 'anna@example.ru' })
  await chooseShowroom(app, id)
  if (options.payment) await call(app, 'PUT', `/store/carts/${id}/payment`, { method: options.payment })
  return id
}

/** Quotes delivery to Moscow and chooses pickup at the showroom. */
export async function chooseShowroom(app: Hono, cartId: string) {
  const destination = { city: 'Москва' }
  const quote = await call(app, 'POST', `/store/carts/${cartId}/delivery-quotes`, { destination })
  const option = quote.body.options.find((o: { methodType: string }) => o.methodType === 'showroom_pickup')
  const chosen = await call(app, 'PUT', `/store/carts/${cartId}/delivery`, { optionId: option.id, destination, pickupPointId: 'main', tryOn: true })
  if (chosen.status !== 200) throw new Error(`delivery not chosen: ${JSON.stringify(chosen.body)}`)
  return chosen
}
