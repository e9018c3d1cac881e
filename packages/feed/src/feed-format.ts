import { minorUnits, type CurrencyCode } from '@ordo/core'

/**
 * An amount of minor units as a decimal in major units with a dot, e.g.
 * `99000` RUB → `990.00`, exact (integer arithmetic, no floats).
 */
export function majorAmount(amount: number, currency: CurrencyCode): string {
  const digits = minorUnits(currency)
  if (digits === 0) return String(amount)
  const sign = amount < 0 ? '-' : ''
  const abs = Math.abs(amount)
  const scale = 10 ** digits
  return `${sign}${Math.floor(abs / scale)}.${String(abs % scale).padStart(digits, '0')}`
}

/** {@link majorAmount} without a zero fraction: `990` rather than `990.00`, `990.5` stays `990.50`. */
export function compactAmount(amount: number, currency: CurrencyCode): string {
  const text = majorAmount(amount, currency)
  return /\.0+$/.test(text) ? text.replace(/\.0+$/, '') : text
}

/** Grams as kilograms with up to three decimals: `180` → `0.18`, `2000` → `2`. */
export function kilograms(grams: number): string {
  return trimDecimal(`${Math.floor(grams / 1000)}.${String(grams % 1000).padStart(3, '0')}`)
}

/** Millimetres as centimetres with up to one decimal: `300` → `30`, `205` → `20.5`. */
export function centimetres(mm: number): string {
  return trimDecimal(`${Math.floor(mm / 10)}.${mm % 10}`)
}

function trimDecimal(text: string): string {
  return text.replace(/\.?0+$/, '') || '0'
}

const FNV_OFFSET = 0xcbf29ce484222325n
const FNV_PRIME = 0x100000001b3n
const MASK_64 = (1n << 64n) - 1n

/**
 * A stable positive integer of at most 16 digits for a category id: the
 * top 52 bits of the 64-bit FNV-1a hash of its UTF-8 bytes, plus one (never
 * 0). Marketplaces that want numeric category ids get the same number for
 * the same category on every run, in any runtime.
 */
export function numericCategoryId(categoryId: string): string {
  let hash = FNV_OFFSET
  for (const byte of new TextEncoder().encode(categoryId)) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64
  return String((hash >> 12n) + 1n)
}

/** Whether a barcode is a GTIN (8, 12, 13 or 14 digits) with a correct GS1 check digit. */
export function isGtin(code: string): boolean {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(code)) return false
  const digits = [...code].map(Number)
  const check = digits.pop()!
  // GS1: from the right (excluding the check digit), weights alternate 3, 1, 3…
  const sum = digits.reverse().reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0)
  return (10 - (sum % 10)) % 10 === check
}
