/**
 * Crash safety of the outbox across processes: a process is SIGKILLed after
 * committing an event (before any relay) or while a durable handler runs, and
 * a new process finishes the work. Handlers record each delivery by writing a
 * row through `context.uow`; the log table has no unique constraint, so a
 * double delivery (or a killed run's write surviving) would show as a second
 * row.
 *
 * Every process pins its clock (`nowMs`), so lease expiry is exact, not timed.
 */
import type { Commerce, Database, RelayResult } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { Kysely } from 'kysely'
import { afterEach, expect, test } from 'vitest'
import { openTicket } from '../fixtures/ticket-plugin.js'
import { KILL_LEASE_MS, openShop, TICKET_HANDLERS, type DeliveryLogRow } from './fixtures/shop-config.js'
import { killAll, spawnChild } from './fixtures/spawn.js'

const T0 = Date.parse('2026-01-15T09:00:00.000Z')
type Observed = Database & { mp_delivery_log: DeliveryLogRow }
const NOTHING: RelayResult = { delivered: 0, retried: 0, parked: 0 }

describeEachDialect('multi-process: a killed process loses no event and delivers none twice', ({ database }) => {
  const shops: Commerce[] = []
  const observers: Kysely<Observed>[] = []
  afterEach(async () => {
    // Children first: on SQLite a killed child's write lock goes with it.
    await killAll()
    await Promise.all([...shops.splice(0).map((s) => s.close()), ...observers.splice(0).map((o) => o.destroy())])
  })

  /**
   * Creates the database and runs migrations in this process before any child
   * starts. The test reads through `observer`, plain statements outside any
   * transaction: on SQLite a unit of work begins IMMEDIATE and would wait for
   * the write lock a blocked child holds.
   */
  async function setUp() {
    const db = await database()
    const clock = testClock(new Date(T0))
    const shop = await openShop(db.storage, { clock })
    shops.push(shop)
    const observer = new Kysely<Observed>({ dialect: db.storage.createDialect() })
    observers.push(observer)
    return { db, clock, shop, observer }
  }

  const deliveryLog = (observer: Kysely<Observed>) =>
    observer.selectFrom('mp_delivery_log').selectAll().orderBy('handler_id').orderBy('id').execute()

  /** Delivery records of this test's handlers (core modules may bring handlers of their own). */
  const deliveries = (observer: Kysely<Observed>) =>
    observer
      .selectFrom('ordo_event_delivery')
      .select(['event_id', 'handler_id', 'status', 'attempts', 'locked_by', 'locked_until'])
      .where('handler_id', 'in', [...TICKET_HANDLERS])
      .orderBy('handler_id')
      .execute()

  /** Pending deliveries of any handler: what a relay's `delivered` count must be once they are due. */
  const duePending = async (observer: Kysely<Observed>) =>
    Number((await observer.selectFrom('ordo_event_delivery').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow()).n)

  /** Rows per (event id, handler id) in the delivery log. */
  async function deliveryCounts(observer: Kysely<Observed>) {
    const counts: Record<string, number> = {}
    for (const row of await deliveryLog(observer)) {
      const key = `${row.event_id}/${row.handler_id}`
      counts[key] = (counts[key] ?? 0) + 1
    }
    return counts
  }
  const exactlyOnce = (eventId: string) => Object.fromEntries(TICKET_HANDLERS.map((h) => [`${eventId}/${h}`, 1]))

  test(
    'an event committed by a process killed before any relay is delivered exactly once by a new process',
    async () => {
      const { db, clock, shop, observer } = await setUp()

      const committer = spawnChild(db.descriptor, 'commit', { args: ['t1'], childOptions: { nowMs: T0 } })
      const { eventId } = (await committer.next('committed')) as unknown as { eventId: string }
      // Committed, and not relayed by anyone: one pending, unclaimed delivery per handler.
      expect(await deliveries(observer)).toEqual(
        TICKET_HANDLERS.map((h) => ({ event_id: eventId, handler_id: h, status: 'pending', attempts: 0, locked_by: null, locked_until: null })),
      )
      await committer.kill()
      expect(await committer.exited).toEqual({ code: null, signal: 'SIGKILL' })

      // The change and its event survived the kill.
      expect(await shop.events.forAggregate('t1')).toMatchObject([{ id: eventId, type: 'ticket.opened', data: { ticketId: 't1' } }])
      expect(await deliveryLog(observer)).toEqual([])

      const due = await duePending(observer)
      expect(due).toBeGreaterThanOrEqual(TICKET_HANDLERS.length)
      const relayer = spawnChild(db.descriptor, 'relay', { childOptions: { nowMs: T0 } })
      expect((await relayer.next('relayed')).result).toEqual({ delivered: due, retried: 0, parked: 0 })
      expect(await relayer.exited).toEqual({ code: 0, signal: null })
      expect(relayer.logged()).toEqual([])

      expect(await deliveryCounts(observer)).toEqual(exactlyOnce(eventId))
      expect((await deliveryLog(observer)).map((r) => [r.handler_id, r.pid, r.attempt])).toEqual(TICKET_HANDLERS.map((h) => [h, relayer.pid, 1]))

      // Relaying again, from yet another process and from this one, delivers nothing more.
      const again = spawnChild(db.descriptor, 'relay', { childOptions: { nowMs: T0 + 3_600_000 } })
      expect((await again.next('relayed')).result).toEqual(NOTHING)
      expect(await again.exited).toEqual({ code: 0, signal: null })
      clock.advance({ hours: 1 })
      expect(await shop.events.relay()).toEqual(NOTHING)

      expect(await deliveryCounts(observer)).toEqual(exactlyOnce(eventId))
      expect((await deliveries(observer)).map((d) => [d.handler_id, d.status, d.attempts])).toEqual(TICKET_HANDLERS.map((h) => [h, 'delivered', 1]))
    },
    30_000,
  )

  // Deliveries of one event run in a stable order, so blocking in each handler covers both cases:
  // the other handler already delivered by the victim, or still leased to it.
  test.for(TICKET_HANDLERS)(
    "a process killed while handler %s runs: after the lease, a new process delivers it once and the killed run's write is gone",
    { timeout: 30_000 },
    async (blocking) => {
      const { db, clock, shop, observer } = await setUp()
      const eventId = await shop.run(async (uow) => {
        await openTicket(uow, 't1', 'x')
        return uow.events[0]!.id
      })

      const victim = spawnChild(db.descriptor, 'relay', { childOptions: { nowMs: T0, blockIn: blocking } })
      const inHandler = await victim.next('in-handler')
      expect(inHandler).toMatchObject({ handlerId: blocking, eventId })

      // The victim claimed its delivery under a lease; its handler's row is written but not committed.
      const claimed = (await deliveries(observer)).find((d) => d.handler_id === blocking)!
      expect(claimed).toMatchObject({ status: 'pending', attempts: 0, locked_until: T0 + KILL_LEASE_MS })
      expect(claimed.locked_by).toContain(`:${victim.pid}:`)
      expect((await deliveryLog(observer)).filter((r) => r.handler_id === blocking)).toEqual([])

      await victim.kill()
      expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' })

      // Until the lease ends nobody takes the delivery over.
      clock.set(new Date(T0 + KILL_LEASE_MS))
      expect(await shop.events.relay()).toEqual(NOTHING)
      expect((await deliveryLog(observer)).filter((r) => r.handler_id === blocking)).toEqual([])

      // The other handler may or may not have run before the victim blocked: either way it ran at most once.
      const pending = (await deliveries(observer)).filter((d) => d.status === 'pending').length
      expect(pending).toBeGreaterThanOrEqual(1)
      const due = await duePending(observer)

      const rescuer = spawnChild(db.descriptor, 'relay', { childOptions: { nowMs: T0 + KILL_LEASE_MS + 1 } })
      expect((await rescuer.next('relayed')).result).toEqual({ delivered: due, retried: 0, parked: 0 })
      expect((await deliveries(observer)).filter((d) => d.status === 'pending')).toEqual([])
      expect(await rescuer.exited).toEqual({ code: 0, signal: null })
      expect(rescuer.logged()).toEqual([])

      expect(await deliveryCounts(observer)).toEqual(exactlyOnce(eventId))
      // The blocked handler's only row is the rescuer's, on a first attempt: the killed run left nothing.
      expect((await deliveryLog(observer)).filter((r) => r.handler_id === blocking).map((r) => [r.pid, r.attempt])).toEqual([[rescuer.pid, 1]])
      for (const row of await deliveryLog(observer)) expect([victim.pid, rescuer.pid]).toContain(row.pid)

      clock.advance({ hours: 1 })
      expect(await shop.events.relay()).toEqual(NOTHING)
      expect(await deliveryCounts(observer)).toEqual(exactlyOnce(eventId))
      expect((await deliveries(observer)).map((d) => [d.handler_id, d.status])).toEqual(TICKET_HANDLERS.map((h) => [h, 'delivered']))
    },
  )
})
