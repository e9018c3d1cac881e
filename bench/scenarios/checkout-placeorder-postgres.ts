// checkout.placeOrder.postgres — how many `shop.checkout.placeOrder()` calls
// per second PostgreSQL serves from PROCESSES processes, for carts of 3 lines.
//
// Set-up (not measured): a fresh schema seeded with 200 SKUs, base prices and
// stock in one warehouse; each process fills its own carts through the cart
// API (3 lines, contact, address). The seeded schema is then copied into a
// second schema that Ordo migrated too: Ordo's schema, indexes and data for the
// baseline.
//
// Ordo: every process places a few warm-up orders, then at one shared instant
// ("go") places its ORDERS / PROCESSES orders, CONCURRENCY at a time (a server
// process serves several requests at once). The figure is all orders over the
// wall time from "go" to the last process done. SQL statements are counted in
// every process by a wrapper around the storage's Kysely driver (BEGIN and
// COMMIT included).
//
// Baseline: the same PROCESSES processes, at the same concurrency, writing with
// raw `pg` (named prepared statements) into the copy the rows a placed order
// writes — the order row, its 3 lines (one multi-row insert), 3 conditional
// stock-level updates, the reservations, the history row, the events and the
// cart's conversion, copied from an order Ordo placed in the warm-up with fresh
// ids and each cart's variants — one transaction per order. No reads, no
// pricing, no validation: the floor of placing these orders on this schema.
//
// Both schemas are fresh for the run and dropped after it.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createCommerce } from '@ordo/core'
import { postgresStorage } from '@ordo/storage-postgres'
import {
  PG_URL,
  copyPgSchema,
  dropPgSchemas,
  expectOrders,
  pgSchemaName,
  positiveInt,
  rawPostgres,
  readCarts,
  readOrderTemplate,
  seedShop,
  type RawCart,
} from '../checkout-fixture.js'
import { countingStorage, statementBreakdown } from '../counting-storage.js'
import { defineScenario, figure, latencySummary, log, peakRssMb, perSecond } from '../harness.js'

const PROCESSES = 4
/** Orders placed in all (split over the processes); override with ORDO_BENCH_ORDERS. */
const ORDERS = positiveInt('ORDO_BENCH_ORDERS', 1200)
/** Orders in flight per process; override with ORDO_BENCH_CONCURRENCY. */
const CONCURRENCY = positiveInt('ORDO_BENCH_CONCURRENCY', 4)
/** Warm-up orders per process. */
const WARMUP = 25
/** Carts to log statements of, placed in the parent before the children start. */
const LOGGED = 20

const CHILD = fileURLToPath(new URL('../checkout-child.ts', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface Done {
  startedAt: number
  endedAt: number
  orders: number
  samples: number[]
  statements: number
  maxRssMb: number
}

class Child {
  readonly #proc: ChildProcess
  readonly #inbox: any[] = []
  readonly #waiters = new Set<() => void>()
  #output = ''
  #gone = false

  constructor(schema: string, index: number) {
    this.#proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ORDO_BENCH_CHILD: JSON.stringify({ schema, concurrency: CONCURRENCY, index }) },
    })
    this.#proc.stdout!.on('data', (chunk) => (this.#output += chunk))
    this.#proc.stderr!.on('data', (chunk) => (this.#output += chunk))
    this.#proc.on('message', (m) => {
      this.#inbox.push(m)
      this.#waiters.forEach((w) => w())
    })
    this.#proc.on('exit', () => {
      this.#gone = true
      this.#waiters.forEach((w) => w())
    })
  }

  send(message: Record<string, unknown>): void {
    this.#proc.send(message)
  }

  /** The next message of `type` (an `error` message, or the child exiting, rejects). */
  next<T>(type: string, timeoutMs = 120_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error, value?: T) => {
        clearTimeout(timer)
        this.#waiters.delete(check)
        if (error) reject(error)
        else resolve(value as T)
      }
      const timer = setTimeout(() => done(new Error(`child ${this.#proc.pid} sent no "${type}" in ${timeoutMs / 1000} s; output:\n${this.#output}`)), timeoutMs)
      const check = () => {
        const failed = this.#inbox.findIndex((m) => m.type === 'error')
        if (failed >= 0) return done(new Error(`child ${this.#proc.pid} failed: ${this.#inbox[failed].message}`))
        const i = this.#inbox.findIndex((m) => m.type === type)
        if (i >= 0) return done(undefined, this.#inbox.splice(i, 1)[0])
        if (this.#gone) done(new Error(`child ${this.#proc.pid} exited before "${type}"; output:\n${this.#output}`))
      }
      this.#waiters.add(check)
      check()
    })
  }

  kill(): void {
    if (!this.#gone) this.#proc.kill()
  }
}

const all = <T>(children: Child[], type: string, timeoutMs?: number) => Promise.all(children.map((c) => c.next<T>(type, timeoutMs)))

/** Sends `go` at an instant shortly ahead and collects each process's result. */
async function race(children: Child[], message: (at: number, index: number) => Record<string, unknown>) {
  const at = Date.now() + 300
  children.forEach((c, i) => c.send(message(at, i)))
  const results = await all<Done>(children, 'done', 300_000)
  const wallMs = Math.max(...results.map((r) => r.endedAt)) - at
  const orders = results.reduce((s, r) => s + r.orders, 0)
  return {
    wallMs,
    orders,
    statements: results.reduce((s, r) => s + r.statements, 0),
    ...latencySummary(results.flatMap((r) => r.samples)),
    maxRssMb: Math.max(...results.map((r) => r.maxRssMb)),
    perProcess: results.map((r) => Math.round(perSecond(r.orders, r.endedAt - r.startedAt))),
  }
}

export default defineScenario({
  name: 'checkout.placeOrder.postgres',
  async run() {
    const ordoSchema = pgSchemaName('po')
    const baselineSchema = `${ordoSchema}_raw`
    const children: Child[] = []
    try {
      // Seed, and place a few logged orders in the parent for the per-table breakdown.
      const { storage, counter } = countingStorage(postgresStorage({ connectionString: PG_URL, schema: ordoSchema }))
      const seeded = await createCommerce({ storage, currency: 'RUB' })
      let locationId: string
      let breakdown: Record<string, number>
      try {
        ;({ locationId } = await seedShop(seeded))
        const { fillCart, idempotencyKey } = await import('../checkout-fixture.js')
        const logged: string[] = []
        for (let i = 0; i < LOGGED; i++) logged.push(await fillCart(seeded, 10_000_000 + i))
        await seeded.checkout.placeOrder(logged[0]!, { idempotencyKey: idempotencyKey('first', 0) }) // takes the number block
        counter.reset()
        counter.logging = true
        for (let i = 1; i < LOGGED; i++) await seeded.checkout.placeOrder(logged[i]!, { idempotencyKey: idempotencyKey('logged', i) })
        breakdown = statementBreakdown(counter.log, LOGGED - 1)
      } finally {
        await seeded.close()
      }
      const empty = await createCommerce({ storage: postgresStorage({ connectionString: PG_URL, schema: baselineSchema }), currency: 'RUB' })
      await empty.close()

      const perProcess = Math.ceil(ORDERS / PROCESSES)
      log(`  ${PROCESSES} processes × ${perProcess} orders, ${CONCURRENCY} in flight per process; filling ${PROCESSES * (perProcess + WARMUP)} carts…`)
      for (let i = 0; i < PROCESSES; i++) children.push(new Child(ordoSchema, i))
      await all(children, 'ready')
      children.forEach((c, i) => c.send({ type: 'fill', from: i * (perProcess + WARMUP), count: perProcess + WARMUP }))
      const filled = (await all<{ carts: string[] }>(children, 'filled', 600_000)).map((f) => ({ warm: f.carts.slice(0, WARMUP), measured: f.carts.slice(WARMUP) }))
      await copyPgSchema(ordoSchema, baselineSchema)

      children.forEach((c, i) => c.send({ type: 'warm', carts: filled[i]!.warm }))
      const warmed = await all<{ orderIds: string[] }>(children, 'warmed')
      const ordo = await race(children, (at, i) => ({ type: 'go', at, carts: filled[i]!.measured }))
      log(`  ordo: ${Math.round(perSecond(ordo.orders, ordo.wallMs))} orders/s (per process ${ordo.perProcess.join(', ')}), ${(ordo.statements / ordo.orders).toFixed(2)} statements/order`)

      // The baseline copies the rows of a warm-up order Ordo placed.
      const reader = rawPostgres(ordoSchema, 1)
      const template = await readOrderTemplate(reader, warmed[0]!.orderIds[0]!)
      await reader.close()
      const cartsDb = rawPostgres(baselineSchema, 1)
      const rawCarts: { warm: RawCart[]; measured: RawCart[] }[] = []
      for (const f of filled) rawCarts.push({ warm: await readCarts(cartsDb, f.warm), measured: await readCarts(cartsDb, f.measured) })
      await cartsDb.close()
      children.forEach((c, i) => c.send({ type: 'raw', schema: baselineSchema, template, locationId, warm: rawCarts[i]!.warm, carts: rawCarts[i]!.measured }))
      await all(children, 'rawReady')
      const base = await race(children, (at) => ({ type: 'rawGo', at }))
      log(`  baseline: ${Math.round(perSecond(base.orders, base.wallMs))} orders/s (per process ${base.perProcess.join(', ')})`)

      children.forEach((c) => c.send({ type: 'stop' }))
      await all(children, 'stopped')
      for (const [schema, expected] of [
        [ordoSchema, LOGGED + PROCESSES * WARMUP + ordo.orders],
        [baselineSchema, LOGGED + PROCESSES * WARMUP + base.orders],
      ] as const) {
        const check = rawPostgres(schema, 1)
        await expectOrders(check, expected, `checkout.placeOrder.postgres (${schema})`).finally(() => check.close())
      }
      return [
        figure({
          name: 'checkout.placeOrder.postgres',
          unit: 'orders/s',
          value: perSecond(ordo.orders, ordo.wallMs),
          baseline: perSecond(base.orders, base.wallMs),
          baselineLabel: `raw pg write-only floor on Ordo's schema from ${PROCESSES} processes (${CONCURRENCY} in flight each): the rows a placed order writes (order, 3 lines, 3 conditional stock updates, reservations, history row, events, cart conversion), one transaction per order, named prepared statements; no reads, no pricing`,
          orders: ordo.orders,
          processes: PROCESSES,
          concurrencyPerProcess: CONCURRENCY,
          linesPerOrder: 3,
          p50Ms: Math.round(ordo.p50 * 1000) / 1000,
          p95Ms: Math.round(ordo.p95 * 1000) / 1000,
          baselineP50Ms: Math.round(base.p50 * 1000) / 1000,
          statementsPerOrder: Math.round((ordo.statements / ordo.orders) * 100) / 100,
          baselineStatementsPerOrder: Math.round((base.statements / base.orders) * 100) / 100,
          statementsByTable: breakdown,
          goal: { ordersPerSec: 5000, ratio: 0.33 },
          childPeakRssMb: ordo.maxRssMb,
          peakRssMb: peakRssMb(),
        }),
      ]
    } finally {
      children.forEach((c) => c.kill())
      await dropPgSchemas([ordoSchema, baselineSchema])
    }
  },
})
