import { definePlugin, type AvailableTransition, type Commerce, type CommerceConfig, type OrderGuardContext } from '@ordo/core'
import { describeEachDialect, interceptStatements } from '@ordo/testing'
import fc from 'fast-check'
import { afterEach, expect, test } from 'vitest'
import { failure, placeOrder } from './fixtures/order-fixture.js'
import { seededShop } from './fixtures/shop-fixture.js'

const BIG_ORDER = 200_000
const PREPAY_FIRST = 'orders from 2 000 ₽ are picked once paid'

/** A plugin guard: big orders are not picked before they are paid. */
const prepayBigOrders = definePlugin({
  id: 'prepay-big-orders',
  extendMachines: {
    order: {
      guards: {
        start_picking: [
          {
            id: 'prepay_big_orders',
            check: ({ context, from }: { context: OrderGuardContext; from: string }) =>
              from === 'confirmed' && context.order.totals.total >= BIG_ORDER ? PREPAY_FIRST : undefined,
          },
        ],
      },
    },
  },
})

/** Statements per `<verb> <table>` (`select ordo_order`); MariaDB quotes names with backticks. */
function breakdown(log: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const sql of log) {
    const [, verb, table] = /^(\w+)\b.*?\b(?:from|into|update)\s+["`]?(\w+)/is.exec(sql.trim()) ?? [, sql.trim().split(/\s/)[0], '']
    const key = `${verb!.toLowerCase()} ${table}`.trim()
    out[key] = (out[key] ?? 0) + 1
  }
  return out
}

/** A storage that keeps the SQL of every statement while `log.on`. */
function loggingStorage(storage: CommerceConfig['storage']) {
  const log = { on: false, sql: [] as string[] }
  return {
    log,
    storage: interceptStatements(storage, (query, next) => {
      if (log.on) log.sql.push(query.sql)
      return next(query)
    }),
  }
}

describeEachDialect('orders: allowed transitions, one order or many', ({ database }) => {
  const shops: Commerce[] = []
  afterEach(async () => {
    await Promise.all(shops.splice(0).map((s) => s.close()))
  })
  async function setup(storage?: CommerceConfig['storage'], config: Partial<CommerceConfig> = {}) {
    const fixture = await seededShop(storage ?? (await database()).storage, { config: { plugins: [prepayBigOrders], ...config } })
    shops.push(fixture.shop)
    return fixture
  }

  /** Orders in different statuses: waiting, confirmed small, confirmed big (the plugin refuses picking), picking, cancelled. */
  async function boardOfOrders(shop: Commerce) {
    const waiting = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    const small = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 2 }])
    await shop.orders.confirm(small.id, { actor: 'manager:7', channel: 'call' })
    const big = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 7 }])
    await shop.orders.confirm(big.id, { actor: 'manager:7', channel: 'call' })
    const picking = await placeOrder(shop, [{ sku: 'TEE-M', quantity: 1 }])
    await shop.orders.confirm(picking.id, { actor: 'manager:7', channel: 'call' })
    await shop.orders.transition(picking.id, 'start_picking', { actor: 'manager:7' })
    const cancelled = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    await shop.orders.cancel(cancelled.id, { actor: 'manager:7', reason: 'no_answer' })
    return { waiting, small, big, picking, cancelled }
  }

  const buttons = (list: AvailableTransition[] | undefined) => list?.map((t) => [t.name, t.allowed, t.reason ?? null])

  test('the batch answers each order as the single form does, plugin guard refusals included', async () => {
    const { shop } = await setup()
    const orders = await boardOfOrders(shop)
    const ids = [orders.picking.id, orders.waiting.id, orders.big.id, orders.cancelled.id, orders.small.id]
    const many = await shop.orders.allowedTransitionsMany(ids)
    expect([...many.keys()]).toEqual(ids)
    for (const id of ids) expect(many.get(id)).toEqual(await shop.orders.allowedTransitions(id))

    expect(buttons(many.get(orders.waiting.id))).toEqual([
      ['confirm', true, null],
      ['cancel', true, null],
    ])
    expect(buttons(many.get(orders.small.id))).toEqual([
      ['request_payment', true, null],
      ['start_picking', true, null],
      ['cancel', true, null],
    ])
    expect(buttons(many.get(orders.big.id))).toEqual([
      ['request_payment', true, null],
      ['start_picking', false, PREPAY_FIRST],
      ['cancel', true, null],
    ])
    expect(buttons(many.get(orders.picking.id))).toEqual([
      ['pack', true, null],
      ['cancel', true, null],
    ])
    expect(many.get(orders.cancelled.id)).toEqual([])
    // The veto the buttons show is the one taking the transition meets.
    const refused = await failure(shop.orders.transition(orders.big.id, 'start_picking', { actor: 'manager:7' }))
    expect(refused).toMatchObject({ code: 'TRANSITION_REFUSED', details: { guard: 'prepay_big_orders', reason: PREPAY_FIRST } })
  })

  test('any choice of ids, repeated or reordered, gives each order its single-form answer once, in first-seen order', async () => {
    const { shop } = await setup()
    const orders = Object.values(await boardOfOrders(shop))
    const single = new Map<string, AvailableTransition[]>()
    for (const order of orders) single.set(order.id, await shop.orders.allowedTransitions(order.id))
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(orders.length - 1), { maxLength: 12 }), async (picks) => {
        const ids = picks.map((i) => orders[i]!.id)
        const many = await shop.orders.allowedTransitionsMany(ids)
        expect([...many.keys()]).toEqual([...new Set(ids)])
        for (const [id, list] of many) expect(list).toEqual(single.get(id))
      }),
      { numRuns: 25 },
    )
  })

  test('unknown ids are refused with NOT_FOUND naming them; bad input with VALIDATION', async () => {
    const { shop } = await setup()
    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    const one = await failure(shop.orders.allowedTransitions('no-such-order'))
    expect(one).toMatchObject({ code: 'NOT_FOUND', message: 'No order "no-such-order".', details: { orderId: 'no-such-order' } })
    const some = await failure(shop.orders.allowedTransitionsMany([order.id, 'ghost-1', order.id, 'ghost-2']))
    expect(some).toMatchObject({ code: 'NOT_FOUND', details: { orderId: 'ghost-1', orderIds: ['ghost-1', 'ghost-2'] } })
    expect(some.message).toContain('"ghost-1", "ghost-2"')
    expect(await shop.orders.allowedTransitionsMany([])).toEqual(new Map())
    for (const bad of [order.id, [''], [order.id, 42], Array.from({ length: 501 }, (_, i) => `id-${i}`), undefined] as unknown[]) {
      expect((await failure(shop.orders.allowedTransitionsMany(bad as string[]))).code).toBe('VALIDATION')
    }
  })

  test('the batch reads the orders and their lines in one statement each, however many orders', async () => {
    const { storage, log } = loggingStorage((await database()).storage)
    const { shop } = await setup(storage)
    const first = await boardOfOrders(shop)
    const few = [first.waiting.id, first.big.id]
    log.on = true
    await shop.orders.allowedTransitionsMany(few)
    const forFew = breakdown(log.sql)
    expect(forFew).toEqual({ 'select ordo_order': 1, 'select ordo_order_line': 1 })

    const more = [...Object.values(first), ...Object.values(await boardOfOrders(shop)), ...Object.values(await boardOfOrders(shop))].map((o) => o.id)
    expect(more).toHaveLength(15)
    log.sql = []
    const many = await shop.orders.allowedTransitionsMany(more)
    expect(many.size).toBe(15)
    expect(breakdown(log.sql)).toEqual(forFew)

    log.sql = []
    await shop.orders.allowedTransitions(first.small.id)
    expect(breakdown(log.sql)).toEqual(forFew)
  })
})
