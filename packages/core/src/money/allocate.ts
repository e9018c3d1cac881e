import { OrdoError } from '../errors.js'
import { assertSafeAmount, describe, normalizeZero } from './internal.js'
import { assertMoney } from './money.js'
import type { Money } from './money.js'

/**
 * Splits an integer `total` (minor units) into parts proportional to
 * `weights`, losing nothing: the parts always add up to `total` exactly.
 *
 * Uses the largest-remainder method: each part first gets
 * `floor(|total| × weight / Σweights)`, then the units left over go one each
 * to the parts with the largest remainders, ties going to the lower index, so
 * the result is deterministic and every part is within one unit of its exact
 * share. A negative total is split as its absolute value and negated. When
 * every weight is zero the total is split evenly, as if all weights were 1.
 * The arithmetic is done in `BigInt`, so huge totals and weights stay exact.
 *
 * Typical uses: spreading an order discount over its lines, splitting a
 * delivery fee between shipments, paying out a refund over several payments.
 *
 * Throws `INVALID_AMOUNT` when `total` is not a safe integer and `VALIDATION`
 * when a weight is negative or not a safe integer, or when `weights` is empty
 * and `total` is not zero (an empty `weights` with a zero total gives `[]`).
 *
 * @example
 * ```ts
 * allocate(100, [1, 1, 1]) // [34, 33, 33]
 * allocate(-100, [1, 1, 1]) // [-34, -33, -33]
 * allocate(1000, [3000, 1500, 500]) // [600, 300, 100] — a discount by line price
 * allocate(5, [0, 0]) // [3, 2]
 * ```
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  assertSafeAmount(total, 'allocate()', 'total')
  if (!Array.isArray(weights)) {
    throw new OrdoError('VALIDATION', `allocate(): weights must be an array of non-negative integers, got ${describe(weights)}`, {
      details: { weights },
    })
  }
  weights.forEach((weight, index) => {
    if (typeof weight !== 'number' || !Number.isSafeInteger(weight) || weight < 0) {
      throw new OrdoError(
        'VALIDATION',
        `allocate(): weights[${index}] must be a non-negative safe integer, got ${describe(weight)}; scale fractional weights to integers first (e.g. 12.5% → 125)`,
        { details: { index, weight } },
      )
    }
  })
  if (weights.length === 0) {
    if (total === 0) return []
    throw new OrdoError('VALIDATION', `allocate(): cannot split ${total} over an empty list of weights`, {
      details: { total },
    })
  }

  const effective = weights.every((weight) => weight === 0) ? weights.map(() => 1n) : weights.map((weight) => BigInt(weight))
  const weightSum = effective.reduce((acc, weight) => acc + weight, 0n)
  const units = BigInt(Math.abs(total))

  const parts = effective.map((weight) => (units * weight) / weightSum)
  const remainders = effective.map((weight) => (units * weight) % weightSum)
  let leftover = units - parts.reduce((acc, part) => acc + part, 0n)

  // Leftover < number of parts, since each part lost less than one unit to flooring.
  const order = remainders
    .map((remainder, index) => ({ remainder, index }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1))
  for (const { index } of order) {
    if (leftover === 0n) break
    parts[index] = (parts[index] ?? 0n) + 1n
    leftover -= 1n
  }

  const sign = total < 0 ? -1 : 1
  // Each part is at most |total|, so converting back to a number is exact.
  return parts.map((part) => normalizeZero(sign * Number(part)))
}

/**
 * Splits an amount of money over `weights` with {@link allocate}; the parts
 * are in the same currency and add up to `m` exactly.
 *
 * @example
 * ```ts
 * allocateMoney(money(10000, 'RUB'), [1, 1, 1])
 * // [{ amount: 3334, currency: 'RUB' }, { amount: 3333, … }, { amount: 3333, … }]
 * ```
 */
export function allocateMoney(m: Money, weights: readonly number[]): Money[] {
  assertMoney(m, 'allocateMoney()')
  return allocate(m.amount, weights).map((amount) => ({ amount, currency: m.currency }))
}

/**
 * The value of `quantity` units of a line whose `lineQuantity` units cost
 * `total`: the total split in proportion by {@link allocate}, to the minor
 * unit. Refunds, receipts, cash-on-delivery amounts and points all take part
 * of a line this one way, so they agree to the kopeck. For one part: a line
 * cut into several parts at once is split by `allocate` over all of them
 * (two equal halves of an odd total would each round up).
 *
 * @example
 * ```ts
 * lineShare(1000, 3, 1) // 333 — and lineShare(1000, 3, 2) is 667: the two add up
 * lineShare(1000, 3, 3) // 1000
 * ```
 */
export function lineShare(total: number, lineQuantity: number, quantity: number): number {
  if (quantity >= lineQuantity) return total
  return allocate(total, [quantity, lineQuantity - quantity])[0]!
}
