import { randomUUID } from 'node:crypto'
import { assignmentPoint, assignVariant, twoProportionTest } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import { describe, expect, test } from 'vitest'
import { countingStorage } from '../../../bench/counting-storage.js'
import { failure } from './fixtures/order-fixture.js'
import { seededShop } from './fixtures/shop-fixture.js'

describe('experiment assignment', () => {
  const VISITORS = 100_000
  const variants = [
    { key: 'control', weight: 2 },
    { key: 'green', weight: 1 },
    { key: 'big', weight: 1 },
  ]

  test('matches the weights within tolerance over 100k visitors', () => {
    const counts: Record<string, number> = { control: 0, green: 0, big: 0 }
    for (let i = 0; i < VISITORS; i++) {
      const variant = assignVariant('checkout-button', `visitor-${i}`, variants)
      counts[variant]!++
    }
    // Shares 1/2, 1/4, 1/4: the standard error of a share over 100k is at most 0.0016; allow five of them.
    expect(Math.abs(counts.control! / VISITORS - 0.5)).toBeLessThan(0.008)
    expect(Math.abs(counts.green! / VISITORS - 0.25)).toBeLessThan(0.008)
    expect(Math.abs(counts.big! / VISITORS - 0.25)).toBeLessThan(0.008)
  })

  test('assignment is pinned: the same visitor gets the same variant in every process and release', () => {
    // Values of the hash layout as documented; a change to it would move visitors between variants mid-experiment.
    const halves = [
      { key: 'control', weight: 1 },
      { key: 'green', weight: 1 },
    ]
    expect(assignVariant('button-color', 'visitor-42', halves)).toBe('green')
    expect(['visitor-1', 'visitor-2', 'visitor-3', 'visitor-4'].map((v) => assignVariant('button-color', v, halves))).toEqual(['control', 'green', 'control', 'control'])
    expect(assignmentPoint('exp-a', 'v1')).toBeCloseTo(0.12373288090247336, 12)
    expect(assignmentPoint('exp-a', 'v2')).toBeCloseTo(0.8367198982816164, 12)
    expect(assignmentPoint('checkout-button', 'visitor-7')).toBeCloseTo(0.5151617770042116, 12)
  })

  test('points are uniform and independent across experiments', () => {
    const bins = new Array<number>(10).fill(0)
    let both = 0
    let outside = 0
    for (let i = 0; i < VISITORS; i++) {
      const a = assignmentPoint('exp-a', `v${i}`)
      const b = assignmentPoint('exp-b', `v${i}`)
      if (!(a >= 0 && a < 1)) outside++
      else bins[Math.floor(a * 10)]!++
      if (a < 0.5 && b < 0.5) both++
    }
    expect(outside).toBe(0)
    for (const bin of bins) expect(Math.abs(bin / VISITORS - 0.1)).toBeLessThan(0.005)
    // Independent halves overlap a quarter of the time.
    expect(Math.abs(both / VISITORS - 0.25)).toBeLessThan(0.007)
  })

  test('a variant of weight 1 against 99 gets about 1 % of visitors', () => {
    const skewed = [
      { key: 'a', weight: 99 },
      { key: 'b', weight: 1 },
    ]
    let b = 0
    for (let i = 0; i < 20_000; i++) if (assignVariant('skew', `v${i}`, skewed) === 'b') b++
    expect(b / 20_000).toBeGreaterThan(0.005)
    expect(b / 20_000).toBeLessThan(0.015)
  })
})

describe('two-proportion z-test', () => {
  test('a textbook example: 140 of 200 against 255 of 340', async () => {
    // Pooled p = 395/540 = 0.7314815, SE = 0.03949401, z = (0.75 − 0.70) / SE = 1.266015; two-sided p = 0.2055.
    const result = await twoProportionTest({ trials: 200, successes: 140 }, { trials: 340, successes: 255 })
    expect(result.difference).toBeCloseTo(0.05, 12)
    expect(result.z!).toBeCloseTo(1.266015, 5)
    expect(result.pValue!).toBeCloseTo(0.20551, 4)
    // Unpooled SE = √(0.7·0.3/200 + 0.75·0.25/340) = 0.0400184; 95 %: ± 1.959964 × SE.
    expect(result.confidenceInterval![0]).toBeCloseTo(0.05 - 1.959964 * 0.0400184, 5)
    expect(result.confidenceInterval![1]).toBeCloseTo(0.05 + 1.959964 * 0.0400184, 5)
  })

  test('a clear difference: 200 of 1000 against 260 of 1000 is significant at 1 %', async () => {
    // Pooled p = 0.23, SE = √(0.23·0.77·0.002) = 0.018820, z = 0.06 / SE = 3.1881, p = 0.00143.
    const result = await twoProportionTest({ trials: 1000, successes: 200 }, { trials: 1000, successes: 260 }, 0.99)
    expect(result.z!).toBeCloseTo(3.1881, 3)
    expect(result.pValue!).toBeCloseTo(0.00143, 4)
    expect(result.confidenceInterval![0]).toBeGreaterThan(0)
  })

  test('undefined cases: an empty arm, no variance', async () => {
    expect(await twoProportionTest({ trials: 0, successes: 0 }, { trials: 10, successes: 1 })).toEqual({ difference: 0, z: null, pValue: null, confidenceInterval: null })
    expect(await twoProportionTest({ trials: 10, successes: 0 }, { trials: 10, successes: 0 })).toMatchObject({ difference: 0, z: null, pValue: null })
  })
})

describeEachDialect('experiments', ({ database }) => {
  test('define, assign with batched exposures (one per visitor), conversions through sessions, and the report', async () => {
    const { storage, counter } = countingStorage((await database()).storage)
    const { shop, clock } = await seededShop(storage, { config: { tracking: { batchSize: 50, flushIntervalMs: 60_000 } } })
    try {
      const defined = await shop.experiments.define({ key: 'green-button', variants: [{ key: 'control', weight: 1 }, { key: 'green', weight: 1 }] })
      expect(defined.variants).toEqual([{ key: 'control', weight: 1 }, { key: 'green', weight: 1 }])
      // The same definition again is fine; other weights are a conflict.
      await shop.experiments.define({ key: 'green-button', variants: [{ key: 'control', weight: 1 }, { key: 'green', weight: 1 }] })
      expect((await failure(shop.experiments.define({ key: 'green-button', variants: [{ key: 'control', weight: 3 }, { key: 'green', weight: 1 }] }))).code).toBe('CONFLICT')
      expect((await failure(shop.experiments.define({ key: 'x', variants: [{ key: 'only', weight: 1 }] }))).code).toBe('VALIDATION')
      expect((await failure(shop.experiments.assign('nope', 'v1'))).code).toBe('NOT_FOUND')

      // 120 visitors, each assigned twice: exposures are queued once per visitor and written in batches of 50.
      await shop.experiments.assign('green-button', 'warm-up')
      counter.reset()
      const assigned = new Map<string, string>()
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 120; i++) {
          const variant = await shop.experiments.assign('green-button', `v${i}`)
          if (round === 1) expect(variant).toBe(assigned.get(`v${i}`))
          assigned.set(`v${i}`, variant)
          expect(variant).toBe(assignVariant('green-button', `v${i}`, defined.variants))
        }
      }
      await shop.experiments.flush()
      expect(counter.count).toBeLessThanOrEqual(3)

      // Visitors 0–9 visit and order (one order each, from their session); visitor 10 orders in a session of someone else.
      for (let i = 0; i <= 10; i++) await shop.tracking.visit({ sessionId: `s${i}`, visitorId: i === 10 ? 'stranger' : `v${i}`, channel: { source: 'yandex' } })
      for (let i = 0; i <= 10; i++) {
        const cart = await shop.carts.create({ sessionId: `s${i}` })
        await shop.carts.addItem(cart.id, { sku: 'SOCKS', quantity: 1 })
        await shop.carts.setContact(cart.id, { phone: '+79161234567' })
        await shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID(), acceptPriceChanges: true })
      }
      clock.advance(60_000)
      await shop.tracking.flush()
      await shop.events.relay()

      const report = await shop.reports.experiment('green-button')
      const exposures = { control: 0, green: 0 }
      const conversions = { control: 0, green: 0 }
      for (const [visitor, variant] of assigned) {
        exposures[variant as 'control' | 'green']++
        if (Number(visitor.slice(1)) < 10) conversions[variant as 'control' | 'green']++
      }
      // The warm-up visitor is exposed too, in its own variant.
      exposures[assignVariant('green-button', 'warm-up', defined.variants) as 'control' | 'green']++
      expect(report.variants.map((v) => [v.variant, v.control, v.exposures, v.conversions])).toEqual([
        ['control', true, exposures.control, conversions.control],
        ['green', false, exposures.green, conversions.green],
      ])
      const expected = await twoProportionTest(
        { trials: exposures.control, successes: conversions.control },
        { trials: exposures.green, successes: conversions.green },
      )
      const green = report.variants[1]!
      expect(green.z).toBeCloseTo(expected.z!, 10)
      expect(green.pValue).toBeCloseTo(expected.pValue!, 10)
      expect([green.differenceLow, green.differenceHigh]).toEqual(expected.confidenceInterval)
      expect(report.variants[0]).toMatchObject({ z: null, pValue: null, difference: 0 })

      // Exposures after every order: no conversions.
      const later = await shop.reports.experiment('green-button', { from: clock.now() })
      expect(later.variants.every((v) => v.exposures === 0 && v.conversions === 0)).toBe(true)
      expect((await failure(shop.reports.experiment('unknown'))).code).toBe('NOT_FOUND')
    } finally {
      await shop.close()
    }
  })

  test('cancelled orders are not conversions; dates alone are midnight in the given time zone', async () => {
    const { shop, clock } = await seededShop((await database()).storage)
    try {
      await shop.experiments.define({ key: 'banner', variants: [{ key: 'control', weight: 1 }, { key: 'banner', weight: 1 }] })
      // 01:30 on 11 March in Moscow, still 10 March in UTC.
      clock.set(new Date('2026-03-10T22:30:00Z'))
      const placed = []
      for (const visitor of ['v1', 'v2', 'v3']) {
        await shop.experiments.assign('banner', visitor)
        await shop.tracking.visit({ sessionId: `s-${visitor}`, visitorId: visitor })
        if (visitor === 'v3') continue
        const cart = await shop.carts.create({ sessionId: `s-${visitor}` })
        await shop.carts.addItem(cart.id, { sku: 'SOCKS', quantity: 1 })
        await shop.carts.setContact(cart.id, { phone: '+79161234567' })
        placed.push(await shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID(), acceptPriceChanges: true }))
      }
      await shop.orders.cancel(placed[1]!.id, { reason: 'no_answer', actor: 'manager:1' })
      await shop.experiments.flush()
      await shop.tracking.flush()
      await shop.events.relay()
      const total = (r: { variants: { exposures: number; conversions: number }[] }) =>
        r.variants.reduce((t, v) => [t[0]! + v.exposures, t[1]! + v.conversions], [0, 0])
      // Three exposed, two ordered, one of those orders was cancelled.
      expect(total(await shop.reports.experiment('banner'))).toEqual([3, 1])
      expect(total(await shop.reports.experiment('banner', { from: '2026-03-11', timeZone: 'Europe/Moscow' }))).toEqual([3, 1])
      expect(total(await shop.reports.experiment('banner', { from: '2026-03-11' }))).toEqual([0, 0])
      expect(total(await shop.reports.experiment('banner', { to: '2026-03-11', timeZone: 'Europe/Moscow' }))).toEqual([0, 0])
      expect((await failure(shop.reports.experiment('banner', { timeZone: 'Mars/Olympus' }))).code).toBe('VALIDATION')
    } finally {
      await shop.close()
    }
  })
})
