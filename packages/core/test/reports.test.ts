import { randomUUID } from 'node:crypto'
import { createCommerce, OrdoError, type Commerce, type Order } from '@ordo/core'
import { describeEachDialect, testClock, type TestClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { memoryProvider, webhook, type MemoryProvider } from './payment-fixtures/memory-provider.js'

// A seeded month of orders (March 2026, Moscow time) with every figure below computed by hand:
//
//   order  placed (MSK)        customer         channel              lines (price)                     delivery  pay   what happened
//   Z      20 Feb 12:00        c2               yandex/cpc/spring    MUG 20 000                        30 000    cod   placed only (February: makes c2 a returning customer)
//   A      2 Mar 23:30         c1               yandex/cpc/spring    KETTLE 100 000 + 2 MUG 40 000     30 000    cod   m1 confirms after 30 min; all kept on time
//   B      4 Mar 00:30         guest by phone   vk                   2 TOWEL 60 000 + MUG 20 000       30 000    cod   m2 confirms after 600 min; MUG refused (partial buyout), late
//   C      5 Mar 12:00         c2               yandex/cpc/spring    KETTLE 100 000                    30 000    cod   m1; cancelled: price_not_suitable
//   D      10 Mar 12:00        c1               direct               PLATE 10 000 (no cost) + TOWEL    30 000    card  m2 confirms after 45 min; paid; all kept on time; TOWEL refunded (30 000)
//   I      12 Mar 11:00        c5               vk                   KETTLE + MUG 120 000              30 000    card  confirmed (no manager) after 10 min; paid; MUG refused: refunded by the outcome, counted once
//   E      15 Mar 15:00        guest by e-mail  yandex/cpc/spring    3 MUG 60 000                      30 000    cod   cancelled: out_of_stock
//   F      20 Mar 18:00        c3               vk                   KETTLE + TOWEL 130 000            30 000    cod   m1 confirms after 20 min; at the point on time, all refused 3 days later (returned)
//   G      31 Mar 23:30        c2               yandex/cpc/spring    MUG + TOWEL 50 000 − 100 points   30 000    cod   placed only; 10 000 of points spread 4 000 / 6 000
//   H      1 Apr 00:30         c4               direct               MUG 20 000                        30 000    cod   placed only (April in Moscow, still March in UTC)
//
// Costs: KETTLE 60 000, MUG 8 000, TOWEL 12 000, PLATE unknown. Categories: kitchen (KETTLE, MUG, PLATE), textiles (TOWEL).
const MARCH = { from: '2026-03-01T00:00:00+03:00', to: '2026-04-01T00:00:00+03:00', timeZone: 'Europe/Moscow' } as const
const MSK = (local: string) => new Date(`${local}+03:00`)
const DAY = 86_400_000

describeEachDialect('reports', ({ database }) => {
  let shop: Commerce
  let clock: TestClock
  let provider: MemoryProvider
  const orders: Record<string, Order> = {}
  const outcomeAt: Record<string, Date> = {}

  const settle = async () => {
    for (let i = 0; i < 5; i++) await shop.events.relay()
  }

  async function place(spec: {
    at: string
    customerId?: string
    contact: { phone?: string; email?: string }
    channel?: { source: string; medium?: string; campaign?: string }
    items: [string, number][]
    payment?: 'cod' | 'card'
    points?: number
  }): Promise<Order> {
    clock.set(MSK(spec.at))
    const cart = await shop.carts.create({ ...(spec.customerId ? { customerId: spec.customerId } : {}), ...(spec.channel ? { channel: spec.channel } : {}) })
    for (const [sku, quantity] of spec.items) await shop.carts.addItem(cart.id, { sku, quantity })
    await shop.carts.setContact(cart.id, spec.contact)
    await shop.carts.setPayment(cart.id, { method: spec.payment ?? 'cod' })
    await shop.carts.setDelivery(cart.id, { optionId: 'own:msk', destination: { city: 'Москва' }, address: { country: 'RU', city: 'Москва', street: 'Тверская', house: '1' }, tryOn: true })
    if (spec.points) await shop.carts.redeemPoints(cart.id, spec.points)
    return shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID() })
  }

  async function confirm(order: Order, manager: string | null, at: string) {
    if (manager) await shop.orders.assignManager(order.id, { managerId: manager, actor: 'admin' })
    clock.set(MSK(at))
    await shop.orders.confirm(order.id, { actor: `manager:${manager ?? 'x'}`, channel: 'call' })
  }

  /** Hands the order's shipment over and records what the customer kept, `late` days after the estimate's last day (with `arrive`, it reached a pickup point on that day). */
  async function deliver(name: string, keep: (sku: string) => number, at: { late: number; hour: number; arrive?: boolean }) {
    const order = (await shop.orders.get(orders[name]!.id))!
    const [shipment] = await shop.shipments.forOrder(order.id)
    await shop.shipments.pack(shipment!.id, { actor: 'store' })
    await shop.shipments.transition(shipment!.id, 'hand_over', { actor: 'courier' })
    const estimate = (order.delivery as { estimate: { to: string } }).estimate.to
    const onTheDay = MSK(`${estimate}T${String(at.hour).padStart(2, '0')}:00:00`)
    if (at.arrive) {
      clock.set(onTheDay)
      await shop.shipments.transition(shipment!.id, 'arrive', { actor: 'courier' })
    }
    const when = new Date(onTheDay.getTime() + at.late * DAY)
    clock.set(when)
    outcomeAt[name] = when
    const kept = order.lines.filter((l) => keep(l.sku) > 0).map((l) => ({ lineId: l.id, quantity: keep(l.sku) }))
    const refused = order.lines.filter((l) => keep(l.sku) < l.quantity).map((l) => ({ lineId: l.id, quantity: l.quantity - keep(l.sku) }))
    await shop.shipments.recordOutcome(shipment!.id, { kept, refused, actor: 'courier' })
  }

  beforeAll(async () => {
    clock = testClock('2026-02-01T09:00:00Z')
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
      delivery: { ownCourier: { zones: [{ code: 'msk', name: 'Moscow', cities: ['Москва'], price: 30_000, days: { min: 1, max: 2 } }] }, calendar: { timeZone: 'Europe/Moscow' } },
      loyalty: { earnBasisPoints: 500, pointValue: 100 },
    })
    const kitchen = await shop.catalog.createCategory({ slug: 'kitchen', name: 'Kitchen' })
    const textiles = await shop.catalog.createCategory({ slug: 'textiles', name: 'Textiles' })
    const warehouse = await shop.inventory.createLocation({ code: 'main', name: 'Main', type: 'warehouse' })
    const products: [string, number, number | null, string][] = [
      ['KETTLE', 100_000, 60_000, kitchen.id],
      ['MUG', 20_000, 8_000, kitchen.id],
      ['PLATE', 10_000, null, kitchen.id],
      ['TOWEL', 30_000, 12_000, textiles.id],
    ]
    for (const [sku, amount, costPrice, category] of products) {
      await shop.catalog.upsertProduct({ handle: sku.toLowerCase(), name: sku, vatRate: 'vat22', paymentSubject: 'commodity', categoryIds: [category], variants: [{ sku, costPrice }] })
      await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku, amount }])
      await shop.inventory.receive({ variantId: (await shop.catalog.getVariantBySku(sku))!.id, locationId: warehouse.id, delta: 50, key: `seed-${sku}` })
    }
    await shop.loyalty.adjust('c2', { points: 500, reason: 'welcome', externalId: 'seed-c2' })

    const yandex = { source: 'yandex', medium: 'cpc', campaign: 'spring' }
    orders.Z = await place({ at: '2026-02-20T12:00:00', customerId: 'c2', contact: { phone: '+79160000022' }, channel: yandex, items: [['MUG', 1]] })

    orders.A = await place({ at: '2026-03-02T23:30:00', customerId: 'c1', contact: { phone: '+79160000011' }, channel: yandex, items: [['KETTLE', 1], ['MUG', 2]] })
    await confirm(orders.A, 'm1', '2026-03-03T00:00:00')
    await shop.orders.transition(orders.A.id, 'start_picking', { actor: 'store' })
    await deliver('A', (sku) => ({ KETTLE: 1, MUG: 2 })[sku] ?? 0, { late: 0, hour: 12 })

    orders.B = await place({ at: '2026-03-04T00:30:00', contact: { phone: '+79160000002' }, channel: { source: 'vk' }, items: [['TOWEL', 2], ['MUG', 1]] })
    await confirm(orders.B, 'm2', '2026-03-04T10:30:00')
    await shop.orders.transition(orders.B.id, 'start_picking', { actor: 'store' })
    await deliver('B', (sku) => (sku === 'TOWEL' ? 2 : 0), { late: 2, hour: 15 })

    orders.C = await place({ at: '2026-03-05T12:00:00', customerId: 'c2', contact: { phone: '+79160000022' }, channel: yandex, items: [['KETTLE', 1]] })
    await shop.orders.assignManager(orders.C.id, { managerId: 'm1', actor: 'admin' })
    clock.set(MSK('2026-03-05T13:00:00'))
    await shop.orders.cancel(orders.C.id, { actor: 'manager:m1', reason: 'price_not_suitable' })

    orders.D = await place({ at: '2026-03-10T12:00:00', customerId: 'c1', contact: { phone: '+79160000011' }, items: [['PLATE', 1], ['TOWEL', 1]], payment: 'card' })
    await confirm(orders.D, 'm2', '2026-03-10T12:45:00')
    await shop.orders.transition(orders.D.id, 'request_payment', { actor: 'manager:m2' })
    const payment = await shop.payments.start(orders.D.id, { method: 'card', returnUrl: 'https://shop.example/back', idempotencyKey: randomUUID() })
    provider.pay(payment.providerPaymentId!)
    await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}`, payment.providerPaymentId!, 'captured'))
    await shop.orders.transition(orders.D.id, 'start_picking', { actor: 'store' })
    await deliver('D', () => 1, { late: 0, hour: 20 })
    const towel = orders.D.lines.find((l) => l.sku === 'TOWEL')!
    await shop.payments.refund(payment.id, { lines: [{ lineId: towel.id, quantity: 1 }], reason: 'returned', idempotencyKey: randomUUID() })

    orders.I = await place({ at: '2026-03-12T11:00:00', customerId: 'c5', contact: { phone: '+79160000055' }, channel: { source: 'vk' }, items: [['KETTLE', 1], ['MUG', 1]], payment: 'card' })
    await confirm(orders.I, null, '2026-03-12T11:10:00')
    await shop.orders.transition(orders.I.id, 'request_payment', { actor: 'manager:x' })
    const prepaid = await shop.payments.start(orders.I.id, { method: 'card', returnUrl: 'https://shop.example/back', idempotencyKey: randomUUID() })
    provider.pay(prepaid.providerPaymentId!)
    await shop.payments.handleWebhook('memory', webhook(`ev-${prepaid.id}`, prepaid.providerPaymentId!, 'captured'))
    await shop.orders.transition(orders.I.id, 'start_picking', { actor: 'store' })
    await deliver('I', (sku) => (sku === 'KETTLE' ? 1 : 0), { late: 0, hour: 14 })

    orders.E = await place({ at: '2026-03-15T15:00:00', contact: { email: 'anna@example.com' }, channel: yandex, items: [['MUG', 3]] })
    clock.set(MSK('2026-03-15T16:00:00'))
    await shop.orders.cancel(orders.E.id, { actor: 'manager:m3', reason: 'out_of_stock' })

    orders.F = await place({ at: '2026-03-20T18:00:00', customerId: 'c3', contact: { phone: '+79160000033' }, channel: { source: 'vk' }, items: [['KETTLE', 1], ['TOWEL', 1]] })
    await confirm(orders.F, 'm1', '2026-03-20T18:20:00')
    await shop.orders.transition(orders.F.id, 'start_picking', { actor: 'store' })
    // F waits at the point from the estimate's last day and is refused three days later: the courier was on time.
    await deliver('F', () => 0, { late: 3, hour: 10, arrive: true })

    orders.G = await place({ at: '2026-03-31T23:30:00', customerId: 'c2', contact: { phone: '+79160000022' }, channel: yandex, items: [['MUG', 1], ['TOWEL', 1]], points: 100 })
    orders.H = await place({ at: '2026-04-01T00:30:00', customerId: 'c4', contact: { phone: '+79160000044' }, items: [['MUG', 1]] })

    clock.set(MSK('2026-04-02T12:00:00'))
    await settle()
    for (const [date, amount] of [['2026-02-28', 99_999], ['2026-03-01', 50_000], ['2026-03-15', 10_000], ['2026-03-15', 70_000], ['2026-04-01', 11_111]] as const) {
      await shop.reports.recordSpend({ channel: { source: 'yandex', medium: 'cpc', campaign: 'spring' }, date, amount })
    }
    await shop.reports.recordSpend({ channel: { source: 'vk' }, date: '2026-03-20', amount: 40_000 })
  }, 120_000)
  afterAll(() => shop?.close())

  test('the seed is what the fixture says', async () => {
    const status = async (name: string) => (await shop.orders.get(orders[name]!.id))!
    expect(await status('B')).toMatchObject({ status: 'partially_completed', refusedTotal: 20_000 })
    expect(await status('F')).toMatchObject({ status: 'returned', refusedTotal: 130_000 })
    expect(await status('I')).toMatchObject({ status: 'partially_completed', refusedTotal: 20_000 })
    expect((await shop.payments.forOrder(orders.I!.id)).payments).toMatchObject([{ captured: 150_000, refunded: 20_000 }])
    expect((await status('G')).totals).toMatchObject({ total: 70_000, discountTotal: 10_000 })
    expect(orders.G!.lines.map((l) => [l.sku, l.total])).toEqual([['MUG', 16_000], ['TOWEL', 24_000]])
  })

  test('sales: revenue, orders, AOV, margin, discounts and points by day in Moscow time', async () => {
    const report = await shop.reports.sales({ ...MARCH, groupBy: 'day' })
    expect(report.rows).toHaveLength(31)
    expect(report.totals).toEqual({
      orders: 5,
      revenue: 500_000,
      averageOrderValue: 100_000,
      goods: 350_000,
      cost: 192_000,
      grossMargin: 158_000,
      marginRate: 0.4514,
      discounts: 10_000,
      pointsSpent: 100,
      delivery: 150_000,
      refused: 40_000,
      refunded: 30_000,
      uncostedLines: 1,
    })
    const day = (d: string) => report.rows.find((r) => r.period === d)!
    // A at 23:30 on 2 March stays on 2 March; B at 00:30 on 4 March is 4 March in Moscow.
    expect(day('2026-03-02')).toMatchObject({ orders: 1, revenue: 170_000, goods: 140_000, cost: 76_000, grossMargin: 64_000 })
    expect(day('2026-03-03')).toMatchObject({ orders: 0, revenue: 0 })
    expect(day('2026-03-04')).toMatchObject({ orders: 1, revenue: 90_000, goods: 60_000, cost: 24_000, refused: 20_000 })
    expect(day('2026-03-10')).toMatchObject({ orders: 1, revenue: 40_000, goods: 10_000, cost: 12_000, grossMargin: -2_000, refunded: 30_000, uncostedLines: 1 })
    // I: the refused MUG's refund is the refused money, not taken off twice.
    expect(day('2026-03-12')).toMatchObject({ orders: 1, revenue: 130_000, goods: 100_000, cost: 60_000, refused: 20_000, refunded: 0 })
    expect(day('2026-03-31')).toMatchObject({ orders: 1, revenue: 70_000, discounts: 10_000, pointsSpent: 100 })
    expect(report.rows.filter((r) => r.orders > 0).map((r) => r.period)).toEqual(['2026-03-02', '2026-03-04', '2026-03-10', '2026-03-12', '2026-03-31'])
    expect(report.period).toEqual({ from: new Date('2026-02-28T21:00:00Z'), to: new Date('2026-03-31T21:00:00Z'), timeZone: 'Europe/Moscow', groupBy: 'day' })
  })

  test('time zone: the same orders bucketed in UTC move across midnight', async () => {
    const utc = await shop.reports.sales({ from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z', timeZone: 'UTC' })
    const active = utc.rows.filter((r) => r.orders > 0).map((r) => [r.period, r.orders, r.revenue])
    // B (21:30 UTC on 3 March) moves to the 3rd; H (21:30 UTC on 31 March) joins G on the 31st.
    expect(active).toEqual([
      ['2026-03-02', 1, 170_000],
      ['2026-03-03', 1, 90_000],
      ['2026-03-10', 1, 40_000],
      ['2026-03-12', 1, 130_000],
      ['2026-03-31', 2, 120_000],
    ])
    const weeks = await shop.reports.sales({ ...MARCH, groupBy: 'week' })
    expect(weeks.rows.map((r) => [r.period, r.orders])).toEqual([
      ['2026-02-23', 0],
      ['2026-03-02', 2],
      ['2026-03-09', 2],
      ['2026-03-16', 0],
      ['2026-03-23', 0],
      ['2026-03-30', 1],
    ])
    const months = await shop.reports.sales({ from: '2026-02-01T00:00:00+03:00', to: '2026-05-01T00:00:00+03:00', timeZone: 'Europe/Moscow', groupBy: 'month' })
    expect(months.rows.map((r) => [r.period, r.orders, r.revenue])).toEqual([
      ['2026-02', 1, 50_000],
      ['2026-03', 5, 500_000],
      ['2026-04', 1, 50_000],
    ])
  })

  test('sales by channel', async () => {
    const report = await shop.reports.sales({ ...MARCH, groupBy: 'month' }, { byChannel: true })
    expect(report.rows.map((r) => [r.source, r.medium, r.campaign, r.orders, r.revenue])).toEqual([
      [null, null, null, 1, 40_000],
      ['vk', null, null, 2, 220_000],
      ['yandex', 'cpc', 'spring', 2, 240_000],
    ])
    expect(report.totals.revenue).toBe(500_000)
  })

  test('cancellations by reason, partial buyout and refusals', async () => {
    const report = await shop.reports.cancellations({ ...MARCH, groupBy: 'day' })
    expect(report.totals).toEqual({ placed: 8, cancelled: 2, cancellationRate: 0.25, cancelledValue: 220_000 })
    expect(report.rows).toEqual([
      { reason: 'out_of_stock', orders: 1, rate: 0.125, shareOfCancelled: 0.5, value: 90_000 },
      { reason: 'price_not_suitable', orders: 1, rate: 0.125, shareOfCancelled: 0.5, value: 130_000 },
    ])
    expect(report.byPeriod.find((r) => r.period === '2026-03-05')).toEqual({ period: '2026-03-05', placed: 1, cancelled: 1, cancellationRate: 1 })
    expect(report.byPeriod.reduce((s, r) => s + r.placed, 0)).toBe(8)
    expect(report.outcomes).toEqual({
      shipments: 5,
      delivered: 2,
      partiallyDelivered: 2,
      refused: 1,
      partialBuyoutRate: 0.4,
      refusalRate: 0.2,
      orderValue: 660_000,
      refusedValue: 170_000,
      refusedValueRate: 0.2576,
    })
  })

  test('cross-sell share and product pairs', async () => {
    const report = await shop.reports.crossSell({ ...MARCH, groupBy: 'month' })
    expect(report.totals).toEqual({ orders: 5, crossSellOrders: 3, value: 420_000, crossSellValue: 46_000, crossSellShare: 0.1095 })
    expect(report.rows).toEqual([{ period: '2026-03', orders: 5, crossSellOrders: 3, value: 420_000, crossSellValue: 46_000, crossSellShare: 0.1095 }])
    // Ties are ordered by product id (products were created KETTLE, MUG, PLATE, TOWEL), the same on every database.
    expect(report.pairs.map((p) => [p.nameA, p.nameB, p.orders, p.share])).toEqual([
      ['KETTLE', 'MUG', 2, 0.4],
      ['MUG', 'TOWEL', 2, 0.4],
      ['PLATE', 'TOWEL', 1, 0.2],
    ])
    expect((await shop.reports.crossSell({ ...MARCH }, { topPairs: 1 })).pairs).toHaveLength(1)
  })

  test('repeat purchases and monthly cohorts', async () => {
    const march = await shop.reports.retention(MARCH)
    expect(march.totals).toEqual({ customers: 4, newCustomers: 3, returningCustomers: 1, repeatCustomers: 1, repeatRate: 0.25 })
    expect(march.rows).toEqual([{ cohort: '2026-03', customers: 3, active: [3], retention: [1] }])

    const spring = await shop.reports.retention({ from: '2026-02-01T00:00:00+03:00', to: '2026-05-01T00:00:00+03:00', timeZone: 'Europe/Moscow' })
    expect(spring.totals).toEqual({ customers: 5, newCustomers: 5, returningCustomers: 0, repeatCustomers: 2, repeatRate: 0.4 })
    expect(spring.rows).toEqual([
      { cohort: '2026-02', customers: 1, active: [1, 1, 0], retention: [1, 1, 0] },
      { cohort: '2026-03', customers: 3, active: [3, 0], retention: [1, 0] },
      { cohort: '2026-04', customers: 1, active: [1], retention: [1] },
    ])
  })

  test('ad spend: cost per order and per new customer, return on ad spend', async () => {
    const report = await shop.reports.acquisition(MARCH)
    expect(report.rows).toEqual([
      { source: null, medium: null, campaign: null, spend: 0, orders: 1, revenue: 40_000, newCustomers: 0, costPerOrder: 0, costPerNewCustomer: null, roas: null },
      { source: 'vk', medium: null, campaign: null, spend: 40_000, orders: 2, revenue: 220_000, newCustomers: 2, costPerOrder: 20_000, costPerNewCustomer: 20_000, roas: 5.5 },
      { source: 'yandex', medium: null, campaign: null, spend: 120_000, orders: 2, revenue: 240_000, newCustomers: 1, costPerOrder: 60_000, costPerNewCustomer: 120_000, roas: 2 },
    ])
    expect(report.totals).toEqual({ spend: 160_000, orders: 5, revenue: 500_000, newCustomers: 3, costPerOrder: 32_000, costPerNewCustomer: 53_333, roas: 3.125 })
    const byCampaign = await shop.reports.acquisition(MARCH, { level: 'campaign' })
    expect(byCampaign.rows.find((r) => r.source === 'yandex')).toMatchObject({ medium: 'cpc', campaign: 'spring', spend: 120_000 })
    // In UTC the days are the same calendar days: 1 April starts at the period's end and stays out.
    const utc = await shop.reports.acquisition({ from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z', timeZone: 'UTC' })
    expect(utc.totals.spend).toBe(160_000)
  })

  test('recordSpend replaces a day and refuses bad input', async () => {
    const again = await shop.reports.recordSpend({ channel: { source: 'vk' }, date: '2026-03-20', amount: 40_000 })
    expect(again).toMatchObject({ source: 'vk', medium: null, campaign: null, date: '2026-03-20', amount: 40_000, currency: 'RUB' })
    for (const bad of [
      { channel: { source: '' }, date: '2026-03-01', amount: 1 },
      { channel: { source: 'vk' }, date: '2026-13-01', amount: 1 },
      { channel: { source: 'vk' }, date: '2026-03-01', amount: -5 },
      { channel: { source: 'vk' }, date: '2026-03-01', amount: 1.5 },
      { channel: { source: 'vk', extra: 1 }, date: '2026-03-01', amount: 1 },
    ]) {
      await expect(shop.reports.recordSpend(bad as never)).rejects.toMatchObject({ code: 'VALIDATION' })
    }
    expect((await shop.reports.acquisition(MARCH)).totals.spend).toBe(160_000)
  })

  test('dates alone are midnight in the period\'s time zone; a spend Date is the day it falls on in the given zone', async () => {
    const byDates = await shop.reports.acquisition({ from: '2026-03-01', to: '2026-04-01', timeZone: 'Europe/Moscow' })
    expect(byDates.period.from).toEqual(MSK('2026-03-01T00:00:00'))
    expect(byDates.period.to).toEqual(MSK('2026-04-01T00:00:00'))
    // Order H (00:30 on 1 April in Moscow, still 31 March in UTC) stays out.
    expect(byDates.totals).toEqual((await shop.reports.acquisition(MARCH)).totals)
    const late = new Date('2026-04-01T22:30:00Z')
    expect((await shop.reports.recordSpend({ channel: { source: 'tz-probe' }, date: late, amount: 1, timeZone: 'Europe/Moscow' })).date).toBe('2026-04-02')
    expect((await shop.reports.recordSpend({ channel: { source: 'tz-probe' }, date: late, amount: 1 })).date).toBe('2026-04-01')
    await expect(shop.reports.recordSpend({ channel: { source: 'tz-probe' }, date: late, amount: 1, timeZone: 'Mars/Olympus' })).rejects.toMatchObject({ code: 'VALIDATION' })
  })

  test('money in another currency is not added to the shop\'s: orders are left out, spend is refused', async () => {
    await expect(shop.reports.recordSpend({ channel: { source: 'vk' }, date: '2026-03-21', amount: 5_000, currency: 'EUR' })).rejects.toMatchObject({ code: 'VALIDATION' })
    expect((await shop.reports.recordSpend({ channel: { source: 'vk' }, date: '2026-03-20', amount: 40_000, currency: 'RUB' })).currency).toBe('RUB')
    expect((await shop.reports.acquisition(MARCH)).totals.spend).toBe(160_000)
    // Order D (no channel, revenue 40 000) as if it had been placed in dollars.
    await shop.run((uow) => uow.db.updateTable('ordo_order').set({ currency: 'USD' }).where('id', '=', orders.D!.id).execute())
    try {
      const report = await shop.reports.acquisition(MARCH)
      expect([report.totals.orders, report.totals.revenue]).toEqual([4, 460_000])
      expect(report.rows.find((r) => r.source === null)?.orders ?? 0).toBe(0)
      const sales = await shop.reports.sales(MARCH)
      const managers = await shop.reports.managers(MARCH)
      await shop.run((uow) => uow.db.updateTable('ordo_order').set({ currency: 'RUB' }).where('id', '=', orders.D!.id).execute())
      const [rubSales, rubManagers] = [await shop.reports.sales(MARCH), await shop.reports.managers(MARCH)]
      expect([sales.totals.orders, sales.totals.revenue]).toEqual([rubSales.totals.orders - 1, rubSales.totals.revenue - 40_000])
      // Managers still count the order, but not its money.
      expect([managers.totals.orders, managers.totals.revenue]).toEqual([rubManagers.totals.orders, rubManagers.totals.revenue - 40_000])
    } finally {
      await shop.run((uow) => uow.db.updateTable('ordo_order').set({ currency: 'RUB' }).where('id', '=', orders.D!.id).execute())
    }
  })

  test('couriers: on time against the checkout estimate, refusals, cost per delivery', async () => {
    const report = await shop.reports.couriers(MARCH)
    const placed = Object.fromEntries(['A', 'B', 'D', 'F', 'I'].map((n) => [n, orders[n]!.placedAt.getTime()]))
    const days = ['A', 'B', 'D', 'F', 'I'].reduce((s, n) => s + (outcomeAt[n]!.getTime() - placed[n]!), 0) / 5 / DAY
    expect(report.rows).toEqual([
      {
        carrier: 'own',
        methodType: 'courier_door',
        shipments: 5,
        withEstimate: 5,
        onTime: 4,
        onTimeRate: 0.8,
        averageDays: Math.round(days * 10) / 10,
        partiallyDelivered: 2,
        refused: 1,
        refusalRate: 0.2,
        partialBuyoutRate: 0.4,
        deliveryCost: 150_000,
        costPerDelivery: 30_000,
      },
    ])
  })

  test('managers: time to confirm, confirmation and cancellation rates', async () => {
    const report = await shop.reports.managers(MARCH)
    expect(report.rows).toEqual([
      { managerId: null, orders: 3, confirmed: 1, confirmationRate: 0.3333, averageMinutesToConfirm: 10, cancelled: 1, cancellationRate: 0.3333, revenue: 200_000 },
      { managerId: 'm1', orders: 3, confirmed: 2, confirmationRate: 0.6667, averageMinutesToConfirm: 25, cancelled: 1, cancellationRate: 0.3333, revenue: 170_000 },
      { managerId: 'm2', orders: 2, confirmed: 2, confirmationRate: 1, averageMinutesToConfirm: 322.5, cancelled: 0, cancellationRate: 0, revenue: 130_000 },
    ])
    expect(report.totals).toMatchObject({ orders: 8, confirmed: 5, averageMinutesToConfirm: 141, cancelled: 2, revenue: 500_000 })
  })

  test('CSV export of report rows', async () => {
    const report = await shop.reports.cancellations({ ...MARCH, groupBy: 'month' })
    expect(shop.reports.csv(report.rows)).toBe(
      'reason,orders,rate,shareOfCancelled,value\r\nout_of_stock,1,0.125,0.5,90000\r\nprice_not_suitable,1,0.125,0.5,130000\r\n',
    )
    const cohorts = await shop.reports.retention({ from: '2026-02-01T00:00:00+03:00', to: '2026-04-01T00:00:00+03:00', timeZone: 'Europe/Moscow' })
    expect(shop.reports.csv(cohorts.rows, ['cohort', 'customers', 'retention'])).toBe('cohort,customers,retention\r\n2026-02,1,"[1,1]"\r\n2026-03,3,[1]\r\n')
    // UTM tags come from visitors: text a spreadsheet would run as a formula is defused, negative numbers are not touched.
    expect(shop.reports.csv([{ campaign: '=HYPERLINK("http://x")', grossMargin: -2_000, note: 'a,b\nc' }])).toBe(
      'campaign,grossMargin,note\r\n"\'=HYPERLINK(""http://x"")",-2000,"a,b\nc"\r\n',
    )
    expect(() => shop.reports.csv('rows' as never)).toThrow(OrdoError)
  })

  test('bad periods and options are refused with VALIDATION', async () => {
    const bad: unknown[] = [
      { from: '2026-03-10T00:00:00Z', to: '2026-03-01T00:00:00Z' },
      { from: 'yesterday', to: '2026-03-01T00:00:00Z' },
      { ...MARCH, timeZone: 'Mars/Olympus' },
      { ...MARCH, groupBy: 'hour' },
      { ...MARCH, extra: true },
      { from: '2000-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z', groupBy: 'day' },
    ]
    for (const period of bad) {
      const error = await shop.reports.sales(period as never).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OrdoError)
      expect(error).toMatchObject({ code: 'VALIDATION' })
    }
    await expect(shop.reports.crossSell(MARCH, { topPairs: 1000 })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.reports.acquisition(MARCH, { level: 'landing' as never })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.reports.sales(MARCH, { byChannel: 'yes' as never })).rejects.toMatchObject({ code: 'VALIDATION' })
  })
})

