import { createCommerce, defineEventHandler, type AnyDomainEvent, type Commerce, type EventHandler } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import { openTicket, ticketDb, ticketPlugin } from './fixtures/ticket-plugin.js'

describeEachDialect('outbox and relay', ({ database }) => {
  const shops: Commerce[] = []
  afterEach(async () => {
    await Promise.all(shops.splice(0).map((s) => s.close()))
  })

  async function shopWith(handlers: EventHandler<any>[], clock = testClock(), maxAttempts = 3) {
    const db = await database()
    const shop = await createCommerce({
      storage: db.storage,
      currency: 'RUB',
      clock,
      plugins: [ticketPlugin],
      eventHandlers: handlers,
      worker: { maxAttempts, backoffMs: 1000 },
    })
    shops.push(shop)
    return shop
  }

  test('an event committed with its change is delivered once to each handler', async () => {
    const seenA: string[] = []
    const seenB: string[] = []
    const shop = await shopWith([
      { id: 'a', events: ['ticket.opened'], handle: (e) => void seenA.push(e.id) },
      { id: 'b', events: '*', handle: (e) => void seenB.push(e.type) },
    ])
    const event = await shop.run(async (uow) => {
      await openTicket(uow, 't1', 'Broken zip')
      return uow.events[0]!
    })
    expect(await shop.events.relay()).toEqual({ delivered: 2, retried: 0, parked: 0 })
    expect(seenA).toEqual([event.id])
    expect(seenB).toEqual(['ticket.opened'])
    expect(await shop.events.relay()).toEqual({ delivered: 0, retried: 0, parked: 0 })
    const stored = await shop.events.forAggregate('t1')
    expect(stored).toHaveLength(1)
    expect(stored[0]).toMatchObject({ id: event.id, type: 'ticket.opened', data: { ticketId: 't1', title: 'Broken zip' } })
  })

  test('a rolled-back command leaves no event and tells no listener', async () => {
    const heard: AnyDomainEvent[] = []
    const delivered: string[] = []
    const shop = await shopWith([{ id: 'a', events: '*', handle: (e) => void delivered.push(e.id) }])
    shop.events.on('*', (e) => heard.push(e))
    await expect(
      shop.run(async (uow) => {
        await openTicket(uow, 't1', 'x')
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    await shop.events.relay()
    expect(heard).toEqual([])
    expect(delivered).toEqual([])
    expect(await shop.events.forAggregate('t1')).toEqual([])

    await shop.run((uow) => openTicket(uow, 't2', 'y'))
    expect(heard.map((e) => e.type)).toEqual(['ticket.opened'])
  })

  test('a failing handler is retried with backoff, then parked, then replayed', async () => {
    const clock = testClock()
    let fail = true
    const attempts: number[] = []
    const handler = defineEventHandler({
      id: 'flaky',
      events: ['ticket.opened'],
      handle: (_e, { attempt }) => {
        attempts.push(attempt)
        if (fail) throw new Error('downstream is down')
      },
    })
    const shop = await shopWith([handler], clock, 3)
    await shop.run((uow) => openTicket(uow, 't1', 'x'))

    expect(await shop.events.relay()).toEqual({ delivered: 0, retried: 1, parked: 0 })
    // Not due again until the backoff passes.
    expect(await shop.events.relay()).toEqual({ delivered: 0, retried: 0, parked: 0 })
    clock.advance(1000)
    expect(await shop.events.relay()).toEqual({ delivered: 0, retried: 1, parked: 0 })
    clock.advance(1999)
    expect((await shop.events.relay()).retried).toBe(0)
    clock.advance(1)
    expect(await shop.events.relay()).toEqual({ delivered: 0, retried: 0, parked: 1 })
    expect(attempts).toEqual([1, 2, 3])

    const parked = await shop.events.parked()
    expect(parked).toHaveLength(1)
    expect(parked[0]).toMatchObject({ handlerId: 'flaky', attempts: 3, event: { type: 'ticket.opened' } })
    expect(parked[0]!.lastError).toContain('downstream is down')

    fail = false
    await shop.events.replay(parked[0]!.deliveryId)
    expect(await shop.events.relay()).toEqual({ delivered: 1, retried: 0, parked: 0 })
    expect(await shop.events.parked()).toEqual([])
    await expect(shop.events.replay(parked[0]!.deliveryId)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  test("a handler's writes commit with its delivery record, or not at all", async () => {
    const clock = testClock()
    let throwAfterWrite = true
    const shop = await shopWith(
      [
        {
          id: 'writer',
          events: ['ticket.opened'],
          async handle(event, { uow }) {
            if (event.aggregateId?.startsWith('copy-')) return
            await openTicket(uow, `copy-${event.aggregateId}`, 'copy')
            if (throwAfterWrite) throw new Error('after write')
          },
        },
      ],
      clock,
    )
    await shop.run((uow) => openTicket(uow, 't1', 'x'))
    const tickets = () =>
      shop.run(async (uow) => (await ticketDb(uow).selectFrom('test_ticket').select('id').orderBy('id').execute()).map((r) => r.id))
    expect(await shop.events.relay()).toMatchObject({ retried: 1 })
    expect(await tickets()).toEqual(['t1'])
    throwAfterWrite = false
    clock.advance(1000)
    // The copy's own event is delivered too (and ignored by the handler).
    expect(await shop.events.relay()).toMatchObject({ delivered: 2, retried: 0 })
    expect(await tickets()).toEqual(['copy-t1', 't1'])
    // The copy's own ticket.opened event went to the outbox with the handler's transaction.
    expect((await shop.events.forAggregate('copy-t1')).map((e) => e.type)).toEqual(['ticket.opened'])
  })

  test('events reach in-process listeners after commit, with their data', async () => {
    const shop = await shopWith([])
    const titles: string[] = []
    const off = shop.events.on('ticket.opened', (e) => void titles.push(e.data.title))
    await shop.run((uow) => openTicket(uow, 't1', 'first'))
    off()
    await shop.run((uow) => openTicket(uow, 't2', 'second'))
    expect(titles).toEqual(['first'])
  })
})
