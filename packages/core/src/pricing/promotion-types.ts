import type { z } from 'zod'
import type { PricingLine, PricingState } from './pricing-state.js'
import type { DiscountSource, PricingContext } from './pricing-types.js'
import type { BuiltinPromotionBenefit } from './builtin-benefits.js'
import type { BuiltinPromotionCondition } from './builtin-conditions.js'

/**
 * Kinds of promotion: `catalog` promotions discount lines on their own (they
 * show on product pages too) and run first; `cart` promotions look at the
 * whole cart, may need a coupon, and run after.
 */
export const PROMOTION_KINDS = ['catalog', 'cart'] as const

/** One of {@link PROMOTION_KINDS}. */
export type PromotionKind = (typeof PROMOTION_KINDS)[number]

/** A condition of a type a plugin registered: `type` plus its own config. */
export interface CustomPromotionCondition {
  readonly type: string
  readonly [key: string]: unknown
}

/** A benefit of a type a plugin registered: `type` plus its own config. */
export interface CustomPromotionBenefit {
  readonly type: string
  readonly [key: string]: unknown
}

/** One condition of a promotion: a built-in one (see {@link BuiltinPromotionCondition}) or a plugin's. */
export type PromotionCondition = BuiltinPromotionCondition | CustomPromotionCondition

/** One benefit of a promotion: a built-in one (see {@link BuiltinPromotionBenefit}) or a plugin's. */
export type PromotionBenefit = BuiltinPromotionBenefit | CustomPromotionBenefit

/**
 * A promotion as the pricing engine sees it: conditions that must all hold
 * and benefits that then apply.
 *
 * Stacking: promotions of a kind run by `priority` (lower first, then by id);
 * an `exclusive` promotion that applies stops every later promotion of its
 * kind; `stopsFurtherOnLines` makes the lines it discounted final.
 */
export interface Promotion {
  id: string
  name: string
  kind: PromotionKind
  /** Lower runs first. */
  priority: number
  /** When it applies, later promotions of the same kind do not. */
  exclusive: boolean
  /** Lines it discounted get no further discount from later promotions. @default false */
  stopsFurtherOnLines?: boolean
  /** All must hold. Line conditions (product, variant, category, attribute) pick the lines the benefits apply to. */
  conditions: readonly PromotionCondition[]
  benefits: readonly PromotionBenefit[]
  validFrom: Date | null
  /** Exclusive: the promotion ends at this instant. */
  validTo: Date | null
  active: boolean
  /** Total uses allowed (counted when orders are placed), or `null` for no limit. */
  usageLimit: number | null
  /** Uses allowed per customer, or `null` for no limit (the promotions module enforces it: the engine does not know who used what). */
  usagePerCustomer: number | null
  usesCount: number
  /** Applies only when one of `couponCodes` is entered. */
  requiresCoupon: boolean
  /** The coupon codes (upper-case) known to unlock it; the promotions module fills in those the customer entered. */
  couponCodes?: readonly string[]
}

/** What a condition sees when it is evaluated. */
export interface ConditionContext {
  readonly state: PricingState
  readonly context: PricingContext
  readonly promotion: Promotion
  /** The instant of the context, in epoch milliseconds. */
  readonly at: number
  /** Every line but gifts. */
  readonly lines: readonly PricingLine[]
  /** The lines that pass the promotion's line conditions (all lines when it has none). */
  readonly matching: readonly PricingLine[]
}

/** What a benefit sees when it applies. */
export interface BenefitContext extends ConditionContext {
  /** The source to record discounts under. */
  readonly source: DiscountSource
  /** The matching lines that can still be discounted (discountable, total > 0). */
  readonly targets: readonly PricingLine[]
}

/**
 * What a benefit returns: what it took off and how to explain it (an
 * `explanation` of `null` records no adjustment of its own, e.g. free
 * delivery before delivery is priced), or a string saying why it did not apply.
 */
export type BenefitOutcome = { amount: number; explanation: string | null } | string

/**
 * A condition type: its config schema and how it is evaluated. A condition
 * may narrow the lines the benefits apply to (`lineFilter`), check the whole
 * cart (`matches`), or both. A failed check returns the reason, shown to the
 * customer when their coupon does not apply.
 */
export interface ConditionType<T extends string = string, C = any> {
  /** Unique name; prefix a plugin's with its id (`acme.weekday`). */
  readonly type: T
  /** Validates the config (every key of the condition but `type`) when a promotion is saved. */
  readonly schema: z.ZodType<C>
  /** The promotion kinds it may be used in. @default both */
  readonly kinds?: readonly PromotionKind[]
  /** Keeps the lines this condition is about; the promotion needs at least one such line. */
  lineFilter?(config: C, line: PricingLine): boolean
  /** Describes the lines it keeps, for the reason when none is in the cart, e.g. `items from category "shoes"`. */
  describeLines?(config: C): string
  /** Checks the cart: `true`, or why not (`cart subtotal is 1500.00 ₽; the promotion needs at least 3000.00 ₽`). */
  matches?(config: C, context: ConditionContext): true | string
}

/** A benefit type: its config schema and how it changes the price. */
export interface BenefitType<T extends string = string, C = any> {
  /** Unique name; prefix a plugin's with its id (`acme.double-points`). */
  readonly type: T
  /** Validates the config (every key of the benefit but `type`) when a promotion is saved. */
  readonly schema: z.ZodType<C>
  /** The promotion kinds it may be used in. @default both */
  readonly kinds?: readonly PromotionKind[]
  /** Changes the state through `context.state` (discountLine, discountOrder, addGift…) and says what it did. */
  apply(config: C, context: BenefitContext): BenefitOutcome
}

/**
 * The condition or benefit object a type definition describes: `{ type }`
 * plus the config its schema yields.
 *
 * @example
 * ```ts
 * type Weekday = PromotionRule<typeof weekday> // { readonly type: 'acme.weekday'; readonly days: number[] }
 * ```
 */
export type PromotionRule<D> = D extends ConditionType<infer T, infer C> | BenefitType<infer T, infer C> ? { readonly type: T } & Readonly<C> : never

/**
 * Declares a condition type with its config typed from the schema.
 *
 * @example
 * ```ts
 * const weekday = defineConditionType({
 *   type: 'acme.weekday',
 *   schema: z.object({ days: z.array(z.number().int().min(0).max(6)) }),
 *   matches: (config, { at }) => config.days.includes(new Date(at).getUTCDay()) || 'only on certain weekdays',
 * })
 * const plugin = definePlugin({ id: 'acme', promotionConditions: [weekday] })
 * ```
 */
export function defineConditionType<const T extends string, C>(definition: ConditionType<T, C>): ConditionType<T, C> {
  return definition
}

/**
 * Declares a benefit type with its config typed from the schema.
 *
 * @example
 * ```ts
 * const roundDown = defineBenefitType({
 *   type: 'acme.round-down',
 *   schema: z.object({ to: z.number().int().positive() }),
 *   apply(config, { state, source }) {
 *     const total = state.linesTotal()
 *     const taken = state.discountOrder(total % config.to, source)
 *     return taken > 0 ? { amount: taken, explanation: `Rounded down (−${state.formatMoney(taken)})` } : 'already round'
 *   },
 * })
 * ```
 */
export function defineBenefitType<const T extends string, C>(definition: BenefitType<T, C>): BenefitType<T, C> {
  return definition
}
