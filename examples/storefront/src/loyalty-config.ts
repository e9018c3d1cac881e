import type { LoyaltyConfig } from '@ordo/core'

/**
 * The demo shop's points programme: 5 % of what the customer kept and paid
 * comes back as points, active 14 days after the order completes (the return
 * window), for 180 days; points pay at most 30 % of the goods; 1 point = 1 ₽.
 */
export const DEMO_LOYALTY = {
  earnBasisPoints: 500,
  pointValue: 100,
  activationDays: 14,
  expiryDays: 180,
  maxRedeemBasisPoints: 3000,
} as const satisfies LoyaltyConfig

