// loyalty.balance.10k.sqlite — how long `shop.loyalty.balance()` takes for a
// customer whose ledger holds 10 000 entries (years of orders: earns, spends,
// expiries, reversals), p50 over repeated reads.
//
// Set-up (not measured): ENTRIES ledger rows of one customer, plus as many of
// other customers, written straight into Ordo's tables.
//
// Ordo: `shop.loyalty.balance(customerId)`: one query summing active, pending,
// held, debt and total by the entries' status.
//
// Baseline: raw better-sqlite3 on the same file, one prepared
// `select sum(points) from ordo_loyalty_entry where customer_id = ?`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCommerce, newId, type Database as OrdoDatabase } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import type { Kysely } from 'kysely'
import { positiveInt } from '../checkout-fixture.js'
import { defineScenario, figure, latencySummary, log, startTimer } from '../harness.js'

const ENTRIES = positiveInt('ORDO_BENCH_LOYALTY_ENTRIES', 10_000)
const SAMPLES = positiveInt('ORDO_BENCH_SAMPLES', 200)
const CUSTOMER = 'bench-customer'
const NOW = Date.parse('2026-03-10T09:00:00Z')
const DAY = 86_400_000

/** One ledger row of a long history: mostly earns (some spent, some expired), spends, expiries. */
function entry(customerId: string, n: number) {
  const kind = n % 4 === 0 ? 'spend' : n % 10 === 1 ? 'expire' : 'earn'
  const points = kind === 'earn' ? 100 + (n % 400) : -(50 + (n % 100))
  const status = kind === 'spend' ? (n % 8 === 0 ? 'held' : 'committed') : kind === 'expire' ? 'posted' : n % 5 === 2 ? 'pending' : n % 3 === 0 ? 'spent' : 'partly_spent'
  return {
    id: newId(),
    customer_id: customerId,
    kind,
    status,
    points,
    remaining: kind === 'earn' && status !== 'spent' ? Math.floor(points / 2) : 0,
    order_id: null,
    external_id: null,
    reason: null,
    related_entry_id: null,
    created_at: NOW - (ENTRIES - n) * 3_600_000,
    activates_at: null,
    expires_at: kind === 'earn' ? NOW + (n % 200) * DAY - 100 * DAY : null,
    warned_at: null,
    updated_at: NOW,
  }
}

export default defineScenario({
  name: 'loyalty.balance.10k.sqlite',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-loyalty-balance-'))
    try {
      log(`loyalty.balance.10k.sqlite: one customer with ${ENTRIES} ledger entries (and as many of others), ${SAMPLES} reads`)
      const file = join(dir, 'ordo.db')
      const shop = await createCommerce({ storage: sqliteStorage({ filename: file }), currency: 'RUB', clock: { now: () => new Date(NOW) } })
      const ordo: number[] = []
      let total = 0
      try {
        await shop.run(async (uow) => {
          const db = uow.db as unknown as Kysely<OrdoDatabase>
          for (const customer of [CUSTOMER, 'someone-else']) {
            for (let i = 0; i < ENTRIES; i += 500) {
              await db.insertInto('ordo_loyalty_entry').values(Array.from({ length: Math.min(500, ENTRIES - i) }, (_, k) => entry(customer, i + k))).execute()
            }
          }
        })
        for (let i = 0; i < 10; i++) await shop.loyalty.balance(CUSTOMER)
        for (let i = 0; i < SAMPLES; i++) {
          const t = startTimer()
          total = (await shop.loyalty.balance(CUSTOMER)).total
          ordo.push(t.ms())
        }
      } finally {
        await shop.close()
      }
      const db = new Database(file)
      const base: number[] = []
      let baseTotal = 0
      try {
        const sum = db.prepare("select sum(points) as total from ordo_loyalty_entry where customer_id = ? and status <> 'released'")
        for (let i = 0; i < 10; i++) sum.get(CUSTOMER)
        for (let i = 0; i < SAMPLES; i++) {
          const t = startTimer()
          baseTotal = Number((sum.get(CUSTOMER) as { total: number }).total)
          base.push(t.ms())
        }
      } finally {
        db.close()
      }
      if (total !== baseTotal) throw new Error(`balance total ${total} differs from the raw sum ${baseTotal}`)
      const o = latencySummary(ordo)
      const b = latencySummary(base)
      return [
        figure({
          name: 'loyalty.balance.10k.sqlite',
          unit: 'ms',
          value: o.p50,
          p95: o.p95,
          baseline: b.p50,
          baselineP95: b.p95,
          baselineLabel: 'raw better-sqlite3: one prepared SUM(points) over the customer’s entries',
          entries: ENTRIES,
        }),
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
})
