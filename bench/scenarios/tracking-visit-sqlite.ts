// tracking.visit.sqlite — how many page views per second `shop.tracking.visit()`
// records on the embedded SQLite storage.
//
// Ordo: VISITS calls of `shop.tracking.visit()` (each validated and queued in
// memory; full batches of 500 written as multi-row inserts in the background),
// then `shop.tracking.flush()`. The figure is VISITS / (time of the calls +
// the final flush): every visit is on disk when the clock stops.
//
// Baseline: raw better-sqlite3 on a second file migrated the same way (same
// pragmas, same table and indexes), inserting the same rows with one prepared
// single-row INSERT per visit, 500 per transaction — the usual fast way to
// write rows with the raw driver.
//
// Each side runs ROUNDS rounds on fresh files (alternating); the figure uses
// each side's median.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCommerce, newId } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { positiveInt } from '../checkout-fixture.js'
import { defineScenario, figure, log, perSecond, startTimer } from '../harness.js'

const VISITS = positiveInt('ORDO_BENCH_VISITS', 100_000)
const ROUNDS = 3
const BATCH = 500
const NOW = Date.parse('2026-03-10T09:00:00Z')
const SOURCES = [
  ['yandex', 'cpc'],
  ['google', 'cpc'],
  ['vk', 'social'],
  [null, null],
  ['market', 'price'],
] as const

/** The i-th page view: a few pages per session, sessions of returning visitors, a handful of channels. */
function visitInput(i: number) {
  const [source, medium] = SOURCES[i % SOURCES.length]!
  return {
    sessionId: `s-${Math.floor(i / 4)}`,
    visitorId: `v-${Math.floor(i / 10)}`,
    channel: { source, medium, campaign: source ? `campaign-${i % 7}` : null },
    landing: `/catalog/item-${i % 997}`,
    referrer: source ? `https://${source}.example/` : null,
    at: new Date(NOW + i * 50),
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

async function migratedFile(dir: string, name: string): Promise<string> {
  const file = join(dir, name)
  const shop = await createCommerce({ storage: sqliteStorage({ filename: file }), currency: 'RUB' })
  await shop.close()
  return file
}

async function ordoRound(dir: string, round: number): Promise<number> {
  const shop = await createCommerce({
    storage: sqliteStorage({ filename: join(dir, `ordo-${round}.db`) }),
    currency: 'RUB',
    clock: { now: () => new Date(NOW) },
    tracking: { batchSize: BATCH, flushIntervalMs: 1000 },
  })
  try {
    const inputs = Array.from({ length: VISITS }, (_, i) => visitInput(i))
    const timer = startTimer()
    for (const input of inputs) await shop.tracking.visit(input)
    await shop.tracking.flush()
    const ms = timer.ms()
    const stored = await shop.run((uow) => uow.db.selectFrom('ordo_visit').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow())
    if (Number(stored.n) !== VISITS) throw new Error(`stored ${stored.n} visits, expected ${VISITS}`)
    return ms
  } finally {
    await shop.close()
  }
}

async function baselineRound(dir: string, round: number): Promise<number> {
  const db = new Database(await migratedFile(dir, `raw-${round}.db`))
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    const insert = db.prepare(
      'insert into ordo_visit (id, session_id, visitor_id, source, medium, campaign, landing, referrer, at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    const write = db.transaction((rows: ReturnType<typeof visitInput>[]) => {
      for (const v of rows) insert.run(newId(), v.sessionId, v.visitorId, v.channel.source, v.channel.medium, v.channel.campaign, v.landing, v.referrer, v.at.getTime())
    })
    const inputs = Array.from({ length: VISITS }, (_, i) => visitInput(i))
    const timer = startTimer()
    for (let i = 0; i < VISITS; i += BATCH) write(inputs.slice(i, i + BATCH))
    const ms = timer.ms()
    const n = (db.prepare('select count(*) as n from ordo_visit').get() as { n: number }).n
    if (n !== VISITS) throw new Error(`raw stored ${n} visits, expected ${VISITS}`)
    return ms
  } finally {
    db.close()
  }
}

export default defineScenario({
  name: 'tracking.visit.sqlite',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-visits-'))
    try {
      log(`tracking.visit.sqlite: ${VISITS} visits per round, ${ROUNDS} rounds`)
      const ordo: number[] = []
      const base: number[] = []
      for (let round = 0; round < ROUNDS; round++) {
        ordo.push(await ordoRound(dir, round))
        base.push(await baselineRound(dir, round))
        log(`  round ${round + 1}: ordo ${Math.round(perSecond(VISITS, ordo[round]!))} visits/s, raw ${Math.round(perSecond(VISITS, base[round]!))} visits/s`)
      }
      return [
        figure({
          name: 'tracking.visit.sqlite',
          unit: 'visits/s',
          value: perSecond(VISITS, median(ordo)),
          baseline: perSecond(VISITS, median(base)),
          baselineLabel: 'raw better-sqlite3: one prepared single-row INSERT per visit, 500 per transaction, same table and indexes',
          visits: VISITS,
          batchSize: BATCH,
        }),
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
})
