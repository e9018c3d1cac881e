import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { lineShare } from '../money/allocate.js'
import { unitPrices, valuePieces } from './shipment-value.js'

/** Order lines (total, quantity) and how each is cut into parts over shipments. */
const splitLines = fc
  .array(
    fc.record({ total: fc.integer({ min: 0, max: 100_000_000 }), quantity: fc.integer({ min: 1, max: 40 }) }).chain(({ total, quantity }) =>
      // Cut points between units: the parts' quantities add up to the line's.
      fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, quantity - 1) }), { maxLength: Math.min(quantity - 1, 6) }).map((cuts) => {
        const points = [0, ...cuts.filter((c) => c < quantity).sort((a, b) => a - b), quantity]
        return { total, quantity, parts: points.slice(1).map((p, i) => p - points[i]!) }
      }),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((lines) => lines.map((l, i) => ({ ...l, id: `line-${i}` })))

describe('valuePieces', () => {
  test('two equal halves of an odd line total add up to it (one kopeck each way, not both up)', () => {
    const line = { id: 'l', total: 2_865 }
    const a = { line, quantity: 2 }
    const b = { line, quantity: 2 }
    const values = valuePieces([a, b])
    expect([values.get(a), values.get(b)]).toEqual([1_433, 1_432])
    // Valued one by one, each half rounds up.
    expect(lineShare(2_865, 4, 2) * 2).toBe(2_866)
  })

  test('the parts of every line add up to its total, each within one unit of its exact share', () => {
    fc.assert(
      fc.property(splitLines, (lines) => {
        const pieces = lines.flatMap((l) => l.parts.map((quantity) => ({ line: l, quantity })))
        const values = valuePieces(pieces)
        expect(values.size).toBe(pieces.length)
        for (const l of lines) {
          const own = pieces.filter((p) => p.line === l)
          expect(own.reduce((s, p) => s + values.get(p)!, 0)).toBe(l.total)
          for (const p of own) expect(Math.abs(values.get(p)! * l.quantity - l.total * p.quantity)).toBeLessThan(l.quantity)
        }
      }),
      { numRuns: 500 },
    )
  })

  test('a part priced for the carrier and cut at the door adds up to its value', () => {
    fc.assert(
      fc.property(splitLines, fc.nat(), (lines, seed) => {
        for (const piece of lines.flatMap((l) => l.parts.map((quantity) => ({ line: l, quantity })))) {
          const value = valuePieces([piece]).get(piece)!
          const rows = unitPrices(value, piece.quantity)
          expect(rows.reduce((s, r) => s + r.quantity, 0)).toBe(piece.quantity)
          expect(rows.reduce((s, r) => s + r.unitPrice * r.quantity, 0)).toBe(value)
          expect(rows.every((r) => r.quantity > 0 && r.unitPrice >= 0)).toBe(true)
          const refused = seed % (piece.quantity + 1)
          const refusedValue = lineShare(value, piece.quantity, refused)
          expect(refusedValue).toBeGreaterThanOrEqual(0)
          expect(refusedValue).toBeLessThanOrEqual(value)
          if (refused === 0) expect(refusedValue).toBe(0)
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('unitPrices', () => {
  test.each([
    [3_000, 3, [{ quantity: 3, unitPrice: 1_000 }]],
    [1_433, 2, [{ quantity: 1, unitPrice: 716 }, { quantity: 1, unitPrice: 717 }]],
    [1_001, 3, [{ quantity: 2, unitPrice: 333 }, { quantity: 1, unitPrice: 335 }]],
    [7, 1, [{ quantity: 1, unitPrice: 7 }]],
  ])('unitPrices(%i, %i) → %j', (value, quantity, expected) => {
    expect(unitPrices(value, quantity)).toEqual(expected)
  })
})
