/**
 * Money as a safe integer count of minor units plus an ISO 4217 currency, with
 * exact parsing, arithmetic, rounding, allocation and VAT.
 *
 * @example
 * ```ts
 * import { add, allocateMoney, formatMoney, fromMajor, money } from '@ordo/core'
 *
 * const total = add(fromMajor('1499.90', 'RUB'), money(30000, 'RUB'))
 * formatMoney(total) // '1 799,90 ₽'
 * allocateMoney(total, [2, 1]) // parts that add up to total exactly
 * ```
 *
 * @module
 */
export { allocate, allocateMoney, lineShare } from './allocate.js'
export { CURRENCIES, isCurrencyCode, minorUnits } from './currency.js'
export type { CurrencyCode } from './currency.js'
export {
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
export type { Money } from './money.js'
export { divideRounded, isRoundingMode, percentage, ROUNDING_MODES } from './rounding.js'
export type { RoundingMode } from './rounding.js'
export {
  calculatedVatRateLabel,
  isVatRate,
  VAT_CALCULATED_RATES,
  VAT_RATES,
  vatFromGross,
  vatOnNet,
  vatPercent,
} from './vat.js'
export type { CalculatedVatRateLabel, VatAmounts, VatRate } from './vat.js'
