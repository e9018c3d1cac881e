import { createCommerce, type CatalogOffer, type Commerce } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'

describeEachDialect('catalog.listOffers', ({ database }) => {
  let shop: Commerce

  beforeAll(async () => {
    shop = await createCommerce({ storage: (await database()).storage, currency: 'RUB' })
  })
  afterAll(() => shop?.close())

  test('no base list yet is an empty catalog', async () => {
    expect(await shop.catalog.listOffers()).toEqual({ items: [], nextCursor: null })
  })

  test('active, priced variants of active products, by variant id, page by page, with the named list’s prices', async () => {
    const tees = await shop.catalog.createCategory({ slug: 'tees', name: 'Tees' })
    const sale = await shop.catalog.createCategory({ slug: 'sale', name: 'Sale' })
    await shop.catalog.defineAttribute({ code: 'color', name: 'Colour', type: 'text' })
    await shop.catalog.upsertProduct({
      handle: 'tee',
      name: 'Tee',
      description: 'Soft',
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      categoryIds: [sale.id, tees.id],
      attributes: { color: 'blue' },
      images: ['p.jpg'],
      variants: [
        { sku: 'T-1', name: 'S', attributes: { color: 'red' }, images: ['v.jpg', 'p.jpg'], barcodes: ['123'], weightGrams: 100, dimensions: { lengthMm: 1, widthMm: 2, heightMm: 3 } },
        { sku: 'T-2', name: 'M' },
        { sku: 'T-3', name: 'L', status: 'archived' },
        { sku: 'T-4', name: 'XL' },
      ],
    })
    await shop.catalog.upsertProduct({ handle: 'gone', name: 'Gone', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: 'G-1' }] })
    await shop.catalog.archiveProduct('gone')
    for (let i = 0; i < 5; i++) {
      await shop.catalog.upsertProduct({ handle: `p${i}`, name: `P${i}`, vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: `P-${i}` }] })
    }
    await shop.catalog.setPrices([
      { priceListCode: 'base-RUB', sku: 'T-1', amount: 1000, compareAt: 1500 },
      { priceListCode: 'base-RUB', sku: 'T-2', amount: 1100 },
      { priceListCode: 'base-RUB', sku: 'T-3', amount: 1200 },
      { priceListCode: 'base-RUB', sku: 'G-1', amount: 100 },
      ...[0, 1, 2, 3, 4].map((i) => ({ priceListCode: 'base-RUB', sku: `P-${i}`, amount: 10 + i })),
    ])
    await shop.catalog.upsertPriceList({ code: 'vip', name: 'VIP', currency: 'RUB', priority: 5 })
    await shop.catalog.setPrices([{ priceListCode: 'vip', sku: 'T-2', amount: 900 }])

    const seen: CatalogOffer[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page = await shop.catalog.listOffers({ limit: 3, cursor })
      seen.push(...page.items)
      cursor = page.nextCursor
      pages++
    } while (cursor)
    // T-3 (archived), T-4 (no price) and G-1 (archived product) are not offers.
    expect(seen.map((o) => o.sku).sort()).toEqual(['P-0', 'P-1', 'P-2', 'P-3', 'P-4', 'T-1', 'T-2'])
    expect(pages).toBe(3)
    const ids = seen.map((o) => o.variantId)
    expect(ids).toEqual([...ids].sort())

    const t1 = seen.find((o) => o.sku === 'T-1')!
    expect(t1).toMatchObject({
      handle: 'tee',
      productName: 'Tee',
      variantName: 'S',
      name: 'Tee — S',
      description: 'Soft',
      categoryIds: [sale.id, tees.id],
      attributes: { color: 'red' },
      barcodes: ['123'],
      weightGrams: 100,
      dimensions: { lengthMm: 1, widthMm: 2, heightMm: 3 },
      images: ['v.jpg', 'p.jpg'],
      price: { amount: 1000, compareAt: 1500, currency: 'RUB', priceListCode: 'base-RUB' },
    })

    const vip = await shop.catalog.listOffers({ priceList: 'vip' })
    expect(vip.items.map((o) => [o.sku, o.price.amount, o.price.priceListCode])).toEqual([['T-2', 900, 'vip']])
  })

  test('an unknown list is NOT_FOUND; bad input and foreign cursors are VALIDATION', async () => {
    await expect(shop.catalog.listOffers({ priceList: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(shop.catalog.listOffers({ limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.catalog.listOffers({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.catalog.listOffers({ unknown: 1 } as never)).rejects.toMatchObject({ code: 'VALIDATION' })
  })
})
