/**
 * Every error code Ordo throws, with what it means. Codes are stable: match on
 * `error.code`, never on the message.
 *
 * Business outcomes that a caller expects (a declined card, an unavailable
 * courier) are returned as results, not thrown; these codes are for bad input,
 * broken contracts and refused commands.
 */
export const ORDO_ERROR_CODES = {
  /** Input to a public command failed validation; `details.issues` lists each problem with its path. */
  VALIDATION: 'VALIDATION',
  /** `createCommerce` (or an adapter factory) was given a bad configuration; `details.key` names the key. */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** The referenced record does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The record changed since it was read (optimistic version check); reload and retry. */
  CONFLICT: 'CONFLICT',
  /** A record with the same unique key (SKU, handle, slug, code) already exists, or belongs elsewhere; `details` names the key. */
  DUPLICATE: 'DUPLICATE',
  /** The idempotency key was already used for a different request. */
  IDEMPOTENCY_MISMATCH: 'IDEMPOTENCY_MISMATCH',
  /** The state machine has no such transition from the current state; `details` names `from`, `to` and `transition`. */
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  /** A guard refused the transition; `details.reason` carries its reason. */
  TRANSITION_REFUSED: 'TRANSITION_REFUSED',
  /** A machine definition is inconsistent (unknown states, unreachable states, duplicate names). */
  INVALID_MACHINE: 'INVALID_MACHINE',
  /** A plugin's `before` hook vetoed the command; `details.reason` and `details.plugin` say why and who. */
  REJECTED_BY_PLUGIN: 'REJECTED_BY_PLUGIN',
  /** A plugin definition is invalid (duplicate id, unknown hook name, bad migration). */
  INVALID_PLUGIN: 'INVALID_PLUGIN',
  /** Two amounts in different currencies were combined, or a currency is unknown. */
  CURRENCY_MISMATCH: 'CURRENCY_MISMATCH',
  /** An amount is not a safe integer number of minor units, or an operation would overflow. */
  INVALID_AMOUNT: 'INVALID_AMOUNT',
  /** Not enough stock to serve the request; `details.available` carries what is available. */
  OUT_OF_STOCK: 'OUT_OF_STOCK',
  /** The cart was already converted to an order or merged into another cart; it can no longer change. */
  CART_CLOSED: 'CART_CLOSED',
  /** A quantity or a count is above a configured limit; `details.max` says the limit. */
  QUANTITY_LIMIT: 'QUANTITY_LIMIT',
  /** The SKU exists but is archived: it is no longer sold. */
  SKU_ARCHIVED: 'SKU_ARCHIVED',
  /** A coupon was refused; `details.reason` is `unknown`, `expired`, `not_started`, `used_up`, `inactive` or `not_applicable`. */
  COUPON_REJECTED: 'COUPON_REJECTED',
  /** A variant has no price in the requested currency and context; `details.skus` names the SKUs. */
  PRICE_MISSING: 'PRICE_MISSING',
  /** A promotion or coupon reached its usage limit (total, per coupon or per customer) when an order was placed; `details` names which. */
  PROMOTION_LIMIT_REACHED: 'PROMOTION_LIMIT_REACHED',
  /** Prices changed since the customer last saw the cart; `details.changes` lists each line before and after. */
  PRICE_CHANGED: 'PRICE_CHANGED',
  /** The cart lacks something an order needs (`details.missing`: items, contact, delivery, payment). */
  CART_INCOMPLETE: 'CART_INCOMPLETE',
  /** The entity's current state lacks the capability the command needs (an order past packing can no longer change its lines); `details` name the `state` and the `capability`. */
  NOT_ALLOWED_IN_STATE: 'NOT_ALLOWED_IN_STATE',
  /** A payment provider call failed (declined requests, or retryable failures after the last attempt); `details` name the provider, operation, attempts and vendor code. */
  PAYMENT_PROVIDER: 'PAYMENT_PROVIDER',
  /** The payment method is unknown, disabled, or not offered for this order (region, delivery, amount); `details.method` names it. */
  PAYMENT_METHOD_UNAVAILABLE: 'PAYMENT_METHOD_UNAVAILABLE',
  /** A capture above the hold or a refund above captured − refunded; `details.available` says what is left. */
  AMOUNT_EXCEEDS_AVAILABLE: 'AMOUNT_EXCEEDS_AVAILABLE',
  /** The delivery option, pickup point or time slot cannot take this cart (unknown option, a locker too small, a point that refuses cash on delivery, a full slot…); `details.reason` says which. */
  DELIVERY_UNAVAILABLE: 'DELIVERY_UNAVAILABLE',
  /** The customer's active points do not cover what is redeemed (they changed since the cart was priced); `details.available` says what is spendable. */
  LOYALTY_INSUFFICIENT: 'LOYALTY_INSUFFICIENT',
  /** A courier call failed (refused request, or retryable failures after the last attempt); `details` name the carrier, operation and vendor code. */
  COURIER: 'COURIER',
  /** No job handler is registered for a scheduled job's name. */
  UNKNOWN_JOB: 'UNKNOWN_JOB',
  /** The database failed or is misconfigured; `cause` carries the driver error. */
  STORAGE: 'STORAGE',
  /** The engine was used after `close()`. */
  CLOSED: 'CLOSED',
  /** An invariant inside Ordo broke. This is a bug: please report it with `details`. */
  INTERNAL: 'INTERNAL',
} as const

/** A stable error code; see {@link ORDO_ERROR_CODES}. */
export type OrdoErrorCode = (typeof ORDO_ERROR_CODES)[keyof typeof ORDO_ERROR_CODES]

/**
 * The one error class Ordo throws.
 *
 * @example
 * ```ts
 * try {
 *   await shop.jobs.schedule('nope', {})
 * } catch (error) {
 *   if (error instanceof OrdoError && error.code === 'UNKNOWN_JOB') console.warn(error.message)
 * }
 * ```
 */
export class OrdoError extends Error {
  override readonly name = 'OrdoError'
  /** Stable machine-readable code. */
  readonly code: OrdoErrorCode
  /** Structured data about the failure (which key, which state, what is available). */
  readonly details: Readonly<Record<string, unknown>>

  constructor(
    code: OrdoErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = Object.freeze({ ...options.details })
  }

  /** Plain-data form for logs and HTTP problem responses. */
  toJSON(): { name: string; code: OrdoErrorCode; message: string; details: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, details: { ...this.details } }
  }
}

/** True when `error` is an {@link OrdoError}, optionally with the given code. */
export function isOrdoError(error: unknown, code?: OrdoErrorCode): error is OrdoError {
  return error instanceof OrdoError && (code === undefined || error.code === code)
}
