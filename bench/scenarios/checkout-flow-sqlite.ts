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
// table), ms per step, and the peak RSS of the bench process (run the scenario
// alone for its own peak; the bench runs under tsx, which compiles the
// TypeScript sources at load and adds tens of MB over the built package).
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
import { join } from 'node:path'
import { createCommerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { countingStorage } from '../counting-storage.js'
import { benchProvider } from '../bench-payment-provider.js'
import { compareFlows, flowShopConfig, flowExtras, positiveInt, rawSqlite, seedShop } from '../checkout-fixture.js'
import { defineScenario, figure, log, peakRssMb, perSecond } from '../harness.js'

/** Measured flows (orders) per side; override with ORDO_BENCH_ORDERS. */
const ORDERS = positiveInt('ORDO_BENCH_ORDERS', 1500)
const WARMUP = 150
const ROUNDS = 3

function copyDb(from: string, to: string): string {
  copyFileSync(from, to)
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`)
  return to
}

export default defineScenario({
  name: 'checkout.flow.sqlite',
  async run() {
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

      const { storage, counter } = countingStorage(sqliteStorage({ filename: ordoFile }))
      const shop = await createCommerce(flowShopConfig(storage, provider))
      const baselineDb = rawSqlite(baselineFile)
      try {
        const result = await compareFlows({ shop, provider, counter, baselineDb, openReader: () => rawSqlite(ordoFile), locationId, orders: ORDERS, warmup: WARMUP, rounds: ROUNDS, concurrency: 1, log })
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
            peakRssMb: peakRssMb(),
          }),
        ]
      } finally {
        await shop.close()
        await baselineDb.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
})
