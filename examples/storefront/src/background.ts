import type { Commerce } from '@ordo/core'

/** What {@link settle} did. */
export interface SettleResult {
  /** Events delivered to their handlers. */
  delivered: number
  /** Jobs that completed. */
  completed: number
}

/**
 * What the engine's worker does in the background, now and in one go (the
 * demo clock button and tests use it): delivers the outbox's events and runs
 * the jobs now due, round after round until nothing is left (at most
 * `maxRounds`).
 */
export async function settle(shop: Commerce, maxRounds = 20): Promise<SettleResult> {
  const total: SettleResult = { delivered: 0, completed: 0 }
  for (let round = 0; round < maxRounds; round++) {
    const relayed = await shop.events.relay()
    const ran = await shop.jobs.runDue()
    total.delivered += relayed.delivered
    total.completed += ran.completed
    if (relayed.delivered + relayed.retried + ran.completed + ran.retried + ran.failed === 0) break
  }
  return total
}
