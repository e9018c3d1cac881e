import { OrdoError } from '../errors.js'
import { assertSafeAmount, describe, normalizeZero, toSafeAmount } from './internal.js'
import { divideRoundedBigInt, ROUNDING_MODES } from './rounding.js'

/**
 * The VAT (НДС) rates a product or delivery line can carry, as stored on
 * catalog items and order lines and sent to fiscal receipts.
 *
 * - `NONE` — not subject to VAT («без НДС»), e.g. a seller on the simplified tax system.
 * - `VAT0` — 0% (exports, some international transport).
 * - `VAT10` — 10% (children's goods, some foods, books).
 * - `VAT20` — 20%, the general Russian rate until the end of 2025.
 * - `VAT22` — 22%, the general Russian rate from 2026.
 *
 * @example
 * ```ts
 * const line = { price: 120000, vatRate: VAT_RATES.VAT20 }
 * ```
 */
export const VAT_RATES = {
  NONE: 'none',
  VAT0: 'vat0',
  VAT10: 'vat10',
  VAT20: 'vat20',
  VAT22: 'vat22',
} as const

/** A VAT rate; see {@link VAT_RATES}. */
export type VatRate = (typeof VAT_RATES)[keyof typeof VAT_RATES]

const VAT_PERCENTS = {
  none: null,
  vat0: 0,
  vat10: 10,
  vat20: 20,
  vat22: 22,
} as const satisfies Record<VatRate, number | null>

/**
 * The "calculated" form of each positive rate, printed on a fiscal receipt
 * when the VAT is included in the price (advances, prepayments, gift cards):
 * the tax is `rate / (100 + rate)` of the amount paid. `none` and `vat0` have
 * no calculated form.
 *
 * @example
 * ```ts
 * VAT_CALCULATED_RATES.vat20 // '20/120'
 * ```
 */
export const VAT_CALCULATED_RATES = {
  vat10: '10/110',
  vat20: '20/120',
  vat22: '22/122',
} as const satisfies Partial<Record<VatRate, string>>

/** A calculated VAT rate label such as `'20/120'`; see {@link VAT_CALCULATED_RATES}. */
export type CalculatedVatRateLabel = (typeof VAT_CALCULATED_RATES)[keyof typeof VAT_CALCULATED_RATES]

/**
 * The three amounts of a VAT calculation, in minor units: `net + vat === gross`
 * always.
 */
export interface VatAmounts {
  /** The amount without VAT. */
  readonly net: number
  /** The VAT itself; 0 for `none` and `vat0`. */
  readonly vat: number
  /** The amount including VAT. */
  readonly gross: number
}

/** True when `value` is one of the {@link VAT_RATES} values, e.g. `'vat20'`. */
export function isVatRate(value: unknown): value is VatRate {
  return typeof value === 'string' && Object.hasOwn(VAT_PERCENTS, value)
}

/**
 * The rate as a percentage: `null` for `none` (no VAT at all), otherwise
 * 0, 10, 20 or 22. Throws `VALIDATION` for an unknown rate.
 *
 * @example
 * ```ts
 * vatPercent(VAT_RATES.VAT20) // 20
 * vatPercent(VAT_RATES.NONE) // null
 * ```
 */
export function vatPercent(rate: VatRate): number | null {
  assertVatRate(rate, 'vatPercent()')
  return VAT_PERCENTS[rate]
}

/**
 * Extracts the VAT contained in a VAT-inclusive amount (shop prices in Russia
 * include VAT): `vat = round(gross × p / (100 + p))`, rounded half-up to the
 * minor unit, and `net = gross − vat`, so `net + vat === gross` always.
 * `none` and `vat0` give `vat: 0`. Negative amounts (refunds) are handled
 * symmetrically.
 *
 * Throws `INVALID_AMOUNT` when `grossAmount` is not a safe integer and
 * `VALIDATION` for an unknown rate.
 *
 * @example
 * ```ts
 * vatFromGross(12000, VAT_RATES.VAT20) // { net: 10000, vat: 2000, gross: 12000 }
 * vatFromGross(100, VAT_RATES.VAT22) // { net: 82, vat: 18, gross: 100 }  (18.03 rounded)
 * ```
 */
export function vatFromGross(grossAmount: number, rate: VatRate): VatAmounts {
  assertSafeAmount(grossAmount, 'vatFromGross()', 'grossAmount')
  const percent = vatPercent(rate) ?? 0
  const gross = normalizeZero(grossAmount)
  // |vat| <= |gross|, so both results stay safe integers.
  const vat = Number(divideRoundedBigInt(BigInt(gross) * BigInt(percent), BigInt(100 + percent), ROUNDING_MODES.HALF_UP))
  return { net: gross - vat, vat, gross }
}

/**
 * Adds VAT to a VAT-exclusive amount (B2B price lists, marketplace fees):
 * `vat = round(net × p / 100)`, rounded half-up to the minor unit, and
 * `gross = net + vat`. `none` and `vat0` give `vat: 0`.
 *
 * Throws `INVALID_AMOUNT` when `netAmount` is not a safe integer or the gross
 * would leave the safe-integer range, and `VALIDATION` for an unknown rate.
 *
 * @example
 * ```ts
 * vatOnNet(10000, VAT_RATES.VAT20) // { net: 10000, vat: 2000, gross: 12000 }
 * vatOnNet(333, VAT_RATES.VAT22) // { net: 333, vat: 73, gross: 406 }  (73.26 rounded)
 * ```
 */
export function vatOnNet(netAmount: number, rate: VatRate): VatAmounts {
  assertSafeAmount(netAmount, 'vatOnNet()', 'netAmount')
  const percent = vatPercent(rate) ?? 0
  const net = normalizeZero(netAmount)
  const vat = divideRoundedBigInt(BigInt(net) * BigInt(percent), 100n, ROUNDING_MODES.HALF_UP)
  const gross = toSafeAmount(BigInt(net) + vat, 'vatOnNet()', { netAmount, rate })
  return { net, vat: Number(vat), gross }
}

/**
 * The calculated-rate label for a fiscal receipt (`'20/120'` for `vat20`), or
 * `null` for `none` and `vat0`, which have no calculated form. Throws
 * `VALIDATION` for an unknown rate.
 *
 * @example
 * ```ts
 * calculatedVatRateLabel(VAT_RATES.VAT22) // '22/122'
 * calculatedVatRateLabel(VAT_RATES.NONE) // null
 * ```
 */
export function calculatedVatRateLabel(rate: VatRate): CalculatedVatRateLabel | null {
  assertVatRate(rate, 'calculatedVatRateLabel()')
  return rate === 'none' || rate === 'vat0' ? null : VAT_CALCULATED_RATES[rate]
}

function assertVatRate(rate: unknown, where: string): asserts rate is VatRate {
  if (!isVatRate(rate)) {
    throw new OrdoError(
      'VALIDATION',
      `${where}: unknown VAT rate ${describe(rate)}; use one of VAT_RATES (${Object.values(VAT_RATES).join(', ')})`,
      { details: { rate } },
    )
  }
}
