/**
 * Two worker processes on one database (PostgreSQL, MySQL/MariaDB: the
 * dialects with `FOR UPDATE SKIP LOCKED`; on SQLite one process holds the
 * worker, so these tests are skipped there). Jobs and durable handlers record
 * each run by writing a row (job/event id, pid) through `context.uow`; the log
 * tables have no unique constraint, so a job or delivery run twice would show
 * as a second row.
 *
 * Only this test's jobs, handlers and events are counted: core modules may
 * bring recurring jobs or handlers of their own.
 */
import type { Commerce } from '@ordo/core'
import { describeEachDialect, type TestDatabase, type TestDialect } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import { logDb, openShop, PING_HANDLERS } from './fixtures/shop-config.js'
import { killAll, spawnChild, type Child, type LogEntry } from './fixtures/spawn.js'

/** Long enough that no lease runs out during the test: claiming alone must keep runs apart. */
const LEASE_MS = 30_000
const WORKER_OPTIONS = { leaseMs: LEASE_MS, batchSize: 10, jobWorkMs: 2 }
const JOB_NAMES = ['mp.record', 'mp.emit']

describeEachDialect('multi-process: two workers share the work, each item once', ({ dialect, database }) => {
  const concurrent = dialect === 'postgres' || dialect === 'mysql'
  const shops: Commerce[] = []
  afterEach(async () => {
    await killAll()
    await Promise.all(shops.splice(0).map((s) => s.close()))
  })

  async function setUp(jobName: 'mp.record' | 'mp.emit', count: number) {
    const db = await database()
    const shop = await openShop(db.storage, { leaseMs: LEASE_MS })
    shops.push(shop)
    const jobIds: string[] = []
    for (let n = 0; n < count; n++) jobIds.push(await shop.jobs.schedule(jobName, { n }))
    return { db, shop, jobIds }
  }

  /** Starts two worker processes at the same moment (both opened their shop first). */
  async function startWorkers(db: TestDatabase): Promise<Child[]> {
    const workers = [spawnChild(db.descriptor, 'worker', { childOptions: WORKER_OPTIONS }), spawnChild(db.descriptor, 'worker', { childOptions: WORKER_OPTIONS })]
    await Promise.all(workers.map((w) => w.next('ready')))
    for (const w of workers) w.send('start')
    await Promise.all(workers.map((w) => w.next('started')))
    return workers
  }

  async function stopWorkers(workers: Child[]) {
    for (const w of workers) w.send('stop')
    await Promise.all(workers.map((w) => w.next('stopped')))
    for (const w of workers) expect(await w.exited).toEqual({ code: 0, signal: null })
  }

  /** This test's jobs not yet done. */
  const jobsLeft = (shop: Commerce) =>
    shop.run(async (uow) => {
      const row = await uow.db
        .selectFrom('ordo_job')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('name', 'in', JOB_NAMES)
        .where('status', '!=', 'done')
        .executeTakeFirstOrThrow()
      return Number(row.n)
    })

  /** This test's deliveries: all, and those not yet delivered. */
  const pingDeliveries = (shop: Commerce) =>
    shop.run(async (uow) => {
      const rows = await uow.db
        .selectFrom('ordo_event_delivery')
        .select(['status', 'attempts'])
        .where('handler_id', 'in', [...PING_HANDLERS])
        .execute()
      return { total: rows.length, left: rows.filter((r) => r.status !== 'delivered').length, rows }
    })

  async function waitUntil(what: string, done: () => Promise<boolean>, workers: Child[], timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; worker output:\n${workers.map((w) => w.output()).join('\n')}`)
      for (const w of workers) if (!w.alive()) throw new Error(`worker ${w.pid} died; output:\n${w.output()}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  const tally = <T>(rows: T[], key: (row: T) => string | number) => {
    const counts = new Map<string | number, number>()
    for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1)
    return counts
  }

  /** No warning or error about this test's work, and no failed worker round (claims retry their deadlocks themselves). */
  function expectQuietWorkers(workers: Child[]) {
    const ours = (e: LogEntry) => e.about.startsWith('mp.') || e.message.startsWith('Worker round failed')
    expect(workers.flatMap((w) => w.logged()).filter(ours)).toEqual([])
  }

  async function expectJobsRanOnce(shop: Commerce, jobName: string, jobIds: string[], workers: Child[]) {
    const log = await shop.run((uow) => logDb(uow).selectFrom('mp_job_log').selectAll().execute())
    const perJob = tally(log, (r) => r.job_id)
    expect(log).toHaveLength(jobIds.length)
    expect([...perJob.keys()].sort()).toEqual([...jobIds].sort())
    expect([...perJob.values()].every((n) => n === 1)).toBe(true)
    expect(log.every((r) => r.attempt === 1)).toBe(true)

    expect(await jobsLeft(shop)).toBe(0)
    for (const status of ['scheduled', 'running', 'failed'] as const) expect(await shop.jobs.list({ status, name: jobName })).toEqual([])
    const jobs = await shop.run((uow) => uow.db.selectFrom('ordo_job').select(['id', 'status', 'attempts']).where('name', '=', jobName).execute())
    expect(jobs.map((j) => j.id).sort()).toEqual([...jobIds].sort())
    expect(jobs.every((j) => j.status === 'done' && Number(j.attempts) === 1)).toBe(true)

    // Both processes did some of the work, and nobody else did any.
    const perPid = tally(log, (r) => r.pid)
    for (const w of workers) expect(perPid.get(w.pid) ?? 0, `jobs run by worker ${w.pid}`).toBeGreaterThan(0)
    expect([...perPid.keys()].sort()).toEqual(workers.map((w) => w.pid).sort())
    return perPid
  }

  test.skipIf(!concurrent)(
    'two worker processes run 300 jobs: every job exactly once, all done, both did work',
    async () => {
      const { db, shop, jobIds } = await setUp('mp.record', 300)
      const workers = await startWorkers(db)
      const started = Date.now()
      await waitUntil('every job is done', async () => (await jobsLeft(shop)) === 0, workers)
      const elapsed = Date.now() - started
      await stopWorkers(workers)

      const perPid = await expectJobsRanOnce(shop, 'mp.record', jobIds, workers)
      expectQuietWorkers(workers)
      console.log(`[${dialect}] 300 jobs in ${elapsed} ms by two workers: ${[...perPid].map(([pid, n]) => `${pid}=${n}`).join(', ')}`)
    },
    30_000,
  )

  test.skipIf(!concurrent)(
    'two worker processes run 200 jobs that emit events, and both relay the outbox: every job and every delivery exactly once',
    async () => {
      const JOBS = 200
      const { db, shop, jobIds } = await setUp('mp.emit', JOBS)
      const workers = await startWorkers(db)
      const started = Date.now()
      await waitUntil(
        'every job is done and every event delivered',
        async () => {
          if ((await jobsLeft(shop)) > 0) return false
          const { total, left } = await pingDeliveries(shop)
          return total === JOBS * PING_HANDLERS.length && left === 0
        },
        workers,
      )
      const elapsed = Date.now() - started
      await stopWorkers(workers)

      const jobsPerPid = await expectJobsRanOnce(shop, 'mp.emit', jobIds, workers)

      // One event per job, committed with it.
      const events = await shop.run((uow) => uow.db.selectFrom('ordo_event').select(['id', 'aggregate_id']).where('type', '=', 'mp.pinged').execute())
      expect(events.map((e) => e.aggregate_id).sort()).toEqual([...jobIds].sort())

      // Every (event, handler) delivered exactly once, on its first attempt.
      const log = await shop.run((uow) => logDb(uow).selectFrom('mp_delivery_log').selectAll().execute())
      expect(log).toHaveLength(JOBS * PING_HANDLERS.length)
      const perDelivery = tally(log, (r) => `${r.event_id}/${r.handler_id}`)
      const expected = events.flatMap((e) => PING_HANDLERS.map((h) => `${e.id}/${h}`)).sort()
      expect([...perDelivery.keys()].sort()).toEqual(expected)
      expect([...perDelivery.values()].every((n) => n === 1)).toBe(true)
      expect(log.every((r) => r.attempt === 1)).toBe(true)
      const { rows: deliveries } = await pingDeliveries(shop)
      expect(deliveries.every((d) => d.status === 'delivered' && Number(d.attempts) === 1)).toBe(true)

      // Both processes relayed.
      const deliveriesPerPid = tally(log, (r) => r.pid)
      for (const w of workers) expect(deliveriesPerPid.get(w.pid) ?? 0, `deliveries by worker ${w.pid}`).toBeGreaterThan(0)
      expect([...deliveriesPerPid.keys()].sort()).toEqual(workers.map((w) => w.pid).sort())

      expectQuietWorkers(workers)
      expect(await shop.events.relay()).toEqual({ delivered: 0, retried: 0, parked: 0 })
      console.log(
        `[${dialect}] ${JOBS} jobs + ${JOBS * PING_HANDLERS.length} deliveries in ${elapsed} ms; jobs ${[...jobsPerPid].map(([p, n]) => `${p}=${n}`).join(', ')}; deliveries ${[...deliveriesPerPid].map(([p, n]) => `${p}=${n}`).join(', ')}`,
      )
    },
    30_000,
  )
})
