import type { Clock } from '@ordo/core'

/** A clock the demo can move forward; see {@link demoClock}. */
export interface DemoClock extends Clock {
  /** Moves the clock forward by milliseconds and returns the new time. */
  advance(ms: number): Date
}

/**
 * The wall clock plus an offset the back office can push forward, so the
 * demo can show what happens days later (points becoming active, expiring)
 * without waiting. Only the demo uses it: a shop taking real money runs on
 * the system clock. The offset lives in memory, so a restart goes back to
 * real time; anything scheduled "in the future" then simply waits.
 */
export function demoClock(): DemoClock {
  let offset = 0
  return {
    now: () => new Date(Date.now() + offset),
    advance(ms) {
      offset += ms
      return new Date(Date.now() + offset)
    },
  }
}
