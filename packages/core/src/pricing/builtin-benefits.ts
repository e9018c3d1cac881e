import { z } from 'zod'
import { VAT_RATES } from '../money/vat.js'
import { allocateFast, type PricingLine } from './pricing-state.js'
import { defineBenefitType, type BenefitContext, type BenefitType, type PromotionRule } from './promotion-types.js'

const amount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const positiveAmount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)
const id = z.string().min(1).max(191)
/** A percentage in (0, 100] with at most four decimal places. */
const percent = z
  .number()
  .gt(0)
  .max(100)
  .refine((p) => Math.abs(p * 10_000 - Math.round(p * 10_000)) < 1e-6, 'at most four decimal places')
const vatRate = z.enum(Object.values(VAT_RATES) as [(typeof VAT_RATES)[keyof typeof VAT_RATES], ...(typeof VAT_RATES)[keyof typeof VAT_RATES][]])

/** `percent`% off each matching line (rounded half-up per line, on what the line costs now). */
export const percentOffLinesBenefit = defineBenefitType({
  type: 'percent_off_lines',
  schema: z.strictObject({ percent }),
  apply(config, ctx) {
    const scaled = scalePercent(config.percent)
    const tally = new Tally()
    for (const line of ctx.targets) tally.add(line, ctx.state.discountLine(line, percentOf(line.total, scaled), ctx.source))
    if (tally.amount === 0) return 'nothing left to discount on the matching items'
    return { amount: tally.amount, explanation: `${ctx.promotion.name}: ${formatPercent(config.percent)} off ${tally.what()} (${minus(ctx, tally.amount)})` }
  },
})

/** `amount` off each unit (or, with `per: 'line'`, each line) of the matching lines. */
export const fixedOffLinesBenefit = defineBenefitType({
  type: 'fixed_off_lines',
  schema: z.strictObject({ amount: positiveAmount, per: z.enum(['unit', 'line']).optional() }),
  apply(config, ctx) {
    const perLine = config.per === 'line'
    const tally = new Tally()
    for (const line of ctx.targets) tally.add(line, ctx.state.discountLine(line, perLine ? config.amount : config.amount * line.quantity, ctx.source))
    if (tally.amount === 0) return 'nothing left to discount on the matching items'
    const each = perLine ? 'each line of' : 'each unit of'
    return { amount: tally.amount, explanation: `${ctx.promotion.name}: ${ctx.state.formatMoney(config.amount)} off ${each} ${tally.what()} (${minus(ctx, tally.amount)})` }
  },
})

/**
 * `percent`% off the whole order (every discountable line, not only the
 * matching ones), at most `maxAmount`, allocated to lines by their totals.
 */
export const percentOffOrderBenefit = defineBenefitType({
  type: 'percent_off_order',
  kinds: ['cart'],
  schema: z.strictObject({ percent, maxAmount: positiveAmount.optional() }),
  apply(config, ctx) {
    let base = 0
    for (const line of ctx.lines) if (line.discountable) base += line.total
    let wanted = percentOf(base, scalePercent(config.percent))
    if (config.maxAmount !== undefined && wanted > config.maxAmount) wanted = config.maxAmount
    const taken = ctx.state.discountOrder(wanted, ctx.source)
    if (taken === 0) return 'nothing left to discount in the cart'
    const capped = config.maxAmount !== undefined && taken === config.maxAmount ? ` (at most ${ctx.state.formatMoney(config.maxAmount)})` : ''
    return { amount: taken, explanation: `${ctx.promotion.name}: ${formatPercent(config.percent)} off the order${capped} (${minus(ctx, taken)})` }
  },
})

/** `amount` off the whole order, allocated to the discountable lines by their totals (capped at what they cost). */
export const fixedOffOrderBenefit = defineBenefitType({
  type: 'fixed_off_order',
  kinds: ['cart'],
  schema: z.strictObject({ amount: positiveAmount }),
  apply(config, ctx) {
    const taken = ctx.state.discountOrder(config.amount, ctx.source)
    if (taken === 0) return 'nothing left to discount in the cart'
    const capped = taken < config.amount ? ` (capped at the cart total)` : ''
    return { amount: taken, explanation: `${ctx.promotion.name}: ${ctx.state.formatMoney(config.amount)} off the order${capped} (${minus(ctx, taken)})` }
  },
})

/**
 * Buy `buy` get `get`: for every `buy + get` matching units, the cheapest
 * `get` units of all the matching units are free (or `percent`% off).
 */
export const buyXGetYBenefit = defineBenefitType({
  type: 'buy_x_get_y',
  kinds: ['cart'],
  schema: z.strictObject({ buy: z.number().int().min(1), get: z.number().int().min(1), percent: percent.optional() }),
  apply(config, ctx) {
    const group = config.buy + config.get
    let units = 0
    for (const line of ctx.targets) units += line.quantity
    let free = Math.floor(units / group) * config.get
    if (free === 0) return `needs ${group} matching items; the cart has ${units}`
    const scaled = config.percent === undefined ? FULL : scalePercent(config.percent)
    const cheapestFirst = [...ctx.targets].sort(byUnitPrice)
    const names: string[] = []
    let taken = 0
    for (const line of cheapestFirst) {
      if (free === 0) break
      const k = free < line.quantity ? free : line.quantity
      free -= k
      const value = unitsValue(line, k)
      const got = ctx.state.discountLine(line, scaled === FULL ? value : percentOf(value, scaled), ctx.source)
      if (got > 0) {
        taken += got
        names.push(k > 1 ? `'${line.name}' ×${k}` : `'${line.name}'`)
      }
    }
    if (taken === 0) return 'nothing left to discount on the matching items'
    const effect = config.percent === undefined || config.percent === 100 ? 'free' : `${formatPercent(config.percent)} off`
    return { amount: taken, explanation: `${ctx.promotion.name}: buy ${config.buy} get ${config.get} — cheapest ${names.join(', ')} ${effect} (${minus(ctx, taken)})` }
  },
})

/**
 * A fixed bundle price: every `quantity` matching units (the dearest first)
 * cost `price` together; the saving is spread over the bundled lines.
 */
export const bundlePriceBenefit = defineBenefitType({
  type: 'bundle_price',
  kinds: ['cart'],
  schema: z.strictObject({ quantity: z.number().int().min(2), price: amount }),
  apply(config, ctx) {
    let units = 0
    for (const line of ctx.targets) units += line.quantity
    const bundles = Math.floor(units / config.quantity)
    if (bundles === 0) return `needs ${config.quantity} matching items; the cart has ${units}`
    let left = bundles * config.quantity
    const dearestFirst = [...ctx.targets].sort(byUnitPriceDesc)
    const bundled: PricingLine[] = []
    const values: number[] = []
    let value = 0
    for (const line of dearestFirst) {
      if (left === 0) break
      const k = left < line.quantity ? left : line.quantity
      left -= k
      const v = unitsValue(line, k)
      bundled.push(line)
      values.push(v)
      value += v
    }
    const saving = value - bundles * config.price
    if (saving <= 0) return `the matching items already cost ${ctx.state.formatMoney(value)}, no more than the bundle price`
    const shares = allocateFast(saving, values, value)
    let taken = 0
    for (let i = 0; i < bundled.length; i++) taken += ctx.state.discountLine(bundled[i]!, shares[i]!, ctx.source)
    return {
      amount: taken,
      explanation: `${ctx.promotion.name}: ${config.quantity} items for ${ctx.state.formatMoney(config.price)}${bundles > 1 ? ` ×${bundles}` : ''} (${minus(ctx, taken)})`,
    }
  },
})

/** Free delivery: the delivery price is taken off once delivery is priced. */
export const freeDeliveryBenefit = defineBenefitType({
  type: 'free_delivery',
  kinds: ['cart'],
  schema: z.strictObject({}),
  apply(_config, ctx) {
    if (ctx.state.freeDeliverySource === null) ctx.state.freeDeliverySource = ctx.source
    // The delivery step records the adjustment with the amount once delivery is priced.
    return { amount: 0, explanation: null }
  },
})

/**
 * A gift: adds the named variant as a line whose price is fully discounted.
 * The config carries a snapshot of the gift (id, SKU, name, VAT rate, usual
 * price), taken when the promotion is saved, so pricing needs no lookup.
 */
export const giftBenefit = defineBenefitType({
  type: 'gift',
  kinds: ['cart'],
  schema: z.strictObject({
    variantId: id,
    productId: id,
    sku: id,
    name: z.string().min(1).max(500),
    vatRate,
    unitPrice: amount.optional(),
    quantity: z.number().int().min(1).max(1000).optional(),
  }),
  apply(config, ctx) {
    const line = ctx.state.addGift(config, ctx.source)
    const times = line.quantity > 1 ? ` ×${line.quantity}` : ''
    const price = line.discountTotal > 0 ? ` (${minus(ctx, line.discountTotal)})` : ''
    return { amount: line.discountTotal, explanation: `${ctx.promotion.name}: gift '${line.name}'${times}${price}` }
  },
})

/** Every built-in benefit type. */
export const BUILTIN_BENEFIT_TYPES: readonly BenefitType[] = [
  percentOffLinesBenefit,
  fixedOffLinesBenefit,
  percentOffOrderBenefit,
  fixedOffOrderBenefit,
  buyXGetYBenefit,
  bundlePriceBenefit,
  freeDeliveryBenefit,
  giftBenefit,
]


/** The built-in benefits, by `type`, with their config. */
export type BuiltinPromotionBenefit =
  | PromotionRule<typeof percentOffLinesBenefit>
  | PromotionRule<typeof fixedOffLinesBenefit>
  | PromotionRule<typeof percentOffOrderBenefit>
  | PromotionRule<typeof fixedOffOrderBenefit>
  | PromotionRule<typeof buyXGetYBenefit>
  | PromotionRule<typeof bundlePriceBenefit>
  | PromotionRule<typeof freeDeliveryBenefit>
  | PromotionRule<typeof giftBenefit>

/** Percent scaled to an integer of ten-thousandths: 12.5 → 125000; 100 → 1000000. */
const FULL = 1_000_000

function scalePercent(p: number): number {
  return Math.round(p * 10_000)
}

/** `amount × scaled / 1 000 000`, rounded half-up, exactly. */
function percentOf(value: number, scaled: number): number {
  if (scaled === FULL) return value
  const product = value * scaled
  if (product <= Number.MAX_SAFE_INTEGER) {
    const q = Math.floor(product / FULL)
    return product - q * FULL >= FULL / 2 ? q + 1 : q
  }
  return Number((BigInt(value) * BigInt(scaled) * 2n + BigInt(FULL)) / BigInt(2 * FULL))
}

/** What `k` of the line's units cost now (the whole total when k is the quantity). */
function unitsValue(line: PricingLine, k: number): number {
  if (k >= line.quantity) return line.total
  const product = line.total * k
  return product <= Number.MAX_SAFE_INTEGER ? Math.floor(product / line.quantity) : Number((BigInt(line.total) * BigInt(k)) / BigInt(line.quantity))
}

/** Cheapest unit first (by what a unit costs now), then line order. */
function byUnitPrice(a: PricingLine, b: PricingLine): number {
  // a.total / a.quantity vs b.total / b.quantity, without division.
  return a.total * b.quantity - b.total * a.quantity || a.index - b.index
}

/** Dearest unit first, then line order. */
function byUnitPriceDesc(a: PricingLine, b: PricingLine): number {
  return b.total * a.quantity - a.total * b.quantity || a.index - b.index
}

function formatPercent(p: number): string {
  return `${p}%`
}

function minus(ctx: BenefitContext, amountTaken: number): string {
  return ctx.state.formatMoney(-amountTaken)
}

/** Adds up what a benefit took and from how many lines, for its explanation. */
class Tally {
  amount = 0
  count = 0
  last: PricingLine | null = null
  add(line: PricingLine, taken: number): void {
    if (taken <= 0) return
    this.amount += taken
    this.count++
    this.last = line
  }
  what(): string {
    return this.count === 1 && this.last !== null ? `'${this.last.name}'` : `${this.count} items`
  }
}
