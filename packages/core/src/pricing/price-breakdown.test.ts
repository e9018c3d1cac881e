import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import type { OrdoErrorCode } from '../errors.js'
import { createPricer, priceBreakdown } from './price-breakdown.js'
import { testContext, testInput, testLine, testPromotion } from './pricing-fixture.js'
import type { PricingAdjuster } from './pricing-types.js'
import { defineBenefitType, defineConditionType } from './promotion-types.js'

const ordoError = (code: OrdoErrorCode) => expect.objectContaining({ name: 'OrdoError', code })
const totals = (b: { lines: { sku: string; total: number }[] }) => Object.fromEntries(b.lines.map((l) => [l.sku, l.total]))

describe('priceBreakdown: base prices and VAT', () => {
  test('sums lines and extracts VAT from VAT-inclusive totals per line', () => {
    const b = priceBreakdown(
      testInput(
        [
          testLine('TEE', { quantity: 2, unitPrice: 120_000, vatRate: 'vat20' }),
          testLine('BOOK', { unitPrice: 55_000, vatRate: 'vat10' }),
          testLine('SERVICE', { unitPrice: 10_000, vatRate: 'none' }),
          testLine('NEW', { unitPrice: 100, vatRate: 'vat22' }),
        ],
        [],
        { delivery: { amount: 35_000, label: 'Courier' } },
      ),
    )
    expect(b.lines.map((l) => [l.sku, l.subtotal, l.total, l.vatAmount])).toEqual([
      ['TEE', 240_000, 240_000, 40_000],
      ['BOOK', 55_000, 55_000, 5_000],
      ['SERVICE', 10_000, 10_000, 0],
      ['NEW', 100, 100, 18],
    ])
    expect(b).toMatchObject({
      currency: 'RUB',
      subtotal: 305_100,
      discountTotal: 0,
      delivery: { amount: 35_000, discount: 0, total: 35_000 },
      freeDelivery: false,
      vatTotal: 45_018,
      total: 340_100,
      adjustments: [],
      coupons: [],
      appliedPromotionIds: [],
    })
  })

  test('refuses bad input with VALIDATION before pricing anything', () => {
    expect(() => priceBreakdown(testInput([testLine('A', { quantity: 0 })]))).toThrow(ordoError('VALIDATION'))
    expect(() => priceBreakdown(testInput([testLine('A', { quantity: 1.5 })]))).toThrow(/lines\.0\.quantity/)
    expect(() => priceBreakdown(testInput([testLine('A', { unitPrice: 10.5 })]))).toThrow(ordoError('VALIDATION'))
    expect(() => priceBreakdown(testInput([testLine('A', { unitPrice: -1 })]))).toThrow(ordoError('VALIDATION'))
    expect(() => priceBreakdown(testInput([testLine('A', { vatRate: 'vat18' as never })]))).toThrow(/unknown VAT rate "vat18"/)
    expect(() => priceBreakdown(testInput([testLine('A'), testLine('A')]))).toThrow(/duplicate line id "line-A"/)
    expect(() => priceBreakdown(testInput([testLine('A')], [], { delivery: { amount: -5 } }))).toThrow(ordoError('VALIDATION'))
    expect(() => priceBreakdown({ ...testInput([testLine('A')]), context: testContext({ currency: 'XXX' as never }) })).toThrow(
      ordoError('CURRENCY_MISMATCH'),
    )
  })
})

describe('priceBreakdown: line benefits and line conditions', () => {
  const shoes = testLine('SHOES', { unitPrice: 500_000, categoryIds: ['footwear', 'shoes'] })
  const socks = testLine('SOCKS', { quantity: 3, unitPrice: 29_900, categoryIds: ['footwear', 'socks'], attributes: { color: 'red' } })
  const tee = testLine('TEE', { unitPrice: 150_000, categoryIds: ['tops'], attributes: { color: 'blue' } })

  test('percent off the lines of a category, rounded half-up per line, explained', () => {
    const promo = testPromotion('footwear-15', {
      name: 'Footwear −15%',
      kind: 'catalog',
      conditions: [{ type: 'category', categoryIds: ['footwear'] }],
      benefits: [{ type: 'percent_off_lines', percent: 15 }],
    })
    const b = priceBreakdown(testInput([shoes, socks, tee], [promo]))
    // socks: 89 700 × 15% = 13 455; shoes: 75 000
    expect(totals(b)).toEqual({ SHOES: 425_000, SOCKS: 76_245, TEE: 150_000 })
    expect(b.lines[1]!.discounts).toEqual([{ source: { type: 'promotion', id: 'footwear-15', name: 'Footwear −15%' }, amount: 13_455, scope: 'line' }])
    expect(b.adjustments).toEqual([
      {
        position: 'catalog_promotions',
        source: { type: 'promotion', id: 'footwear-15', name: 'Footwear −15%' },
        amount: 88_455,
        explanation: 'Footwear −15%: 15% off 2 items (−884.55 ₽)',
      },
    ])
    expect(b.appliedPromotionIds).toEqual(['footwear-15'])
  })

  test('a fixed amount per unit never takes a line below zero', () => {
    const promo = testPromotion('minus-500', { benefits: [{ type: 'fixed_off_lines', amount: 50_000 }], conditions: [{ type: 'variant', skus: ['SOCKS', 'TEE'] }] })
    const b = priceBreakdown(testInput([shoes, socks, tee], [promo]))
    expect(totals(b)).toEqual({ SHOES: 500_000, SOCKS: 0, TEE: 100_000 })
    expect(b.discountTotal).toBe(89_700 + 50_000)
    expect(b.adjustments[0]!.explanation).toBe('minus-500: 500.00 ₽ off each unit of 2 items (−1397.00 ₽)')
  })

  test('attribute, product and exclusion filters pick the lines; no matching line is the reason', () => {
    const red = testPromotion('red', { conditions: [{ type: 'attribute', code: 'color', values: ['red'] }], benefits: [{ type: 'fixed_off_lines', amount: 100, per: 'line' }] })
    const notShoes = testPromotion('not-shoes', { conditions: [{ type: 'product', productIds: ['product-SHOES'], exclude: true }], benefits: [{ type: 'fixed_off_lines', amount: 1000, per: 'line' }] })
    const green = testPromotion('green', {
      requiresCoupon: true,
      couponCodes: ['GREEN'],
      conditions: [{ type: 'attribute', code: 'color', values: ['green'] }],
      benefits: [{ type: 'percent_off_lines', percent: 50 }],
    })
    const b = priceBreakdown({ ...testInput([shoes, socks, tee], [red, notShoes, green]), context: testContext({ couponCodes: ['green'] }) })
    expect(totals(b)).toEqual({ SHOES: 500_000, SOCKS: 89_700 - 100 - 1000, TEE: 149_000 })
    expect(b.coupons).toEqual([
      { code: 'GREEN', applied: false, reason: '"green": no item in the cart is with color of "green"', failure: 'not_applicable' },
    ])
  })

  test('a line the caller made non-discountable is never discounted', () => {
    const promo = testPromotion('all-10', { benefits: [{ type: 'percent_off_lines', percent: 10 }, { type: 'fixed_off_order', amount: 10_000 }] })
    const b = priceBreakdown(testInput([testLine('GIFT-CARD', { discountable: false }), tee], [promo]))
    expect(totals(b)).toEqual({ 'GIFT-CARD': 100_000, TEE: 125_000 })
    expect(b.lines[0]).toMatchObject({ discounts: [], discountable: false })
  })
})

describe('priceBreakdown: order benefits are allocated to lines', () => {
  test('a fixed order discount is split by line totals, largest remainder, to the kopeck', () => {
    const promo = testPromotion('minus-100', { name: '100 ₽ off', benefits: [{ type: 'fixed_off_order', amount: 10_000 }] })
    const b = priceBreakdown(testInput([testLine('A', { unitPrice: 10_000 }), testLine('B', { unitPrice: 10_000 }), testLine('C', { unitPrice: 10_000 })], [promo]))
    expect(b.lines.map((l) => l.discounts.map((d) => [d.amount, d.scope]))).toEqual([[[3334, 'order']], [[3333, 'order']], [[3333, 'order']]])
    expect(b.total).toBe(20_000)
    expect(b.adjustments[0]).toMatchObject({ position: 'cart_promotions', amount: 10_000, explanation: '100 ₽ off: 100.00 ₽ off the order (−100.00 ₽)' })
  })

  test('an order discount larger than the eligible lines is capped at what they cost', () => {
    const promo = testPromotion('huge', { benefits: [{ type: 'fixed_off_order', amount: 1_000_000 }] })
    const b = priceBreakdown(testInput([testLine('A', { unitPrice: 30_000 }), testLine('B', { unitPrice: 20_000, discountable: false })], [promo], { delivery: { amount: 5_000 } }))
    expect(totals(b)).toEqual({ A: 0, B: 20_000 })
    expect(b.total).toBe(25_000)
    expect(b.adjustments[0]!.explanation).toBe('huge: 10000.00 ₽ off the order (capped at the cart total) (−300.00 ₽)')
  })

  test('percent off the order with a cap; later promotions see the discounted totals', () => {
    const catalog = testPromotion('cat', { kind: 'catalog', benefits: [{ type: 'percent_off_lines', percent: 50 }], conditions: [{ type: 'variant', skus: ['A'] }] })
    const order = testPromotion('order-10', { benefits: [{ type: 'percent_off_order', percent: 10, maxAmount: 3_000 }] })
    const b = priceBreakdown(testInput([testLine('A', { unitPrice: 40_000 }), testLine('B', { unitPrice: 20_000 })], [order, catalog]))
    // after the catalog 50%: A 20 000, B 20 000 → 10% = 4 000, capped at 3 000 → 1 500 each
    expect(totals(b)).toEqual({ A: 18_500, B: 18_500 })
    expect(b.appliedPromotionIds).toEqual(['cat', 'order-10'])
    expect(b.adjustments.map((a) => [a.position, a.amount])).toEqual([
      ['catalog_promotions', 20_000],
      ['cart_promotions', 3_000],
    ])
  })
})

describe('priceBreakdown: buy X get Y, bundles, gifts, free delivery', () => {
  test('buy 2 get 1: the cheapest matching unit is free', () => {
    const promo = testPromotion('b2g1', { name: '3 for 2', conditions: [{ type: 'category', categoryIds: ['socks'] }], benefits: [{ type: 'buy_x_get_y', buy: 2, get: 1 }] })
    const lines = [
      testLine('WOOL', { quantity: 2, unitPrice: 59_900, categoryIds: ['socks'] }),
      testLine('COTTON', { unitPrice: 29_900, name: 'Socks', categoryIds: ['socks'] }),
      testLine('HAT', { unitPrice: 9_900, categoryIds: ['hats'] }),
    ]
    const b = priceBreakdown(testInput(lines, [promo]))
    expect(totals(b)).toEqual({ WOOL: 119_800, COTTON: 0, HAT: 9_900 })
    expect(b.adjustments[0]!.explanation).toBe("3 for 2: buy 2 get 1 — cheapest 'Socks' free (−299.00 ₽)")
    // six units: the two cheapest are free, taken from the cheapest line first
    const six = priceBreakdown(testInput([testLine('WOOL', { quantity: 4, unitPrice: 59_900, categoryIds: ['socks'] }), lines[1]!, testLine('THIN', { unitPrice: 19_900, categoryIds: ['socks'] })], [promo]))
    expect(totals(six)).toEqual({ WOOL: 239_600, COTTON: 0, THIN: 0 })
    // too few units: the reason says how many are needed
    const two = priceBreakdown({ ...testInput([testLine('WOOL', { quantity: 2, categoryIds: ['socks'] })], [{ ...promo, requiresCoupon: true, couponCodes: ['SOCKS'] }]), context: testContext({ couponCodes: ['socks'] }) })
    expect(two.coupons[0]).toEqual({ code: 'SOCKS', applied: false, reason: '"3 for 2": needs 3 matching items; the cart has 2', failure: 'not_applicable' })
  })

  test('a fixed bundle price takes the dearest units and spreads the saving', () => {
    const promo = testPromotion('3-for-2000', { name: 'Any 3 for 2000', benefits: [{ type: 'bundle_price', quantity: 3, price: 200_000 }] })
    const b = priceBreakdown(testInput([testLine('A', { quantity: 2, unitPrice: 100_000 }), testLine('B', { unitPrice: 50_000 }), testLine('C', { unitPrice: 10_000 })], [promo]))
    // bundle: A, A, B = 250 000 → saving 50 000 spread 200 000 : 50 000 = 40 000 : 10 000
    expect(totals(b)).toEqual({ A: 160_000, B: 40_000, C: 10_000 })
    expect(b.adjustments[0]!.explanation).toBe('Any 3 for 2000: 3 items for 2000.00 ₽ (−500.00 ₽)')
  })

  test('a gift is added as a line whose total is 0', () => {
    const promo = testPromotion('gift', {
      name: 'Free bag',
      conditions: [{ type: 'cart_subtotal', min: 300_000 }],
      benefits: [{ type: 'gift', variantId: 'v-bag', productId: 'p-bag', sku: 'BAG', name: 'Tote bag', vatRate: 'vat20', unitPrice: 49_900 }],
    })
    const b = priceBreakdown(testInput([testLine('A', { quantity: 3 })], [promo]))
    expect(b.lines[1]).toMatchObject({ sku: 'BAG', gift: true, quantity: 1, unitPrice: 49_900, subtotal: 49_900, discountTotal: 49_900, total: 0, vatAmount: 0, discountable: false })
    expect(b.total).toBe(300_000)
    expect(b.adjustments[0]!.explanation).toBe("Free bag: gift 'Tote bag' (−499.00 ₽)")
    expect(priceBreakdown(testInput([testLine('A', { quantity: 2 })], [promo])).lines).toHaveLength(1)
  })

  test('free delivery: flagged before delivery is priced, taken off once it is', () => {
    const promo = testPromotion('free-ship', { name: 'Free shipping over 3000', conditions: [{ type: 'cart_subtotal', min: 300_000 }], benefits: [{ type: 'free_delivery' }] })
    const before = priceBreakdown(testInput([testLine('A', { quantity: 3 })], [promo]))
    expect(before).toMatchObject({ freeDelivery: true, delivery: null, total: 300_000, adjustments: [], appliedPromotionIds: ['free-ship'] })
    const priced = priceBreakdown(testInput([testLine('A', { quantity: 3 })], [promo], { delivery: { amount: 35_000 } }))
    expect(priced).toMatchObject({ freeDelivery: true, delivery: { amount: 35_000, discount: 35_000, total: 0 }, total: 300_000 })
    expect(priced.adjustments).toEqual([
      { position: 'delivery', source: { type: 'promotion', id: 'free-ship', name: 'Free shipping over 3000' }, amount: 35_000, explanation: 'Free shipping over 3000: free delivery (−350.00 ₽)' },
    ])
    const small = priceBreakdown(testInput([testLine('A', { quantity: 2 })], [promo], { delivery: { amount: 35_000 } }))
    expect(small).toMatchObject({ freeDelivery: false, delivery: { amount: 35_000, discount: 0, total: 35_000 }, total: 235_000 })
  })
})

describe('priceBreakdown: stacking', () => {
  const lines = [testLine('A', { unitPrice: 100_000 }), testLine('B', { unitPrice: 50_000 })]

  test('promotions run by priority, then id, whatever their order in the input', () => {
    const tenPercent = testPromotion('p-10', { priority: 1, benefits: [{ type: 'percent_off_lines', percent: 10 }] })
    const minus100 = testPromotion('p-100', { priority: 2, benefits: [{ type: 'fixed_off_lines', amount: 10_000, per: 'line' }] })
    const a = priceBreakdown(testInput(lines, [minus100, tenPercent]))
    const b = priceBreakdown(testInput(lines, [tenPercent, minus100]))
    expect(a).toEqual(b)
    expect(totals(a)).toEqual({ A: 80_000, B: 35_000 })
    expect(a.appliedPromotionIds).toEqual(['p-10', 'p-100'])
  })

  test('an exclusive promotion stops later ones of its kind, and a coupon for those says why', () => {
    const exclusive = testPromotion('vip', { name: 'VIP 20%', priority: 1, exclusive: true, benefits: [{ type: 'percent_off_lines', percent: 20 }] })
    const later = testPromotion('spring', { name: 'Spring', priority: 5, requiresCoupon: true, couponCodes: ['SPRING'], benefits: [{ type: 'percent_off_order', percent: 5 }] })
    const catalog = testPromotion('sale', { kind: 'catalog', priority: 9, benefits: [{ type: 'fixed_off_lines', amount: 1_000 }] })
    const b = priceBreakdown({ ...testInput(lines, [later, exclusive, catalog]), context: testContext({ couponCodes: ['spring'] }) })
    expect(b.appliedPromotionIds).toEqual(['sale', 'vip'])
    expect(totals(b)).toEqual({ A: 79_200, B: 39_200 })
    expect(b.coupons).toEqual([{ code: 'SPRING', applied: false, reason: '"Spring": "VIP 20%" applies and cannot be combined with other promotions', failure: 'not_applicable' }])
  })

  test('stopsFurtherOnLines makes the lines it discounted final', () => {
    const first = testPromotion('first', { priority: 1, stopsFurtherOnLines: true, conditions: [{ type: 'variant', skus: ['A'] }], benefits: [{ type: 'percent_off_lines', percent: 10 }] })
    const second = testPromotion('second', { priority: 2, benefits: [{ type: 'fixed_off_order', amount: 6_000 }] })
    const b = priceBreakdown(testInput(lines, [first, second]))
    expect(b.lines.map((l) => [l.sku, l.total, l.discountable])).toEqual([
      ['A', 90_000, false],
      ['B', 44_000, true],
    ])
  })
})

describe('priceBreakdown: coupons and context conditions', () => {
  const cart = [testLine('A', { quantity: 3, unitPrice: 50_000 })]
  const couponPromo = testPromotion('c3000', {
    name: '500 off 3000',
    requiresCoupon: true,
    couponCodes: ['SAVE500', 'SAVE500B'],
    conditions: [{ type: 'cart_subtotal', min: 300_000 }],
    benefits: [{ type: 'fixed_off_order', amount: 50_000 }],
  })

  test('a coupon applies case-insensitively; an unknown code and an unmet condition are explained', () => {
    const ok = priceBreakdown({ ...testInput([testLine('A', { quantity: 6, unitPrice: 50_000 })], [couponPromo]), context: testContext({ couponCodes: [' save500 ', 'NOPE', 'save500b'] }) })
    expect(ok.total).toBe(250_000)
    expect(ok.lines[0]!.discounts[0]!.source).toEqual({ type: 'coupon', id: 'c3000', name: '500 off 3000', couponCode: 'SAVE500' })
    expect(ok.coupons).toEqual([
      { code: 'SAVE500', applied: true },
      { code: 'NOPE', applied: false, reason: 'the coupon code NOPE does not exist', failure: 'unknown' },
      { code: 'SAVE500B', applied: false, reason: 'the coupon SAVE500 already unlocks "500 off 3000"', failure: 'not_applicable' },
    ])
    const short = priceBreakdown({ ...testInput(cart, [couponPromo]), context: testContext({ couponCodes: ['SAVE500'] }) })
    expect(short.total).toBe(150_000)
    expect(short.coupons).toEqual([
      { code: 'SAVE500', applied: false, reason: '"500 off 3000": cart subtotal is 1500.00 ₽; the promotion needs at least 3000.00 ₽', failure: 'not_applicable' },
    ])
    expect(priceBreakdown(testInput(cart, [couponPromo])).appliedPromotionIds).toEqual([])
  })

  test('validity, activity and usage limits keep a promotion off and say why', () => {
    const base = { requiresCoupon: true, couponCodes: ['X'], benefits: [{ type: 'fixed_off_order', amount: 100 }] } as const
    const cases = [
      [{ active: false }, 'inactive', '"p": the promotion is not active'],
      [{ validFrom: new Date('2026-04-01T00:00:00Z') }, 'not_started', '"p": the promotion starts at 2026-04-01T00:00:00.000Z'],
      [{ validTo: new Date('2026-03-10T12:00:00Z') }, 'expired', '"p": the promotion ended at 2026-03-10T12:00:00.000Z'],
      [{ usageLimit: 10, usesCount: 10 }, 'used_up', '"p": the promotion has been used up'],
    ] as const
    for (const [overrides, failure, reason] of cases) {
      const b = priceBreakdown({ ...testInput(cart, [testPromotion('p', { ...base, ...overrides })]), context: testContext({ couponCodes: ['x'] }) })
      expect(b.coupons).toEqual([{ code: 'X', applied: false, reason, failure }])
      expect(b.total).toBe(150_000)
    }
  })

  test('customer, order-count, region, channel and time conditions', () => {
    const promo = (type: string, config: object) => testPromotion(type, { benefits: [{ type: 'fixed_off_order', amount: 100 }], conditions: [{ type, ...config }] })
    const applies = (type: string, config: object, context: Parameters<typeof testContext>[0]) =>
      priceBreakdown({ ...testInput(cart, [promo(type, config)]), context: testContext(context) }).appliedPromotionIds.length === 1
    expect(applies('customer_group', { groups: ['vip'] }, { customerGroups: ['retail', 'vip'] })).toBe(true)
    expect(applies('customer_group', { groups: ['vip'] }, { customerGroups: ['retail'] })).toBe(false)
    expect(applies('first_order', {}, { orderCount: 0 })).toBe(true)
    expect(applies('first_order', {}, { orderCount: 1 })).toBe(false)
    expect(applies('nth_order', { n: 3 }, { orderCount: 2 })).toBe(true)
    expect(applies('nth_order', { n: 3 }, { orderCount: 5 })).toBe(false)
    expect(applies('nth_order', { n: 3, repeat: true }, { orderCount: 5 })).toBe(true)
    expect(applies('region', { regions: ['moscow', 'spb'] }, { region: 'spb' })).toBe(true)
    expect(applies('region', { regions: ['moscow'] }, { region: null })).toBe(false)
    expect(applies('channel', { sources: ['yandex'] }, { channel: { source: 'yandex', medium: 'cpc', campaign: null } })).toBe(true)
    expect(applies('channel', { sources: ['yandex'], mediums: ['email'] }, { channel: { source: 'yandex', medium: 'cpc', campaign: null } })).toBe(false)
    expect(applies('channel', { sources: ['yandex'] }, { channel: null })).toBe(false)
    // 12:00 UTC on Tuesday 2026-03-10 is 15:00 in Moscow
    const happyHours = { daysOfWeek: [2], startTime: '14:00', endTime: '16:00', timeZone: 'Europe/Moscow' }
    expect(applies('time_window', happyHours, {})).toBe(true)
    expect(applies('time_window', { ...happyHours, timeZone: 'UTC' }, {})).toBe(false)
    expect(applies('time_window', { ...happyHours, daysOfWeek: [3] }, {})).toBe(false)
    expect(applies('time_window', { startTime: '22:00', endTime: '13:00' }, {})).toBe(true)
    expect(applies('time_window', { from: '2026-03-10T12:00:00Z', to: '2026-03-10T12:00:01Z' }, {})).toBe(true)
    expect(applies('time_window', { to: '2026-03-10T12:00:00Z' }, {})).toBe(false)
    expect(applies('item_quantity', { min: 3 }, {})).toBe(true)
    expect(applies('item_quantity', { min: 4 }, {})).toBe(false)
  })

  test('a promotion with an unregistered type is skipped with the reason', () => {
    const promo = testPromotion('odd', { requiresCoupon: true, couponCodes: ['ODD'], conditions: [{ type: 'acme.moon_phase', phase: 'full' }], benefits: [{ type: 'fixed_off_order', amount: 1 }] })
    const b = priceBreakdown({ ...testInput(cart, [promo]), context: testContext({ couponCodes: ['ODD'] }) })
    expect(b.coupons[0]!.reason).toBe('"odd": uses the condition type "acme.moon_phase", which no plugin registers')
    expect(b.total).toBe(150_000)
  })
})

describe('createPricer: plugins', () => {
  const weekend = defineConditionType({
    type: 'acme.weekend',
    schema: z.strictObject({}),
    matches: (_config, { at }) => [0, 6].includes(new Date(at).getUTCDay()) || 'only at weekends',
  })
  const roundDown = defineBenefitType({
    type: 'acme.round_down',
    schema: z.strictObject({ to: z.number().int().positive() }),
    apply(config, { state, source }) {
      const taken = state.discountOrder(state.linesTotal() % config.to, source)
      return taken > 0 ? { amount: taken, explanation: `rounded down (${state.formatMoney(-taken)})` } : 'already round'
    },
  })
  const staff: PricingAdjuster = {
    id: 'acme.staff',
    position: 'loyalty',
    apply(state, input) {
      if (!input.context.customerGroups.includes('staff')) return
      const source = { type: 'staff', id: 'acme.staff', name: 'Staff' }
      const taken = state.discountOrder(1_000, source)
      state.addAdjustment(source, taken, `Staff (${state.formatMoney(-taken)})`)
    },
  }

  test('plugin condition and benefit types and adjusters take part in pricing', () => {
    const price = createPricer({ conditionTypes: [weekend], benefitTypes: [roundDown], adjusters: [staff] })
    const promo = testPromotion('round', { conditions: [{ type: 'acme.weekend' }], benefits: [{ type: 'acme.round_down', to: 10_000 }] })
    const lines = [testLine('A', { unitPrice: 12_345 }), testLine('B', { unitPrice: 23_456 })]
    const saturday = testContext({ at: new Date('2026-03-14T10:00:00Z'), customerGroups: ['staff'] })
    const b = price({ ...testInput(lines, [promo]), context: saturday })
    expect(b.total).toBe(35_801 - 5_801 - 1_000)
    expect(b.adjustments.map((a) => [a.position, a.amount, a.explanation])).toEqual([
      ['cart_promotions', 5_801, 'rounded down (−58.01 ₽)'],
      ['loyalty', 1_000, 'Staff (−10.00 ₽)'],
    ])
    expect(b.lines.reduce((s, l) => s + l.total, 0)).toBe(b.total)
    const tuesday = price(testInput(lines, [promo]))
    expect(tuesday.total).toBe(35_801)
  })

  test('duplicate types and adjusters, and unknown positions, are refused', () => {
    expect(() => createPricer({ conditionTypes: [weekend, weekend] })).toThrow(ordoError('INVALID_PLUGIN'))
    expect(() => createPricer({ benefitTypes: [{ ...roundDown, type: 'gift' }] })).toThrow(/"gift" is registered twice/)
    expect(() => createPricer({ adjusters: [staff, staff] })).toThrow(ordoError('INVALID_PLUGIN'))
    expect(() => createPricer({ adjusters: [{ ...staff, position: 'later' as never }] })).toThrow(/position "later"/)
  })

  test('an adjuster at the delivery position runs before free delivery is applied', () => {
    const deliveryPrice: PricingAdjuster = { id: 'acme.delivery', position: 'delivery', apply: (state) => state.setDelivery(40_000, 'Courier') }
    const promo = testPromotion('free', { benefits: [{ type: 'free_delivery' }] })
    const b = createPricer({ adjusters: [deliveryPrice] })(testInput([testLine('A')], [promo]))
    expect(b.delivery).toEqual({ amount: 40_000, discount: 40_000, total: 0 })
    expect(b.total).toBe(100_000)
  })
})
