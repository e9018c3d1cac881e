import { createCommerce, type Commerce, type PriceContext } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createCatalogModule } from '../src/catalog/catalog-module.js'
import type { Runtime } from '../src/runtime.js'
import { RevisionCache } from '../src/storage/revisions.js'

// The internal API only reads through the handle it is given.
/** The catalog's internal calls with a cache of their own (each shop in these tests is a new database). */
const internal = () => createCatalogModule({ revisions: new RevisionCache(100) } as unknown as Runtime).internal

describeEachDialect('catalog price lists', ({ database }) => {
  let shop: Commerce
  const clock = testClock('2026-01-15T09:00:00Z')

  beforeAll(async () => {
    const db = await database()
    shop = await createCommerce({ storage: db.storage, currency: 'RUB', clock })
    await shop.catalog.upsertProduct({
      handle: 'tee',
      name: 'T-shirt Basic',
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      variants: [
        { sku: 'TEE-M', name: 'M' },
        { sku: 'TEE-L', name: 'L' },
        { sku: 'TEE-XL', name: 'XL' },
      ],
    })
    await shop.catalog.upsertPriceList({
      code: 'moscow',
      name: 'Moscow',
      currency: 'RUB',
      priority: 10,
      regions: ['moscow'],
      validFrom: '2026-03-01',
      validTo: '2026-03-31',
      timeZone: 'Europe/Moscow',
    })
    await shop.catalog.upsertPriceList({
      code: 'black-friday',
      name: 'Black Friday',
      currency: 'RUB',
      priority: 20,
      validFrom: '2026-03-27T00:00',
      validTo: '2026-03-27T23:59:59.999',
      timeZone: 'Europe/Moscow',
    })
    await shop.catalog.setPrices([
      { priceListCode: 'base-RUB', sku: 'TEE-M', amount: 1000 },
      { priceListCode: 'moscow', sku: 'TEE-M', amount: 900 },
      { priceListCode: 'black-friday', sku: 'TEE-M', amount: 700, compareAt: 1000 },
      { priceListCode: 'base-RUB', sku: 'TEE-L', amount: 1200 },
    ])
  })
  afterAll(async () => {
    await shop?.close()
  })

  const at = (iso: string, region: string) => ({ currency: 'RUB' as const, region, at: new Date(iso) })
  const resolve = async (iso: string, region: string, sku = 'TEE-M') => (await shop.catalog.resolvePrices([sku], at(iso, region)))[0]!

  test('scenario: precedence by region and validity window, at instants around the Moscow-time boundaries', async () => {
    // 23:59:59.999 on Feb 28 in Moscow: March has not begun there.
    const beforeMarch = await resolve('2026-02-28T20:59:59.999Z', 'moscow')
    expect(beforeMarch).toMatchObject({ amount: 1000, priceList: { code: 'base-RUB', name: 'Base RUB' } })
    expect(beforeMarch.explanation).toBe('Price list "Base RUB" (priority 0) is the only applicable list with a price for this variant')

    // Midnight of March 1st in Moscow.
    const march = await resolve('2026-02-28T21:00:00.000Z', 'moscow')
    expect(march).toMatchObject({ amount: 900, compareAt: null, priceList: { code: 'moscow', priority: 10 } })
    expect(march.explanation).toBe(
      'Price list "Moscow" (priority 10, region moscow, valid until 2026-03-31 23:59 Europe/Moscow) beats "Base RUB" (higher priority: 10 > 0)',
    )
    expect(march.candidates.map((c) => [c.code, c.amount])).toEqual([
      ['moscow', 900],
      ['base-RUB', 1000],
    ])

    // Another region at the same instant: the Moscow list does not apply.
    expect(await resolve('2026-02-28T21:00:00.000Z', 'spb')).toMatchObject({ amount: 1000, priceList: { code: 'base-RUB' } })
    const [noRegion] = await shop.catalog.resolvePrices(['TEE-M'], { currency: 'RUB', at: new Date('2026-03-10T12:00:00.000Z') })
    expect(noRegion).toMatchObject({ amount: 1000, priceList: { code: 'base-RUB' } })

    // The Black Friday day, Moscow time: priority 20 beats both.
    expect(await resolve('2026-03-26T20:59:59.999Z', 'moscow')).toMatchObject({ amount: 900, priceList: { code: 'moscow' } })
    const friday = await resolve('2026-03-26T21:00:00.000Z', 'moscow')
    expect(friday).toMatchObject({ amount: 700, compareAt: 1000, priceList: { code: 'black-friday', name: 'Black Friday', priority: 20 } })
    expect(friday.explanation).toBe(
      'Price list "Black Friday" (priority 20, valid until 2026-03-27 23:59 Europe/Moscow) beats "Moscow" (higher priority: 20 > 10) and "Base RUB" (higher priority: 20 > 0)',
    )
    const fridaySpb = await resolve('2026-03-27T12:00:00.000Z', 'spb')
    expect(fridaySpb).toMatchObject({ amount: 700, priceList: { code: 'black-friday' } })
    expect(fridaySpb.explanation).toContain('beats "Base RUB" (higher priority: 20 > 0)')
    expect(fridaySpb.explanation).not.toContain('"Moscow"')
    expect(await resolve('2026-03-27T20:59:59.999Z', 'moscow')).toMatchObject({ amount: 700 })
    expect(await resolve('2026-03-27T21:00:00.000Z', 'moscow')).toMatchObject({ amount: 900 })

    // The last millisecond of March in Moscow, then April.
    expect(await resolve('2026-03-31T20:59:59.999Z', 'moscow')).toMatchObject({ amount: 900 })
    expect(await resolve('2026-03-31T21:00:00.000Z', 'moscow')).toMatchObject({ amount: 1000, priceList: { code: 'base-RUB' } })
  })

  test('variantsForPricing resolves the same way, in one call for many variants', async () => {
    const { id } = (await shop.catalog.getVariantBySku('TEE-M'))!
    const l = (await shop.catalog.getVariantBySku('TEE-L'))!
    const xl = (await shop.catalog.getVariantBySku('TEE-XL'))!
    const context: PriceContext = { currency: 'RUB', region: 'moscow', at: new Date('2026-03-27T09:00:00Z') }
    const priced = await shop.run((uow) => internal().variantsForPricing(uow.db, [id, l.id, xl.id, 'no-such-id'], context))
    expect([...priced.keys()].sort()).toEqual([id, l.id, xl.id].sort())
    expect(priced.get(id)).toMatchObject({
      sku: 'TEE-M',
      name: 'T-shirt Basic — M',
      status: 'active',
      vatRate: 'vat22',
      price: { amount: 700, compareAt: 1000, currency: 'RUB', priceListName: 'Black Friday' },
    })
    expect(priced.get(id)!.price!.explanation).toMatch(/^Price list "Black Friday"/)
    expect(priced.get(l.id)!.price).toMatchObject({ amount: 1200, priceListName: 'Base RUB' })
    expect(priced.get(xl.id)!.price).toBeNull()
    // Another currency has no lists at all.
    const usd = await shop.run((uow) => internal().variantsForPricing(uow.db, [id], { ...context, currency: 'USD' }))
    expect(usd.get(id)!.price).toBeNull()
  })

  test('resolvePrices defaults to the clock, keeps input order and reports variants without a price', async () => {
    clock.set('2026-03-15T10:00:00Z')
    const result = await shop.catalog.resolvePrices(['TEE-XL', 'TEE-M'], { currency: 'RUB', region: 'moscow' })
    expect(result.map((r) => [r.sku, r.amount])).toEqual([
      ['TEE-XL', null],
      ['TEE-M', 900],
    ])
    expect(result[0]!.explanation).toContain('No active price list in RUB with a price for "TEE-XL" applies')
    await expect(shop.catalog.resolvePrices(['NOPE'], { currency: 'RUB' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(shop.catalog.resolvePrices(['TEE-M'], { currency: 'RUR' } as never)).rejects.toMatchObject({ code: 'VALIDATION' })
  })

  test('ties: more scoped dimensions, then the lower amount, then the code decide', async () => {
    await shop.catalog.upsertProduct({ handle: 'mug', name: 'Mug', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: 'MUG' }] })
    await shop.catalog.upsertPriceList({ code: 'p5-wide', name: 'Wide', currency: 'RUB', priority: 5 })
    await shop.catalog.upsertPriceList({ code: 'p5-yandex', name: 'Yandex', currency: 'RUB', priority: 5, channels: ['yandex'] })
    await shop.catalog.upsertPriceList({ code: 'p5-yandex-vip', name: 'Yandex VIP', currency: 'RUB', priority: 5, channels: ['yandex'], customerGroups: ['vip'] })
    await shop.catalog.setPrices([
      { priceListCode: 'base-RUB', sku: 'MUG', amount: 500 },
      { priceListCode: 'p5-wide', sku: 'MUG', amount: 300 },
      { priceListCode: 'p5-yandex', sku: 'MUG', amount: 450 },
      { priceListCode: 'p5-yandex-vip', sku: 'MUG', amount: 480 },
    ])
    const when = new Date('2026-05-01T00:00:00Z')
    const [plain] = await shop.catalog.resolvePrices(['MUG'], { currency: 'RUB', at: when })
    expect(plain).toMatchObject({ amount: 300, priceList: { code: 'p5-wide' } })

    const [yandex] = await shop.catalog.resolvePrices(['MUG'], { currency: 'RUB', channel: 'yandex', at: when })
    expect(yandex).toMatchObject({ amount: 450, priceList: { code: 'p5-yandex' } })
    expect(yandex!.explanation).toContain('beats "Wide" (same priority, more specific scope: 1 vs 0 dimensions)')

    const [vip] = await shop.catalog.resolvePrices(['MUG'], { currency: 'RUB', channel: 'yandex', customerGroups: ['retail', 'vip'], at: when })
    expect(vip).toMatchObject({ amount: 480, priceList: { code: 'p5-yandex-vip' } })
    expect(vip!.candidates.map((c) => c.code)).toEqual(['p5-yandex-vip', 'p5-yandex', 'p5-wide', 'base-RUB'])

    // Same priority and scope: the lower amount, then the code.
    await shop.catalog.upsertPriceList({ code: 'p5-wide-b', name: 'Wide B', currency: 'RUB', priority: 5 })
    await shop.catalog.setPrices([{ priceListCode: 'p5-wide-b', sku: 'MUG', amount: 250 }])
    const [cheaper] = await shop.catalog.resolvePrices(['MUG'], { currency: 'RUB', at: when })
    expect(cheaper).toMatchObject({ amount: 250, priceList: { code: 'p5-wide-b' } })
    expect(cheaper!.explanation).toMatch(/beats "Wide" \(same priority and scope, lower price: 2,50 ₽ < 3,00 ₽\)/)
    await shop.catalog.setPrices([{ priceListCode: 'p5-wide-b', sku: 'MUG', amount: 300 }])
    const [byCode] = await shop.catalog.resolvePrices(['MUG'], { currency: 'RUB', at: when })
    expect(byCode).toMatchObject({ amount: 300, priceList: { code: 'p5-wide' } })
    expect(byCode!.explanation).toContain('code "p5-wide" sorts before "p5-wide-b"')

    // A deactivated list no longer applies.
    await shop.catalog.upsertPriceList({ code: 'p5-wide', name: 'Wide', currency: 'RUB', priority: 5, active: false })
    await shop.catalog.upsertPriceList({ code: 'p5-wide-b', name: 'Wide B', currency: 'RUB', priority: 5, active: false })
    const [afterOff] = await shop.catalog.resolvePrices(['MUG'], { currency: 'RUB', at: when })
    expect(afterOff).toMatchObject({ amount: 500, priceList: { code: 'base-RUB' } })
  })

  test('setPrices is all or nothing, and checks lists, variants and old prices', async () => {
    const before = await shop.catalog.pricesOf('TEE-L')
    await expect(
      shop.catalog.setPrices([
        { priceListCode: 'base-RUB', sku: 'TEE-L', amount: 1 },
        { priceListCode: 'base-RUB', sku: 'NO-SUCH-SKU', amount: 1 },
      ]),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', details: { variants: ['NO-SUCH-SKU'] } })
    await expect(shop.catalog.setPrices([{ priceListCode: 'nope', sku: 'TEE-L', amount: 1 }])).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku: 'TEE-L', amount: 100, compareAt: 100 }])).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('compareAt'),
    })
    await expect(shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku: 'TEE-L', amount: 10.5 }])).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(
      shop.catalog.setPrices([
        { priceListCode: 'base-RUB', sku: 'TEE-L', amount: 1 },
        { priceListCode: 'base-RUB', sku: 'TEE-L', amount: 2 },
      ]),
    ).rejects.toMatchObject({ code: 'VALIDATION' })
    expect(await shop.catalog.pricesOf('TEE-L')).toEqual(before)
  })

  test('a base list is created on first use per currency; base codes are reserved', async () => {
    const heard: string[] = []
    const off = shop.events.on('price_list.changed', (e) => heard.push(`${e.data.code}:${e.data.change}:${e.data.variantIds.length}`))
    await shop.catalog.setPrices([{ priceListCode: 'base-USD', sku: 'TEE-M', amount: 1500 }])
    off()
    expect(heard).toEqual(['base-USD:prices:1'])
    const usd = (await shop.catalog.priceLists()).find((l) => l.code === 'base-USD')
    expect(usd).toMatchObject({ name: 'Base USD', currency: 'USD', priority: 0, isBase: true, regions: [], active: true })
    const [price] = await shop.catalog.resolvePrices(['TEE-M'], { currency: 'USD', region: 'moscow', at: new Date('2026-03-27T09:00:00Z') })
    expect(price).toMatchObject({ amount: 1500, currency: 'USD', priceList: { code: 'base-USD' } })
    await expect(shop.catalog.upsertPriceList({ code: 'base-EUR', name: 'x', currency: 'EUR', priority: 100 })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.catalog.setPrices([{ priceListCode: 'base-XXX', sku: 'TEE-M', amount: 1 }])).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  test('validity windows: time zones, instants with offsets, and bad input', async () => {
    const list = await shop.catalog.upsertPriceList({
      code: 'vladivostok-may',
      name: 'Vladivostok May',
      currency: 'RUB',
      priority: 1,
      validFrom: '2026-05-01',
      validTo: '2026-05-31',
      timeZone: 'Asia/Vladivostok',
    })
    expect(list.validFrom!.toISOString()).toBe('2026-04-30T14:00:00.000Z')
    expect(list.validTo!.toISOString()).toBe('2026-05-31T13:59:59.999Z')
    const utc = await shop.catalog.upsertPriceList({
      code: 'utc-window',
      name: 'UTC window',
      currency: 'RUB',
      priority: 1,
      validFrom: '2026-06-01T00:00:00+03:00',
      validTo: new Date('2026-06-30T00:00:00Z'),
    })
    expect(utc.validFrom!.toISOString()).toBe('2026-05-31T21:00:00.000Z')
    expect(utc.timeZone).toBeNull()

    for (const bad of [
      { validFrom: '2026-05-01' },
      { validFrom: '2026-02-30', timeZone: 'Europe/Moscow' },
      { validFrom: 'tomorrow', timeZone: 'Europe/Moscow' },
      { timeZone: 'Mars/Olympus' },
      { validFrom: '2026-05-02', validTo: '2026-05-01', timeZone: 'Europe/Moscow' },
      { regions: [''] },
    ]) {
      await expect(shop.catalog.upsertPriceList({ code: 'bad', name: 'Bad', currency: 'RUB', priority: 1, ...bad })).rejects.toMatchObject({
        code: 'VALIDATION',
      })
    }
    expect((await shop.catalog.priceLists()).some((l) => l.code === 'bad')).toBe(false)

    // Updating keeps what is left out; the currency of a list with prices is fixed.
    const renamed = await shop.catalog.upsertPriceList({ code: 'moscow', name: 'Moscow (March)', currency: 'RUB', priority: 10 })
    expect(renamed).toMatchObject({ regions: ['moscow'], timeZone: 'Europe/Moscow', validTo: new Date('2026-03-31T20:59:59.999Z') })
    await expect(shop.catalog.upsertPriceList({ code: 'moscow', name: 'Moscow', currency: 'USD', priority: 10 })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('currency'),
    })
  })
})
