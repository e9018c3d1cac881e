// checkout.placeOrder.sqlite — how many `shop.checkout.placeOrder()` calls per
// second the embedded SQLite storage serves, for carts of 3 lines.
//
// Set-up (not measured): a catalog of 200 SKUs with base prices and stock in
// one warehouse, and WARMUP + ORDERS carts filled through the cart API (3
// lines, contact, address), in one file that every round copies.
//
// Ordo: placeOrder of ORDERS carts one after another (pay_later, no delivery),
// each with its own idempotency key; orders/s, p50/p95 ms, and SQL statements
// per order counted by a wrapper around the storage's Kysely driver (BEGIN and
// COMMIT included, the order-number block amortised).
//
// Baseline: raw better-sqlite3 on a copy of the same file — Ordo's own schema,
// indexes and data — writing the rows a placed order writes: the order row, its
// 3 lines, 3 conditional stock-level updates, 3 reservations, the history row,
// the events and the cart's conversion, copied from an order Ordo placed in the
// warm-up (fresh ids, this cart's variants), in one transaction per order with
// cached prepared statements. No reads, no pricing, no validation: the floor.
//
// A warm-up places WARMUP orders (statements logged for the per-table
// breakdown), then ROUNDS rounds alternate Ordo and baseline on fresh copies;
// the figure uses each side's median round.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCommerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { countingStorage, statementBreakdown } from '../counting-storage.js'
import { expectOrders, fillCart, idempotencyKey, orderWriter, positiveInt, rawSqlite, readCarts, readOrderTemplate, seedShop, type OrderTemplate } from '../checkout-fixture.js'
import { defineScenario, figure, latencySummary, log, peakRssMb, perSecond, startTimer } from '../harness.js'

/** Orders placed per measured round; override with ORDO_BENCH_ORDERS. */
const ORDERS = positiveInt('ORDO_BENCH_ORDERS', 1500)
const WARMUP = 200
const ROUNDS = positiveInt('ORDO_BENCH_ROUNDS', 3)

function copyDb(from: string, to: string): string {
  copyFileSync(from, to)
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`)
  return to
}

async function seed(file: string) {
  const shop = await createCommerce({ storage: sqliteStorage({ filename: file }), currency: 'RUB' })
  try {
    const { locationId } = await seedShop(shop)
    const carts: string[] = []
    for (let i = 0; i < WARMUP + ORDERS; i++) carts.push(await fillCart(shop, i))
    return { locationId, carts }
  } finally {
    await shop.close()
  }
}

async function measureOrdo(file: string, carts: readonly string[], tag: string, logStatements = false) {
  const { storage, counter } = countingStorage(sqliteStorage({ filename: file }))
  const shop = await createCommerce({ storage, currency: 'RUB' })
  try {
    counter.reset()
    counter.logging = logStatements
    const samples: number[] = []
    const orderIds: string[] = []
    const total = startTimer()
    for (let i = 0; i < carts.length; i++) {
      const t = startTimer()
      const order = await shop.checkout.placeOrder(carts[i]!, { idempotencyKey: idempotencyKey(tag, i) })
      samples.push(t.ms())
      if (i === 0) orderIds.push(order.id)
    }
    return { ms: total.ms(), ...latencySummary(samples), statements: counter.count, log: counter.log, firstOrderId: orderIds[0]! }
  } finally {
    await shop.close()
    const check = rawSqlite(file)
    await expectOrders(check, carts.length, 'checkout.placeOrder.sqlite (Ordo)').finally(() => check.close())
  }
}

async function measureBaseline(file: string, cartIds: readonly string[], template: OrderTemplate, locationId: string) {
  const db = rawSqlite(file)
  try {
    const carts = await readCarts(db, cartIds)
    const writer = orderWriter(db, template, locationId)
    db.statements = 0
    const samples: number[] = []
    const total = startTimer()
    for (let i = 0; i < carts.length; i++) {
      const t = startTimer()
      await writer.place(carts[i]!, i)
      samples.push(t.ms())
    }
    const result = { ms: total.ms(), ...latencySummary(samples), statements: db.statements }
    await expectOrders(db, carts.length, 'checkout.placeOrder.sqlite (baseline)')
    return result
  } finally {
    await db.close()
  }
}

const median = <T>(items: T[], by: (t: T) => number): T => [...items].sort((a, b) => by(a) - by(b))[Math.floor(items.length / 2)]!

export default defineScenario({
  name: 'checkout.placeOrder.sqlite',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-placeorder-'))
    try {
      log(`  seeding: 200 SKUs, ${WARMUP + ORDERS} carts of 3 lines through the cart API…`)
      const seedTimer = startTimer()
      const seedFile = join(dir, 'seed.db')
      const { locationId, carts } = await seed(seedFile)
      log(`  seeded in ${Math.round(seedTimer.seconds())} s; warm-up ${WARMUP} orders, then ${ROUNDS} rounds of ${ORDERS}`)
      const warmCarts = carts.slice(0, WARMUP)
      const measuredCarts = carts.slice(WARMUP)

      const warmFile = copyDb(seedFile, join(dir, 'warm.db'))
      const warm = await measureOrdo(warmFile, warmCarts, 'warm', true)
      const templateDb = rawSqlite(warmFile)
      const template = await readOrderTemplate(templateDb, warm.firstOrderId)
      await templateDb.close()
      await measureBaseline(copyDb(seedFile, join(dir, 'warm-baseline.db')), warmCarts, template, locationId)

      const ordoRounds: Awaited<ReturnType<typeof measureOrdo>>[] = []
      const baselineRounds: Awaited<ReturnType<typeof measureBaseline>>[] = []
      for (let round = 1; round <= ROUNDS; round++) {
        const ordo = await measureOrdo(copyDb(seedFile, join(dir, `ordo-${round}.db`)), measuredCarts, `r${round}`)
        const base = await measureBaseline(copyDb(seedFile, join(dir, `baseline-${round}.db`)), measuredCarts, template, locationId)
        ordoRounds.push(ordo)
        baselineRounds.push(base)
        log(
          `  round ${round}: ordo ${Math.round(perSecond(ORDERS, ordo.ms))} orders/s (p50 ${ordo.p50.toFixed(3)} ms, ${(ordo.statements / ORDERS).toFixed(2)} statements/order), ` +
            `baseline ${Math.round(perSecond(ORDERS, base.ms))} orders/s`,
        )
      }
      const ordo = median(ordoRounds, (r) => r.ms)
      const base = median(baselineRounds, (r) => r.ms)
      return [
        figure({
          name: 'checkout.placeOrder.sqlite',
          unit: 'orders/s',
          value: perSecond(ORDERS, ordo.ms),
          baseline: perSecond(ORDERS, base.ms),
          baselineLabel:
            "raw better-sqlite3 write-only floor on Ordo's schema: the rows a placed order writes (order, 3 lines, 3 conditional stock updates, 3 reservations, history row, events, cart conversion), one transaction per order, cached prepared statements; no reads, no pricing",
          orders: ORDERS,
          linesPerOrder: 3,
          rounds: ROUNDS,
          p50Ms: Math.round(ordo.p50 * 1000) / 1000,
          p95Ms: Math.round(ordo.p95 * 1000) / 1000,
          baselineP50Ms: Math.round(base.p50 * 1000) / 1000,
          statementsPerOrder: Math.round((ordo.statements / ORDERS) * 100) / 100,
          baselineStatementsPerOrder: Math.round((base.statements / ORDERS) * 100) / 100,
          statementsByTable: statementBreakdown(warm.log, WARMUP),
          goal: { ordersPerSec: 5000, ratio: 0.33 },
          peakRssMb: peakRssMb(),
        }),
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
})
