import { COUPON_ALPHABET, createCommerce, type Commerce, type StorageDialect } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { recordUsage, releaseUsage } from '../src/promotions/promotion-usage.js'

// The scenarios the promotions issue asks for, on every dialect: a batch of
// 1,000 coupon codes with a per-customer limit, buy 2 get 1, and free delivery.
describeEachDialect('promotions scenarios', ({ database }) => {
  let shop: Commerce
  let storage: StorageDialect
  let socksId: string
  const clock = testClock('2026-03-10T12:00:00Z')

  beforeAll(async () => {
    const db = await database()
    storage = db.storage
    shop = await createCommerce({ storage, currency: 'RUB', clock })
    const socks = await shop.catalog.createCategory({ slug: 'socks', name: 'Socks' })
    const shoes = await shop.catalog.createCategory({ slug: 'shoes', name: 'Shoes' })
    socksId = socks.id
    await shop.catalog.upsertProduct({
      handle: 'socks',
      name: 'Socks',
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      categoryIds: [socks.id],
      variants: [
        { sku: 'SOCKS-WOOL', name: 'Wool' },
        { sku: 'SOCKS-COTTON', name: 'Cotton' },
      ],
    })
    await shop.catalog.upsertProduct({ handle: 'boots', name: 'Boots', vatRate: 'vat22', paymentSubject: 'commodity', categoryIds: [shoes.id], variants: [{ sku: 'BOOTS', name: '42' }] })
    await shop.catalog.setPrices([
      { priceListCode: 'base-RUB', sku: 'SOCKS-WOOL', amount: 59_900 },
      { priceListCode: 'base-RUB', sku: 'SOCKS-COTTON', amount: 29_900 },
      { priceListCode: 'base-RUB', sku: 'BOOTS', amount: 500_000 },
    ])
  })
  afterAll(async () => {
    await shop?.close()
  })

  const order = (orderId: string, customerKey: string, couponCodes: string[], promotionIds: string[] = []) =>
    shop.run((uow) => recordUsage(storage.capabilities, uow, { orderId, customerKey, promotionIds, couponCodes }))

  test('a batch of 1,000 single-use codes with one use per customer', async () => {
    const promo = await shop.promotions.create({
      name: 'Spring −10%',
      requiresCoupon: true,
      usagePerCustomer: 1,
      benefits: [{ type: 'percent_off_order', percent: 10 }],
    })
    const batch = await shop.promotions.generateCoupons(promo.id, { count: 1000, prefix: 'spring-' })
    expect(batch.codes).toHaveLength(1000)
    expect(new Set(batch.codes).size).toBe(1000)
    const pattern = new RegExp(`^SPRING-[${COUPON_ALPHABET}]{10}$`)
    for (const code of batch.codes) expect(code).toMatch(pattern)
    expect(batch.codes.filter((code) => /[01IO]/.test(code.slice('SPRING-'.length)))).toEqual([])
    const stored = await shop.promotions.listCoupons({ batchId: batch.batchId, limit: 10_000 })
    expect(stored.map((c) => c.code).sort()).toEqual([...batch.codes].sort())
    expect(stored.every((c) => c.usageLimit === 1 && c.usesCount === 0 && c.promotionId === promo.id)).toBe(true)

    const [first, second, third] = batch.codes as [string, string, string]
    const quote = (customerId: string, code: string) =>
      shop.pricing.quote({ lines: [{ sku: 'BOOTS', quantity: 1 }], context: { customerId, couponCodes: [code.toLowerCase()] } })

    // Anna uses the first code: 10% off, and placing the order counts it.
    const anna = await quote('anna', first)
    expect(anna.coupons).toEqual([{ code: first, applied: true }])
    expect(anna.total).toBe(450_000)
    await order('order-1', 'anna', [first.toLowerCase()], [promo.id])
    expect(await shop.promotions.getCoupon(first)).toMatchObject({ usesCount: 1 })
    expect(await shop.promotions.get(promo.id)).toMatchObject({ usesCount: 1 })

    // The first code is now used up for everyone; a second code is refused to Anna (one use per customer)…
    expect((await quote('boris', first)).coupons).toEqual([{ code: first, applied: false, reason: `Coupon ${first} has been used up.`, failure: 'used_up' }])
    const again = await quote('anna', second)
    expect(again.coupons[0]).toMatchObject({ code: second, applied: false, failure: 'used_up' })
    expect(again.coupons[0]!.reason).toContain('already used the promotion "Spring −10%" once')
    expect(again.total).toBe(500_000)
    expect(await shop.promotions.checkCoupon(second, { customerId: 'anna' })).toMatchObject({ ok: false, reason: 'used_up' })
    // …but works for Boris.
    expect((await quote('boris', second)).total).toBe(450_000)
    expect(await shop.promotions.checkCoupon(second, { customerId: 'boris' })).toEqual({ ok: true, code: second, promotionId: promo.id })

    // Placing orders past a limit is refused and writes nothing.
    await expect(order('order-2', 'boris', [first])).rejects.toMatchObject({ code: 'PROMOTION_LIMIT_REACHED', details: { couponCode: first, limit: 'coupon' } })
    await expect(order('order-3', 'anna', [third])).rejects.toMatchObject({ code: 'PROMOTION_LIMIT_REACHED', details: { limit: 'promotion_per_customer' } })
    expect(await shop.promotions.getCoupon(third)).toMatchObject({ usesCount: 0 })
    expect(await shop.promotions.get(promo.id)).toMatchObject({ usesCount: 1 })

    // Cancelling Anna's order gives her use back.
    await shop.run((uow) => releaseUsage(storage.capabilities, uow, 'order-1'))
    await shop.run((uow) => releaseUsage(storage.capabilities, uow, 'order-1'))
    expect(await shop.promotions.getCoupon(first)).toMatchObject({ usesCount: 0 })
    expect(await shop.promotions.get(promo.id)).toMatchObject({ usesCount: 0 })
    expect((await quote('anna', third)).coupons).toEqual([{ code: third, applied: true }])
    await order('order-3', 'anna', [third])
    expect(await shop.promotions.getCoupon(third)).toMatchObject({ usesCount: 1 })
  })

  test('buy 2 get 1: the cheapest pair of socks is free, explained and allocated', async () => {
    const promo = await shop.promotions.create({
      name: '3 for 2 on socks',
      conditions: [{ type: 'category', categoryIds: [socksId] }],
      benefits: [{ type: 'buy_x_get_y', buy: 2, get: 1 }],
    })
    try {
      const b = await shop.pricing.quote({
        lines: [
          { sku: 'SOCKS-WOOL', quantity: 2 },
          { sku: 'SOCKS-COTTON', quantity: 1 },
          { sku: 'BOOTS', quantity: 1 },
        ],
      })
      expect(b.lines.map((l) => [l.sku, l.subtotal, l.discountTotal, l.total])).toEqual([
        ['SOCKS-WOOL', 119_800, 0, 119_800],
        ['SOCKS-COTTON', 29_900, 29_900, 0],
        ['BOOTS', 500_000, 0, 500_000],
      ])
      expect(b.total).toBe(619_800)
      expect(b.vatTotal).toBe(b.lines.reduce((s, l) => s + l.vatAmount, 0))
      expect(b.adjustments).toEqual([
        {
          position: 'cart_promotions',
          source: { type: 'promotion', id: promo.id, name: '3 for 2 on socks' },
          amount: 29_900,
          explanation: "3 for 2 on socks: buy 2 get 1 — cheapest 'Socks — Cotton' free (−299.00 ₽)",
        },
      ])
      // Two pairs only: nothing is free.
      const two = await shop.pricing.quote({ lines: [{ sku: 'SOCKS-WOOL', quantity: 2 }] })
      expect(two.total).toBe(119_800)
      expect(two.appliedPromotionIds).toEqual([])
    } finally {
      await shop.promotions.archive(promo.id)
    }
  })

  test('free delivery is flagged on the cart and taken off once delivery is priced', async () => {
    const promo = await shop.promotions.create({
      name: 'Free delivery over 3000',
      conditions: [{ type: 'cart_subtotal', min: 300_000 }],
      benefits: [{ type: 'free_delivery' }],
    })
    try {
      const unpriced = await shop.pricing.quote({ lines: [{ sku: 'BOOTS', quantity: 1 }] })
      expect(unpriced).toMatchObject({ freeDelivery: true, delivery: null, total: 500_000, appliedPromotionIds: [promo.id] })

      const priced = await shop.pricing.quote({ lines: [{ sku: 'BOOTS', quantity: 1 }], delivery: { amount: 35_000, label: 'Courier' } })
      expect(priced).toMatchObject({ freeDelivery: true, delivery: { amount: 35_000, discount: 35_000, total: 0 }, total: 500_000 })
      expect(priced.adjustments).toEqual([
        { position: 'delivery', source: { type: 'promotion', id: promo.id, name: 'Free delivery over 3000' }, amount: 35_000, explanation: 'Free delivery over 3000: free delivery (−350.00 ₽)' },
      ])

      const small = await shop.pricing.quote({ lines: [{ sku: 'SOCKS-COTTON', quantity: 1 }], delivery: { amount: 35_000 } })
      expect(small).toMatchObject({ freeDelivery: false, delivery: { amount: 35_000, discount: 0, total: 35_000 }, total: 64_900, appliedPromotionIds: [] })
    } finally {
      await shop.promotions.archive(promo.id)
    }
  })
})
