import { randomUUID } from 'node:crypto'
import { createCommerce, type Commerce, type Database, type Order, type RefundPurpose } from '@ordo/core'
import { describeEachDialect, testClock, type TestClock } from '@ordo/testing'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { memoryProvider, webhook, type MemoryProvider } from './payment-fixtures/memory-provider.js'

// Reports tell a refund for goods refused at the door (its money is the order's refused total already) from other
// refunds by the purpose stored with it, whatever idempotency keys the callers chose:
//
//   order  placed (MSK)   lines (price)                delivery  what happened                                              revenue
//   P      2 May 12:00    KETTLE 100 000 + MUG 20 000  30 000    card; MUG refused at the door, outcome with the caller's key  130 000 (refused 20 000)
//   Q      3 May 12:00    KETTLE 100 000               30 000    card; all kept; 10 000 refunded under a key "outcome:…"       120 000 (refunded 10 000)
//   R      4 May 12:00    MUG 20 000 + TOWEL 30 000    30 000    card; all kept; TOWEL returned (purpose `return`)            50 000 (refunded 30 000)
const MAY = { from: '2026-05-01T00:00:00+03:00', to: '2026-06-01T00:00:00+03:00', timeZone: 'Europe/Moscow', groupBy: 'day' } as const
const MSK = (local: string) => new Date(`${local}+03:00`)

describeEachDialect('reports: refund purpose', ({ database }) => {
  let shop: Commerce
  let clock: TestClock
  let provider: MemoryProvider
  const orders: Record<string, Order> = {}
  const payments: Record<string, string> = {}
  const refunds: { orderId: string; amount: number; purpose: RefundPurpose }[] = []
  const outcomeKey = `courier-app:${randomUUID()}`

  async function paidOrder(name: string, at: string, items: [string, number][]): Promise<Order> {
    clock.set(MSK(at))
    const cart = await shop.carts.create({})
    for (const [sku, quantity] of items) await shop.carts.addItem(cart.id, { sku, quantity })
    await shop.carts.setContact(cart.id, { phone: '+79160000077' })
    await shop.carts.setPayment(cart.id, { method: 'card' })
    await shop.carts.setDelivery(cart.id, { optionId: 'own:msk', destination: { city: 'Москва' }, address: { country: 'RU', city: 'Москва', street: 'Тверская', house: '1' }, tryOn: true })
    const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID() })
    await shop.orders.confirm(order.id, { actor: 'manager:m1', channel: 'call' })
    await shop.orders.transition(order.id, 'request_payment', { actor: 'manager:m1' })
    const payment = await shop.payments.start(order.id, { method: 'card', returnUrl: 'https://shop.example/back', idempotencyKey: randomUUID() })
    provider.pay(payment.providerPaymentId!)
    await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}`, payment.providerPaymentId!, 'captured'))
    await shop.orders.transition(order.id, 'start_picking', { actor: 'store' })
    orders[name] = order
    payments[name] = payment.id
    return order
  }

  /** Hands the shipment over and records the outcome: `keep` units of each SKU kept, the rest refused. */
  async function outcome(order: Order, keep: (sku: string) => number, idempotencyKey?: string) {
    const [shipment] = await shop.shipments.forOrder(order.id)
    await shop.shipments.pack(shipment!.id, { actor: 'store' })
    await shop.shipments.transition(shipment!.id, 'hand_over', { actor: 'courier' })
    const kept = order.lines.filter((l) => keep(l.sku) > 0).map((l) => ({ lineId: l.id, quantity: keep(l.sku) }))
    const refused = order.lines.filter((l) => keep(l.sku) < l.quantity).map((l) => ({ lineId: l.id, quantity: l.quantity - keep(l.sku) }))
    const input = { kept, refused, actor: 'courier', ...(idempotencyKey ? { idempotencyKey } : {}) }
    const first = await shop.shipments.recordOutcome(shipment!.id, input)
    return { shipmentId: shipment!.id, input, first }
  }

  const refundOps = () =>
    shop.run(async (uow) => {
      const db = uow.db as unknown as Kysely<Database>
      return db
        .selectFrom('ordo_payment_operation')
        .select(['payment_id', 'kind', 'amount', 'idempotency_key', 'purpose'])
        .orderBy('created_at')
        .orderBy('id')
        .execute()
    })

  beforeAll(async () => {
    clock = testClock('2026-05-01T09:00:00Z')
    provider = memoryProvider()
    shop = await createCommerce({
      storage: (await database()).storage,
      currency: 'RUB',
      clock,
      payments: { providers: [provider], methods: [{ code: 'card', type: 'card_online', provider: 'memory' }], retryBackoffMs: 1 },
      delivery: { ownCourier: { zones: [{ code: 'msk', name: 'Moscow', cities: ['Москва'], price: 30_000, days: { min: 1, max: 2 } }] }, calendar: { timeZone: 'Europe/Moscow' } },
    })
    const warehouse = await shop.inventory.createLocation({ code: 'main', name: 'Main', type: 'warehouse' })
    for (const [sku, amount] of [['KETTLE', 100_000], ['MUG', 20_000], ['TOWEL', 30_000]] as const) {
      await shop.catalog.upsertProduct({ handle: sku.toLowerCase(), name: sku, vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku }] })
      await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku, amount }])
      await shop.inventory.receive({ variantId: (await shop.catalog.getVariantBySku(sku))!.id, locationId: warehouse.id, delta: 50, key: `seed-${sku}` })
    }
    shop.events.on('payment.refunded', (e) => void refunds.push({ orderId: e.data.orderId, amount: e.data.amount, purpose: e.data.purpose }))
  }, 120_000)
  afterAll(() => shop?.close())

  test('a partial-buyout refund under the caller\'s outcome key is refused goods, reported once', async () => {
    const p = await paidOrder('P', '2026-05-02T12:00:00', [['KETTLE', 1], ['MUG', 1]])
    const { shipmentId, input, first } = await outcome(p, (sku) => (sku === 'KETTLE' ? 1 : 0), outcomeKey)
    expect(first).toMatchObject({ refusedAmount: 20_000, refundDue: 20_000 })
    // The same outcome again (a retry with the caller's key) plans nothing more.
    expect(await shop.shipments.recordOutcome(shipmentId, input)).toMatchObject({ refundDue: 0 })
    expect((await shop.payments.forOrder(p.id)).payments).toMatchObject([{ captured: 150_000, refunded: 20_000 }])
    expect(refunds).toEqual([{ orderId: p.id, amount: 20_000, purpose: 'refused_goods' }])
    const ops = (await refundOps()).filter((o) => o.payment_id === payments.P && o.kind === 'refund')
    expect(ops).toMatchObject([{ amount: 20_000, purpose: 'refused_goods' }])
    expect(ops[0]!.idempotency_key).not.toContain(outcomeKey)

    const report = await shop.reports.sales(MAY)
    expect(report.rows.find((r) => r.period === '2026-05-02')).toMatchObject({ orders: 1, revenue: 130_000, refused: 20_000, refunded: 0 })
  })

  test('other refunds are taken off revenue, whatever their key looks like', async () => {
    const q = await paidOrder('Q', '2026-05-03T12:00:00', [['KETTLE', 1]])
    await outcome(q, () => 1)
    await shop.payments.refund(payments.Q!, { amount: 10_000, reason: 'scratched box', idempotencyKey: `outcome:${randomUUID()}` })

    const r = await paidOrder('R', '2026-05-04T12:00:00', [['MUG', 1], ['TOWEL', 1]])
    await outcome(r, () => 1)
    const towel = r.lines.find((l) => l.sku === 'TOWEL')!
    await shop.payments.refund(payments.R!, { lines: [{ lineId: towel.id, quantity: 1 }], reason: 'towel returned', purpose: 'return', idempotencyKey: randomUUID() })

    expect(refunds.slice(1)).toEqual([
      { orderId: q.id, amount: 10_000, purpose: 'other' },
      { orderId: r.id, amount: 30_000, purpose: 'return' },
    ])
    const report = await shop.reports.sales(MAY)
    const day = (d: string) => report.rows.find((row) => row.period === d)
    expect(day('2026-05-03')).toMatchObject({ orders: 1, revenue: 120_000, refused: 0, refunded: 10_000 })
    expect(day('2026-05-04')).toMatchObject({ orders: 1, revenue: 50_000, refused: 0, refunded: 30_000 })
    expect(report.totals).toMatchObject({ orders: 3, revenue: 300_000, refused: 20_000, refunded: 40_000 })
    const managers = await shop.reports.managers(MAY)
    expect(managers.totals.revenue).toBe(300_000)
  })

  test('a refund purpose outside the list is VALIDATION, nothing refunded', async () => {
    const before = await refundOps()
    await expect(shop.payments.refund(payments.R!, { amount: 1_000, reason: 'x', purpose: 'gift' as never, idempotencyKey: randomUUID() })).rejects.toMatchObject({ code: 'VALIDATION' })
    expect(await refundOps()).toEqual(before)
  })

  test('the migration fills the purpose of refunds stored before it from their keys', async () => {
    const ops = await refundOps()
    const expected = ops.map((o) => ({ ...o, purpose: o.kind !== 'refund' ? null : o.idempotency_key?.startsWith('outcome:') ? 'refused_goods' : 'other' }))
    // A database as it was before the column: no purpose, the migration not applied.
    await shop.run(async (uow) => {
      const db = uow.db as unknown as Kysely<any>
      await db.schema.alterTable('ordo_payment_operation').dropColumn('purpose').execute()
      await db.deleteFrom('ordo_migration').where('name', '=', 'core/0021_payment_operation_purpose').execute()
    })
    expect(await shop.storage.migrate()).toEqual(['core/0021_payment_operation_purpose'])
    expect(await refundOps()).toEqual(expected)
    // P's outcome refund still reads as refused goods; R's return, stored before purposes, as any other refund.
    expect(expected.filter((o) => o.payment_id === payments.P && o.kind === 'refund').map((o) => o.purpose)).toEqual(['refused_goods'])
    expect(expected.filter((o) => o.payment_id === payments.R && o.kind === 'refund').map((o) => o.purpose)).toEqual(['other'])
    const report = await shop.reports.sales(MAY)
    expect(report.rows.find((r) => r.period === '2026-05-02')).toMatchObject({ revenue: 130_000, refused: 20_000, refunded: 0 })
    expect(report.rows.find((r) => r.period === '2026-05-04')).toMatchObject({ revenue: 50_000, refunded: 30_000 })
  })
})
