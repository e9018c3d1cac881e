/**
 * One of the processes of checkout.placeOrder.postgres. Run with
 * `node --conditions=source --import tsx bench/checkout-child.ts`, an IPC
 * channel and `ORDO_BENCH_CHILD` = `{ "schema": …, "concurrency": n, "index": k }`.
 *
 * Messages (each answered when done):
 * - `fill { from, count }` → `filled { carts }`: fills carts `from..from+count-1`
 *   through the cart API (3 lines, contact, address) on Ordo's schema.
 * - `warm { carts }` → `warmed { orderIds }`: places those orders (warm-up).
 * - `go { at, carts }` → `done`: waits for the instant `at` (epoch ms, shared by
 *   every process), places the orders of `carts`, `concurrency` at a time, and
 *   reports when it started and ended, latencies and statements.
 * - `raw { schema, template, locationId, warm, carts }` → `rawReady`: opens a
 *   raw `pg` pool on the baseline schema and writes the warm-up orders.
 * - `rawGo { at }` → `done`: writes the orders of the `raw` carts from `at`.
 * - `stop` → closes everything and exits.
 */
import { createCommerce, type Commerce } from '@ordo/core'
import { postgresStorage } from '@ordo/storage-postgres'
import { countingStorage, type StatementCounter } from './counting-storage.js'
import { PG_URL, fillCart, idempotencyKey, lanes, orderWriter, rawPostgres, type OrderTemplate, type OrderWriter, type RawCart, type RawDb } from './checkout-fixture.js'
import { latencySummary } from './harness.js'

type Message =
  | { type: 'fill'; from: number; count: number }
  | { type: 'warm'; carts: string[] }
  | { type: 'go'; at: number; carts: string[] }
  | { type: 'raw'; schema: string; template: OrderTemplate; locationId: string; warm: RawCart[]; carts: RawCart[] }
  | { type: 'rawGo'; at: number }
  | { type: 'stop' }

const settings = JSON.parse(process.env.ORDO_BENCH_CHILD ?? 'null') as { schema: string; concurrency: number; index: number } | null
if (!settings) throw new Error('ORDO_BENCH_CHILD is not set')
const { concurrency, index } = settings

const send = (message: Record<string, unknown>) =>
  new Promise<void>((resolve) => {
    if (!process.send) throw new Error('checkout-child.ts must be spawned with an IPC channel')
    process.send({ ...message, child: index }, () => resolve())
  })
// The parent going away must not leave us behind.
process.on('disconnect', () => process.exit(3))

const epochMs = () => performance.timeOrigin + performance.now()
const untilInstant = async (at: number) => {
  const wait = at - epochMs()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
}
const maxRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024)

const { storage, counter }: { storage: ReturnType<typeof postgresStorage>; counter: StatementCounter } = countingStorage(
  postgresStorage({ connectionString: PG_URL, schema: settings.schema, max: concurrency }),
)
let shop: Commerce | undefined = await createCommerce({ storage, currency: 'RUB', migrate: false })
let raw: { db: RawDb; writer: OrderWriter; carts: RawCart[] } | undefined

async function handle(message: Message): Promise<void> {
  switch (message.type) {
    case 'fill': {
      const carts: string[] = new Array(message.count)
      await lanes(message.from, message.count, concurrency, async (i) => {
        carts[i - message.from] = await fillCart(shop!, i)
      })
      return send({ type: 'filled', carts })
    }
    case 'warm': {
      const orderIds: string[] = []
      await lanes(0, message.carts.length, concurrency, async (i) => {
        orderIds.push((await shop!.checkout.placeOrder(message.carts[i]!, { idempotencyKey: idempotencyKey(`w${index}`, i) })).id)
      })
      return send({ type: 'warmed', orderIds })
    }
    case 'go': {
      await untilInstant(message.at)
      counter.reset()
      const startedAt = epochMs()
      const { samples } = await lanes(0, message.carts.length, concurrency, (i) =>
        shop!.checkout.placeOrder(message.carts[i]!, { idempotencyKey: idempotencyKey(`m${index}`, i) }),
      )
      const endedAt = epochMs()
      return send({ type: 'done', startedAt, endedAt, orders: samples.length, ...latencySummary(samples), samples, statements: counter.count, maxRssMb: maxRssMb() })
    }
    case 'raw': {
      await shop?.close()
      shop = undefined
      const db = rawPostgres(message.schema, concurrency)
      const writer = orderWriter(db, message.template, message.locationId)
      await lanes(0, message.warm.length, concurrency, (i) => writer.place(message.warm[i]!, 1_000_000 * (index + 1) + i))
      raw = { db, writer, carts: message.carts }
      return send({ type: 'rawReady' })
    }
    case 'rawGo': {
      const { db, writer, carts } = raw!
      await untilInstant(message.at)
      db.statements = 0
      const startedAt = epochMs()
      const { samples } = await lanes(0, carts.length, concurrency, (i) => writer.place(carts[i]!, 10_000_000 * (index + 1) + i))
      const endedAt = epochMs()
      return send({ type: 'done', startedAt, endedAt, orders: samples.length, ...latencySummary(samples), samples, statements: db.statements, maxRssMb: maxRssMb() })
    }
    case 'stop': {
      await shop?.close()
      await raw?.db.close()
      await send({ type: 'stopped' })
      process.exit(0)
    }
  }
}

process.on('message', (message: Message) => {
  handle(message).catch(async (error: unknown) => {
    await send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  })
})

await send({ type: 'ready' })
