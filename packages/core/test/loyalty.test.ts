import { randomUUID } from 'node:crypto'
import { createCommerce, type Commerce, type Order } from '@ordo/core'
import { describeEachDialect, testClock, type TestClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { failure } from './fixtures/order-fixture.js'

const MOSCOW = { city: 'Москва', postalCode: '101000' }
const ADDRESS = { country: 'RU', city: 'Москва', postalCode: '101000', street: 'ул. Тверская', house: '1' }
const DAY = 86_400_000

describeEachDialect('loyalty', ({ database }) => {
  let shop: Commerce
  let clock: TestClock

  beforeAll(async () => {
    clock = testClock('2026-03-10T09:00:00Z')
    shop = await createCommerce({
      storage: (await database()).storage,
      currency: 'RUB',
      clock,
      payments: { methods: [{ code: 'cod', type: 'cash_on_delivery' }] },
      delivery: {
        ownCourier: { zones: [{ code: 'msk', name: 'Moscow', cities: ['Москва'], price: 30_000, days: { min: 1, max: 1 } }] },
        calendar: { timeZone: 'Europe/Moscow' },
      },
      loyalty: { earnBasisPoints: 500, pointValue: 100, activationDays: 14, expiryDays: 180, warnDaysBefore: 7, maxRedeemBasisPoints: 3000, negativeBalance: 'debt',
        tiers: [{ code: 'silver', minSpend: 1_000_000, multiplierBasisPoints: 10_000 }, { code: 'gold', minSpend: 5_000_000, multiplierBasisPoints: 20_000 }],
        signupBonus: 150,
      },
    })
    const products: [string, number][] = [
      ['SOFA', 1_000_000],
      ['LAMP', 99_990],
      ['VASE', 45_678],
      ['CUP', 10_000],
    ]
    const warehouse = await shop.inventory.createLocation({ code: 'main', name: 'Main', type: 'warehouse' })
    for (const [sku, amount] of products) {
      await shop.catalog.upsertProduct({ handle: sku.toLowerCase(), name: sku, vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku, weightGrams: 500 }] })
      await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku, amount }])
      const variant = (await shop.catalog.getVariantBySku(sku))!
      await shop.inventory.receive({ variantId: variant.id, locationId: warehouse.id, delta: 100, key: `seed-${sku}` })
    }
  })
  afterAll(() => shop?.close())

  async function cart(customerId: string | null, lines: [string, number][]) {
    const c = await shop.carts.create(customerId === null ? {} : { customerId })
    for (const [sku, quantity] of lines) await shop.carts.addItem(c.id, { sku, quantity })
    await shop.carts.setContact(c.id, { name: 'Анна', phone: '+79161234567' })
    await shop.carts.setPayment(c.id, { method: 'cod' })
    await shop.carts.setDelivery(c.id, { optionId: 'own:msk', destination: MOSCOW, address: ADDRESS, tryOn: true })
    return c
  }

  async function handOver(order: Order) {
    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:1' })
    const [shipment] = await shop.shipments.forOrder(order.id)
    await shop.shipments.pack(shipment!.id, { actor: 'manager:1' })
    await shop.shipments.transition(shipment!.id, 'hand_over', { actor: 'courier:1' })
    return shipment!
  }

  async function deliverAll(order: Order) {
    const shipment = await handOver(order)
    await shop.shipments.recordOutcome(shipment.id, { kept: order.lines.map((l) => ({ lineId: l.id, quantity: l.quantity })), refused: [], actor: 'courier:1' })
    expect((await shop.orders.get(order.id))!.group).toBe('complete')
    await shop.events.relay()
  }

  test('10 000 ₽ earns 5 % pending for 14 days; 30 % cap on the next order; partial buyout recomputes points to the kopeck', async () => {
    const customer = 'cust-scenario'
    const first = await shop.checkout.placeOrder((await cart(customer, [['SOFA', 1]])).id, { idempotencyKey: randomUUID() })
    expect(first.lines.reduce((s, l) => s + l.total, 0)).toBe(1_000_000)
    await deliverAll(first)
    // 5 % of 10 000.00 ₽ = 500.00 ₽ = 500 points of 1 ₽, delivery not counted.
    expect(await shop.loyalty.balance(customer)).toEqual({ customerId: customer, active: 0, pending: 500, held: 0, debt: 0, total: 500 })
    const earned = (await shop.events.forAggregate(customer)).find((e) => e.type === 'loyalty.points_earned')!
    expect(earned.data).toMatchObject({ orderId: first.id, points: 500, balance: 500, activatesAt: new Date(clock.now().getTime() + 14 * DAY).toISOString() })

    // Not a day early.
    clock.advance(14 * DAY - 60_000)
    expect(await shop.loyalty.runActivation()).toEqual({ entries: 0, points: 0 })
    clock.advance(60_000)
    expect(await shop.loyalty.runActivation()).toEqual({ entries: 1, points: 500 })
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 500, pending: 0, total: 500 })

    // Next order: 999.90 ₽ + 456.78 ₽ = 1 456.68 ₽ of goods; 30 % is 437.00 ₽ → 437 whole points, though 500 were asked for.
    const next = await cart(customer, [['LAMP', 1], ['VASE', 1]])
    const priced = await shop.carts.redeemPoints(next.id, 500)
    expect(priced.pointsRedeemed).toBe(437)
    const loyaltyDiscount = priced.breakdown.adjustments.filter((a) => a.position === 'loyalty')
    expect(loyaltyDiscount.map((a) => a.amount)).toEqual([43_700])
    const lamp = priced.breakdown.lines.find((l) => l.sku === 'LAMP')!
    const vase = priced.breakdown.lines.find((l) => l.sku === 'VASE')!
    // Allocated to lines by largest remainder: 43 700 × 99 990 / 145 668 = 29 996.73…, × 45 678 / 145 668 = 13 703.27… → 29 997 + 13 703.
    expect([lamp.discountTotal, vase.discountTotal]).toEqual([29_997, 13_703])
    expect(priced.breakdown.total).toBe(145_668 - 43_700 + 30_000)
    expect(await failure(shop.carts.redeemPoints(next.id, 501))).toMatchObject({ code: 'LOYALTY_INSUFFICIENT', details: { available: 500, requested: 501 } })

    const second = await shop.checkout.placeOrder(next.id, { idempotencyKey: randomUUID() })
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 63, held: 437, total: 63 })
    expect(second.lines.find((l) => l.sku === 'VASE')!.total).toBe(45_678 - 13_703)

    // The customer keeps the lamp and refuses the vase at the door.
    const shipment = await handOver(second)
    const secondLamp = second.lines.find((l) => l.sku === 'LAMP')!
    const secondVase = second.lines.find((l) => l.sku === 'VASE')!
    await shop.shipments.recordOutcome(shipment.id, {
      kept: [{ lineId: secondLamp.id, quantity: 1 }],
      refused: [{ lineId: secondVase.id, quantity: 1 }],
      actor: 'courier:1',
    })
    await shop.events.relay()
    // Kept and paid: 999.90 ₽ − 299.97 ₽ of points = 699.93 ₽; 5 % = 34.9965 ₽ → 34 points (whole points, rounded down).
    // The vase carried 137.03 ₽ of the points discount: 137 whole points come back to the entry they were drawn on.
    expect(await shop.loyalty.balance(customer)).toEqual({ customerId: customer, active: 200, pending: 34, held: 0, debt: 0, total: 234 })
    const statement = await shop.loyalty.statement(customer)
    expect(statement.items.map((e) => [e.kind, e.status, e.points, e.remaining])).toEqual([
      ['earn', 'pending', 34, 34],
      ['spend', 'committed', -300, 0],
      ['earn', 'partly_spent', 500, 200],
    ])
    expect(statement.items[2]!.expiresAt).toEqual(new Date(Date.parse('2026-03-10T09:00:00Z') + 14 * DAY + 180 * DAY))
    const returned = (await shop.events.forAggregate(customer)).filter((e) => e.type === 'loyalty.points_returned').map((e) => e.data)
    expect(returned).toEqual([{ customerId: customer, orderId: second.id, points: 137, reason: 'refused' }])
    // Relaying again, or the outcome reported again, gives nothing more back.
    await shop.events.relay()
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 200, total: 234 })
    expect(await shop.loyalty.tier(customer)).toEqual({ customerId: customer, tier: 'silver', multiplierBasisPoints: 10_000, spend12m: 1_000_000 + 69_993 })
  })

  test('a cancelled order gives its held points back to the same entries with their expiry; a guest order earns for the customer it is attached to', async () => {
    const customer = 'cust-cancel'
    await shop.loyalty.adjust(customer, { points: 200, reason: 'welcome', externalId: 'w-1' })
    clock.advance(DAY)
    await shop.loyalty.adjust(customer, { points: 100, reason: 'goodwill', externalId: 'g-1' })
    const before = await shop.loyalty.statement(customer)
    const c = await cart(customer, [['LAMP', 1]])
    await shop.carts.redeemPoints(c.id, 250)
    const order = await shop.checkout.placeOrder(c.id, { idempotencyKey: randomUUID() })
    // Earliest expiry first: the 200 of the first credit, then 50 of the second.
    const during = await shop.loyalty.statement(customer)
    expect(during.items.filter((e) => e.kind === 'adjust').map((e) => e.remaining)).toEqual([50, 0])
    await shop.orders.cancel(order.id, { actor: 'customer', reason: 'customer_request' })
    await shop.events.relay()
    const after = await shop.loyalty.statement(customer)
    expect(after.items.filter((e) => e.kind === 'adjust')).toEqual(before.items)
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 300, held: 0, total: 300 })

    // A guest order is attached to the customer owning its phone (created from it here): the points are theirs, never nobody's.
    const guest = await shop.checkout.placeOrder((await cart(null, [['CUP', 1]])).id, { idempotencyKey: randomUUID() })
    await deliverAll(guest)
    const owner = (await shop.orders.get(guest.id))!.customerId
    expect(owner).not.toBeNull()
    const rows = await shop.run((uow) => uow.db.selectFrom('ordo_loyalty_entry').select('customer_id').where('order_id', '=', guest.id).execute())
    expect(rows.map((r) => r.customer_id)).toEqual([owner])
    expect(await failure(shop.carts.redeemPoints((await cart(null, [['CUP', 1]])).id, 1))).toMatchObject({ code: 'VALIDATION' })
  })

  test('tiers by 12-month spend multiply later earns; adjustments and bonuses are idempotent', async () => {
    const customer = 'cust-tier'
    const big = await shop.checkout.placeOrder((await cart(customer, [['SOFA', 5]])).id, { idempotencyKey: randomUUID() })
    await deliverAll(big)
    expect(await shop.loyalty.tier(customer)).toMatchObject({ tier: 'gold', multiplierBasisPoints: 20_000, spend12m: 5_000_000 })
    const changed = (await shop.events.forAggregate(customer)).filter((e) => e.type === 'loyalty.tier_changed').map((e) => e.data)
    expect(changed).toEqual([{ customerId: customer, from: null, to: 'gold', spend12m: 5_000_000 }])
    const small = await shop.checkout.placeOrder((await cart(customer, [['CUP', 1]])).id, { idempotencyKey: randomUUID() })
    await deliverAll(small)
    // 5 % of 100.00 ₽ is 5 points; gold doubles it.
    expect((await shop.loyalty.statement(customer, { limit: 1 })).items[0]).toMatchObject({ kind: 'earn', orderId: small.id, points: 10 })

    const first = await shop.loyalty.adjust(customer, { points: -40, reason: 'wrong accrual', externalId: 'fix-1' })
    expect(await shop.loyalty.adjust(customer, { points: -40, reason: 'wrong accrual', externalId: 'fix-1' })).toEqual(first)
    expect(await failure(shop.loyalty.adjust(customer, { points: 40, reason: 'other', externalId: 'fix-1' }))).toMatchObject({ code: 'IDEMPOTENCY_MISMATCH' })
    // Nothing active yet: the debit is a debt until the earns activate.
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 0, pending: 2_500 + 10, debt: 40, total: 2_510 - 40 })
    const bonus = await shop.loyalty.awardBonus(customer, 'signup')
    expect(await shop.loyalty.awardBonus(customer, 'signup')).toEqual(bonus)
    expect(await failure(shop.loyalty.awardBonus(customer, 'birthday'))).toMatchObject({ code: 'INVALID_CONFIG' })
    // The bonus pays the debt first.
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 110, debt: 0 })
    const page1 = await shop.loyalty.statement(customer, { limit: 2 })
    const page2 = await shop.loyalty.statement(customer, { limit: 2, cursor: page1.nextCursor })
    expect([...page1.items, ...page2.items].map((e) => e.kind)).toEqual(['adjust', 'adjust', 'earn', 'earn'])
    expect(page2.nextCursor).toBeNull()
  })

  test('two checkouts racing for the same points: exactly one holds them, the other is refused with LOYALTY_INSUFFICIENT', async () => {
    const customer = 'cust-race'
    await shop.loyalty.adjust(customer, { points: 500, reason: 'welcome', externalId: 'race-1' })
    const carts = [await cart(customer, [['SOFA', 1]]), await cart(customer, [['SOFA', 1]])]
    for (const c of carts) expect((await shop.carts.redeemPoints(c.id, 300)).pointsRedeemed).toBe(300)
    const results = await Promise.allSettled(carts.map((c) => shop.checkout.placeOrder(c.id, { idempotencyKey: randomUUID() })))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!
    expect(refused.reason).toMatchObject({ code: 'LOYALTY_INSUFFICIENT', details: { requested: 300, available: 200 } })
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 200, held: 300, total: 200 })
  })

  test('expiry warns once ahead and expires what is left; a return after activation reverses, the shortfall is a debt paid by the next earn', async () => {
    const customer = 'cust-expiry'
    const order = await shop.checkout.placeOrder((await cart(customer, [['SOFA', 1]])).id, { idempotencyKey: randomUUID() })
    await deliverAll(order)
    clock.advance(14 * DAY)
    await shop.loyalty.runActivation()
    // Spend 300 of the 500 on another order that completes.
    const c = await cart(customer, [['SOFA', 1]])
    await shop.carts.redeemPoints(c.id, 300)
    const spending = await shop.checkout.placeOrder(c.id, { idempotencyKey: randomUUID() })
    await deliverAll(spending)
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 200, pending: Math.floor(((1_000_000 - 30_000) * 500) / 10_000 / 100) })

    // The first order's 500 points are reversed in full (its goods are refunded): 200 left on the entry, 300 become debt.
    const paid = await shop.payments.recordCash(order.id, { amount: order.totals.total, actor: 'courier:1' })
    await shop.payments.refund(paid.id, { lines: [{ lineId: order.lines[0]!.id, quantity: 1 }], reason: 'returned within 14 days', idempotencyKey: randomUUID(), actor: 'manager:1' })
    await shop.events.relay()
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 0, debt: 300 })
    // The second order's earn (485) activates and pays the debt first.
    clock.advance(14 * DAY)
    await shop.loyalty.runActivation()
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 185, debt: 0, pending: 0, total: 185 })

    clock.advance(180 * DAY - 7 * DAY)
    await shop.loyalty.runExpiry()
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 185, total: 185 })
    const warned = (await shop.events.forAggregate(customer)).filter((e) => e.type === 'loyalty.points_expiring')
    expect(warned.map((e) => e.data)).toEqual([{ customerId: customer, points: 185, expiresAt: new Date(clock.now().getTime() + 7 * DAY).toISOString() }])
    await shop.loyalty.runExpiry()
    expect((await shop.events.forAggregate(customer)).filter((e) => e.type === 'loyalty.points_expiring')).toHaveLength(1)
    clock.advance(7 * DAY)
    await shop.loyalty.runExpiry()
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 0, total: 0 })
    expect((await shop.events.forAggregate(customer)).filter((e) => e.type === 'loyalty.points_expired').map((e) => e.data)).toEqual([{ customerId: customer, points: 185 }])
  })
})
