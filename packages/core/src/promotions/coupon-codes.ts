import { randomBytes } from 'node:crypto'

/**
 * The characters of generated coupon codes: upper-case letters and digits
 * without the look-alikes 0/O and 1/I, 32 in all, so one random byte masked
 * to five bits picks a character without bias.
 */
export const COUPON_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'

/**
 * `count` new random codes of `length` characters from
 * {@link COUPON_ALPHABET} (cryptographically random), each prefixed with
 * `prefix`, distinct from each other and from every code in `taken`.
 *
 * @internal
 */
export function randomCouponCodes(count: number, length: number, prefix: string, taken: ReadonlySet<string>): string[] {
  const codes = new Set<string>()
  while (codes.size < count) {
    const missing = count - codes.size
    const bytes = randomBytes(missing * length)
    for (let i = 0; i < missing; i++) {
      let code = prefix
      for (let j = 0; j < length; j++) code += COUPON_ALPHABET[bytes[i * length + j]! & 31]
      if (!taken.has(code)) codes.add(code)
    }
  }
  return [...codes]
}
