import { randomUUID } from 'node:crypto'
import { createCommerce, type Commerce, type Order } from '@ordo/core'
import { describeEachDialect, storageFromDescriptor, testClock, type TestClock, type TestDatabase } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { failure } from './fixtures/order-fixture.js'

const MOSCOW = { city: 'Москва', postalCode: '101000' }
const ADDRESS = { country: 'RU', city: 'Москва', postalCode: '101000', street: 'ул. Тверская', house: '1' }
const DAY = 86_400_000

describeEachDialect('loyalty: refused goods, order edits, personal coupons', ({ database }) => {
  let db: TestDatabase
  let shop: Commerce
  let clock: TestClock
  const others: Commerce[] = []

  beforeAll(async () => {
    clock = testClock('2026-03-10T09:00:00Z')
    db = await database()
    shop = await createCommerce({
      storage: db.storage,
      currency: 'RUB',
      clock,
      payments: { methods: [{ code: 'cod', type: 'cash_on_delivery' }] },
      delivery: {
        ownCourier: { zones: [{ code: 'msk', name: 'Moscow', cities: ['Москва'], price: 30_000, days: { min: 1, max: 1 } }] },
        calendar: { timeZone: 'Europe/Moscow' },
      },
      loyalty: { earnBasisPoints: 500, pointValue: 100, activationDays: 14, expiryDays: 180, maxRedeemBasisPoints: 3000 },
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
  afterAll(async () => {
    for (const other of others) await other.close()
    await shop?.close()
  })

  async function cart(customerId: string, lines: [string, number][]) {
    const c = await shop.carts.create({ customerId })
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
    await shop.events.relay()
  }

  const pointsOn = (line: Order['lines'][number]) => line.discounts.filter((d) => d.source.type === 'loyalty').reduce((s, d) => s + d.amount, 0)
  const returnedEvents = async (customerId: string) => (await shop.events.forAggregate(customerId)).filter((e) => e.type === 'loyalty.points_returned').map((e) => e.data)

  test('points on refused units come back to the credits they came from, latest expiry first, with their expiry; the kept units stay paid', async () => {
    const customer = 'cust-refuse'
    await shop.loyalty.adjust(customer, { points: 300, reason: 'welcome', externalId: 'r-1' })
    clock.advance(DAY)
    await shop.loyalty.adjust(customer, { points: 200, reason: 'goodwill', externalId: 'r-2' })
    const credits = (await shop.loyalty.statement(customer)).items
    const [later, earlier] = credits
    // 3 lamps (2 999.70 ₽) + a vase (456.78 ₽): 30 % cap is 1 036.94 ₽ — all 500 points apply.
    const c = await cart(customer, [['LAMP', 3], ['VASE', 1]])
    expect((await shop.carts.redeemPoints(c.id, 500)).pointsRedeemed).toBe(500)
    const order = await shop.checkout.placeOrder(c.id, { idempotencyKey: randomUUID() })
    const lamp = order.lines.find((l) => l.sku === 'LAMP')!
    const vase = order.lines.find((l) => l.sku === 'VASE')!
    // 50 000 over 299 970 and 45 678 by largest remainder: 43 392.47… and 6 607.52… → 43 392 + 6 608.
    expect([pointsOn(lamp), pointsOn(vase)]).toEqual([43_392, 6_608])
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 0, held: 500 })

    // The customer keeps two lamps and refuses one lamp and the vase.
    const shipment = await handOver(order)
    await shop.shipments.recordOutcome(shipment.id, {
      kept: [{ lineId: lamp.id, quantity: 2 }],
      refused: [{ lineId: lamp.id, quantity: 1 }, { lineId: vase.id, quantity: 1 }],
      actor: 'courier:1',
    })
    await shop.events.relay()
    // One lamp's share of 43 392 is 14 464 (the refund split), plus the vase's 6 608: 210.72 ₽ → 210 points, in the shop's favour.
    expect(await returnedEvents(customer)).toEqual([{ customerId: customer, orderId: order.id, points: 210, reason: 'refused' }])
    const after = (await shop.loyalty.statement(customer)).items
    const spend = after.find((e) => e.kind === 'spend')!
    expect([spend.status, spend.points]).toEqual(['committed', -290])
    expect(spend.reason).toContain('210 given back (goods refused)')
    // Spent earliest expiry first (300 + 200); given back latest expiry first: the 200 credit whole, then 10 to the first.
    expect(after.find((e) => e.id === later!.id)).toMatchObject({ remaining: 200, status: 'active', expiresAt: later!.expiresAt })
    expect(after.find((e) => e.id === earlier!.id)).toMatchObject({ remaining: 10, status: 'partly_spent', expiresAt: earlier!.expiresAt })
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 210, held: 0 })

    // Another relay gives nothing more.
    await shop.events.relay()
    expect(await returnedEvents(customer)).toHaveLength(1)
    expect((await shop.loyalty.balance(customer)).active).toBe(210)
  })

  test('a fully refused order gives every point back; an order without points is left alone', async () => {
    const customer = 'cust-refuse-all'
    await shop.loyalty.adjust(customer, { points: 137, reason: 'welcome', externalId: 'ra-1' })
    const c = await cart(customer, [['VASE', 1]])
    expect((await shop.carts.redeemPoints(c.id, 137)).pointsRedeemed).toBe(137)
    const order = await shop.checkout.placeOrder(c.id, { idempotencyKey: randomUUID() })
    const shipment = await handOver(order)
    await shop.shipments.recordOutcome(shipment.id, { kept: [], refused: [{ lineId: order.lines[0]!.id, quantity: 1 }], actor: 'courier:1' })
    await shop.events.relay()
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 137, held: 0, total: 137 })
    expect(await returnedEvents(customer)).toEqual([{ customerId: customer, orderId: order.id, points: 137, reason: 'refused' }])

    const plain = await shop.checkout.placeOrder((await cart(customer, [['CUP', 2]])).id, { idempotencyKey: randomUUID() })
    const s2 = await handOver(plain)
    await shop.shipments.recordOutcome(s2.id, { kept: [{ lineId: plain.lines[0]!.id, quantity: 1 }], refused: [{ lineId: plain.lines[0]!.id, quantity: 1 }], actor: 'courier:1' })
    await shop.events.relay()
    expect(await returnedEvents(customer)).toHaveLength(1)
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 137, held: 0 })
  })

  test('an order edit keeps the points discount, capped again on the new goods; the hold shrinks, never grows', async () => {
    const customer = 'cust-edit'
    await shop.loyalty.adjust(customer, { points: 500, reason: 'welcome', externalId: 'e-1' })
    const c = await cart(customer, [['LAMP', 1], ['VASE', 1]])
    expect((await shop.carts.redeemPoints(c.id, 500)).pointsRedeemed).toBe(437)
    const order = await shop.checkout.placeOrder(c.id, { idempotencyKey: randomUUID() })
    const vase = order.lines.find((l) => l.sku === 'VASE')!

    // Adding a cup keeps the 437 points (the cap rises, the points do not).
    const grown = await shop.orders.addLine(order.id, { sku: 'CUP', quantity: 1, actor: 'manager:1' })
    expect(grown.totals.discountTotal).toBe(43_700)
    await shop.events.relay()
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 63, held: 437 })

    // Without the vase and the cup the goods are 999.90 ₽: 30 % is 299.97 ₽ → 299 points stay on the lamp, 138 come back.
    const cup = grown.lines.find((l) => l.sku === 'CUP')!
    await shop.orders.removeLine(order.id, { lineId: cup.id, actor: 'manager:1' })
    const edited = await shop.orders.removeLine(order.id, { lineId: vase.id, actor: 'manager:1' })
    expect(edited.lines.map((l) => [l.sku, pointsOn(l), l.total])).toEqual([['LAMP', 29_900, 99_990 - 29_900]])
    await shop.events.relay()
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 201, held: 299, total: 201 })
    expect(await returnedEvents(customer)).toEqual([{ customerId: customer, orderId: order.id, points: 138, reason: 'order_edited' }])

    // More lamps again: still 299 points, not the 437 first redeemed.
    const more = await shop.orders.changeQuantity(order.id, { lineId: edited.lines[0]!.id, quantity: 3, actor: 'manager:1' })
    expect(more.totals.discountTotal).toBe(29_900)
    await shop.events.relay()
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 201, held: 299 })

    // Cancelling now gives back what is still held, to the same credit.
    await shop.orders.cancel(order.id, { actor: 'customer', reason: 'customer_request' })
    await shop.events.relay()
    expect(await shop.loyalty.balance(customer)).toMatchObject({ active: 500, held: 0, total: 500 })
    const spend = (await shop.loyalty.statement(customer)).items.find((e) => e.kind === 'spend')!
    expect([spend.status, spend.points]).toEqual(['released', -299])
  })

  test('birthday coupons: once a year, on the day or within a week after; set birthdays are validated', async () => {
    const promo = await shop.promotions.create({ name: 'Birthday', requiresCoupon: true, benefits: [{ type: 'percent_off_lines', percent: 15 }] })
    const today = clock.now().toISOString().slice(5, 10)
    const threeDaysAgo = new Date(clock.now().getTime() - 3 * DAY).toISOString().slice(5, 10)
    const inTenDays = new Date(clock.now().getTime() + 10 * DAY).toISOString().slice(5, 10)
    await shop.loyalty.setBirthday('bd-today', today)
    await shop.loyalty.setBirthday('bd-late', threeDaysAgo)
    await shop.loyalty.setBirthday('bd-soon', inTenDays)
    await shop.loyalty.setBirthday('bd-forgot', today)
    await shop.loyalty.setBirthday('bd-forgot', null)
    expect(await failure(shop.loyalty.setBirthday('bd-x', '02-30'))).toMatchObject({ code: 'VALIDATION' })
    expect(await failure(shop.loyalty.setBirthday('bd-x', '2026-03-10'))).toMatchObject({ code: 'VALIDATION' })
    expect(await failure(shop.loyalty.issuePersonalCoupons({ reason: 'birthday' }))).toMatchObject({ code: 'INVALID_CONFIG' })

    const issued = await shop.loyalty.issuePersonalCoupons({ reason: 'birthday', promotionId: promo.id, validDays: 14 })
    expect(issued.map((c) => c.customerId).sort()).toEqual(['bd-late', 'bd-today'])
    for (const coupon of issued) {
      expect(coupon).toMatchObject({ reason: 'birthday', promotionId: promo.id, code: expect.stringMatching(/^[A-Z0-9]{10}$/) })
      expect(await shop.promotions.checkCoupon(coupon.code, { customerId: coupon.customerId })).toMatchObject({ ok: true, promotionId: promo.id })
      expect(await shop.promotions.getCoupon(coupon.code)).toMatchObject({ usageLimit: 1, validTo: new Date(clock.now().getTime() + 14 * DAY) })
    }
    const events = (await shop.events.forAggregate('bd-today')).filter((e) => e.type === 'loyalty.coupon_issued').map((e) => e.data)
    expect(events).toEqual([{ customerId: 'bd-today', code: issued.find((c) => c.customerId === 'bd-today')!.code, reason: 'birthday', promotionId: promo.id, validTo: new Date(clock.now().getTime() + 14 * DAY).toISOString() }])
    // Again the same day, or a few days on: nothing new.
    expect(await shop.loyalty.issuePersonalCoupons({ reason: 'birthday', promotionId: promo.id })).toEqual([])
    clock.advance(2 * DAY)
    expect(await shop.loyalty.issuePersonalCoupons({ reason: 'birthday', promotionId: promo.id })).toEqual([])
    // Named customers get theirs whatever the date, still once a year.
    const named = await shop.loyalty.issuePersonalCoupons({ reason: 'birthday', promotionId: promo.id, customers: ['bd-soon', 'bd-today'] })
    expect(named.map((c) => c.customerId)).toEqual(['bd-soon'])
    expect((await shop.loyalty.personalCoupons('bd-today')).map((c) => c.code)).toEqual([issued.find((c) => c.customerId === 'bd-today')!.code])
    // A year on, the birthday comes round again.
    clock.advance(365 * DAY - 2 * DAY)
    const nextYear = await shop.loyalty.issuePersonalCoupons({ reason: 'birthday', promotionId: promo.id })
    expect(nextYear.map((c) => c.customerId)).toContain('bd-today')
    expect(await shop.loyalty.personalCoupons('bd-today')).toHaveLength(2)

    const automatic = await shop.promotions.create({ name: 'Auto', benefits: [{ type: 'percent_off_lines', percent: 5 }] })
    expect(await failure(shop.loyalty.issuePersonalCoupons({ reason: 'birthday', promotionId: automatic.id, customers: ['bd-new'] }))).toMatchObject({ code: 'VALIDATION' })
    // Nothing was recorded for the refused call: the customer still gets theirs.
    expect(await shop.loyalty.issuePersonalCoupons({ reason: 'birthday', promotionId: promo.id, customers: ['bd-new'] })).toHaveLength(1)
  })

  test('win-back coupons by the configured daily job: after afterDays without a completed order, once per lull', async () => {
    const promo = await shop.promotions.create({ name: 'Come back', requiresCoupon: true, benefits: [{ type: 'fixed_off_order', amount: 50_000 }] })
    const quiet = `wb-quiet-${randomUUID()}`
    const busy = `wb-busy-${randomUUID()}`
    await deliverAll(await shop.checkout.placeOrder((await cart(quiet, [['CUP', 1]])).id, { idempotencyKey: randomUUID() }))
    clock.advance(60 * DAY)
    await deliverAll(await shop.checkout.placeOrder((await cart(busy, [['CUP', 1]])).id, { idempotencyKey: randomUUID() }))

    const jobs = await createCommerce({
      storage: await storageFromDescriptor(db.descriptor),
      currency: 'RUB',
      clock,
      loyalty: { earnBasisPoints: 500, personalCoupons: { winBack: { promotionId: promo.id, afterDays: 90 } } },
    })
    others.push(jobs)
    const mine = async (customerId: string) => (await jobs.loyalty.personalCoupons(customerId)).filter((c) => c.reason === 'win_back')

    // 60 days after the quiet customer's order: not yet.
    clock.advance(DAY)
    await jobs.jobs.runDue({ names: ['loyalty.personal-coupons'] })
    expect(await mine(quiet)).toEqual([])
    // 91 days: the quiet customer gets one, the busy one (31 days) does not.
    clock.advance(30 * DAY)
    await jobs.jobs.runDue({ names: ['loyalty.personal-coupons'] })
    expect(await mine(quiet)).toHaveLength(1)
    expect(await mine(busy)).toEqual([])
    clock.advance(2 * DAY)
    await jobs.jobs.runDue({ names: ['loyalty.personal-coupons'] })
    expect(await mine(quiet)).toHaveLength(1)

    // They come back, then fall quiet again for 90 days: a new lull, a new coupon.
    await deliverAll(await shop.checkout.placeOrder((await cart(quiet, [['CUP', 1]])).id, { idempotencyKey: randomUUID() }))
    clock.advance(89 * DAY)
    expect((await jobs.loyalty.issuePersonalCoupons({ reason: 'win_back' })).map((c) => c.customerId)).not.toContain(quiet)
    clock.advance(2 * DAY)
    expect((await jobs.loyalty.issuePersonalCoupons({ reason: 'win_back' })).map((c) => c.customerId)).toContain(quiet)
    expect(await mine(quiet)).toHaveLength(2)
  })
})
