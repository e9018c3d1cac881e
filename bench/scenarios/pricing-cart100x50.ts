// pricing.cart100x50 — the pure pricing engine on a big cart: 100 lines, 50
// active promotions (20 catalog, 30 cart: thresholds, order discounts, buy X
// get Y, bundles, free delivery, gifts, group/region/channel/time conditions
// and coupon-only ones), data already loaded (no I/O). Target: p50 < 0.5 ms.
//
// Ordo: `createPricer()` built once, then one call per sample, each timed on
// its own; the figure is the p50 (and p95) of SAMPLES calls after a warm-up.
//
// Baseline, honestly labelled: a naive loop that only sums unitPrice ×
// quantity over the same 100 lines — no promotions, no allocation, no VAT, no
// explanations. It is the floor of "looking at every line once"; the ratio
// says how many such passes a full pricing costs. Each baseline sample times
// BASELINE_BATCH loops and divides, since one loop is below the timer's resolution.
import { createPricer, type PricingInput, type PricingLineInput, type Promotion, type PromotionBenefit, type PromotionCondition } from '@ordo/core'
import { defineScenario, figure, latencySummary, log, startTimer } from '../harness.js'

const LINES = 100
const SAMPLES = Number(process.env.ORDO_BENCH_SAMPLES ?? 5000)
if (!Number.isInteger(SAMPLES) || SAMPLES < 10) throw new Error(`ORDO_BENCH_SAMPLES must be an integer ≥ 10, got "${process.env.ORDO_BENCH_SAMPLES}"`)
const WARMUP = 1000
const BASELINE_BATCH = 1000
const AT = new Date('2026-03-10T12:00:00.000Z')
const CATEGORIES = Array.from({ length: 20 }, (_, i) => `cat-${i}`)
const COLORS = ['red', 'blue', 'green', 'black']

function lines(): PricingLineInput[] {
  return Array.from({ length: LINES }, (_, i): PricingLineInput => {
    const category = CATEGORIES[i % CATEGORIES.length]!
    return {
      lineId: `line-${i}`,
      variantId: `variant-${i}`,
      productId: `product-${Math.floor(i / 2)}`,
      sku: `SKU-${i}`,
      name: `Product ${Math.floor(i / 2)} — variant ${i % 2}`,
      quantity: 1 + (i % 3),
      unitPrice: 10_000 + ((i * 7919) % 4_990_000),
      compareAtPrice: i % 5 === 0 ? 6_000_000 : null,
      priceListId: 'base-RUB',
      categoryIds: [category, `dept-${i % 4}`, 'root'],
      attributes: { color: COLORS[i % COLORS.length]!, size: ['S', 'M', 'L'][i % 3]!, organic: i % 7 === 0 },
      vatRate: i % 10 === 0 ? 'vat10' : 'vat22',
    }
  })
}

function promotion(i: number, kind: 'catalog' | 'cart', conditions: PromotionCondition[], benefits: PromotionBenefit[], extra: Partial<Promotion> = {}): Promotion {
  return {
    id: `promo-${String(i).padStart(2, '0')}`,
    name: `Promotion ${i}`,
    kind,
    priority: i % 7,
    exclusive: false,
    conditions,
    benefits,
    validFrom: new Date('2026-01-01T00:00:00Z'),
    validTo: new Date('2026-12-31T00:00:00Z'),
    active: true,
    usageLimit: 1000,
    usagePerCustomer: null,
    usesCount: 10,
    requiresCoupon: false,
    ...extra,
  }
}

function promotions(): Promotion[] {
  const list: Promotion[] = []
  let i = 0
  // 20 catalog promotions: a category sale each, half narrowed by an attribute.
  for (let k = 0; k < 20; k++) {
    const conditions: PromotionCondition[] = [{ type: 'category', categoryIds: [CATEGORIES[k]!] }]
    if (k % 2 === 0) conditions.push({ type: 'attribute', code: 'color', values: [COLORS[k % COLORS.length]!] })
    list.push(promotion(i++, 'catalog', conditions, [k % 3 === 0 ? { type: 'fixed_off_lines', amount: 5_000 } : { type: 'percent_off_lines', percent: 5 + (k % 4) * 5 }]))
  }
  // 30 cart promotions.
  for (let k = 0; k < 6; k++) {
    list.push(promotion(i++, 'cart', [{ type: 'cart_subtotal', min: 1_000_000 * (k + 1) }], [k % 2 === 0 ? { type: 'percent_off_order', percent: 2, maxAmount: 500_000 } : { type: 'fixed_off_order', amount: 50_000 }]))
  }
  for (let k = 0; k < 4; k++) list.push(promotion(i++, 'cart', [{ type: 'category', categoryIds: [`dept-${k}`] }, { type: 'item_quantity', min: 3 }], [{ type: 'buy_x_get_y', buy: 2, get: 1 }]))
  for (let k = 0; k < 3; k++) list.push(promotion(i++, 'cart', [{ type: 'attribute', code: 'size', values: [['S', 'M', 'L'][k]!] }], [{ type: 'bundle_price', quantity: 3, price: 2_000_000 }]))
  list.push(promotion(i++, 'cart', [{ type: 'cart_subtotal', min: 500_000 }], [{ type: 'free_delivery' }]))
  list.push(promotion(i++, 'cart', [{ type: 'region', regions: ['moscow'] }], [{ type: 'free_delivery' }]))
  for (let k = 0; k < 2; k++) {
    list.push(promotion(i++, 'cart', [{ type: 'cart_subtotal', min: 3_000_000 }], [{ type: 'gift', variantId: `gift-${k}`, productId: `gift-p-${k}`, sku: `GIFT-${k}`, name: `Gift ${k}`, vatRate: 'vat22', unitPrice: 99_000 }]))
  }
  list.push(promotion(i++, 'cart', [{ type: 'customer_group', groups: ['vip'] }], [{ type: 'percent_off_lines', percent: 3 }]))
  list.push(promotion(i++, 'cart', [{ type: 'customer_group', groups: ['wholesale'] }], [{ type: 'percent_off_order', percent: 10 }]))
  list.push(promotion(i++, 'cart', [{ type: 'region', regions: ['spb'] }], [{ type: 'fixed_off_order', amount: 30_000 }]))
  list.push(promotion(i++, 'cart', [{ type: 'channel', sources: ['yandex'] }], [{ type: 'percent_off_order', percent: 1 }]))
  list.push(promotion(i++, 'cart', [{ type: 'first_order' }, { type: 'attribute', code: 'organic', values: [true] }], [{ type: 'percent_off_lines', percent: 7 }]))
  for (let k = 0; k < 5; k++) {
    list.push(
      promotion(i++, 'cart', [{ type: 'category', categoryIds: [CATEGORIES[k * 3]!] }], [{ type: 'percent_off_lines', percent: 10 }], {
        requiresCoupon: true,
        couponCodes: [`CODE${k}`],
      }),
    )
  }
  for (let k = 0; k < 3; k++) {
    list.push(promotion(i++, 'cart', [{ type: 'time_window', daysOfWeek: [1, 2, 3, 4, 5], startTime: `${10 + k}:00`, endTime: '20:00', timeZone: 'Europe/Moscow' }], [{ type: 'fixed_off_lines', amount: 1_000, per: 'line' }]))
  }
  if (list.length !== 50) throw new Error(`expected 50 promotions, built ${list.length}`)
  return list
}

export default defineScenario({
  name: 'pricing.cart100x50',
  async run() {
    const input: PricingInput = {
      lines: lines(),
      promotions: promotions(),
      context: {
        currency: 'RUB',
        region: 'moscow',
        channel: { source: 'yandex', medium: 'cpc', campaign: 'spring' },
        customerId: 'customer-1',
        customerGroups: ['vip'],
        orderCount: 0,
        at: AT,
        couponCodes: ['code1', 'CODE3', 'UNKNOWN'],
      },
      delivery: { amount: 35_000, label: 'Courier' },
    }
    const price = createPricer()
    const first = price(input)
    log(`  ${first.appliedPromotionIds.length} of 50 promotions apply; ${first.adjustments.length} adjustments; total ${first.total} of ${first.subtotal}`)

    for (let w = 0; w < WARMUP; w++) price(input)
    const ordo: number[] = []
    for (let s = 0; s < SAMPLES; s++) {
      const timer = startTimer()
      price(input)
      ordo.push(timer.ms())
    }

    let sink = 0
    const naive = (ls: readonly PricingLineInput[]): number => {
      let total = 0
      for (const l of ls) total += l.unitPrice * l.quantity
      return total
    }
    for (let w = 0; w < WARMUP; w++) sink += naive(input.lines)
    const baseline: number[] = []
    for (let s = 0; s < Math.max(10, Math.floor(SAMPLES / 10)); s++) {
      const timer = startTimer()
      for (let b = 0; b < BASELINE_BATCH; b++) sink += naive(input.lines)
      baseline.push(timer.ms() / BASELINE_BATCH)
    }
    if (sink === 0) log('  (baseline sum was 0)')

    const o = latencySummary(ordo)
    const n = latencySummary(baseline)
    return [
      figure({
        name: 'pricing.cart100x50',
        unit: 'ms',
        value: o.p50,
        p95: o.p95,
        baseline: n.p50,
        baselineP95: n.p95,
        baselineLabel: 'naive loop summing unitPrice × quantity over the same 100 lines (no promotions, no allocation, no VAT; per-loop time from batches of 1000)',
        // The harness rounds ms to the microsecond, which shows this baseline as 0: here it is unrounded.
        baselineP50Us: Number((n.p50 * 1000).toPrecision(3)),
        timesBaseline: Math.round(o.p50 / n.p50),
        lines: LINES,
        promotions: 50,
        appliedPromotions: first.appliedPromotionIds.length,
        adjustments: first.adjustments.length,
        samples: SAMPLES,
        targetP50Ms: 0.5,
      }),
    ]
  },
})
