import { serve } from '@hono/node-server'
import { createCommerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { createApp } from './app.js'
import { seedDemoShop } from './seed.js'

// `npm start`: the demo shop on an SQLite file, seeded on first start.
const filename = process.env.ORDO_DB ?? 'shop.db'
const port = Number(process.env.PORT ?? 3000)

const shop = await createCommerce({ storage: sqliteStorage({ filename }), currency: 'RUB' })
const seeded = await seedDemoShop(shop)
if (seeded) console.log(`Seeded the demo shop: ${seeded.skus} SKUs in ${seeded.products} products.`)
shop.worker.start()

const server = serve({ fetch: createApp(shop).fetch, port }, (info) => {
  console.log(`Ordo demo shop on SQLite (${filename}): http://localhost:${info.port}`)
})

async function shutdown() {
  server.close()
  await shop.close()
  process.exit(0)
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
