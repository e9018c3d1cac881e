import { createCommerce, type Commerce, type SegmentFilter } from '@ordo/core'
import { describeEachDialect, recordingSmsGateway, testClock, type TestClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { quintileScores } from '../src/crm/rfm.js'
import { CRM_SHOP_CONFIG, order, seedCatalog } from './fixtures/crm-fixture.js'
import { failure } from './fixtures/order-fixture.js'

const DAY = 86_400_000
const DELIVERY = 30_000

test('quintile scores: the top fifth scores 5, equal values score alike', () => {
  expect(quintileScores([10, 20, 30, 40, 50])).toEqual([1, 2, 3, 4, 5])
  expect(quintileScores([5, 1, 4, 2, 3, 6, 7, 8, 9, 10])).toEqual([3, 1, 2, 1, 2, 3, 4, 4, 5, 5])
  expect(quintileScores([1, 1, 1, 9])).toEqual([1, 1, 1, 4])
  expect(quintileScores([7])).toEqual([1])
})

/**
 * The fixture, day 0 = 2026-01-01 09:00 UTC, evaluated on day 60:
 *
 * | customer | orders (day: goods)                                 | counted | spend                       | last | points |
 * |----------|-----------------------------------------------------|---------|-----------------------------|------|--------|
 * | alice    | 0: SOFA, 10: CUP, 20: CUP                           | 3       | 1 030 000 + 2 × 40 000      | 20   | 0      |
 * | bob      | 30: LAMP                                            | 1       | 129 990                     | 30   | 0      |
 * | carol    | 5: CUP, 40: CUP (cancelled)                         | 1       | 40 000                      | 5    | 0      |
 * | dan      | 50: SOFA                                            | 1       | 1 030 000                   | 50   | 700    |
 * | eve      | 45: LAMP (cancelled)                                | 0       | 0                           | —    | 0      |
 * | fay      | 55: VASE                                            | 1       | 75 678                      | 55   | 300    |
 * | gus      | —                                                   | 0       | 0                           | —    | 100    |
 *
 * Alice and Bob are `wholesale`; Bob, Dan and Gus are tagged `vip`; Dan gave
 * no marketing consent. Every order adds 300 ₽ of delivery. RFM over the five with counted orders:
 * recency carol 1, alice 2, bob 3, dan 4, fay 5; frequency alice 5, the
 * rest 1; monetary carol 1, fay 2, bob 3, dan 4, alice 5.
 */
describeEachDialect('crm segments', ({ database }) => {
  let shop: Commerce
  let clock: TestClock
  let categories: Record<string, string>
  const ids: Record<string, string> = {}
  const sms = recordingSmsGateway()
  const name = (id: string) => Object.entries(ids).find(([, v]) => v === id)?.[0] ?? id

  beforeAll(async () => {
    clock = testClock('2026-01-01T09:00:00Z')
    shop = await createCommerce({
      ...CRM_SHOP_CONFIG,
      storage: (await database()).storage,
      clock,
      loyalty: { earnBasisPoints: 0 },
      notify: { sms, quietHours: null, templates: { sale: { ru: { sms: '{name}, скидка 20 % до воскресенья' } } } },
    })
    categories = await seedCatalog(shop)
    const people = ['alice', 'bob', 'carol', 'dan', 'eve', 'fay', 'gus']
    for (const [i, who] of people.entries()) {
      const customer = await shop.customers.create({
        name: who,
        phones: [`+7916300000${i}`],
        groups: who === 'alice' || who === 'bob' ? ['wholesale'] : [],
        tags: who === 'bob' || who === 'dan' || who === 'gus' ? ['vip'] : [],
        consent: { sms: { marketing: who !== 'dan' } },
      })
      ids[who] = customer.id
    }
    const plan: [number, string, string, boolean?][] = [
      [0, 'alice', 'SOFA'],
      [5, 'carol', 'CUP'],
      [10, 'alice', 'CUP'],
      [20, 'alice', 'CUP'],
      [30, 'bob', 'LAMP'],
      [40, 'carol', 'CUP', true],
      [45, 'eve', 'LAMP', true],
      [50, 'dan', 'SOFA'],
      [55, 'fay', 'VASE'],
    ]
    const start = clock.now().getTime()
    for (const [day, who, sku, cancel] of plan) {
      clock.set(new Date(start + day * DAY))
      const placed = await order(shop, ids[who]!, [sku])
      if (cancel) await shop.orders.cancel(placed.id, { actor: 'customer', reason: 'customer_request' })
    }
    await shop.loyalty.adjust(ids['dan']!, { points: 700, reason: 'goodwill', externalId: 'dan-1' })
    await shop.loyalty.adjust(ids['fay']!, { points: 300, reason: 'goodwill', externalId: 'fay-1' })
    await shop.loyalty.adjust(ids['gus']!, { points: 100, reason: 'signed up', externalId: 'gus-1' })
    clock.set(new Date(start + 60 * DAY))
    await shop.events.relay()
  })
  afterAll(() => shop?.close())

  async function members(filter: SegmentFilter, code = 'probe'): Promise<string[]> {
    await shop.crm.saveSegment({ code, name: 'Probe', filter })
    const found: string[] = []
    let after: string | null = null
    for (;;) {
      const page = await shop.crm.segmentMembers(code, { limit: 2, after })
      found.push(...page.members.map((m) => name(m.customerId)))
      if (page.next === null) break
      after = page.next
    }
    return found.sort()
  }

  test('filters over orders, spend, categories, last order date, points, groups and tags', async () => {
    // Customers without orders are members too (Gus).
    expect(await members({})).toEqual(['alice', 'bob', 'carol', 'dan', 'eve', 'fay', 'gus'])
    expect(await members({ ordersCount: { min: 2 } })).toEqual(['alice'])
    expect(await members({ ordersCount: { max: 0 } })).toEqual(['eve', 'gus'])
    expect(await members({ spend: { min: 1_000_000 } })).toEqual(['alice', 'dan'])
    expect(await members({ spend: { min: 40_000, max: 129_990 } })).toEqual(['bob', 'carol', 'fay'])
    expect(await members({ categories: [categories['furniture']!] })).toEqual(['alice', 'dan'])
    expect(await members({ categories: [categories['kitchen']!] })).toEqual(['alice', 'carol'])
    // Eve's lamp order was cancelled.
    expect(await members({ categories: [categories['lighting']!] })).toEqual(['bob'])
    expect(await members({ categories: [categories['lighting']!, categories['decor']!] })).toEqual(['bob', 'fay'])
    expect(await members({ lastOrder: { withinDays: 35 } })).toEqual(['bob', 'dan', 'fay'])
    expect(await members({ lastOrder: { olderThanDays: 35 } })).toEqual(['alice', 'carol'])
    expect(await members({ lastOrder: { after: new Date('2026-01-16T00:00:00Z'), before: '2026-02-15T00:00:00Z' } })).toEqual(['alice', 'bob'])
    expect(await members({ points: { min: 500 } })).toEqual(['dan'])
    expect(await members({ points: { min: 1 } })).toEqual(['dan', 'fay', 'gus'])
    expect(await members({ points: { max: 100 } })).toEqual(['alice', 'bob', 'carol', 'eve', 'gus'])
    expect(await members({ groups: ['wholesale'] })).toEqual(['alice', 'bob'])
    expect(await members({ tags: ['vip'] })).toEqual(['bob', 'dan', 'gus'])
    expect(await members({ tags: ['vip'], ordersCount: { min: 1 } })).toEqual(['bob', 'dan'])
    expect(await members({ groups: ['wholesale'], tags: ['vip'] })).toEqual(['bob'])
    expect(await members({ categories: [categories['furniture']!], lastOrder: { olderThanDays: 35 } })).toEqual(['alice'])

    const page = await shop.crm.segmentMembers('probe', { limit: 10 })
    expect(page.next).toBeNull()
    const [alice] = (await shop.crm.saveSegment({ code: 'alice', name: 'A', filter: { ordersCount: { min: 3 } } }), (await shop.crm.segmentMembers('alice')).members)
    expect(alice).toEqual({ customerId: ids['alice'], ordersCount: 3, spend: 1_000_000 + 2 * 10_000 + 3 * DELIVERY, lastOrderAt: new Date('2026-01-21T09:00:00Z'), points: 0, rfmScore: null })
  })

  test('RFM scores by quintiles on the fixture, and segments on them', async () => {
    expect(await shop.crm.scoreRfm()).toEqual({ customers: 5 })
    const scores = Object.fromEntries(await Promise.all(['alice', 'bob', 'carol', 'dan', 'fay'].map(async (who) => [who, (await shop.crm.rfm(ids[who]!))!.score])))
    expect(scores).toEqual({ alice: 255, bob: 313, carol: 111, dan: 414, fay: 512 })
    expect(await shop.crm.rfm(ids['dan']!)).toMatchObject({ recency: 4, frequency: 1, monetary: 4, ordersCount: 1, spend: 1_000_000 + DELIVERY, lastOrderAt: new Date('2026-02-20T09:00:00Z'), scoredAt: clock.now() })
    expect(await shop.crm.rfm(ids['eve']!)).toBeUndefined()
    expect(await members({ rfm: { recency: { min: 4 } } })).toEqual(['dan', 'fay'])
    expect(await members({ rfm: { scores: [255, 111] } })).toEqual(['alice', 'carol'])
    expect(await members({ rfm: { monetary: { min: 3 }, frequency: { max: 1 } } })).toEqual(['bob', 'dan'])

    // The job does the same through the job runner.
    const job = (await shop.jobs.list({ limit: 100 })).find((j) => j.name === 'crm.score-rfm')
    expect(job).toBeDefined()
    clock.advance(2 * DAY)
    await shop.jobs.runDue({ names: ['crm.score-rfm'] })
    expect((await shop.crm.rfm(ids['fay']!))!.scoredAt).toEqual(clock.now())
  })

  test('a campaign can go to a segment: its members with marketing consent', async () => {
    await shop.crm.saveSegment({ code: 'big', name: 'Big spenders', filter: { spend: { min: 1_000_000 } } })
    await shop.crm.saveSegment({ code: 'lapsed', name: 'Lapsed', filter: { lastOrder: { olderThanDays: 35 } } })
    // Dan gave no marketing consent.
    expect(await shop.notify.campaign({ template: 'sale', audience: { segment: 'big' }, dryRun: true })).toMatchObject({ total: 2, queued: 1, skipped: { noConsent: 1 } })
    const sent = await shop.notify.campaign({ template: 'sale', audience: { segment: 'lapsed' } })
    expect(sent).toMatchObject({ total: 2, queued: 2 })
    const queued = await shop.notify.messages({ status: 'queued' })
    const campaign = queued.filter((m) => m.source === `campaign:${sent.campaignId}`)
    expect(campaign.map((m) => [name(m.customerId!), m.recipient]).sort()).toEqual([
      ['alice', '+79163000000'],
      ['carol', '+79163000002'],
    ])
    expect(await failure(shop.notify.campaign({ template: 'sale', audience: { segment: 'nope' } }))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await failure(shop.notify.campaign({ template: 'sale', audience: { segment: 'big' }, recipients: [] }))).toMatchObject({ code: 'VALIDATION' })
  })

  test('saved segments round-trip; bad input is refused with OrdoError and nothing is written', async () => {
    const before = (await shop.crm.segments()).map((s) => s.code)
    const saved = await shop.crm.saveSegment({ code: 'recent-vip', name: 'Recent VIP', filter: { tags: ['vip'], lastOrder: { after: new Date('2026-02-01T00:00:00Z') } } })
    expect(saved.filter).toEqual({ tags: ['vip'], lastOrder: { after: new Date('2026-02-01T00:00:00Z') } })
    expect((await shop.crm.segments()).find((s) => s.code === 'recent-vip')).toEqual(saved)
    const renamed = await shop.crm.saveSegment({ code: 'recent-vip', name: 'Recent VIPs', filter: { tags: ['vip'] } })
    expect(renamed).toMatchObject({ name: 'Recent VIPs', filter: { tags: ['vip'] }, createdAt: saved.createdAt })
    expect(await shop.crm.deleteSegment('recent-vip')).toBe(true)
    expect(await shop.crm.deleteSegment('recent-vip')).toBe(false)

    const bad: unknown[] = [
      { code: 'Bad Code', name: 'x', filter: {} },
      { code: 'ok', name: '', filter: {} },
      { code: 'ok', name: 'x', filter: { spend: { min: 10, max: 5 } } },
      { code: 'ok', name: 'x', filter: { spend: { min: 1.5 } } },
      { code: 'ok', name: 'x', filter: { lastOrder: {} } },
      { code: 'ok', name: 'x', filter: { lastOrder: { after: 'yesterday' } } },
      { code: 'ok', name: 'x', filter: { rfm: { recency: { min: 6 } } } },
      { code: 'ok', name: 'x', filter: { rfm: { scores: [506] } } },
      { code: 'ok', name: 'x', filter: { categories: [] } },
      { code: 'ok', name: 'x', filter: { color: 'red' } },
    ]
    for (const input of bad) expect(await failure(shop.crm.saveSegment(input as never))).toMatchObject({ code: 'VALIDATION' })
    expect((await shop.crm.segments()).map((s) => s.code)).toEqual(before)
    expect(await failure(shop.crm.segmentMembers('no-such-segment'))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await failure(shop.crm.segmentMembers('big', { limit: 0 }))).toMatchObject({ code: 'VALIDATION' })
  })
})
