import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { LineDiscount } from '../pricing/pricing-types.js'
import { loyaltySettings } from './loyalty-config.js'
import { earnPoints, tierFor, type EarnLine } from './loyalty-earn.js'
import { LOYALTY_DISCOUNT_SOURCE } from './loyalty-pricing.js'

const promo: LineDiscount = { source: { type: 'promotion', id: 'p1', name: 'Sale' }, amount: 1_000, scope: 'line' }
const points: LineDiscount = { source: LOYALTY_DISCOUNT_SOURCE, amount: 500, scope: 'order' }
const line = (total: number, extra: Partial<EarnLine> = {}): EarnLine => ({ total, productId: 'p', categoryIds: [], discounts: [], ruleMultipliers: [], ...extra })
const input = (lines: EarnLine[], extra: { refusedTotal?: number; refundedTotal?: number; tier?: number } = {}) => ({
  lines,
  refusedTotal: extra.refusedTotal ?? 0,
  refundedTotal: extra.refundedTotal ?? 0,
  tierMultiplierBasisPoints: extra.tier ?? 10_000,
})

describe('earnPoints', () => {
  const five = loyaltySettings({ earnBasisPoints: 500 })

  test('5 % of the kept goods in whole points, rounded down', () => {
    expect(earnPoints(input([line(1_000_000)]), five)).toBe(500)
    expect(earnPoints(input([line(69_993)]), five)).toBe(34)
    expect(earnPoints(input([line(69_993), line(31_975)], { refusedTotal: 31_975 }), five)).toBe(34)
    // Refused and (other) refunded goods both come off; never more than the goods.
    expect(earnPoints(input([line(100_000)], { refusedTotal: 10_000, refundedTotal: 40_000 }), five)).toBe(25)
    expect(earnPoints(input([line(100_000)], { refundedTotal: 500_000 }), five)).toBe(0)
    expect(earnPoints(input([]), five)).toBe(0)
  })

  test('product multipliers win over category multipliers; the best category applies; tiers and plugin rules multiply', () => {
    const settings = loyaltySettings({ earnBasisPoints: 1_000, categoryMultipliers: { tees: 20_000, sale: 5_000 }, productMultipliers: { gift: 0 } })
    expect(earnPoints(input([line(100_000, { categoryIds: ['sale', 'tees'] })]), settings)).toBe(200)
    expect(earnPoints(input([line(100_000, { productId: 'gift', categoryIds: ['tees'] }), line(100_000)]), settings)).toBe(100)
    expect(earnPoints(input([line(100_000)], { tier: 15_000 }), settings)).toBe(150)
    expect(earnPoints(input([line(100_000, { ruleMultipliers: [30_000, 5_000] })]), settings)).toBe(150)
  })

  test('excludeDiscountedLines skips lines a promotion discounted, not lines only points discounted', () => {
    const settings = loyaltySettings({ earnBasisPoints: 1_000, excludeDiscountedLines: true })
    expect(earnPoints(input([line(100_000, { discounts: [promo] }), line(100_000, { discounts: [points] })]), settings)).toBe(100)
  })

  test('property: never negative, never more than the share of all goods, and monotone in what was kept', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.nat({ max: 200_000_000 }),
        (totals, bp, pointValue, refused) => {
          const settings = loyaltySettings({ earnBasisPoints: bp, pointValue })
          const lines = totals.map((t) => line(t))
          const goods = totals.reduce((s, t) => s + t, 0)
          const full = earnPoints(input(lines), settings)
          const kept = earnPoints(input(lines, { refusedTotal: refused }), settings)
          expect(full).toBe(Number((BigInt(goods) * BigInt(bp)) / 10_000n / BigInt(pointValue)))
          expect(kept).toBeGreaterThanOrEqual(0)
          expect(kept).toBeLessThanOrEqual(full)
        },
      ),
    )
  })
})

describe('tierFor', () => {
  const tiers = loyaltySettings({ earnBasisPoints: 500, tiers: [{ code: 'silver', minSpend: 100, multiplierBasisPoints: 12_000 }, { code: 'gold', minSpend: 1_000, multiplierBasisPoints: 15_000 }] }).tiers
  test('the highest tier reached, or none', () => {
    expect(tierFor(99, tiers)).toBeNull()
    expect(tierFor(100, tiers)?.code).toBe('silver')
    expect(tierFor(5_000, tiers)?.code).toBe('gold')
  })
})
