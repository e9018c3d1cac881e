import { randomUUID } from 'node:crypto'
import { createCommerce, type Commerce, type FunnelReport, type FunnelReportInput, type Order } from '@ordo/core'
import { describeEachDialect, type TestClock } from '@ordo/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { countingStorage } from '../../../bench/counting-storage.js'
import { silentLogger } from '../src/logger.js'
import { BatchWriter } from '../src/tracking/batch-writer.js'
import { failingStorage } from './fixtures/failing-storage.js'
import { failure } from './fixtures/order-fixture.js'
import { seededShop } from './fixtures/shop-fixture.js'

const DAY = 86_400_000
/** An instant written in Moscow time (UTC+3, no DST). */
const msk = (local: string) => new Date(`${local}+03:00`)

describe('batch writer', () => {
  test('a failed write of 200k held rows keeps them (no call-stack overflow), trims to the cap and logs the drop', async () => {
    const errors: string[] = []
    const logger = { ...silentLogger, error: (message: string) => void errors.push(message) }
    const down = new Error('database is down')
    let writes = 0
    let fail = true
    const written: number[] = []
    const writer = new BatchWriter<number>('test', { maxRows: 1_000_000, maxDelayMs: 60_000, maxHeld: 150_000 }, async (rows) => {
      writes++
      if (fail) throw down
      written.push(...rows)
    }, logger)
    for (let i = 0; i < 200_000; i++) writer.add(i)
    await expect(writer.flush()).rejects.toBe(down)
    // The newest 150 000 are kept; the 50 000 oldest are dropped, and that is logged.
    expect(writer.pending).toBe(150_000)
    expect(errors.some((m) => m.includes('dropped the 50000 oldest rows'))).toBe(true)
    fail = false
    await writer.flush()
    expect(writer.pending).toBe(0)
    expect(written.length).toBe(150_000)
    expect([written[0], written.at(-1)]).toEqual([50_000, 199_999])
    expect(writes).toBe(1 + 300)
  })

  test('after a failure, full batches wait for the retry instead of each starting a write', async () => {
    let fail = true
    let writes = 0
    const writer = new BatchWriter<number>('test', { maxRows: 2, maxDelayMs: 60_000, maxHeld: 1000 }, async () => {
      writes++
      if (fail) throw new Error('down')
    }, silentLogger)
    writer.add(1)
    await expect(writer.flush()).rejects.toThrow('down')
    expect(writes).toBe(1)
    for (let i = 0; i < 20; i++) writer.add(i)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(writes).toBe(1)
    fail = false
    await writer.flush()
    expect([writes, writer.pending]).toEqual([2, 0])
    // Writing works again: a full batch starts its own write.
    writer.add(1)
    writer.add(2)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect([writes, writer.pending]).toEqual([3, 0])
  })
})


describeEachDialect('tracking', ({ database }) => {
  test('visits are written in batches: N visits → N / batchSize inserts, none while the batch fills', async () => {
    const db = await database()
    const { storage, counter } = countingStorage(db.storage)
    const { shop } = await seededShop(storage, { config: { tracking: { batchSize: 100, flushIntervalMs: 60_000 } } })
    try {
      counter.reset()
      for (let i = 0; i < 99; i++) await shop.tracking.visit({ sessionId: `s-${i % 30}`, channel: { source: 'yandex', medium: 'cpc' }, landing: '/' })
      expect(counter.count).toBe(0)
      for (let i = 99; i < 250; i++) await shop.tracking.visit({ sessionId: `s-${i % 30}`, visitorId: `v-${i % 7}`, landing: `/p/${i}` })
      await shop.tracking.flush()
      // At most 100 + 100 + 50 rows: three multi-row inserts (fewer when visits pile up while a batch is being written).
      expect(counter.count).toBeGreaterThanOrEqual(1)
      expect(counter.count).toBeLessThanOrEqual(3)
      const stored = await shop.run((uow) => uow.db.selectFrom('ordo_visit').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow())
      expect(Number(stored.n)).toBe(250)
      // What close() finds queued is written too.
      await shop.tracking.visit({ sessionId: 'last', landing: '/bye' })
    } finally {
      await shop.close()
    }
    const reopened = await createCommerce({ storage: db.storage, currency: 'RUB' })
    try {
      const rows = await reopened.run((uow) => uow.db.selectFrom('ordo_visit').select('session_id').where('landing', '=', '/bye').execute())
      expect(rows).toEqual([{ session_id: 'last' }])
    } finally {
      await reopened.close()
    }
  })

  test('the flush interval writes a lone visit without an explicit flush', async () => {
    const { shop } = await seededShop((await database()).storage, { config: { tracking: { batchSize: 1000, flushIntervalMs: 20 } } })
    try {
      await shop.tracking.visit({ sessionId: 'lone', channel: { source: 'vk' } })
      await new Promise((resolve) => setTimeout(resolve, 300))
      const rows = await shop.run((uow) => uow.db.selectFrom('ordo_visit').select(['session_id', 'source']).execute())
      expect(rows).toEqual([{ session_id: 'lone', source: 'vk' }])
    } finally {
      await shop.close()
    }
  })

  test('bad input is refused with VALIDATION and nothing is queued', async () => {
    const { shop } = await seededShop((await database()).storage)
    try {
      expect((await failure(shop.tracking.visit({ sessionId: '' }))).code).toBe('VALIDATION')
      expect((await failure(shop.tracking.visit({ sessionId: 's', channel: { source: 'x'.repeat(300) } }))).code).toBe('VALIDATION')
      expect((await failure(shop.tracking.visit({ sessionId: 's', at: 'yesterday' }))).code).toBe('VALIDATION')
      // Control characters (PostgreSQL refuses NUL in text): one such row would block every batch behind it.
      expect((await failure(shop.tracking.visit({ sessionId: 's', landing: '/a\u0000b' }))).code).toBe('VALIDATION')
      expect((await failure(shop.tracking.visit({ sessionId: 's\u0000', landing: '/' }))).code).toBe('VALIDATION')
      expect((await failure(shop.tracking.visit({ sessionId: 's', channel: { source: 'ya\u0007' } }))).code).toBe('VALIDATION')
      expect((await failure(shop.tracking.lead({ sessionId: 's', name: 'Анна' }))).code).toBe('VALIDATION')
      expect((await failure(shop.tracking.lead({ sessionId: 's', phone: '12' }))).code).toBe('VALIDATION')
      await shop.tracking.flush()
      const visits = await shop.run((uow) => uow.db.selectFrom('ordo_visit').select('id').execute())
      const leads = await shop.run((uow) => uow.db.selectFrom('ordo_lead').select('id').execute())
      expect([visits.length, leads.length]).toEqual([0, 0])
    } finally {
      await shop.close()
    }
  })

  test('attribution: last non-direct touch by default, last and first on request, within the look-back window', async () => {
    const { shop, clock } = await seededShop((await database()).storage)
    try {
      const start = clock.now().getTime()
      const at = (days: number) => new Date(start + days * DAY)
      // One visitor, five sessions: an old Google session (outside 30 days), Yandex, a direct one, VK, a direct one again.
      await shop.tracking.visit({ sessionId: 's0', visitorId: 'v1', channel: { source: 'google', medium: 'cpc' }, landing: '/old', at: at(-40) })
      await shop.tracking.visit({ sessionId: 's1', visitorId: 'v1', channel: { source: 'yandex', medium: 'cpc', campaign: 'sofas' }, landing: '/sofas', at: at(-10) })
      await shop.tracking.visit({ sessionId: 's1', visitorId: 'v1', landing: '/sofas/red', at: at(-10 + 0.01) })
      await shop.tracking.visit({ sessionId: 's2', visitorId: 'v1', channel: { source: '(direct)' }, landing: '/', at: at(-5) })
      await shop.tracking.visit({ sessionId: 's3', visitorId: 'v1', channel: { source: 'vk', medium: 'social' }, landing: '/lamps', referrer: 'https://vk.com/', at: at(-2) })
      await shop.tracking.visit({ sessionId: 's4', visitorId: 'v1', landing: '/cart', at: at(-0.1) })
      // A visitor's last session made without the visitor cookie is attributed on its own.
      await shop.tracking.visit({ sessionId: 'anon', landing: '/', at: at(-0.1) })

      const lastNonDirect = await shop.tracking.attribution('s4')
      expect(lastNonDirect).toMatchObject({ source: 'vk', medium: 'social', campaign: null, landing: '/lamps', referrer: 'https://vk.com/', sessionId: 's3', model: 'last_non_direct' })
      expect(lastNonDirect!.at).toEqual(at(-2))
      expect(await shop.tracking.attribution('s4', { model: 'last' })).toMatchObject({ source: '(direct)', sessionId: 's4', landing: '/cart' })
      // The Google session is 40 days old: outside the 30-day window.
      expect(await shop.tracking.attribution('s4', { model: 'first' })).toMatchObject({ source: 'yandex', campaign: 'sofas', sessionId: 's1', landing: '/sofas' })
      // Asked as of 5 days ago: the VK session had not happened yet; the direct s2 is skipped for Yandex.
      expect(await shop.tracking.attribution('s4', { at: at(-4) })).toMatchObject({ source: 'yandex', sessionId: 's1' })
      expect(await shop.tracking.attribution('anon')).toMatchObject({ source: '(direct)', sessionId: 'anon' })
      expect(await shop.tracking.attribution('never-seen')).toBeNull()

      // A cart of the session takes the credited channel; a source of its own wins.
      const cart = await shop.carts.create({ sessionId: 's4' })
      expect(cart.sessionId).toBe('s4')
      expect(cart.channel).toMatchObject({ source: 'vk', medium: 'social', campaign: null, landingPage: '/lamps' })
      const own = await shop.carts.create({ sessionId: 's4', channel: { source: 'email', medium: 'newsletter' } })
      expect(own.channel).toMatchObject({ source: 'email', medium: 'newsletter' })

      // A lead carries the credited channel and normalised contacts.
      const lead = await shop.tracking.lead({ sessionId: 's4', name: 'Анна', phone: '8 916 123-45-67', email: 'Anna@Example.RU' })
      expect(lead).toMatchObject({ sessionId: 's4', phone: '+79161234567', email: 'anna@example.ru', channel: { source: 'vk' } })
    } finally {
      await shop.close()
    }
  })

  test('the configured model applies to carts: first touch', async () => {
    const { shop, clock } = await seededShop((await database()).storage, { config: { tracking: { attribution: 'first', lookbackDays: 60 } } })
    try {
      const now = clock.now().getTime()
      await shop.tracking.visit({ sessionId: 'a', visitorId: 'v', channel: { source: 'google', medium: 'cpc' }, at: new Date(now - 40 * DAY) })
      await shop.tracking.visit({ sessionId: 'b', visitorId: 'v', channel: { source: 'vk', medium: 'social' } })
      const cart = await shop.carts.create({ sessionId: 'b' })
      expect(cart.channel).toMatchObject({ source: 'google', medium: 'cpc' })
    } finally {
      await shop.close()
    }
  })

  test('a tracking outage does not break carts or leads, and full batches stop hitting the database until the retry', async () => {
    const { storage, control } = failingStorage((await database()).storage)
    const { shop } = await seededShop(storage, { config: { tracking: { batchSize: 2, flushIntervalMs: 60_000 } } })
    try {
      await shop.tracking.visit({ sessionId: 's1', channel: { source: 'yandex', medium: 'cpc' }, landing: '/sofas' })
      await shop.tracking.flush()
      control.fails = /insert into .ordo_visit./i
      await shop.tracking.visit({ sessionId: 's1', landing: '/sofas/red' })
      // The queued visit cannot be written: the cart is credited from what is stored.
      const cart = await shop.carts.create({ sessionId: 's1' })
      expect(cart.channel).toMatchObject({ source: 'yandex', medium: 'cpc', landingPage: '/sofas' })
      const lead = await shop.tracking.lead({ sessionId: 's1', phone: '+79161234567' })
      expect(lead.channel).toMatchObject({ source: 'yandex' })
      const refused = control.refused
      expect(refused).toBeGreaterThanOrEqual(1)
      // Full batches while writes fail wait for the retry timer; a session with nothing queued does not write at all.
      for (let i = 0; i < 10; i++) await shop.tracking.visit({ sessionId: `other-${i}`, landing: '/' })
      await shop.carts.create({ sessionId: 'nothing-queued' })
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(control.refused).toBe(refused)
      // Back up: everything held is written.
      control.fails = null
      await shop.tracking.flush()
      const stored = await shop.run((uow) => uow.db.selectFrom('ordo_visit').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow())
      expect(Number(stored.n)).toBe(12)
    } finally {
      control.fails = null
      await shop.close()
    }
  })

  test('direct traffic is stored one way: a cart of a direct session has no source, like a cart without a session', async () => {
    const { shop } = await seededShop((await database()).storage)
    try {
      await shop.tracking.visit({ sessionId: 'direct', landing: '/' })
      await shop.tracking.visit({ sessionId: 'typed', channel: { source: '(direct)' }, landing: '/' })
      const carts = [await shop.carts.create({ sessionId: 'direct' }), await shop.carts.create({ sessionId: 'typed' }), await shop.carts.create()]
      const rows = await shop.run((uow) =>
        uow.db
          .selectFrom('ordo_cart')
          .select(['id', 'channel_source'])
          .where('id', 'in', carts.map((c) => c.id))
          .execute(),
      )
      expect(rows.map((r) => r.channel_source)).toEqual([null, null, null])
      expect(carts[0]!.channel?.source ?? null).toBeNull()
      const lead = await shop.tracking.lead({ sessionId: 'direct', email: 'a@example.ru' })
      const stored = await shop.run((uow) => uow.db.selectFrom('ordo_lead').select('source').where('id', '=', lead.id).executeTakeFirstOrThrow())
      expect(stored.source).toBeNull()
    } finally {
      await shop.close()
    }
  })

  test('the funnel counts a session once, under its first visit; page views go with their session; totals are the sum of rows', async () => {
    const { shop, clock } = await seededShop((await database()).storage)
    try {
      const at = (local: string) => msk(`2026-03-02T${local}:00`)
      clock.set(at('12:00'))
      // Queued out of order: the first visit is the earliest, not the first reported.
      await shop.tracking.visit({ sessionId: 'S', landing: '/sofas/red', at: at('10:05') })
      await shop.tracking.visit({ sessionId: 'S', channel: { source: 'yandex', medium: 'cpc' }, landing: '/sofas', at: at('10:00') })
      await shop.tracking.visit({ sessionId: 'S', landing: '/sofas/blue', at: at('10:10') })
      await shop.tracking.visit({ sessionId: 'T', landing: '/', at: at('11:00') })
      await shop.tracking.flush()
      const period = { from: '2026-03-02T00:00:00+03:00', to: '2026-03-03T00:00:00+03:00', timeZone: 'Europe/Moscow' }
      const byChannel = await shop.reports.funnel(period)
      expect(byChannel.rows.map((r) => [r.source, r.medium, r.visits, r.pageViews])).toEqual([
        ['(direct)', null, 1, 1],
        ['yandex', 'cpc', 1, 3],
      ])
      const byLanding = await shop.reports.funnel({ ...period, by: 'landing' })
      expect(byLanding.rows.map((r) => [r.landing, r.visits, r.pageViews])).toEqual([
        ['/', 1, 1],
        ['/sofas', 1, 3],
      ])
      for (const report of [byChannel, byLanding]) {
        expect([report.totals.visits, report.totals.pageViews]).toEqual([2, 4])
        expect(report.rows.reduce((n, r) => n + r.visits, 0)).toBe(report.totals.visits)
        expect(report.rows.reduce((n, r) => n + r.pageViews, 0)).toBe(report.totals.pageViews)
        expect(report.byPeriod.reduce((n, r) => n + r.visits, 0)).toBe(report.totals.visits)
      }
    } finally {
      await shop.close()
    }
  })

  describeFunnel(database)
})

function describeFunnel(database: () => Promise<{ storage: Parameters<typeof seededShop>[0] }>) {
  let shop: Commerce
  let clock: TestClock
  const funnel = (input: FunnelReportInput) => shop.reports.funnel(input)
  const PERIOD = { from: '2026-03-01T00:00:00+03:00', to: '2026-03-04T00:00:00+03:00' }

  async function order(sessionId: string, at: Date): Promise<Order> {
    clock.set(at)
    const cart = (await shop.run((uow) => uow.db.selectFrom('ordo_cart').select('id').where('session_id', '=', sessionId).executeTakeFirstOrThrow())).id
    await shop.carts.addItem(cart, { sku: 'SOCKS', quantity: 1 })
    await shop.carts.setContact(cart, { name: 'Анна', phone: '+79161234567' })
    return shop.checkout.placeOrder(cart, { idempotencyKey: randomUUID(), acceptPriceChanges: true })
  }

  beforeAll(async () => {
    const seeded = await seededShop((await database()).storage, { config: { tracking: { batchSize: 3, flushIntervalMs: 60_000 } } })
    shop = seeded.shop
    clock = seeded.clock
    // 2 March, Moscow: Yandex sessions A (two pages), B, C; a direct session G. Carts A, B, C, G; C leaves a phone.
    clock.set(msk('2026-03-02T10:00:00'))
    const yandex = { source: 'yandex', medium: 'cpc', campaign: 'spring' }
    await shop.tracking.visit({ sessionId: 'A', visitorId: 'va', channel: yandex, landing: '/sofas' })
    await shop.tracking.visit({ sessionId: 'A', visitorId: 'va', channel: yandex, landing: '/sofas/red' })
    await shop.tracking.visit({ sessionId: 'B', channel: yandex, landing: '/' })
    await shop.tracking.visit({ sessionId: 'C', channel: { ...yandex, campaign: 'brand' }, landing: '/' })
    await shop.tracking.visit({ sessionId: 'G', landing: '/' })
    for (const session of ['A', 'B', 'C', 'G']) await shop.carts.create({ sessionId: session })
    await shop.tracking.lead({ sessionId: 'C', phone: '+79161234567' })
    const b = await order('B', msk('2026-03-02T12:00:00'))
    const g = await order('G', msk('2026-03-02T12:30:00'))
    clock.set(msk('2026-03-02T13:00:00'))
    await shop.orders.cancel(b.id, { reason: 'no_answer', actor: 'manager:1' })
    await shop.orders.cancel(g.id, { reason: 'price_not_suitable', actor: 'manager:1' })
    // 23:30 Moscow on 2 March (20:30 UTC): the day is 2 March in both zones.
    const a = await order('A', msk('2026-03-02T23:30:00'))
    // Just after midnight in Moscow, 3 March (still 2 March in UTC): D from Yandex, E and F from VK; E orders at 00:30.
    clock.set(msk('2026-03-03T00:10:00'))
    await shop.tracking.visit({ sessionId: 'D', channel: yandex, landing: '/' })
    await shop.tracking.visit({ sessionId: 'E', channel: { source: 'vk', medium: 'social' }, landing: '/lamps' })
    await shop.tracking.visit({ sessionId: 'F', channel: { source: 'vk', medium: 'social' }, landing: '/lamps' })
    clock.set(msk('2026-03-03T00:20:00'))
    await shop.carts.create({ sessionId: 'E' })
    const e = await order('E', msk('2026-03-03T00:30:00'))
    // A and E are paid; A is delivered.
    clock.set(msk('2026-03-03T09:00:00'))
    for (const paid of [a, e]) await shop.payments.recordCash(paid.id, { amount: paid.totals.total, actor: 'manager:1' })
    for (const step of ['confirm', 'start_picking', 'pack', 'hand_to_carrier', 'deliver']) await shop.orders.transition(a.id, step, { actor: 'manager:1' })
    expect((await shop.orders.get(a.id))!.status).toBe('delivered')
    // Outside the period: a visit on 5 March.
    clock.set(msk('2026-03-05T10:00:00'))
    await shop.tracking.visit({ sessionId: 'late', channel: yandex, landing: '/' })
    await shop.tracking.flush()
    await shop.events.relay()
  })
  afterAll(() => shop?.close())

  const steps = (r: FunnelReport['totals']) => [r.visits, r.pageViews, r.leads, r.carts, r.orders, r.paid, r.delivered, r.cancelled]

  test('funnel by channel: visits → carts → orders → paid → delivered, against the hand-computed fixture', async () => {
    const report = await funnel({ ...PERIOD, timeZone: 'Europe/Moscow' })
    expect(report.by).toBe('channel')
    expect(report.rows.map((r) => [r.source, r.medium, ...steps(r)])).toEqual([
      //            visits views leads carts orders paid delivered cancelled
      ['yandex', 'cpc', 4, 5, 1, 3, 2, 1, 1, 1],
      ['vk', 'social', 2, 2, 0, 1, 1, 1, 0, 0],
      ['(direct)', null, 1, 1, 0, 1, 1, 0, 0, 1],
    ])
    const yandex = report.rows[0]!
    expect([yandex.visitToCart, yandex.cartToOrder, yandex.orderToPaid, yandex.orderToDelivered, yandex.visitToOrder, yandex.cancellationRate]).toEqual([0.75, 0.6667, 0.5, 0.5, 0.5, 0.5])
    expect(steps(report.totals)).toEqual([7, 8, 1, 5, 4, 2, 1, 2])
    expect(report.totals.visitToOrder).toBe(0.5714)
    expect(report.cancellations).toEqual([
      { reason: 'no_answer', orders: 1, rate: 0.25 },
      { reason: 'price_not_suitable', orders: 1, rate: 0.25 },
    ])
  })

  test('an order at 23:30 Moscow time lands on its Moscow day; one at 00:30 on the next day (the day before in UTC)', async () => {
    const moscow = await funnel({ ...PERIOD, timeZone: 'Europe/Moscow' })
    expect(moscow.byPeriod.map((p) => [p.period, ...steps(p)])).toEqual([
      ['2026-03-01', 0, 0, 0, 0, 0, 0, 0, 0],
      ['2026-03-02', 4, 5, 1, 4, 3, 1, 1, 2],
      ['2026-03-03', 3, 3, 0, 1, 1, 1, 0, 0],
    ])
    const utc = await funnel({ ...PERIOD, timeZone: 'UTC' })
    expect(utc.byPeriod.map((p) => [p.period, p.visits, p.carts, p.orders])).toEqual([
      ['2026-02-28', 0, 0, 0],
      ['2026-03-01', 0, 0, 0],
      ['2026-03-02', 7, 5, 4],
      ['2026-03-03', 0, 0, 0],
    ])
    expect(steps(utc.totals)).toEqual(steps(moscow.totals))
  })

  test('funnel by campaign and by landing page', async () => {
    const campaigns = await funnel({ ...PERIOD, timeZone: 'Europe/Moscow', by: 'campaign' })
    expect(campaigns.rows.map((r) => [r.source, r.campaign, r.visits, r.leads, r.carts, r.orders])).toEqual([
      ['yandex', 'spring', 3, 0, 2, 2],
      ['vk', null, 2, 0, 1, 1],
      ['(direct)', null, 1, 0, 1, 1],
      ['yandex', 'brand', 1, 1, 1, 0],
    ])
    const landings = await funnel({ ...PERIOD, timeZone: 'Europe/Moscow', by: 'landing' })
    expect(landings.rows.map((r) => [r.landing, r.source, r.visits, r.pageViews, r.carts, r.orders])).toEqual([
      ['/', null, 4, 4, 3, 2],
      ['/lamps', null, 2, 2, 1, 1],
      ['/sofas', null, 1, 2, 1, 1],
    ])
  })

  test('a date alone is midnight in the report\'s time zone, not in UTC', async () => {
    const day = await funnel({ from: '2026-03-02', to: '2026-03-03', timeZone: 'Europe/Moscow' })
    expect(day.period.from).toEqual(msk('2026-03-02T00:00:00'))
    expect(day.period.to).toEqual(msk('2026-03-03T00:00:00'))
    // Just 2 March in Moscow: not the visits just after midnight on the 3rd (still the 2nd in UTC).
    expect(steps(day.totals)).toEqual([4, 5, 1, 4, 3, 1, 1, 2])
  })

  test('a whole month by week, and bad periods', async () => {
    const weeks = await funnel({ from: '2026-03-01T00:00:00+03:00', to: '2026-04-01T00:00:00+03:00', timeZone: 'Europe/Moscow', groupBy: 'week' })
    expect(weeks.byPeriod[0]).toMatchObject({ period: '2026-02-23', visits: 0 })
    expect(weeks.byPeriod[1]).toMatchObject({ period: '2026-03-02', visits: 8, orders: 4 })
    expect((await failure(funnel({ ...PERIOD, timeZone: 'Mars/Olympus' }))).code).toBe('VALIDATION')
    expect((await failure(funnel({ ...PERIOD, by: 'color' as 'channel' }))).code).toBe('VALIDATION')
    expect((await failure(funnel({ from: PERIOD.to, to: PERIOD.from }))).code).toBe('VALIDATION')
  })
}
