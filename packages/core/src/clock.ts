/**
 * Where Ordo reads the time from. Every rule that depends on time (reservation
 * expiry, job run-at, points activation) asks the engine's clock, so tests can
 * move time with the controllable clock from `@ordo/testing`.
 *
 * @example
 * ```ts
 * const clock: Clock = { now: () => new Date('2026-01-01T09:00:00Z') }
 * const shop = await createCommerce({ storage, currency: 'RUB', clock })
 * ```
 */
export interface Clock {
  /** The current instant. */
  now(): Date
}

/** The real wall clock; the default. */
export const systemClock: Clock = Object.freeze({ now: () => new Date() })
