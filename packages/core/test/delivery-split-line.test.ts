import { randomUUID } from 'node:crypto'
import { createCommerce, lineShare, type Commerce, type Order, type Shipment } from '@ordo/core'
import { describeEachDialect, storageFromDescriptor } from '@ordo/testing'
import { Kysely } from 'kysely'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { memoryCourier, services, type MemoryCourier } from './delivery-fixtures/memory-courier.js'
import { memoryProvider, webhook, type MemoryProvider } from './payment-fixtures/memory-provider.js'

const MOSCOW = { city: 'Москва', postalCode: '101000' }
const ADDRESS = { country: 'RU', city: 'Москва', postalCode: '101000', street: 'ул. Тверская', house: '1' }
const sum = (values: number[]) => values.reduce((s, v) => s + v, 0)

function config(storage: Parameters<typeof createCommerce>[0]['storage'], fast: MemoryCourier, provider: MemoryProvider) {
  return {
    storage,
    currency: 'RUB' as const,
    payments: {
      providers: [provider],
      // A 3.35 % method discount (on goods and delivery) leaves a line of four 1 001-kopeck cups an odd total: 4 004 − 1 139 = 2 865.
      methods: [
        { code: 'cod', type: 'cash_on_delivery' as const, feeBasisPoints: -335 },
        { code: 'card', type: 'card_online' as const, provider: 'memory', feeBasisPoints: -335 },
      ],
      retryBackoffMs: 1,
    },
    delivery: { couriers: [fast] },
  }
}

/** A catalog SKU of 1 001 kopecks stocked in two warehouses (two units each: four units ship as 2 + 2). */
async function stockTwoWarehouses(shop: Commerce, sku: string, units: [number, number]): Promise<void> {
  await shop.catalog.upsertProduct({ handle: sku.toLowerCase(), name: 'Cup', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku, weightGrams: 300 }] })
  await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku, amount: 1_001 }])
  const variant = (await shop.catalog.getVariantBySku(sku))!
  for (const [i, code] of ['north', 'south'].entries()) {
    const location = (await shop.inventory.listLocations()).find((l) => l.code === code) ?? (await shop.inventory.createLocation({ code, name: code, type: 'warehouse' }))
    await shop.inventory.receive({ variantId: variant.id, locationId: location.id, delta: units[i]!, key: `seed-${sku}-${code}` })
  }
}

async function placeSplitOrder(shop: Commerce, sku: string, payment: 'cod' | 'card', units: [number, number] = [2, 2]): Promise<{ order: Order; shipments: Shipment[] }> {
  await stockTwoWarehouses(shop, sku, units)
  const cart = await shop.carts.create()
  await shop.carts.addItem(cart.id, { sku, quantity: units[0] + units[1] })
  await shop.carts.setContact(cart.id, { name: 'Анна', phone: '+79161234567' })
  await shop.carts.setPayment(cart.id, { method: payment })
  await shop.carts.setDelivery(cart.id, { optionId: 'fast:D1', destination: MOSCOW, address: ADDRESS, tryOn: true })
  const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID() })
  return { order, shipments: await shop.shipments.forOrder(order.id) }
}

/** Packs and registers every shipment of the order at the carrier. */
async function ship(shop: Commerce, shipments: Shipment[]): Promise<Shipment[]> {
  const out: Shipment[] = []
  for (const s of shipments) {
    await shop.shipments.pack(s.id, { actor: 'manager:1' })
    out.push(await shop.shipments.register(s.id))
  }
  return out
}

describeEachDialect('a line split over shipments', ({ database }) => {
  let shop: Commerce
  let fast: MemoryCourier
  let provider: MemoryProvider

  beforeAll(async () => {
    fast = memoryCourier({ id: 'fast', tariffs: [{ tariffCode: 'D1', name: 'Door', methodType: 'courier_door', price: 30_000, minDays: 1, maxDays: 2, services: services() }] })
    provider = memoryProvider()
    shop = await createCommerce(config((await database()).storage, fast, provider))
  })
  afterAll(() => shop?.close())

  test('two equal halves of an odd line total add up to it: COD amounts sum to the order total and the carrier gets items worth each shipment’s goods', async () => {
    const { order, shipments } = await placeSplitOrder(shop, 'CUP-COD', 'cod')
    const line = order.lines[0]!
    expect(line.total).toBe(2_865)
    expect(shipments.map((s) => s.lines.map((l) => l.quantity))).toEqual([[2], [2]])
    expect(sum(shipments.map((s) => s.codAmount))).toBe(order.totals.total)
    // One part gets the odd kopeck, not both.
    expect(shipments.map((s) => s.lines[0]!.value).sort()).toEqual([1_432, 1_433])
    for (const s of shipments) expect(s.declaredValue).toBe(sum(s.lines.map((l) => l.value)))

    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:1' })
    for (const s of await ship(shop, shipments)) {
      const request = fast.registered.get(s.number)!.request
      const items = request.parcels.flatMap((p) => p.items)
      expect(sum(items.map((i) => i.quantity))).toBe(2)
      expect(sum(items.map((i) => i.unitPrice * i.quantity))).toBe(s.declaredValue)
      expect(sum(items.map((i) => i.codPerUnit * i.quantity))).toBe(s.declaredValue)
      expect(sum(items.map((i) => i.codPerUnit * i.quantity)) + request.codDelivery).toBe(s.codAmount)
    }
    const cod = (await shop.payments.forOrder(order.id)).payments.filter((p) => p.methodType === 'cash_on_delivery')
    expect(cod).toHaveLength(2)
    expect(sum(cod.map((p) => p.amount))).toBe(order.totals.total)
  })

  test('partial buyout of a split line: refused and kept add up to each shipment’s part, and what is collected plus what was refused is the order total', async () => {
    const { order, shipments } = await placeSplitOrder(shop, 'CUP-BUYOUT', 'cod')
    const line = order.lines[0]!
    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:1' })
    const [first, second] = await ship(shop, shipments)

    // The first shipment: one cup kept, one refused; the second: both cups refused.
    const partial = await shop.shipments.recordOutcome(first!.id, { kept: [{ lineId: line.id, quantity: 1 }], refused: [{ lineId: line.id, quantity: 1 }], actor: 'courier' })
    const refused = await shop.shipments.recordOutcome(second!.id, { kept: [{ lineId: line.id, quantity: 0 }], refused: [{ lineId: line.id, quantity: 2 }], actor: 'courier' })
    expect(partial.codAmount).toBe(first!.codAmount - partial.refusedAmount)
    expect(refused.codAmount).toBe(0)
    const refusedTotal = partial.refusedAmount + refused.refusedAmount
    expect((await shop.orders.get(order.id))!.refusedTotal).toBe(refusedTotal)
    // What the carrier still collects and what was refused make up the order, to the kopeck.
    const cod = (await shop.payments.forOrder(order.id)).payments.filter((p) => p.methodType === 'cash_on_delivery' && p.status !== 'voided')
    expect(sum(cod.map((p) => p.amount)) + refusedTotal).toBe(order.totals.total)

    // Within each shipment: refused is the refused units' share of its part, kept the rest of it.
    expect(partial.refusedAmount).toBe(lineShare(first!.lines[0]!.value, 2, 1))
    expect(partial.returnShipment).toMatchObject({ direction: 'return', declaredValue: partial.refusedAmount, lines: [{ quantity: 1, value: partial.refusedAmount }] })
    expect(refused.refusedAmount).toBe(second!.lines[0]!.value)
    const after = (await shop.shipments.forOrder(order.id)).filter((s) => s.direction === 'outbound')
    expect(after.flatMap((s) => s.lines.map((l) => [l.keptQuantity, l.refusedQuantity]))).toEqual([[1, 1], [0, 2]])
    const kept = sum(after.map((s) => s.lines[0]!.value)) - refusedTotal
    expect(kept).toBe(first!.lines[0]!.value - partial.refusedAmount)
    expect(kept + refusedTotal).toBe(line.total)
  })

  test('an order edited before packing is planned again with its parts valued the same way', async () => {
    const { order, shipments } = await placeSplitOrder(shop, 'CUP-EDIT', 'cod', [2, 2])
    expect(shipments).toHaveLength(2)
    const line = order.lines[0]!
    await shop.orders.changeQuantity(order.id, { lineId: line.id, quantity: 3, actor: 'manager:1' })
    for (let i = 0; i < 3; i++) await shop.events.relay()
    const edited = (await shop.orders.get(order.id))!
    const replanned = await shop.shipments.forOrder(order.id)
    expect(replanned.map((s) => s.lines.map((l) => l.quantity)).flat().sort()).toEqual([1, 2])
    expect(sum(replanned.flatMap((s) => s.lines.map((l) => l.value)))).toBe(edited.lines[0]!.total)
    expect(sum(replanned.map((s) => s.codAmount))).toBe(edited.totals.total)
    for (const s of replanned) expect(s.declaredValue).toBe(sum(s.lines.map((l) => l.value)))
  })

  test('a prepaid split line refused in both shipments is refunded exactly its total, receipts included', async () => {
    const { order, shipments } = await placeSplitOrder(shop, 'CUP-CARD', 'card')
    const line = order.lines[0]!
    expect(line.total).toBe(2_865)
    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'request_payment', { actor: 'manager:1' })
    const payment = await shop.payments.start(order.id, { method: 'card', returnUrl: 'https://shop.example/back', idempotencyKey: randomUUID() })
    provider.pay(payment.providerPaymentId!)
    await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}`, payment.providerPaymentId!, 'captured'))
    await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:1' })
    const refundsBefore = provider.calls.filter((c) => c.op === 'refund').length
    const due: number[] = []
    for (const s of await ship(shop, shipments)) {
      expect(s.codAmount).toBe(0)
      const outcome = await shop.shipments.recordOutcome(s.id, { kept: [{ lineId: line.id, quantity: 0 }], refused: [{ lineId: line.id, quantity: 2 }], actor: 'courier' })
      expect(outcome.refundDue).toBe(outcome.refusedAmount)
      due.push(outcome.refundDue)
    }
    expect(sum(due)).toBe(line.total)
    const refunds = provider.calls.filter((c) => c.op === 'refund').slice(refundsBefore)
    expect(refunds).toHaveLength(2)
    expect(sum(refunds.map((r) => r.amount ?? 0))).toBe(line.total)
    const receipts = (await shop.payments.receipts(order.id)).filter((r) => r.receipt.kind === 'refund')
    expect(sum(receipts.map((r) => r.receipt.total))).toBe(line.total)
    expect(sum(receipts.flatMap((r) => r.receipt.lines.map((l) => l.amount)))).toBe(line.total)
    expect((await shop.payments.forOrder(order.id)).payments[0]).toMatchObject({ refunded: line.total })
  })

  test('shipment lines planned before their value was stored get their share of the order line, and register as before', async () => {
    // A line split 1 + 2, which planning valued the same way before: what was stored as COD still matches the items.
    const db = await database()
    const oldFast = memoryCourier({ id: 'fast', tariffs: [{ tariffCode: 'D1', name: 'Door', methodType: 'courier_door', price: 30_000, minDays: 1, maxDays: 2, services: services() }] })
    const first = await createCommerce(config(db.storage, oldFast, memoryProvider()))
    let placed: { order: Order; shipments: Shipment[] }
    try {
      placed = await placeSplitOrder(first, 'CUP-OLD', 'cod', [1, 2])
    } finally {
      await first.close()
    }
    // The database as it was before the value column: the column gone, its migration not yet applied.
    const raw = new Kysely<any>({ dialect: (await storageFromDescriptor(db.descriptor)).createDialect() })
    try {
      await raw.schema.alterTable('ordo_shipment_line').dropColumn('value').execute()
      const deleted = await raw.deleteFrom('ordo_migration').where('name', 'like', '%0020_shipment_line_value').executeTakeFirst()
      expect(Number(deleted.numDeletedRows)).toBe(1)
    } finally {
      await raw.destroy()
    }

    const again = await createCommerce(config(await storageFromDescriptor(db.descriptor), oldFast, memoryProvider()))
    try {
      const line = placed.order.lines[0]!
      const shipments = await again.shipments.forOrder(placed.order.id)
      expect(shipments.map((s) => s.lines.map((l) => l.value))).toEqual(shipments.map((s) => s.lines.map((l) => lineShare(line.total, line.quantity, l.quantity))))
      expect(shipments.map((s) => s.lines.map((l) => l.quantity)).sort()).toEqual([[1], [2]])
      expect(sum(shipments.flatMap((s) => s.lines.map((l) => l.value)))).toBe(line.total)
      for (const s of shipments) expect(s.declaredValue).toBe(sum(s.lines.map((l) => l.value)))
      await again.orders.confirm(placed.order.id, { actor: 'manager:1', channel: 'call' })
      await again.orders.transition(placed.order.id, 'start_picking', { actor: 'manager:1' })
      for (const s of await ship(again, shipments)) {
        const items = oldFast.registered.get(s.number)!.request.parcels.flatMap((p) => p.items)
        expect(sum(items.map((i) => i.codPerUnit * i.quantity)) + oldFast.registered.get(s.number)!.request.codDelivery).toBe(s.codAmount)
      }
    } finally {
      await again.close()
    }
    // A fresh database migrated twice: slow on a busy MariaDB.
  }, 120_000)
})
