// reports.funnel.1m — how long `shop.reports.funnel()` takes over a month with
// a million orders on the embedded SQLite storage.
//
// Set-up (not measured): a migrated file, then raw better-sqlite3 bulk inserts
// of ORDERS funnel orders spread over March 2026 (60 % paid, 45 % delivered,
// 15 % cancelled for one of five reasons), 1.5 × as many carts, 2 × as many
// page views (one session per two), 5 % as many leads, over 20 channels
// (source × medium).
//
// Ordo: `shop.reports.funnel({ March in Europe/Moscow, by day, by channel })`
// — eight GROUP BY queries (visits by day and channel, by channel, by day and
// in total, leads, carts and orders by day and channel, cancellations by
// reason) and merging their rows; p50 of SAMPLES runs.
//
// Baseline: the same eight queries written by hand (the day of a row by the
// same nested CASE over the day boundaries) run with prepared better-sqlite3
// statements on the same file, without merging; p50 of SAMPLES runs.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCommerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { positiveInt } from '../checkout-fixture.js'
import { defineScenario, figure, latencySummary, log, startTimer } from '../harness.js'

const ORDERS = positiveInt('ORDO_BENCH_FUNNEL_ORDERS', 1_000_000)
const SAMPLES = positiveInt('ORDO_BENCH_FUNNEL_SAMPLES', 5)
const HOUR = 3_600_000
const DAY = 24 * HOUR
/** March 2026 in Moscow (UTC+3 all year). */
const FROM = Date.UTC(2026, 2, 1) - 3 * HOUR
const TO = Date.UTC(2026, 3, 1) - 3 * HOUR
const SPAN = TO - FROM
const SOURCES = ['yandex', 'google', 'vk', 'market', null] as const
const MEDIUMS = ['cpc', 'organic', 'social', 'email'] as const
const REASONS = ['no_answer', 'out_of_stock', 'bought_elsewhere', 'price_not_suitable', 'delivery_not_suitable'] as const

const pad = (prefix: string, i: number) => `${prefix}${String(i).padStart(9, '0')}`
const channelOf = (i: number) => ({ source: SOURCES[i % SOURCES.length]!, medium: MEDIUMS[Math.floor(i / SOURCES.length) % MEDIUMS.length]! })

function seed(file: string): void {
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = OFF')
    const visits = ORDERS * 2
    const carts = Math.round(ORDERS * 1.5)
    const leads = Math.round(ORDERS * 0.05)
    const insertVisit = db.prepare('insert into ordo_visit (id, session_id, visitor_id, source, medium, campaign, landing, referrer, at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    const insertLead = db.prepare('insert into ordo_lead (id, session_id, name, phone, email, source, medium, campaign, landing, at) values (?, ?, null, ?, null, ?, ?, null, ?, ?)')
    const insertCart = db.prepare('insert into ordo_tracked_cart (cart_id, session_id, source, medium, campaign, landing, created_at) values (?, ?, ?, ?, null, ?, ?)')
    const insertOrder = db.prepare(
      'insert into ordo_tracked_order (order_id, cart_id, session_id, source, medium, campaign, landing, placed_at, paid_at, delivered_at, cancelled_at, cancel_reason) values (?, ?, ?, ?, ?, null, ?, ?, ?, ?, ?, ?)',
    )
    const batch = (count: number, row: (i: number) => void) => {
      const write = db.transaction((start: number, end: number) => {
        for (let i = start; i < end; i++) row(i)
      })
      for (let i = 0; i < count; i += 50_000) write(i, Math.min(count, i + 50_000))
    }
    batch(visits, (i) => {
      const { source, medium } = channelOf(i >> 1)
      insertVisit.run(pad('v', i), pad('s', i >> 1), pad('u', i >> 3), source, medium, null, `/p/${i % 500}`, null, FROM + Math.floor((i / visits) * SPAN))
    })
    batch(leads, (i) => {
      const { source, medium } = channelOf(i * 40)
      insertLead.run(pad('l', i), pad('s', i * 40), '+79160000000', source, medium, `/p/${i % 500}`, FROM + Math.floor((i / leads) * SPAN))
    })
    batch(carts, (i) => {
      const { source, medium } = channelOf(Math.floor(i / 1.5))
      insertCart.run(pad('c', i), pad('s', Math.floor(i / 1.5)), source, medium, `/p/${i % 500}`, FROM + Math.floor((i / carts) * SPAN))
    })
    batch(ORDERS, (i) => {
      const { source, medium } = channelOf(i)
      const placed = FROM + Math.floor((i / ORDERS) * SPAN)
      const cancelled = i % 20 < 3
      const paid = !cancelled && i % 20 < 15
      const delivered = paid && i % 4 !== 0
      insertOrder.run(
        pad('o', i),
        pad('c', i),
        pad('s', i),
        source,
        medium,
        `/p/${i % 500}`,
        placed,
        paid ? placed + HOUR : null,
        delivered ? placed + 2 * DAY : null,
        cancelled ? placed + 3 * HOUR : null,
        cancelled ? REASONS[i % REASONS.length]! : null,
      )
    })
    db.exec('analyze')
  } finally {
    db.close()
  }
}

/** The day of `column` as the engine writes it: nested CASEs halving the boundaries of March's days in Moscow. */
function dayCase(column: string, lo = 0, hi = 30): string {
  if (lo === hi) return String(lo)
  const mid = (lo + hi + 1) >> 1
  return `CASE WHEN ${column} < ${FROM + mid * DAY} THEN ${dayCase(column, lo, mid - 1)} ELSE ${dayCase(column, mid, hi)} END`
}

function baselineQueries(db: Database.Database): Array<() => unknown[]> {
  const period = (column: string) => `${column} >= ${FROM} AND ${column} < ${TO}`
  const src = `COALESCE(NULLIF(source, ''), '(direct)')`
  const prepared = [
    `SELECT b, d_source, d_medium, COUNT(DISTINCT session_id) AS visits, COUNT(*) AS page_views FROM (SELECT ${dayCase('"at"')} AS b, ${src} AS d_source, medium AS d_medium, session_id FROM ordo_visit WHERE ${period('"at"')}) t GROUP BY b, d_source, d_medium`,
    `SELECT d_source, d_medium, COUNT(DISTINCT session_id) AS visits, COUNT(*) AS page_views FROM (SELECT ${src} AS d_source, medium AS d_medium, session_id FROM ordo_visit WHERE ${period('"at"')}) t GROUP BY d_source, d_medium`,
    `SELECT b, COUNT(DISTINCT session_id) AS visits, COUNT(*) AS page_views FROM (SELECT ${dayCase('"at"')} AS b, session_id FROM ordo_visit WHERE ${period('"at"')}) t GROUP BY b`,
    `SELECT COUNT(DISTINCT session_id) AS visits, COUNT(*) AS page_views FROM ordo_visit WHERE ${period('"at"')}`,
    `SELECT b, d_source, d_medium, COUNT(*) AS n FROM (SELECT ${dayCase('"at"')} AS b, ${src} AS d_source, medium AS d_medium FROM ordo_lead WHERE ${period('"at"')}) t GROUP BY b, d_source, d_medium`,
    `SELECT b, d_source, d_medium, COUNT(*) AS n FROM (SELECT ${dayCase('created_at')} AS b, ${src} AS d_source, medium AS d_medium FROM ordo_tracked_cart WHERE ${period('created_at')}) t GROUP BY b, d_source, d_medium`,
    `SELECT b, d_source, d_medium, COUNT(*) AS n, SUM(CASE WHEN paid_at IS NOT NULL THEN 1 ELSE 0 END) AS paid, SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS delivered, SUM(CASE WHEN cancelled_at IS NOT NULL THEN 1 ELSE 0 END) AS cancelled FROM (SELECT ${dayCase('placed_at')} AS b, ${src} AS d_source, medium AS d_medium, paid_at, delivered_at, cancelled_at FROM ordo_tracked_order WHERE ${period('placed_at')}) t GROUP BY b, d_source, d_medium`,
    `SELECT cancel_reason AS reason, COUNT(*) AS n FROM ordo_tracked_order WHERE ${period('placed_at')} AND cancelled_at IS NOT NULL GROUP BY cancel_reason`,
  ].map((text) => db.prepare(text))
  return prepared.map((statement) => () => statement.all())
}

export default defineScenario({
  name: 'reports.funnel.1m',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-funnel-'))
    try {
      const file = join(dir, 'ordo.db')
      const migrate = await createCommerce({ storage: sqliteStorage({ filename: file }), currency: 'RUB' })
      await migrate.close()
      log(`reports.funnel.1m: seeding ${ORDERS} orders, ${Math.round(ORDERS * 1.5)} carts, ${ORDERS * 2} page views, ${Math.round(ORDERS * 0.05)} leads`)
      const seeding = startTimer()
      seed(file)
      log(`  seeded in ${Math.round(seeding.seconds())} s`)

      const shop = await createCommerce({ storage: sqliteStorage({ filename: file }), currency: 'RUB' })
      const ordo: number[] = []
      let orders = 0
      try {
        const input = { from: new Date(FROM), to: new Date(TO), timeZone: 'Europe/Moscow', groupBy: 'day' as const, by: 'channel' as const }
        await shop.reports.funnel(input)
        for (let i = 0; i < SAMPLES; i++) {
          const timer = startTimer()
          const report = await shop.reports.funnel(input)
          ordo.push(timer.ms())
          orders = report.totals.orders
        }
      } finally {
        await shop.close()
      }
      if (orders !== ORDERS) throw new Error(`the funnel counted ${orders} orders, expected ${ORDERS}`)

      const db = new Database(file, { readonly: true })
      const base: number[] = []
      let baseOrders = 0
      try {
        const queries = baselineQueries(db)
        for (const q of queries) q()
        for (let i = 0; i < SAMPLES; i++) {
          const timer = startTimer()
          const results = queries.map((q) => q())
          base.push(timer.ms())
          baseOrders = (results[6] as { n: number }[]).reduce((sum, r) => sum + r.n, 0)
        }
        const names = ['visits by day and channel', 'visits by channel', 'visits by day', 'visits in total', 'leads', 'carts', 'orders', 'cancellations']
        log(`  raw query times: ${queries.map((q, i) => { const t = startTimer(); q(); return `${names[i]} ${Math.round(t.ms())} ms` }).join(', ')}`)
      } finally {
        db.close()
      }
      if (baseOrders !== ORDERS) throw new Error(`the raw queries counted ${baseOrders} orders, expected ${ORDERS}`)
      const o = latencySummary(ordo)
      const b = latencySummary(base)
      return [
        figure({
          name: 'reports.funnel.1m',
          unit: 'ms',
          value: o.p50,
          p95: o.p95,
          baseline: b.p50,
          baselineP95: b.p95,
          baselineLabel: 'raw better-sqlite3: the same eight GROUP BY queries written by hand, prepared, no merging',
          orders: ORDERS,
          samples: SAMPLES,
        }),
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
})
