import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { OrdoErrorCode } from '../errors.js'
import {
  calculatedVatRateLabel,
  isVatRate,
  VAT_CALCULATED_RATES,
  VAT_RATES,
  vatFromGross,
  vatOnNet,
  vatPercent,
} from './vat.js'
import type { VatRate } from './vat.js'

const ordoError = (code: OrdoErrorCode) => expect.objectContaining({ name: 'OrdoError', code })
const RUNS = { numRuns: 1000 }

const rate = fc.constantFrom(...Object.values(VAT_RATES))
const amount = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })
const abs = (n: bigint): bigint => (n < 0n ? -n : n)

describe('vatPercent', () => {
  test('maps each rate to its percentage, none to null', () => {
    expect(vatPercent(VAT_RATES.NONE)).toBeNull()
    expect(vatPercent(VAT_RATES.VAT0)).toBe(0)
    expect(vatPercent(VAT_RATES.VAT10)).toBe(10)
    expect(vatPercent(VAT_RATES.VAT20)).toBe(20)
    expect(vatPercent(VAT_RATES.VAT22)).toBe(22)
  })

  test('refuses an unknown rate', () => {
    expect(() => vatPercent('vat18' as VatRate)).toThrow(ordoError('VALIDATION'))
    expect(() => vatPercent('VAT20' as VatRate)).toThrow(ordoError('VALIDATION'))
  })
})

describe('isVatRate', () => {
  test('accepts the VAT_RATES values only', () => {
    for (const r of Object.values(VAT_RATES)) expect(isVatRate(r)).toBe(true)
    expect(isVatRate('vat18')).toBe(false)
    expect(isVatRate('toString')).toBe(false)
    expect(isVatRate(20)).toBe(false)
  })
})

describe('vatFromGross', () => {
  test.each([
    [12000, 'vat20', 10000, 2000],
    [11000, 'vat10', 10000, 1000],
    [12200, 'vat22', 10000, 2200],
    [100, 'vat22', 82, 18], // 18.03
    [1, 'vat20', 1, 0], // 0.17
    [3, 'vat20', 2, 1], // 0.5 rounds half up
    [-3, 'vat20', -2, -1], // and half away from zero for refunds
    [12000, 'vat0', 12000, 0],
    [12000, 'none', 12000, 0],
    [0, 'vat20', 0, 0],
  ] as const)('extracts VAT from %i at %s: net %i, vat %i', (gross, r, net, vat) => {
    expect(vatFromGross(gross, r)).toEqual({ net, vat, gross })
  })

  test('stays exact at the safe-integer limit', () => {
    // round((2^53 - 1) * 22 / 122), computed with exact rationals
    expect(vatFromGross(Number.MAX_SAFE_INTEGER, VAT_RATES.VAT22)).toEqual({
      net: 7382950208804091,
      vat: 1624249045936900,
      gross: Number.MAX_SAFE_INTEGER,
    })
  })

  test('refuses a bad amount or rate', () => {
    expect(() => vatFromGross(10.5, VAT_RATES.VAT20)).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => vatFromGross(100, 'vat18' as VatRate)).toThrow(ordoError('VALIDATION'))
  })

  test('property: net + vat === gross for every rate and amount', () => {
    fc.assert(
      fc.property(amount, rate, (gross, r) => {
        const { net, vat } = vatFromGross(gross, r)
        expect(net + vat).toBe(gross)
        expect(Number.isSafeInteger(net) && Number.isSafeInteger(vat)).toBe(true)
      }),
      RUNS,
    )
  })

  test('property: vat is the exact share rounded to the nearest unit, with the sign of the amount', () => {
    fc.assert(
      fc.property(amount, rate, (gross, r) => {
        const { vat } = vatFromGross(gross, r)
        const p = BigInt(vatPercent(r) ?? 0)
        // |vat - gross * p / (100 + p)| <= 1/2, multiplied through by 2 * (100 + p)
        expect(2n * abs(BigInt(vat) * (100n + p) - BigInt(gross) * p) <= 100n + p).toBe(true)
        expect(Math.sign(vat) === Math.sign(gross) || vat === 0).toBe(true)
        expect(vatFromGross(-gross, r).vat).toBe(-vat || 0)
      }),
      RUNS,
    )
  })
})

describe('vatOnNet', () => {
  test.each([
    [10000, 'vat20', 2000, 12000],
    [333, 'vat22', 73, 406], // 73.26
    [25, 'vat10', 3, 28], // 2.5 rounds half up
    [-25, 'vat10', -3, -28],
    [10000, 'vat0', 0, 10000],
    [10000, 'none', 0, 10000],
  ] as const)('adds VAT to %i at %s: vat %i, gross %i', (net, r, vat, gross) => {
    expect(vatOnNet(net, r)).toEqual({ net, vat, gross })
  })

  test('refuses a bad amount, an overflowing gross or a bad rate', () => {
    expect(() => vatOnNet(0.5, VAT_RATES.VAT20)).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => vatOnNet(Number.MAX_SAFE_INTEGER, VAT_RATES.VAT20)).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => vatOnNet(100, 'vat5' as VatRate)).toThrow(ordoError('VALIDATION'))
  })

  test('property: net + vat === gross for every rate, and vat is the rounded exact share', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), rate, (net, r) => {
        const result = vatOnNet(net, r)
        expect(result.net + result.vat).toBe(result.gross)
        const p = BigInt(vatPercent(r) ?? 0)
        expect(2n * abs(BigInt(result.vat) * 100n - BigInt(net) * p) <= 100n).toBe(true)
      }),
      RUNS,
    )
  })
})

describe('calculated rates', () => {
  test('label each positive rate for fiscal receipts', () => {
    expect(calculatedVatRateLabel(VAT_RATES.VAT10)).toBe('10/110')
    expect(calculatedVatRateLabel(VAT_RATES.VAT20)).toBe('20/120')
    expect(calculatedVatRateLabel(VAT_RATES.VAT22)).toBe('22/122')
    expect(VAT_CALCULATED_RATES.vat20).toBe('20/120')
  })

  test('have no form for none and vat0', () => {
    expect(calculatedVatRateLabel(VAT_RATES.NONE)).toBeNull()
    expect(calculatedVatRateLabel(VAT_RATES.VAT0)).toBeNull()
    expect(() => calculatedVatRateLabel('vat18' as VatRate)).toThrow(ordoError('VALIDATION'))
  })
})
