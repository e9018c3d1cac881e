import { createCommerce, type Commerce } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { googleMerchantFeed, type FeedShop, type GoogleMerchantFeedOptions, type SkippedOffer } from '../src/index.js'
import { checkGoogle } from './format-check.js'
import { collect, EAN, seedCatalog, withOffers, type Seeded } from './seed.js'

const BASE: GoogleMerchantFeedOptions = { title: 'Футболки & Ко', url: 'https://shop.example', region: 'RU-MOW' }

describeEachDialect('googleMerchantFeed', ({ database }) => {
  let shop: Commerce
  let seeded: Seeded

  beforeAll(async () => {
    shop = await createCommerce({ storage: (await database()).storage, currency: 'RUB' })
    seeded = await seedCatalog(shop)
  })
  afterAll(() => shop?.close())

  async function google(options: Partial<GoogleMerchantFeedOptions> = {}, source: FeedShop = shop) {
    const skipped: SkippedOffer[] = []
    const feed = googleMerchantFeed(source, { ...BASE, onSkip: (s) => skipped.push(s), ...options })
    const { xml } = await collect(feed)
    const { doc, problems } = checkGoogle(xml)
    const items: any[] = doc.rss.channel.item ?? []
    return { xml, doc, problems, items, skipped, feed, byId: new Map(items.map((i) => [i['g:id'], i])) }
  }

  test('RSS 2.0 with the g: namespace: the channel and one item per active, priced variant with an image', async () => {
    const { doc, problems, items, skipped, feed } = await google()
    expect(problems).toEqual([])
    expect(feed.contentType).toBe('application/rss+xml; charset=utf-8')
    expect(doc.rss.channel.title).toBe('Футболки & Ко')
    expect(doc.rss.channel.link).toBe('https://shop.example')
    // No category is fine for Google; the sneakers have no image and are reported.
    expect(items.map((i) => i['g:id']).sort()).toEqual(['GIFT-1', 'KID-1', 'ODD SKU#1', 'TEE-L', 'TEE-M'])
    expect(skipped.map((s) => [s.sku, s.reason])).toEqual([['SNK-42', 'no_image']])
    expect(feed.stats).toEqual({ offers: 5, skipped: 1 })
  })

  test('an item carries every attribute', async () => {
    const { byId } = await google()
    expect(byId.get('TEE-M')).toEqual({
      'g:id': 'TEE-M',
      'g:title': 'Футболка "Basic" <new> & co — M',
      'g:description': '<p>Хлопок 95%</p> & ]]> конец',
      'g:link': 'https://shop.example/products/tee-basic?sku=TEE-M',
      'g:image_link': 'https://cdn.example/tee-m.jpg',
      'g:additional_image_link': ['https://shop.example/img/tee.jpg'],
      'g:availability': 'in_stock',
      'g:price': '1290.00 RUB',
      'g:sale_price': '990.00 RUB',
      'g:condition': 'new',
      'g:brand': 'Ordo Wear',
      'g:gtin': EAN,
      'g:mpn': 'OW-1-M',
      'g:item_group_id': byId.get('TEE-L')['g:item_group_id'],
      'g:product_type': 'Одежда > Футболки & майки',
      'g:shipping_weight': '0.18 kg',
      'g:shipping_length': '30 cm',
      'g:shipping_width': '20.5 cm',
      'g:shipping_height': '2 cm',
    })
    expect(byId.get('TEE-L')).toMatchObject({ 'g:availability': 'out_of_stock', 'g:price': '990.50 RUB', 'g:brand': 'Ordo Wear', 'g:identifier_exists': 'no' })
    expect(byId.get('TEE-L')['g:sale_price']).toBeUndefined()
    // A product's only variant is no group; a product with no brand nor GTIN says it has no identifiers.
    const kid = byId.get('KID-1')
    expect(kid['g:item_group_id']).toBeUndefined()
    expect(kid).toMatchObject({ 'g:identifier_exists': 'no', 'g:product_type': 'Одежда > Футболки & майки > Детские <10 лет>', 'g:description': 'Детская футболка' })
  })

  test('ids are stable across runs and page sizes; offerId can name variants instead; over-long ids are refused', async () => {
    const one = await google({ pageSize: 2 })
    const two = await google({ pageSize: 500 })
    expect(one.xml).toBe(two.xml)
    const byVariant = await google({ offerId: 'variantId' })
    expect([...byVariant.byId.keys()].sort()).toEqual(['GIFT-1', 'KID-1', 'ODD SKU#1', 'TEE-L', 'TEE-M'].map((sku) => seeded.variants[sku]!).sort())
    const long = await google({ offerId: (offer) => `${offer.sku}-${'x'.repeat(50)}` })
    expect(long.items).toEqual([])
    expect(long.skipped.map((s) => s.reason)).toEqual(Array(6).fill('invalid_id'))
  })

  test('an item with an image that is no http(s) URL is left out (invalid_url), the feed goes on', async () => {
    const images: Record<string, string[]> = { 'TEE-M': ['https://cdn.example/ok.jpg', 'http://exa mple.com/a.jpg'], 'TEE-L': ['javascript:alert(1)'], 'KID-1': ['//cdn.example/kid.jpg'] }
    const { items, skipped, problems } = await google({}, withOffers(shop, (o) => (images[o.sku] ? { ...o, images: images[o.sku]! } : o)))
    expect(problems).toEqual([])
    expect(items.map((i) => i['g:id']).sort()).toEqual(['GIFT-1', 'KID-1', 'ODD SKU#1'])
    expect(items.find((i) => i['g:id'] === 'KID-1')['g:image_link']).toBe('https://cdn.example/kid.jpg')
    expect(skipped.map((s) => [s.sku, s.reason]).sort()).toEqual([['SNK-42', 'no_image'], ['TEE-L', 'invalid_url'], ['TEE-M', 'invalid_url']])
    expect(skipped.find((s) => s.sku === 'TEE-M')!.message).toContain('http://exa mple.com/a.jpg')
  })

  test('an empty or blank description falls back to the title', async () => {
    const { byId } = await google({}, withOffers(shop, (o) => (o.sku === 'TEE-M' ? { ...o, description: '' } : o.sku === 'TEE-L' ? { ...o, description: '  ' } : o)))
    expect(byId.get('TEE-M')['g:description']).toBe('Футболка "Basic" <new> & co — M')
    expect(byId.get('TEE-L')['g:description']).toBe(byId.get('TEE-L')['g:title'])
  })
})
