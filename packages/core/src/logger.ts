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
  debug(message: string, details?: Record<string, unknown>): void
  info(message: string, details?: Record<string, unknown>): void
  warn(message: string, details?: Record<string, unknown>): void
  error(message: string, details?: Record<string, unknown>): void
}

/** A logger that writes nothing; the default, so an embedded engine stays quiet. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
})
