/**
 * A child process of the checkout concurrency test: a crowd of buyers in one
 * process. Run with `node --conditions=source --import tsx buyer-child.ts`, an
 * IPC channel and `ORDO_CHECKOUT_DB` set to the test database descriptor
 * (JSON).
 *
 * Reports `ready` over IPC once its engine is open. On `{ type: 'go', at,
 * cartIds }` it waits until the instant `at` (epoch ms, so every process
 * starts together), places every cart at once through
 * `shop.checkout.placeOrder()` with a fresh idempotency key, prints one JSON
 * line per buyer on stdout (`{"outcome":…,"cartId":…,"ok":…,"orderId"|"code"…}`)
 * and reports `done`. `stop` closes the engine and exits.
 */
import { randomUUID } from 'node:crypto'
import { createCommerce, isOrdoError, type StorageDialect } from '@ordo/core'
import { storageFromDescriptor, type TestDatabaseDescriptor } from '@ordo/testing'

type Message = { type: 'go'; at: number; cartIds: string[] } | { type: 'stop' }

const send = (message: Record<string, unknown>) =>
  new Promise<void>((resolve) => {
    if (!process.send) throw new Error('buyer-child.ts must be spawned with an IPC channel')
    process.send({ ...message, pid: process.pid }, () => resolve())
  })
// The parent going away must not leave us behind.
process.on('disconnect', () => process.exit(3))

const descriptor = JSON.parse(process.env.ORDO_CHECKOUT_DB ?? 'null') as TestDatabaseDescriptor | null
if (!descriptor) throw new Error('ORDO_CHECKOUT_DB is not set')

/**
 * A pool of 10 rather than the helper's 20: four of these processes must stay
 * well under PostgreSQL's default 100 connections while other suites run.
 * Sixteen buyers still contend: ten transactions hold connections at once and
 * the rest queue in the pool behind them.
 */
async function openStorage(d: TestDatabaseDescriptor): Promise<StorageDialect> {
  if (d.dialect === 'postgres') {
    const { postgresStorage } = await import('@ordo/storage-postgres')
    return postgresStorage({ connectionString: d.connectionString, schema: d.schema, max: 10 })
  }
  if (d.dialect === 'mysql') {
    const { mysqlStorage } = await import('@ordo/storage-mysql')
    return mysqlStorage({ uri: d.uri, connectionLimit: 10 })
  }
  return storageFromDescriptor(d)
}

const shop = await createCommerce({ storage: await openStorage(descriptor), currency: 'RUB', migrate: false })

process.on('message', async (message: Message) => {
  if (message.type === 'stop') {
    await shop.close()
    await send({ type: 'stopped' })
    process.exit(0)
  }
  const wait = message.at - Date.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  await Promise.all(
    message.cartIds.map(async (cartId) => {
      const started = Date.now()
      let outcome: Record<string, unknown>
      try {
        const order = await shop.checkout.placeOrder(cartId, { idempotencyKey: randomUUID() })
        outcome = { cartId, ok: true, orderId: order.id, number: order.number }
      } catch (error) {
        outcome = { cartId, ok: false, code: isOrdoError(error) ? error.code : 'UNEXPECTED', message: String(error) }
      }
      process.stdout.write(`${JSON.stringify({ outcome: true, pid: process.pid, started, ms: Date.now() - started, ...outcome })}\n`)
    }),
  )
  await send({ type: 'done' })
})

await send({ type: 'ready' })
