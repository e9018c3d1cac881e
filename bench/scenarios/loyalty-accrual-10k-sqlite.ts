// loyalty.accrual.10k.sqlite — how many earn entries per second loyalty
// writes when 10 000 orders complete: the durable `order.completed` handler
// run by the outbox relay, end to end.
//
// Set-up (not measured): ORDERS completed orders of 1 000 customers (two lines
// each) written straight into Ordo's tables, and one outbox delivery of their
// `order.completed` event to the loyalty handler (other modules' handlers are
// left out, so the figure is loyalty's alone).
//
// Ordo: `shop.events.relay()` until the outbox is drained: per order, load it,
// commit any held points, record the order's earn basis, compute the points
// (5 %), write the pending earn under the customer's lock, emit
// `loyalty.points_earned`, recompute the customer's tier.
//
// Baseline: raw better-sqlite3 on a copy of the same file inserting the same
// number of earn rows, 500 per transaction, prepared statement.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCommerce, newId, type Commerce, type Database as OrdoDatabase } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import type { Kysely } from 'kysely'
import { positiveInt } from '../checkout-fixture.js'
import { defineScenario, figure, log, perSecond, startTimer } from '../harness.js'

const ORDERS = positiveInt('ORDO_BENCH_ORDERS', 10_000)
const CUSTOMERS = 1_000
const NOW = Date.parse('2026-03-10T09:00:00Z')
const HANDLER = 'loyalty.earn-on-completion'

const config = (file: string) => ({
  storage: sqliteStorage({ filename: file }),
  currency: 'RUB' as const,
  clock: { now: () => new Date(NOW) },
  loyalty: { earnBasisPoints: 500, tiers: [{ code: 'silver', minSpend: 5_000_000, multiplierBasisPoints: 15_000 }] },
})

async function seed(shop: Commerce) {
  await shop.run(async (uow) => {
    const db = uow.db as unknown as Kysely<OrdoDatabase>
    const context = JSON.stringify({ currency: 'RUB', region: null, channel: null, customerId: null, customerGroups: [], orderCount: 0, at: new Date(NOW).toISOString(), couponCodes: [] })
    for (let i = 0; i < ORDERS; i += 250) {
      const orders = Array.from({ length: Math.min(250, ORDERS - i) }, (_, k) => {
        const n = i + k
        const a = 100_000 + (n % 97) * 1_000
        const b = 25_000 + (n % 13) * 500
        const id = newId()
        const breakdown = { currency: 'RUB', lines: [], subtotal: a + b, discountTotal: 0, delivery: null, freeDelivery: false, vatTotal: 0, total: a + b, adjustments: [], coupons: [], appliedPromotionIds: [] }
        return {
          order: {
            id, number: String(100_000 + n), status: 'completed', version: 10, cart_id: null, customer_id: `customer-${n % CUSTOMERS}`,
            contact_name: null, contact_phone: '+79161234567', contact_email: null, shipping_address: null, notes: null, currency: 'RUB', region: null,
            channel_source: null, channel_medium: null, channel_campaign: null, landing_page: null, referrer: null, pricing_context: context,
            subtotal: a + b, discount_total: 0, delivery_total: 0, vat_total: 0, total: a + b, breakdown: JSON.stringify(breakdown), delivery: null,
            payment_method: 'cash_on_delivery', manager_id: null, cancel_reason: null, idempotency_key: null, placed_at: NOW, updated_at: NOW,
            reservation_expires_at: null, refused_total: 0,
          },
          lines: [a, b].map((amount, line) => ({
            id: newId(), order_id: id, line_no: line + 1, variant_id: newId(), product_id: newId(), sku: `SKU-${line}`, name: `Item ${line}`, quantity: 1,
            unit_price: amount, discount_total: 0, total: amount, vat_rate: 'vat22', vat_amount: 0, discounts: '[]', cost_price: null, payment_subject: 'commodity', weight: null,
          })),
        }
      })
      await db.insertInto('ordo_order').values(orders.map((o) => o.order)).execute()
      await db.insertInto('ordo_order_line').values(orders.flatMap((o) => o.lines)).execute()
      const events = orders.map((o) => ({ id: newId(), type: 'order.completed', aggregate_id: o.order.id, payload: JSON.stringify({ orderId: o.order.id, status: 'completed', actor: 'system' }), occurred_at: NOW }))
      await db.insertInto('ordo_event').values(events).execute()
      await db
        .insertInto('ordo_event_delivery')
        .values(events.map((e) => ({ id: newId(), event_id: e.id, handler_id: HANDLER, status: 'pending' as const, attempts: 0, next_attempt_at: NOW, locked_until: null, locked_by: null, last_error: null, delivered_at: null })))
        .execute()
    }
  })
}

function measureBaseline(file: string): number {
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    const insert = db.prepare(
      'insert into ordo_loyalty_entry (id, customer_id, kind, status, points, remaining, order_id, external_id, reason, related_entry_id, created_at, activates_at, expires_at, warned_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    const chunk = db.transaction((from: number, to: number) => {
      for (let n = from; n < to; n++) {
        const orderId = newId()
        insert.run(newId(), `customer-${n % CUSTOMERS}`, 'earn', 'pending', 60, 60, orderId, `order:${orderId}:earn`, 'order', null, NOW, NOW + 14 * 86_400_000, null, null, NOW)
      }
    })
    const timer = startTimer()
    for (let i = 0; i < ORDERS; i += 500) chunk(i, Math.min(ORDERS, i + 500))
    return timer.ms()
  } finally {
    db.close()
  }
}

export default defineScenario({
  name: 'loyalty.accrual.10k.sqlite',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-loyalty-accrual-'))
    try {
      log(`loyalty.accrual.10k.sqlite: ${ORDERS} completed orders of ${CUSTOMERS} customers, earned through the outbox`)
      const file = join(dir, 'ordo.db')
      const seeding = await createCommerce(config(file))
      try {
        await seed(seeding)
      } finally {
        await seeding.close()
      }
      const baseFile = join(dir, 'baseline.db')
      copyFileSync(file, baseFile)
      if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${baseFile}-wal`)

      const shop = await createCommerce(config(file))
      let ordoMs = 0
      let entries = 0
      try {
        const t = startTimer()
        const relayed = await shop.events.relay()
        ordoMs = t.ms()
        if (relayed.delivered < ORDERS || relayed.parked > 0 || relayed.retried > 0) throw new Error(`expected ${ORDERS} deliveries, got ${JSON.stringify(relayed)}`)
        entries = await shop.run(async (uow) => {
          const db = uow.db as unknown as Kysely<OrdoDatabase>
          const row = await db.selectFrom('ordo_loyalty_entry').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', 'earn').executeTakeFirstOrThrow()
          return Number(row.n)
        })
        if (entries !== ORDERS) throw new Error(`expected ${ORDERS} earn entries, found ${entries}`)
      } finally {
        await shop.close()
      }
      const baseMs = measureBaseline(baseFile)
      return [
        figure({
          name: 'loyalty.accrual.10k.sqlite',
          unit: 'entries/s',
          value: perSecond(entries, ordoMs),
          baseline: perSecond(ORDERS, baseMs),
          baselineLabel: 'raw better-sqlite3: insert the earn rows, 500 per transaction, prepared statement',
          orders: ORDERS,
        }),
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
})
