/**
 * Helpers shared by the money files. Not part of the public API: the money
 * `index.ts` does not re-export them.
 *
 * @internal
 * @module
 */
import { OrdoError } from '../errors.js'

/** The result of {@link parseDecimal}. @internal */
export type ParsedDecimal = { ok: true; value: bigint } | { ok: false; reason: string }

/**
 * Parses a plain decimal (`'-1234.56'`, `1234.56`) into an integer scaled by
 * `10 ** decimals`, exactly. Numbers are read through `String(n)`, the
 * shortest text that round-trips, so `1234.56` is read as written. Trailing
 * zeros past `decimals` are accepted (`'1.500'` with 2 decimals) because they
 * lose nothing; any other extra digit is refused rather than rounded.
 *
 * @internal
 */
export function parseDecimal(input: string | number, decimals: number): ParsedDecimal {
  let text: string
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, reason: 'is not a finite number' }
    text = String(input)
  } else if (typeof input === 'string') {
    text = input
  } else {
    return { ok: false, reason: 'is neither a number nor a string' }
  }
  const match = /^([+-]?)([0-9]+)(?:\.([0-9]+))?$/.exec(text)
  if (match === null) {
    return { ok: false, reason: 'is not a plain decimal like 1234.56 (no exponent, spaces, commas or currency signs)' }
  }
  const [, sign = '', whole = '', fraction = ''] = match
  const significant = fraction.replace(/0+$/, '')
  if (significant.length > decimals) {
    return { ok: false, reason: `has ${significant.length} decimal places, more than the ${decimals} allowed` }
  }
  const scaled = BigInt(whole + significant.padEnd(decimals, '0'))
  return { ok: true, value: sign === '-' ? -scaled : scaled }
}

/** Throws `INVALID_AMOUNT` unless `value` is a safe integer. @internal */
export function assertSafeAmount(value: unknown, where: string, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new OrdoError(
      'INVALID_AMOUNT',
      `${where}: ${name} must be a safe integer number of minor units (e.g. kopecks), got ${describe(value)}`,
      { details: { [name]: value } },
    )
  }
}

/** Converts an exact result to a number, throwing `INVALID_AMOUNT` when it leaves the safe-integer range. @internal */
export function toSafeAmount(value: bigint, where: string, details: Record<string, unknown>): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new OrdoError(
      'INVALID_AMOUNT',
      `${where}: the result ${value} minor units is outside the safe-integer range (±${Number.MAX_SAFE_INTEGER})`,
      { details: { ...details, result: value.toString() } },
    )
  }
  return Number(value)
}

/** Turns `-0` into `0`, so results compare equal with `Object.is` and deep equality. @internal */
export function normalizeZero(value: number): number {
  return value === 0 ? 0 : value
}

/** A short, safe description of an arbitrary value for error messages. @internal */
export function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value)
  } catch {
    // Objects without a prototype or with a throwing toString still deserve a message.
    return typeof value
  }
}

