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

/**
 * The customer id of whoever gives this phone at checkout (E.164, as
 * `carts.setContact` normalises it). The demo has no accounts: the phone is
 * the customer, so the same phone on the next order finds its points. A real
 * shop would confirm the phone (an SMS code) before showing or spending them.
 */
export function customerIdFor(e164Phone: string): string {
  return `phone:${e164Phone}`
}
