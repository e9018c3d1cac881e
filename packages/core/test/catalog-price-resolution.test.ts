import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { PriceContext } from '../src/catalog/catalog-types.js'
import { resolveOffers, toInstant, type PriceListRule, type PriceOffer } from '../src/catalog/price-resolution.js'

const REGIONS = ['moscow', 'spb', 'kazan'] as const
const CHANNELS = ['site', 'yandex'] as const
const GROUPS = ['vip', 'wholesale'] as const
const T0 = Date.UTC(2026, 2, 1)
const HOUR = 3_600_000

// Biased towards lists that apply and tie, so every rule of the order gets exercised.
const mostly = <T>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<T>) => fc.oneof({ arbitrary: usual, weight: 4 }, { arbitrary: rare, weight: 1 })
const scope = (values: readonly string[]) => mostly(fc.constant<string[]>([]), fc.subarray([...values], { minLength: 1 }))

const listArb = (index: number) =>
  fc.record({
    priority: fc.integer({ min: 0, max: 2 }),
    regions: scope(REGIONS),
    channels: scope(CHANNELS),
    customerGroups: scope(GROUPS),
    validFrom: fc.option(fc.integer({ min: 0, max: 48 }).map((h) => T0 + h * HOUR)),
    validTo: fc.option(fc.integer({ min: 0, max: 48 }).map((h) => T0 + h * HOUR)),
    active: mostly(fc.constant(true), fc.constant(false)),
    currency: mostly(fc.constant('RUB' as const), fc.constant('USD' as const)),
    code: fc.constantFrom('a', 'b', 'c', 'd').map((c) => `${c}${index}`),
  })

const offersArb = fc
  .integer({ min: 0, max: 8 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => fc.tuple(listArb(i), fc.integer({ min: 0, max: 3 }), fc.option(fc.integer({ min: 6, max: 9 }))))))
  .map((items) =>
    items.map(([l, amount, compareAt], i): PriceOffer => {
      const list: PriceListRule = { ...l, id: `id-${i}`, name: `List ${l.code}`, timeZone: null }
      return { list, amount: amount * 100, compareAt: compareAt === null ? null : compareAt * 100 }
    }),
  )

const contextArb = fc.record({
  currency: mostly(fc.constant('RUB' as const), fc.constant('USD' as const)),
  region: fc.option(fc.constantFrom(...REGIONS)),
  channel: fc.option(fc.constantFrom(...CHANNELS)),
  customerGroups: fc.subarray([...GROUPS]),
  at: fc.integer({ min: -2, max: 50 }).map((h) => new Date(T0 + h * HOUR)),
})

/** The rules of the issue, written out independently of the implementation. */
function referenceWinner(offers: readonly PriceOffer[], c: PriceContext): PriceOffer | undefined {
  const t = c.at.getTime()
  const applicable = offers.filter(({ list: l }) => {
    const inScope = (values: readonly string[], value: string | null | undefined) => values.length === 0 || (value != null && values.includes(value))
    return (
      l.active &&
      l.currency === c.currency &&
      (l.validFrom === null || l.validFrom <= t) &&
      (l.validTo === null || t <= l.validTo) &&
      inScope(l.regions, c.region) &&
      inScope(l.channels, c.channel) &&
      (l.customerGroups.length === 0 || l.customerGroups.some((g) => (c.customerGroups ?? []).includes(g)))
    )
  })
  const key = (o: PriceOffer) => [o.list.priority, [o.list.regions, o.list.channels, o.list.customerGroups].filter((d) => d.length > 0).length, -o.amount] as const
  let best: PriceOffer | undefined
  for (const o of applicable) {
    if (!best) {
      best = o
      continue
    }
    const [a, b] = [key(o), key(best)]
    const cmp = a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || (o.list.code < best.list.code ? 1 : o.list.code > best.list.code ? -1 : 0)
    if (cmp > 0) best = o
  }
  return best
}

describe('price resolution', () => {
  test('picks the winner the rules name, whatever the order of the offers (property)', () => {
    fc.assert(
      fc.property(offersArb, contextArb, fc.infiniteStream(fc.nat()), (offers, context, seeds) => {
        const decision = resolveOffers(offers, context)
        const expected = referenceWinner(offers, context)
        expect(decision?.winner).toBe(expected)
        // Deterministic: a shuffled input gives the same winner and the same explanation.
        const shuffled = [...offers].sort(() => (seeds.next().value % 3) - 1)
        const again = resolveOffers(shuffled, context)
        expect(again?.winner).toBe(decision?.winner)
        expect(again?.explanation).toBe(decision?.explanation)
        if (decision) {
          expect(decision.explanation.startsWith(`Price list "${decision.winner.list.name}"`)).toBe(true)
          expect(decision.ranked[0]).toBe(decision.winner)
        }
      }),
      { numRuns: 1000 },
    )
  })

  test('explains what the winner beat and how, with scope and window in the list zone', () => {
    const list = (over: Partial<PriceListRule>): PriceListRule => ({
      id: over.code ?? 'x',
      code: 'x',
      name: 'X',
      currency: 'RUB',
      priority: 0,
      regions: [],
      channels: [],
      customerGroups: [],
      validFrom: null,
      validTo: null,
      timeZone: null,
      active: true,
      ...over,
    })
    const vip = list({ code: 'vip', name: 'VIP', priority: 5, customerGroups: ['vip', 'gold'], channels: ['site'], validFrom: Date.UTC(2026, 0, 1) })
    const site = list({ code: 'site', name: 'Site', priority: 5, channels: ['site'], validTo: Date.UTC(2026, 11, 31, 20, 59), timeZone: 'Europe/Moscow' })
    const base = list({ code: 'base-RUB', name: 'Base RUB' })
    const decision = resolveOffers(
      [
        { list: base, amount: 1000, compareAt: null },
        { list: site, amount: 800, compareAt: null },
        { list: vip, amount: 850, compareAt: null },
      ],
      { currency: 'RUB', channel: 'site', customerGroups: ['gold'], at: new Date('2026-06-01T00:00:00Z') },
    )!
    expect(decision.explanation).toBe(
      'Price list "VIP" (priority 5, channel site, customer groups vip, gold, valid from 2026-01-01 00:00 UTC) beats ' +
        '"Site" (same priority, more specific scope: 2 vs 1 dimensions) and "Base RUB" (higher priority: 5 > 0)',
    )
    const noGroup = resolveOffers([{ list: site, amount: 800, compareAt: null }, { list: vip, amount: 850, compareAt: null }], {
      currency: 'RUB',
      channel: 'site',
      at: new Date('2026-06-01T00:00:00Z'),
    })!
    expect(noGroup.explanation).toBe('Price list "Site" (priority 5, channel site, valid until 2026-12-31 23:59 Europe/Moscow) is the only applicable list with a price for this variant')
  })

  test('window bounds: local date-times in a zone, whole days, offsets, across DST', () => {
    expect(new Date(toInstant('2026-03-01', 'Europe/Moscow', false, 'validFrom')).toISOString()).toBe('2026-02-28T21:00:00.000Z')
    expect(new Date(toInstant('2026-03-31', 'Europe/Moscow', true, 'validTo')).toISOString()).toBe('2026-03-31T20:59:59.999Z')
    expect(new Date(toInstant('2026-03-31T23:59', 'Europe/Moscow', true, 'validTo')).toISOString()).toBe('2026-03-31T20:59:00.000Z')
    // Berlin switches to summer time on 2026-03-29: the day has 23 hours.
    expect(new Date(toInstant('2026-03-29', 'Europe/Berlin', false, 'validFrom')).toISOString()).toBe('2026-03-28T23:00:00.000Z')
    expect(new Date(toInstant('2026-03-29', 'Europe/Berlin', true, 'validTo')).toISOString()).toBe('2026-03-29T21:59:59.999Z')
    expect(new Date(toInstant('2026-12-31', 'Europe/Moscow', true, 'validTo')).toISOString()).toBe('2026-12-31T20:59:59.999Z')
    expect(toInstant('2026-03-01T00:00:00+03:00', null, false, 'validFrom')).toBe(Date.UTC(2026, 1, 28, 21))
    expect(toInstant('2026-03-01T00:00:00Z', 'Asia/Tokyo', false, 'validFrom')).toBe(Date.UTC(2026, 2, 1))
    expect(() => toInstant('2026-03-01', null, false, 'validFrom')).toThrow(/no offset; give timeZone/)
    expect(() => toInstant('2026-02-29', 'Europe/Moscow', false, 'validFrom')).toThrow(/not a valid date-time/)
    expect(() => toInstant('01.03.2026', 'Europe/Moscow', false, 'validFrom')).toThrow(/neither an ISO instant/)
    expect(() => toInstant(new Date('nope'), null, false, 'validFrom')).toThrow(/invalid Date/)
  })
})
