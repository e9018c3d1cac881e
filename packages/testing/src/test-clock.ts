import type { Clock } from '@ordo/core'
import { add, type Duration } from 'date-fns'

/** A clock that stands still until a test moves it. */
export interface TestClock extends Clock {
  /** Jumps to an instant. */
  set(instant: Date | string): void
  /** Moves forward by milliseconds or a date-fns duration (`{ days: 14 }`), calendar-aware. */
  advance(by: number | Duration): Date
}

/**
 * A controllable clock for tests: pass it to `createCommerce({ clock })` and
 * move time to trigger expiry, activation and scheduled jobs.
 *
 * @default start `2026-01-15T09:00:00.000Z`
 * @example
 * ```ts
 * const clock = testClock('2026-03-01T10:00:00Z')
 * const shop = await createCommerce({ storage, currency: 'RUB', clock })
 * clock.advance({ days: 14 })
 * await shop.jobs.runDue()
 * ```
 */
export function testClock(start: Date | string = '2026-01-15T09:00:00.000Z'): TestClock {
  let current = new Date(start)
  if (Number.isNaN(current.getTime())) throw new TypeError(`testClock: "${String(start)}" is not a valid date`)
  return {
    now: () => new Date(current),
    set(instant) {
      const next = new Date(instant)
      if (Number.isNaN(next.getTime())) throw new TypeError(`testClock.set: "${String(instant)}" is not a valid date`)
      current = next
    },
    advance(by) {
      current = typeof by === 'number' ? new Date(current.getTime() + by) : add(current, by)
      return new Date(current)
    },
  }
}
