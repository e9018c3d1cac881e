import { OrdoError } from '../errors.js'
import { allocate } from '../money/allocate.js'
import { CURRENCIES, type CurrencyCode } from '../money/currency.js'
import type { VatRate } from '../money/vat.js'
import type {
  AdjusterPosition,
  Adjustment,
  CouponFailure,
  DiscountSource,
  LineDiscount,
  PricingContext,
  PricingInput,
  PricingLineInput,
} from './pricing-types.js'

/** A line as the pipeline works on it: the input plus its running discounts and total. */
export interface PricingLine {
  /** Position in `state.lines`. */
  readonly index: number
  readonly lineId: string
  readonly variantId: string
  readonly productId: string
  readonly sku: string
  readonly name: string
  readonly quantity: number
  readonly unitPrice: number
  readonly compareAtPrice: number | null
  readonly priceListId: string | null
  readonly categoryIds: readonly string[]
  readonly attributes: Readonly<Record<string, string | number | boolean>>
  /** `unitPrice × quantity`. */
  readonly subtotal: number
  /** `subtotal − discountTotal`: what the line costs now; never below zero. */
  total: number
  discountTotal: number
  readonly discounts: LineDiscount[]
  vatRate: VatRate
  /** Filled by the tax step. */
  vatAmount: number
  readonly gift: boolean
  /** `false` once a promotion marked it final or the caller made it so: nothing more is taken off it. */
  discountable: boolean
}

/** The delivery as the pipeline works on it. */
export interface PricingDelivery {
  /** The price before discounts, VAT included. */
  amount: number
  label: string | null
  discount: number
}

/** A gift line a promotion adds: its price is shown and fully discounted. */
export interface GiftLineInput {
  variantId: string
  productId: string
  sku: string
  name: string
  vatRate: VatRate
  /** The gift's usual price per unit, shown on the line and discounted to 0. @default 0 */
  unitPrice?: number
  /** @default 1 */
  quantity?: number
}

/** What became of one promotion in a pricing run. */
export interface PromotionOutcome {
  applied: boolean
  /** Why it did not apply. */
  reason?: string
  failure?: CouponFailure
  /** The coupon code that unlocked it. */
  couponCode?: string
}

/**
 * The working state the pricing pipeline's adjusters read and change. All
 * amounts are integer minor units; the methods keep every line at or above
 * zero and record each discount with its source, so the final breakdown adds
 * up to the minor unit.
 */
export class PricingState {
  readonly input: PricingInput
  readonly context: PricingContext
  readonly currency: CurrencyCode
  /** The lines in input order, then gifts in the order they were added. */
  readonly lines: PricingLine[]
  delivery: PricingDelivery | null
  /** Set by a free-delivery benefit; the delivery step then takes the delivery price off. */
  freeDeliverySource: DiscountSource | null = null
  /** A payment method's fee on top of the goods and delivery, minor units (set by the `ordo.payment-method` step). */
  paymentFee = 0
  readonly adjustments: Adjustment[] = []
  /** Promotions that changed the price, in the order they applied. */
  readonly appliedPromotionIds: string[] = []
  /** What became of each promotion considered, by id (for coupon results). */
  readonly promotionOutcomes = new Map<string, PromotionOutcome>()
  /** The coupon codes entered, trimmed, upper-case, each once, in the order entered. */
  readonly couponCodes: readonly string[]
  /** The position of the adjuster running now. */
  position: AdjusterPosition = 'base'
  /** Lines discounted since {@link PricingState.trackTouched}, when tracking. */
  #touched: PricingLine[] = []
  #tracking = false
  readonly #minorUnits: number
  readonly #divisor: number
  readonly #symbol: string

  /** @internal Built by the pricing engine from a validated input. */
  constructor(input: PricingInput) {
    this.input = input
    this.context = input.context
    this.currency = input.context.currency
    const currency = CURRENCIES[this.currency]
    this.#minorUnits = currency.minorUnits
    this.#divisor = 10 ** currency.minorUnits
    this.#symbol = currency.symbol
    const lines: PricingLine[] = new Array(input.lines.length)
    for (let i = 0; i < input.lines.length; i++) lines[i] = toLine(input.lines[i]!, i)
    this.lines = lines
    this.couponCodes = normalizeCouponCodes(input.context.couponCodes)
    this.delivery = input.delivery ? { amount: input.delivery.amount, label: input.delivery.label ?? null, discount: 0 } : null
  }

  /**
   * Takes up to `amount` off one line, never below zero and never off a line
   * that is not discountable. Returns what was taken.
   */
  discountLine(line: PricingLine, amount: number, source: DiscountSource, scope: 'line' | 'order' = 'line'): number {
    if (!line.discountable || amount <= 0 || line.total <= 0) return 0
    const taken = amount < line.total ? amount : line.total
    line.total -= taken
    line.discountTotal += taken
    const last = line.discounts[line.discounts.length - 1]
    if (last !== undefined && last.source === source && last.scope === scope) last.amount += taken
    else line.discounts.push({ source, amount: taken, scope })
    if (this.#tracking) this.#touched.push(line)
    return taken
  }

  /**
   * Takes an order-level discount, allocated over `lines` (default: every
   * discountable line) in proportion to their current totals by the
   * largest-remainder method, so the shares add up exactly. The amount is
   * capped at what those lines still cost, so no line goes below zero.
   * Returns what was taken.
   */
  discountOrder(amount: number, source: DiscountSource, lines: readonly PricingLine[] = this.lines): number {
    if (amount <= 0) return 0
    const eligible: PricingLine[] = []
    const weights: number[] = []
    let cap = 0
    for (const line of lines) {
      if (!line.discountable || line.gift || line.total <= 0) continue
      eligible.push(line)
      weights.push(line.total)
      cap += line.total
    }
    if (cap === 0) return 0
    const taken = amount < cap ? amount : cap
    const shares = allocateFast(taken, weights, cap)
    // Largest remainder never gives a line more than its weight when taken ≤ Σ weights.
    for (let i = 0; i < eligible.length; i++) {
      const share = shares[i]!
      if (share > 0) this.discountLine(eligible[i]!, share, source, 'order')
    }
    return taken
  }

  /** Sets (or, with `null`, removes) the delivery price, e.g. from a delivery adjuster. */
  setDelivery(amount: number | null, label?: string): void {
    if (amount === null) {
      this.delivery = null
      return
    }
    assertAmount(amount, 'delivery amount')
    this.delivery = { amount, label: label ?? this.delivery?.label ?? null, discount: 0 }
  }

  /** Takes up to `amount` off the delivery, never below zero. Returns what was taken. */
  discountDelivery(amount: number, _source: DiscountSource): number {
    const delivery = this.delivery
    if (delivery === null || amount <= 0) return 0
    const left = delivery.amount - delivery.discount
    const taken = amount < left ? amount : left
    delivery.discount += taken
    return taken
  }

  /** Adds a gift line, fully discounted by `source`; it is not discountable further. */
  addGift(gift: GiftLineInput, source: DiscountSource): PricingLine {
    const quantity = gift.quantity ?? 1
    const unitPrice = gift.unitPrice ?? 0
    const subtotal = unitPrice * quantity
    const line: PricingLine = {
      index: this.lines.length,
      lineId: `gift:${source.id}:${gift.variantId}`,
      variantId: gift.variantId,
      productId: gift.productId,
      sku: gift.sku,
      name: gift.name,
      quantity,
      unitPrice,
      compareAtPrice: null,
      priceListId: null,
      categoryIds: [],
      attributes: {},
      subtotal,
      total: 0,
      discountTotal: subtotal,
      discounts: subtotal > 0 ? [{ source, amount: subtotal, scope: 'line' }] : [],
      vatRate: gift.vatRate,
      vatAmount: 0,
      gift: true,
      discountable: false,
    }
    this.lines.push(line)
    return line
  }

  /** Records an adjustment, at the position of the adjuster running now. */
  addAdjustment(source: DiscountSource, amount: number, explanation: string): void {
    this.adjustments.push({ position: this.position, source, amount, explanation })
  }

  /** Σ current line totals (gifts included: they are 0). */
  linesTotal(): number {
    let sum = 0
    for (const line of this.lines) sum += line.total
    return sum
  }

  /** An amount for an explanation, cheaply: `1234.50 ₽`, `−299.00 ₽`. */
  formatMoney(amount: number): string {
    const negative = amount < 0
    const abs = negative ? -amount : amount
    let text: string
    if (this.#minorUnits === 0) text = String(abs)
    else {
      const whole = Math.trunc(abs / this.#divisor)
      const fraction = String(abs - whole * this.#divisor).padStart(this.#minorUnits, '0')
      text = `${whole}.${fraction}`
    }
    return `${negative ? '−' : ''}${text} ${this.#symbol}`
  }

  /** @internal Starts (or stops) recording the lines discounted from now on. */
  trackTouched(on: boolean): void {
    this.#tracking = on
    if (this.#touched.length > 0) this.#touched = []
  }

  /** @internal The lines discounted since tracking started (a line may appear more than once); stops tracking. */
  takeTouched(): PricingLine[] {
    const touched = this.#touched
    this.#touched = []
    this.#tracking = false
    return touched
  }
}

/** Coupon codes as stored: trimmed, upper-case, each once, in the order given. */
export function normalizeCouponCodes(codes: readonly string[]): string[] {
  const out: string[] = []
  for (const code of codes) {
    const normal = normalizeCouponCode(code)
    if (normal !== '' && !out.includes(normal)) out.push(normal)
  }
  return out
}

/** A coupon code as stored: trimmed and upper-case (codes compare case-insensitively). */
export function normalizeCouponCode(code: string): string {
  return code.trim().toUpperCase()
}

function toLine(input: PricingLineInput, index: number): PricingLine {
  const subtotal = input.unitPrice * input.quantity
  return {
    index,
    lineId: input.lineId,
    variantId: input.variantId,
    productId: input.productId,
    sku: input.sku,
    name: input.name,
    quantity: input.quantity,
    unitPrice: input.unitPrice,
    compareAtPrice: input.compareAtPrice,
    priceListId: input.priceListId,
    categoryIds: input.categoryIds,
    attributes: input.attributes,
    subtotal,
    total: subtotal,
    discountTotal: 0,
    discounts: [],
    vatRate: input.vatRate,
    vatAmount: 0,
    gift: false,
    discountable: input.discountable !== false,
  }
}

function assertAmount(amount: number, what: string): void {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new OrdoError('INVALID_AMOUNT', `Pricing: ${what} must be a non-negative safe integer of minor units, got ${String(amount)}.`, {
      details: { [what]: amount },
    })
  }
}

/**
 * {@link allocate} for the hot path: the same largest-remainder split (ties to
 * the lower index) in plain number arithmetic when `total × Σweights` stays
 * exact, falling back to `allocate` (BigInt) otherwise. `weightSum` is Σweights.
 *
 * @internal
 */
export function allocateFast(total: number, weights: readonly number[], weightSum: number): number[] {
  const n = weights.length
  if (n === 0 || weightSum <= 0 || total < 0 || total * weightSum > Number.MAX_SAFE_INTEGER) return allocate(total, weights)
  const parts: number[] = new Array(n)
  const remainders: number[] = new Array(n)
  let given = 0
  for (let i = 0; i < n; i++) {
    const product = total * weights[i]!
    const part = Math.floor(product / weightSum)
    parts[i] = part
    remainders[i] = product - part * weightSum
    given += part
  }
  let leftover = total - given
  if (leftover === 0) return parts
  if (leftover <= 3) {
    // A few units left: scan for the largest remainder (lowest index on ties) each time.
    while (leftover > 0) {
      let best = 0
      let bestRemainder = -1
      for (let i = 0; i < n; i++) {
        const r = remainders[i]!
        if (r > bestRemainder) {
          bestRemainder = r
          best = i
        }
      }
      parts[best] = parts[best]! + 1
      remainders[best] = -1
      leftover--
    }
    return parts
  }
  const order: number[] = new Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((a, b) => remainders[b]! - remainders[a]! || a - b)
  // leftover < n, since each part lost less than one unit to flooring.
  for (let k = 0; k < leftover; k++) {
    const i = order[k]!
    parts[i] = parts[i]! + 1
  }
  return parts
}
