/**
 * Pricing: a pure pipeline of adjusters (base prices → catalog promotions →
 * cart promotions and coupons → loyalty → delivery → tax) that turns lines,
 * a context and promotions into a {@link PriceBreakdown}, plus `shop.pricing`.
 * Promotion condition and benefit types live here too, since the engine runs them.
 *
 * @module
 */
export type { PricingApi, QuoteInput } from './pricing-module.js'
export { ADJUSTER_POSITIONS } from './pricing-types.js'
export type {
  AdjusterPosition,
  Adjustment,
  BreakdownLine,
  CouponFailure,
  CouponResult,
  DiscountSource,
  LineDiscount,
  PriceBreakdown,
  PricingAdjuster,
  PricingContext,
  PricingInput,
  PricingLineInput,
} from './pricing-types.js'
export { PricingState, normalizeCouponCode } from './pricing-state.js'
export type { GiftLineInput, PricingDelivery, PricingLine, PromotionOutcome } from './pricing-state.js'
export { createPricer, priceBreakdown } from './price-breakdown.js'
export type { Pricer, PricingOptions } from './price-breakdown.js'
export { PROMOTION_KINDS, defineBenefitType, defineConditionType } from './promotion-types.js'
export type {
  BenefitContext,
  BenefitOutcome,
  BenefitType,
  ConditionContext,
  ConditionType,
  CustomPromotionBenefit,
  CustomPromotionCondition,
  Promotion,
  PromotionBenefit,
  PromotionCondition,
  PromotionKind,
  PromotionRule,
} from './promotion-types.js'
export {
  BUILTIN_CONDITION_TYPES,
  attributeCondition,
  cartSubtotalCondition,
  categoryCondition,
  channelCondition,
  customerGroupCondition,
  firstOrderCondition,
  itemQuantityCondition,
  nthOrderCondition,
  productCondition,
  regionCondition,
  timeWindowCondition,
  variantCondition,
} from './builtin-conditions.js'
export type { BuiltinPromotionCondition } from './builtin-conditions.js'
export {
  BUILTIN_BENEFIT_TYPES,
  bundlePriceBenefit,
  buyXGetYBenefit,
  fixedOffLinesBenefit,
  fixedOffOrderBenefit,
  freeDeliveryBenefit,
  giftBenefit,
  percentOffLinesBenefit,
  percentOffOrderBenefit,
} from './builtin-benefits.js'
export type { BuiltinPromotionBenefit } from './builtin-benefits.js'
export type { PricingPluginFields } from './pricing-plugin.js'
