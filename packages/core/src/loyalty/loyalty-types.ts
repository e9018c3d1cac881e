import type { OrderLine, Order } from '../order/order-types.js'

/** The kinds of ledger entries. */
export const LOYALTY_ENTRY_KINDS = ['earn', 'spend', 'expire', 'reverse', 'adjust'] as const

/** One of {@link LOYALTY_ENTRY_KINDS}. */
export type LoyaltyEntryKind = (typeof LOYALTY_ENTRY_KINDS)[number]

/**
 * A customer's points, derived from the ledger.
 *
 * `total` is Σ of every entry; it equals `pending + active − debt` plus any
 * points past their expiry that the `loyalty.expire` job has not yet expired.
 */
export interface LoyaltyBalance {
  customerId: string
  /** Spendable now: unspent points of active credits not past their expiry. */
  active: number
  /** Earned on completed orders, waiting for the return window to pass. */
  pending: number
  /** Held by placed orders that have not completed yet (already taken from `active`). */
  held: number
  /** Points taken back that no credit covered yet; future earns pay it first. */
  debt: number
  /** Σ of every ledger entry. */
  total: number
}

/** One line of a customer's statement. */
export interface LoyaltyEntry {
  id: string
  kind: LoyaltyEntryKind
  /** Credits: `pending`, `active`, `partly_spent`, `spent`, `expired`, `reversed`; spends: `held`, `committed`, `released`; expiries, reversals and debits: `posted`. */
  status: string
  /** Signed: credits positive, debits negative. */
  points: number
  /** Credits: still unspent; debits: not yet covered (debt). */
  remaining: number
  orderId: string | null
  externalId: string | null
  reason: string | null
  createdAt: Date
  activatesAt: Date | null
  expiresAt: Date | null
}

/** A page of a statement, newest first. */
export interface LoyaltyStatement {
  items: LoyaltyEntry[]
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null
}

/** A customer's tier. */
export interface LoyaltyTierStatus {
  customerId: string
  /** The tier's code, or null below the lowest tier (or when no tiers are configured). */
  tier: string | null
  /** Earn multiplier the tier gives, basis points (10000 = ×1). */
  multiplierBasisPoints: number
  /** Goods kept and paid over the last 12 months, minor units, as of the last computation. */
  spend12m: number
}

/** What `shop.loyalty.adjust()` takes. */
export interface LoyaltyAdjustInput {
  /** Positive credits points (active at once, expiring after `expiryDays`); negative takes them back. Not 0. */
  points: number
  /** Shown on the statement, e.g. `goodwill: late delivery`. */
  reason: string
  /** Your id of this adjustment: the same id again returns the first entry and changes nothing. */
  externalId: string
}

/** What one run of activation or expiry did. */
export interface LoyaltyRunResult {
  /** Entries activated, or expired and warned about. */
  entries: number
  /** Points moved. */
  points: number
}

/** What an earning rule sees for one line. */
export interface EarnRuleContext {
  order: Order
  line: OrderLine
  /** The product's categories and their ancestors. */
  categoryIds: readonly string[]
  /** The customer's tier code, or null. */
  tier: string | null
}

/**
 * An extra earning rule a plugin adds: a multiplier per order line, basis
 * points (10000 = ×1, 0 = earn nothing on the line); `null` leaves the line
 * alone. Multipliers of several rules multiply.
 *
 * @example
 * ```ts
 * const doubleOnWeekends: LoyaltyEarnRule = {
 *   id: 'acme.weekend',
 *   lineMultiplier: ({ order }) => ([0, 6].includes(order.placedAt.getUTCDay()) ? 20_000 : null),
 * }
 * definePlugin({ id: 'acme', loyaltyEarnRules: [doubleOnWeekends] })
 * ```
 */
export interface LoyaltyEarnRule {
  /** Unique id, prefixed with the plugin id. */
  readonly id: string
  /** The line's multiplier in basis points (10000 = ×1, 0 = nothing), or `null` to leave the line alone. */
  lineMultiplier(context: EarnRuleContext): number | null
}

/** What a plugin may add to loyalty (fields of `OrdoPlugin`). */
export interface LoyaltyPluginFields {
  /** Earning rules; see {@link LoyaltyEarnRule}. */
  readonly loyaltyEarnRules?: readonly LoyaltyEarnRule[]
}

declare module '../plugin/define-plugin.js' {
  interface OrdoPlugin extends LoyaltyPluginFields {}
}

/** Why a personal coupon is issued. */
export const PERSONAL_COUPON_REASONS = ['birthday', 'win_back'] as const

/** One of {@link PERSONAL_COUPON_REASONS}. */
export type PersonalCouponReason = (typeof PERSONAL_COUPON_REASONS)[number]

/**
 * What `shop.loyalty.issuePersonalCoupons()` takes. Without `customers` the
 * rule picks them: `birthday` — customers whose birthday is today or was in
 * the last 6 days; `win_back` — customers whose last completed order is older
 * than `afterDays`. With `customers` those customers get a coupon whatever the
 * rule says. Either way a customer gets one coupon per reason and period (a
 * birthday: the calendar year; a win-back: the lull after their last
 * completed order).
 */
export interface IssuePersonalCouponsInput {
  reason: PersonalCouponReason
  /** The promotion (it must require a coupon). @default the one in `loyalty.personalCoupons` */
  promotionId?: string | undefined
  /** Issue to exactly these customers (at most 1000). */
  customers?: readonly string[] | undefined
  /** Win-back: days since the last completed order. @default `personalCoupons.winBack.afterDays`, else 90 */
  afterDays?: number | undefined
  /** Days the code is valid from now. @default the configured `validDays`, else the promotion's own dates */
  validDays?: number | undefined
}

/** A personal coupon issued to a customer. */
export interface PersonalCoupon {
  customerId: string
  reason: PersonalCouponReason
  promotionId: string
  /** The single-use code, upper-case. */
  code: string
  issuedAt: Date
}
