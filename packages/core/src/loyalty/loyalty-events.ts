declare module '../events/domain-events.js' {
  interface DomainEventMap {
    /** Points were earned on a completed order; they stay pending until `activatesAt`. `balance`: the points the customer has now, pending ones (these among them) included. */
    'loyalty.points_earned': { customerId: string; orderId: string; entryId: string; points: number; activatesAt: string; balance: number }
    /** Pending points became spendable; they expire at `expiresAt`. */
    'loyalty.points_activated': { customerId: string; entryId: string; orderId: string | null; points: number; expiresAt: string }
    /** Points will expire soon (sent once per credit, `warnDaysBefore` ahead): notify the customer. */
    'loyalty.points_expiring': { customerId: string; points: number; expiresAt: string }
    /** Unspent points expired. */
    'loyalty.points_expired': { customerId: string; points: number }
    /** A return or refund took back points earned on an order (`debt`: what no credit covered). */
    'loyalty.points_reversed': { customerId: string; orderId: string; points: number; debt: number }
    /** Points spent on an order came back to the credits they were drawn on: goods refused at the door, or an edit that lowered the points discount. */
    'loyalty.points_returned': { customerId: string; orderId: string; points: number; reason: 'refused' | 'order_edited' }
    /** A personal coupon was issued (`birthday` or `win_back`): send the code to the customer. */
    'loyalty.coupon_issued': { customerId: string; code: string; reason: 'birthday' | 'win_back'; promotionId: string; validTo: string | null }
    /** The customer's tier changed (on completion or the nightly recomputation). */
    'loyalty.tier_changed': { customerId: string; from: string | null; to: string | null; spend12m: number }
  }
}

export {}
