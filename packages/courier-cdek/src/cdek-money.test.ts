import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { fromCdekRubles, gramsFromKilograms, toCdekRubles } from './cdek-money.js'

describe('CDEK rubles', () => {
  test('kopecks survive the trip to a JSON number and back, exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000_000 }), (kopecks) => {
        const wire = JSON.parse(JSON.stringify({ value: toCdekRubles(kopecks) })) as { value: number }
        expect(fromCdekRubles(wire.value)).toBe(kopecks)
      }),
    )
  })

  test('amounts a float multiplication gets wrong are read exactly', () => {
    // 1234.57 × 100 = 123456.99999999999 and 0.29 × 100 = 28.999999999999996 in floating point.
    expect(fromCdekRubles(1234.57)).toBe(123_457)
    expect(fromCdekRubles(0.29)).toBe(29)
    expect(fromCdekRubles(762.8)).toBe(76_280)
    expect(fromCdekRubles('412.35')).toBe(41_235)
    expect(fromCdekRubles(480)).toBe(48_000)
    expect(toCdekRubles(123_457)).toBe(1234.57)
    expect(toCdekRubles(5)).toBe(0.05)
  })

  test('a third decimal rounds half up; anything else than a decimal is refused', () => {
    expect(fromCdekRubles('10.125')).toBe(1013)
    expect(fromCdekRubles('10.124')).toBe(1012)
    expect(fromCdekRubles(-1)).toBeNull()
    expect(fromCdekRubles('1e3')).toBeNull()
    expect(fromCdekRubles(Number.NaN)).toBeNull()
    expect(() => toCdekRubles(1.5)).toThrow(RangeError)
  })

  test('kilograms of point limits become grams exactly', () => {
    expect(gramsFromKilograms(20)).toBe(20_000)
    expect(gramsFromKilograms(0.3)).toBe(300)
    expect(gramsFromKilograms('18.5')).toBe(18_500)
    expect(gramsFromKilograms('x')).toBeNull()
  })
})
