// delivery.tracking.batch10k.sqlite — how many carrier status reports per
// second `shop.shipments.applyUpdates()` applies, in one batch of 10 000 (a
// poll of a busy carrier, or a day's webhook backlog).
//
// Set-up (not measured): SHIPMENTS registered shipments of a courier, written
// straight into Ordo's tables (their orders are not part of this figure).
//
// Ordo: one applyUpdates call with one `in_transit` report per shipment, then
// the same batch again (all duplicates). Each new report is stored in the
// shipment's history, takes the `transit` transition (history row, outbox
// event) and saves the shipment with its version check; the shipment's order
// is looked up to follow it.
//
// Baseline: raw better-sqlite3 on a copy of the same file doing the minimum —
// find the shipments of a chunk by carrier id, insert the history rows, update
// each shipment's status — 500 reports per transaction, prepared statements.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCommerce, newId, type CarrierStatusUpdate, type Commerce, type Database as OrdoDatabase } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import type { Kysely } from 'kysely'
import { positiveInt } from '../checkout-fixture.js'
import { defineScenario, figure, log, perSecond, startTimer } from '../harness.js'

const SHIPMENTS = positiveInt('ORDO_BENCH_SHIPMENTS', 10_000)
const CARRIER = 'bench'
const AT = Date.parse('2026-03-11T10:00:00Z')

async function seed(shop: Commerce) {
  await shop.run(async (uow) => {
    const db = uow.db as unknown as Kysely<OrdoDatabase>
    const now = Date.now()
    for (let i = 0; i < SHIPMENTS; i += 500) {
      await db
        .insertInto('ordo_shipment')
        .values(
          Array.from({ length: Math.min(500, SHIPMENTS - i) }, (_, k) => {
            const n = i + k
            return {
              id: newId(),
              order_id: newId(),
              order_number: String(100_000 + n),
              number: `${100_000 + n}-1`,
              direction: 'outbound' as const,
              status: 'registered',
              raw_status: 'CREATED',
              method_type: 'courier_door',
              carrier: CARRIER,
              tariff_code: 'door',
              location_id: null,
              supplier_order_id: null,
              pickup_point: null,
              address: null,
              slot: null,
              tracking_number: `TRK${n}`,
              carrier_shipment_id: `uuid-${n}`,
              storage_until: null,
              cod_amount: 0,
              declared_value: 100_000,
              weight_grams: 1000,
              boxes: 1,
              services: '{"tryOn":false,"partialBuyout":false,"callBefore":false}',
              related_shipment_id: null,
              last_report_at: null,
              next_poll_at: null,
              outcome_key: null,
              version: 1,
              created_at: now,
              updated_at: now,
            }
          }),
        )
        .execute()
    }
  })
}

const updates = (): CarrierStatusUpdate[] =>
  Array.from({ length: SHIPMENTS }, (_, n) => ({ carrierShipmentId: `uuid-${n}`, trackingNumber: `TRK${n}`, reference: null, status: 'in_transit', rawStatus: 'SENT_TO_RECIPIENT_CITY', occurredAt: new Date(AT + n) }))

function measureBaseline(file: string) {
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    const list = updates()
    const find = db.prepare(`select id, status, version from ordo_shipment where carrier = ? and carrier_shipment_id in (${Array(500).fill('?').join(',')})`)
    const insertEvent = db.prepare('insert into ordo_shipment_event (id, shipment_id, status, raw_status, source, description, occurred_at, dedupe_key, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    const update = db.prepare('update ordo_shipment set status = ?, raw_status = ?, version = version + 1, updated_at = ? where id = ? and version = ?')
    const apply = db.transaction((chunk: CarrierStatusUpdate[]) => {
      const ids = chunk.map((u) => u.carrierShipmentId)
      const rows = find.all(CARRIER, ...ids, ...Array(500 - ids.length).fill(null)) as { id: string; status: string; version: number }[]
      const byId = new Map(rows.map((r, i) => [ids[i], r]))
      for (const u of chunk) {
        const row = byId.get(u.carrierShipmentId)
        if (!row) continue
        insertEvent.run(newId(), row.id, u.status, u.rawStatus, 'poll', null, u.occurredAt.getTime(), `${u.rawStatus}@${u.occurredAt.getTime()}`, Date.now())
        update.run(u.status, u.rawStatus, Date.now(), row.id, row.version)
      }
    })
    const timer = startTimer()
    for (let i = 0; i < list.length; i += 500) apply(list.slice(i, i + 500))
    return timer.ms()
  } finally {
    db.close()
  }
}

export default defineScenario({
  name: 'delivery.tracking.batch10k.sqlite',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-tracking-'))
    try {
      log(`delivery.tracking.batch10k.sqlite: ${SHIPMENTS} shipments, one in_transit report each, then the same batch again`)
      const file = join(dir, 'ordo.db')
      const shop = await createCommerce({ storage: sqliteStorage({ filename: file }), currency: 'RUB' })
      let ordoMs = 0
      let duplicateMs = 0
      try {
        await seed(shop)
        await shop.close().catch(() => undefined)
      } catch (error) {
        await shop.close()
        throw error
      }
      const baseFile = join(dir, 'baseline.db')
      copyFileSync(file, baseFile)
      if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${baseFile}-wal`)
      const measured = await createCommerce({ storage: sqliteStorage({ filename: file }), currency: 'RUB' })
      try {
        const batch = updates()
        const t = startTimer()
        const result = await measured.shipments.applyUpdates(CARRIER, batch, { source: 'poll' })
        ordoMs = t.ms()
        if (result.applied !== SHIPMENTS) throw new Error(`expected ${SHIPMENTS} applied, got ${JSON.stringify(result)}`)
        const d = startTimer()
        const again = await measured.shipments.applyUpdates(CARRIER, batch, { source: 'poll' })
        duplicateMs = d.ms()
        if (again.ignored !== SHIPMENTS) throw new Error(`expected ${SHIPMENTS} duplicates, got ${JSON.stringify(again)}`)
      } finally {
        await measured.close()
      }
      const baseMs = measureBaseline(baseFile)
      return [
        figure({
          name: 'delivery.tracking.batch10k.sqlite',
          unit: 'updates/s',
          value: perSecond(SHIPMENTS, ordoMs),
          baseline: perSecond(SHIPMENTS, baseMs),
          baselineLabel: 'raw better-sqlite3: find by carrier id, insert history row, update status; 500 per transaction',
          duplicatesPerSecond: Math.round(perSecond(SHIPMENTS, duplicateMs)),
        }),
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
})
