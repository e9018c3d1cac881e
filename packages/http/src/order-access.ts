import { systemClock, type Clock } from '@ordo/core'
import { base64url, constantTimeEqual } from './api-keys.js'

/** Thirty days, the default lifetime of an order access token. */
export const DEFAULT_ORDER_TOKEN_TTL_MS = 30 * 24 * 60 * 60_000

/**
 * What {@link OrderAccess.verify} found: `valid`; `expired` (signed for this
 * order, past its expiry); `legacy` (signed for this order in the earlier
 * form without an expiry, no longer accepted); `invalid` (missing, malformed,
 * or not signed for this order with this secret).
 */
export type OrderTokenStatus = 'valid' | 'expired' | 'legacy' | 'invalid'

/** Options of {@link orderAccess}. */
export interface OrderAccessOptions {
  /** How long a token works after it is issued, in milliseconds. @default 2592000000 (30 days) */
  ttlMs?: number
  /** Where the time is read from (issuing and checking). @default the system clock */
  clock?: Clock
}

/**
 * Signs and checks the access tokens that let a customer see their order
 * without an account. A token is `<expiry>.<signature>`: the expiry in Unix
 * seconds and the HMAC-SHA-256 of the order id and that expiry with the
 * shop's secret. Nothing is stored; rotating the secret invalidates every
 * token. Tokens of the earlier form (a signature of the order id alone, with
 * no expiry) are recognised and refused as `legacy`.
 */
export interface OrderAccess {
  /** A new token for an order, working for the configured lifetime from now. */
  token(orderId: string): Promise<string>
  /** What `token` is for `orderId`; signatures are compared in constant time. */
  verify(orderId: string, token: string | null | undefined): Promise<OrderTokenStatus>
  /** True when `token` was signed for `orderId` with this secret and has not expired. */
  check(orderId: string, token: string | null | undefined): Promise<boolean>
}

const TOKEN = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/
const LEGACY = /^[A-Za-z0-9_-]{43}$/

/**
 * {@link OrderAccess} with a secret of at least 32 characters.
 *
 * @example
 * ```ts
 * const access = orderAccess(process.env.ORDER_TOKEN_SECRET!, { ttlMs: 7 * 86_400_000 })
 * const token = await access.token(order.id)
 * await access.verify(order.id, token) // 'valid'
 * ```
 */
export function orderAccess(secret: string, options: OrderAccessOptions = {}): OrderAccess {
  const ttlMs = options.ttlMs ?? DEFAULT_ORDER_TOKEN_TTL_MS
  const clock = options.clock ?? systemClock
  const key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const sign = async (message: string) => base64url(new Uint8Array(await crypto.subtle.sign('HMAC', await key, new TextEncoder().encode(message))))
  // A different message shape from the legacy `order:<id>`, so that neither form can stand for the other.
  const signature = (orderId: string, expires: string) => sign(`ordo-order-token\n${orderId}\n${expires}`)
  const verify = async (orderId: string, given: string | null | undefined): Promise<OrderTokenStatus> => {
    if (!given) return 'invalid'
    const parts = TOKEN.exec(given)
    if (parts) {
      const [, expires, mac] = parts as unknown as [string, string, string]
      if (!constantTimeEqual(await signature(orderId, expires), mac)) return 'invalid'
      return Number(expires) * 1000 > clock.now().getTime() ? 'valid' : 'expired'
    }
    if (LEGACY.test(given) && constantTimeEqual(await sign(`order:${orderId}`), given)) return 'legacy'
    return 'invalid'
  }
  return {
    async token(orderId) {
      const expires = String(Math.floor((clock.now().getTime() + ttlMs) / 1000))
      return `${expires}.${await signature(orderId, expires)}`
    },
    verify,
    async check(orderId, given) {
      return (await verify(orderId, given)) === 'valid'
    },
  }
}
