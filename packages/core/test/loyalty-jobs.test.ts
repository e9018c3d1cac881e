import { createCommerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { testClock } from '@ordo/testing'
import { expect, test } from 'vitest'

// Every recurring loyalty job runs through the job runner on SQLite's single connection without waiting for itself.
test('loyalty jobs run through the job runner on SQLite', async () => {
  const clock = testClock('2026-03-10T09:00:00Z')
  const shop = await createCommerce({
    storage: sqliteStorage({ filename: ':memory:' }),
    currency: 'RUB',
    clock,
    loyalty: { earnBasisPoints: 500, tiers: [{ code: 'silver', minSpend: 1_000_000, multiplierBasisPoints: 12_000 }] },
  })
  try {
    await shop.loyalty.adjust('customer-1', { points: 10, reason: 'welcome', externalId: 'welcome-1' })
    clock.advance({ days: 2 })
    const names = [...(await shop.jobs.list({ limit: 100 }))].map((j) => j.name).filter((n) => n.startsWith('loyalty.'))
    expect(names).toContain('loyalty.recompute-tiers')
    const result = await shop.jobs.runDue({ names })
    expect(result.completed).toBe(names.length)
    // The job's work starts after its commit; the shop keeps answering meanwhile.
    expect((await shop.loyalty.balance('customer-1')).active).toBe(10)
  } finally {
    await shop.close()
  }
}, 15_000)
