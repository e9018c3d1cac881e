import { createCommerce, type Commerce, type StorageDialect } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { loadPromotionsForPricing } from '../src/promotions/promotion-loader.js'
import { recordUsage, releaseUsage } from '../src/promotions/promotion-usage.js'

// Usage counting (the hook checkout and order cancellation call) and the loader pricing uses.
describeEachDialect('promotions usage', ({ database }) => {
  let shop: Commerce
  let storage: StorageDialect
  const clock = testClock('2026-03-10T12:00:00Z')

  beforeAll(async () => {
    const db = await database()
    storage = db.storage
    shop = await createCommerce({ storage, currency: 'RUB', clock })
    await shop.catalog.upsertProduct({ handle: 'pen', name: 'Pen', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: 'PEN' }] })
    await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku: 'PEN', amount: 10_000 }])
  })
  afterAll(async () => {
    await shop?.close()
  })

  const record = (orderId: string, customerKey: string | null, promotionIds: string[], couponCodes: string[] = []) =>
    shop.run((uow) => recordUsage(storage.capabilities, uow, { orderId, customerKey, promotionIds, couponCodes }))
  const release = (orderId: string) => shop.run((uow) => releaseUsage(storage.capabilities, uow, orderId))
  const load = (options: { couponCodes?: string[]; customerId?: string | null } = {}) =>
    shop.run((uow) => loadPromotionsForPricing(uow.db, { at: uow.now, couponCodes: options.couponCodes ?? [], customerId: options.customerId ?? null }))
  const penTotal = async (customerId: string | null = null) => (await shop.pricing.quote({ lines: [{ sku: 'PEN', quantity: 1 }], context: { customerId } })).total

  test('a total usage limit is counted when orders are placed and given back when they are cancelled', async () => {
    const promo = await shop.promotions.create({ name: 'First two orders', usageLimit: 2, benefits: [{ type: 'fixed_off_order', amount: 1_000 }] })
    try {
      expect(await penTotal()).toBe(9_000)
      await record('order-a', 'anna', [promo.id])
      await record('order-a', 'anna', [promo.id]) // a retry counts once
      await record('order-b', null, [promo.id])
      expect(await shop.promotions.get(promo.id)).toMatchObject({ usesCount: 2 })
      await expect(record('order-c', 'boris', [promo.id])).rejects.toMatchObject({ code: 'PROMOTION_LIMIT_REACHED', details: { promotionId: promo.id, limit: 'promotion' } })
      // Used up: no longer loaded for pricing.
      expect((await load()).promotions.map((p) => p.id)).not.toContain(promo.id)
      expect(await penTotal()).toBe(10_000)

      await release('order-a')
      await release('order-a')
      await release('order-never-placed')
      expect(await shop.promotions.get(promo.id)).toMatchObject({ usesCount: 1 })
      expect(await penTotal()).toBe(9_000)
      await record('order-c', 'boris', [promo.id])
      expect(await shop.promotions.get(promo.id)).toMatchObject({ usesCount: 2 })
      const types = (await shop.events.forAggregate('order-a')).map((e) => e.type)
      expect(types).toEqual(['promotion.usage_recorded', 'promotion.usage_released'])
    } finally {
      await shop.promotions.archive(promo.id)
    }
  })

  test('an automatic promotion a customer has used up is not loaded for them', async () => {
    const promo = await shop.promotions.create({ name: 'Once each', usagePerCustomer: 1, benefits: [{ type: 'fixed_off_order', amount: 500 }] })
    try {
      await record('order-d', 'dina', [promo.id])
      expect((await load({ customerId: 'dina' })).promotions.map((p) => p.id)).not.toContain(promo.id)
      expect((await load({ customerId: 'egor' })).promotions.map((p) => p.id)).toContain(promo.id)
      expect(await penTotal('dina')).toBe(10_000)
      expect(await penTotal('egor')).toBe(9_500)
      await expect(record('order-e', 'dina', [promo.id])).rejects.toMatchObject({ code: 'PROMOTION_LIMIT_REACHED', details: { limit: 'promotion_per_customer', customerKey: 'dina' } })
      // A guest has no key: per-customer limits cannot apply.
      await record('order-f', null, [promo.id])
    } finally {
      await shop.promotions.archive(promo.id)
    }
  })

  test('the loader returns live automatic promotions and those unlocked by usable codes, and reports the others', async () => {
    const auto = await shop.promotions.create({ name: 'Auto', benefits: [{ type: 'free_delivery' }], validTo: new Date('2026-03-11T00:00:00Z') })
    const future = await shop.promotions.create({ name: 'Future', benefits: [{ type: 'free_delivery' }], validFrom: new Date('2026-03-20T00:00:00Z') })
    const off = await shop.promotions.create({ name: 'Off', active: false, benefits: [{ type: 'free_delivery' }] })
    const coupon = await shop.promotions.create({ name: 'Coupon', requiresCoupon: true, benefits: [{ type: 'fixed_off_order', amount: 100 }] })
    await shop.promotions.createCoupon({ promotionId: coupon.id, code: 'LOAD-1' })
    await shop.promotions.createCoupon({ promotionId: coupon.id, code: 'LOAD-2' })
    await shop.promotions.createCoupon({ promotionId: coupon.id, code: 'LOAD-OLD', validTo: new Date('2026-01-01T00:00:00Z') })
    try {
      const loaded = await load({ couponCodes: ['load-1', 'LOAD-OLD', 'nope', 'load-2'] })
      const ids = loaded.promotions.map((p) => p.id)
      expect(ids).toContain(auto.id)
      expect(ids).not.toContain(future.id)
      expect(ids).not.toContain(off.id)
      expect(loaded.promotions.find((p) => p.id === coupon.id)).toMatchObject({ requiresCoupon: true, couponCodes: ['LOAD-1', 'LOAD-2'] })
      expect(loaded.coupons).toEqual([
        { code: 'LOAD-OLD', applied: false, reason: 'Coupon LOAD-OLD expired at 2026-01-01T00:00:00.000Z.', failure: 'expired' },
        { code: 'NOPE', applied: false, reason: 'Coupon NOPE does not exist.', failure: 'unknown' },
      ])
      const b = await shop.pricing.quote({ lines: [{ sku: 'PEN', quantity: 1 }], context: { couponCodes: ['LOAD-2', 'load-1'] } })
      expect(b.coupons).toEqual([
        { code: 'LOAD-2', applied: true },
        { code: 'LOAD-1', applied: false, reason: 'the coupon LOAD-2 already unlocks "Coupon"', failure: 'not_applicable' },
      ])
      await expect(record('order-g', 'gleb', [], ['NOPE'])).rejects.toMatchObject({ code: 'NOT_FOUND' })
    } finally {
      for (const p of [auto, future, off, coupon]) await shop.promotions.archive(p.id)
    }
  })

  test('two orders racing for the last use of a coupon and of a promotion: exactly one wins each time', async () => {
    const promo = await shop.promotions.create({ name: 'Race', requiresCoupon: true, usagePerCustomer: 1, benefits: [{ type: 'fixed_off_order', amount: 100 }] })
    await shop.promotions.createCoupon({ promotionId: promo.id, code: 'LAST-ONE', usageLimit: 1 })
    await shop.promotions.createCoupon({ promotionId: promo.id, code: 'MANY' })
    try {
      const coupon = await Promise.allSettled([record('race-1', 'ivan', [promo.id], ['LAST-ONE']), record('race-2', 'olga', [promo.id], ['LAST-ONE'])])
      expect(coupon.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      expect(coupon.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['PROMOTION_LIMIT_REACHED'])
      expect(await shop.promotions.getCoupon('LAST-ONE')).toMatchObject({ usesCount: 1 })

      const customer = await Promise.allSettled([record('race-3', 'petr', [promo.id], ['MANY']), record('race-4', 'petr', [promo.id], ['MANY'])])
      expect(customer.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      expect(customer.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.details.limit)).toEqual(['promotion_per_customer'])
      expect(await shop.promotions.get(promo.id)).toMatchObject({ usesCount: 2 })
      expect(await shop.promotions.getCoupon('MANY')).toMatchObject({ usesCount: 1 })
    } finally {
      await shop.promotions.archive(promo.id)
    }
  })
})
