import { OrdoError } from '../errors.js'
import { describe } from './internal.js'

/**
 * The ISO 4217 currencies Ordo knows, keyed by code: how many minor units
 * (decimal places) each has and the symbol shops usually print.
 *
 * Minor units follow ISO 4217 (JPY has none, KWD has three), so an amount of
 * `12345` means 123.45 RUB but 12 345 JPY.
 *
 * @example
 * ```ts
 * CURRENCIES.RUB.minorUnits // 2
 * CURRENCIES.KZT.symbol // '₸'
 * ```
 */
export const CURRENCIES = {
  RUB: { code: 'RUB', minorUnits: 2, symbol: '₽' },
  USD: { code: 'USD', minorUnits: 2, symbol: '$' },
  EUR: { code: 'EUR', minorUnits: 2, symbol: '€' },
  GBP: { code: 'GBP', minorUnits: 2, symbol: '£' },
  KZT: { code: 'KZT', minorUnits: 2, symbol: '₸' },
  BYN: { code: 'BYN', minorUnits: 2, symbol: 'Br' },
  UZS: { code: 'UZS', minorUnits: 2, symbol: 'сўм' },
  KGS: { code: 'KGS', minorUnits: 2, symbol: 'сом' },
  TJS: { code: 'TJS', minorUnits: 2, symbol: 'SM' },
  AZN: { code: 'AZN', minorUnits: 2, symbol: '₼' },
  AMD: { code: 'AMD', minorUnits: 2, symbol: '֏' },
  GEL: { code: 'GEL', minorUnits: 2, symbol: '₾' },
  CNY: { code: 'CNY', minorUnits: 2, symbol: '¥' },
  TRY: { code: 'TRY', minorUnits: 2, symbol: '₺' },
  JPY: { code: 'JPY', minorUnits: 0, symbol: '¥' },
  KWD: { code: 'KWD', minorUnits: 3, symbol: 'KD' },
} as const

/** An ISO 4217 code Ordo knows; see {@link CURRENCIES}. */
export type CurrencyCode = keyof typeof CURRENCIES

/**
 * True when `value` is a currency code listed in {@link CURRENCIES}. Codes are
 * case-sensitive: `'rub'` is not a currency.
 *
 * @example
 * ```ts
 * const code: unknown = row.currency
 * if (!isCurrencyCode(code)) throw new Error(`unknown currency ${String(code)}`)
 * ```
 */
export function isCurrencyCode(value: unknown): value is CurrencyCode {
  return typeof value === 'string' && Object.hasOwn(CURRENCIES, value)
}

/**
 * Throws `CURRENCY_MISMATCH` unless `value` is a known currency code. Used by
 * the money functions to check input that may come from untyped sources.
 *
 * @internal
 */
export function assertCurrencyCode(value: unknown, where: string): asserts value is CurrencyCode {
  if (!isCurrencyCode(value)) {
    throw new OrdoError(
      'CURRENCY_MISMATCH',
      `${where}: unknown currency ${describe(value)}; expected an upper-case ISO 4217 code from CURRENCIES (${Object.keys(CURRENCIES).join(', ')})`,
      { details: { currency: value } },
    )
  }
}

/**
 * How many decimal places the currency's minor unit has: 2 for RUB (kopecks),
 * 0 for JPY, 3 for KWD. Throws `CURRENCY_MISMATCH` for an unknown code.
 *
 * @example
 * ```ts
 * minorUnits('RUB') // 2
 * minorUnits('JPY') // 0
 * ```
 */
export function minorUnits(currency: CurrencyCode): number {
  assertCurrencyCode(currency, 'minorUnits()')
  return CURRENCIES[currency].minorUnits
}
