import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { allocate } from '../money/allocate.js'
import { vatFromGross, type VatRate } from '../money/vat.js'
import { priceBreakdown, vatIn } from './price-breakdown.js'
import { testContext, testLine } from './pricing-fixture.js'
import { allocateFast } from './pricing-state.js'
import type { PriceBreakdown, PricingInput } from './pricing-types.js'
import type { Promotion, PromotionBenefit, PromotionCondition } from './promotion-types.js'

const RUNS = { numRuns: 1000 }
const CATEGORIES = ['shoes', 'socks', 'tops']
const VAT_RATES: VatRate[] = ['none', 'vat0', 'vat10', 'vat20', 'vat22']
const COUPONS = ['C0', 'C1', 'C2', 'C3', 'C4', 'C5']

const percent = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 1_000_000 }).map((n) => n / 10_000))
const price = fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.constantFrom(0, 1, 99, 100, 333))

const line = fc.record({
  quantity: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 50 })),
  unitPrice: price,
  categoryIds: fc.subarray(CATEGORIES),
  color: fc.constantFrom('red', 'blue'),
  vatRate: fc.constantFrom(...VAT_RATES),
  discountable: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
})

const lineCondition: fc.Arbitrary<PromotionCondition> = fc.oneof(
  fc.record({ type: fc.constant('category'), categoryIds: fc.subarray(CATEGORIES, { minLength: 1 }), exclude: fc.boolean() }),
  fc.record({ type: fc.constant('attribute'), code: fc.constant('color'), values: fc.subarray(['red', 'blue', 'green'], { minLength: 1 }) }),
)
const cartCondition: fc.Arbitrary<PromotionCondition> = fc.oneof(
  lineCondition,
  fc.record({ type: fc.constant('cart_subtotal'), min: fc.integer({ min: 0, max: 3_000_000 }), matchingOnly: fc.boolean() }),
  fc.record({ type: fc.constant('item_quantity'), min: fc.integer({ min: 1, max: 10 }) }),
  fc.record({ type: fc.constant('customer_group'), groups: fc.constant(['vip']) }),
  fc.record({ type: fc.constant('first_order') }),
)
const lineBenefit: fc.Arbitrary<PromotionBenefit> = fc.oneof(
  fc.record({ type: fc.constant('percent_off_lines'), percent }),
  fc.record({ type: fc.constant('fixed_off_lines'), amount: fc.integer({ min: 1, max: 300_000 }), per: fc.constantFrom('unit', 'line') }),
)
const cartBenefit: fc.Arbitrary<PromotionBenefit> = fc.oneof(
  lineBenefit,
  fc.record({ type: fc.constant('percent_off_order'), percent }, { requiredKeys: ['type', 'percent'] }),
  fc.record({ type: fc.constant('percent_off_order'), percent, maxAmount: fc.integer({ min: 1, max: 500_000 }) }),
  fc.record({ type: fc.constant('fixed_off_order'), amount: fc.integer({ min: 1, max: 3_000_000 }) }),
  fc.record({ type: fc.constant('buy_x_get_y'), buy: fc.integer({ min: 1, max: 3 }), get: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ type: fc.constant('buy_x_get_y'), buy: fc.integer({ min: 1, max: 3 }), get: fc.integer({ min: 1, max: 2 }), percent }),
  fc.record({ type: fc.constant('bundle_price'), quantity: fc.integer({ min: 2, max: 4 }), price: fc.integer({ min: 0, max: 500_000 }) }),
  fc.record({ type: fc.constant('free_delivery') }),
  fc.record({
    type: fc.constant('gift'),
    variantId: fc.constant('v-gift'),
    productId: fc.constant('p-gift'),
    sku: fc.constant('GIFT'),
    name: fc.constant('Gift'),
    vatRate: fc.constantFrom(...VAT_RATES),
    unitPrice: fc.integer({ min: 0, max: 100_000 }),
    quantity: fc.integer({ min: 1, max: 3 }),
  }),
)

const promotion = (index: number): fc.Arbitrary<Promotion> =>
  fc.oneof(
    fc.record({ kind: fc.constant('catalog' as const), conditions: fc.array(lineCondition, { maxLength: 2 }), benefits: fc.array(lineBenefit, { minLength: 1, maxLength: 2 }), requiresCoupon: fc.constant(false) }),
    fc.record({ kind: fc.constant('cart' as const), conditions: fc.array(cartCondition, { maxLength: 3 }), benefits: fc.array(cartBenefit, { minLength: 1, maxLength: 3 }), requiresCoupon: fc.boolean() }),
  ).chain((rules) =>
    fc.record({
      priority: fc.integer({ min: 0, max: 3 }),
      exclusive: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      stopsFurtherOnLines: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      usesCount: fc.integer({ min: 0, max: 3 }),
      usageLimit: fc.option(fc.integer({ min: 1, max: 3 }), { freq: 3 }),
    }).map(
      (extra): Promotion => ({
        id: `promo-${index}`,
        name: `Promo ${index}`,
        validFrom: null,
        validTo: null,
        active: true,
        usagePerCustomer: null,
        ...rules,
        ...extra,
        ...(rules.requiresCoupon ? { couponCodes: [COUPONS[index % COUPONS.length]!] } : {}),
      }),
    ),
  )

const input: fc.Arbitrary<PricingInput> = fc
  .record({
    lines: fc.array(line, { maxLength: 25 }),
    promotionCount: fc.integer({ min: 0, max: 8 }),
    groups: fc.subarray(['vip', 'retail']),
    orderCount: fc.integer({ min: 0, max: 2 }),
    coupons: fc.subarray([...COUPONS, 'UNKNOWN']),
    delivery: fc.option(fc.record({ amount: fc.integer({ min: 0, max: 100_000 }) })),
  })
  .chain((shape) =>
    fc.tuple(...Array.from({ length: shape.promotionCount }, (_, i) => promotion(i))).map(
      (promotions): PricingInput => ({
        lines: shape.lines.map((l, i) =>
          testLine(`SKU-${i}`, { quantity: l.quantity, unitPrice: l.unitPrice, categoryIds: l.categoryIds, attributes: { color: l.color }, vatRate: l.vatRate, discountable: l.discountable }),
        ),
        promotions,
        context: testContext({ customerGroups: shape.groups, orderCount: shape.orderCount, couponCodes: shape.coupons.map((c) => c.toLowerCase()) }),
        delivery: shape.delivery,
      }),
    ),
  )

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0)

describe('priceBreakdown properties', () => {
  test('property: Σ line totals = grand total minus delivery, and subtotal − discounts = Σ line totals', () => {
    fc.assert(
      fc.property(input, (i) => {
        const b = priceBreakdown(i)
        const lines = sum(b.lines.map((l) => l.total))
        expect(lines).toBe(b.total - (b.delivery?.total ?? 0))
        expect(b.subtotal - b.discountTotal).toBe(lines)
        expect(b.subtotal).toBe(sum(b.lines.map((l) => l.subtotal)))
        expect(b.discountTotal).toBe(sum(b.lines.map((l) => l.discountTotal)))
        if (b.delivery) expect(b.delivery.total).toBe(b.delivery.amount - b.delivery.discount)
      }),
      RUNS,
    )
  })

  test('property: no line (and no delivery) goes below zero; each discount is a positive whole amount', () => {
    fc.assert(
      fc.property(input, (i) => {
        const b = priceBreakdown(i)
        for (const l of b.lines) {
          expect(l.total).toBeGreaterThanOrEqual(0)
          expect(l.total).toBe(l.subtotal - l.discountTotal)
          expect(l.discountTotal).toBe(sum(l.discounts.map((d) => d.amount)))
          for (const d of l.discounts) expect(Number.isSafeInteger(d.amount) && d.amount > 0).toBe(true)
          if (l.gift) expect(l.total).toBe(0)
        }
        i.lines.forEach((l, index) => {
          if (l.discountable === false) expect(b.lines[index]!.discounts).toEqual([])
        })
        if (b.delivery) expect(b.delivery.total).toBeGreaterThanOrEqual(0)
      }),
      RUNS,
    )
  })

  test('property: VAT per line is the VAT contained in its total, and the lines sum to the VAT total', () => {
    fc.assert(
      fc.property(input, (i) => {
        const b = priceBreakdown(i)
        for (const l of b.lines) expect(l.vatAmount).toBe(vatFromGross(l.total, l.vatRate).vat)
        expect(sum(b.lines.map((l) => l.vatAmount))).toBe(b.vatTotal)
      }),
      RUNS,
    )
  })

  test('property: the same input gives the same breakdown, whatever the order of the promotions', () => {
    fc.assert(
      fc.property(input, (i) => {
        const b = priceBreakdown(i)
        expect(priceBreakdown(structuredClone(i))).toEqual(b)
        expect(priceBreakdown({ ...i, promotions: [...i.promotions].reverse() })).toEqual(b)
      }),
      RUNS,
    )
  })

  test('property: allocation never loses or creates a kopeck — every adjustment lands on lines or delivery exactly', () => {
    fc.assert(
      fc.property(input, (i) => {
        const b: PriceBreakdown = priceBreakdown(i)
        const explained = new Map<string, number>()
        for (const a of b.adjustments) explained.set(a.source.id, (explained.get(a.source.id) ?? 0) + a.amount)
        const landed = new Map<string, number>()
        for (const l of b.lines) for (const d of l.discounts) landed.set(d.source.id, (landed.get(d.source.id) ?? 0) + d.amount)
        const deliveryAdjustments = b.adjustments.filter((a) => a.position === 'delivery')
        for (const a of deliveryAdjustments) landed.set(a.source.id, (landed.get(a.source.id) ?? 0) + a.amount)
        expect(sum(deliveryAdjustments.map((a) => a.amount))).toBe(b.delivery?.discount ?? 0)
        // A zero-amount adjustment (a gift that costs nothing anyway) explains a line without moving money.
        const nonZero = (m: Map<string, number>) => new Map([...m].filter(([, amount]) => amount !== 0))
        expect(nonZero(landed)).toEqual(nonZero(explained))
        expect(sum(b.adjustments.map((a) => a.amount))).toBe(b.discountTotal + (b.delivery?.discount ?? 0))
      }),
      RUNS,
    )
  })

  test('property: the fast allocation is exactly allocate() from money', () => {
    const weights = fc.array(fc.oneof(fc.nat(3), fc.nat(10_000), fc.integer({ min: 0, max: 2 ** 40 })), { minLength: 1, maxLength: 40 })
    fc.assert(
      fc.property(fc.oneof(fc.nat(1000), fc.nat(10_000_000), fc.nat(Number.MAX_SAFE_INTEGER)), weights, (total, w) => {
        const weightSum = sum(w)
        expect(allocateFast(total, w, weightSum)).toEqual(allocate(total, w))
      }),
      RUNS,
    )
  })

  test('property: the fast VAT extraction is exactly vatFromGross()', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(1_000_000), fc.nat(Number.MAX_SAFE_INTEGER)), fc.constantFrom(...VAT_RATES), (gross, rate) => {
        expect(vatIn(gross, rate)).toBe(vatFromGross(gross, rate).vat)
      }),
      RUNS,
    )
  })
})
