import { base64url, constantTimeEqual } from './api-keys.js'

/**
 * Signs and checks the access tokens that let a customer see their order
 * without an account: HMAC-SHA-256 of the order id with the shop's secret.
 * Nothing is stored; rotating the secret invalidates every token.
 */
export interface OrderAccess {
  /** The token for an order. */
  token(orderId: string): Promise<string>
  /** True when `token` was signed for `orderId` with this secret. */
  check(orderId: string, token: string | null | undefined): Promise<boolean>
}

/** {@link OrderAccess} with a secret of at least 32 characters. */
export function orderAccess(secret: string): OrderAccess {
  const key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const token = async (orderId: string) => base64url(new Uint8Array(await crypto.subtle.sign('HMAC', await key, new TextEncoder().encode(`order:${orderId}`))))
  return {
    token,
    async check(orderId, given) {
      if (!given) return false
      return constantTimeEqual(await token(orderId), given)
    },
  }
}
