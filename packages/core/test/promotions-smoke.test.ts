import { createCommerce } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { expect, test } from 'vitest'

describeEachDialect('promotions smoke', ({ database }) => {
  test('quote', async () => {
    const db = await database()
    const shop = await createCommerce({ storage: db.storage, currency: 'RUB', clock: testClock() })
    const cat = await shop.catalog.createCategory({ slug: 'socks', name: 'Socks' })
    await shop.catalog.upsertProduct({ handle: 'socks', name: 'Socks', vatRate: 'vat22', paymentSubject: 'commodity', categoryIds: [cat.id], variants: [{ sku: 'SOCKS-1', name: 'Red' }] })
    await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku: 'SOCKS-1', amount: 29_900 }])
    await shop.promotions.create({ name: '3 for 2', conditions: [{ type: 'category', categoryIds: [cat.id] }], benefits: [{ type: 'buy_x_get_y', buy: 2, get: 1 }] })
    const b = await shop.pricing.quote({ lines: [{ sku: 'SOCKS-1', quantity: 3 }] })
    console.log(JSON.stringify(b, null, 1))
    expect(b.total).toBe(59_800)
    await shop.close()
  })
})
