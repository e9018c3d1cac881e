import { DEFAULT_ORDER_MACHINE, definePlugin, type Commerce, type CommerceConfig, type MachineDefinition, type OrderGuardContext } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import { available, failure, placeOrder } from './fixtures/order-fixture.js'
import { seededShop } from './fixtures/shop-fixture.js'

/** The same capabilities as the default machine under other names. */
const renamedMachine: MachineDefinition<OrderGuardContext> = {
  id: 'order',
  initial: 'fresh',
  groups: ['new', 'approval', 'assembling', 'delivery', 'complete', 'cancel'],
  states: {
    fresh: { group: 'new', capabilities: ['edit_lines', 'edit_address', 'edit_delivery', 'cancellable', 'expires'] },
    to_call: { group: 'approval', capabilities: ['edit_lines', 'edit_address', 'edit_delivery', 'cancellable', 'confirmable', 'expires'] },
    agreed: { group: 'approval', capabilities: ['edit_lines', 'edit_address', 'cancellable'] },
    boxed: { group: 'assembling', capabilities: ['cancellable'] },
    gone: { group: 'delivery', capabilities: [] },
    happy: { group: 'complete', final: true },
    dead: { group: 'cancel', final: true },
  },
  transitions: {
    queue: { from: ['fresh'], to: 'to_call', meta: { auto: true } },
    confirm: { from: { capability: 'confirmable' }, to: 'agreed' },
    box: { from: ['agreed'], to: 'boxed' },
    send: { from: ['boxed'], to: 'gone' },
    finish: { from: ['gone'], to: 'happy' },
    cancel: { from: { capability: 'cancellable' }, to: 'dead', requiresReason: true, effects: DEFAULT_ORDER_MACHINE.transitions.cancel!.effects! },
  },
}

describeEachDialect('orders: status machine and lifecycle', ({ database }) => {
  const shops: Commerce[] = []
  afterEach(async () => {
    await Promise.all(shops.splice(0).map((s) => s.close()))
  })
  async function setup(config: Partial<CommerceConfig> = {}) {
    const db = await database()
    const fixture = await seededShop(db.storage, { config })
    shops.push(fixture.shop)
    return fixture
  }

  test('a placed order waits for confirmation; confirming records who and how, with its event', async () => {
    const { shop, variantIds } = await setup()
    const order = await placeOrder(shop, [{ sku: 'TEE-M', quantity: 2 }, { sku: 'SOCKS', quantity: 1 }])
    expect(order).toMatchObject({ status: 'awaiting_confirmation', group: 'approval', version: 1, totals: { total: 230_000 }, paymentMethod: 'pay_later' })
    expect(order.lines.map((l) => [l.lineNo, l.sku, l.quantity, l.total])).toEqual([
      [1, 'TEE-M', 2, 200_000],
      [2, 'SOCKS', 1, 30_000],
    ])
    expect(await available(shop, variantIds['TEE-M']!)).toBe(3)
    expect((await shop.orders.get(order.number))?.id).toBe(order.id)

    const confirmed = await shop.orders.confirm(order.id, { actor: 'manager:7', channel: 'call', note: 'called, all fine' })
    expect(confirmed).toMatchObject({ status: 'confirmed', version: 2 })
    const view = await shop.orders.view(order.id)
    expect(view.history.map((h) => [h.transition, h.from, h.to, h.actor, h.reason])).toEqual([
      ['submit', 'new', 'awaiting_confirmation', 'system', null],
      ['confirm', 'awaiting_confirmation', 'confirmed', 'manager:7', 'call'],
    ])
    expect(view.history[1]!.note).toBe('called, all fine')
    expect(view.reservations.map((r) => r.quantity).sort()).toEqual([1, 2])
    const types = (await shop.events.forAggregate(order.id)).map((e) => e.type)
    expect(types).toEqual(expect.arrayContaining(['order.placed', 'order.status_changed', 'order.confirmed']))
    const buttons = await shop.orders.allowedTransitions(order.id)
    expect(buttons.map((b) => b.name)).toEqual(['request_payment', 'start_picking', 'cancel'])
  })

  test('an illegal transition is refused with a clear error and writes nothing', async () => {
    const { shop } = await setup()
    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    const error = await failure(shop.orders.transition(order.id, 'pack', { actor: 'manager:7' }))
    expect(error.code).toBe('INVALID_TRANSITION')
    expect(error.message).toContain('cannot go from "awaiting_confirmation" to "packed"')
    expect(error.details).toMatchObject({ from: 'awaiting_confirmation', to: 'packed', transition: 'pack' })
    const after = await shop.orders.view(order.id)
    expect(after.order.version).toBe(1)
    expect(after.history).toHaveLength(1)
    expect((await failure(shop.orders.transition(order.id, 'teleport', { actor: 'manager:7' }))).code).toBe('INVALID_TRANSITION')
    expect((await failure(shop.orders.transition(order.id, 'confirm', { actor: '' }))).code).toBe('VALIDATION')
  })

  test('cancelling releases stock and promotion uses, records the reason and emits order.cancelled', async () => {
    const { shop, variantIds } = await setup()
    const promo = await shop.promotions.create({ name: 'Ten off', requiresCoupon: true, benefits: [{ type: 'percent_off_lines', percent: 10 }] })
    await shop.promotions.createCoupon({ promotionId: promo.id, code: 'TEN', usageLimit: 1 })
    const order = await placeOrder(shop, [{ sku: 'TEE-L', quantity: 2 }], { coupon: 'TEN' })
    expect(order.totals.discountTotal).toBe(24_000)
    expect(await available(shop, variantIds['TEE-L']!)).toBe(0)
    expect(await shop.promotions.checkCoupon('TEN')).toMatchObject({ ok: false })

    const bad = await failure(shop.orders.cancel(order.id, { actor: 'manager:7', reason: 'weather' }))
    expect(bad.code).toBe('VALIDATION')
    expect(bad.message).toContain('customer_request')
    expect((await shop.orders.get(order.id))?.status).toBe('awaiting_confirmation')

    const cancelled = await shop.orders.cancel(order.id, { actor: 'manager:7', reason: 'bought_elsewhere', note: 'found it cheaper' })
    expect(cancelled).toMatchObject({ status: 'cancelled', group: 'cancel', cancelReason: 'bought_elsewhere', version: 2 })
    expect(await available(shop, variantIds['TEE-L']!)).toBe(2)
    expect(await shop.promotions.checkCoupon('TEN')).toMatchObject({ ok: true })
    const events = await shop.events.forAggregate(order.id)
    expect(events.find((e) => e.type === 'order.cancelled')?.data).toEqual({ orderId: order.id, reason: 'bought_elsewhere', actor: 'manager:7' })
    expect((await failure(shop.orders.cancel(order.id, { actor: 'manager:7', reason: 'other' }))).code).toBe('INVALID_TRANSITION')
  })

  test('a plugin adds a status with a guard; cancelling from it follows its capability', async () => {
    const dropShip = definePlugin({
      id: 'drop-ship',
      extendMachines: {
        order: {
          states: { awaiting_supplier: { group: 'assembling', label: 'Awaiting supplier', capabilities: ['cancellable'] } },
          transitions: {
            order_from_supplier: { from: ['confirmed'], to: 'awaiting_supplier' },
            supplier_delivered: { from: ['awaiting_supplier'], to: 'picking' },
          },
          guards: {
            order_from_supplier: [
              { id: 'has_address', check: ({ context }: { context: OrderGuardContext }) => (context.order.shippingAddress ? undefined : 'the order has no address to ship to') },
            ],
          },
        },
      },
    })
    const { shop, variantIds } = await setup({ plugins: [dropShip] })
    const order = await placeOrder(shop, [{ sku: 'TEE-M', quantity: 1 }])
    await shop.orders.confirm(order.id, { actor: 'manager:7', channel: 'call' })
    const refused = await failure(shop.orders.transition(order.id, 'order_from_supplier', { actor: 'manager:7' }))
    expect(refused).toMatchObject({ code: 'TRANSITION_REFUSED', details: { reason: 'the order has no address to ship to', guard: 'has_address' } })
    await shop.orders.changeAddress(order.id, { actor: 'manager:7', address: { country: 'RU', city: 'Москва', street: 'Тверская', house: '1' } })
    const moved = await shop.orders.transition(order.id, 'order_from_supplier', { actor: 'manager:7' })
    expect(moved).toMatchObject({ status: 'awaiting_supplier', group: 'assembling' })
    const board = await shop.orders.board()
    expect(board.statuses.find((s) => s.status === 'awaiting_supplier')).toMatchObject({ count: 1, group: 'assembling' })
    expect(board.groups.find((g) => g.group === 'assembling')?.count).toBe(1)
    await shop.orders.cancel(order.id, { actor: 'manager:7', reason: 'out_of_stock' })
    expect(await available(shop, variantIds['TEE-M']!)).toBe(5)
  })

  test('a status removed by config is gone from the machine, the board and the buttons', async () => {
    const { shop } = await setup({ orders: { machine: { removeStates: ['ready_for_pickup'] } } })
    expect(shop.machines.get('order')!.states.ready_for_pickup).toBeUndefined()
    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    for (const step of ['confirm', 'start_picking', 'pack']) await shop.orders.transition(order.id, step, { actor: 'manager:7' })
    expect((await shop.orders.allowedTransitions(order.id)).map((b) => b.name)).toEqual(['hand_to_carrier', 'cancel'])
    expect((await failure(shop.orders.transition(order.id, 'ready_for_pickup', { actor: 'manager:7' }))).code).toBe('INVALID_TRANSITION')
    expect((await shop.orders.board()).statuses.map((s) => s.status)).not.toContain('ready_for_pickup')
  })

  test('with every status renamed, editing, cancelling and expiry follow capabilities, not names', async () => {
    const { shop, variantIds, clock } = await setup({ orders: { machine: { replace: renamedMachine }, reservationTtlMinutes: 30 } })
    const order = await placeOrder(shop, [{ sku: 'TEE-M', quantity: 1 }])
    expect(order.status).toBe('to_call')
    const bigger = await shop.orders.changeQuantity(order.id, { lineId: order.lines[0]!.id, quantity: 3, actor: 'manager:7' })
    expect(bigger.totals.total).toBe(300_000)
    expect(await available(shop, variantIds['TEE-M']!)).toBe(2)
    await shop.orders.confirm(order.id, { actor: 'manager:7', channel: 'call' })
    await shop.orders.transition(order.id, 'box', { actor: 'manager:7' })
    const locked = await failure(shop.orders.changeQuantity(order.id, { lineId: order.lines[0]!.id, quantity: 1, actor: 'manager:7' }))
    expect(locked).toMatchObject({ code: 'NOT_ALLOWED_IN_STATE', details: { state: 'boxed', capability: 'edit_lines', allowedIn: ['fresh', 'to_call', 'agreed'] } })
    const cancelled = await shop.orders.cancel(order.id, { actor: 'manager:7', reason: 'out_of_stock' })
    expect(cancelled).toMatchObject({ status: 'dead', cancelReason: 'out_of_stock' })
    expect(await available(shop, variantIds['TEE-M']!)).toBe(5)

    const forgotten = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 4 }])
    clock.advance({ minutes: 31 })
    expect(await shop.orders.expireReservations()).toBe(1)
    expect(await shop.orders.get(forgotten.id)).toMatchObject({ status: 'dead', cancelReason: 'reservation_expired' })
    expect(await available(shop, variantIds.SOCKS!)).toBe(100)
  })

  test('the back office lists orders by status, group, contact, source and number, page by page, and counts them per status', async () => {
    const { shop, clock } = await setup()
    const first = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }], { phone: '8 916 111-22-33', email: 'Boris@Example.RU', source: 'vk' })
    clock.advance({ minutes: 1 })
    const second = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 2 }])
    clock.advance({ minutes: 1 })
    const third = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 3 }])
    await shop.orders.confirm(second.id, { actor: 'manager:7', channel: 'call' })
    await shop.orders.assignManager(third.id, { actor: 'manager:1', managerId: '7' })

    const ids = (page: { items: { id: string }[] }) => page.items.map((o) => o.id)
    expect(ids(await shop.orders.list())).toEqual([third.id, second.id, first.id])
    expect(ids(await shop.orders.list({ status: 'confirmed' }))).toEqual([second.id])
    expect(ids(await shop.orders.list({ group: 'approval' }))).toEqual([third.id, second.id, first.id])
    expect(ids(await shop.orders.list({ phone: '+7 (916) 111-22-33' }))).toEqual([first.id])
    expect(ids(await shop.orders.list({ email: 'boris@example.ru' }))).toEqual([first.id])
    expect(ids(await shop.orders.list({ source: 'vk' }))).toEqual([first.id])
    expect(ids(await shop.orders.list({ managerId: '7' }))).toEqual([third.id])
    expect(ids(await shop.orders.list({ number: second.number }))).toEqual([second.id])
    expect(ids(await shop.orders.list({ from: second.placedAt, to: third.placedAt }))).toEqual([second.id])

    const page1 = await shop.orders.list({ limit: 2 })
    expect(ids(page1)).toEqual([third.id, second.id])
    const page2 = await shop.orders.list({ limit: 2, cursor: page1.nextCursor })
    expect(ids(page2)).toEqual([first.id])
    expect(page2.nextCursor).toBeNull()
    expect((await failure(shop.orders.list({ cursor: 'nonsense' }))).code).toBe('VALIDATION')

    const board = await shop.orders.board()
    expect(board.statuses.find((s) => s.status === 'awaiting_confirmation')?.count).toBe(2)
    expect(board.statuses.find((s) => s.status === 'confirmed')?.count).toBe(1)
    expect(board.groups).toEqual([
      { group: 'new', count: 0 },
      { group: 'approval', count: 3 },
      { group: 'assembling', count: 0 },
      { group: 'delivery', count: 0 },
      { group: 'complete', count: 0 },
      { group: 'cancel', count: 0 },
    ])
    expect(await shop.orders.get('no-such-order')).toBeUndefined()
    expect((await failure(shop.orders.view('no-such-order'))).code).toBe('NOT_FOUND')
  })
})
