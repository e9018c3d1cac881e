import { defaultAllocationStrategy, LOCATION_TYPES, type LocationStock } from '@ordo/core'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'

const stock = (code: string, available: number, more: Partial<LocationStock> = {}): LocationStock => ({
  locationId: code.toLowerCase(),
  code,
  type: 'warehouse',
  pickup: false,
  priority: 0,
  leadTimeDays: 0,
  unlimited: false,
  onHand: available,
  reserved: 0,
  available,
  ...more,
})
const plan = (quantity: number, candidates: LocationStock[]) => defaultAllocationStrategy({ variantId: 'v', quantity, region: null }, candidates)

describe('defaultAllocationStrategy', () => {
  test('one location that can serve the whole line wins over splitting, warehouses before showrooms before suppliers', () => {
    expect(plan(5, [stock('A', 3), stock('B', 9, { type: 'supplier' }), stock('C', 4)])).toEqual([{ locationId: 'b', quantity: 5 }])
    expect(plan(5, [stock('S', 9, { type: 'supplier' }), stock('R', 5, { type: 'showroom' }), stock('W', 5, { priority: 9 })])).toEqual([
      { locationId: 'w', quantity: 5 },
    ])
    expect(plan(5, [stock('S', 9, { type: 'supplier' }), stock('R', 5, { type: 'showroom' })])).toEqual([{ locationId: 'r', quantity: 5 }])
  })

  test('among equal locations: lower priority, then shorter lead time, then code', () => {
    expect(plan(1, [stock('A', 1, { priority: 2 }), stock('B', 1, { priority: 1 })])).toEqual([{ locationId: 'b', quantity: 1 }])
    expect(plan(1, [stock('A', 1, { leadTimeDays: 3 }), stock('B', 1, { leadTimeDays: 1 })])).toEqual([{ locationId: 'b', quantity: 1 }])
    expect(plan(1, [stock('B', 1), stock('A', 1)])).toEqual([{ locationId: 'a', quantity: 1 }])
  })

  test('an unlimited supplier serves any quantity, after any stocked location that can', () => {
    const dropShip = stock('D', 0, { type: 'supplier', unlimited: true })
    expect(plan(1000, [stock('W', 3), dropShip])).toEqual([{ locationId: 'd', quantity: 1000 }])
    expect(plan(3, [stock('W', 3), dropShip])).toEqual([{ locationId: 'w', quantity: 3 }])
  })

  test('split over the fewest locations, preferring warehouses to suppliers among them', () => {
    // 10 units: supplier 7 + warehouse 6 and warehouse 6 + warehouse 4 are both two locations.
    expect(plan(10, [stock('S', 7, { type: 'supplier' }), stock('W1', 6), stock('W2', 4)])).toEqual([
      { locationId: 'w1', quantity: 6 },
      { locationId: 'w2', quantity: 4 },
    ])
    expect(plan(12, [stock('A', 5), stock('B', 5), stock('C', 11, { type: 'supplier' }), stock('D', 1)])).toEqual([
      { locationId: 'a', quantity: 5 },
      { locationId: 'c', quantity: 7 },
    ])
  })

  test('an empty plan when the candidates together cannot serve the line', () => {
    expect(plan(7, [stock('A', 3), stock('B', 3)])).toEqual([])
    expect(plan(1, [])).toEqual([])
  })

  const candidateArb = fc.record({
    available: fc.integer({ min: 0, max: 12 }),
    type: fc.constantFrom(...LOCATION_TYPES),
    priority: fc.integer({ min: 0, max: 3 }),
    unlimited: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
  })

  test('property: plans serve exactly the line from the fewest locations, within each one’s stock, or are empty when nothing can', () => {
    fc.assert(
      fc.property(fc.array(candidateArb, { maxLength: 7 }), fc.integer({ min: 1, max: 45 }), (specs, quantity) => {
        const candidates = specs.map((s, i) =>
          stock(`L${i}`, s.available, { type: s.unlimited ? 'supplier' : s.type, priority: s.priority, unlimited: s.unlimited }),
        )
        const result = plan(quantity, candidates)
        const byId = new Map(candidates.map((c) => [c.locationId, c]))

        // The fewest locations any plan could use, by brute force over subsets.
        let fewest = Infinity
        for (let mask = 1; mask < 1 << candidates.length; mask++) {
          const chosen = candidates.filter((_, i) => mask & (1 << i))
          const servable = chosen.some((c) => c.unlimited) || chosen.reduce((s, c) => s + c.available, 0) >= quantity
          if (servable) fewest = Math.min(fewest, chosen.length)
        }

        if (fewest === Infinity) {
          expect(result).toEqual([])
          return
        }
        expect(result.reduce((s, p) => s + p.quantity, 0)).toBe(quantity)
        expect(result).toHaveLength(fewest)
        expect(new Set(result.map((p) => p.locationId)).size).toBe(result.length)
        for (const p of result) {
          const c = byId.get(p.locationId)!
          expect(p.quantity).toBeGreaterThan(0)
          if (!c.unlimited) expect(p.quantity).toBeLessThanOrEqual(c.available)
        }
        if (fewest === 1) {
          // The single location is the most preferred of those that could serve alone.
          const rank = { warehouse: 0, showroom: 1, supplier: 2 }
          const able = candidates.filter((c) => c.unlimited || c.available >= quantity)
          const best = Math.min(...able.map((c) => rank[c.type] * 100 + c.priority))
          const c = byId.get(result[0]!.locationId)!
          expect(rank[c.type] * 100 + c.priority).toBe(best)
        }
      }),
      { numRuns: 1000 },
    )
  })
})
