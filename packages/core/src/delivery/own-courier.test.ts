import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { OrdoErrorCode } from '../errors.js'
import type { DeliveryCalendar } from './delivery-dates.js'
import {
  matchZone,
  ownCourierPrice,
  ownCourierServices,
  ownCourierTariff,
  parseSlotId,
  slotsFrom,
  type OwnCourierConfig,
  type OwnCourierZone,
} from './own-courier.js'

const ordoError = (code: OrdoErrorCode) => expect.objectContaining({ name: 'OrdoError', code })

const moscow: OwnCourierZone = {
  code: 'msk',
  name: 'Москва',
  cities: ['Москва', 'Зеленоград'],
  postalCodes: [['101000', '129999']],
  price: 35_000,
  pricePerExtraKg: 5_000,
  freeFrom: 500_000,
  days: { min: 1, max: 2 },
}
const region: OwnCourierZone = {
  code: 'mo',
  name: 'Московская область',
  cities: ['Королёв', 'Химки'],
  postalCodes: [['140000', '144999']],
  price: 60_000,
  includedWeightGrams: 10_000,
  pricePerExtraKg: 3_000,
  days: { min: 2, max: 3 },
}
const kazakh: OwnCourierZone = { code: 'kz', name: 'Алматы', postalCodes: [['050000', '050099']], price: 80_000, days: { min: 3, max: 5 } }
const config: OwnCourierConfig = { zones: [moscow, region, kazakh] }
const calendar: DeliveryCalendar = { timeZone: 'Europe/Moscow', holidays: ['2026-03-09'] }

describe('matchZone', () => {
  test.each<[string, { city: string; postalCode?: string }, string | null]>([
    ['exact city', { city: 'Москва' }, 'msk'],
    ['city in another case with spaces', { city: '  МОСКВА ' }, 'msk'],
    ['a leading "г."', { city: 'г. Москва' }, 'msk'],
    ['ё written as е', { city: 'Королев' }, 'mo'],
    ['ё as configured', { city: 'королёв' }, 'mo'],
    ['the second city of a zone', { city: 'Зеленоград' }, 'msk'],
    ['postal code at the lower bound', { city: 'Неизвестно', postalCode: '101000' }, 'msk'],
    ['postal code at the upper bound', { city: '', postalCode: '129999' }, 'msk'],
    ['postal code inside the second zone', { city: 'Балашиха', postalCode: '143900' }, 'mo'],
    ['postal code with a space', { city: 'Балашиха', postalCode: '143 900' }, 'mo'],
    ['postal code just above a range', { city: 'Тула', postalCode: '130000' }, null],
    ['postal code of another length', { city: 'Тула', postalCode: '10100' }, null],
    ['a longer postal code', { city: 'Тула', postalCode: '1010000' }, null],
    ['postal code with a leading zero', { city: 'Алматы', postalCode: '050010' }, 'kz'],
    ['postal code with letters', { city: 'London', postalCode: 'SW1A1AA' }, null],
    ['nothing matches', { city: 'Тула', postalCode: '300000' }, null],
    ['no postal code given', { city: 'Тула' }, null],
    ['the city wins over a later zone’s postal code', { city: 'Москва', postalCode: '141400' }, 'msk'],
    ['a substring of a city is not the city', { city: 'Моск' }, null],
  ])('%s', (_, to, expected) => {
    expect(matchZone(config, to)?.code ?? null).toBe(expected)
  })

  test('the first matching zone wins', () => {
    const cheap: OwnCourierZone = { ...moscow, code: 'cheap', cities: ['Москва'], postalCodes: [] }
    expect(matchZone({ zones: [cheap, moscow] }, { city: 'Москва' })?.code).toBe('cheap')
    expect(matchZone({ zones: [moscow, cheap] }, { city: 'Москва' })?.code).toBe('msk')
  })

  test('a zone with neither cities nor postal codes matches nothing', () => {
    expect(matchZone({ zones: [{ code: 'x', name: 'X', price: 0, days: { min: 0, max: 0 } }] }, { city: 'Москва', postalCode: '101000' })).toBeNull()
  })

  test('postal ranges agree with numeric comparison for same-length codes', () => {
    fc.assert(
      fc.property(fc.nat(999_999), fc.nat(999_999), fc.nat(999_999), (a, b, c) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        const pad = (n: number) => String(n).padStart(6, '0')
        const zone: OwnCourierZone = { code: 'z', name: 'Z', postalCodes: [[pad(lo), pad(hi)]], price: 0, days: { min: 0, max: 0 } }
        expect(matchZone({ zones: [zone] }, { city: '', postalCode: pad(c) }) !== null).toBe(lo <= c && c <= hi)
      }),
    )
  })
})

describe('ownCourierPrice', () => {
  test.each<[string, OwnCourierZone, number, number, number]>([
    ['within the included 5 kg', moscow, 5000, 100_000, 35_000],
    ['one gram above: one started kilogram', moscow, 5001, 100_000, 40_000],
    ['exactly one extra kilogram', moscow, 6000, 100_000, 40_000],
    ['7.2 kg: three started kilograms', moscow, 7200, 100_000, 50_000],
    ['an empty parcel', moscow, 0, 100_000, 35_000],
    ['free from the threshold', moscow, 20_000, 500_000, 0],
    ['one kopeck below the threshold', moscow, 5000, 499_999, 35_000],
    ['own included weight of 10 kg', region, 10_000, 1_000_000, 60_000],
    ['own included weight, 10.5 kg', region, 10_500, 1_000_000, 63_000],
    ['no per-kilogram price: heavy parcels cost the base price', kazakh, 40_000, 0, 80_000],
    ['a free-from of 0 makes every delivery free', { ...moscow, freeFrom: 0 }, 9000, 0, 0],
  ])('%s', (_, zone, weightGrams, goodsTotal, expected) => {
    expect(ownCourierPrice(zone, { weightGrams, goodsTotal })).toBe(expected)
  })

  test('rejects bad weights and totals', () => {
    expect(() => ownCourierPrice(moscow, { weightGrams: -1, goodsTotal: 0 })).toThrow(ordoError('VALIDATION'))
    expect(() => ownCourierPrice(moscow, { weightGrams: 1.5, goodsTotal: 0 })).toThrow(ordoError('VALIDATION'))
    expect(() => ownCourierPrice(moscow, { weightGrams: 1000, goodsTotal: 10.5 })).toThrow(ordoError('INVALID_AMOUNT'))
    expect(() => ownCourierPrice({ ...moscow, pricePerExtraKg: Number.MAX_SAFE_INTEGER }, { weightGrams: 9000, goodsTotal: 0 })).toThrow(ordoError('INVALID_AMOUNT'))
  })

  test('a heavier parcel never costs less, and the extra is a whole number of kilogram steps', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(100_000), fc.nat(10_000), (w1, w2, perKg) => {
        const zone = { ...moscow, pricePerExtraKg: perKg, freeFrom: undefined }
        const [light, heavy] = w1 <= w2 ? [w1, w2] : [w2, w1]
        const a = ownCourierPrice(zone, { weightGrams: light, goodsTotal: 0 })
        const b = ownCourierPrice(zone, { weightGrams: heavy, goodsTotal: 0 })
        expect(b).toBeGreaterThanOrEqual(a)
        expect(perKg === 0 ? a === zone.price : (a - zone.price) % perKg === 0).toBe(true)
      }),
    )
  })
})

describe('ownCourierTariff and services', () => {
  test('a zone becomes a door tariff with the zone code, price and days', () => {
    expect(ownCourierTariff(config, moscow, { weightGrams: 5200, goodsTotal: 10_000 })).toEqual({
      tariffCode: 'msk',
      name: 'Курьер магазина: Москва',
      methodType: 'courier_door',
      price: 40_000,
      minDays: 1,
      maxDays: 2,
      services: { cod: true, card: true, tryOn: true, partialBuyout: true },
    })
  })

  test('configured name and services override the defaults one by one', () => {
    const custom: OwnCourierConfig = { ...config, name: 'Наш курьер', services: { partialBuyout: false, cod: false } }
    expect(ownCourierServices(custom)).toEqual({ cod: false, card: true, tryOn: true, partialBuyout: false })
    expect(ownCourierTariff(custom, region, { weightGrams: 0, goodsTotal: 0 }).name).toBe('Наш курьер: Московская область')
  })
})

describe('slotsFrom', () => {
  const withSlots: OwnCourierConfig = {
    ...config,
    slots: [
      { from: '14:00', to: '18:00', capacity: 10 },
      { from: '10:00', to: '14:00', capacity: 20 },
    ],
    slotDaysAhead: 3,
  }

  test('offers each slot on the next working days, by date then time, skipping weekends and holidays', () => {
    expect(slotsFrom(withSlots, '2026-03-05', calendar)).toEqual([
      { id: '2026-03-05@10:00-14:00', date: '2026-03-05', from: '10:00', to: '14:00', capacity: 20 },
      { id: '2026-03-05@14:00-18:00', date: '2026-03-05', from: '14:00', to: '18:00', capacity: 10 },
      { id: '2026-03-06@10:00-14:00', date: '2026-03-06', from: '10:00', to: '14:00', capacity: 20 },
      { id: '2026-03-06@14:00-18:00', date: '2026-03-06', from: '14:00', to: '18:00', capacity: 10 },
      { id: '2026-03-10@10:00-14:00', date: '2026-03-10', from: '10:00', to: '14:00', capacity: 20 },
      { id: '2026-03-10@14:00-18:00', date: '2026-03-10', from: '14:00', to: '18:00', capacity: 10 },
    ])
  })

  test.each<[string, string, DeliveryCalendar, number | undefined, string[]]>([
    ['a first date off starts on the next working day', '2026-03-07', calendar, 2, ['2026-03-10', '2026-03-11']],
    ['the default of 5 working days', '2026-03-02', calendar, undefined, ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']],
    ['a moved working Saturday', '2026-11-06', { timeZone: 'Europe/Moscow', workingWeekends: ['2026-11-07'] }, 3, ['2026-11-06', '2026-11-07', '2026-11-09']],
    ['a seven-day calendar', '2026-03-07', { timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7] }, 2, ['2026-03-07', '2026-03-08']],
  ])('%s', (_, firstDate, cal, slotDaysAhead, dates) => {
    const one: OwnCourierConfig = { ...config, slots: [{ from: '09:00', to: '21:00', capacity: 1 }], ...(slotDaysAhead === undefined ? {} : { slotDaysAhead }) }
    expect(slotsFrom(one, firstDate, cal).map((s) => s.date)).toEqual(dates)
  })

  test('no slots configured: none offered', () => {
    expect(slotsFrom(config, '2026-03-05', calendar)).toEqual([])
    expect(slotsFrom({ ...config, slots: [] }, '2026-03-05', calendar)).toEqual([])
  })

  test('rejects a bad first date', () => {
    expect(() => slotsFrom(withSlots, '2026-02-30', calendar)).toThrow(ordoError('VALIDATION'))
    expect(() => slotsFrom(config, '05.03.2026', calendar)).toThrow(ordoError('VALIDATION'))
  })

  test('every id reads back into its slot', () => {
    for (const slot of slotsFrom(withSlots, '2026-03-05', calendar)) {
      expect(parseSlotId(slot.id)).toEqual({ date: slot.date, from: slot.from, to: slot.to })
    }
  })
})

describe('parseSlotId', () => {
  test.each<[string, { date: string; from: string; to: string } | null]>([
    ['2026-03-10@10:00-14:00', { date: '2026-03-10', from: '10:00', to: '14:00' }],
    ['2026-03-10@00:00-23:59', { date: '2026-03-10', from: '00:00', to: '23:59' }],
    ['2026-02-30@10:00-14:00', null],
    ['2026-03-10@14:00-10:00', null],
    ['2026-03-10@10:00-10:00', null],
    ['2026-03-10@10:00-24:00', null],
    ['2026-03-10@9:00-14:00', null],
    ['2026-03-10 10:00-14:00', null],
    ['2026-03-10@10:00-14:00 ', null],
    ['', null],
  ])('%j → %j', (id, expected) => {
    expect(parseSlotId(id)).toEqual(expected)
  })
})
