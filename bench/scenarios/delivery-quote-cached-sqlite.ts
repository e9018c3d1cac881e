// delivery.quote.cached.sqlite — how many `shop.delivery.quote()` calls per
// second a storefront gets once the couriers' answers are cached (the checkout
// page re-quoting as the customer types or reloads).
//
// Ordo: a shop with two courier adapters (in-process, answering instantly with
// 3 tariffs and 20 pickup points each), the shop's own courier with time slots
// and showroom pickup; CARTS carts of 3 lines; after one quote per cart warms
// the cache, OPS quotes spread over the carts. Each quote reads the cart, its
// lines and their weights, packs the parcel, reads slot bookings and prices
// every option with its estimated dates.
//
// Baseline: raw better-sqlite3 on the same file reading what a cached quote
// must read — the cart row, its lines, their variants' weights and the slot
// bookings — with cached prepared statements; no packing, no options.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCommerce, type Courier, type PickupPoint } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { fillCart, positiveInt, seedShop } from '../checkout-fixture.js'
import { defineScenario, figure, latencySummary, log, perSecond, startTimer } from '../harness.js'

const CARTS = 200
const OPS = positiveInt('ORDO_BENCH_OPS', 5000)
const DESTINATION = { city: 'Москва', postalCode: '125009' }

function instantCourier(id: string): Courier {
  const services = { cod: true, card: true, tryOn: true, partialBuyout: true }
  const points: PickupPoint[] = Array.from({ length: 20 }, (_, i) => ({
    id: `${id}-${i}`,
    carrier: id,
    type: i % 4 === 0 ? 'parcel_locker' : 'pickup_point',
    name: `${id} point ${i}`,
    address: { country: 'RU', city: 'Москва', postalCode: '125009', line: `ул. Тверская, ${i}` },
    lat: 55.75 + i / 1000,
    lon: 37.61,
    workingHours: '10:00-21:00',
    services,
    maxWeightGrams: i % 4 === 0 ? 15_000 : null,
    maxDimensionsCm: i % 4 === 0 ? [60, 40, 40] : null,
  }))
  return {
    id,
    name: id,
    capabilities: { supportsTryOn: true, supportsPartialBuyout: true, supportsLockers: true, supportsWebhooks: true, supportsCod: true, supportsLabels: false, maxTrackBatch: 100 },
    async quote() {
      return [
        { tariffCode: 'door', name: 'Door', methodType: 'courier_door', price: 39_000, minDays: 2, maxDays: 3, services },
        { tariffCode: 'point', name: 'Point', methodType: 'pickup_point', price: 25_000, minDays: 3, maxDays: 4, services },
        { tariffCode: 'locker', name: 'Locker', methodType: 'parcel_locker', price: 19_000, minDays: 3, maxDays: 4, services },
      ]
    },
    async listPickupPoints() {
      return points
    },
    async createShipment() {
      throw new Error('not used')
    },
    async cancelShipment() {},
    async getLabel() {
      return new Uint8Array()
    },
    async track() {
      return []
    },
    async parseWebhook() {
      return { ok: false, reason: 'not used', response: { status: 404, body: '', contentType: 'text/plain' } }
    },
  }
}

async function measureOrdo(file: string) {
  const shop = await createCommerce({
    storage: sqliteStorage({ filename: file }),
    currency: 'RUB',
    delivery: {
      couriers: [instantCourier('alpha'), instantCourier('beta')],
      ownCourier: { zones: [{ code: 'msk', name: 'Moscow', cities: ['Москва'], price: 35_000, freeFrom: 500_000, days: { min: 1, max: 1 } }], slots: [{ from: '10:00', to: '14:00', capacity: 50 }, { from: '14:00', to: '18:00', capacity: 50 }] },
      showroomPickup: { locations: [{ code: 'main', city: 'Москва', address: 'ул. Арбат, 10' }] },
    },
  })
  try {
    await seedShop(shop)
    const carts: string[] = []
    for (let i = 0; i < CARTS; i++) carts.push(await fillCart(shop, i))
    for (const cart of carts) await shop.delivery.quote(cart, DESTINATION)
    const samples: number[] = []
    let options = 0
    const total = startTimer()
    for (let op = 0; op < OPS; op++) {
      const t = startTimer()
      options += (await shop.delivery.quote(carts[op % CARTS]!, DESTINATION)).options.length
      samples.push(t.ms())
    }
    const ms = total.ms()
    if (options !== OPS * 8) throw new Error(`expected 8 options per quote, got ${options / OPS}`)
    return { ms, carts, ...latencySummary(samples) }
  } finally {
    await shop.close()
  }
}

function measureBaseline(file: string, carts: readonly string[]) {
  const db = new Database(file)
  try {
    const cart = db.prepare('select * from ordo_cart where id = ?')
    const items = db.prepare('select * from ordo_cart_item where cart_id = ? order by added_at, id')
    const weights = db.prepare('select weight_grams, length_mm, width_mm, height_mm from ordo_variant where sku in (?, ?, ?)')
    const slots = db.prepare('select * from ordo_delivery_slot where slot_id in (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    const samples: number[] = []
    const total = startTimer()
    for (let op = 0; op < OPS; op++) {
      const t = startTimer()
      cart.get(carts[op % CARTS])
      const lines = items.all(carts[op % CARTS]) as { sku: string }[]
      weights.all(lines[0]?.sku, lines[1]?.sku, lines[2]?.sku)
      slots.all('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j')
      samples.push(t.ms())
    }
    return { ms: total.ms(), ...latencySummary(samples) }
  } finally {
    db.close()
  }
}

export default defineScenario({
  name: 'delivery.quote.cached.sqlite',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-quote-'))
    try {
      log(`delivery.quote.cached.sqlite: ${OPS} quotes over ${CARTS} carts, 2 couriers + own courier + showroom, couriers' answers cached`)
      const file = join(dir, 'ordo.db')
      const ordo = await measureOrdo(file)
      const base = measureBaseline(file, ordo.carts)
      return [
        figure({
          name: 'delivery.quote.cached.sqlite',
          unit: 'quotes/s',
          value: perSecond(OPS, ordo.ms),
          baseline: perSecond(OPS, base.ms),
          baselineLabel: 'raw better-sqlite3 reading the cart, its lines, their weights and slot bookings (no packing, no options)',
          p50Ms: Math.round(ordo.p50 * 1000) / 1000,
          p95Ms: Math.round(ordo.p95 * 1000) / 1000,
          baselineP50Ms: Math.round(base.p50 * 1000) / 1000,
        }),
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
})
