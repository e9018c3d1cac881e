import { createCommerce, type Commerce, type JobDefinition } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import { openTicket, ticketDb, ticketPlugin } from './fixtures/ticket-plugin.js'

/** The jobs these tests register: core's own recurring jobs (reservation expiry…) run beside them. */
const OWN = ['mail.remind', 'x.y', 'flaky', 'tickets.open', 'sweep', 'sweep.follow-up', 'bg']

describeEachDialect('jobs', ({ database }) => {
  const shops: Commerce[] = []
  afterEach(async () => {
    await Promise.all(shops.splice(0).map((s) => s.close()))
  })

  async function shopWith(jobs: Record<string, JobDefinition<any>>, clock = testClock()) {
    const db = await database()
    const shop = await createCommerce({
      storage: db.storage,
      currency: 'RUB',
      clock,
      jobs,
      plugins: [ticketPlugin],
      worker: { maxAttempts: 3, backoffMs: 1000 },
    })
    shops.push(shop)
    return shop
  }

  test('a job runs when the clock reaches its time, once', async () => {
    const clock = testClock('2026-03-01T10:00:00Z')
    const ran: string[] = []
    const shop = await shopWith({ 'mail.remind': { run: (p: { to: string }) => void ran.push(p.to) } }, clock)
    const id = await shop.jobs.schedule('mail.remind', { to: 'anna' }, { runAt: new Date('2026-03-01T12:00:00Z') })
    expect(await shop.jobs.runDue({ names: OWN })).toEqual({ completed: 0, retried: 0, failed: 0 })
    clock.advance({ hours: 2 })
    expect(await shop.jobs.runDue({ names: OWN })).toEqual({ completed: 1, retried: 0, failed: 0 })
    expect(await shop.jobs.runDue({ names: OWN })).toEqual({ completed: 0, retried: 0, failed: 0 })
    expect(ran).toEqual(['anna'])
    expect(await shop.jobs.get(id)).toMatchObject({ status: 'done', attempts: 1, payload: { to: 'anna' } })
  })

  test('scheduling under one key keeps one job', async () => {
    const shop = await shopWith({ 'x.y': { run: () => {} } })
    const a = await shop.jobs.schedule('x.y', 1, { key: 'order-1-expiry' })
    const b = await shop.jobs.schedule('x.y', 2, { key: 'order-1-expiry' })
    expect(b).toBe(a)
    expect(await shop.jobs.list({ name: 'x.y' })).toHaveLength(1)
  })

  test('an unknown job name is an error and writes nothing', async () => {
    const shop = await shopWith({})
    await expect(shop.jobs.schedule('nope', {})).rejects.toMatchObject({ code: 'UNKNOWN_JOB' })
    expect(await shop.jobs.list({ name: 'nope' })).toEqual([])
  })

  test('a failing job retries with backoff and fails for good after its attempts', async () => {
    const clock = testClock()
    let calls = 0
    const shop = await shopWith(
      {
        flaky: {
          run: () => {
            calls++
            throw new Error('nope')
          },
        },
      },
      clock,
    )
    const id = await shop.jobs.schedule('flaky', null)
    expect(await shop.jobs.runDue({ names: OWN })).toEqual({ completed: 0, retried: 1, failed: 0 })
    clock.advance(1000)
    expect(await shop.jobs.runDue({ names: OWN })).toEqual({ completed: 0, retried: 1, failed: 0 })
    clock.advance(2000)
    expect(await shop.jobs.runDue({ names: OWN })).toEqual({ completed: 0, retried: 0, failed: 1 })
    clock.advance({ days: 1 })
    expect(await shop.jobs.runDue({ names: OWN })).toEqual({ completed: 0, retried: 0, failed: 0 })
    expect(calls).toBe(3)
    expect(await shop.jobs.get(id)).toMatchObject({ status: 'failed', attempts: 3, lastError: 'Error: nope' })
  })

  test("a job's writes roll back when it fails, and its events commit when it succeeds", async () => {
    const clock = testClock()
    let fail = true
    const shop = await shopWith(
      {
        'tickets.open': {
          async run(p: { id: string }, { uow }) {
            await openTicket(uow, p.id, 'from a job')
            if (fail) throw new Error('later')
          },
        },
      },
      clock,
    )
    await shop.jobs.schedule('tickets.open', { id: 'j1' })
    await shop.jobs.runDue({ names: OWN })
    const ids = () => shop.run(async (uow) => (await ticketDb(uow).selectFrom('test_ticket').select('id').execute()).map((r) => r.id))
    expect(await ids()).toEqual([])
    fail = false
    clock.advance(1000)
    await shop.jobs.runDue({ names: OWN })
    expect(await ids()).toEqual(['j1'])
    expect((await shop.events.forAggregate('j1')).map((e) => e.type)).toEqual(['ticket.opened'])
  })

  test('a recurring job runs every interval, and jobs it schedules for now run in the same call', async () => {
    const clock = testClock('2026-03-01T00:00:00Z')
    const runs: string[] = []
    const shop = await shopWith(
      {
        'sweep': { every: 60_000, run: async (_p, { uow }) => void runs.push(`sweep@${uow.now.toISOString()}`) },
        'sweep.follow-up': { run: () => void runs.push('follow-up') },
      },
      clock,
    )
    expect((await shop.jobs.runDue({ names: OWN })).completed).toBe(1)
    clock.advance(30_000)
    expect((await shop.jobs.runDue({ names: OWN })).completed).toBe(0)
    clock.advance(30_000)
    await shop.jobs.schedule('sweep.follow-up', null)
    expect((await shop.jobs.runDue({ names: OWN })).completed).toBe(2)
    expect(runs).toEqual(['sweep@2026-03-01T00:00:00.000Z', 'sweep@2026-03-01T00:01:00.000Z', 'follow-up'])
    const [sweep] = await shop.jobs.list({ name: 'sweep' })
    expect(sweep).toMatchObject({ status: 'scheduled', runAt: new Date('2026-03-01T00:02:00Z') })
  })

  test('the worker runs due jobs in the background and stops cleanly', async () => {
    const ran: number[] = []
    const shop = await shopWith({ bg: { run: (n: number) => void ran.push(n) } }, testClock())
    shop.worker.start({ pollIntervalMs: 5 })
    await shop.jobs.schedule('bg', 1)
    await shop.jobs.schedule('bg', 2)
    for (let i = 0; i < 200 && ran.length < 2; i++) await new Promise((r) => setTimeout(r, 10))
    await shop.worker.stop()
    expect(ran.sort()).toEqual([1, 2])
    expect(shop.worker.running).toBe(false)
  })
})
