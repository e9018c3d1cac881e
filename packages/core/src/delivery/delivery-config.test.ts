import { describe, expect, test } from 'vitest'
import { deliveryCalendarSchema, ownCourierSchema, packagingRuleSchema } from './delivery-config.js'
import type { DeliveryCalendar } from './delivery-dates.js'
import type { OwnCourierConfig } from './own-courier.js'
import type { PackagingRule } from './parcel.js'

/** The paths of the problems a schema finds, or [] when the input is valid. */
function problems(schema: { safeParse(input: unknown): { success: boolean; error?: { issues: { path: PropertyKey[] }[] } } }, input: unknown): string[] {
  const result = schema.safeParse(input)
  return result.success ? [] : result.error!.issues.map((i) => i.path.map(String).join('.'))
}

describe('deliveryCalendarSchema', () => {
  test('accepts a full calendar and its output is a DeliveryCalendar', () => {
    const input = { timeZone: 'Europe/Moscow', workingDays: [1, 2, 3, 4, 5, 6], holidays: ['2026-03-09', '2026-05-01'], workingWeekends: ['2026-11-07'] }
    const parsed: DeliveryCalendar = deliveryCalendarSchema.parse(input)
    expect(parsed).toEqual(input)
  })

  test.each<[string, unknown, string[]]>([
    ['only a time zone', { timeZone: 'Asia/Vladivostok' }, []],
    ['UTC', { timeZone: 'UTC' }, []],
    ['an unknown time zone', { timeZone: 'Moscow' }, ['timeZone']],
    ['an empty time zone', { timeZone: '' }, ['timeZone']],
    ['a UTC offset instead of a zone', { timeZone: '+03:00' }, ['timeZone']],
    ['a missing time zone', {}, ['timeZone']],
    ['weekday 0', { timeZone: 'UTC', workingDays: [0, 1] }, ['workingDays.0']],
    ['weekday 8', { timeZone: 'UTC', workingDays: [8] }, ['workingDays.0']],
    ['no working weekdays', { timeZone: 'UTC', workingDays: [] }, ['workingDays']],
    ['a repeated weekday', { timeZone: 'UTC', workingDays: [1, 2, 1] }, ['workingDays.2']],
    ['a holiday that is not a date', { timeZone: 'UTC', holidays: ['2026-02-30'] }, ['holidays.0']],
    ['a holiday in another format', { timeZone: 'UTC', holidays: ['09.03.2026'] }, ['holidays.0']],
    ['a working weekend that is not a date', { timeZone: 'UTC', workingWeekends: ['2026-11-7'] }, ['workingWeekends.0']],
    ['a date both a holiday and a working weekend', { timeZone: 'UTC', holidays: ['2026-11-07'], workingWeekends: ['2026-11-07'] }, ['workingWeekends.0']],
    ['an unknown key', { timeZone: 'UTC', weekends: [6, 7] }, ['']],
  ])('%s', (_, input, expected) => {
    expect(problems(deliveryCalendarSchema, input)).toEqual(expected)
  })
})

const zone = { code: 'msk', name: 'Москва', cities: ['Москва'], price: 35_000, days: { min: 1, max: 2 } }

describe('ownCourierSchema', () => {
  test('accepts a full config and its output is an OwnCourierConfig', () => {
    const input = {
      name: 'Наш курьер',
      zones: [
        { ...zone, postalCodes: [['101000', '129999']], includedWeightGrams: 3000, pricePerExtraKg: 5_000, freeFrom: 500_000 },
        { code: 'kz', name: 'Алматы', postalCodes: [['050000', '050099']], price: 0, days: { min: 0, max: 0 } },
      ],
      slots: [
        { from: '10:00', to: '14:00', capacity: 20 },
        { from: '14:00', to: '18:00', capacity: 20 },
      ],
      slotDaysAhead: 7,
      services: { partialBuyout: false },
    }
    const parsed: OwnCourierConfig = ownCourierSchema.parse(input)
    expect(parsed).toEqual(input)
  })

  test.each<[string, unknown, string[]]>([
    ['the minimum', { zones: [zone] }, []],
    ['no zones', { zones: [] }, ['zones']],
    ['a repeated zone code', { zones: [zone, { ...zone, cities: ['Химки'] }] }, ['zones.1']],
    ['a zone that matches nothing', { zones: [{ ...zone, cities: [] }] }, ['zones.0.cities']],
    ['a zone with an empty city', { zones: [{ ...zone, cities: [' '] }] }, ['zones.0.cities.0']],
    ['a fractional price', { zones: [{ ...zone, price: 350.5 }] }, ['zones.0.price']],
    ['a negative price', { zones: [{ ...zone, price: -1 }] }, ['zones.0.price']],
    ['a negative free-from', { zones: [{ ...zone, freeFrom: -100 }] }, ['zones.0.freeFrom']],
    ['a fractional per-kilogram price', { zones: [{ ...zone, pricePerExtraKg: 0.5 }] }, ['zones.0.pricePerExtraKg']],
    ['min days above max', { zones: [{ ...zone, days: { min: 3, max: 2 } }] }, ['zones.0.days.max']],
    ['negative days', { zones: [{ ...zone, days: { min: -1, max: 2 } }] }, ['zones.0.days.min']],
    ['a postal range running backwards', { zones: [{ ...zone, postalCodes: [['129999', '101000']] }] }, ['zones.0.postalCodes.0']],
    ['a postal range with ends of different lengths', { zones: [{ ...zone, postalCodes: [['10100', '129999']] }] }, ['zones.0.postalCodes.0']],
    ['a postal code with letters', { zones: [{ ...zone, postalCodes: [['10100A', '129999']] }] }, ['zones.0.postalCodes.0.0']],
    ['a postal range with one end', { zones: [{ ...zone, postalCodes: [['101000']] }] }, ['zones.0.postalCodes.0']],
    ['a slot ending before it starts', { zones: [zone], slots: [{ from: '18:00', to: '14:00', capacity: 1 }] }, ['slots.0.to']],
    ['a slot of no length', { zones: [zone], slots: [{ from: '14:00', to: '14:00', capacity: 1 }] }, ['slots.0.to']],
    ['a slot time without a leading zero', { zones: [zone], slots: [{ from: '9:00', to: '14:00', capacity: 1 }] }, ['slots.0.from']],
    ['a slot until 24:00', { zones: [zone], slots: [{ from: '18:00', to: '24:00', capacity: 1 }] }, ['slots.0.to']],
    ['a slot without capacity', { zones: [zone], slots: [{ from: '10:00', to: '14:00', capacity: 0 }] }, ['slots.0.capacity']],
    ['a repeated slot', { zones: [zone], slots: [{ from: '10:00', to: '14:00', capacity: 1 }, { from: '10:00', to: '14:00', capacity: 5 }] }, ['slots.1']],
    ['zero days ahead', { zones: [zone], slotDaysAhead: 0 }, ['slotDaysAhead']],
    ['an unknown service', { zones: [zone], services: { fitting: true } }, ['services']],
    ['an unknown zone key', { zones: [{ ...zone, region: 'msk' }] }, ['zones.0']],
  ])('%s', (_, input, expected) => {
    expect(problems(ownCourierSchema, input)).toEqual(expected)
  })
})

const box = { code: 'M', lengthCm: 30, widthCm: 20, heightCm: 15, weightGrams: 150, maxWeightGrams: 15_000 }

describe('packagingRuleSchema', () => {
  test('accepts a full rule and its output is a PackagingRule', () => {
    const input = { boxes: [box, { ...box, code: 'L', lengthCm: 60.5 }], defaultItemWeightGrams: 400, defaultItemDimensionsMm: { lengthMm: 250, widthMm: 150, heightMm: 80 } }
    const parsed: PackagingRule = packagingRuleSchema.parse(input)
    expect(parsed).toEqual(input)
  })

  test.each<[string, unknown, string[]]>([
    ['nothing: the defaults', {}, []],
    ['an empty box list', { boxes: [] }, ['boxes']],
    ['a repeated box code', { boxes: [box, box] }, ['boxes.1']],
    ['a box of no height', { boxes: [{ ...box, heightCm: 0 }] }, ['boxes.0.heightCm']],
    ['a fractional box weight', { boxes: [{ ...box, weightGrams: 150.5 }] }, ['boxes.0.weightGrams']],
    ['a box that cannot carry its own weight', { boxes: [{ ...box, maxWeightGrams: 150 }] }, ['boxes.0.maxWeightGrams']],
    ['a negative default weight', { defaultItemWeightGrams: -1 }, ['defaultItemWeightGrams']],
    ['a default size of zero', { defaultItemDimensionsMm: { lengthMm: 0, widthMm: 100, heightMm: 100 } }, ['defaultItemDimensionsMm.lengthMm']],
    ['a default size missing a side', { defaultItemDimensionsMm: { lengthMm: 100, widthMm: 100 } }, ['defaultItemDimensionsMm.heightMm']],
  ])('%s', (_, input, expected) => {
    expect(problems(packagingRuleSchema, input)).toEqual(expected)
  })
})
