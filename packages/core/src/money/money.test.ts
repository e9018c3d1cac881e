import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { OrdoErrorCode } from '../errors.js'
import { CURRENCIES } from './currency.js'
import type { CurrencyCode } from './currency.js'
import {
  add,
  compare,
  equals,
  formatMoney,
  fromMajor,
  isNegative,
  isZero,
  max,
  min,
  money,
  multiply,
  negate,
  percentOf,
  subtract,
  sum,
  toMajorString,
  zero,
} from './money.js'
import type { Money } from './money.js'
import { ROUNDING_MODES } from './rounding.js'

const ordoError = (code: OrdoErrorCode) => expect.objectContaining({ name: 'OrdoError', code })
const RUNS = { numRuns: 1000 }
const rub = (amount: number): Money => money(amount, 'RUB')
const usd = (amount: number): Money => money(amount, 'USD')
/** Spaces Intl uses (no-break, narrow no-break) become plain spaces, so expectations stay readable. */
const plainSpaces = (text: string): string => text.replace(/\s/g, ' ')

const currency = fc.constantFrom(...(Object.keys(CURRENCIES) as CurrencyCode[]))
const safeInteger = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })
/** Amounts small enough that adding three of them cannot overflow. */
const amount = fc.integer({ min: -(2 ** 50), max: 2 ** 50 })
const moneyIn = (c: CurrencyCode, amounts = amount) => amounts.map((a) => money(a, c))
const anyMoney = fc.tuple(safeInteger, currency).map(([a, c]) => money(a, c))

describe('money', () => {
  test('builds a plain object from minor units and a currency', () => {
    expect(money(1234, 'RUB')).toEqual({ amount: 1234, currency: 'RUB' })
    expect(Object.isFrozen(money(1, 'RUB'))).toBe(false)
    expect(Object.is(money(-0, 'RUB').amount, 0)).toBe(true)
  })

  test('accepts the whole safe-integer range', () => {
    expect(money(Number.MAX_SAFE_INTEGER, 'RUB').amount).toBe(Number.MAX_SAFE_INTEGER)
    expect(money(Number.MIN_SAFE_INTEGER, 'RUB').amount).toBe(Number.MIN_SAFE_INTEGER)
  })

  test.each([12.34, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -(2 ** 53)])('refuses %s with INVALID_AMOUNT', (bad) => {
    expect(() => money(bad, 'RUB')).toThrow(ordoError('INVALID_AMOUNT'))
  })

  test('refuses a non-number amount and points to fromMajor', () => {
    expect(() => money('100' as unknown as number, 'RUB')).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => money(12.34, 'RUB')).toThrow(/fromMajor\('12\.34', 'RUB'\)/)
  })

  test('refuses an unknown currency with CURRENCY_MISMATCH', () => {
    expect(() => money(100, 'rub' as CurrencyCode)).toThrow(ordoError('CURRENCY_MISMATCH'))
    expect(() => money(100, 'XXX' as CurrencyCode)).toThrow(ordoError('CURRENCY_MISMATCH'))
  })
})

describe('zero', () => {
  test('is zero in the given currency', () => {
    expect(zero('KZT')).toEqual({ amount: 0, currency: 'KZT' })
    expect(() => zero('ABC' as CurrencyCode)).toThrow(ordoError('CURRENCY_MISMATCH'))
  })
})

describe('fromMajor', () => {
  test.each([
    ['1234.56', 'RUB', 123456],
    ['0.1', 'USD', 10],
    ['-0.05', 'RUB', -5],
    ['+5', 'RUB', 500],
    ['10.500', 'RUB', 1050],
    ['007.10', 'RUB', 710],
    ['1500', 'JPY', 1500],
    ['1500.00', 'JPY', 1500],
    ['1.234', 'KWD', 1234],
    ['90071992547409.91', 'RUB', Number.MAX_SAFE_INTEGER],
    ['-90071992547409.91', 'RUB', Number.MIN_SAFE_INTEGER],
  ] as const)('parses the string %s %s as %i minor units', (major, code, expected) => {
    expect(fromMajor(major, code)).toEqual({ amount: expected, currency: code })
  })

  test('parses numbers as written, without float error', () => {
    expect(fromMajor(1234.56, 'RUB').amount).toBe(123456)
    // 1.15 * 100 === 114.99999999999999 and 4.35 * 100 === 434.99999999999994
    expect(fromMajor(1.15, 'RUB').amount).toBe(115)
    expect(fromMajor(4.35, 'RUB').amount).toBe(435)
    expect(fromMajor(0.1, 'USD').amount).toBe(10)
    expect(fromMajor(-7, 'JPY').amount).toBe(-7)
  })

  test('turns negative zero into zero', () => {
    expect(Object.is(fromMajor('-0.00', 'RUB').amount, 0)).toBe(true)
    expect(Object.is(fromMajor(-0, 'RUB').amount, 0)).toBe(true)
  })

  test.each([
    ['1.005', 'RUB'],
    ['1500.5', 'JPY'],
    ['0.0001', 'KWD'],
  ] as const)('refuses %s %s: more decimals than the currency has', (major, code) => {
    expect(() => fromMajor(major, code)).toThrow(ordoError('INVALID_AMOUNT'))
  })

  test('surfaces float error instead of hiding it', () => {
    expect(() => fromMajor(0.1 + 0.2, 'RUB')).toThrow(ordoError('INVALID_AMOUNT'))
  })

  test.each(['1,5', '1e3', ' 1', '1 ', '', '.5', '5.', '-', 'abc', '1_000', '١٢'])('refuses the malformed string %j', (major) => {
    expect(() => fromMajor(major, 'RUB')).toThrow(ordoError('INVALID_AMOUNT'))
  })

  test.each([Number.NaN, Number.POSITIVE_INFINITY, 1e21, 1e-7])('refuses the number %s', (major) => {
    expect(() => fromMajor(major, 'RUB')).toThrow(ordoError('INVALID_AMOUNT'))
  })

  test('refuses amounts beyond the safe-integer range', () => {
    expect(() => fromMajor('90071992547409.92', 'RUB')).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => fromMajor(Number.MAX_SAFE_INTEGER, 'RUB')).toThrow(ordoError('INVALID_AMOUNT'))
  })

  test('refuses an unknown currency', () => {
    expect(() => fromMajor('1', 'XXX' as CurrencyCode)).toThrow(ordoError('CURRENCY_MISMATCH'))
  })

  test('property: round-trips through toMajorString for every amount and currency', () => {
    fc.assert(
      fc.property(anyMoney, (m) => {
        expect(fromMajor(toMajorString(m), m.currency)).toEqual(m)
      }),
      RUNS,
    )
  })

  test('property: round-trips through a JS number while the number holds the value exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 15), max: 10 ** 15 }), currency, (a, c) => {
        const m = money(a, c)
        expect(fromMajor(Number(toMajorString(m)), c)).toEqual(m)
      }),
      RUNS,
    )
  })
})

describe('toMajorString', () => {
  test.each([
    [123456, 'RUB', '1234.56'],
    [-5, 'RUB', '-0.05'],
    [0, 'RUB', '0.00'],
    [100, 'USD', '1.00'],
    [1500, 'JPY', '1500'],
    [-1, 'KWD', '-0.001'],
    [Number.MAX_SAFE_INTEGER, 'RUB', '90071992547409.91'],
  ] as const)('writes %i %s as %s', (a, code, expected) => {
    expect(toMajorString(money(a, code))).toBe(expected)
  })

  test('refuses a malformed Money', () => {
    expect(() => toMajorString({ amount: 1.5, currency: 'RUB' })).toThrow(ordoError('INVALID_AMOUNT'))
  })
})

describe('formatMoney', () => {
  test('formats for Russian readers by default', () => {
    expect(plainSpaces(formatMoney(rub(123456)))).toBe('1 234,56 ₽')
    expect(formatMoney(rub(123456))).toBe(formatMoney(rub(123456), 'ru-RU'))
  })

  test('uses the given locale and the currency’s own decimal places', () => {
    expect(formatMoney(usd(123456), 'en-US')).toBe('$1,234.56')
    expect(formatMoney(usd(-5), 'en-US')).toBe('-$0.05')
    expect(plainSpaces(formatMoney(money(1500, 'JPY'), 'ru-RU'))).toBe('1 500 ¥')
    expect(formatMoney(money(1234, 'KWD'), 'en-US')).toMatch(/1\.234/)
  })

  test('prints every digit of amounts a float cannot hold', () => {
    // 9007199254740.991 as a float is 9007199254740.99; the string path keeps the last digit.
    expect(formatMoney(money(Number.MAX_SAFE_INTEGER, 'KWD'), 'en-US')).toMatch(/9,007,199,254,740\.991/)
  })

  test('refuses a malformed locale tag with VALIDATION', () => {
    expect(() => formatMoney(rub(1), 'ru_RU')).toThrow(ordoError('VALIDATION'))
  })
})

describe('add, subtract, negate', () => {
  test('work on amounts of one currency', () => {
    expect(add(rub(1000), rub(250))).toEqual(rub(1250))
    expect(subtract(rub(1000), rub(250))).toEqual(rub(750))
    expect(subtract(rub(250), rub(1000))).toEqual(rub(-750))
    expect(negate(rub(500))).toEqual(rub(-500))
    expect(Object.is(negate(rub(0)).amount, 0)).toBe(true)
  })

  test('refuse to mix currencies', () => {
    expect(() => add(rub(1), usd(1))).toThrow(ordoError('CURRENCY_MISMATCH'))
    expect(() => subtract(rub(1), usd(1))).toThrow(ordoError('CURRENCY_MISMATCH'))
  })

  test('refuse results outside the safe-integer range', () => {
    expect(() => add(rub(Number.MAX_SAFE_INTEGER), rub(1))).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => subtract(rub(Number.MIN_SAFE_INTEGER), rub(1))).toThrow(ordoError('INVALID_AMOUNT'))
  })

  test('refuse malformed operands', () => {
    expect(() => add({ amount: 0.5, currency: 'RUB' }, rub(1))).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => add(rub(1), { amount: 1, currency: 'rub' as CurrencyCode })).toThrow(ordoError('CURRENCY_MISMATCH'))
    expect(() => negate(null as unknown as Money)).toThrow(ordoError('INVALID_AMOUNT'))
  })

  test('property: results are exact or refused, never rounded', () => {
    fc.assert(
      fc.property(safeInteger, safeInteger, (a, b) => {
        const exact = BigInt(a) + BigInt(b)
        if (exact > BigInt(Number.MAX_SAFE_INTEGER) || exact < BigInt(Number.MIN_SAFE_INTEGER)) {
          expect(() => add(rub(a), rub(b))).toThrow(ordoError('INVALID_AMOUNT'))
        } else {
          expect(BigInt(add(rub(a), rub(b)).amount)).toBe(exact)
        }
      }),
      RUNS,
    )
  })

  test('property: subtract undoes add', () => {
    fc.assert(
      fc.property(currency, amount, amount, (c, a, b) => {
        expect(subtract(add(money(a, c), money(b, c)), money(b, c))).toEqual(money(a, c))
        expect(add(subtract(money(a, c), money(b, c)), money(b, c))).toEqual(money(a, c))
      }),
      RUNS,
    )
  })

  test('property: add is commutative and associative', () => {
    fc.assert(
      fc.property(currency, amount, amount, amount, (c, x, y, z) => {
        const [a, b, d] = [money(x, c), money(y, c), money(z, c)]
        expect(add(a, b)).toEqual(add(b, a))
        expect(add(add(a, b), d)).toEqual(add(a, add(b, d)))
      }),
      RUNS,
    )
  })

  test('property: negate is its own inverse and the additive inverse', () => {
    fc.assert(
      fc.property(anyMoney, (m) => {
        expect(negate(negate(m))).toEqual(m)
        expect(isZero(add(m, negate(m)))).toBe(true)
      }),
      RUNS,
    )
  })
})

describe('multiply', () => {
  test('multiplies by a whole quantity', () => {
    expect(multiply(rub(14990), 3)).toEqual(rub(44970))
    expect(multiply(rub(14990), -1)).toEqual(rub(-14990))
    expect(Object.is(multiply(rub(0), -3).amount, 0)).toBe(true)
  })

  test('refuses a fractional quantity with VALIDATION', () => {
    expect(() => multiply(rub(100), 1.5)).toThrow(ordoError('VALIDATION'))
    expect(() => multiply(rub(100), Number.NaN)).toThrow(ordoError('VALIDATION'))
  })

  test('refuses an overflowing product with INVALID_AMOUNT', () => {
    expect(() => multiply(rub(2 ** 30), 2 ** 30)).toThrow(ordoError('INVALID_AMOUNT'))
  })

  test('property: products are exact or refused, never rounded', () => {
    fc.assert(
      fc.property(safeInteger, fc.oneof(fc.integer({ min: -1000, max: 1000 }), safeInteger), (a, q) => {
        const exact = BigInt(a) * BigInt(q)
        if (exact > BigInt(Number.MAX_SAFE_INTEGER) || exact < BigInt(Number.MIN_SAFE_INTEGER)) {
          expect(() => multiply(rub(a), q)).toThrow(ordoError('INVALID_AMOUNT'))
        } else {
          expect(BigInt(multiply(rub(a), q).amount)).toBe(exact)
        }
      }),
      RUNS,
    )
  })

  test('property: multiply distributes over add, and add over quantities', () => {
    const small = fc.integer({ min: -(2 ** 30), max: 2 ** 30 })
    const quantity = fc.integer({ min: -(2 ** 20), max: 2 ** 20 })
    fc.assert(
      fc.property(currency, small, small, quantity, quantity, (c, x, y, j, k) => {
        const [a, b] = [money(x, c), money(y, c)]
        expect(multiply(add(a, b), k)).toEqual(add(multiply(a, k), multiply(b, k)))
        expect(multiply(a, j + k)).toEqual(add(multiply(a, j), multiply(a, k)))
      }),
      RUNS,
    )
  })
})

describe('sum', () => {
  test('adds up a list, zero when empty', () => {
    expect(sum([rub(100), rub(250), rub(-50)], 'RUB')).toEqual(rub(300))
    expect(sum([], 'KZT')).toEqual(zero('KZT'))
  })

  test('refuses items in another currency, and an unknown currency', () => {
    expect(() => sum([rub(1), usd(1)], 'RUB')).toThrow(ordoError('CURRENCY_MISMATCH'))
    expect(() => sum([usd(1)], 'RUB')).toThrow(ordoError('CURRENCY_MISMATCH'))
    expect(() => sum([], 'XXX' as CurrencyCode)).toThrow(ordoError('CURRENCY_MISMATCH'))
  })

  test('refuses an overflowing total', () => {
    expect(() => sum([rub(Number.MAX_SAFE_INTEGER), rub(1)], 'RUB')).toThrow(ordoError('INVALID_AMOUNT'))
  })

  test('property: sum equals folding add from zero', () => {
    fc.assert(
      fc.property(
        currency.chain((c) => fc.tuple(fc.constant(c), fc.array(moneyIn(c, fc.integer({ min: -(2 ** 40), max: 2 ** 40 })), { maxLength: 50 }))),
        ([c, list]) => {
          expect(sum(list, c)).toEqual(list.reduce(add, zero(c)))
        },
      ),
      RUNS,
    )
  })
})

describe('isZero, isNegative', () => {
  test('test the sign', () => {
    expect(isZero(rub(0))).toBe(true)
    expect(isZero(rub(1))).toBe(false)
    expect(isNegative(rub(-1))).toBe(true)
    expect(isNegative(rub(0))).toBe(false)
    expect(isNegative(rub(1))).toBe(false)
  })
})

describe('compare, equals, min, max', () => {
  test('order amounts of one currency', () => {
    expect(compare(rub(1), rub(2))).toBe(-1)
    expect(compare(rub(2), rub(2))).toBe(0)
    expect(compare(rub(3), rub(2))).toBe(1)
    expect([rub(3), rub(-1), rub(2)].sort(compare)).toEqual([rub(-1), rub(2), rub(3)])
    expect(equals(fromMajor('10', 'RUB'), rub(1000))).toBe(true)
    expect(equals(rub(1), rub(2))).toBe(false)
    expect(min(rub(500), rub(300), rub(400))).toEqual(rub(300))
    expect(max(rub(500), rub(300), rub(700))).toEqual(rub(700))
    expect(min(rub(5))).toEqual(rub(5))
  })

  test('return the first of equal amounts', () => {
    const first = rub(5)
    expect(min(first, rub(5))).toBe(first)
    expect(max(first, rub(5))).toBe(first)
  })

  test('refuse to compare across currencies', () => {
    expect(() => compare(rub(1), usd(1))).toThrow(ordoError('CURRENCY_MISMATCH'))
    expect(() => equals(rub(1), usd(1))).toThrow(ordoError('CURRENCY_MISMATCH'))
    expect(() => min(rub(1), usd(1))).toThrow(ordoError('CURRENCY_MISMATCH'))
    expect(() => max(rub(1), rub(2), usd(1))).toThrow(ordoError('CURRENCY_MISMATCH'))
  })

  test('property: compare agrees with the sign of the difference', () => {
    fc.assert(
      fc.property(currency, amount, amount, (c, x, y) => {
        const [a, b] = [money(x, c), money(y, c)]
        expect(compare(a, b)).toBe(Math.sign(subtract(a, b).amount))
        expect(compare(b, a)).toBe(-compare(a, b) || 0)
        expect(equals(a, b)).toBe(x === y)
      }),
      RUNS,
    )
  })
})

describe('percentOf', () => {
  test('takes a percent of money in its currency', () => {
    expect(percentOf(rub(1999), '12.5', ROUNDING_MODES.HALF_UP)).toEqual(rub(250))
    expect(percentOf(money(1000, 'KZT'), 10, ROUNDING_MODES.DOWN)).toEqual(money(100, 'KZT'))
    expect(() => percentOf(rub(1), 'ten', ROUNDING_MODES.DOWN)).toThrow(ordoError('VALIDATION'))
  })
})
