import type { CurrencyCode } from '../money/currency.js'
import type { VatRate } from '../money/vat.js'
import type { Promotion } from './promotion-types.js'
import type { PricingState } from './pricing-state.js'

/**
 * The named steps of the pricing pipeline, in the order they run: base prices,
 * catalog promotions, cart promotions and coupons, loyalty redemption,
 * delivery, tax. Plugins add adjusters at any of these positions.
 */
export const ADJUSTER_POSITIONS = ['base', 'catalog_promotions', 'cart_promotions', 'loyalty', 'delivery', 'tax'] as const

/** One of {@link ADJUSTER_POSITIONS}. */
export type AdjusterPosition = (typeof ADJUSTER_POSITIONS)[number]

/** One line to price: a variant, its base price and what promotions look at. Prices include VAT. */
export interface PricingLineInput {
  /** The caller's id for the line (cart line id); unique within one input. */
  lineId: string
  variantId: string
  productId: string
  sku: string
  /** Shown in explanations, e.g. `T-shirt Basic — M / Blue`. */
  name: string
  /** A whole number of units, at least 1. */
  quantity: number
  /** Price of one unit in minor units (kopecks), VAT included. */
  unitPrice: number
  /** The "old price" for strike-through, or `null`. */
  compareAtPrice: number | null
  /** The price list the unit price came from, or `null`. */
  priceListId: string | null
  /** The product's categories with their ancestors (category promotions match on any of them). */
  categoryIds: readonly string[]
  /** Attribute values by code, product and variant merged. */
  attributes: Readonly<Record<string, string | number | boolean>>
  vatRate: VatRate
  /** `false` keeps every promotion off this line (and out of order-level allocations). @default true */
  discountable?: boolean
}

/** Who is buying, where, when and with which coupons: what promotion conditions look at. */
export interface PricingContext {
  currency: CurrencyCode
  /** The delivery or price region code (e.g. `moscow`), or `null`. */
  region: string | null
  /** Where the visitor came from (UTM tags), or `null`. */
  channel: { source: string | null; medium: string | null; campaign: string | null } | null
  customerId: string | null
  customerGroups: readonly string[]
  /** The customer's previous orders: 0 means this is the first order. */
  orderCount: number
  /** The instant prices and promotions are evaluated at. */
  at: Date
  /** Coupon codes the customer entered; compared case-insensitively. */
  couponCodes: readonly string[]
}

/** Everything {@link priceBreakdown} needs, already loaded: it does no I/O. */
export interface PricingInput {
  lines: readonly PricingLineInput[]
  context: PricingContext
  /** The candidate promotions; the engine checks their validity, conditions and coupons itself. */
  promotions: readonly Promotion[]
  /** The delivery price (VAT included) once a delivery option is chosen, or `null`. */
  delivery: { amount: number; label?: string } | null
  /** Points the customer redeems: the `loyalty` step turns them into a discount allocated to lines, capped at `maxRedeemBasisPoints` of the goods. @default none */
  loyalty?: { points: number; pointValue: number; maxRedeemBasisPoints: number; notCombinableWithCoupons?: boolean } | null
  /**
   * The payment method chosen and its fee (positive) or discount (negative):
   * the built-in `ordo.payment-method` step (after delivery) adds a fee to
   * `paymentFee` or spreads a discount over the discountable lines. Both are
   * counted on the goods and delivery after every other discount. @default none
   */
  paymentMethod?: { code: string; name: string; feeBasisPoints: number; feeFixed: number } | null
}

/** Where a discount came from. */
export interface DiscountSource {
  /** `promotion` (automatic), `coupon` (a promotion unlocked by a coupon) or a plugin's own type (`loyalty`…). */
  type: 'promotion' | 'coupon' | (string & {})
  /** The promotion's id (or the plugin's own id for its adjustments). */
  id: string
  name: string
  /** The coupon code that unlocked the promotion, upper-case. */
  couponCode?: string
}

/** One discount on one line. */
export interface LineDiscount {
  source: DiscountSource
  /** Minor units taken off the line, > 0. */
  amount: number
  /** `line`: a discount on this line itself; `order`: this line's share of an order-level discount. */
  scope: 'line' | 'order'
}

/** One priced line of a {@link PriceBreakdown}. */
export interface BreakdownLine {
  lineId: string
  variantId: string
  productId: string
  sku: string
  name: string
  quantity: number
  unitPrice: number
  compareAtPrice: number | null
  /** `unitPrice × quantity`. */
  subtotal: number
  /** Every discount on the line, in the order they applied. */
  discounts: LineDiscount[]
  /** Σ `discounts[].amount`. */
  discountTotal: number
  /** `subtotal − discountTotal`, never below zero. */
  total: number
  vatRate: VatRate
  /** The VAT contained in `total` (prices include VAT). */
  vatAmount: number
  /** A gift added by a promotion: its total is 0. */
  gift: boolean
  /** Whether later promotions could still discount the line. */
  discountable: boolean
}

/** One step of the pipeline that changed the price, explained for people. */
export interface Adjustment {
  position: AdjusterPosition
  source: DiscountSource
  /** Minor units taken off (lines and delivery together); negative for a charge added (a payment method's fee); 0 for effects without an amount of their own. */
  amount: number
  /** E.g. `"3 for 2": buy 2 get 1 — cheapest "Socks" free (−299.00 ₽)`. */
  explanation: string
}

/** Why a coupon code did not apply. */
export type CouponFailure = 'unknown' | 'expired' | 'not_started' | 'used_up' | 'inactive' | 'not_applicable'

/** What became of one coupon code the customer entered. */
export interface CouponResult {
  /** The code, upper-case. */
  code: string
  applied: boolean
  /** Why it did not apply, e.g. `cart subtotal is 1500.00 ₽; the promotion needs at least 3000.00 ₽`. */
  reason?: string
  /** Machine-readable form of `reason`. */
  failure?: CouponFailure
}

/**
 * The price of a cart: every line with its discounts (order-level ones
 * allocated to lines so that Σ line totals + delivery = total to the minor
 * unit), the delivery, VAT, and an explanation of each adjustment.
 */
export interface PriceBreakdown {
  currency: CurrencyCode
  lines: BreakdownLine[]
  /** Σ line subtotals (before discounts). */
  subtotal: number
  /** Σ line discounts (the delivery discount is in `delivery.discount`). */
  discountTotal: number
  delivery: { amount: number; discount: number; total: number } | null
  /** A promotion granted free delivery (applied to `delivery` once it is priced). */
  freeDelivery: boolean
  /** Σ line VAT. */
  vatTotal: number
  /** The payment method's fee (a positive `feeBasisPoints`/`feeFixed`), minor units; 0 without one. A method's discount is in the lines instead. */
  paymentFee: number
  /** Σ line totals + delivery total + payment fee. */
  total: number
  adjustments: Adjustment[]
  /** One entry per coupon code entered, in the order entered. */
  coupons: CouponResult[]
  /** Promotions that changed this breakdown, in the order they applied. */
  appliedPromotionIds: string[]
}

/**
 * A step of the pricing pipeline. It reads and changes the working
 * {@link PricingState} through its methods (`discountLine`, `discountOrder`,
 * `discountDelivery`, `addGift`, `setDelivery`…).
 *
 * Adjusters run by position (see {@link ADJUSTER_POSITIONS}), then by `order`,
 * then in the order they were given. The built-in promotion adjusters have
 * order 0; free delivery and VAT have order 1000, so they see every other
 * adjuster of their position.
 *
 * @example
 * ```ts
 * const staffDiscount: PricingAdjuster = {
 *   id: 'acme.staff',
 *   position: 'loyalty',
 *   apply(state, input) {
 *     if (!input.context.customerGroups.includes('staff')) return
 *     const source = { type: 'staff', id: 'acme.staff', name: 'Staff discount' }
 *     const taken = state.discountOrder(Math.floor(state.linesTotal() / 10), source)
 *     state.addAdjustment(source, taken, `Staff discount (−${state.formatMoney(taken)})`)
 *   },
 * }
 * ```
 */
export interface PricingAdjuster {
  /** Unique id, prefixed with the plugin id. */
  readonly id: string
  readonly position: AdjusterPosition
  /** Order within the position, lower first. @default 100 */
  readonly order?: number
  /** Changes the state (through its methods) for this step; `input` is what the pipeline was given. */
  apply(state: PricingState, input: PricingInput): void
}
