// checkout.flow.postgres — the storefront checkout of checkout.flow.sqlite on
// PostgreSQL, from one process serving CONCURRENCY shoppers at a time.
//
// Ordo, per order: carts.create, carts.addItem ×3, carts.setContact,
// carts.setShippingAddress, delivery.quote + carts.setDelivery (own courier),
// carts.setPayment (card), checkout.placeOrder, payments.start and the
// provider's "captured" webhook (an in-process provider: no network).
// Reported: orders/s, p50/p95 ms per whole order, SQL statements per order
// (BEGIN/COMMIT included; the whole flow, placeOrder alone, per step, per
// table), ms per step, and the peak RSS of the bench process (under tsx; see
// checkout.flow.sqlite).
//
// Baseline: the same flow hand-written with `pg` (named prepared statements,
// one connection) on a second schema migrated by Ordo and holding a copy of
// the same seeded data: the same commands as one transaction each, the rows
// Ordo writes (see checkout.flow.sqlite), the fewest reads a correct
// implementation needs; both sides end with the same rows (checked).
//
// Both schemas are fresh for the run and dropped after it.
import { createCommerce } from '@ordo/core'
import { postgresStorage } from '@ordo/storage-postgres'
import { countingStorage } from '../counting-storage.js'
import { benchProvider } from '../bench-payment-provider.js'
import { PG_URL, compareFlows, localFlows, flowShopConfig, copyPgSchema, dropPgSchemas, flowExtras, pgSchemaName, positiveInt, rawPostgres, seedShop } from '../checkout-fixture.js'
import { defineScenario, figure, log, peakRssMb, perSecond } from '../harness.js'

/** Measured flows (orders) per side; override with ORDO_BENCH_ORDERS. */
const ORDERS = positiveInt('ORDO_BENCH_ORDERS', 600)
/** Cart i holds SKUs (7i + 67k) mod 200: 200 flows put every SKU in a cart, so the sample after them sees warm caches. */
const WARMUP = 250
const ROUNDS = 3
/**
 * Shoppers checking out at once in the one process (override with
 * ORDO_BENCH_CONCURRENCY). A server serves many shoppers at a time; one at a
 * time, every COMMIT waits for its own WAL flush (several ms on this disk) and
 * neither side could get past ~40 orders/s.
 */
const CONCURRENCY = positiveInt('ORDO_BENCH_CONCURRENCY', 16)

export default defineScenario({
  name: 'checkout.flow.postgres',
  async run() {
    const ordoSchema = pgSchemaName('flow')
    const baselineSchema = `${ordoSchema}_raw`
    try {
      const provider = benchProvider()
      const seeded = await createCommerce(flowShopConfig(postgresStorage({ connectionString: PG_URL, schema: ordoSchema }), provider))
      const { locationId } = await seedShop(seeded)
      await seeded.close()
      const empty = await createCommerce({ storage: postgresStorage({ connectionString: PG_URL, schema: baselineSchema }), currency: 'RUB' })
      await empty.close()
      await copyPgSchema(ordoSchema, baselineSchema)
      log(`  schemas ${ordoSchema} (Ordo) and ${baselineSchema} (baseline); warm-up ${WARMUP} flows each, then ${ROUNDS} rounds, ${ORDERS} flows in all per side, ${CONCURRENCY} at a time`)

      const { storage, counter } = countingStorage(postgresStorage({ connectionString: PG_URL, schema: ordoSchema, max: CONCURRENCY }))
      const shop = await createCommerce(flowShopConfig(storage, provider))
      const baselineDb = rawPostgres(baselineSchema, CONCURRENCY)
      try {
        const result = await compareFlows({
          ordo: localFlows(shop, provider, counter),
          provider,
          baselineDb,
          openReader: () => rawPostgres(ordoSchema, 1),
          locationId,
          orders: ORDERS,
          warmup: WARMUP,
          rounds: ROUNDS,
          concurrency: CONCURRENCY,
          log,
        })
        return [
          figure({
            name: 'checkout.flow.postgres',
            unit: 'orders/s',
            value: perSecond(ORDERS, result.ordo.ms),
            baseline: perSecond(ORDERS, result.baseline.ms),
            baselineLabel:
              "raw pg hand-written flow on Ordo's schema (a copy of the seeded data): the same commands as one transaction each, the same rows written (through the captured payment), minimal reads, named prepared statements, one process, as many connections and shoppers at a time as Ordo",
            ...flowExtras(result),
            goal: { ordersPerSec: 500, statementsPerOrder: 30, peakRssMb: 120 },
            peakRssMb: peakRssMb(),
          }),
        ]
      } finally {
        await shop.close()
        await baselineDb.close()
      }
    } finally {
      await dropPgSchemas([ordoSchema, baselineSchema])
    }
  },
})
