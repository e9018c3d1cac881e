import { OrdoError } from '../errors.js'
import { assertSafeAmount, describe, parseDecimal, toSafeAmount } from './internal.js'

/**
 * How to round an exact quotient to a whole number of minor units.
 *
 * - `HALF_UP` — to the nearest unit, halves away from zero (2.5 → 3, −2.5 → −3);
 *   what receipts and tax authorities expect.
 * - `HALF_EVEN` — to the nearest unit, halves to the even neighbour (2.5 → 2,
 *   3.5 → 4); banker's rounding, unbiased over many operations.
 * - `DOWN` — toward zero (2.9 → 2, −2.9 → −2).
 * - `UP` — away from zero (2.1 → 3, −2.1 → −3).
 *
 * @example
 * ```ts
 * divideRounded(5, 2, ROUNDING_MODES.HALF_EVEN) // 2
 * ```
 */
export const ROUNDING_MODES = {
  HALF_UP: 'half_up',
  HALF_EVEN: 'half_even',
  DOWN: 'down',
  UP: 'up',
} as const

/** A rounding mode; see {@link ROUNDING_MODES}. */
export type RoundingMode = (typeof ROUNDING_MODES)[keyof typeof ROUNDING_MODES]

const ROUNDING_MODE_VALUES: readonly string[] = Object.values(ROUNDING_MODES)

/** True when `value` is one of the {@link ROUNDING_MODES} values, e.g. `'half_up'`. */
export function isRoundingMode(value: unknown): value is RoundingMode {
  return typeof value === 'string' && ROUNDING_MODE_VALUES.includes(value)
}

/** Percent values are scaled by this to become integers: up to 4 decimal places. */
const PERCENT_SCALE = 4

/**
 * Divides `numerator` by `denominator` (both integers) and rounds the exact
 * quotient to an integer with `mode`. Exact for every safe integer input: no
 * floating-point division is involved.
 *
 * Throws `INVALID_AMOUNT` when `numerator` is not a safe integer and
 * `VALIDATION` when `denominator` is zero or not a safe integer, or `mode` is
 * unknown.
 *
 * @example
 * ```ts
 * divideRounded(1000, 3, ROUNDING_MODES.HALF_UP) // 333
 * divideRounded(-5, 2, ROUNDING_MODES.HALF_UP) // -3
 * divideRounded(5, 2, ROUNDING_MODES.HALF_EVEN) // 2
 * divideRounded(7, 2, ROUNDING_MODES.DOWN) // 3
 * ```
 */
export function divideRounded(numerator: number, denominator: number, mode: RoundingMode): number {
  assertSafeAmount(numerator, 'divideRounded()', 'numerator')
  if (!Number.isSafeInteger(denominator) || denominator === 0) {
    throw new OrdoError(
      'VALIDATION',
      `divideRounded(): denominator must be a non-zero safe integer, got ${String(denominator)}`,
      { details: { denominator } },
    )
  }
  assertRoundingMode(mode, 'divideRounded()')
  // |quotient| <= |numerator|, so the result is always a safe integer.
  return Number(divideRoundedBigInt(BigInt(numerator), BigInt(denominator), mode))
}

/**
 * Returns `percent`% of `amount` (an integer number of minor units), rounded
 * with `mode`. `percent` may be a number or a decimal string with up to four
 * decimal places (`12.5`, `'12.5'`, `'0.0125'`); the computation is exact
 * integer arithmetic, so `percentage(1999, 12.5, …)` never suffers from
 * `0.125 * 1999` float error. Negative percents are allowed (`-10` gives a
 * negative amount).
 *
 * Throws `INVALID_AMOUNT` when `amount` is not a safe integer or the result
 * would leave the safe-integer range, and `VALIDATION` when `percent` is not a
 * decimal with at most four decimal places or `mode` is unknown.
 *
 * @example
 * ```ts
 * percentage(1999, 12.5, ROUNDING_MODES.HALF_UP) // 250  (249.875 rounded)
 * percentage(1999, '12.5', ROUNDING_MODES.DOWN) // 249
 * percentage(10000, 20, ROUNDING_MODES.HALF_UP) // 2000
 * ```
 */
export function percentage(amount: number, percent: number | string, mode: RoundingMode): number {
  assertSafeAmount(amount, 'percentage()', 'amount')
  assertRoundingMode(mode, 'percentage()')
  const parsed = parseDecimal(percent, PERCENT_SCALE)
  if (!parsed.ok) {
    throw new OrdoError(
      'VALIDATION',
      `percentage(): percent ${describe(percent)} ${parsed.reason}; pass a number or a decimal string with at most ${PERCENT_SCALE} decimal places, e.g. 12.5 or '12.5'`,
      { details: { percent } },
    )
  }
  const scaledHundred = 100n * 10n ** BigInt(PERCENT_SCALE)
  const exact = divideRoundedBigInt(BigInt(amount) * parsed.value, scaledHundred, mode)
  return toSafeAmount(exact, 'percentage()', { amount, percent })
}

/**
 * `n / d` rounded with `mode`; `d` must not be zero.
 *
 * @internal
 */
export function divideRoundedBigInt(n: bigint, d: bigint, mode: RoundingMode): bigint {
  const quotient = n / d // truncates toward zero
  const remainder = n % d
  if (remainder === 0n) return quotient
  const step = n < 0n !== d < 0n ? -1n : 1n
  const twiceRemainder = 2n * abs(remainder)
  const absDenominator = abs(d)
  switch (mode) {
    case 'down':
      return quotient
    case 'up':
      return quotient + step
    case 'half_up':
      return twiceRemainder >= absDenominator ? quotient + step : quotient
    case 'half_even':
      if (twiceRemainder !== absDenominator) return twiceRemainder > absDenominator ? quotient + step : quotient
      return quotient % 2n === 0n ? quotient : quotient + step
  }
}

/** Throws `VALIDATION` unless `mode` is a known rounding mode. @internal */
export function assertRoundingMode(mode: unknown, where: string): asserts mode is RoundingMode {
  if (!isRoundingMode(mode)) {
    throw new OrdoError(
      'VALIDATION',
      `${where}: unknown rounding mode ${JSON.stringify(mode)}; use one of ROUNDING_MODES (${ROUNDING_MODE_VALUES.join(', ')})`,
      { details: { mode } },
    )
  }
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value
}
