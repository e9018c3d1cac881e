import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { CatalogInternal, PricedVariant, VariantSummary } from '../catalog/catalog-module.js'
import { OrdoError } from '../errors.js'
import { isCurrencyCode } from '../money/currency.js'
import type { PromotionsInternal } from '../promotions/promotions-module.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import type { OrdoMigration } from '../storage/migration.js'
import { parseInput } from '../validation.js'
import { createPricer } from './price-breakdown.js'
import { pricingOptionsFromPlugins } from './pricing-plugin.js'
import { normalizeCouponCodes } from './pricing-state.js'
import { loyaltySettings } from '../loyalty/loyalty-config.js'
import { loyaltyRedemptionAdjuster } from '../loyalty/loyalty-pricing.js'
import type { CouponResult, PriceBreakdown, PricingContext, PricingInput, PricingLineInput } from './pricing-types.js'

/** Tables owned by the pricing module: none, it computes. */
export interface PricingTables {}

/** The pricing module's schema changes: none. */
export const pricingMigrations: readonly OrdoMigration[] = []

/** What `shop.pricing.quote()` takes: SKUs and quantities, and the context (everything in it optional). */
export interface QuoteInput {
  /** At most 500 lines; each SKU once. */
  lines: { sku: string; quantity: number }[]
  /** @default the shop's currency, no region/channel/customer/coupons, first order, now */
  context?: Partial<PricingContext>
  /** A delivery price to include (VAT included), e.g. to show what free delivery saves. @default null */
  delivery?: { amount: number; label?: string } | null
}

/**
 * `shop.pricing`: prices lines in a context with the shop's price lists,
 * promotions and the plugins' adjusters.
 *
 * @example
 * ```ts
 * const breakdown = await shop.pricing.quote({
 *   lines: [{ sku: 'TEE-M', quantity: 3 }],
 *   context: { region: 'moscow', customerGroups: ['vip'], couponCodes: ['SPRING10'] },
 * })
 * breakdown.total // what the customer pays, in kopecks
 * breakdown.adjustments.map((a) => a.explanation)
 * ```
 */
export interface PricingApi {
  /** Prices arbitrary lines for a context (e.g. a product page's "your price"). Unknown SKU → `NOT_FOUND`; no price → `PRICE_MISSING`. */
  quote(input: QuoteInput): Promise<PriceBreakdown>
}

/** What other core modules call inside their unit of work (cart, checkout). */
export interface PricingInternal {
  /**
   * Loads variants+prices (catalog.variantsForPricing, once) and promotions
   * (promotions.loadForPricing, once), builds the lines, runs the pipeline.
   * Lines whose variant has no price → OrdoError('PRICE_MISSING') naming the
   * SKU; an unknown variant → `NOT_FOUND`. Coupon codes that cannot be used
   * (unknown, expired, used up…) are reported in `coupons` with the reason.
   */
  priceCart(
    db: Kysely<Database>,
    input: PriceCartInput,
  ): Promise<PriceBreakdown>
  /** {@link PricingInternal.priceCart}, also returning the variants it loaded (checkout snapshots their cost, weight and fiscal data). */
  priceCartWithVariants(db: Kysely<Database>, input: PriceCartInput): Promise<{ breakdown: PriceBreakdown; variants: ReadonlyMap<string, PricedVariant> }>
}

/** What {@link PricingInternal.priceCart} prices: cart lines by variant, in a context, with an optional delivery price. */
export interface PriceCartInput {
  lines: readonly { lineId: string; variantId: string; quantity: number }[]
  context: PricingContext
  delivery: { amount: number; label?: string } | null
  /** Points the cart redeems (ignored when the shop has no `loyalty` config). @default 0 */
  pointsRedeemed?: number
  /** The payment method's code: its configured fee or discount is priced in. @default none */
  paymentMethod?: string | null
  /** Variant summaries the caller already read in this unit of work, by variant id: not read again. @default none */
  variants?: ReadonlyMap<string, VariantSummary>
}

const MAX_QUOTE_LINES = 500

const quoteSchema = z.strictObject({
  lines: z
    .array(z.strictObject({ sku: z.string().min(1).max(191), quantity: z.number().int().min(1).max(1_000_000) }))
    .min(1)
    .max(MAX_QUOTE_LINES)
    .refine((lines) => new Set(lines.map((l) => l.sku)).size === lines.length, 'each SKU at most once'),
  context: z
    .strictObject({
      currency: z.string().refine(isCurrencyCode, 'expected an ISO 4217 code such as RUB').optional(),
      region: z.string().min(1).max(100).nullable().optional(),
      channel: z
        .strictObject({ source: z.string().max(191).nullable(), medium: z.string().max(191).nullable(), campaign: z.string().max(191).nullable() })
        .nullable()
        .optional(),
      customerId: z.string().min(1).max(191).nullable().optional(),
      customerGroups: z.array(z.string().min(1).max(100)).max(50).optional(),
      orderCount: z.number().int().min(0).optional(),
      at: z.date().optional(),
      couponCodes: z.array(z.string().max(200)).max(20).optional(),
    })
    .optional(),
  delivery: z
    .strictObject({ amount: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), label: z.string().max(255).optional() })
    .nullable()
    .optional(),
})

/** Creates the pricing module on the engine's runtime. */
export function createPricingModule(
  runtime: Runtime,
  deps: { catalog: CatalogInternal; promotions: PromotionsInternal },
): { api: PricingApi; internal: PricingInternal } {
  const options = pricingOptionsFromPlugins(runtime.plugins)
  const methods = new Map((runtime.config.payments?.methods ?? []).map((m) => [m.code, m]))
  /** The fee or discount of a configured payment method, or null when it has none. */
  function methodPricing(code: string | null): PricingInput['paymentMethod'] {
    const m = code === null ? undefined : methods.get(code)
    if (!m || ((m.feeBasisPoints ?? 0) === 0 && (m.feeFixed ?? 0) === 0)) return null
    return { code: m.code, name: m.label ?? m.code, feeBasisPoints: m.feeBasisPoints ?? 0, feeFixed: m.feeFixed ?? 0 }
  }
  const price = createPricer({ ...options, adjusters: [loyaltyRedemptionAdjuster, ...options.adjusters] })
  const loyalty = runtime.config.loyalty ? loyaltySettings(runtime.config.loyalty) : null

  const internal: PricingInternal = {
    async priceCart(db, input) {
      return (await internal.priceCartWithVariants(db, input)).breakdown
    },
    async priceCartWithVariants(db, input) {
      const { context } = input
      const variantIds = [...new Set(input.lines.map((l) => l.variantId))]
      const [variants, loaded] = await Promise.all([
        variantIds.length === 0
          ? Promise.resolve(new Map<string, never>())
          : deps.catalog.variantsForPricing(db, variantIds, {
              currency: context.currency,
              region: context.region,
              channel: context.channel?.source ?? null,
              customerGroups: context.customerGroups,
              at: context.at,
            }, input.variants),
        deps.promotions.loadForPricing(db, { at: context.at, couponCodes: context.couponCodes, customerId: context.customerId }),
      ])
      const unknown = variantIds.filter((id) => !variants.has(id))
      if (unknown.length > 0) {
        throw new OrdoError('NOT_FOUND', `No variant ${unknown.map((id) => `"${id}"`).join(', ')} to price.`, { details: { variantIds: unknown } })
      }
      const lines: PricingLineInput[] = []
      const unpriced: string[] = []
      for (const line of input.lines) {
        const variant = variants.get(line.variantId)!
        if (variant.price === null || variant.price.currency !== context.currency) {
          unpriced.push(variant.sku)
          continue
        }
        lines.push({
          lineId: line.lineId,
          variantId: variant.variantId,
          productId: variant.productId,
          sku: variant.sku,
          name: variant.name,
          quantity: line.quantity,
          unitPrice: variant.price.amount,
          compareAtPrice: variant.price.compareAt,
          priceListId: variant.price.priceListId,
          categoryIds: variant.categoryIds,
          attributes: variant.attributes,
          vatRate: variant.vatRate,
        })
      }
      if (unpriced.length > 0) {
        throw new OrdoError(
          'PRICE_MISSING',
          `No ${context.currency} price for SKU ${[...new Set(unpriced)].join(', ')}${context.region ? ` in region "${context.region}"` : ''}; set one with shop.catalog.setPrices().`,
          { details: { skus: [...new Set(unpriced)], currency: context.currency, region: context.region } },
        )
      }
      // Codes the loader refused are reported with its reason; the engine reports on the rest.
      const refused = new Map(loaded.coupons.map((c) => [c.code, c]))
      const entered = normalizeCouponCodes(context.couponCodes)
      const breakdown = price({
        lines,
        context: { ...context, couponCodes: entered.filter((code) => !refused.has(code)) },
        promotions: loaded.promotions,
        delivery: input.delivery,
        loyalty:
          loyalty && (input.pointsRedeemed ?? 0) > 0
            ? { points: input.pointsRedeemed!, pointValue: loyalty.pointValue, maxRedeemBasisPoints: loyalty.maxRedeemBasisPoints, notCombinableWithCoupons: loyalty.notCombinableWithCoupons }
            : null,
        paymentMethod: methodPricing(input.paymentMethod ?? null),
      })
      if (refused.size > 0) {
        const priced = new Map(breakdown.coupons.map((c) => [c.code, c]))
        breakdown.coupons = entered.map((code): CouponResult => refused.get(code) ?? priced.get(code)!)
      }
      return { breakdown, variants: variants as ReadonlyMap<string, PricedVariant> }
    },
  }

  const api: PricingApi = {
    async quote(input) {
      const data = parseInput('pricing.quote', quoteSchema, input)
      const given = data.context ?? {}
      const context: PricingContext = {
        currency: (given.currency ?? runtime.currency) as PricingContext['currency'],
        region: given.region ?? null,
        channel: given.channel ?? null,
        customerId: given.customerId ?? null,
        customerGroups: given.customerGroups ?? [],
        orderCount: given.orderCount ?? 0,
        at: given.at ?? runtime.clock.now(),
        couponCodes: given.couponCodes ?? [],
      }
      const variants = await deps.catalog.variantsBySku(runtime.db, data.lines.map((l) => l.sku))
      const unknown = data.lines.filter((l) => !variants.has(l.sku)).map((l) => l.sku)
      if (unknown.length > 0) {
        throw new OrdoError('NOT_FOUND', `No SKU ${unknown.join(', ')} in the catalog.`, { details: { skus: unknown } })
      }
      return internal.priceCart(runtime.db, {
        lines: data.lines.map((l) => ({ lineId: l.sku, variantId: variants.get(l.sku)!.variantId, quantity: l.quantity })),
        context,
        delivery: data.delivery ?? null,
      })
    },
  }
  return { api, internal }
}
