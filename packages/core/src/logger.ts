/**
 * Where Ordo writes what it does in the background (relay failures, parked
 * events, retried jobs). Structurally compatible with `console`, pino and most
 * loggers.
 *
 * @example
 * ```ts
 * const shop = await createCommerce({ storage, currency: 'RUB', logger: pino() })
 * ```
 */
export interface Logger {
  /** Detail useful only when tracing the engine's background work. */
  debug(message: string, details?: Record<string, unknown>): void
  /** Something normal happened that an operator may want to see. */
  info(message: string, details?: Record<string, unknown>): void
  /** Something failed and will be retried (e.g. an event delivery or a job run). */
  warn(message: string, details?: Record<string, unknown>): void
  /** Something failed for good and needs a person (e.g. a delivery parked after its last attempt). */
  error(message: string, details?: Record<string, unknown>): void
}

/** A logger that writes nothing; the default, so an embedded engine stays quiet. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
})
