import type { LineDiscount } from '../pricing/pricing-types.js'
import type { LoyaltySettings, LoyaltyTier } from './loyalty-config.js'
import { LOYALTY_DISCOUNT_SOURCE } from './loyalty-pricing.js'

const ONE = 10_000n

/** One order line as earning sees it. */
export interface EarnLine {
  /** The line total after every discount (points included), minor units. */
  total: number
  productId: string
  categoryIds: readonly string[]
  discounts: readonly LineDiscount[]
  /** Multipliers of the plugins' earning rules for this line, basis points (one per rule; 10000 when a rule leaves it alone). */
  ruleMultipliers: readonly number[]
}

/** What an order's earn is computed from. */
export interface EarnInput {
  lines: readonly EarnLine[]
  /** Goods the customer refused at delivery, minor units. */
  refusedTotal: number
  /** Money refunded on the order, minor units. */
  refundedTotal: number
  /** The tier's multiplier, basis points. */
  tierMultiplierBasisPoints: number
}

/**
 * The points an order earns: `earnBasisPoints` of the goods the customer
 * kept and paid — line totals after every discount (points spent included),
 * no delivery — less what was refused or refunded, with product, category,
 * rule and tier multipliers; whole points, rounded down, in exact integer
 * arithmetic. Refused and refunded amounts are taken off in proportion to the
 * lines' totals (the order's refused amount is not split by line).
 *
 * @internal
 */
export function earnPoints(input: EarnInput, settings: LoyaltySettings): number {
  let goods = 0n
  let weighted = 0n
  let scale = ONE
  const rules = input.lines[0]?.ruleMultipliers.length ?? 0
  for (let i = 0; i < rules; i++) scale *= ONE
  for (const line of input.lines) {
    const total = BigInt(line.total)
    goods += total
    if (settings.excludeDiscountedLines && line.discounts.some((d) => d.source.type !== LOYALTY_DISCOUNT_SOURCE.type)) continue
    let multiplier = BigInt(lineMultiplier(line, settings))
    for (let i = 0; i < rules; i++) multiplier *= BigInt(line.ruleMultipliers[i] ?? 10_000)
    weighted += total * multiplier
  }
  if (goods <= 0n) return 0
  const reduction = BigInt(Math.min(Math.max(0, input.refusedTotal + input.refundedTotal), Number(goods)))
  const kept = goods > reduction ? goods - reduction : 0n
  const numerator = weighted * kept * BigInt(settings.earnBasisPoints) * BigInt(input.tierMultiplierBasisPoints)
  const denominator = scale * goods * ONE * ONE * BigInt(settings.pointValue)
  return Number(numerator / denominator)
}

/** A product multiplier wins; else the highest multiplier of the line's categories; else ×1. */
function lineMultiplier(line: EarnLine, settings: LoyaltySettings): number {
  const product = settings.productMultipliers[line.productId]
  if (product !== undefined) return product
  let best: number | undefined
  for (const id of line.categoryIds) {
    const m = settings.categoryMultipliers[id]
    if (m !== undefined && (best === undefined || m > best)) best = m
  }
  return best ?? 10_000
}

/** The highest tier `spend` reaches, or null. `tiers` sorted by `minSpend` descending. */
export function tierFor(spend: number, tiers: readonly LoyaltyTier[]): LoyaltyTier | null {
  for (const tier of tiers) if (spend >= tier.minSpend) return tier
  return null
}
