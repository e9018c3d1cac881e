import { Writable } from 'node:stream'
import { createCommerce, OrdoError, type Commerce } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import { readdir, readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { numericCategoryId } from '../src/feed-format.js'
import { ymlFeed, type FeedShop, type SkippedOffer, type YmlFeedOptions } from '../src/index.js'
import { checkYml } from './format-check.js'
import { collect, EAN, seedCatalog, withOffers, type Seeded } from './seed.js'

const NOW = new Date('2026-03-10T09:05:00Z')
const BASE: YmlFeedOptions = { name: 'Футболки', company: 'ООО «Футболки & Ко»', url: 'https://shop.example', now: NOW, timeZone: 'Europe/Moscow', region: 'RU-MOW' }

describeEachDialect('ymlFeed', ({ database }) => {
  let shop: Commerce
  let seeded: Seeded

  beforeAll(async () => {
    shop = await createCommerce({ storage: (await database()).storage, currency: 'RUB' })
    seeded = await seedCatalog(shop)
  })
  afterAll(() => shop?.close())

  async function yml(options: Partial<YmlFeedOptions> = {}, source: FeedShop = shop) {
    const skipped: SkippedOffer[] = []
    const feed = ymlFeed(source, { ...BASE, onSkip: (s) => skipped.push(s), ...options })
    const { xml, chunks } = await collect(feed)
    const { doc, problems } = checkYml(xml)
    const offers: any[] = doc.yml_catalog.shop.offers.offer ?? []
    return { xml, chunks, doc, problems, offers, skipped, stats: { ...feed.stats }, byId: new Map(offers.map((o) => [o['@_id'], o])) }
  }

  test('a small catalog: the shop, categories with parents, and exactly the active priced variants', async () => {
    const { doc, problems, offers, skipped, stats } = await yml()
    expect(problems).toEqual([])
    const root = doc.yml_catalog
    expect(root['@_date']).toBe('2026-03-10T12:05+03:00')
    expect(root.shop.name).toBe('Футболки')
    expect(root.shop.company).toBe('ООО «Футболки & Ко»')
    expect(root.shop.url).toBe('https://shop.example')
    expect(root.shop.currencies.currency).toEqual([{ '@_id': 'RUB', '@_rate': '1' }])

    const { clothes, tees, kids, shoes } = seeded.categories
    // Tree order (siblings by position, then name): a parent always precedes its children.
    expect(root.shop.categories.category).toEqual([
      { '@_id': numericCategoryId(shoes), '#text': 'Обувь' },
      { '@_id': numericCategoryId(clothes), '#text': 'Одежда' },
      { '@_id': numericCategoryId(tees), '@_parentId': numericCategoryId(clothes), '#text': 'Футболки & майки' },
      { '@_id': numericCategoryId(kids), '@_parentId': numericCategoryId(tees), '#text': 'Детские <10 лет>' },
    ])

    // Archived product (HAT-1), archived variant (TEE-XL) and unpriced variant (TEE-S) are absent;
    // GIFT-1 (no category) and "ODD SKU#1" (an id YML refuses) are skipped and reported.
    expect(offers.map((o) => o['@_id']).sort()).toEqual(['KID-1', 'SNK-42', 'TEE-L', 'TEE-M'])
    expect(skipped.map((s) => [s.sku, s.reason]).sort()).toEqual([
      ['GIFT-1', 'no_category'],
      ['ODD SKU#1', 'invalid_id'],
    ])
    expect(stats).toEqual({ offers: 4, skipped: 2 })
  })

  test('an offer carries every element, escaped by the writer', async () => {
    const { byId, xml } = await yml()
    expect(byId.get('TEE-M')).toEqual({
      '@_id': 'TEE-M',
      '@_available': 'true',
      url: 'https://shop.example/products/tee-basic?sku=TEE-M',
      price: '990',
      oldprice: '1290',
      currencyId: 'RUB',
      categoryId: numericCategoryId(seeded.categories.tees),
      picture: ['https://cdn.example/tee-m.jpg', 'https://shop.example/img/tee.jpg'],
      store: 'false',
      pickup: 'true',
      delivery: 'true',
      name: 'Футболка "Basic" <new> & co — M',
      vendor: 'Ordo Wear',
      vendorCode: 'OW-1-M',
      description: '<p>Хлопок 95%</p> & ]]> конец',
      barcode: [EAN],
      param: [
        { '@_name': 'Хлопок', '@_unit': '%', '#text': '95' },
        { '@_name': 'Органический', '#text': 'да' },
        { '@_name': 'Размер', '#text': 'M' },
      ],
      weight: '0.18',
      dimensions: '30/20.5/2',
      count: '5',
    })
    // The text is escaped, never raw markup.
    expect(xml).toContain('<name>Футболка &quot;Basic&quot; &lt;new&gt; &amp; co — M</name>')
    expect(xml).toContain('<description>&lt;p&gt;Хлопок 95%&lt;/p&gt; &amp; ]]&gt; конец</description>')
    expect(xml).not.toContain('<new>')

    expect(byId.get('TEE-L')).toMatchObject({ '@_available': 'false', price: '990.50', weight: '2', count: '0' })
    expect(byId.get('TEE-L').oldprice).toBeUndefined()
    expect(byId.get('TEE-L').picture).toEqual(['https://shop.example/img/tee.jpg'])
    // A product in several categories is filed under its first.
    expect(byId.get('KID-1')).toMatchObject({ '@_available': 'true', count: '1', categoryId: numericCategoryId(seeded.categories.kids) })
    expect(byId.get('SNK-42')).toMatchObject({ '@_available': 'true', count: '3', vendor: 'Runner', name: 'Кроссовки' })
  })

  test('stock flags follow the region: an unlimited supplier makes everything available without a count', async () => {
    const { byId, problems } = await yml({ region: 'RU-SPE' })
    expect(problems).toEqual([])
    for (const offer of byId.values()) {
      expect(offer['@_available']).toBe('true')
      expect(offer.count).toBeUndefined()
    }
    const skipping = await yml({ outOfStock: 'skip' })
    expect([...skipping.byId.keys()].sort()).toEqual(['KID-1', 'SNK-42', 'TEE-M'])
    expect(skipping.skipped.filter((s) => s.reason === 'out_of_stock').map((s) => s.sku).sort()).toEqual(['GIFT-1', 'ODD SKU#1', 'TEE-L'])
  })

  test('prices come from the named price list; an unknown list is NOT_FOUND', async () => {
    const { offers, problems } = await yml({ priceList: 'sale' })
    expect(problems).toEqual([])
    expect(offers.map((o) => [o['@_id'], o.price, o.oldprice])).toEqual([['TEE-M', '790', '990']])
    await expect(collect(ymlFeed(shop, { ...BASE, priceList: 'nope' }))).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  test('ids are stable across runs and pages; the feed streams in chunks', async () => {
    const one = await yml({ pageSize: 1 })
    const two = await yml({ pageSize: 3 })
    const three = await yml({ offerId: 'variantId', naming: 'vendor.model' })
    expect(one.offers.map((o) => o['@_id'])).toEqual(two.offers.map((o) => o['@_id']))
    expect(one.xml).toBe(two.xml)
    // The header, one chunk per page that wrote an offer (four of six pages), the closing tags.
    expect(one.chunks).toBe(6)
    expect(three.problems).toEqual([])
    // Variant ids are accepted where the odd SKU was not.
    expect(three.offers.map((o) => o['@_id']).sort()).toEqual(['KID-1', 'SNK-42', 'TEE-L', 'TEE-M', 'ODD SKU#1'].map((sku) => seeded.variants[sku]!).sort())
    // The custom type for offers with a vendor, the simplified one for the others.
    const tee = three.byId.get(seeded.variants['TEE-M']!)
    expect(tee).toMatchObject({ '@_type': 'vendor.model', typePrefix: 'Футболки & майки', vendor: 'Ordo Wear', model: 'Футболка "Basic" <new> & co — M' })
    expect(tee.name).toBeUndefined()
    expect(three.byId.get(seeded.variants['KID-1']!)).toMatchObject({ name: 'Детская футболка' })
    expect(three.byId.get(seeded.variants['KID-1']!)['@_type']).toBeUndefined()
  })

  test('a web stream and a Node writable receive the same document', async () => {
    const feed = ymlFeed(shop, BASE)
    const expected = (await collect(feed)).xml
    expect(feed.contentType).toBe('application/xml; charset=utf-8')
    const fromWeb = await new Response(feed.stream()).text()
    expect(fromWeb).toBe(expected)
    const parts: Buffer[] = []
    await feed.pipe(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          parts.push(chunk)
          done()
        },
      }),
    )
    expect(Buffer.concat(parts).toString('utf8')).toBe(expected)
  })

  test('characters XML cannot carry are dropped, params can be chosen', async () => {
    await shop.catalog.upsertProduct({ handle: 'sneakers', name: 'Кроссовки\u0001 \u0008беговые', vatRate: 'vat22', paymentSubject: 'commodity' })
    try {
      const { byId, problems } = await yml({ params: ['size', 'unknown'] })
      expect(problems).toEqual([])
      expect(byId.get('SNK-42').name).toBe('Кроссовки беговые')
      expect(byId.get('TEE-M').param).toEqual([{ '@_name': 'Размер', '#text': 'M' }])
    } finally {
      await shop.catalog.upsertProduct({ handle: 'sneakers', name: 'Кроссовки', vatRate: 'vat22', paymentSubject: 'commodity' })
    }
  })

  test('an empty catalog is still a valid document in the shop’s currency', async () => {
    const empty = await createCommerce({ storage: (await database()).storage, currency: 'RUB' })
    try {
      const { xml } = await collect(ymlFeed(empty, BASE))
      const { doc, problems } = checkYml(xml)
      expect(problems).toEqual([])
      expect(doc.yml_catalog.shop.currencies.currency).toEqual([{ '@_id': 'RUB', '@_rate': '1' }])
      expect(doc.yml_catalog.shop.offers).toBe('')
    } finally {
      await empty.close()
    }
  })

  test('bad options are refused at once with VALIDATION', () => {
    for (const bad of [
      { ...BASE, url: 'not a url' },
      { ...BASE, name: '' },
      { ...BASE, pageSize: 0 },
      { ...BASE, timeZone: 'Mars/Olympus' },
      { ...BASE, offerId: 'ean' },
      { ...BASE, extra: true },
    ]) {
      let error: unknown
      try {
        ymlFeed(shop, bad as YmlFeedOptions)
      } catch (e) {
        error = e
      }
      expect(error, JSON.stringify(bad)).toBeInstanceOf(OrdoError)
      expect((error as OrdoError).code).toBe('VALIDATION')
    }
  })

  test('an offer with an image that is no http(s) URL is left out (invalid_url), the feed goes on', async () => {
    const images: Record<string, string[]> = { 'TEE-M': ['http://[::1'], 'TEE-L': ['ftp://files.example/tee.jpg'] }
    const { offers, skipped, problems, stats } = await yml({}, withOffers(shop, (o) => (images[o.sku] ? { ...o, images: images[o.sku]! } : o)))
    expect(problems).toEqual([])
    expect(offers.map((o) => o['@_id'])).not.toContain('TEE-M')
    expect(offers.map((o) => o['@_id'])).not.toContain('TEE-L')
    expect(offers.map((o) => o['@_id'])).toContain('KID-1')
    expect(skipped.filter((s) => s.reason === 'invalid_url').map((s) => s.sku).sort()).toEqual(['TEE-L', 'TEE-M'])
    expect(stats.skipped).toBe(skipped.length)
  })
})

describe('feed category ids and runtime imports', () => {
  test('numeric category ids are stable: FNV-1a 64 of the UTF-8 id, top 52 bits, plus one', () => {
    // FNV-1a 64 of "" is cbf29ce484222325, of "a" af63dc4c8601ec8c (the published test vectors).
    expect(numericCategoryId('')).toBe(String((0xcbf29ce484222325n >> 12n) + 1n))
    expect(numericCategoryId('a')).toBe(String((0xaf63dc4c8601ec8cn >> 12n) + 1n))
    expect(numericCategoryId('019a7c3e-5f1b-7d2a-9c4e-0b1f2a3c4d5e')).toBe(numericCategoryId('019a7c3e-5f1b-7d2a-9c4e-0b1f2a3c4d5e'))
    expect(numericCategoryId('Футболки')).toMatch(/^[1-9]\d{0,15}$/)
    expect(numericCategoryId('Футболки')).not.toBe(numericCategoryId('Футболка'))
  })

  test('no module of the feed loads a node: built-in when it is imported', async () => {
    const dir = new URL('../src/', import.meta.url)
    for (const file of await readdir(dir)) {
      const source = await readFile(new URL(file, dir), 'utf8')
      const imports = [...source.matchAll(/^import\s+(?!type\b)[^'"]*from\s+['"](node:[^'"]+)['"]/gm)].map((m) => m[1])
      expect(imports, file).toEqual([])
    }
  })
})
