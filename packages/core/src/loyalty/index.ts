/**
 * Loyalty: the points ledger (earn, spend, expire, reverse, adjust), earning
 * rules, activation and expiry, redemption in the cart, tiers — `shop.loyalty`.
 *
 * @module
 */
export type { LoyaltyApi } from './loyalty-module.js'
export { NEGATIVE_BALANCE_POLICIES } from './loyalty-config.js'
export type { LoyaltyConfig, LoyaltyTier, NegativeBalancePolicy, PersonalCouponsConfig } from './loyalty-config.js'
export { LOYALTY_DISCOUNT_SOURCE } from './loyalty-pricing.js'
export { LOYALTY_ENTRY_KINDS, PERSONAL_COUPON_REASONS } from './loyalty-types.js'
export type {
  EarnRuleContext,
  IssuePersonalCouponsInput,
  LoyaltyAdjustInput,
  LoyaltyBalance,
  LoyaltyEarnRule,
  LoyaltyEntry,
  LoyaltyEntryKind,
  LoyaltyPluginFields,
  LoyaltyRunResult,
  LoyaltyStatement,
  LoyaltyTierStatus,
  PersonalCoupon,
  PersonalCouponReason,
} from './loyalty-types.js'
