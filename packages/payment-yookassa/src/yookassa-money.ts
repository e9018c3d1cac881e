import { minorUnits, type CurrencyCode } from '@ordo/core'

/** YooKassa's amount object: a decimal string in major units plus the currency. */
export interface YooKassaAmount {
  value: string
  currency: string
}

/** Minor units → `{ value: "1234.56", currency }`, exact (no floating point). */
export function toYooKassaAmount(minor: number, currency: CurrencyCode): YooKassaAmount {
  const digits = minorUnits(currency)
  const sign = minor < 0 ? '-' : ''
  const text = String(Math.abs(minor))
  if (digits === 0) return { value: `${sign}${text}`, currency }
  const padded = text.padStart(digits + 1, '0')
  return { value: `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`, currency }
}

/** `"1234.56"` → minor units of `currency`; `null` when the value is not a plain decimal with at most the currency's digits. */
export function fromYooKassaValue(value: string, currency: CurrencyCode): number | null {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value)
  if (!match) return null
  const digits = minorUnits(currency)
  const fraction = match[2] ?? ''
  if (fraction.length > digits) return null
  const minor = Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0')
  return Number.isSafeInteger(minor) ? minor : null
}
