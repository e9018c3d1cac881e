/**
 * What every adapter error carries: whether the engine may try again
 * (network, timeout, 5xx, 429, the vendor's "try again"), the HTTP status and
 * the vendor's own error code. `PaymentProviderError`, `CourierError` and
 * `SmsGatewayError` are its kinds.
 */
export abstract class AdapterError extends Error {
  readonly retryable: boolean
  /** The HTTP status, when there was a response. */
  readonly status: number | null
  /** The vendor's error code (`invalid_request`, `v2_entity_not_found`, SMS.ru `207`). */
  readonly vendorCode: string | null

  constructor(message: string, options: { retryable: boolean; status?: number | null; vendorCode?: string | null; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.retryable = options.retryable
    this.status = options.status ?? null
    this.vendorCode = options.vendorCode ?? null
  }
}
