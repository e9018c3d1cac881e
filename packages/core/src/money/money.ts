import { OrdoError } from '../errors.js'
import { assertCurrencyCode, CURRENCIES } from './currency.js'
import type { CurrencyCode } from './currency.js'
import { assertSafeAmount, describe, normalizeZero, parseDecimal, toSafeAmount } from './internal.js'
import { percentage } from './rounding.js'
import type { RoundingMode } from './rounding.js'

/**
 * An amount of money: a safe integer count of the currency's minor units
 * (kopecks for RUB, cents for USD, yen for JPY) and its ISO 4217 currency.
 * Integers keep sums exact; `12.34 ₽` is `{ amount: 1234, currency: 'RUB' }`.
 *
 * Build one with {@link money} or {@link fromMajor}, which validate; the
 * arithmetic functions never mutate their arguments.
 *
 * @example
 * ```ts
 * const price: Money = money(149_900, 'RUB') // 1 499,00 ₽
 * ```
 */
export interface Money {
  /** Safe integer number of minor units; negative for refunds and discounts. */
  readonly amount: number
  /** ISO 4217 currency code. */
  readonly currency: CurrencyCode
}

/**
 * Creates a {@link Money} from an integer amount of minor units, checking
 * both parts. Throws `INVALID_AMOUNT` when `amount` is not a safe integer
 * (use {@link fromMajor} for `'12.34'`) and `CURRENCY_MISMATCH` when the
 * currency is not in {@link CURRENCIES}.
 *
 * @example
 * ```ts
 * money(1234, 'RUB') // { amount: 1234, currency: 'RUB' } — 12,34 ₽
 * money(12.34, 'RUB') // throws OrdoError INVALID_AMOUNT
 * ```
 */
export function money(amount: number, currency: CurrencyCode): Money {
  assertCurrencyCode(currency, 'money()')
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    throw new OrdoError(
      'INVALID_AMOUNT',
      `money(): amount must be a safe integer number of ${currency} minor units, got ${describe(amount)}; to convert a major-unit value like '12.34' use fromMajor('12.34', '${currency}')`,
      { details: { amount, currency } },
    )
  }
  return { amount: normalizeZero(amount), currency }
}

/**
 * Zero in the given currency; the starting point of a sum.
 *
 * @example
 * ```ts
 * zero('RUB') // { amount: 0, currency: 'RUB' }
 * ```
 */
export function zero(currency: CurrencyCode): Money {
  return money(0, currency)
}

/**
 * Parses a major-unit value (`'1234.56'` or `1234.56` roubles) into
 * {@link Money}, exactly: strings are read digit by digit and numbers through
 * their shortest decimal text, never multiplied as floats. Trailing zeros are
 * fine (`'10.500'` RUB); any digit the currency cannot hold is refused, not
 * rounded.
 *
 * Throws `INVALID_AMOUNT` for anything that is not a plain decimal (`'1,5'`,
 * `'1e3'`, `' 1'`, `NaN`), for too many decimal places (`'0.001'` RUB) and for
 * results outside the safe-integer range; `CURRENCY_MISMATCH` for an unknown
 * currency.
 *
 * @example
 * ```ts
 * fromMajor('1234.56', 'RUB') // { amount: 123456, currency: 'RUB' }
 * fromMajor(0.1, 'USD') // { amount: 10, currency: 'USD' }
 * fromMajor('-5', 'JPY') // { amount: -5, currency: 'JPY' }
 * fromMajor('1.005', 'RUB') // throws OrdoError INVALID_AMOUNT
 * ```
 */
export function fromMajor(major: string | number, currency: CurrencyCode): Money {
  assertCurrencyCode(currency, 'fromMajor()')
  const digits = CURRENCIES[currency].minorUnits
  const parsed = parseDecimal(major, digits)
  if (!parsed.ok) {
    throw new OrdoError(
      'INVALID_AMOUNT',
      `fromMajor(): ${describe(major)} ${parsed.reason} (${currency} has ${digits}); pass a plain decimal such as '${exampleMajor(digits)}', rounded beforehand if needed`,
      { details: { major, currency } },
    )
  }
  return { amount: toSafeAmount(parsed.value, 'fromMajor()', { major, currency }), currency }
}

/**
 * Writes the amount in major units with exactly the currency's decimal
 * places, a dot and no grouping: the form APIs, CSV files and
 * {@link fromMajor} use. For display use {@link formatMoney}.
 *
 * @example
 * ```ts
 * toMajorString(money(123456, 'RUB')) // '1234.56'
 * toMajorString(money(-5, 'RUB')) // '-0.05'
 * toMajorString(money(1500, 'JPY')) // '1500'
 * ```
 */
export function toMajorString(m: Money): string {
  assertMoney(m, 'toMajorString()')
  const digits = CURRENCIES[m.currency].minorUnits
  // Safe integers print without an exponent, so string slicing is exact.
  const units = Math.abs(m.amount).toString().padStart(digits + 1, '0')
  const whole = units.slice(0, units.length - digits)
  const fraction = units.slice(units.length - digits)
  return `${m.amount < 0 ? '-' : ''}${whole}${digits > 0 ? `.${fraction}` : ''}`
}

/**
 * Formats money for people with `Intl.NumberFormat` in currency style. The
 * major-unit value is handed to Intl as an exact decimal string, so even
 * amounts beyond float precision print digit for digit.
 *
 * @param locale - BCP 47 locale tag; defaults to `'ru-RU'`. Throws
 *   `VALIDATION` for a malformed tag.
 *
 * @example
 * ```ts
 * formatMoney(money(123456, 'RUB')) // '1 234,56 ₽' (with narrow no-break spaces)
 * formatMoney(money(123456, 'USD'), 'en-US') // '$1,234.56'
 * ```
 */
export function formatMoney(m: Money, locale = 'ru-RU'): string {
  assertMoney(m, 'formatMoney()')
  const digits = CURRENCIES[m.currency].minorUnits
  let format: Intl.NumberFormat
  try {
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: m.currency,
      // Intl's own digit counts differ from ISO 4217 for a few currencies; ours must win.
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    })
  } catch (error) {
    throw new OrdoError('VALIDATION', `formatMoney(): ${describe(locale)} is not a valid BCP 47 locale tag (e.g. 'ru-RU', 'en-US')`, {
      details: { locale },
      cause: error,
    })
  }
  return format.format(toMajorString(m) as `${number}`)
}

/**
 * Adds two amounts of the same currency. Throws `CURRENCY_MISMATCH` for
 * different currencies and `INVALID_AMOUNT` when the sum leaves the
 * safe-integer range.
 *
 * @example
 * ```ts
 * add(money(1000, 'RUB'), money(250, 'RUB')) // { amount: 1250, currency: 'RUB' }
 * ```
 */
export function add(a: Money, b: Money): Money {
  return combine(a, b, 'add()', (x, y) => x + y)
}

/**
 * Subtracts `b` from `a` (same currency). Throws `CURRENCY_MISMATCH` for
 * different currencies and `INVALID_AMOUNT` when the difference leaves the
 * safe-integer range.
 *
 * @example
 * ```ts
 * subtract(money(1000, 'RUB'), money(250, 'RUB')) // { amount: 750, currency: 'RUB' }
 * ```
 */
export function subtract(a: Money, b: Money): Money {
  return combine(a, b, 'subtract()', (x, y) => x - y)
}

/**
 * The same amount with the opposite sign; a refund of a payment.
 *
 * @example
 * ```ts
 * negate(money(500, 'RUB')) // { amount: -500, currency: 'RUB' }
 * ```
 */
export function negate(m: Money): Money {
  assertMoney(m, 'negate()')
  return { amount: normalizeZero(-m.amount), currency: m.currency }
}

/**
 * Multiplies an amount by a whole quantity (a line total from a unit price).
 * For fractions use {@link percentOf} or {@link divideRounded}.
 *
 * Throws `VALIDATION` when `quantity` is not a safe integer and
 * `INVALID_AMOUNT` when the product leaves the safe-integer range.
 *
 * @example
 * ```ts
 * multiply(money(14990, 'RUB'), 3) // { amount: 44970, currency: 'RUB' }
 * ```
 */
export function multiply(m: Money, quantity: number): Money {
  assertMoney(m, 'multiply()')
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity)) {
    throw new OrdoError(
      'VALIDATION',
      `multiply(): quantity must be a safe integer, got ${describe(quantity)}; for fractional factors use percentOf() or divideRounded()`,
      { details: { quantity } },
    )
  }
  const product = m.amount * quantity
  // A product of integers whose exact value is a safe integer is computed
  // exactly, and one whose exact value is not rounds to a non-safe number.
  if (!Number.isSafeInteger(product)) throw overflow('multiply()', { amount: m.amount, quantity, currency: m.currency })
  return { amount: normalizeZero(product), currency: m.currency }
}

/**
 * Adds up a list of amounts, all in `currency`; an empty list gives zero.
 * Throws `CURRENCY_MISMATCH` when an item is in another currency and
 * `INVALID_AMOUNT` when the running total leaves the safe-integer range.
 *
 * @example
 * ```ts
 * sum([money(100, 'RUB'), money(250, 'RUB')], 'RUB') // { amount: 350, currency: 'RUB' }
 * sum([], 'RUB') // { amount: 0, currency: 'RUB' }
 * ```
 */
export function sum(list: readonly Money[], currency: CurrencyCode): Money {
  let total = zero(currency)
  for (const item of list) total = combine(total, item, 'sum()', (x, y) => x + y)
  return total
}

/**
 * True when the amount is zero.
 *
 * @example
 * ```ts
 * isZero(zero('RUB')) // true
 * ```
 */
export function isZero(m: Money): boolean {
  assertMoney(m, 'isZero()')
  return m.amount === 0
}

/**
 * True when the amount is below zero (a refund, a discount line).
 *
 * @example
 * ```ts
 * isNegative(money(-1, 'RUB')) // true
 * ```
 */
export function isNegative(m: Money): boolean {
  assertMoney(m, 'isNegative()')
  return m.amount < 0
}

/**
 * Orders two amounts of the same currency: `-1` when `a < b`, `0` when equal,
 * `1` when `a > b`; usable as an `Array.prototype.sort` comparator. Throws
 * `CURRENCY_MISMATCH` for different currencies: 100 RUB and 1 USD have no
 * order without an exchange rate.
 *
 * @example
 * ```ts
 * prices.sort(compare)
 * compare(money(1, 'RUB'), money(2, 'RUB')) // -1
 * ```
 */
export function compare(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b, 'compare()')
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0
}

/**
 * True when two amounts of the same currency are equal. Like {@link compare}
 * it throws `CURRENCY_MISMATCH` for different currencies rather than answering
 * `false`, because comparing across currencies is almost always a bug.
 *
 * @example
 * ```ts
 * equals(fromMajor('10', 'RUB'), money(1000, 'RUB')) // true
 * ```
 */
export function equals(a: Money, b: Money): boolean {
  return compare(a, b) === 0
}

/**
 * The smallest of one or more amounts of the same currency (the first one on
 * ties). Throws `CURRENCY_MISMATCH` when currencies differ.
 *
 * @example
 * ```ts
 * min(money(500, 'RUB'), money(300, 'RUB')) // { amount: 300, currency: 'RUB' }
 * ```
 */
export function min(first: Money, ...rest: readonly Money[]): Money {
  let result = first
  assertMoney(first, 'min()')
  for (const item of rest) if (compare(item, result) < 0) result = item
  return result
}

/**
 * The largest of one or more amounts of the same currency (the first one on
 * ties). Throws `CURRENCY_MISMATCH` when currencies differ.
 *
 * @example
 * ```ts
 * max(money(500, 'RUB'), money(300, 'RUB')) // { amount: 500, currency: 'RUB' }
 * ```
 */
export function max(first: Money, ...rest: readonly Money[]): Money {
  let result = first
  assertMoney(first, 'max()')
  for (const item of rest) if (compare(item, result) > 0) result = item
  return result
}

/**
 * `percent`% of an amount, rounded to a whole minor unit with `mode`; see
 * {@link percentage} for the accepted `percent` values and errors.
 *
 * @example
 * ```ts
 * percentOf(money(1999, 'RUB'), '12.5', ROUNDING_MODES.HALF_UP) // { amount: 250, currency: 'RUB' }
 * ```
 */
export function percentOf(m: Money, percent: number | string, mode: RoundingMode): Money {
  assertMoney(m, 'percentOf()')
  return { amount: percentage(m.amount, percent, mode), currency: m.currency }
}

/**
 * Throws unless `m` is a well-formed {@link Money}: values read from a
 * database or JSON are not checked by the type system.
 *
 * @internal
 */
export function assertMoney(m: Money, where: string): void {
  if (typeof m !== 'object' || m === null) {
    throw new OrdoError('INVALID_AMOUNT', `${where}: expected a Money object { amount, currency }, got ${describe(m)}`, {
      details: { value: m },
    })
  }
  assertCurrencyCode(m.currency, where)
  assertSafeAmount(m.amount, where, 'amount')
}

function assertSameCurrency(a: Money, b: Money, where: string): void {
  assertMoney(a, where)
  assertMoney(b, where)
  if (a.currency !== b.currency) {
    throw new OrdoError(
      'CURRENCY_MISMATCH',
      `${where}: cannot combine ${a.currency} with ${b.currency}; convert one amount to the other's currency first`,
      { details: { left: a.currency, right: b.currency } },
    )
  }
}

/** Applies `op` (addition or subtraction) to two amounts of one currency, checking operands and result. */
function combine(a: Money, b: Money, where: string, op: (x: number, y: number) => number): Money {
  assertSameCurrency(a, b, where)
  const result = op(a.amount, b.amount)
  // Adding or subtracting two safe integers is exact whenever the exact
  // result is safe, and rounds to a non-safe number whenever it is not.
  if (!Number.isSafeInteger(result)) throw overflow(where, { left: a.amount, right: b.amount, currency: a.currency })
  return { amount: normalizeZero(result), currency: a.currency }
}

function overflow(where: string, details: Record<string, unknown>): OrdoError {
  return new OrdoError(
    'INVALID_AMOUNT',
    `${where}: the result is outside the safe-integer range (±${Number.MAX_SAFE_INTEGER} minor units)`,
    { details },
  )
}

function exampleMajor(digits: number): string {
  return digits === 0 ? '1234' : `1234.${'5'.repeat(digits)}`
}
