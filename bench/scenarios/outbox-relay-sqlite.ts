// outbox.relay.sqlite — how fast events get from a command into the outbox and
// out to a durable handler, on the embedded SQLite storage.
//
// Ordo: N `state.changed` events emitted in commands of BATCH events each
// (`shop.run`), then `shop.events.relay()` delivers them all to one handler
// that does nothing. The figure is N / (write time + relay time).
//
// Baseline: raw better-sqlite3 (same pragmas, a separate file) inserting the
// same rows — one event row and one delivery row per event, BATCH events per
// transaction, prepared statements — into plain tables of the same columns
// (primary keys only, no secondary indexes). It is the floor of any outbox on
// SQLite: the cost of getting the rows on disk, with no relay at all.
//
// Each side runs a small warm-up, then ROUNDS rounds on fresh files in one temp
// dir (alternating, so drift hits both); the figure uses each side's median.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCommerce, newId, type StateChangedData } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { defineScenario, figure, log, peakRssMb, perSecond, startTimer } from '../harness.js'

/** Events written and relayed; override with ORDO_BENCH_EVENTS for a quick or a long run. */
const EVENTS = Number(process.env.ORDO_BENCH_EVENTS ?? 20_000)
if (!Number.isInteger(EVENTS) || EVENTS < 1) throw new Error(`ORDO_BENCH_EVENTS must be a positive integer, got "${process.env.ORDO_BENCH_EVENTS}"`)
/** Events per command (and per baseline transaction). */
const BATCH = 10
/** Measured rounds of each side; the figure uses the median round. A smaller warm-up round runs first. */
const ROUNDS = 3
const HANDLER_ID = 'bench'

function eventData(i: number): StateChangedData {
  return {
    machine: 'bench',
    entityId: `entity-${i % 1000}`,
    transition: 'advance',
    from: 'a',
    to: 'b',
    actor: 'system',
    reason: null,
    note: null,
  }
}

async function measureOrdo(file: string, events: number) {
  const shop = await createCommerce({
    storage: sqliteStorage({ filename: file }),
    currency: 'RUB',
    eventHandlers: [{ id: HANDLER_ID, events: '*', handle() {} }],
  })
  try {
    const total = startTimer()
    for (let i = 0; i < events; i += BATCH) {
      await shop.run(async (uow) => {
        for (let j = i; j < Math.min(i + BATCH, events); j++) {
          const data = eventData(j)
          uow.emit({ type: 'state.changed', aggregateId: data.entityId, data })
        }
      })
    }
    const writeMs = total.ms()
    const relayed = await shop.events.relay()
    const totalMs = total.ms()
    if (relayed.delivered !== events || relayed.retried !== 0 || relayed.parked !== 0) {
      throw new Error(`relay delivered ${relayed.delivered} of ${events} (retried ${relayed.retried}, parked ${relayed.parked})`)
    }
    return { writeMs, relayMs: totalMs - writeMs, totalMs }
  } finally {
    await shop.close()
  }
}

function measureBaseline(file: string, events: number) {
  const db = new Database(file)
  try {
    // The same pragmas sqliteStorage() opens with.
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    db.exec(`
      create table event (
        id varchar(36) primary key,
        type varchar(100) not null,
        aggregate_id varchar(64),
        payload text not null,
        occurred_at bigint not null
      );
      create table event_delivery (
        id varchar(36) primary key,
        event_id varchar(36) not null references event (id) on delete cascade,
        handler_id varchar(100) not null,
        status varchar(16) not null,
        attempts integer not null default 0,
        next_attempt_at bigint not null,
        locked_until bigint,
        locked_by varchar(64),
        last_error text,
        delivered_at bigint
      );
    `)
    const insertEvent = db.prepare('insert into event (id, type, aggregate_id, payload, occurred_at) values (?, ?, ?, ?, ?)')
    const insertDelivery = db.prepare(
      `insert into event_delivery (id, event_id, handler_id, status, attempts, next_attempt_at, locked_until, locked_by, last_error, delivered_at)
       values (?, ?, ?, 'pending', 0, ?, null, null, null, null)`,
    )
    const writeBatch = db.transaction((from: number, to: number) => {
      const at = Date.now()
      for (let j = from; j < to; j++) {
        const data = eventData(j)
        const eventId = newId()
        insertEvent.run(eventId, 'state.changed', data.entityId, JSON.stringify(data), at)
        insertDelivery.run(newId(), eventId, HANDLER_ID, at)
      }
    })
    const timer = startTimer()
    for (let i = 0; i < events; i += BATCH) writeBatch(i, Math.min(i + BATCH, events))
    return { totalMs: timer.ms() }
  } finally {
    db.close()
  }
}

export default defineScenario({
  name: 'outbox.relay.sqlite',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-outbox-'))
    try {
      log(`  ${EVENTS} events in commands (baseline: transactions) of ${BATCH}; warm-up + ${ROUNDS} rounds each`)
      // Warm-up: JIT, the native module and the page cache, on throw-away files.
      measureBaseline(join(dir, 'warmup-baseline.db'), Math.ceil(EVENTS / 10))
      await measureOrdo(join(dir, 'warmup-shop.db'), Math.ceil(EVENTS / 10))

      const baselineRounds: number[] = []
      const ordoRounds: Awaited<ReturnType<typeof measureOrdo>>[] = []
      for (let round = 1; round <= ROUNDS; round++) {
        const baseline = measureBaseline(join(dir, `baseline-${round}.db`), EVENTS)
        const ordo = await measureOrdo(join(dir, `shop-${round}.db`), EVENTS)
        baselineRounds.push(baseline.totalMs)
        ordoRounds.push(ordo)
        log(
          `  round ${round}: ordo ${Math.round(perSecond(EVENTS, ordo.totalMs))} events/s ` +
            `(write ${Math.round(ordo.writeMs)} ms, relay ${Math.round(ordo.relayMs)} ms), ` +
            `baseline ${Math.round(perSecond(EVENTS, baseline.totalMs))} events/s`,
        )
      }
      const ordo = [...ordoRounds].sort((a, b) => a.totalMs - b.totalMs)[Math.floor(ROUNDS / 2)]!
      const baselineMs = [...baselineRounds].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!
      return [
        figure({
          name: 'outbox.relay.sqlite',
          unit: 'events/s',
          value: perSecond(EVENTS, ordo.totalMs),
          baseline: perSecond(EVENTS, baselineMs),
          baselineLabel: 'raw better-sqlite3 insert of the same rows',
          events: EVENTS,
          eventsPerCommand: BATCH,
          rounds: ROUNDS,
          writeEventsPerSec: Math.round(perSecond(EVENTS, ordo.writeMs)),
          relayEventsPerSec: Math.round(perSecond(EVENTS, ordo.relayMs)),
          peakRssMb: peakRssMb(),
        }),
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
})
