// catalog.import.sqlite — how fast `shop.catalog.import()` loads a catalog on
// the embedded SQLite storage.
//
// Ordo: VARIANTS rows (one per variant, 4 variants — size × colour — per
// product, product fields repeated, one base price each, a category, product
// and variant attributes, a barcode, weight and dimensions) streamed from a
// generator into `shop.catalog.import(rows, { batchSize: 1000 })` on a fresh
// shop. Every row is validated (zod + attribute definitions); each batch is one
// transaction of multi-row upserts and emits one `catalog.imported` event.
//
// Baseline: raw better-sqlite3 (same pragmas, a separate file) inserting the
// same rows — product (once per handle), variant, category placement, merged
// attribute values and price — with prepared statements, 1000 rows per
// transaction, into tables of the same columns, keys and indexes. No
// validation, no upsert, no events: the floor of loading these rows.
//
// Each side runs a small warm-up, then ROUNDS rounds on fresh files (alternating,
// so drift hits both); the figure uses each side's median.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCommerce, newId, type CatalogImportRow } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { defineScenario, figure, log, peakRssMb, perSecond, startTimer } from '../harness.js'

/** Variants imported; override with ORDO_BENCH_VARIANTS for a quick or a long run. */
const VARIANTS = Number(process.env.ORDO_BENCH_VARIANTS ?? 100_000)
if (!Number.isInteger(VARIANTS) || VARIANTS < 1) throw new Error(`ORDO_BENCH_VARIANTS must be a positive integer, got "${process.env.ORDO_BENCH_VARIANTS}"`)
const BATCH = 1000
const ROUNDS = 3
const SIZES = ['S', 'M', 'L', 'XL'] as const
const COLORS = ['black', 'white', 'blue', 'red'] as const

function* rows(count: number): Generator<CatalogImportRow> {
  for (let i = 0; i < count; i++) {
    const p = Math.floor(i / SIZES.length)
    const size = SIZES[i % SIZES.length]!
    const color = COLORS[p % COLORS.length]!
    yield {
      handle: `product-${p}`,
      name: `Футболка модель ${p}`,
      description: 'Хлопковая футболка прямого кроя.',
      categories: [`category-${p % 50}`],
      attributes: { material: 'cotton', cotton: 95 },
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      images: [`https://cdn.example/p/${p}.jpg`],
      sku: `SKU-${p}-${size}`,
      variantName: `${size} / ${color}`,
      variantAttributes: { size, color },
      barcodes: [String(4_600_000_000_000 + i)],
      weightGrams: 180 + (i % 40),
      dimensions: { lengthMm: 300, widthMm: 200, heightMm: 20 },
      costPrice: 40_000 + (p % 100) * 100,
      prices: [{ priceList: 'base-RUB', amount: 99_000 + (p % 100) * 1000 }],
    }
  }
}

async function measureOrdo(file: string, count: number) {
  const shop = await createCommerce({ storage: sqliteStorage({ filename: file }), currency: 'RUB' })
  try {
    for (let c = 0; c < 50; c++) await shop.catalog.createCategory({ slug: `category-${c}`, name: `Category ${c}` })
    await shop.catalog.defineAttribute({ code: 'size', name: 'Size', type: 'option', options: [...SIZES], filterable: true })
    await shop.catalog.defineAttribute({ code: 'color', name: 'Colour', type: 'option', options: [...COLORS], filterable: true })
    await shop.catalog.defineAttribute({ code: 'material', name: 'Material', type: 'text', filterable: true })
    await shop.catalog.defineAttribute({ code: 'cotton', name: 'Cotton', type: 'number', unit: '%', filterable: true })
    const timer = startTimer()
    const result = await shop.catalog.import(rows(count), { batchSize: BATCH })
    const ms = timer.ms()
    if (result.imported !== count || result.failed.length > 0) {
      throw new Error(`import wrote ${result.imported} of ${count} rows; first failure: ${JSON.stringify(result.failed[0])}`)
    }
    return { ms, batches: result.batches }
  } finally {
    await shop.close()
  }
}

function measureBaseline(file: string, count: number) {
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    db.exec(`
      create table category (id varchar(36) primary key, slug varchar(191) not null unique, name varchar(255) not null, path text not null);
      create table product (
        id varchar(36) primary key, handle varchar(191) not null unique, name varchar(255) not null, description text,
        status varchar(16) not null, vat_rate varchar(8) not null, payment_subject varchar(32) not null,
        attributes text not null, images text not null, search_text text not null, created_at bigint not null, updated_at bigint not null
      );
      create index product_status_idx on product (status, id);
      create table variant (
        id varchar(36) primary key, product_id varchar(36) not null, sku varchar(191) not null unique, name varchar(255),
        status varchar(16) not null, attributes text not null, barcodes text not null, weight_grams integer,
        length_mm integer, width_mm integer, height_mm integer, cost_price bigint, images text not null,
        position integer not null, search_text text not null, created_at bigint not null, updated_at bigint not null
      );
      create index variant_product_idx on variant (product_id, position);
      create table product_category (product_id varchar(36) not null, category_id varchar(36) not null, position integer not null, primary key (product_id, category_id));
      create index product_category_category_idx on product_category (category_id, product_id);
      create table attribute_value (
        variant_id varchar(36) not null, product_id varchar(36) not null, attribute_code varchar(100) not null,
        value_text varchar(191) not null, value_number double precision, primary key (variant_id, attribute_code)
      );
      create index attribute_value_text_idx on attribute_value (attribute_code, value_text, variant_id);
      create index attribute_value_number_idx on attribute_value (attribute_code, value_number, variant_id);
      create index attribute_value_product_idx on attribute_value (product_id);
      create table price (price_list_id varchar(36) not null, variant_id varchar(36) not null, amount bigint not null, compare_at bigint, updated_at bigint not null, primary key (price_list_id, variant_id));
      create index price_variant_idx on price (variant_id, price_list_id);
    `)
    const categories = new Map<string, string>()
    const insertCategory = db.prepare('insert into category (id, slug, name, path) values (?, ?, ?, ?)')
    for (let c = 0; c < 50; c++) {
      const id = newId()
      categories.set(`category-${c}`, id)
      insertCategory.run(id, `category-${c}`, `Category ${c}`, `/${id}/`)
    }
    const baseList = newId()
    const insertProduct = db.prepare(
      'insert into product (id, handle, name, description, status, vat_rate, payment_subject, attributes, images, search_text, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    const insertVariant = db.prepare(
      'insert into variant (id, product_id, sku, name, status, attributes, barcodes, weight_grams, length_mm, width_mm, height_mm, cost_price, images, position, search_text, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    const insertPlacement = db.prepare('insert into product_category (product_id, category_id, position) values (?, ?, ?)')
    const insertValue = db.prepare('insert into attribute_value (variant_id, product_id, attribute_code, value_text, value_number) values (?, ?, ?, ?, ?)')
    const insertPrice = db.prepare('insert into price (price_list_id, variant_id, amount, compare_at, updated_at) values (?, ?, ?, ?, ?)')
    const products = new Map<string, { id: string; position: number }>()
    const writeBatch = db.transaction((batch: CatalogImportRow[]) => {
      const at = Date.now()
      for (const row of batch) {
        let product = products.get(row.handle)
        if (!product) {
          product = { id: newId(), position: 0 }
          products.set(row.handle, product)
          insertProduct.run(
            product.id, row.handle, row.name, row.description ?? null, 'active', row.vatRate, row.paymentSubject,
            JSON.stringify(row.attributes ?? {}), JSON.stringify(row.images ?? []), `${row.name} ${row.handle}`.toLowerCase(), at, at,
          )
          for (const [i, slug] of (row.categories ?? []).entries()) insertPlacement.run(product.id, categories.get(slug), i)
        }
        const variantId = newId()
        const barcodes = row.barcodes ?? []
        insertVariant.run(
          variantId, product.id, row.sku, row.variantName ?? null, 'active', JSON.stringify(row.variantAttributes ?? {}), JSON.stringify(barcodes),
          row.weightGrams ?? null, row.dimensions?.lengthMm ?? null, row.dimensions?.widthMm ?? null, row.dimensions?.heightMm ?? null,
          row.costPrice ?? null, '[]', product.position++, [row.sku, row.variantName ?? '', ...barcodes].join(' ').toLowerCase(), at, at,
        )
        for (const [code, value] of Object.entries({ ...row.attributes, ...row.variantAttributes })) {
          insertValue.run(variantId, product.id, code, String(value), typeof value === 'number' ? value : null)
        }
        for (const price of row.prices ?? []) insertPrice.run(baseList, variantId, price.amount, price.compareAt ?? null, at)
      }
    })
    const timer = startTimer()
    let batch: CatalogImportRow[] = []
    for (const row of rows(count)) {
      batch.push(row)
      if (batch.length === BATCH) {
        writeBatch(batch)
        batch = []
      }
    }
    if (batch.length > 0) writeBatch(batch)
    return { ms: timer.ms() }
  } finally {
    db.close()
  }
}

export default defineScenario({
  name: 'catalog.import.sqlite',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-catalog-'))
    try {
      log(`  ${VARIANTS} variants (${SIZES.length} per product) in batches of ${BATCH}; warm-up + ${ROUNDS} rounds each`)
      measureBaseline(join(dir, 'warmup-baseline.db'), Math.ceil(VARIANTS / 10))
      await measureOrdo(join(dir, 'warmup-shop.db'), Math.ceil(VARIANTS / 10))

      const baselineRounds: number[] = []
      const ordoRounds: number[] = []
      for (let round = 1; round <= ROUNDS; round++) {
        const baseline = measureBaseline(join(dir, `baseline-${round}.db`), VARIANTS)
        const ordo = await measureOrdo(join(dir, `shop-${round}.db`), VARIANTS)
        baselineRounds.push(baseline.ms)
        ordoRounds.push(ordo.ms)
        log(
          `  round ${round}: ordo ${Math.round(perSecond(VARIANTS, ordo.ms))} rows/s (${(ordo.ms / 1000).toFixed(1)} s), ` +
            `baseline ${Math.round(perSecond(VARIANTS, baseline.ms))} rows/s (${(baseline.ms / 1000).toFixed(1)} s)`,
        )
      }
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
      const ordoMs = median(ordoRounds)
      const baselineMs = median(baselineRounds)
      return [
        figure({
          name: 'catalog.import.sqlite',
          unit: 'rows/s',
          value: perSecond(VARIANTS, ordoMs),
          baseline: perSecond(VARIANTS, baselineMs),
          baselineLabel: 'raw better-sqlite3 batched insert of the same rows into tables of the same shape',
          variants: VARIANTS,
          variantsPerProduct: SIZES.length,
          batchSize: BATCH,
          rounds: ROUNDS,
          importSeconds: Math.round(ordoMs) / 1000,
          peakRssMb: peakRssMb(),
        }),
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
})
