// Test fixture only (not exported): builders for pricing inputs, used by the pricing tests and the bench.
import type { PricingContext, PricingInput, PricingLineInput } from './pricing-types.js'
import type { Promotion } from './promotion-types.js'

/** @internal The instant the fixtures price at. */
export const FIXTURE_AT = new Date('2026-03-10T12:00:00.000Z')

/** @internal A line: 1 unit at 1000.00 ₽, VAT 20%, unless overridden. */
export function testLine(sku: string, overrides: Partial<PricingLineInput> = {}): PricingLineInput {
  return {
    lineId: `line-${sku}`,
    variantId: `variant-${sku}`,
    productId: `product-${sku}`,
    sku,
    name: sku,
    quantity: 1,
    unitPrice: 100_000,
    compareAtPrice: null,
    priceListId: null,
    categoryIds: [],
    attributes: {},
    vatRate: 'vat20',
    ...overrides,
  }
}

/** @internal A guest's first order in RUB at {@link FIXTURE_AT}, unless overridden. */
export function testContext(overrides: Partial<PricingContext> = {}): PricingContext {
  return {
    currency: 'RUB',
    region: null,
    channel: null,
    customerId: null,
    customerGroups: [],
    orderCount: 0,
    at: FIXTURE_AT,
    couponCodes: [],
    ...overrides,
  }
}

/** @internal An active automatic cart promotion with no conditions and no limits, unless overridden. */
export function testPromotion(id: string, overrides: Partial<Promotion> = {}): Promotion {
  return {
    id,
    name: id,
    kind: 'cart',
    priority: 0,
    exclusive: false,
    conditions: [],
    benefits: [],
    validFrom: null,
    validTo: null,
    active: true,
    usageLimit: null,
    usagePerCustomer: null,
    usesCount: 0,
    requiresCoupon: false,
    ...overrides,
  }
}

/** @internal A pricing input. */
export function testInput(
  lines: readonly PricingLineInput[],
  promotions: readonly Promotion[] = [],
  overrides: Partial<Omit<PricingInput, 'lines' | 'promotions'>> = {},
): PricingInput {
  return { lines, promotions, context: testContext(), delivery: null, ...overrides }
}
