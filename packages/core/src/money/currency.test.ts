import { describe, expect, test } from 'vitest'
import { CURRENCIES, isCurrencyCode, minorUnits } from './currency.js'
import type { CurrencyCode } from './currency.js'

describe('CURRENCIES', () => {
  test('lists the currencies shops in the region need, with ISO 4217 minor units', () => {
    const expected: Record<string, number> = {
      RUB: 2, USD: 2, EUR: 2, KZT: 2, BYN: 2, UZS: 2, KGS: 2, AMD: 2, GEL: 2, CNY: 2, TRY: 2, JPY: 0, KWD: 3,
    }
    for (const [code, digits] of Object.entries(expected)) {
      expect(isCurrencyCode(code)).toBe(true)
      expect(minorUnits(code as CurrencyCode)).toBe(digits)
    }
  })

  test('every entry is keyed by its own code and has a symbol', () => {
    for (const [key, currency] of Object.entries(CURRENCIES)) {
      expect(currency.code).toBe(key)
      expect(currency.symbol.length).toBeGreaterThan(0)
    }
  })
})

describe('isCurrencyCode', () => {
  test('accepts known upper-case codes only', () => {
    expect(isCurrencyCode('RUB')).toBe(true)
    expect(isCurrencyCode('rub')).toBe(false)
    expect(isCurrencyCode('XXX')).toBe(false)
    expect(isCurrencyCode('')).toBe(false)
    expect(isCurrencyCode(643)).toBe(false)
    expect(isCurrencyCode(undefined)).toBe(false)
  })

  test('is not fooled by inherited object keys', () => {
    expect(isCurrencyCode('toString')).toBe(false)
    expect(isCurrencyCode('__proto__')).toBe(false)
    expect(isCurrencyCode('constructor')).toBe(false)
  })
})

describe('minorUnits', () => {
  test('throws CURRENCY_MISMATCH for an unknown code', () => {
    expect(() => minorUnits('XXX' as CurrencyCode)).toThrow(
      expect.objectContaining({ name: 'OrdoError', code: 'CURRENCY_MISMATCH' }),
    )
  })
})
