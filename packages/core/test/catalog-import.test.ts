import { createCommerce, type AnyDomainEvent, type CatalogImportRow, type Commerce, type ImportProgress } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createCatalogModule } from '../src/catalog/catalog-module.js'
import type { Runtime } from '../src/runtime.js'
import { RevisionCache } from '../src/storage/revisions.js'

/** The catalog's internal calls with a cache of their own (each shop in these tests is a new database). */
const internal = () => createCatalogModule({ revisions: new RevisionCache(100) } as unknown as Runtime).internal

const tee = (sku: string, size: string, extra: Partial<CatalogImportRow> = {}): CatalogImportRow => ({
  handle: 'tee',
  name: 'T-shirt',
  vatRate: 'vat22',
  paymentSubject: 'commodity',
  categories: ['tees'],
  attributes: { material: 'cotton' },
  sku,
  variantName: size,
  variantAttributes: { size },
  weightGrams: 200,
  prices: [{ priceList: 'base-RUB', amount: 100_000 }],
  ...extra,
})

describeEachDialect('catalog import', ({ database }) => {
  let shop: Commerce
  const events: AnyDomainEvent[] = []

  beforeAll(async () => {
    const db = await database()
    shop = await createCommerce({ storage: db.storage, currency: 'RUB', clock: testClock() })
    shop.events.on('*', (e) => events.push(e))
    await shop.catalog.createCategory({ slug: 'tees', name: 'Tees' })
    await shop.catalog.createCategory({ slug: 'sale', name: 'Sale' })
    await shop.catalog.defineAttribute({ code: 'size', name: 'Size', type: 'option', options: ['S', 'M', 'L', 'XL'], filterable: true })
    await shop.catalog.defineAttribute({ code: 'material', name: 'Material', type: 'text', filterable: true })
    await shop.catalog.upsertPriceList({ code: 'moscow', name: 'Moscow', currency: 'RUB', priority: 10, regions: ['moscow'] })
  })
  afterAll(async () => {
    await shop?.close()
  })

  test('bad rows are reported with their number and reason; good rows are written in batches with progress', async () => {
    async function* rows(): AsyncGenerator<CatalogImportRow> {
      yield tee('TEE-S', 'S')
      yield tee('TEE-M', 'M', { prices: [{ priceList: 'base-RUB', amount: 100_000 }, { priceList: 'moscow', amount: 90_000, compareAt: 100_000 }] })
      yield tee('TEE-X', 'XXL') // 3: not an option of size
      yield { ...tee('TEE-V', 'L'), vatRate: 'vat18' as never } // 4
      yield tee('TEE-L', 'L')
      yield tee('TEE-S', 'S') // 6: repeated SKU
      yield { handle: 'mug', name: 'Mug', vatRate: 'vat20', paymentSubject: 'commodity', sku: 'MUG-1', categories: ['kitchen'] } // 7
      yield { handle: 'mug', name: 'Mug', vatRate: 'vat20', paymentSubject: 'commodity', sku: 'MUG-1', prices: [{ priceList: 'spb', amount: 1 }] } // 8
      yield { handle: 'mug', name: 'Mug', vatRate: 'vat20', paymentSubject: 'commodity', sku: 'MUG-1', costPrice: 20_000, prices: [{ priceList: 'base-RUB', amount: 50_000 }] }
      yield null as never // 10
      yield tee('TEE-XL', 'XL', { prices: [{ priceList: 'base-RUB', amount: -1 }] }) // 11
      yield tee('TEE-XL', 'XL', { variantAttributes: { size: 'XL', colour: 'red' } as never }) // 12
      yield tee('TEE-XL', 'XL')
    }
    const progress: ImportProgress[] = []
    const before = events.length
    const result = await shop.catalog.import(rows(), { batchSize: 2, onProgress: (p) => progress.push(p) })

    expect(result.failed.map((f) => f.row)).toEqual([3, 4, 6, 7, 8, 10, 11, 12])
    expect(result.failed.find((f) => f.row === 3)).toMatchObject({ sku: 'TEE-X', reason: expect.stringContaining('variantAttributes.size') })
    expect(result.failed.find((f) => f.row === 4)!.reason).toContain('vatRate')
    expect(result.failed.find((f) => f.row === 6)!.reason).toContain('already appeared')
    expect(result.failed.find((f) => f.row === 7)!.reason).toContain('no category with slug "kitchen"')
    expect(result.failed.find((f) => f.row === 8)!.reason).toContain('no price list "spb"')
    expect(result.failed.find((f) => f.row === 10)).toMatchObject({ sku: null })
    expect(result.failed.find((f) => f.row === 11)!.reason).toContain('prices.0.amount')
    expect(result.failed.find((f) => f.row === 12)!.reason).toContain('unknown attribute "colour"')
    expect(result).toMatchObject({
      rows: 13,
      imported: 5,
      batches: 3,
      products: { created: 2, updated: 0 },
      variants: { created: 5, updated: 0 },
      prices: 6,
    })
    expect(progress.map((p) => [p.processedRows, p.importedRows, p.batches])).toEqual([
      [2, 2, 1],
      [9, 4, 2],
      [13, 5, 3],
    ])
    expect(progress.at(-1)!.failedRows).toBe(8)
    const imported = events.slice(before).filter((e) => e.type === 'catalog.imported')
    expect(imported.map((e) => e.data)).toEqual([
      { batch: 1, rows: 2, productsCreated: 1, productsUpdated: 0, variantsCreated: 2, variantsUpdated: 0, prices: 3 },
      { batch: 2, rows: 2, productsCreated: 1, productsUpdated: 0, variantsCreated: 2, variantsUpdated: 0, prices: 2 },
      { batch: 3, rows: 1, productsCreated: 0, productsUpdated: 0, variantsCreated: 1, variantsUpdated: 0, prices: 1 },
    ])
    // Imports emit no per-product events.
    expect(events.slice(before).filter((e) => e.type.startsWith('product.'))).toEqual([])

    const product = (await shop.catalog.getProduct('tee'))!
    expect(product.variants.map((v) => v.sku)).toEqual(['TEE-S', 'TEE-M', 'TEE-L', 'TEE-XL'])
    expect(product.variants.map((v) => v.position)).toEqual([0, 1, 2, 3])
    const summaries = await shop.run((uow) => internal().variantsBySku(uow.db, ['TEE-M', 'MUG-1']))
    expect(summaries.get('TEE-M')).toMatchObject({ name: 'T-shirt — M', attributes: { material: 'cotton', size: 'M' }, weightGrams: 200 })
    expect(summaries.get('MUG-1')).toMatchObject({ costPrice: 20_000, categoryIds: [] })
    const [moscow, spb] = await shop.catalog.resolvePrices(['TEE-M', 'TEE-M'], { currency: 'RUB', region: 'moscow' }).then(async (m) => [
      m[0]!,
      (await shop.catalog.resolvePrices(['TEE-M'], { currency: 'RUB', region: 'spb' }))[0]!,
    ])
    expect(moscow).toMatchObject({ amount: 90_000, compareAt: 100_000, priceList: { code: 'moscow' } })
    expect(spb).toMatchObject({ amount: 100_000, priceList: { code: 'base-RUB' } })
    // The filter rows were written in bulk too.
    const page = await shop.catalog.listProducts({ attributes: { size: 'XL', material: 'cotton' }, price: { currency: 'RUB', min: 100_000 } })
    expect(page.items.map((p) => p.handle)).toEqual(['tee'])
  })

  test('importing again updates in place; categories are kept when left out; a SKU of another product is refused', async () => {
    const rows: CatalogImportRow[] = [
      tee('TEE-S', 'S', { name: 'T-shirt Classic', categories: undefined, prices: [{ priceList: 'base-RUB', amount: 95_000 }] }),
      tee('TEE-2XS', 'S', { categories: undefined, prices: [] }),
      { handle: 'tee-2', name: 'Other', vatRate: 'vat22', paymentSubject: 'commodity', sku: 'TEE-M' },
      { handle: 'mug', name: 'Mug', vatRate: 'vat20', paymentSubject: 'service', sku: 'MUG-1', categories: ['sale'] },
    ]
    const result = await shop.catalog.import(rows)
    expect(result.failed).toEqual([{ row: 3, sku: 'TEE-M', reason: expect.stringContaining('belongs to another product') }])
    expect(result).toMatchObject({ imported: 3, batches: 1, products: { created: 0, updated: 2 }, variants: { created: 1, updated: 2 }, prices: 1 })
    const product = (await shop.catalog.getProduct('tee'))!
    expect(product.name).toBe('T-shirt Classic')
    expect(product.categoryIds).toHaveLength(1)
    expect(product.variants.map((v) => [v.sku, v.position])).toEqual([
      ['TEE-S', 0],
      ['TEE-M', 1],
      ['TEE-L', 2],
      ['TEE-XL', 3],
      ['TEE-2XS', 4],
    ])
    expect(await shop.catalog.getProduct('tee-2')).toBeUndefined()
    const mug = (await shop.catalog.getProduct('mug'))!
    expect(mug).toMatchObject({ paymentSubject: 'service' })
    expect(mug.variants[0]).toMatchObject({ costPrice: null })
    expect((await shop.catalog.pricesOf('TEE-S')).map((p) => p.amount)).toEqual([95_000])
    // Prices not in the row stay.
    expect((await shop.catalog.pricesOf('MUG-1')).map((p) => p.amount)).toEqual([50_000])
  })

  test('any iterable works; options and rows are checked', async () => {
    const result = await shop.catalog.import(new Set([tee('SET-1', 'S', { handle: 'from-set' })]))
    expect(result).toMatchObject({ imported: 1, failed: [] })
    const empty = await shop.catalog.import([])
    expect(empty).toMatchObject({ rows: 0, imported: 0, batches: 0 })
    await expect(shop.catalog.import([], { batchSize: 0 })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.catalog.import(42 as never)).rejects.toMatchObject({ code: 'VALIDATION' })
  })
})
