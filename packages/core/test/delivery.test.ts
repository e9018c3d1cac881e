import { randomUUID } from 'node:crypto'
import { createCommerce, type Commerce, type Database, type Order } from '@ordo/core'
import { describeEachDialect, testClock, type TestClock } from '@ordo/testing'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { memoryCourier, point, services, type MemoryCourier } from './delivery-fixtures/memory-courier.js'
import { failure } from './fixtures/order-fixture.js'
import { memoryProvider, webhook, type MemoryProvider } from './payment-fixtures/memory-provider.js'

const MOSCOW = { city: 'Москва', postalCode: '101000' }
const ADDRESS = { country: 'RU', city: 'Москва', postalCode: '101000', street: 'ул. Тверская', house: '1', apartment: '5' }

/** Rows that a refused command must not add or change. */
async function footprint(shop: Commerce, cartId: string) {
  return shop.run(async (uow) => {
    const db = uow.db as unknown as Kysely<Database>
    const cart = await db.selectFrom('ordo_cart').select(['version', 'delivery']).where('id', '=', cartId).executeTakeFirstOrThrow()
    const count = async (table: 'ordo_shipment' | 'ordo_delivery_slot' | 'ordo_event' | 'ordo_order') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
    return { version: Number(cart.version), delivery: cart.delivery, shipments: await count('ordo_shipment'), events: await count('ordo_event'), orders: await count('ordo_order') }
  })
}

describeEachDialect('delivery', ({ database }) => {
  let shop: Commerce
  let clock: TestClock
  let fast: MemoryCourier
  let slow: MemoryCourier
  let post: MemoryCourier
  let provider: MemoryProvider
  const variants = new Map<string, string>()
  let warehouseId = ''

  beforeAll(async () => {
    // Tuesday 10 March 2026, 12:00 in Moscow: before the 14:00 cut-off.
    clock = testClock('2026-03-10T09:00:00Z')
    fast = memoryCourier({
      id: 'fast',
      name: 'Fast',
      tariffs: [
        { tariffCode: 'D1', name: 'Door', methodType: 'courier_door', price: 35_000, minDays: 2, maxDays: 3, services: services() },
        { tariffCode: 'P1', name: 'Point', methodType: 'pickup_point', price: 20_000, minDays: 3, maxDays: 4, services: services() },
        { tariffCode: 'L1', name: 'Locker', methodType: 'parcel_locker', price: 15_000, minDays: 3, maxDays: 4, services: services({ tryOn: false, partialBuyout: false }) },
      ],
      points: [
        point('P-1'),
        point('P-NOCOD', { name: 'Cards only', services: services({ cod: false }) }),
        point('L-BIG', { type: 'parcel_locker', name: 'Big locker', maxWeightGrams: 20_000, maxDimensionsCm: [60, 40, 40], services: services({ tryOn: false, partialBuyout: false }) }),
        point('L-SMALL', { type: 'parcel_locker', name: 'Small locker', maxWeightGrams: 1_000, maxDimensionsCm: [10, 10, 10], services: services({ tryOn: false, partialBuyout: false }) }),
      ],
    })
    slow = memoryCourier({ id: 'slow', delayMs: 5_000, tariffs: [{ tariffCode: 'S', name: 'Slow', methodType: 'courier_door', price: 1, minDays: 1, maxDays: 1, services: services() }] })
    post = memoryCourier({ id: 'post', name: 'Post', tariffs: [{ tariffCode: 'POST', name: 'Parcel', methodType: 'post', price: 30_000, minDays: 5, maxDays: 7, services: services({ tryOn: false, partialBuyout: false }) }] })
    provider = memoryProvider()
    shop = await createCommerce({
      storage: (await database()).storage,
      currency: 'RUB',
      clock,
      payments: {
        providers: [provider],
        methods: [
          { code: 'card', type: 'card_online', provider: 'memory' },
          { code: 'cod', type: 'cash_on_delivery' },
        ],
        retryBackoffMs: 1,
      },
      delivery: {
        couriers: [fast, slow, post],
        ownCourier: {
          zones: [{ code: 'msk', name: 'Moscow', cities: ['Москва'], price: 30_000, freeFrom: 1_000_000, days: { min: 1, max: 1 } }],
          slots: [{ from: '10:00', to: '14:00', capacity: 1 }],
        },
        showroomPickup: { locations: [{ code: 'main', city: 'Москва', address: 'ул. Арбат, 10', workingHours: '10:00–22:00' }] },
        calendar: { timeZone: 'Europe/Moscow', holidays: ['2026-03-09'] },
        cutoff: '14:00',
        handlingDays: 1,
        quoteTimeoutMs: 300,
      },
    })
    const products: [string, string, number, number][] = [
      ['KETTLE', 'Чайник', 8_500, 1_500],
      ['MUG', 'Кружка', 500, 300],
      ['TEAPOT', 'Заварник', 3_000, 800],
      ['SCARF', 'Шарф', 2_000, 200],
    ]
    for (const [sku, name, amount, weightGrams] of products) {
      await shop.catalog.upsertProduct({ handle: sku.toLowerCase(), name, vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku, weightGrams, dimensions: { lengthMm: 200, widthMm: 150, heightMm: 150 } }] })
      await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku, amount }])
      variants.set(sku, (await shop.catalog.getVariantBySku(sku))!.id)
    }
    const warehouse = await shop.inventory.createLocation({ code: 'main', name: 'Main', type: 'warehouse', pickup: true })
    warehouseId = warehouse.id
    await shop.inventory.createLocation({ code: 'acme', name: 'Acme scarves', type: 'supplier', unlimited: true, leadTimeDays: 3 })
    for (const sku of ['KETTLE', 'MUG', 'TEAPOT']) await shop.inventory.receive({ variantId: variants.get(sku)!, locationId: warehouse.id, delta: 1_000, key: `seed-${sku}` })
  })
  afterAll(() => shop?.close())

  async function cart(lines: [string, number][] = [['KETTLE', 1], ['MUG', 3], ['TEAPOT', 1]], payment: string | null = null) {
    const c = await shop.carts.create()
    for (const [sku, quantity] of lines) await shop.carts.addItem(c.id, { sku, quantity })
    await shop.carts.setContact(c.id, { name: 'Анна', phone: '+79161234567', email: 'anna@example.ru' })
    if (payment) await shop.carts.setPayment(c.id, { method: payment })
    return c
  }

  async function place(cartId: string): Promise<Order> {
    return shop.checkout.placeOrder(cartId, { idempotencyKey: randomUUID() })
  }

  test('quote asks every courier in parallel: a courier that does not answer is reported, the others stand, within the timeout', async () => {
    const c = await cart()
    const started = Date.now()
    const quote = await shop.delivery.quote(c.id, MOSCOW)
    const elapsed = Date.now() - started
    expect(elapsed).toBeLessThan(2_000)
    expect(quote.failures).toEqual([{ carrier: 'slow', reason: 'no answer within 300 ms' }])
    expect(quote.options.map((o) => o.id)).toEqual(['showroom:pickup', 'fast:L1', 'fast:P1', 'own:msk', 'post:POST', 'fast:D1'])
    const door = quote.options.find((o) => o.id === 'fast:D1')!
    // Ordered Tuesday before the cut-off, one handling day: ships Wednesday; 2–3 working days → Friday to Monday.
    expect(door.estimate).toEqual({ shipDate: '2026-03-11', from: '2026-03-13', to: '2026-03-16' })
    expect(door).toMatchObject({ carrier: 'fast', carrierName: 'Fast', methodType: 'courier_door', price: 35_000 })
    // Lockers list only the cells the parcel fits.
    expect(quote.options.find((o) => o.id === 'fast:L1')!.pickupPoints!.map((p) => p.id)).toEqual(['L-BIG'])
    expect(quote.options.find((o) => o.id === 'own:msk')!.slots).toEqual([
      { id: '2026-03-12@10:00-14:00', date: '2026-03-12', from: '10:00', to: '14:00', left: 1 },
      { id: '2026-03-13@10:00-14:00', date: '2026-03-13', from: '10:00', to: '14:00', left: 1 },
      { id: '2026-03-16@10:00-14:00', date: '2026-03-16', from: '10:00', to: '14:00', left: 1 },
      { id: '2026-03-17@10:00-14:00', date: '2026-03-17', from: '10:00', to: '14:00', left: 1 },
      { id: '2026-03-18@10:00-14:00', date: '2026-03-18', from: '10:00', to: '14:00', left: 1 },
    ])
    const fastest = await shop.delivery.quote(c.id, MOSCOW, { sort: 'fastest' })
    // Ready at the showroom from the ship date; the own courier brings it the next day.
    expect(fastest.options.slice(0, 2).map((o) => o.id)).toEqual(['showroom:pickup', 'own:msk'])
  })

  test('a repeated quote for the same destination and parcels is served from the cache', async () => {
    const c = await cart([['MUG', 2]])
    const before = { fast: fast.quoteCalls, slow: slow.quoteCalls }
    const first = await shop.delivery.quote(c.id, MOSCOW)
    const second = await shop.delivery.quote(c.id, MOSCOW)
    expect(second.options).toEqual(first.options)
    // The answer that came is reused; the courier that failed is asked again.
    expect(fast.quoteCalls - before.fast).toBe(1)
    expect(slow.quoteCalls - before.slow).toBe(2)
    // Another destination asks again.
    await shop.delivery.quote(c.id, { city: 'Москва', postalCode: '101001' })
    expect(fast.quoteCalls - before.fast).toBe(2)
    // The cache lapses after quoteCacheSeconds.
    clock.advance(301_000)
    await shop.delivery.quote(c.id, MOSCOW)
    expect(fast.quoteCalls - before.fast).toBe(3)
  })

  test('pickup points are stored per city and refreshed when stale', async () => {
    const near = await shop.delivery.pickupPoints({ carrier: 'fast', near: { lat: 55.75, lon: 37.61, radiusKm: 5 }, cod: true })
    expect(near.map((p) => p.id)).toEqual(['L-BIG', 'L-SMALL', 'P-1'])
    const lockers = await shop.delivery.pickupPoints({ city: 'Москва', locker: true })
    expect(lockers.map((p) => `${p.carrier}:${p.id}`)).toEqual(['fast:L-BIG', 'fast:L-SMALL'])
    const calls = fast.pointCalls
    // Fresh: nothing to refresh.
    expect(await shop.delivery.refreshPickupPoints()).toBe(0)
    clock.advance({ hours: 25 })
    expect(await shop.delivery.refreshPickupPoints()).toBe(4)
    expect(fast.pointCalls).toBe(calls + 1)
    expect(await shop.delivery.refreshPickupPoints()).toBe(0)
    clock.advance({ hours: -25 })
  })

  test('bad choices are refused with DELIVERY_UNAVAILABLE and nothing is written', async () => {
    const c = await cart([['KETTLE', 2]], 'cod')
    const before = await footprint(shop, c.id)
    const locker = await failure(shop.carts.setDelivery(c.id, { optionId: 'fast:L1', destination: MOSCOW, pickupPointId: 'L-SMALL' }))
    expect(locker).toMatchObject({ code: 'DELIVERY_UNAVAILABLE', details: { reason: 'parcel_too_big', pickupPointId: 'L-SMALL' } })
    expect(locker.message).toMatch(/Small locker/)
    const cod = await failure(shop.carts.setDelivery(c.id, { optionId: 'fast:P1', destination: MOSCOW, pickupPointId: 'P-NOCOD' }))
    expect(cod).toMatchObject({ code: 'DELIVERY_UNAVAILABLE', details: { reason: 'cod_not_accepted' } })
    expect(cod.message).toMatch(/does not take cash on delivery/)
    const unknown = await failure(shop.carts.setDelivery(c.id, { optionId: 'fast:NOPE', destination: MOSCOW }))
    expect(unknown).toMatchObject({ code: 'DELIVERY_UNAVAILABLE', details: { reason: 'unknown_option' } })
    const noAddress = await failure(shop.carts.setDelivery(c.id, { optionId: 'fast:D1', destination: MOSCOW }))
    expect(noAddress).toMatchObject({ code: 'DELIVERY_UNAVAILABLE', details: { reason: 'address_required' } })
    expect(await footprint(shop, c.id)).toEqual(before)

    // A slot of capacity one: the first order books it, the next cart is told it is full.
    const first = await cart([['MUG', 1]])
    await shop.carts.setDelivery(first.id, { optionId: 'own:msk', destination: MOSCOW, address: ADDRESS, slot: '2026-03-12@10:00-14:00' })
    await place(first.id)
    const second = await cart([['MUG', 1]])
    const secondBefore = await footprint(shop, second.id)
    const full = await failure(shop.carts.setDelivery(second.id, { optionId: 'own:msk', destination: MOSCOW, address: ADDRESS, slot: '2026-03-12@10:00-14:00' }))
    expect(full).toMatchObject({ code: 'DELIVERY_UNAVAILABLE', details: { reason: 'slot_full' } })
    expect(await footprint(shop, second.id)).toEqual(secondBefore)
  })

  test('the chosen delivery is priced into the breakdown, a line change drops it, and checkout needs one', async () => {
    const c = await cart([['MUG', 2]])
    const chosen = await shop.carts.setDelivery(c.id, { optionId: 'fast:P1', destination: MOSCOW, pickupPointId: 'P-1' })
    expect(chosen.delivery).toMatchObject({ optionId: 'fast:P1', price: 20_000, pickupPoint: { id: 'P-1' } })
    expect(chosen.breakdown).toMatchObject({ delivery: { amount: 20_000, discount: 0, total: 20_000 }, total: 21_000 })
    const changed = await shop.carts.addItem(c.id, { sku: 'MUG', quantity: 1 })
    expect(changed.delivery).toBeNull()
    expect(changed.breakdown.total).toBe(1_500)
    expect(await failure(place(c.id))).toMatchObject({ code: 'CART_INCOMPLETE', details: { missing: 'delivery' } })
  })

  test('drop-ship: warehouse and supplier items become two shipments and one supplier order', async () => {
    const c = await cart([['KETTLE', 1], ['SCARF', 2]])
    await shop.carts.setDelivery(c.id, { optionId: 'fast:D1', destination: MOSCOW, address: ADDRESS })
    const order = await place(c.id)
    expect(order.delivery).toMatchObject({ optionId: 'fast:D1', carrier: 'fast' })
    expect(order.totals.deliveryTotal).toBe(35_000)
    const shipments = await shop.shipments.forOrder(order.id)
    expect(shipments.map((s) => [s.number, s.status, s.lines.map((l) => `${l.sku}×${l.quantity}`).join(','), s.supplierOrderId !== null])).toEqual([
      [`${order.number}-1`, 'pending', 'KETTLE×1', false],
      [`${order.number}-2`, 'pending', 'SCARF×2', true],
    ])
    const supplierOrders = await shop.shipments.supplierOrders({ orderId: order.id })
    expect(supplierOrders).toHaveLength(1)
    expect(supplierOrders[0]).toMatchObject({ status: 'placed', lines: [{ sku: 'SCARF', quantity: 2 }], id: shipments[1]!.supplierOrderId })
    // Lead time of three days from the order.
    expect(supplierOrders[0]!.expectedAt.getTime() - order.placedAt.getTime()).toBe(3 * 24 * 3_600_000)
  })

  test('an order edited before packing gets its shipments planned again from its reservations', async () => {
    const c = await cart([['KETTLE', 1], ['SCARF', 1], ['MUG', 2]])
    await shop.carts.setDelivery(c.id, { optionId: 'fast:D1', destination: MOSCOW, address: ADDRESS })
    const order = await place(c.id)
    const lines = (await shop.shipments.forOrder(order.id)).map((s) => s.lines.map((l) => `${l.sku}×${l.quantity}`).join(','))
    expect(lines).toEqual(['KETTLE×1,MUG×2', 'SCARF×1'])
    const scarf = order.lines.find((l) => l.sku === 'SCARF')!
    await shop.orders.removeLine(order.id, { lineId: scarf.id, actor: 'manager:1' })
    const mug = order.lines.find((l) => l.sku === 'MUG')!
    await shop.orders.changeQuantity(order.id, { lineId: mug.id, quantity: 3, actor: 'manager:1' })
    for (let i = 0; i < 3; i++) await shop.events.relay()
    const replanned = await shop.shipments.forOrder(order.id)
    expect(replanned.map((s) => [s.number, s.lines.map((l) => `${l.sku}×${l.quantity}`).join(','), s.declaredValue])).toEqual([[`${order.number}-1`, 'KETTLE×1,MUG×3', 8_500 + 1_500]])
    expect(await shop.shipments.supplierOrders({ orderId: order.id })).toEqual([])
  })

  test('tracking from webhooks and polls moves shipment and order; duplicates and late reports change nothing', async () => {
    const c = await cart([['KETTLE', 1]])
    await shop.carts.setDelivery(c.id, { optionId: 'fast:D1', destination: MOSCOW, address: ADDRESS })
    const order = await place(c.id)
    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:1' })
    const [shipment] = await shop.shipments.forOrder(order.id)
    await shop.shipments.pack(shipment!.id, { weightGrams: 1_800, boxes: 1, actor: 'manager:1' })
    expect((await shop.orders.get(order.id))!.status).toBe('packed')
    const registered = await shop.shipments.register(shipment!.id)
    expect(registered).toMatchObject({ status: 'registered', trackingNumber: expect.stringMatching(/^FAST/), carrierShipmentId: expect.any(String) })
    // A retry registers nothing twice.
    await shop.shipments.register(shipment!.id)
    expect(fast.registered.get(shipment!.number)!.calls).toBe(1)
    expect(new TextDecoder().decode(await shop.shipments.label(shipment!.id))).toMatch(/^%PDF/)

    const ref = { carrierShipmentId: registered.carrierShipmentId, trackingNumber: registered.trackingNumber, reference: null }
    const at = (minutes: number) => new Date(Date.parse('2026-03-11T08:00:00Z') + minutes * 60_000)
    const hook = (updates: unknown[], secret = 'memory-secret') => ({ headers: {}, rawBody: JSON.stringify({ secret, updates }) })
    const forged = await shop.shipments.handleWebhook('fast', hook([{ ...ref, status: 'delivered', rawStatus: 'DELIVERED', occurredAt: at(1) }], 'wrong'))
    expect(forged).toMatchObject({ outcome: 'rejected', response: { status: 401 } })

    const handed = await shop.shipments.handleWebhook('fast', hook([{ ...ref, status: 'handed_over', rawStatus: 'ACCEPTED', occurredAt: at(10) }]))
    expect(handed).toMatchObject({ outcome: 'applied', result: { applied: 1, ignored: 0, unknown: 0 } })
    expect((await shop.orders.get(order.id))!.status).toBe('handed_to_carrier')

    // The poll sees in transit; the same report again and an older one are ignored.
    fast.statuses.set(registered.trackingNumber!, [
      { ...ref, status: 'in_transit', rawStatus: 'SENT_TO_RECIPIENT_CITY', occurredAt: at(60) },
      { ...ref, status: 'handed_over', rawStatus: 'ACCEPTED', occurredAt: at(10) },
    ])
    clock.advance(31 * 60_000)
    expect(await shop.shipments.track()).toEqual({ applied: 1, ignored: 1, unknown: 0 })
    // Not due again yet: the job's poll skips it, an explicit poll of the shipment asks now.
    expect(await shop.shipments.track()).toEqual({ applied: 0, ignored: 0, unknown: 0 })
    expect(await shop.shipments.track({ shipmentIds: [shipment!.id] })).toEqual({ applied: 0, ignored: 2, unknown: 0 })
    clock.advance(31 * 60_000)
    expect(await shop.shipments.track()).toEqual({ applied: 0, ignored: 2, unknown: 0 })
    const late = await shop.shipments.applyUpdates('fast', [{ ...ref, status: 'registered', rawStatus: 'CREATED', occurredAt: at(0) }, { carrierShipmentId: 'nobody', trackingNumber: null, reference: null, status: 'delivered', rawStatus: 'DELIVERED', occurredAt: at(5) }])
    expect(late).toEqual({ applied: 0, ignored: 1, unknown: 1 })
    expect((await shop.shipments.get(shipment!.id))!.status).toBe('in_transit')
    expect((await shop.orders.get(order.id))!.status).toBe('in_transit')

    await shop.shipments.applyUpdates('fast', [{ ...ref, status: 'delivered', rawStatus: 'DELIVERED', occurredAt: at(2_000) }])
    expect((await shop.shipments.get(shipment!.id))!).toMatchObject({ status: 'delivered', rawStatus: 'DELIVERED', lines: [{ keptQuantity: 1, refusedQuantity: 0 }] })
    expect((await shop.orders.get(order.id))!.status).toBe('completed')
    expect((await shop.shipments.history(shipment!.id)).map((e) => e.rawStatus)).toEqual(['CREATED', 'ACCEPTED', 'SENT_TO_RECIPIENT_CITY', 'DELIVERED'])
    // Goods that left the warehouse were sold: nothing stays reserved.
    expect(await shop.inventory.reservations({ ownerType: 'order', ownerId: order.id, status: 'active' })).toEqual([])
  })

  test('partial buyout with cash on delivery at a pickup point: COD shrinks by the refused line, the return is restocked, the order ends partially completed', async () => {
    const c = await cart([['KETTLE', 1], ['MUG', 3], ['TEAPOT', 1]], 'cod')
    await shop.carts.setDelivery(c.id, { optionId: 'fast:P1', destination: MOSCOW, pickupPointId: 'P-1', tryOn: true })
    const order = await place(c.id)
    expect(order.totals.total).toBe(8_500 + 1_500 + 3_000 + 20_000)
    const [shipment] = await shop.shipments.forOrder(order.id)
    expect(shipment).toMatchObject({ codAmount: order.totals.total, declaredValue: 13_000, services: { tryOn: true, partialBuyout: true } })
    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:1' })
    await shop.shipments.pack(shipment!.id, { actor: 'manager:1' })
    const registered = await shop.shipments.register(shipment!.id)
    const request = fast.registered.get(shipment!.number)!.request
    // Packed by the packaging rule; every unit in exactly one box, cash to collect equal to the order total.
    expect(request.parcels.flatMap((p) => p.items).reduce((s, i) => s + i.quantity, 0)).toBe(5)
    expect(request.parcels.flatMap((p) => p.items).reduce((s, i) => s + i.codPerUnit * i.quantity, 0) + request.codDelivery).toBe(order.totals.total)
    const ref = { carrierShipmentId: registered.carrierShipmentId, trackingNumber: registered.trackingNumber, reference: null }
    await shop.shipments.applyUpdates('fast', [
      { ...ref, status: 'handed_over', rawStatus: 'ACCEPTED', occurredAt: new Date('2026-03-11T10:00:00Z') },
      { ...ref, status: 'at_pickup_point', rawStatus: 'ACCEPTED_AT_PICK_UP_POINT', occurredAt: new Date('2026-03-13T10:00:00Z'), storageUntil: new Date('2026-03-20T21:00:00Z') },
    ])
    expect((await shop.orders.get(order.id))!.status).toBe('ready_for_pickup')
    const cod = (await shop.payments.forOrder(order.id)).payments.filter((p) => p.methodType === 'cash_on_delivery')
    expect(cod).toMatchObject([{ status: 'pending', amount: order.totals.total, trackingNumber: registered.trackingNumber }])

    const mugs = order.lines.find((l) => l.sku === 'MUG')!
    const stockBefore = (await shop.inventory.levels([variants.get('MUG')!]))[0]!
    const kept = order.lines.filter((l) => l.sku !== 'MUG').map((l) => ({ lineId: l.id, quantity: l.quantity }))
    const outcome = await shop.shipments.recordOutcome(shipment!.id, { kept, refused: [{ lineId: mugs.id, quantity: 3 }], reason: 'did not like the colour', actor: 'point' })
    expect(outcome).toMatchObject({ refusedAmount: mugs.total, codAmount: order.totals.total - mugs.total, refundDue: 0, shipment: { status: 'partially_delivered' } })
    expect(outcome.returnShipment).toMatchObject({ direction: 'return', status: 'returning', lines: [{ sku: 'MUG', quantity: 3 }] })
    // The same outcome again is a replay, not a second reduction.
    expect((await shop.shipments.recordOutcome(shipment!.id, { kept, refused: [{ lineId: mugs.id, quantity: 3 }], actor: 'point' })).codAmount).toBe(order.totals.total - mugs.total)
    const after = await shop.payments.forOrder(order.id)
    expect(after.payments.filter((p) => p.methodType === 'cash_on_delivery')).toMatchObject([{ status: 'pending', amount: order.totals.total - mugs.total }])
    expect(after.state.due).toBe(order.totals.total - mugs.total)
    expect((await shop.orders.get(order.id))!).toMatchObject({ status: 'partially_completed', refusedTotal: mugs.total })

    // The carrier's remittance settles exactly the reduced COD.
    const remittance = await shop.payments.importRemittance([{ trackingNumber: registered.trackingNumber!, collected: order.totals.total - mugs.total, date: '2026-03-20' }])
    expect(remittance.mismatched).toEqual([])
    expect((await shop.payments.forOrder(order.id)).state).toMatchObject({ status: 'paid', due: 0 })

    await shop.shipments.receiveReturn(outcome.returnShipment!.id, { actor: 'manager:1' })
    const stockAfter = (await shop.inventory.levels([variants.get('MUG')!]))[0]!
    expect(stockAfter.onHand - stockBefore.onHand).toBe(3)
    expect((await shop.shipments.get(outcome.returnShipment!.id))!.status).toBe('returned')
    void warehouseId
  })

  test('partial buyout of a prepaid order refunds exactly the refused lines', async () => {
    const c = await cart([['KETTLE', 1], ['MUG', 3], ['TEAPOT', 1]], 'card')
    await shop.carts.setDelivery(c.id, { optionId: 'own:msk', destination: MOSCOW, address: ADDRESS, slot: '2026-03-13@10:00-14:00', tryOn: true })
    const order = await place(c.id)
    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'request_payment', { actor: 'manager:1' })
    const payment = await shop.payments.start(order.id, { method: 'card', returnUrl: 'https://shop.example/back', idempotencyKey: randomUUID() })
    provider.pay(payment.providerPaymentId!)
    await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}`, payment.providerPaymentId!, 'captured'))
    expect((await shop.orders.get(order.id))!.status).toBe('paid')
    await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:1' })
    const [shipment] = await shop.shipments.forOrder(order.id)
    expect(shipment).toMatchObject({ carrier: 'own', codAmount: 0, slot: { id: '2026-03-13@10:00-14:00' } })
    await shop.shipments.pack(shipment!.id, { actor: 'manager:1' })
    await shop.shipments.transition(shipment!.id, 'hand_over', { actor: 'courier:3' })
    expect((await shop.orders.get(order.id))!.status).toBe('handed_to_carrier')

    const teapot = order.lines.find((l) => l.sku === 'TEAPOT')!
    const refundsBefore = provider.calls.filter((c) => c.op === 'refund').length
    const outcome = await shop.shipments.recordOutcome(shipment!.id, {
      kept: order.lines.filter((l) => l.sku !== 'TEAPOT').map((l) => ({ lineId: l.id, quantity: l.quantity })),
      refused: [{ lineId: teapot.id, quantity: 1 }],
      actor: 'courier:3',
    })
    expect(outcome).toMatchObject({ refusedAmount: teapot.total, refundDue: teapot.total, codAmount: 0 })
    const refunds = provider.calls.filter((c) => c.op === 'refund').slice(refundsBefore)
    expect(refunds).toMatchObject([{ amount: teapot.total }])
    const state = await shop.payments.forOrder(order.id)
    expect(state.payments[0]).toMatchObject({ refunded: teapot.total, status: 'partially_refunded' })
    expect(state.state).toMatchObject({ status: 'paid', due: 0 })
    const receipts = await shop.payments.receipts(order.id)
    const refundReceipt = receipts.find((r) => r.receipt.kind === 'refund')!
    expect(refundReceipt.receipt.lines.map((l) => [l.description, l.quantity, l.amount])).toEqual([['Заварник', 1, teapot.total]])
    expect((await shop.orders.get(order.id))!.status).toBe('partially_completed')
  })
})
