import type { PricingAdjuster, DiscountSource, PriceBreakdown } from '../pricing/pricing-types.js'

/** Where a points discount comes from in a {@link PriceBreakdown}: lines carry it like any order-level discount. */
export const LOYALTY_DISCOUNT_SOURCE: DiscountSource = Object.freeze({ type: 'loyalty', id: 'ordo.loyalty', name: 'Points' })

/**
 * The pipeline's built-in `loyalty` step: turns the points a cart redeems
 * into a discount allocated to its discountable lines (largest remainder), so
 * receipts and refunds stay exact. Capped at `maxRedeemBasisPoints` of what
 * those lines cost after promotions; whole points only.
 *
 * @internal
 */
export const loyaltyRedemptionAdjuster: PricingAdjuster = {
  id: 'ordo.loyalty',
  position: 'loyalty',
  order: 0,
  apply(state, input) {
    const redemption = input.loyalty
    if (!redemption || redemption.points <= 0 || redemption.pointValue <= 0) return
    if (redemption.notCombinableWithCoupons) {
      for (const outcome of state.promotionOutcomes.values()) if (outcome.applied && outcome.couponCode !== undefined) return
    }
    let eligible = 0
    for (const line of state.lines) if (line.discountable && !line.gift && line.total > 0) eligible += line.total
    const cap = Number((BigInt(eligible) * BigInt(redemption.maxRedeemBasisPoints)) / 10_000n)
    const points = Math.min(redemption.points, Math.floor(cap / redemption.pointValue))
    if (points <= 0) return
    const taken = state.discountOrder(points * redemption.pointValue, LOYALTY_DISCOUNT_SOURCE)
    state.addAdjustment(LOYALTY_DISCOUNT_SOURCE, taken, `${points} points redeemed (${state.formatMoney(-taken)})`)
  },
}

/** Points a breakdown redeems: its `loyalty` adjustments over the point value. */
export function redeemedPoints(breakdown: PriceBreakdown, pointValue: number): number {
  let amount = 0
  for (const a of breakdown.adjustments) if (a.source.type === LOYALTY_DISCOUNT_SOURCE.type && a.source.id === LOYALTY_DISCOUNT_SOURCE.id) amount += a.amount
  return Math.floor(amount / pointValue)
}
