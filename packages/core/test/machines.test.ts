import { createCommerce, definePlugin, type Commerce, type OrdoPlugin } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import { moveTicket, openTicket, ticketDb, ticketPlugin } from './fixtures/ticket-plugin.js'

describeEachDialect('machines, hooks and history', ({ database }) => {
  const shops: Commerce[] = []
  afterEach(async () => {
    await Promise.all(shops.splice(0).map((s) => s.close()))
  })

  async function shopWith(plugins: OrdoPlugin[] = []) {
    const db = await database()
    const shop = await createCommerce({ storage: db.storage, currency: 'RUB', clock: testClock('2026-05-01T08:00:00Z'), plugins: [ticketPlugin, ...plugins] })
    shops.push(shop)
    return shop
  }

  const history = (shop: Commerce, id: string) =>
    shop.run((uow) =>
      uow.db
        .selectFrom('ordo_transition')
        .select(['transition', 'from_state', 'to_state', 'actor', 'reason', 'at'])
        .where('entity_id', '=', id)
        .orderBy('at')
        .orderBy('id')
        .execute(),
    )
  const state = (shop: Commerce, id: string) =>
    shop.run(async (uow) => (await ticketDb(uow).selectFrom('test_ticket').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state)

  test('every transition is recorded with who, when, from, to and why, and emits its event', async () => {
    const shop = await shopWith()
    await shop.run((uow) => openTicket(uow, 't1', 'x', 'anna'))
    await shop.run((uow) => moveTicket(uow, 't1', 'start'))
    await shop.run((uow) => moveTicket(uow, 't1', 'close', { actor: 'manager:7', reason: 'fixed' }))
    expect(await history(shop, 't1')).toEqual([
      { transition: 'start', from_state: 'open', to_state: 'in_progress', actor: 'manager:1', reason: null, at: Date.parse('2026-05-01T08:00:00Z') },
      { transition: 'close', from_state: 'in_progress', to_state: 'closed', actor: 'manager:7', reason: 'fixed', at: Date.parse('2026-05-01T08:00:00Z') },
    ])
    const events = await shop.events.forAggregate('t1')
    expect(events.map((e) => e.type)).toEqual(['ticket.opened', 'state.changed', 'state.changed'])
    expect(events[2]!.data).toMatchObject({ machine: 'ticket', from: 'in_progress', to: 'closed', actor: 'manager:7', reason: 'fixed' })
  })

  test('an illegal transition names from and to, and writes nothing', async () => {
    const shop = await shopWith()
    await shop.run((uow) => openTicket(uow, 't1', 'x', 'anna'))
    await shop.run((uow) => moveTicket(uow, 't1', 'close', { reason: 'dup' }))
    const error = await shop.run((uow) => moveTicket(uow, 't1', 'start')).catch((e) => e)
    expect(error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'closed', to: 'in_progress', transition: 'start' } })
    expect(await history(shop, 't1')).toHaveLength(1)
  })

  test("a guard's refusal carries its reason", async () => {
    const shop = await shopWith()
    await shop.run((uow) => openTicket(uow, 't1', 'x'))
    const error = await shop.run((uow) => moveTicket(uow, 't1', 'start')).catch((e) => e)
    expect(error).toMatchObject({ code: 'TRANSITION_REFUSED', details: { reason: 'nobody is assigned', guard: 'needs_assignee' } })
    expect(await state(shop, 't1')).toBe('open')
  })

  test('a before hook can veto (nothing written) and an after hook sees the result', async () => {
    const seen: string[] = []
    const guardian = definePlugin({
      id: 'guardian',
      hooks: {
        before: { transition: (input) => (input.reason === 'spam' ? { reject: 'spam is never a reason' } : undefined) },
        after: { transition: (input, result) => void seen.push(`${input.machine}:${result.from}->${result.to}`) },
      },
    })
    const shop = await shopWith([guardian])
    await shop.run((uow) => openTicket(uow, 't1', 'x'))
    const error = await shop.run((uow) => moveTicket(uow, 't1', 'close', { reason: 'spam' })).catch((e) => e)
    expect(error).toMatchObject({ code: 'REJECTED_BY_PLUGIN', details: { plugin: 'guardian', reason: 'spam is never a reason' } })
    expect(await state(shop, 't1')).toBe('open')
    expect(await history(shop, 't1')).toEqual([])
    await shop.run((uow) => moveTicket(uow, 't1', 'close', { reason: 'done' }))
    expect(seen).toEqual(['ticket:open->closed'])
  })

  test('a before hook may rewrite the input; hooks run in plugin order', async () => {
    const order: string[] = []
    const first = definePlugin({
      id: 'first',
      hooks: { before: { transition: (input) => (order.push('first'), { input: { ...input, note: 'stamped' } }) } },
    })
    const second = definePlugin({
      id: 'second',
      hooks: { before: { transition: (input) => void order.push(`second saw ${input.note}`) } },
    })
    const shop = await shopWith([first, second])
    await shop.run((uow) => openTicket(uow, 't1', 'x'))
    await shop.run((uow) => moveTicket(uow, 't1', 'close', { reason: 'done' }))
    expect(order).toEqual(['first', 'second saw stamped'])
    const [row] = await shop.run((uow) => uow.db.selectFrom('ordo_transition').select('note').execute())
    expect(row!.note).toBe('stamped')
  })

  test('a throwing after hook aborts the command: nothing is written', async () => {
    const broken = definePlugin({ id: 'broken', hooks: { after: { transition: () => { throw new Error('hook failed') } } } })
    const shop = await shopWith([broken])
    await shop.run((uow) => openTicket(uow, 't1', 'x'))
    await expect(shop.run((uow) => moveTicket(uow, 't1', 'close', { reason: 'done' }))).rejects.toThrow('hook failed')
    expect(await state(shop, 't1')).toBe('open')
    expect(await history(shop, 't1')).toEqual([])
    expect((await shop.events.forAggregate('t1')).map((e) => e.type)).toEqual(['ticket.opened'])
  })

  test('a state added by another plugin works end to end, guards and capabilities included', async () => {
    const review = definePlugin({
      id: 'review',
      extendMachines: {
        ticket: {
          states: { in_review: { capabilities: ['closable'] } },
          transitions: { send_to_review: { from: ['in_progress'], to: 'in_review' } },
          guards: { close: [{ id: 'no_friday', check: ({ event }) => (event.reason === 'friday' ? 'not on Fridays' : undefined) }] },
        },
      },
    })
    const shop = await shopWith([review])
    expect(Object.keys(shop.machines.get('ticket')!.states)).toContain('in_review')
    await shop.run((uow) => openTicket(uow, 't1', 'x', 'anna'))
    await shop.run((uow) => moveTicket(uow, 't1', 'start'))
    await shop.run((uow) => moveTicket(uow, 't1', 'send_to_review'))
    await expect(shop.run((uow) => moveTicket(uow, 't1', 'close', { reason: 'friday' }))).rejects.toMatchObject({
      code: 'TRANSITION_REFUSED',
      details: { guard: 'no_friday' },
    })
    // `close` applies to in_review because the state has the `closable` capability, not because of its name.
    await shop.run((uow) => moveTicket(uow, 't1', 'close', { reason: 'reviewed' }))
    expect((await history(shop, 't1')).map((h) => h.to_state)).toEqual(['in_progress', 'in_review', 'closed'])
  })

  test('a bad machine extension is rejected at start-up', async () => {
    const bad = definePlugin({ id: 'bad', extendMachines: { ticket: { transitions: { teleport: { from: ['open'], to: 'nowhere' } } } } })
    const db = await database()
    await expect(createCommerce({ storage: db.storage, currency: 'RUB', plugins: [ticketPlugin, bad] })).rejects.toMatchObject({
      code: 'INVALID_MACHINE',
    })
  })

  test('migrations apply once; a plugin migration added later applies on the next start', async () => {
    const db = await database()
    const first = await createCommerce({ storage: db.storage, currency: 'RUB', plugins: [ticketPlugin] })
    const before = await first.storage.migrations()
    await first.close()
    const extra = definePlugin({
      id: 'extra',
      migrations: [{ name: '0001_extra', up: async ({ createTable }) => createTable('test_extra').addColumn('id', 'varchar(36)', (c) => c.primaryKey()).execute() }],
    })
    const second = await createCommerce({ storage: db.storage, currency: 'RUB', plugins: [ticketPlugin, extra] })
    shops.push(second)
    expect(before[0]).toBe('core/0001_kernel')
    expect(before[before.length - 1]).toBe('plugin/tickets/0001_ticket')
    expect(await second.storage.migrations()).toEqual([...before, 'plugin/extra/0001_extra'])
    expect(await second.storage.migrate()).toEqual([])
  })
})
