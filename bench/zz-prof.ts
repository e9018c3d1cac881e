import { createCommerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
const SIZES = ['S','M','L','XL']; const COLORS = ['black','white','blue','red']
function* rows(count: number): Generator<any> {
  for (let i = 0; i < count; i++) {
    const p = Math.floor(i / 4); const size = SIZES[i % 4]!; const color = COLORS[p % 4]!
    yield { handle: `product-${p}`, name: `Футболка модель ${p}`, description: 'x', categories: [`category-${p % 50}`], attributes: { material: 'cotton', cotton: 95 }, vatRate: 'vat22', paymentSubject: 'commodity', images: [`https://cdn.example/p/${p}.jpg`], sku: `SKU-${p}-${size}`, variantName: `${size} / ${color}`, variantAttributes: { size, color }, barcodes: [String(4_600_000_000_000 + i)], weightGrams: 180, dimensions: { lengthMm: 300, widthMm: 200, heightMm: 20 }, costPrice: 40000, prices: [{ priceList: 'base-RUB', amount: 99000 }] }
  }
}
const dir = mkdtempSync(join(tmpdir(), 'prof-'))
const shop = await createCommerce({ storage: sqliteStorage({ filename: join(dir, 's.db') }), currency: 'RUB' })
for (let c = 0; c < 50; c++) await shop.catalog.createCategory({ slug: `category-${c}`, name: `C${c}` })
await shop.catalog.defineAttribute({ code: 'size', name: 'Size', type: 'option', options: SIZES, filterable: true })
await shop.catalog.defineAttribute({ code: 'color', name: 'Colour', type: 'option', options: COLORS, filterable: true })
await shop.catalog.defineAttribute({ code: 'material', name: 'Material', type: 'text', filterable: true })
await shop.catalog.defineAttribute({ code: 'cotton', name: 'Cotton', type: 'number', unit: '%', filterable: true })
const t = performance.now(); let last = t
await shop.catalog.import(rows(Number(process.env.N ?? 100000)), { batchSize: 1000, onProgress: (p) => { if (p.batches % 20 === 0) { const now = performance.now(); console.log(p.batches, Math.round(now - last)); last = now } } })
console.log('total', Math.round(performance.now() - t))
await shop.close()
