import { createCommerce, type Commerce } from '@ordo/core'
import { describeEachDialect, storageFromDescriptor, testClock, type TestClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { moveInteractions } from '../src/crm/interactions.js'
import { CRM_SHOP_CONFIG, order, seedCatalog } from './fixtures/crm-fixture.js'
import { failure } from './fixtures/order-fixture.js'

const MINUTE = 60_000

describeEachDialect('crm interactions', ({ database }) => {
  let shop: Commerce
  let clock: TestClock

  beforeAll(async () => {
    clock = testClock('2026-04-01T09:00:00Z')
    shop = await createCommerce({ ...CRM_SHOP_CONFIG, storage: (await database()).storage, clock })
    await seedCatalog(shop)
  })
  afterAll(() => shop?.close())

  async function counts() {
    return shop.run(async (uow) => {
      const n = async (table: 'ordo_crm_call' | 'ordo_crm_note' | 'ordo_crm_task') =>
        Number((await uow.db.selectFrom(table).select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow()).n)
      return { calls: await n('ordo_crm_call'), notes: await n('ordo_crm_note'), tasks: await n('ordo_crm_task') }
    })
  }

  test('calls, notes and tasks are logged with their events, listed in the timeline and filtered as tasks', async () => {
    const anna = (await shop.customers.create({ name: 'Анна', phones: ['+79160000001'] })).id
    const placed = await order(shop, anna, ['CUP'])
    const startedAt = new Date(clock.now().getTime() - 5 * MINUTE)
    const call = await shop.crm.logCall({
      customerId: anna,
      orderId: placed.id,
      direction: 'in',
      managerId: 'boris',
      startedAt,
      durationSeconds: 95,
      outcome: 'answered',
      recordingUrl: 'https://pbx.example.ru/rec/1.mp3',
      note: 'asks about the colour',
    })
    expect(call).toMatchObject({ customerId: anna, orderId: placed.id, direction: 'in', managerId: 'boris', startedAt, durationSeconds: 95, outcome: 'answered', source: 'crm' })
    clock.advance(MINUTE)
    const note = await shop.crm.addNote({ customerId: anna, body: 'Prefers evening calls', author: 'manager:boris' })
    clock.advance(MINUTE)
    const dueAt = new Date(clock.now().getTime() + 60 * MINUTE)
    const task = await shop.crm.createTask({ customerId: anna, title: 'Call back about the colour', dueAt, assignee: 'boris', orderId: placed.id })
    const later = await shop.crm.createTask({ customerId: anna, title: 'Ask for a review', dueAt: new Date(dueAt.getTime() + 24 * 60 * MINUTE), assignee: 'vera' })
    expect(task).toMatchObject({ assignee: 'boris', dueAt, doneAt: null, orderId: placed.id })

    const events = (await shop.events.forAggregate(anna)).filter((e) => e.type.startsWith('crm.'))
    expect(events.map((e) => e.type)).toEqual(['crm.call_logged', 'crm.note_added', 'crm.task_created', 'crm.task_created'])
    expect(events[0]!.data).toEqual({ callId: call.id, customerId: anna, orderId: placed.id, managerId: 'boris', direction: 'in', outcome: 'answered', source: 'crm' })
    expect(events[2]!.data).toMatchObject({ taskId: task.id, assignee: 'boris', dueAt: dueAt.toISOString() })

    expect((await shop.crm.tasks({ assignee: 'boris', open: true })).map((t) => t.id)).toEqual([task.id])
    expect((await shop.crm.tasks({ customerId: anna })).map((t) => t.id)).toEqual([task.id, later.id])
    expect(await shop.crm.tasks({ customerId: anna, dueBefore: dueAt })).toEqual([])
    expect((await shop.crm.tasks({ customerId: anna, dueBefore: new Date(dueAt.getTime() + 1) })).map((t) => t.id)).toEqual([task.id])

    clock.advance(30 * MINUTE)
    const done = await shop.crm.completeTask(task.id, { actor: 'manager:boris' })
    expect(done).toMatchObject({ doneAt: clock.now(), doneBy: 'manager:boris' })
    expect((await shop.events.forAggregate(anna)).filter((e) => e.type === 'crm.task_completed').map((e) => e.data)).toEqual([
      { taskId: task.id, customerId: anna, orderId: placed.id, assignee: 'boris', doneBy: 'manager:boris', doneAt: clock.now().toISOString() },
    ])
    expect(await failure(shop.crm.completeTask(task.id, { actor: 'manager:vera' }))).toMatchObject({ code: 'NOT_ALLOWED_IN_STATE' })
    expect(await shop.crm.tasks({ customerId: anna, open: true })).toMatchObject([{ id: later.id }])
    expect(await shop.crm.tasks({ customerId: anna, open: false })).toMatchObject([{ id: task.id, doneBy: 'manager:boris' }])

    // Newest first: the two tasks (same instant, later-created first), the note, the call at its start.
    const timeline = await shop.crm.interactions(anna)
    expect(timeline.map((i) => [i.kind, i.id])).toEqual([
      ['task', later.id],
      ['task', task.id],
      ['note', note.id],
      ['call', call.id],
    ])
    expect(timeline.map((i) => i.at.getTime())).toEqual([...timeline.map((i) => i.at.getTime())].sort((a, b) => b - a))
    expect((await shop.crm.interactions(anna, { before: note.createdAt, limit: 5 })).map((i) => i.id)).toEqual([call.id])
    expect((await shop.crm.interactions(anna, { limit: 2 })).map((i) => i.id)).toEqual([later.id, task.id])
  })

  test("an order's confirmation calls show in the customer's CRM log once, as source 'order'", async () => {
    const vera = (await shop.customers.create({ name: 'Вера', phones: ['+79160000002'] })).id
    const placed = await order(shop, vera, ['LAMP'])
    await shop.orders.logCall(placed.id, { manager: 'boris', outcome: 'no_answer' })
    await shop.orders.logCall(placed.id, { manager: 'boris', outcome: 'confirmed' })
    await shop.events.relay()
    await shop.events.relay()
    const calls = (await shop.crm.interactions(vera)).filter((i) => i.kind === 'call')
    expect(calls.map((i) => (i.kind === 'call' ? [i.call.source, i.call.orderId, i.call.managerId, i.call.outcome] : null))).toEqual([
      ['order', placed.id, 'boris', 'confirmed'],
      ['order', placed.id, 'boris', 'no_answer'],
    ])
    // The CRM's own call about the order does not touch the order's confirmation log.
    await shop.crm.logCall({ customerId: vera, orderId: placed.id, direction: 'out', managerId: 'boris', startedAt: clock.now(), outcome: 'confirmed' })
    expect((await shop.orders.view(placed.id)).calls).toHaveLength(2)
  })

  test('bad input is refused with OrdoError and nothing is written', async () => {
    const gleb = (await shop.customers.create({ name: 'Глеб', phones: ['+79160000003'] })).id
    const other = (await shop.customers.create({ name: 'Дина', phones: ['+79160000004'] })).id
    const theirs = await order(shop, other, ['CUP'])
    const before = await counts()
    const base = { customerId: gleb, direction: 'out' as const, managerId: 'boris', startedAt: clock.now(), outcome: 'answered' }
    expect(await failure(shop.crm.logCall({ ...base, direction: 'sideways' as never }))).toMatchObject({ code: 'VALIDATION' })
    expect(await failure(shop.crm.logCall({ ...base, durationSeconds: -1 }))).toMatchObject({ code: 'VALIDATION' })
    expect(await failure(shop.crm.logCall({ ...base, recordingUrl: 'ftp://pbx/1.mp3' }))).toMatchObject({ code: 'VALIDATION' })
    expect(await failure(shop.crm.logCall({ ...base, startedAt: new Date('nope') }))).toMatchObject({ code: 'VALIDATION' })
    expect(await failure(shop.crm.logCall({ ...base, customerId: 'no-such-customer' }))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await failure(shop.crm.logCall({ ...base, orderId: theirs.id }))).toMatchObject({ code: 'VALIDATION', details: { issues: [{ path: 'orderId' }] } })
    expect(await failure(shop.crm.logCall({ ...base, orderId: 'no-such-order' }))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await failure(shop.crm.addNote({ customerId: gleb, body: '   ' }))).toMatchObject({ code: 'VALIDATION' })
    expect(await failure(shop.crm.addNote({ customerId: gleb, body: 'x', extra: 1 } as never))).toMatchObject({ code: 'VALIDATION' })
    expect(await failure(shop.crm.createTask({ customerId: gleb, title: 'Call', dueAt: 'tomorrow' as never }))).toMatchObject({ code: 'VALIDATION' })
    expect(await failure(shop.crm.createTask({ customerId: gleb, title: '', dueAt: clock.now() }))).toMatchObject({ code: 'VALIDATION' })
    expect(await failure(shop.crm.completeTask('no-such-task', { actor: 'manager:1' }))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await failure(shop.crm.tasks({ open: 'yes' } as never))).toMatchObject({ code: 'VALIDATION' })
    expect(await counts()).toEqual(before)
    expect((await shop.events.forAggregate(gleb)).filter((e) => e.type.startsWith('crm.'))).toEqual([])
  })

  test('moveInteractions moves every call, note and task to the surviving customer', async () => {
    const from = (await shop.customers.create({ name: 'Дубль', phones: ['+79160000005'] })).id
    const to = (await shop.customers.create({ name: 'Оригинал', phones: ['+79160000006'] })).id
    await shop.crm.logCall({ customerId: from, direction: 'in', managerId: 'boris', startedAt: clock.now(), outcome: 'answered' })
    await shop.crm.addNote({ customerId: from, body: 'one' })
    await shop.crm.addNote({ customerId: from, body: 'two' })
    await shop.crm.createTask({ customerId: from, title: 'Call back', dueAt: clock.now() })
    await shop.crm.addNote({ customerId: to, body: 'already here' })
    const moved = await shop.run((uow) => moveInteractions(uow, from, to))
    expect(moved).toEqual({ calls: 1, notes: 2, tasks: 1 })
    expect(await shop.crm.interactions(from)).toEqual([])
    expect((await shop.crm.interactions(to)).map((i) => i.kind).sort()).toEqual(['call', 'note', 'note', 'note', 'task'])
  })
})

describeEachDialect('crm manager assignment', ({ database, dialect }) => {
  test('round robin is fair across two shops (processes) on one database; inactive managers get none', async () => {
    const db = await database()
    const clock = testClock('2026-04-01T09:00:00Z')
    const crm = { managers: [{ id: 'anna', name: 'Анна' }, { id: 'boris', name: 'Борис' }, { id: 'vera', name: 'Вера', active: false }, { id: 'gleb', name: 'Глеб' }] }
    // Small relay batches, so that both processes take deliveries of the same round.
    const worker = { batchSize: 2 }
    const a = await createCommerce({ ...CRM_SHOP_CONFIG, storage: db.storage, clock, crm, worker })
    const b = await createCommerce({ ...CRM_SHOP_CONFIG, storage: await storageFromDescriptor(db.descriptor), clock, crm, worker })
    try {
      await seedCatalog(a)
      const orders = []
      for (let i = 0; i < 12; i++) {
        orders.push(await order(i % 2 === 0 ? a : b, null, ['CUP'], `+7916100${String(i).padStart(4, '0')}`))
        if (i % 3 !== 2) continue
        // Both processes relay at once: each order.placed is handled once, by either. Two SQLite connections in one
        // process would block its event loop on each other's write lock, so there they take turns.
        if (dialect === 'sqlite') for (const shop of i % 2 === 0 ? [a, b] : [b, a]) await shop.events.relay()
        else await Promise.all([a.events.relay(), b.events.relay()])
      }
      await a.events.relay()
      const assigned = await Promise.all(orders.map(async (o) => (await a.orders.get(o.id))!.managerId))
      const perManager = new Map<string, number>()
      for (const m of assigned) perManager.set(String(m), (perManager.get(String(m)) ?? 0) + 1)
      expect(Object.fromEntries(perManager)).toEqual({ anna: 4, boris: 4, gleb: 4 })
      const event = (await a.events.forAggregate(orders[0]!.id)).find((e) => e.type === 'order.manager_assigned')
      expect(event?.data).toEqual({ orderId: orders[0]!.id, managerId: assigned[0], previousManagerId: null, actor: 'system' })
      // A manager assigned by hand is kept: a second delivery changes nothing.
      await a.orders.assignManager(orders[1]!.id, { managerId: 'vera', actor: 'manager:1' })
      await a.events.relay()
      expect((await a.orders.get(orders[1]!.id))!.managerId).toBe('vera')
    } finally {
      await a.close()
      await b.close()
    }
  }, 120_000)

  test('a bad crm config is refused with INVALID_CONFIG naming its key', async () => {
    const storage = (await database()).storage
    const duplicate = await failure(createCommerce({ ...CRM_SHOP_CONFIG, storage, crm: { managers: [{ id: 'anna', name: 'A' }, { id: 'anna', name: 'B' }] } }))
    expect(duplicate).toMatchObject({ code: 'INVALID_CONFIG', details: { key: 'crm.managers' } })
    const strategy = await failure(createCommerce({ ...CRM_SHOP_CONFIG, storage, crm: { assignment: 'random' as never } }))
    expect(strategy).toMatchObject({ code: 'INVALID_CONFIG', details: { key: 'crm.assignment' } })
  })

  test("customer_manager_then_round_robin gives the customer's active manager their orders, the rest in turn", async () => {
    const clock = testClock('2026-04-01T09:00:00Z')
    const shop = await createCommerce({
      ...CRM_SHOP_CONFIG,
      storage: (await database()).storage,
      clock,
      crm: { managers: [{ id: 'anna', name: 'Анна' }, { id: 'boris', name: 'Борис' }, { id: 'old', name: 'Ушёл', active: false }], assignment: 'customer_manager_then_round_robin' },
    })
    try {
      await seedCatalog(shop)
      const loyal = (await shop.customers.create({ name: 'Постоянный', phones: ['+79162000001'], managerId: 'boris' })).id
      const orphan = (await shop.customers.create({ name: 'Без менеджера', phones: ['+79162000002'], managerId: 'old' })).id
      const placed = [await order(shop, loyal, ['CUP']), await order(shop, orphan, ['CUP']), await order(shop, loyal, ['CUP']), await order(shop, orphan, ['CUP'])]
      // A guest order by the loyal customer's phone (another format) is attached before it is assigned, whichever handler runs first.
      placed.push(await order(shop, null, ['CUP'], '8 (916) 200-00-01'))
      await shop.events.relay()
      await shop.events.relay()
      const managers = await Promise.all(placed.map(async (o) => (await shop.orders.get(o.id))!.managerId))
      expect(managers).toEqual(['boris', 'anna', 'boris', 'boris', 'boris'])
      expect((await shop.orders.get(placed[4]!.id))!.customerId).toBe(loyal)
    } finally {
      await shop.close()
    }
  })
})
