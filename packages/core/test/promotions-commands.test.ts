import { createCommerce, defineConditionType, definePlugin, type Commerce, type StorageDialect } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { z } from 'zod'
import { recordUsage } from '../src/promotions/promotion-usage.js'

const minLines = defineConditionType({
  type: 'acme.min_lines',
  schema: z.strictObject({ lines: z.number().int().min(1) }),
  matches: (config, { lines }) => lines.length >= config.lines || `needs ${config.lines} different items in the cart`,
})
const acme = definePlugin({ id: 'acme', promotionConditions: [minLines] })

describeEachDialect('promotions commands', ({ database }) => {
  let shop: Commerce
  let storage: StorageDialect
  const clock = testClock('2026-03-10T12:00:00Z')

  beforeAll(async () => {
    const db = await database()
    storage = db.storage
    shop = await createCommerce({ storage, currency: 'RUB', clock, plugins: [acme] })
    await shop.catalog.upsertProduct({
      handle: 'mug',
      name: 'Mug',
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      variants: [{ sku: 'MUG' }, { sku: 'MUG-XL', name: 'XL' }, { sku: 'MUG-NOPRICE', name: 'Prototype' }],
    })
    await shop.catalog.setPrices([
      { priceListCode: 'base-RUB', sku: 'MUG', amount: 100_000 },
      { priceListCode: 'base-RUB', sku: 'MUG-XL', amount: 150_000 },
    ])
  })
  afterAll(async () => {
    await shop?.close()
  })

  test('bad rules are refused with the path of each problem, and nothing is written', async () => {
    const before = await shop.promotions.list({ includeArchived: true })
    const refuse = async (input: unknown, path: string, message: RegExp) => {
      const error = await shop.promotions.create(input as never).then(
        () => null,
        (e: unknown) => e,
      )
      expect(error).toMatchObject({ code: 'VALIDATION' })
      const issues = (error as { details: { issues: { path: string; message: string }[] } }).details.issues
      expect(issues.some((i) => i.path === path && message.test(i.message))).toBe(true)
    }
    await refuse({ name: 'x', benefits: [{ type: 'half_price' }] }, 'benefits.0.type', /unknown benefit type "half_price"/)
    await refuse({ name: 'x', benefits: [{ type: 'percent_off_lines', percent: 120 }] }, 'benefits.0.percent', /100/)
    await refuse({ name: 'x', benefits: [{ type: 'percent_off_lines', percent: 10 }], conditions: [{ type: 'region', regions: ['spb'], typo: 1 }] }, 'conditions.0.typo', /unknown key/)
    await refuse({ name: 'x', kind: 'catalog', benefits: [{ type: 'percent_off_order', percent: 10 }] }, 'benefits.0.type', /catalog promotion cannot use the benefit "percent_off_order"/)
    await refuse({ name: 'x', kind: 'catalog', requiresCoupon: true, benefits: [{ type: 'percent_off_lines', percent: 10 }] }, 'requiresCoupon', /without a coupon/)
    await refuse({ name: 'x', benefits: [] }, 'benefits', /at least one benefit/)
    await refuse({ name: 'x', benefits: [{ type: 'free_delivery' }], validFrom: '2026-04-01T00:00:00Z', validTo: '2026-03-01T00:00:00Z' }, 'validTo', /after validFrom/)
    await refuse({ name: 'x', benefits: [{ type: 'free_delivery' }], conditions: [{ type: 'acme.min_lines', lines: 0 }] }, 'conditions.0.lines', /.+/)
    expect(await shop.promotions.list({ includeArchived: true })).toEqual(before)
  })

  test('create, get, list, update and archive; the stored rules are what pricing runs', async () => {
    const promo = await shop.promotions.create({
      name: 'Two mugs −10%',
      priority: 5,
      conditions: [{ type: 'acme.min_lines', lines: 2 }],
      benefits: [{ type: 'percent_off_lines', percent: 10 }],
      validFrom: '2026-03-01T00:00:00+03:00',
    })
    expect(promo).toMatchObject({
      name: 'Two mugs −10%',
      kind: 'cart',
      priority: 5,
      exclusive: false,
      stopsFurtherOnLines: false,
      requiresCoupon: false,
      active: true,
      usesCount: 0,
      usageLimit: null,
      conditions: [{ type: 'acme.min_lines', lines: 2 }],
      validFrom: new Date('2026-02-28T21:00:00Z'),
      validTo: null,
      archivedAt: null,
    })
    expect(await shop.promotions.get(promo.id)).toEqual(promo)
    expect((await shop.promotions.list({ kind: 'cart' })).map((p) => p.id)).toContain(promo.id)
    expect(await shop.promotions.get('no-such-promotion')).toBeUndefined()

    const twoMugs = () => shop.pricing.quote({ lines: [{ sku: 'MUG', quantity: 1 }, { sku: 'MUG-XL', quantity: 1 }] })
    expect((await twoMugs()).total).toBe(225_000)
    expect((await shop.pricing.quote({ lines: [{ sku: 'MUG', quantity: 2 }] })).total).toBe(200_000)

    const updated = await shop.promotions.update(promo.id, { benefits: [{ type: 'fixed_off_order', amount: 50_000 }], usageLimit: 100 })
    expect(updated).toMatchObject({ benefits: [{ type: 'fixed_off_order', amount: 50_000 }], usageLimit: 100, priority: 5, name: 'Two mugs −10%' })
    await expect(shop.promotions.update(promo.id, { kind: 'catalog' })).rejects.toMatchObject({ code: 'VALIDATION' })
    expect(await shop.promotions.get(promo.id)).toEqual(updated)
    expect((await twoMugs()).total).toBe(200_000)

    const archived = await shop.promotions.archive(promo.id)
    expect(archived).toMatchObject({ active: false, archivedAt: clock.now() })
    expect(await shop.promotions.archive(promo.id)).toEqual(archived)
    expect((await twoMugs()).total).toBe(250_000)
    await expect(shop.promotions.update(promo.id, { name: 'again' })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.promotions.update('nope', { name: 'again' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect((await shop.promotions.list()).map((p) => p.id)).not.toContain(promo.id)
    expect((await shop.promotions.list({ includeArchived: true })).map((p) => p.id)).toContain(promo.id)
    expect((await shop.events.forAggregate(promo.id)).map((e) => e.type)).toEqual(['promotion.created', 'promotion.updated', 'promotion.archived'])
  })

  test('coupon codes are case-insensitive and unique, and only for promotions that need one', async () => {
    const promo = await shop.promotions.create({ name: 'Summer', requiresCoupon: true, benefits: [{ type: 'fixed_off_order', amount: 10_000 }] })
    const coupon = await shop.promotions.createCoupon({ promotionId: promo.id, code: ' summer10 ', perCustomerLimit: 2 })
    expect(coupon).toMatchObject({ code: 'SUMMER10', promotionId: promo.id, batchId: null, usesCount: 0, usageLimit: null, perCustomerLimit: 2, active: true })
    expect(await shop.promotions.getCoupon('Summer10')).toEqual(coupon)
    await expect(shop.promotions.createCoupon({ promotionId: promo.id, code: 'SUMMER10' })).rejects.toMatchObject({ code: 'DUPLICATE' })
    await expect(shop.promotions.createCoupon({ promotionId: promo.id, code: 'a b' })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.promotions.createCoupon({ promotionId: 'nope', code: 'NOPE1' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    const automatic = await shop.promotions.create({ name: 'Auto', active: false, benefits: [{ type: 'free_delivery' }] })
    await expect(shop.promotions.createCoupon({ promotionId: automatic.id, code: 'AUTO1' })).rejects.toMatchObject({ code: 'VALIDATION', message: /applies without a coupon/ })
    await expect(shop.promotions.generateCoupons(automatic.id, { count: 5 })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.promotions.generateCoupons(promo.id, { count: 0 })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.promotions.generateCoupons(promo.id, { count: 100_001 })).rejects.toMatchObject({ code: 'VALIDATION', message: /at most 100000/ })
    expect(await shop.promotions.listCoupons({ promotionId: promo.id })).toEqual([coupon])

    const quote = await shop.pricing.quote({ lines: [{ sku: 'MUG', quantity: 1 }], context: { couponCodes: ['summer10'] } })
    expect(quote).toMatchObject({ total: 90_000, coupons: [{ code: 'SUMMER10', applied: true }] })
    expect(quote.lines[0]!.discounts[0]!.source).toEqual({ type: 'coupon', id: promo.id, name: 'Summer', couponCode: 'SUMMER10' })
  })

  test('checkCoupon and pricing say why a code cannot be used, in the order entered', async () => {
    const promo = await shop.promotions.create({ name: 'Week', requiresCoupon: true, conditions: [{ type: 'cart_subtotal', min: 300_000 }], benefits: [{ type: 'percent_off_order', percent: 5 }] })
    await shop.promotions.createCoupon({ promotionId: promo.id, code: 'LATER', validFrom: new Date('2026-04-01T00:00:00Z') })
    await shop.promotions.createCoupon({ promotionId: promo.id, code: 'GONE', validTo: new Date('2026-03-01T00:00:00Z') })
    await shop.promotions.createCoupon({ promotionId: promo.id, code: 'ONCE', usageLimit: 1 })
    await shop.promotions.createCoupon({ promotionId: promo.id, code: 'WEEK' })
    await shop.run((uow) => recordUsage(storage.capabilities, uow, { orderId: 'order-once', customerKey: 'vera', promotionIds: [promo.id], couponCodes: ['ONCE'] }))

    expect(await shop.promotions.checkCoupon('week')).toEqual({ ok: true, code: 'WEEK', promotionId: promo.id })
    expect(await shop.promotions.checkCoupon('missing')).toEqual({ ok: false, code: 'MISSING', reason: 'unknown', message: 'Coupon MISSING does not exist.' })
    expect(await shop.promotions.checkCoupon('later')).toEqual({ ok: false, code: 'LATER', reason: 'not_started', message: 'Coupon LATER is valid from 2026-04-01T00:00:00.000Z.' })
    expect(await shop.promotions.checkCoupon('gone')).toEqual({ ok: false, code: 'GONE', reason: 'expired', message: 'Coupon GONE expired at 2026-03-01T00:00:00.000Z.' })
    expect(await shop.promotions.checkCoupon('once')).toMatchObject({ ok: false, reason: 'used_up' })
    expect(await shop.promotions.checkCoupon('later', { at: new Date('2026-04-02T00:00:00Z') })).toMatchObject({ ok: true })

    const b = await shop.pricing.quote({ lines: [{ sku: 'MUG', quantity: 1 }], context: { couponCodes: ['week', 'missing', 'gone', 'later'] } })
    expect(b.coupons).toEqual([
      { code: 'WEEK', applied: false, reason: '"Week": cart subtotal is 1000.00 ₽; the promotion needs at least 3000.00 ₽', failure: 'not_applicable' },
      { code: 'MISSING', applied: false, reason: 'Coupon MISSING does not exist.', failure: 'unknown' },
      { code: 'GONE', applied: false, reason: 'Coupon GONE expired at 2026-03-01T00:00:00.000Z.', failure: 'expired' },
      { code: 'LATER', applied: false, reason: 'Coupon LATER is valid from 2026-04-01T00:00:00.000Z.', failure: 'not_started' },
    ])
    expect((await shop.pricing.quote({ lines: [{ sku: 'MUG', quantity: 3 }], context: { couponCodes: ['WEEK'] } })).total).toBe(285_000)

    await shop.promotions.update(promo.id, { active: false })
    expect(await shop.promotions.checkCoupon('week')).toMatchObject({ ok: false, reason: 'inactive' })
  })

  test('quote refuses unknown SKUs and SKUs without a price, naming them', async () => {
    await expect(shop.pricing.quote({ lines: [{ sku: 'NO-SUCH', quantity: 1 }] })).rejects.toMatchObject({ code: 'NOT_FOUND', details: { skus: ['NO-SUCH'] } })
    await expect(shop.pricing.quote({ lines: [{ sku: 'MUG', quantity: 1 }, { sku: 'MUG-NOPRICE', quantity: 1 }] })).rejects.toMatchObject({
      code: 'PRICE_MISSING',
      message: expect.stringContaining('MUG-NOPRICE'),
      details: { skus: ['MUG-NOPRICE'] },
    })
    await expect(shop.pricing.quote({ lines: [{ sku: 'MUG', quantity: 0 }] })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.pricing.quote({ lines: [{ sku: 'MUG', quantity: 1 }], context: { currency: 'USD' } })).rejects.toMatchObject({ code: 'PRICE_MISSING' })
  })
})
