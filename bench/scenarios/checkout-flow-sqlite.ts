// checkout.flow.sqlite — a whole storefront checkout as a shop's code drives
// it, on the embedded SQLite storage, one shopper after another.
//
// Ordo, per order: carts.create, carts.addItem ×3, carts.setContact,
// carts.setShippingAddress, delivery.quote + carts.setDelivery (the shop's own
// courier zone: no network), carts.setPayment (card), checkout.placeOrder,
// payments.start (an in-process provider answers at once with a confirmation
// URL) and payments.handleWebhook (the provider reports the payment captured).
// Reported: orders/s, p50/p95 ms per whole order, SQL statements per order
// (BEGIN/COMMIT included; the whole flow, placeOrder alone, per step, per
// table), ms per step, and `peakRssMb`: the peak RSS of the process that runs
// Ordo's side.
//
// Ordo's side runs in a process of its own (bench/checkout-flow-child.ts,
// bundled and started with plain `node`), on the BUILT packages: `@ordo/*`
// resolve to their `dist`, as in a shop's app, with no TypeScript compiler in
// the process (tsx alone adds some 30 MB). The scenario refuses to run when a
// package's dist is missing or older than its sources (`npm run build`).
// `openRssMb` is that process's RSS with the shop open, before any flow.
// Most of the growth past it is V8's young generation and SQLite's page cache
// (16 MB per connection by default); a shop on a small machine trims both:
// NODE_OPTIONS=--max-semi-space-size=2 ORDO_BENCH_SQLITE_PAGE_CACHE_KB=2048
// measures that (the child passes the latter as sqliteStorage's pageCacheKb).
//
// Baseline: the same flow hand-written with raw better-sqlite3 on a copy of the
// same seeded file (Ordo's schema): the same commands as one transaction each,
// writing the rows Ordo writes (cart, lines, quote, events, delivery and
// payment choices, the order's rows and shipment, the payment with its
// operation, call log, history, webhook and receipt) with the fewest reads a
// correct implementation needs (variant + base price by SKU, free stock, the
// cart's priced lines for the quote, the cart at checkout, the amount due, the
// payment and the order's lines for the receipt). No pricing engine,
// promotions, validation library or state machine. Both sides are checked to
// hold the same rows at the end (orders, shipments, captured payments,
// webhooks, receipts).
//
// A warm-up of WARMUP flows on each side, then ROUNDS rounds alternate Ordo and
// the baseline; the figure uses all measured flows of each side.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createCommerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { benchProvider } from '../bench-payment-provider.js'
import { assertBuilt, bundleBenchEntry, startNodeChild, type NodeChild } from '../built-child.js'
import { compareFlows, flowShopConfig, flowExtras, positiveInt, rawSqlite, seedShop, StepTotals, type OrdoFlows } from '../checkout-fixture.js'
import { defineScenario, figure, log, perSecond } from '../harness.js'

/** Measured flows (orders) per side; override with ORDO_BENCH_ORDERS. */
const ORDERS = positiveInt('ORDO_BENCH_ORDERS', 1500)
/** Cart i holds SKUs (7i + 67k) mod 200: 200 flows put every SKU in a cart, so the sample after them sees warm caches. */
const WARMUP = 250
const ROUNDS = 3

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'checkout-flow-child.ts')

/** Step totals sent by the child as plain records. */
type Totals = Pick<StepTotals, 'ms' | 'statements'>
const stepTotals = (from: Totals) => {
  const totals = new StepTotals()
  Object.assign(totals.ms, from.ms)
  Object.assign(totals.statements, from.statements)
  return totals
}

/** {@link OrdoFlows} run by the child process. */
function childFlows(child: NodeChild): OrdoFlows {
  return {
    async warm(count, sampled) {
      const warm = await child.request<{ orderIds: string[]; stepStatements: Totals; breakdown: Record<string, number> }>({ type: 'warm', count, sampled })
      return { ...warm, stepStatements: stepTotals(warm.stepStatements) }
    },
    async round(from, count, tag, concurrency, stepMs) {
      const round = await child.request<{ ms: number; samples: number[]; statements: number; stepMs: Totals }>({ type: 'round', from, count, tag, concurrency })
      for (const [step, ms] of Object.entries(round.stepMs.ms)) stepMs.ms[step as keyof Totals['ms']] += ms
      return round
    },
  }
}

function copyDb(from: string, to: string): string {
  copyFileSync(from, to)
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`)
  return to
}

export default defineScenario({
  name: 'checkout.flow.sqlite',
  async run() {
    assertBuilt(['core/dist/index.js', 'storage-sqlite/dist/index.js', 'testing/dist/statements.js'])
    const childFile = await bundleBenchEntry(CHILD)
    const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-flow-'))
    try {
      const seedFile = join(dir, 'seed.db')
      const provider = benchProvider()
      const seeded = await createCommerce(flowShopConfig(sqliteStorage({ filename: seedFile }), provider))
      const { locationId } = await seedShop(seeded)
      await seeded.close()
      const ordoFile = copyDb(seedFile, join(dir, 'ordo.db'))
      const baselineFile = copyDb(seedFile, join(dir, 'baseline.db'))
      log(`  warm-up ${WARMUP} flows each, then ${ROUNDS} rounds alternating, ${ORDERS} flows in all per side`)

      const child = await startNodeChild(childFile, { ORDO_BENCH_CHILD: JSON.stringify({ file: ordoFile }) })
      const baselineDb = rawSqlite(baselineFile)
      try {
        const ordo = childFlows(child)
        const result = await compareFlows({ ordo, provider, baselineDb, openReader: () => rawSqlite(ordoFile), locationId, orders: ORDERS, warmup: WARMUP, rounds: ROUNDS, concurrency: 1, log })
        const { peakRssMb, heapUsedMb } = await child.request<{ peakRssMb: number; heapUsedMb: number }>({ type: 'stop' })
        log(`  Ordo's process (node, built packages): ${child.ready.openRssMb} MB with the shop open, peak ${peakRssMb} MB, heap ${heapUsedMb} MB at the end`)
        return [
          figure({
            name: 'checkout.flow.sqlite',
            unit: 'orders/s',
            value: perSecond(ORDERS, result.ordo.ms),
            baseline: perSecond(ORDERS, result.baseline.ms),
            baselineLabel:
              "raw better-sqlite3 hand-written flow on Ordo's schema: the same commands as one transaction each, the same rows written (cart, lines, quote, events, delivery/payment choice, order rows, shipment, payment, operation, webhook, receipt), minimal reads, no pricing engine or state machine",
            ...flowExtras(result),
            goal: { ordersPerSec: 1800, statementsPerOrder: 30, peakRssMb: 120 },
            peakRssMb,
            openRssMb: child.ready.openRssMb,
            peakRssOf: "Ordo's side in a process of its own: plain node on the built packages (dist)",
          }),
        ]
      } finally {
        child.kill()
        await baselineDb.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
})
