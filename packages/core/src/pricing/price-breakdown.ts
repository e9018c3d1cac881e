import { OrdoError } from '../errors.js'
import { isCurrencyCode } from '../money/currency.js'
import { isVatRate, vatFromGross, type VatRate } from '../money/vat.js'
import { PricingState, type PricingLine } from './pricing-state.js'
import { createPromotionRegistry, type PromotionRegistry } from './promotion-registry.js'
import {
  ADJUSTER_POSITIONS,
  type BreakdownLine,
  type CouponResult,
  type DiscountSource,
  type PriceBreakdown,
  type PricingAdjuster,
  type PricingInput,
} from './pricing-types.js'
import type { BenefitContext, BenefitType, ConditionContext, ConditionType, Promotion, PromotionKind } from './promotion-types.js'

/** What the pricing engine can be extended with: a plugin's adjusters, condition types and benefit types. */
export interface PricingOptions {
  /** Extra pipeline steps; see {@link PricingAdjuster}. */
  adjusters?: readonly PricingAdjuster[]
  /** Extra promotion condition types; see {@link defineConditionType}. */
  conditionTypes?: readonly ConditionType[]
  /** Extra promotion benefit types; see {@link defineBenefitType}. */
  benefitTypes?: readonly BenefitType[]
}

/** A pricing function with its adjusters and promotion types set up once: pure, no I/O. */
export type Pricer = (input: PricingInput) => PriceBreakdown

/** Order of the built-in promotion adjusters within their positions. */
const PROMOTIONS_ORDER = 0
/** Order of built-ins that must see every other adjuster of their position (free delivery, VAT). */
const LAST_ORDER = 1000
/** Order of an adjuster that names none. */
const DEFAULT_ORDER = 100

/**
 * Sets up a pricing function once — the built-in adjusters plus `options` —
 * for pricing many carts. Throws `INVALID_PLUGIN` for an adjuster at an
 * unknown position, a duplicate adjuster id or a duplicate promotion type.
 *
 * @example
 * ```ts
 * const price = createPricer({ adjusters: [staffDiscount] })
 * const breakdown = price({ lines, context, promotions, delivery: null })
 * ```
 */
export function createPricer(options: PricingOptions = {}): Pricer {
  const registry = createPromotionRegistry(options)
  const builtins: PricingAdjuster[] = [
    { id: 'ordo.catalog-promotions', position: 'catalog_promotions', order: PROMOTIONS_ORDER, apply: (state) => applyPromotions(state, 'catalog', registry) },
    { id: 'ordo.cart-promotions', position: 'cart_promotions', order: PROMOTIONS_ORDER, apply: (state) => applyPromotions(state, 'cart', registry) },
    { id: 'ordo.free-delivery', position: 'delivery', order: LAST_ORDER, apply: applyFreeDelivery },
    { id: 'ordo.payment-method', position: 'delivery', order: LAST_ORDER + 1, apply: applyPaymentMethod },
    { id: 'ordo.vat', position: 'tax', order: LAST_ORDER, apply: applyVat },
  ]
  const all = [...builtins, ...(options.adjusters ?? [])]
  const ids = new Set<string>()
  for (const adjuster of all) {
    if (ids.has(adjuster.id)) {
      throw new OrdoError('INVALID_PLUGIN', `Two pricing adjusters have the id "${adjuster.id}"; adjuster ids must be unique.`, { details: { adjuster: adjuster.id } })
    }
    ids.add(adjuster.id)
    if (!ADJUSTER_POSITIONS.includes(adjuster.position)) {
      throw new OrdoError('INVALID_PLUGIN', `Pricing adjuster "${adjuster.id}" has position "${String(adjuster.position)}"; use one of ${ADJUSTER_POSITIONS.join(', ')}.`, {
        details: { adjuster: adjuster.id, position: adjuster.position },
      })
    }
    if (typeof adjuster.apply !== 'function') {
      throw new OrdoError('INVALID_PLUGIN', `Pricing adjuster "${adjuster.id}" needs an apply(state, input) function.`, { details: { adjuster: adjuster.id } })
    }
  }
  const pipeline = all
    .map((adjuster, index) => ({ adjuster, index, position: ADJUSTER_POSITIONS.indexOf(adjuster.position), order: adjuster.order ?? DEFAULT_ORDER }))
    .sort((a, b) => a.position - b.position || a.order - b.order || a.index - b.index)
    .map((entry) => entry.adjuster)

  return (input) => {
    checkInput(input)
    const state = new PricingState(input)
    for (const adjuster of pipeline) {
      state.position = adjuster.position
      adjuster.apply(state, input)
    }
    return toBreakdown(state, input)
  }
}

const defaultPricer = createPricer()

/**
 * Prices a cart: runs the pipeline of adjusters — base prices, catalog
 * promotions, cart promotions and coupons, loyalty, delivery, tax — and
 * returns every line with its discounts (order-level discounts allocated to
 * lines by largest remainder, so Σ line totals + delivery = total to the
 * minor unit), VAT, coupon results and an explanation of each adjustment.
 *
 * Pure: no I/O, and the same input always gives the same breakdown. Bad input
 * (a quantity below 1, a fractional price, an unknown VAT rate or currency, a
 * duplicate line id) throws `OrdoError('VALIDATION')`. To price many carts
 * with the same options, build the function once with {@link createPricer}.
 *
 * @example
 * ```ts
 * const breakdown = priceBreakdown({
 *   lines: [{ lineId: '1', variantId: 'v1', productId: 'p1', sku: 'SOCKS', name: 'Socks', quantity: 3, unitPrice: 29900,
 *             compareAtPrice: null, priceListId: null, categoryIds: [], attributes: {}, vatRate: 'vat20' }],
 *   context: { currency: 'RUB', region: null, channel: null, customerId: null, customerGroups: [], orderCount: 0, at: new Date(), couponCodes: [] },
 *   promotions: [{ id: 'p', name: '3 for 2', kind: 'cart', priority: 0, exclusive: false, conditions: [],
 *                  benefits: [{ type: 'buy_x_get_y', buy: 2, get: 1 }], validFrom: null, validTo: null, active: true,
 *                  usageLimit: null, usagePerCustomer: null, usesCount: 0, requiresCoupon: false }],
 *   delivery: null,
 * })
 * breakdown.total // 59800
 * ```
 */
export function priceBreakdown(input: PricingInput, options?: PricingOptions): PriceBreakdown {
  return (options === undefined ? defaultPricer : createPricer(options))(input)
}

/** Runs the promotions of one kind, by priority, against the state. */
function applyPromotions(state: PricingState, kind: PromotionKind, registry: PromotionRegistry): void {
  const promotions: Promotion[] = []
  for (const promotion of state.input.promotions) if (promotion.kind === kind) promotions.push(promotion)
  if (promotions.length === 0) return
  promotions.sort(byPriority)

  const at = state.context.at.getTime()
  const lines: PricingLine[] = []
  for (const line of state.lines) if (!line.gift) lines.push(line)
  const claimedCodes = new Set<string>()
  let stoppedBy: Promotion | null = null

  for (const promotion of promotions) {
    if (state.promotionOutcomes.has(promotion.id)) continue // the same promotion twice in the input: once is enough
    const refusal = checkPromotion(promotion, at)
    if (refusal !== null) {
      state.promotionOutcomes.set(promotion.id, refusal)
      continue
    }
    let couponCode: string | undefined
    if (promotion.requiresCoupon) {
      couponCode = findCoupon(promotion, state.couponCodes, claimedCodes)
      if (couponCode === undefined) {
        state.promotionOutcomes.set(promotion.id, { applied: false, reason: 'needs a coupon code', failure: 'not_applicable' })
        continue
      }
    }
    if (stoppedBy !== null) {
      state.promotionOutcomes.set(promotion.id, {
        applied: false,
        reason: `"${stoppedBy.name}" applies and cannot be combined with other promotions`,
        failure: 'not_applicable',
      })
      continue
    }

    // Line conditions first: they pick the lines the other conditions and the benefits look at.
    let matching: PricingLine[] = lines
    let reason: string | null = null
    let filters: ConditionType[] | null = null
    let filterConfigs: unknown[] | null = null
    for (const condition of promotion.conditions) {
      const type = registry.conditions.get(condition.type)
      if (type === undefined) {
        reason = `uses the condition type "${condition.type}", which no plugin registers`
        break
      }
      if (type.lineFilter !== undefined) {
        ;(filters ??= []).push(type)
        ;(filterConfigs ??= []).push(condition)
      }
    }
    if (reason === null && filters !== null) {
      matching = []
      for (const line of lines) {
        let keep = true
        for (let f = 0; f < filters.length; f++) {
          if (!filters[f]!.lineFilter!(filterConfigs![f], line)) {
            keep = false
            break
          }
        }
        if (keep) matching.push(line)
      }
      if (matching.length === 0) {
        reason = `no item in the cart is ${filters.map((f, i) => f.describeLines?.(filterConfigs![i]) ?? `matched by "${f.type}"`).join(' and ')}`
      }
    }
    const context: ConditionContext = { state, context: state.context, promotion, at, lines, matching }
    if (reason === null) {
      for (const condition of promotion.conditions) {
        const type = registry.conditions.get(condition.type)!
        if (type.matches === undefined) continue
        const result = type.matches(condition, context)
        if (result !== true) {
          reason = result
          break
        }
      }
    }
    if (reason === null) {
      for (const benefit of promotion.benefits) {
        if (!registry.benefits.has(benefit.type)) {
          reason = `uses the benefit type "${benefit.type}", which no plugin registers`
          break
        }
      }
    }
    if (reason !== null) {
      state.promotionOutcomes.set(promotion.id, { applied: false, reason, failure: 'not_applicable' })
      continue
    }

    const source: DiscountSource =
      couponCode === undefined
        ? { type: 'promotion', id: promotion.id, name: promotion.name }
        : { type: 'coupon', id: promotion.id, name: promotion.name, couponCode }
    const targets: PricingLine[] = []
    for (const line of matching) if (line.discountable && line.total > 0) targets.push(line)
    const benefitContext: BenefitContext = { ...context, source, targets }
    const final = promotion.stopsFurtherOnLines === true
    state.trackTouched(final)
    let applied = false
    let firstReason: string | null = null
    for (const benefit of promotion.benefits) {
      const outcome = registry.benefits.get(benefit.type)!.apply(benefit, benefitContext)
      if (typeof outcome === 'string') {
        firstReason ??= outcome
        continue
      }
      applied = true
      if (outcome.explanation !== null) state.addAdjustment(source, outcome.amount, outcome.explanation)
    }
    const touched = final ? state.takeTouched() : null
    if (!applied) {
      state.promotionOutcomes.set(promotion.id, { applied: false, reason: firstReason ?? 'has nothing to apply', failure: 'not_applicable' })
      continue
    }
    state.appliedPromotionIds.push(promotion.id)
    state.promotionOutcomes.set(promotion.id, couponCode === undefined ? { applied: true } : { applied: true, couponCode })
    if (couponCode !== undefined) claimedCodes.add(couponCode)
    if (touched !== null) for (const line of touched) line.discountable = false
    if (promotion.exclusive) stoppedBy = promotion
  }
}

/** Why a promotion cannot apply at `at` whatever the cart, or `null`. */
function checkPromotion(promotion: Promotion, at: number): { applied: false; reason: string; failure: 'inactive' | 'not_started' | 'expired' | 'used_up' } | null {
  if (!promotion.active) return { applied: false, reason: 'the promotion is not active', failure: 'inactive' }
  if (promotion.validFrom !== null && at < promotion.validFrom.getTime()) {
    return { applied: false, reason: `the promotion starts at ${promotion.validFrom.toISOString()}`, failure: 'not_started' }
  }
  if (promotion.validTo !== null && at >= promotion.validTo.getTime()) {
    return { applied: false, reason: `the promotion ended at ${promotion.validTo.toISOString()}`, failure: 'expired' }
  }
  if (promotion.usageLimit !== null && promotion.usesCount >= promotion.usageLimit) {
    return { applied: false, reason: 'the promotion has been used up', failure: 'used_up' }
  }
  return null
}

/** The first entered code that unlocks the promotion and no earlier promotion took. */
function findCoupon(promotion: Promotion, entered: readonly string[], claimed: ReadonlySet<string>): string | undefined {
  const codes = promotion.couponCodes
  if (codes === undefined || codes.length === 0) return undefined
  for (const code of entered) {
    if (claimed.has(code)) continue
    for (const candidate of codes) if (candidate === code || candidate.toUpperCase() === code) return code
  }
  return undefined
}

function byPriority(a: Promotion, b: Promotion): number {
  return a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** Built-in `delivery` step: a free-delivery benefit takes the delivery price off. */
function applyFreeDelivery(state: PricingState): void {
  const source = state.freeDeliverySource
  const delivery = state.delivery
  if (source === null || delivery === null) return
  const taken = state.discountDelivery(delivery.amount - delivery.discount, source)
  if (taken > 0) state.addAdjustment(source, taken, `${source.name}: free delivery (${state.formatMoney(-taken)})`)
}

const VAT_PERCENT: Record<VatRate, number> = { none: 0, vat0: 0, vat10: 10, vat20: 20, vat22: 22 }

/** Built-in `tax` step: the VAT contained in each line's total. */
function applyVat(state: PricingState): void {
  for (const line of state.lines) line.vatAmount = vatIn(line.total, line.vatRate)
}

/**
 * {@link vatFromGross}'s VAT in plain number arithmetic where it is exact:
 * `round(gross × p / (100 + p))`, half up.
 *
 * @internal
 */
export function vatIn(gross: number, rate: VatRate): number {
  const p = VAT_PERCENT[rate]
  if (p === undefined) return vatFromGross(gross, rate).vat // throws VALIDATION for an unknown rate
  if (p === 0 || gross === 0) return 0
  const n = gross * p
  if (gross < 0 || n > Number.MAX_SAFE_INTEGER) return vatFromGross(gross, rate).vat
  const d = 100 + p
  const q = Math.floor(n / d)
  return 2 * (n - q * d) >= d ? q + 1 : q
}

/** Where a payment method's discount comes from in a {@link PriceBreakdown}; `id` is the method's code. */
export const PAYMENT_METHOD_DISCOUNT_TYPE = 'payment_method'

/**
 * The `ordo.payment-method` step: the chosen method's fee or discount, counted
 * on the goods and delivery after every other discount (basis points, rounded
 * half up, plus the fixed part). A discount is spread over the discountable
 * lines like any order-level discount (so receipts and refunds stay exact); a
 * fee becomes `paymentFee`.
 */
function applyPaymentMethod(state: PricingState, input: PricingInput): void {
  const method = input.paymentMethod
  if (!method) return
  const base = state.linesTotal() + (state.delivery ? state.delivery.amount - state.delivery.discount : 0)
  const amount = Math.round((base * method.feeBasisPoints) / 10_000) + method.feeFixed
  if (amount > 0) {
    state.paymentFee = amount
    state.addAdjustment({ type: PAYMENT_METHOD_DISCOUNT_TYPE, id: method.code, name: method.name }, -amount, `${method.name}: fee ${state.formatMoney(amount)}`)
  } else if (amount < 0) {
    const source = { type: PAYMENT_METHOD_DISCOUNT_TYPE, id: method.code, name: method.name }
    const taken = state.discountOrder(-amount, source)
    if (taken > 0) state.addAdjustment(source, taken, `${method.name}: discount ${state.formatMoney(taken)}`)
  }
}

function toBreakdown(state: PricingState, input: PricingInput): PriceBreakdown {
  const lines: BreakdownLine[] = new Array(state.lines.length)
  let subtotal = 0
  let discountTotal = 0
  let vatTotal = 0
  let linesTotal = 0
  for (let i = 0; i < state.lines.length; i++) {
    const line = state.lines[i]!
    subtotal += line.subtotal
    discountTotal += line.discountTotal
    vatTotal += line.vatAmount
    linesTotal += line.total
    lines[i] = {
      lineId: line.lineId,
      variantId: line.variantId,
      productId: line.productId,
      sku: line.sku,
      name: line.name,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      compareAtPrice: line.compareAtPrice,
      subtotal: line.subtotal,
      discounts: line.discounts,
      discountTotal: line.discountTotal,
      total: line.total,
      vatRate: line.vatRate,
      vatAmount: line.vatAmount,
      gift: line.gift,
      discountable: line.discountable,
    }
  }
  const delivery = state.delivery === null ? null : { amount: state.delivery.amount, discount: state.delivery.discount, total: state.delivery.amount - state.delivery.discount }
  return {
    currency: input.context.currency,
    lines,
    subtotal,
    discountTotal,
    delivery,
    freeDelivery: state.freeDeliverySource !== null,
    vatTotal,
    paymentFee: state.paymentFee,
    total: linesTotal + (delivery?.total ?? 0) + state.paymentFee,
    adjustments: state.adjustments,
    coupons: couponResults(state),
    appliedPromotionIds: state.appliedPromotionIds,
  }
}

/** One result per entered code, from what became of the promotions it unlocks. */
function couponResults(state: PricingState): CouponResult[] {
  if (state.couponCodes.length === 0) return []
  const byCode = new Map<string, Promotion[]>()
  for (const promotion of state.input.promotions) {
    if (!promotion.requiresCoupon || promotion.couponCodes === undefined) continue
    for (const code of promotion.couponCodes) {
      const upper = code.toUpperCase()
      const list = byCode.get(upper)
      if (list === undefined) byCode.set(upper, [promotion])
      else if (!list.includes(promotion)) list.push(promotion)
    }
  }
  // Promotions in the order they ran, so the reason given does not depend on the input order.
  for (const list of byCode.values()) list.sort(byPriority)
  return state.couponCodes.map((code): CouponResult => {
    const promotions = byCode.get(code)
    if (promotions === undefined) return { code, applied: false, reason: `the coupon code ${code} does not exist`, failure: 'unknown' }
    let fallback: CouponResult | null = null
    for (const promotion of promotions) {
      const outcome = state.promotionOutcomes.get(promotion.id)
      if (outcome?.applied === true && outcome.couponCode === code) return { code, applied: true }
      if (fallback !== null) continue
      if (outcome === undefined) fallback = { code, applied: false, reason: `"${promotion.name}" was not evaluated`, failure: 'not_applicable' }
      else if (outcome.applied) {
        const other = outcome.couponCode === undefined ? 'another coupon' : `the coupon ${outcome.couponCode}`
        fallback = { code, applied: false, reason: `${other} already unlocks "${promotion.name}"`, failure: 'not_applicable' }
      } else fallback = { code, applied: false, reason: `"${promotion.name}": ${outcome.reason ?? 'does not apply'}`, failure: outcome.failure ?? 'not_applicable' }
    }
    return fallback!
  })
}

function checkInput(input: PricingInput): void {
  const fail = (path: string, message: string, value: unknown): never => {
    throw new OrdoError('VALIDATION', `Invalid input to priceBreakdown: ${path}: ${message}`, {
      details: { command: 'priceBreakdown', issues: [{ path, message }], value },
    })
  }
  const context = input?.context
  if (context === undefined || context === null) return fail('context', 'required', context)
  if (!isCurrencyCode(context.currency)) {
    throw new OrdoError('CURRENCY_MISMATCH', `priceBreakdown: unknown currency ${JSON.stringify(context.currency)}.`, { details: { currency: context.currency } })
  }
  if (!(context.at instanceof Date) || Number.isNaN(context.at.getTime())) fail('context.at', 'expected a valid Date', context.at)
  if (!Number.isSafeInteger(context.orderCount) || context.orderCount < 0) fail('context.orderCount', 'expected a non-negative integer', context.orderCount)
  if (!Array.isArray(input.lines)) fail('lines', 'expected an array', input.lines)
  if (!Array.isArray(input.promotions)) fail('promotions', 'expected an array', input.promotions)
  const ids = new Set<string>()
  for (let i = 0; i < input.lines.length; i++) {
    const line = input.lines[i]!
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 1) fail(`lines.${i}.quantity`, 'expected a whole number ≥ 1', line.quantity)
    if (!Number.isSafeInteger(line.unitPrice) || line.unitPrice < 0) fail(`lines.${i}.unitPrice`, 'expected a non-negative integer of minor units', line.unitPrice)
    if (!Number.isSafeInteger(line.unitPrice * line.quantity)) fail(`lines.${i}`, 'unitPrice × quantity is beyond the safe-integer range', line.quantity)
    if (!isVatRate(line.vatRate)) fail(`lines.${i}.vatRate`, `unknown VAT rate ${JSON.stringify(line.vatRate)}`, line.vatRate)
    if (ids.has(line.lineId)) fail(`lines.${i}.lineId`, `duplicate line id "${line.lineId}"`, line.lineId)
    ids.add(line.lineId)
  }
  if (input.delivery != null && (!Number.isSafeInteger(input.delivery.amount) || input.delivery.amount < 0)) {
    fail('delivery.amount', 'expected a non-negative integer of minor units', input.delivery.amount)
  }
}
