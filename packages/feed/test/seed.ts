// A small catalog every feed test reads: categories three levels deep, typed
// attributes with units, variants with and without stock, compare-at prices,
// an archived product, an archived and an unpriced variant, a product in no
// category, a SKU that YML refuses, and a sale price list.
import type { CatalogOffer, Commerce } from '@ordo/core'
import type { FeedShop } from '../src/index.js'

/** A valid EAN-13 (the GS1 check digit holds). */
export const EAN = '4006381333931'

export interface Seeded {
  categories: { clothes: string; tees: string; kids: string; shoes: string }
  variants: Record<string, string>
}

export async function seedCatalog(shop: Commerce): Promise<Seeded> {
  const clothes = await shop.catalog.createCategory({ slug: 'clothes', name: 'Одежда' })
  const tees = await shop.catalog.createCategory({ slug: 'tees', name: 'Футболки & майки', parentId: clothes.id })
  const kids = await shop.catalog.createCategory({ slug: 'kids', name: 'Детские <10 лет>', parentId: tees.id })
  const shoes = await shop.catalog.createCategory({ slug: 'shoes', name: 'Обувь' })

  await shop.catalog.defineAttribute({ code: 'brand', name: 'Бренд', type: 'text' })
  await shop.catalog.defineAttribute({ code: 'vendor_code', name: 'Артикул', type: 'text' })
  await shop.catalog.defineAttribute({ code: 'size', name: 'Размер', type: 'option', options: ['S', 'M', 'L', 'XL', '42'] })
  await shop.catalog.defineAttribute({ code: 'cotton', name: 'Хлопок', type: 'number', unit: '%' })
  await shop.catalog.defineAttribute({ code: 'organic', name: 'Органический', type: 'boolean' })

  await shop.catalog.upsertProduct({
    handle: 'tee-basic',
    name: 'Футболка "Basic" <new> & co',
    description: '<p>Хлопок 95%</p> & ]]> конец',
    vatRate: 'vat22',
    paymentSubject: 'commodity',
    categoryIds: [tees.id],
    attributes: { brand: 'Ordo Wear', cotton: 95, organic: true },
    images: ['/img/tee.jpg'],
    variants: [
      {
        sku: 'TEE-M',
        name: 'M',
        attributes: { size: 'M', vendor_code: 'OW-1-M' },
        barcodes: [EAN],
        weightGrams: 180,
        dimensions: { lengthMm: 300, widthMm: 205, heightMm: 20 },
        images: ['https://cdn.example/tee-m.jpg'],
      },
      { sku: 'TEE-L', name: 'L', attributes: { size: 'L' }, weightGrams: 2000 },
      { sku: 'TEE-XL', name: 'XL', attributes: { size: 'XL' }, status: 'archived' },
      { sku: 'TEE-S', name: 'S', attributes: { size: 'S' } },
    ],
  })
  await shop.catalog.upsertProduct({
    handle: 'kids-tee',
    name: 'Детская футболка',
    vatRate: 'vat22',
    paymentSubject: 'commodity',
    categoryIds: [kids.id, clothes.id],
    images: ['https://cdn.example/kids.jpg'],
    variants: [{ sku: 'KID-1' }],
  })
  await shop.catalog.upsertProduct({
    handle: 'sneakers',
    name: 'Кроссовки',
    vatRate: 'vat22',
    paymentSubject: 'commodity',
    categoryIds: [shoes.id],
    attributes: { brand: 'Runner' },
    variants: [{ sku: 'SNK-42', attributes: { size: '42' } }],
  })
  await shop.catalog.upsertProduct({
    handle: 'old-hat',
    name: 'Шляпа',
    vatRate: 'vat22',
    paymentSubject: 'commodity',
    categoryIds: [clothes.id],
    variants: [{ sku: 'HAT-1' }],
  })
  await shop.catalog.archiveProduct('old-hat')
  await shop.catalog.upsertProduct({
    handle: 'gift-card',
    name: 'Подарочная карта',
    vatRate: 'vat22',
    paymentSubject: 'commodity',
    images: ['https://cdn.example/gift.jpg'],
    variants: [{ sku: 'GIFT-1' }],
  })
  await shop.catalog.upsertProduct({
    handle: 'odd-sku',
    name: 'Товар с необычным SKU',
    vatRate: 'vat22',
    paymentSubject: 'commodity',
    categoryIds: [clothes.id],
    images: ['https://cdn.example/odd.jpg'],
    variants: [{ sku: 'ODD SKU#1' }],
  })

  await shop.catalog.setPrices([
    { priceListCode: 'base-RUB', sku: 'TEE-M', amount: 99_000, compareAt: 129_000 },
    { priceListCode: 'base-RUB', sku: 'TEE-L', amount: 99_050 },
    { priceListCode: 'base-RUB', sku: 'TEE-XL', amount: 99_000 },
    { priceListCode: 'base-RUB', sku: 'KID-1', amount: 49_900 },
    { priceListCode: 'base-RUB', sku: 'SNK-42', amount: 500_000 },
    { priceListCode: 'base-RUB', sku: 'HAT-1', amount: 10_000 },
    { priceListCode: 'base-RUB', sku: 'GIFT-1', amount: 300_000 },
    { priceListCode: 'base-RUB', sku: 'ODD SKU#1', amount: 1_000 },
  ])
  await shop.catalog.upsertPriceList({ code: 'sale', name: 'Распродажа', currency: 'RUB', priority: 10 })
  await shop.catalog.setPrices([{ priceListCode: 'sale', sku: 'TEE-M', amount: 79_000, compareAt: 99_000 }])

  const variants: Record<string, string> = {}
  for (const sku of ['TEE-M', 'TEE-L', 'TEE-XL', 'TEE-S', 'KID-1', 'SNK-42', 'HAT-1', 'GIFT-1', 'ODD SKU#1']) {
    variants[sku] = (await shop.catalog.getVariantBySku(sku))!.id
  }

  const main = await shop.inventory.createLocation({ code: 'main', name: 'Склад', type: 'warehouse' })
  await shop.inventory.receive({ variantId: variants['TEE-M']!, locationId: main.id, delta: 7, key: 'seed-tee-m' })
  await shop.inventory.reserve({ ownerType: 'test', ownerId: 'hold-1', lines: [{ variantId: variants['TEE-M']!, quantity: 2 }], expiresAt: null })
  await shop.inventory.receive({ variantId: variants['SNK-42']!, locationId: main.id, delta: 3, key: 'seed-snk' })
  await shop.inventory.receive({ variantId: variants['KID-1']!, locationId: main.id, delta: 1, key: 'seed-kid' })
  // A supplier that ships anything to St Petersburg only.
  await shop.inventory.createLocation({ code: 'supplier-spb', name: 'Поставщик', type: 'supplier', unlimited: true, regions: ['RU-SPE'] })

  return { categories: { clothes: clothes.id, tees: tees.id, kids: kids.id, shoes: shoes.id }, variants }
}

/** Everything a feed yields, joined. */
/** The shop as a feed reads it, with each offer passed through `change` (to feed it data the catalog would not take). */
export function withOffers(shop: Commerce, change: (offer: CatalogOffer) => CatalogOffer): FeedShop {
  return {
    currency: shop.currency,
    inventory: shop.inventory,
    catalog: {
      categoryTree: () => shop.catalog.categoryTree(),
      attributes: () => shop.catalog.attributes(),
      listOffers: async (input) => {
        const page = await shop.catalog.listOffers(input)
        return { ...page, items: page.items.map(change) }
      },
    },
  }
}

export async function collect(feed: AsyncIterable<string>): Promise<{ xml: string; chunks: number }> {
  let xml = ''
  let chunks = 0
  for await (const chunk of feed) {
    xml += chunk
    chunks++
  }
  return { xml, chunks }
}
