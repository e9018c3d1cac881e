import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { OrdoErrorCode } from '../errors.js'
import { allocate, allocateMoney, lineShare } from './allocate.js'
import { money, sum } from './money.js'

const ordoError = (code: OrdoErrorCode) => expect.objectContaining({ name: 'OrdoError', code })
const RUNS = { numRuns: 1000 }

const total = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })
const weight = fc.oneof(fc.nat(3), fc.nat(1000), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }))
const weights = fc.array(weight, { minLength: 1, maxLength: 20 })
const bigSum = (values: readonly number[]): bigint => values.reduce((acc, v) => acc + BigInt(v), 0n)
const abs = (n: bigint): bigint => (n < 0n ? -n : n)

describe('allocate', () => {
  test.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [-100, [1, 1, 1], [-34, -33, -33]],
    [2, [1, 1, 1], [1, 1, 0]],
    [1, [1, 2], [0, 1]],
    [1000, [3000, 1500, 500], [600, 300, 100]],
    [10, [0, 1, 0], [0, 10, 0]],
    [5, [0, 0], [3, 2]],
    [0, [0, 0, 0], [0, 0, 0]],
    [7, [1], [7]],
    [0, [], []],
  ])('allocate(%i, %j) → %j', (t, w, expected) => {
    expect(allocate(t, w)).toEqual(expected)
  })

  test('gives leftover units to the largest remainders first, then to lower indexes', () => {
    // exact shares 1.2, 2.4, 3.6, 4.8 → floors 1, 2, 3, 4 and two units left for remainders .8 and .6
    expect(allocate(12, [1, 2, 3, 4])).toEqual([1, 2, 4, 5])
    // shares 2.5, 2.5, 5 → one unit left for the tied remainders, the lower index wins
    expect(allocate(10, [1, 1, 2])).toEqual([3, 2, 5])
  })

  test('never returns -0', () => {
    expect(allocate(-1, [1, 1]).map((part) => Object.is(part, -0))).toEqual([false, false])
  })

  test('stays exact for totals and weights near the safe-integer limit', () => {
    const parts = allocate(Number.MAX_SAFE_INTEGER, [Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER])
    expect(bigSum(parts)).toBe(BigInt(Number.MAX_SAFE_INTEGER))
    // shares ≈ 2^52 − 0.5, 0.4999…, 2^52 − 0.5: the middle remainder is the largest by a hair
    expect(parts).toEqual([2 ** 52 - 1, 1, 2 ** 52 - 1])
  })

  test('does not modify the weights', () => {
    const w = [3, 0, 1]
    allocate(10, w)
    expect(w).toEqual([3, 0, 1])
  })

  test('refuses bad input', () => {
    expect(() => allocate(5, [])).toThrow(ordoError('VALIDATION'))
    expect(() => allocate(5, [1, -1])).toThrow(ordoError('VALIDATION'))
    expect(() => allocate(5, [1, -1])).toThrow(expect.objectContaining({ details: { index: 1, weight: -1 } }))
    expect(() => allocate(5, [1.5])).toThrow(ordoError('VALIDATION'))
    expect(() => allocate(5, [Number.NaN])).toThrow(ordoError('VALIDATION'))
    expect(() => allocate(5, 'abc' as unknown as number[])).toThrow(ordoError('VALIDATION'))
    expect(() => allocate(1.5, [1])).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => allocate(2 ** 53, [1])).toThrow(ordoError('INVALID_AMOUNT'))
  })

  test('property: the parts always add up to the total', () => {
    fc.assert(
      fc.property(total, weights, (t, w) => {
        expect(bigSum(allocate(t, w))).toBe(BigInt(t))
      }),
      RUNS,
    )
  })

  test('property: each part is within one unit of its exact share', () => {
    fc.assert(
      fc.property(total, weights, (t, w) => {
        const effective = w.every((x) => x === 0) ? w.map(() => 1) : w
        const weightSum = bigSum(effective)
        allocate(t, w).forEach((part, i) => {
          // |part - t * w / Σw| < 1, multiplied through by Σw
          expect(abs(BigInt(part) * weightSum - BigInt(t) * BigInt(effective[i] ?? 0)) < weightSum).toBe(true)
        })
      }),
      RUNS,
    )
  })

  test('property: deterministic, one part per weight, each with the sign of the total', () => {
    fc.assert(
      fc.property(total, weights, (t, w) => {
        const parts = allocate(t, w)
        expect(allocate(t, [...w])).toEqual(parts)
        expect(parts).toHaveLength(w.length)
        for (const part of parts) expect(Math.sign(part) === Math.sign(t) || part === 0).toBe(true)
      }),
      RUNS,
    )
  })

  test('property: a negative total is the mirror image of the positive one', () => {
    fc.assert(
      fc.property(total, weights, (t, w) => {
        expect(allocate(-t, w)).toEqual(allocate(t, w).map((part) => -part || 0))
      }),
      RUNS,
    )
  })

  test('property: zero weights get nothing, unless all weights are zero and the split is even', () => {
    fc.assert(
      fc.property(total, fc.array(fc.constantFrom(0, 0, 1, 5), { minLength: 1, maxLength: 20 }), (t, w) => {
        const parts = allocate(t, w)
        if (w.every((x) => x === 0)) {
          expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1)
        } else {
          w.forEach((x, i) => {
            if (x === 0) expect(parts[i]).toBe(0)
          })
        }
      }),
      RUNS,
    )
  })
})

describe('allocateMoney', () => {
  test('splits money into parts of the same currency that add up to it', () => {
    const parts = allocateMoney(money(10000, 'RUB'), [1, 1, 1])
    expect(parts).toEqual([money(3334, 'RUB'), money(3333, 'RUB'), money(3333, 'RUB')])
    expect(sum(parts, 'RUB')).toEqual(money(10000, 'RUB'))
  })

  test('refuses malformed money and bad weights', () => {
    expect(() => allocateMoney({ amount: 1.5, currency: 'RUB' }, [1])).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => allocateMoney(money(1, 'RUB'), [])).toThrow(ordoError('VALIDATION'))
  })

  test('property: the parts add up to the original amount', () => {
    fc.assert(
      fc.property(total, weights, fc.constantFrom('RUB', 'JPY', 'KWD'), (t, w, c) => {
        expect(sum(allocateMoney(money(t, c), w), c)).toEqual(money(t, c))
      }),
      RUNS,
    )
  })
})

describe('lineShare', () => {
  test('a share grows with the units taken, within a kopeck of the proportion, up to the line total', () => {
    expect(lineShare(1000, 3, 1)).toBe(333)
    expect(lineShare(1000, 3, 2)).toBe(667)
    // Two equal halves of an odd total each round up: split a line into several parts at once with allocate().
    expect(lineShare(15, 4, 2)).toBe(8)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 2, max: 1000 }), fc.nat(1000), (total, units, k) => {
        const some = Math.min(k, units - 1)
        const share = lineShare(total, units, some)
        expect(share).toBeLessThanOrEqual(lineShare(total, units, some + 1))
        expect(Math.abs(share - (total * some) / units)).toBeLessThan(1)
      }),
    )
    expect(lineShare(1000, 3, 3)).toBe(1000)
    expect(lineShare(1000, 3, 5)).toBe(1000)
  })
})
