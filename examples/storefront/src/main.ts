import { serve } from '@hono/node-server'
import { createCommerce, type PaymentProvider } from '@ordo/core'
import { yookassa } from '@ordo/payment-yookassa'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { startYooKassaFake } from '@ordo/testing'
import { createApp } from './app.js'
import { deliveryConfig, startCouriers } from './delivery-config.js'
import { demoClock } from './demo-clock.js'
import { DEMO_LOYALTY } from './loyalty-config.js'
import { DEMO_SELLER, demoPaymentMethods } from './payment-config.js'
import { seedDemoShop } from './seed.js'
import { notifyConfig, startSms } from './sms-config.js'

// `npm start`: the demo shop on an SQLite file, seeded on first start. With
// YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY set it takes cards through the real
// YooKassa; otherwise through a loopback fake of YooKassa's API started here.
// Delivery works the same way: CDEK and Russian Post with their credentials
// in the environment (see delivery-config.ts), their fakes without; SMS go
// through SMS.ru with SMSRU_API_ID set, else through its fake (sms-config.ts).
const filename = process.env.ORDO_DB ?? 'shop.db'
const port = Number(process.env.PORT ?? 3000)
const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`

const real = process.env.YOOKASSA_SHOP_ID && process.env.YOOKASSA_SECRET_KEY
const fake = real ? undefined : await startYooKassaFake()
const provider: PaymentProvider = real
  ? yookassa({ shopId: process.env.YOOKASSA_SHOP_ID!, secretKey: process.env.YOOKASSA_SECRET_KEY!, returnUrl: `${publicUrl}/payment/return` })
  : yookassa({ shopId: fake!.shopId, secretKey: fake!.secretKey, baseUrl: fake!.url, allowedIps: null, returnUrl: `${publicUrl}/payment/return` })

// While no real money is taken the back office may move the shop's clock on, to show points activating.
const clock = fake ? demoClock() : undefined
const carriers = await startCouriers(process.env, clock ? { clock } : {})
const sms = await startSms(process.env)
const shop = await createCommerce({
  storage: sqliteStorage({ filename }),
  currency: 'RUB',
  ...(clock ? { clock } : {}),
  loyalty: DEMO_LOYALTY,
  notify: notifyConfig(sms.gateway),
  payments: {
    providers: [provider],
    methods: demoPaymentMethods(provider.id),
    seller: DEMO_SELLER,
  },
  delivery: {
    ...deliveryConfig(carriers.couriers),
    // The fake carriers move only when the demo moves them: look at them every minute.
    ...(carriers.advance ? { trackEveryMinutes: 1 } : {}),
  },
})
const seeded = await seedDemoShop(shop)
if (seeded) console.log(`Seeded the demo shop: ${seeded.skus} SKUs in ${seeded.products} products.`)
shop.worker.start()

const app = createApp(shop, {
  publicUrl,
  loyalty: DEMO_LOYALTY,
  ...(clock ? { demoClock: clock } : {}),
  // Demo only: the SMS.ru fake cannot reach us either; its delivery reports are handed over from the back office.
  ...(sms.report ? { reportDemoSms: sms.report } : {}),
  // Demo only: the fake cannot reach us over the internet, so when the customer
  // comes back from its page we deliver the notification it would have sent.
  ...(fake
    ? {
        deliverDemoNotification: async (providerPaymentId: string) => {
          const notification = await fake.control.webhookFor(providerPaymentId)
          await shop.payments.handleWebhook(provider.id, notification)
        },
      }
    : {}),
  // Demo only: move a parcel on at the fake carrier; CDEK would then post its
  // status webhook, which we deliver here (Russian Post is polled).
  ...(carriers.advance
    ? {
        advanceDemoShipment: async (shipment, status, kept) => {
          const webhook = await carriers.advance!(shipment, status, kept)
          if (webhook) await shop.shipments.handleWebhook(shipment.carrier, webhook)
        },
      }
    : {}),
})
const server = serve({ fetch: app.fetch, port }, (info) => {
  console.log(`Ordo demo shop on SQLite (${filename}): http://localhost:${info.port}${fake ? ` — cards go through a YooKassa fake at ${fake.origin}` : ''}`)
  if (carriers.fakeOrigins.length > 0) console.log(`Parcels go through carrier fakes at ${carriers.fakeOrigins.join(', ')}`)
  if (sms.fakeOrigin) console.log(`SMS go through an SMS.ru fake at ${sms.fakeOrigin}`)
})

async function shutdown() {
  server.close()
  await shop.close()
  await fake?.close()
  await carriers.close()
  await sms.close()
  process.exit(0)
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
