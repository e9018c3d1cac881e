// The large catalog the 100k feed test and the feed.yml.100k bench both read:
// 4 variants per product, each product in one of 20 categories (a two-level
// tree), brand, size and a number attribute with a unit, a barcode, weight,
// dimensions, a base price and a compare-at price on every third variant, and
// stock for a few offers only.
import type { CatalogImportRow, Commerce } from '@ordo/core'

/** The sizes each product comes in: one variant per size. */
export const LARGE_CATALOG_SIZES = ['S', 'M', 'L', 'XL'] as const

/** Import rows of `count` variants, generated lazily so 100k rows never sit in memory at once. */
export function* largeCatalogRows(count: number): Generator<CatalogImportRow> {
  const sizes = LARGE_CATALOG_SIZES
  for (let i = 0; i < count; i++) {
    const p = Math.floor(i / sizes.length)
    const size = sizes[i % sizes.length]!
    yield {
      handle: `product-${p}`,
      name: `Футболка модель ${p}`,
      description: 'Хлопковая футболка прямого кроя & с круглым вырезом.',
      categories: [`category-${p % 20}`],
      attributes: { brand: `Бренд ${p % 30}`, cotton: 95 },
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      images: [`https://cdn.example/p/${p}.jpg`],
      sku: `SKU-${p}-${size}`,
      variantName: size,
      variantAttributes: { size },
      barcodes: [String(4_600_000_000_000 + i)],
      weightGrams: 180 + (i % 40),
      dimensions: { lengthMm: 300, widthMm: 200, heightMm: 20 },
      prices: [{ priceList: 'base-RUB', amount: 99_000 + (p % 100) * 1000, ...(i % 3 === 0 ? { compareAt: 150_000 + (p % 100) * 1000 } : {}) }],
    }
  }
}

/** How many of the first offers get stock, and how much each. */
export interface LargeCatalogStock {
  offers: number
  quantity: number
}

/**
 * Seeds `variants` variants through `catalog.import` (batches of 2000), with
 * the categories and attribute definitions they name, and receives
 * `stock.quantity` of each of the first `stock.offers` offers at one
 * warehouse. Throws when the import does not write every row.
 */
export async function seedLargeCatalog(shop: Commerce, variants: number, stock: LargeCatalogStock = { offers: 10, quantity: 4 }): Promise<void> {
  const roots: string[] = []
  for (let c = 0; c < 20; c++) {
    const category = await shop.catalog.createCategory({ slug: `category-${c}`, name: `Категория ${c}`, ...(c >= 5 ? { parentId: roots[c % 5]! } : {}) })
    if (c < 5) roots.push(category.id)
  }
  await shop.catalog.defineAttribute({ code: 'brand', name: 'Бренд', type: 'text' })
  await shop.catalog.defineAttribute({ code: 'size', name: 'Размер', type: 'option', options: [...LARGE_CATALOG_SIZES] })
  await shop.catalog.defineAttribute({ code: 'cotton', name: 'Хлопок', type: 'number', unit: '%' })
  const result = await shop.catalog.import(largeCatalogRows(variants), { batchSize: 2000 })
  if (result.imported !== variants) throw new Error(`import wrote ${result.imported} of ${variants} rows; first failure: ${JSON.stringify(result.failed[0])}`)
  const warehouse = await shop.inventory.createLocation({ code: 'main', name: 'Склад', type: 'warehouse' })
  const first = await shop.catalog.listOffers({ limit: stock.offers })
  for (const offer of first.items) {
    await shop.inventory.receive({ variantId: offer.variantId, locationId: warehouse.id, delta: stock.quantity, key: `seed-${offer.sku}` })
  }
}
