// cart.addItem.sqlite — how many `shop.carts.addItem` calls per second the
// embedded SQLite storage serves, each returning the cart with a fresh
// PriceBreakdown (catalog prices, promotions, VAT).
//
// Ordo: a catalog of 200 SKUs with base prices and stock in one warehouse;
// OPS calls of addItem spread over CARTS carts (4 lines each, then quantity
// bumps), measured as ops/s and p50/p95 latency.
//
// Baseline: raw better-sqlite3 doing the writes an add-to-cart needs and
// nothing else — look the SKU up, read its stock, insert or bump the line,
// touch the cart — in one transaction with prepared statements, on the same
// data shape. It does no pricing: the gap is the price of the breakdown,
// validation and events.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCommerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { defineScenario, figure, latencySummary, log, perSecond, startTimer } from '../harness.js'

const SKUS = 200
const CARTS = 500
const OPS = Number(process.env.ORDO_BENCH_OPS ?? 4000)
const sku = (i: number) => `SKU-${String(i).padStart(4, '0')}`

async function measureOrdo(file: string) {
  const shop = await createCommerce({ storage: sqliteStorage({ filename: file }), currency: 'RUB' })
  try {
    await shop.catalog.import(
      Array.from({ length: SKUS }, (_, i) => ({
        handle: `product-${Math.floor(i / 4)}`,
        name: `Product ${Math.floor(i / 4)}`,
        vatRate: 'vat22' as const,
        paymentSubject: 'commodity' as const,
        sku: sku(i),
        variantName: `V${i % 4}`,
        prices: [{ priceList: 'base-RUB', amount: 10_000 + i * 100 }],
      })),
    )
    const location = await shop.inventory.createLocation({ code: 'main', name: 'Main', type: 'warehouse' })
    for (let i = 0; i < SKUS; i++) {
      const variant = await shop.catalog.getVariantBySku(sku(i))
      await shop.inventory.receive({ variantId: variant!.id, locationId: location.id, delta: 1_000_000, key: `r${i}` })
    }
    const carts: string[] = []
    for (let i = 0; i < CARTS; i++) carts.push((await shop.carts.create()).id)
    const samples: number[] = []
    const total = startTimer()
    for (let op = 0; op < OPS; op++) {
      const t = startTimer()
      await shop.carts.addItem(carts[op % CARTS]!, { sku: sku((op * 7 + Math.floor(op / CARTS)) % SKUS % 4 === 0 ? op % SKUS : (op * 13) % SKUS), quantity: 1 })
      samples.push(t.ms())
    }
    return { ms: total.ms(), ...latencySummary(samples) }
  } finally {
    await shop.close()
  }
}

function measureBaseline(file: string) {
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec(`
      create table variant (id varchar(36) primary key, sku varchar(100) not null unique, status varchar(16) not null);
      create table stock (variant_id varchar(36) primary key, on_hand bigint not null, reserved bigint not null);
      create table cart (id varchar(36) primary key, version integer not null, updated_at bigint not null);
      create table cart_item (id varchar(36) primary key, cart_id varchar(36) not null, variant_id varchar(36) not null, sku varchar(100) not null,
        quantity integer not null, added_at bigint not null, unique (cart_id, variant_id));
    `)
    const addVariant = db.prepare('insert into variant values (?, ?, ?)')
    const addStock = db.prepare('insert into stock values (?, ?, 0)')
    const addCart = db.prepare('insert into cart values (?, 1, ?)')
    db.transaction(() => {
      for (let i = 0; i < SKUS; i++) {
        addVariant.run(`v${i}`, sku(i), 'active')
        addStock.run(`v${i}`, 1_000_000)
      }
      for (let i = 0; i < CARTS; i++) addCart.run(`c${i}`, Date.now())
    })()
    const findVariant = db.prepare('select id, status from variant where sku = ?')
    const readStock = db.prepare('select on_hand - reserved as available from stock where variant_id = ?')
    const findLine = db.prepare('select id, quantity from cart_item where cart_id = ? and variant_id = ?')
    const bump = db.prepare('update cart_item set quantity = ? where id = ?')
    const insertLine = db.prepare('insert into cart_item values (?, ?, ?, ?, ?, ?)')
    const touch = db.prepare('update cart set version = version + 1, updated_at = ? where id = ?')
    let next = 0
    const add = db.transaction((cartId: string, code: string) => {
      const variant = findVariant.get(code) as { id: string; status: string }
      const { available } = readStock.get(variant.id) as { available: number }
      const line = findLine.get(cartId, variant.id) as { id: string; quantity: number } | undefined
      const quantity = (line?.quantity ?? 0) + 1
      if (quantity > available) throw new Error('out of stock')
      if (line) bump.run(quantity, line.id)
      else insertLine.run(`l${next++}`, cartId, variant.id, code, quantity, Date.now())
      touch.run(Date.now(), cartId)
    })
    const samples: number[] = []
    const total = startTimer()
    for (let op = 0; op < OPS; op++) {
      const t = startTimer()
      add(`c${op % CARTS}`, sku((op * 7 + Math.floor(op / CARTS)) % SKUS % 4 === 0 ? op % SKUS : (op * 13) % SKUS))
      samples.push(t.ms())
    }
    return { ms: total.ms(), ...latencySummary(samples) }
  } finally {
    db.close()
  }
}

export default defineScenario({
  name: 'cart.addItem.sqlite',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-cart-'))
    try {
      log(`cart.addItem.sqlite: ${OPS} addItem calls over ${CARTS} carts, ${SKUS} SKUs`)
      const ordo = await measureOrdo(join(dir, 'ordo.db'))
      const base = measureBaseline(join(dir, 'baseline.db'))
      return [
        figure({
          name: 'cart.addItem.sqlite',
          unit: 'ops/s',
          value: perSecond(OPS, ordo.ms),
          baseline: perSecond(OPS, base.ms),
          baselineLabel: 'raw better-sqlite3: SKU lookup, stock read, line upsert, cart touch in one transaction (no pricing)',
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
