/**
 * Kopecks → CDEK's rubles, a JSON number with at most two decimals
 * (`123457` → `1234.57`). Built from the decimal text, so the number is the
 * one closest to the exact value and prints back as written.
 */
export function toCdekRubles(kopecks: number): number {
  if (!Number.isSafeInteger(kopecks) || kopecks < 0) throw new RangeError(`toCdekRubles: ${kopecks} is not a non-negative integer number of kopecks`)
  return Number(`${Math.trunc(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')}`)
}

/**
 * CDEK's rubles (a JSON number or a decimal string such as `"412.35"`) →
 * kopecks, exactly: the decimal text is read digit by digit, never multiplied
 * as a float; a third decimal rounds half up. `null` when it is not a
 * non-negative decimal.
 */
export function fromCdekRubles(value: number | string): number | null {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? decimalText(value) : '') : value.trim()
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text)
  if (!match) return null
  const fraction = match[2] ?? ''
  let kopecks = Number(match[1]) * 100 + Number(fraction.slice(0, 2).padEnd(2, '0'))
  if (fraction.length > 2 && Number(fraction[2]) >= 5) kopecks += 1
  return Number.isSafeInteger(kopecks) ? kopecks : null
}

/** CDEK's kilograms (`weight_max: 20`, `0.5`) → grams, exactly; `null` when not a non-negative decimal. */
export function gramsFromKilograms(value: number | string): number | null {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? decimalText(value) : '') : value.trim()
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text)
  if (!match) return null
  const fraction = match[2] ?? ''
  let grams = Number(match[1]) * 1000 + Number(fraction.slice(0, 3).padEnd(3, '0'))
  if (fraction.length > 3 && Number(fraction[3]) >= 5) grams += 1
  return Number.isSafeInteger(grams) ? grams : null
}

/** A number's plain decimal text: the shortest round-trip form, without exponent notation. */
function decimalText(value: number): string {
  const text = String(value)
  if (!/e/i.test(text)) return text
  // 1e-7 and 1e21 are far outside any price or weight; keep them unparseable rather than guess.
  return ''
}
