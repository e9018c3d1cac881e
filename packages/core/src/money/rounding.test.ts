import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { OrdoErrorCode } from '../errors.js'
import { divideRounded, isRoundingMode, percentage, ROUNDING_MODES } from './rounding.js'
import type { RoundingMode } from './rounding.js'

const ordoError = (code: OrdoErrorCode) => expect.objectContaining({ name: 'OrdoError', code })
const RUNS = { numRuns: 1000 }
const MODES = Object.values(ROUNDING_MODES)
const { HALF_UP, HALF_EVEN, DOWN, UP } = ROUNDING_MODES

const safeInteger = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })
const nonZeroSafeInteger = safeInteger.filter((n) => n !== 0)
const mode = fc.constantFrom(...MODES)
/** A percent with up to 4 decimals, as the exact string and the scaled integer (12.5 → 125000). */
const percentScaled = fc.integer({ min: 0, max: 10_000_000 })
const percentText = (scaled: number): string => `${Math.trunc(scaled / 10_000)}.${String(scaled % 10_000).padStart(4, '0')}`

const abs = (n: bigint): bigint => (n < 0n ? -n : n)

describe('divideRounded', () => {
  test.each([
    // numerator, denominator, half_up, half_even, down, up
    [5, 2, 3, 2, 2, 3],
    [7, 2, 4, 4, 3, 4],
    [-5, 2, -3, -2, -2, -3],
    [5, -2, -3, -2, -2, -3],
    [-5, -2, 3, 2, 2, 3],
    [1, 3, 0, 0, 0, 1],
    [2, 3, 1, 1, 0, 1],
    [-2, 3, -1, -1, 0, -1],
    [6, 3, 2, 2, 2, 2],
    [1000, 3, 333, 333, 333, 334],
  ])('%i / %i → half_up %i, half_even %i, down %i, up %i', (n, d, halfUp, halfEven, down, up) => {
    expect(divideRounded(n, d, HALF_UP)).toBe(halfUp)
    expect(divideRounded(n, d, HALF_EVEN)).toBe(halfEven)
    expect(divideRounded(n, d, DOWN)).toBe(down)
    expect(divideRounded(n, d, UP)).toBe(up)
  })

  test('never returns -0', () => {
    for (const m of MODES) expect(Object.is(divideRounded(-1, 3, m), -0)).toBe(false)
    expect(Object.is(divideRounded(0, -3, DOWN), 0)).toBe(true)
  })

  test('is exact at the edge of the safe-integer range', () => {
    // (2^53 - 1) / 2 = 2^52 - 0.5, which a float division would round to 2^52 before any mode applies.
    expect(divideRounded(Number.MAX_SAFE_INTEGER, 2, DOWN)).toBe(2 ** 52 - 1)
    expect(divideRounded(Number.MAX_SAFE_INTEGER, 2, HALF_UP)).toBe(2 ** 52)
    expect(divideRounded(Number.MAX_SAFE_INTEGER, 2, HALF_EVEN)).toBe(2 ** 52)
    expect(divideRounded(Number.MIN_SAFE_INTEGER, 2, UP)).toBe(-(2 ** 52))
  })

  test('rejects bad arguments', () => {
    expect(() => divideRounded(1.5, 2, HALF_UP)).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => divideRounded(2 ** 53, 2, HALF_UP)).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => divideRounded(1, 0, HALF_UP)).toThrow(ordoError('VALIDATION'))
    expect(() => divideRounded(1, 0.5, HALF_UP)).toThrow(ordoError('VALIDATION'))
    expect(() => divideRounded(1, 2, 'round' as RoundingMode)).toThrow(ordoError('VALIDATION'))
  })

  test('property: the result is the integer each mode specifies, for every safe numerator and denominator', () => {
    fc.assert(
      fc.property(safeInteger, nonZeroSafeInteger, mode, (n, d, m) => {
        const result = BigInt(divideRounded(n, d, m))
        const [bn, bd] = [BigInt(n), BigInt(d)]
        const error = abs(bn - result * bd) // |exact - result| scaled by |d|
        expect(error < abs(bd)).toBe(true) // within one unit of the exact quotient
        const awayFromZero = abs(result * bd) > abs(bn)
        if (m === DOWN) expect(abs(result * bd) <= abs(bn)).toBe(true)
        if (m === UP) expect(abs(result * bd) >= abs(bn)).toBe(true)
        if (m === HALF_UP || m === HALF_EVEN) {
          expect(2n * error <= abs(bd)).toBe(true) // nearest
          if (2n * error === abs(bd)) {
            if (m === HALF_UP) expect(awayFromZero).toBe(true)
            else expect(result % 2n).toBe(0n)
          }
        }
      }),
      RUNS,
    )
  })
})

describe('isRoundingMode', () => {
  test('accepts the ROUNDING_MODES values only', () => {
    for (const m of MODES) expect(isRoundingMode(m)).toBe(true)
    expect(isRoundingMode('HALF_UP')).toBe(false)
    expect(isRoundingMode('ceil')).toBe(false)
    expect(isRoundingMode(undefined)).toBe(false)
  })
})

describe('percentage', () => {
  test('computes a fractional percent exactly and rounds once', () => {
    // 12.5% of 19.99 ₽ is 2.49875 ₽
    expect(percentage(1999, 12.5, HALF_UP)).toBe(250)
    expect(percentage(1999, '12.5', HALF_EVEN)).toBe(250)
    expect(percentage(1999, '12.5', DOWN)).toBe(249)
    expect(percentage(1999, '12.5', UP)).toBe(250)
    expect(percentage(1_000_000, '0.0125', HALF_UP)).toBe(125)
    expect(percentage(10_000, 20, HALF_UP)).toBe(2000)
  })

  test('has no floating-point error where naive float math has it', () => {
    // 10000 * 0.07 / 100 === 7.000000000000001 and 100000 * 1.15 / 100 === 1149.9999999999998
    expect(percentage(10_000, 0.07, UP)).toBe(7)
    expect(percentage(100_000, 1.15, DOWN)).toBe(1150)
  })

  test('rounds ties by the mode, symmetrically for negative amounts', () => {
    expect(percentage(5, 50, HALF_UP)).toBe(3)
    expect(percentage(5, 50, HALF_EVEN)).toBe(2)
    expect(percentage(-5, 50, HALF_UP)).toBe(-3)
    expect(percentage(-5, 50, DOWN)).toBe(-2)
  })

  test('accepts negative percents and trailing zeros', () => {
    expect(percentage(1000, -10, HALF_UP)).toBe(-100)
    expect(percentage(1999, '12.500000', HALF_UP)).toBe(250)
  })

  test('rejects a bad amount, percent or mode', () => {
    expect(() => percentage(10.5, 10, HALF_UP)).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => percentage(Number.MAX_SAFE_INTEGER, 200, HALF_UP)).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => percentage(100, '1.00001', HALF_UP)).toThrow(ordoError('VALIDATION'))
    expect(() => percentage(100, 0.1 + 0.2, HALF_UP)).toThrow(ordoError('VALIDATION'))
    expect(() => percentage(100, '10%', HALF_UP)).toThrow(ordoError('VALIDATION'))
    expect(() => percentage(100, '1e2', HALF_UP)).toThrow(ordoError('VALIDATION'))
    expect(() => percentage(100, Number.NaN, HALF_UP)).toThrow(ordoError('VALIDATION'))
    expect(() => percentage(100, 10, 'nearest' as RoundingMode)).toThrow(ordoError('VALIDATION'))
  })

  test('property: monotonic in amount for a non-negative percent', () => {
    fc.assert(
      fc.property(safeInteger, safeInteger, percentScaled.filter((p) => p <= 1_000_000), mode, (x, y, p, m) => {
        const [low, high] = x <= y ? [x, y] : [y, x]
        const percent = percentText(p)
        expect(percentage(low, percent, m)).toBeLessThanOrEqual(percentage(high, percent, m))
      }),
      RUNS,
    )
  })

  test('property: within one unit of the exact value, and the same for the number and string forms', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), percentScaled, mode, (amount, p, m) => {
        const result = percentage(amount, percentText(p), m)
        expect(percentage(amount, Number(percentText(p)), m)).toBe(result)
        // exact = amount * p / 1_000_000
        expect(abs(BigInt(result) * 1_000_000n - BigInt(amount) * BigInt(p)) < 1_000_000n).toBe(true)
      }),
      RUNS,
    )
  })

  test('property: symmetric in the sign of the amount', () => {
    fc.assert(
      fc.property(safeInteger, percentScaled.filter((p) => p <= 1_000_000), mode, (amount, p, m) => {
        expect(percentage(-amount, percentText(p), m)).toBe(-percentage(amount, percentText(p), m) || 0)
      }),
      RUNS,
    )
  })
})
