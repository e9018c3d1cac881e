import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { OrdoErrorCode } from '../errors.js'
import {
  addWorkingDays,
  estimateDeliveryDates,
  isIsoDate,
  isWorkingDay,
  isoWeekday,
  parseLocalTime,
  shiftDate,
  type DeliveryCalendar,
  type DeliveryEstimateInput,
} from './delivery-dates.js'

const ordoError = (code: OrdoErrorCode) => expect.objectContaining({ name: 'OrdoError', code })

// 2026-03-06 is a Friday; in 2026 the 8th of March falls on a Sunday, so Monday the 9th is off.
const moscow: DeliveryCalendar = { timeZone: 'Europe/Moscow', holidays: ['2026-03-09'] }
const movedSaturday: DeliveryCalendar = { timeZone: 'Europe/Moscow', workingWeekends: ['2026-11-07'] }
const newYear: DeliveryCalendar = {
  timeZone: 'Europe/Moscow',
  holidays: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08'],
}

interface Row {
  case: string
  orderedAt: string
  calendar: DeliveryCalendar
  cutoff?: string
  handlingDays?: number
  transit: [number, number]
  calendarDays?: boolean
  expected: [shipDate: string, from: string, to: string]
}

const rows: Row[] = [
  {
    case: 'Friday 19:30 after the 16:00 cut-off, 2-day tariff, Monday a holiday: ships Tuesday, arrives Thursday',
    orderedAt: '2026-03-06T19:30:00+03:00',
    calendar: moscow,
    transit: [2, 2],
    expected: ['2026-03-10', '2026-03-12', '2026-03-12'],
  },
  {
    case: 'the same order with one handling day',
    orderedAt: '2026-03-06T19:30:00+03:00',
    calendar: moscow,
    handlingDays: 1,
    transit: [2, 2],
    expected: ['2026-03-11', '2026-03-13', '2026-03-13'],
  },
  {
    case: 'the same order with a 2–4 day tariff: the range spans the next weekend',
    orderedAt: '2026-03-06T19:30:00+03:00',
    calendar: moscow,
    transit: [2, 4],
    expected: ['2026-03-10', '2026-03-12', '2026-03-16'],
  },
  {
    case: 'Friday before the cut-off ships the same day; transit skips the weekend and the holiday',
    orderedAt: '2026-03-06T10:00:00+03:00',
    calendar: moscow,
    transit: [1, 2],
    expected: ['2026-03-06', '2026-03-10', '2026-03-11'],
  },
  {
    case: 'Wednesday one minute before the cut-off ships the same day',
    orderedAt: '2026-03-04T15:59:59+03:00',
    calendar: moscow,
    transit: [1, 1],
    expected: ['2026-03-04', '2026-03-05', '2026-03-05'],
  },
  {
    case: 'Wednesday exactly at the cut-off ships the next day',
    orderedAt: '2026-03-04T16:00:00+03:00',
    calendar: moscow,
    transit: [1, 1],
    expected: ['2026-03-05', '2026-03-06', '2026-03-06'],
  },
  {
    case: 'Saturday morning (before the cut-off, but a weekend) waits for the first working day',
    orderedAt: '2026-03-07T10:00:00+03:00',
    calendar: moscow,
    transit: [1, 1],
    expected: ['2026-03-10', '2026-03-11', '2026-03-11'],
  },
  {
    case: 'Sunday ships Monday',
    orderedAt: '2026-03-01T12:00:00+03:00',
    calendar: moscow,
    transit: [0, 0],
    expected: ['2026-03-02', '2026-03-02', '2026-03-02'],
  },
  {
    case: 'a moved working Saturday ships on the Saturday',
    orderedAt: '2026-11-07T10:00:00+03:00',
    calendar: movedSaturday,
    transit: [1, 1],
    expected: ['2026-11-07', '2026-11-09', '2026-11-09'],
  },
  {
    case: 'Friday after the cut-off ships on the moved working Saturday',
    orderedAt: '2026-11-06T18:00:00+03:00',
    calendar: movedSaturday,
    transit: [1, 1],
    expected: ['2026-11-07', '2026-11-09', '2026-11-09'],
  },
  {
    case: 'working-day transit counts a moved working Saturday',
    orderedAt: '2026-11-06T10:00:00+03:00',
    calendar: movedSaturday,
    transit: [1, 2],
    expected: ['2026-11-06', '2026-11-07', '2026-11-09'],
  },
  {
    case: 'time-zone edge: 23:30 UTC on Thursday is already Friday 02:30 in Moscow, so a 23:45 cut-off does not make it Thursday',
    orderedAt: '2026-03-05T23:30:00Z',
    calendar: moscow,
    cutoff: '23:45',
    transit: [1, 1],
    expected: ['2026-03-06', '2026-03-10', '2026-03-10'],
  },
  {
    case: 'the same instant with a UTC calendar is Thursday before the cut-off',
    orderedAt: '2026-03-05T23:30:00Z',
    calendar: { timeZone: 'UTC', holidays: ['2026-03-09'] },
    cutoff: '23:45',
    transit: [1, 1],
    expected: ['2026-03-05', '2026-03-06', '2026-03-06'],
  },
  {
    case: 'Vladivostok: 10:30 UTC is 20:30 local, after the cut-off',
    orderedAt: '2026-03-04T10:30:00Z',
    calendar: { timeZone: 'Asia/Vladivostok' },
    transit: [0, 0],
    expected: ['2026-03-05', '2026-03-05', '2026-03-05'],
  },
  {
    case: 'handlingDays 0 before the cut-off on a working day: ships on the order date',
    orderedAt: '2026-03-02T09:00:00+03:00',
    calendar: moscow,
    handlingDays: 0,
    transit: [3, 5],
    expected: ['2026-03-02', '2026-03-05', '2026-03-10'],
  },
  {
    case: 'handlingDays 2 counts working days from the first handling day',
    orderedAt: '2026-03-05T09:00:00+03:00',
    calendar: moscow,
    handlingDays: 2,
    transit: [0, 1],
    expected: ['2026-03-10', '2026-03-10', '2026-03-11'],
  },
  {
    case: 'calendar-day transit may end on a weekend or a holiday',
    orderedAt: '2026-03-06T10:00:00+03:00',
    calendar: moscow,
    transit: [1, 3],
    calendarDays: true,
    expected: ['2026-03-06', '2026-03-07', '2026-03-09'],
  },
  {
    case: 'a warehouse working Monday to Saturday ships a Friday-evening order on Saturday',
    orderedAt: '2026-03-06T19:30:00+03:00',
    calendar: { ...moscow, workingDays: [1, 2, 3, 4, 5, 6] },
    transit: [1, 1],
    expected: ['2026-03-07', '2026-03-10', '2026-03-10'],
  },
  {
    case: 'New Year: the last order of the year ships after the January holidays',
    orderedAt: '2026-12-31T17:00:00+03:00',
    calendar: newYear,
    transit: [1, 2],
    expected: ['2027-01-11', '2027-01-12', '2027-01-13'],
  },
  {
    case: 'daylight-saving change in Berlin: 22:30 UTC on the switch day is Monday 00:30 local',
    orderedAt: '2026-03-29T22:30:00Z',
    calendar: { timeZone: 'Europe/Berlin' },
    cutoff: '12:00',
    transit: [1, 1],
    expected: ['2026-03-30', '2026-03-31', '2026-03-31'],
  },
]

describe('estimateDeliveryDates', () => {
  test.each(rows)('$case', (row) => {
    const estimate = estimateDeliveryDates({
      orderedAt: new Date(row.orderedAt),
      calendar: row.calendar,
      cutoff: row.cutoff ?? '16:00',
      handlingDays: row.handlingDays ?? 0,
      transitDays: { min: row.transit[0], max: row.transit[1] },
      ...(row.calendarDays === undefined ? {} : { transitCalendarDays: row.calendarDays }),
    })
    expect(estimate).toEqual({ shipDate: row.expected[0], from: row.expected[1], to: row.expected[2] })
  })

  const base: DeliveryEstimateInput = {
    orderedAt: new Date('2026-03-04T10:00:00Z'),
    calendar: moscow,
    cutoff: '16:00',
    handlingDays: 0,
    transitDays: { min: 1, max: 2 },
  }

  test.each<[string, Partial<DeliveryEstimateInput>, string]>([
    ['an invalid instant', { orderedAt: new Date('nope') }, 'orderedAt'],
    ['an unknown time zone', { calendar: { timeZone: 'Mars/Olympus' } }, 'calendar.timeZone'],
    ['a cut-off without a leading zero', { cutoff: '9:00' }, 'cutoff'],
    ['a cut-off of 24:00', { cutoff: '24:00' }, 'cutoff'],
    ['negative handling days', { handlingDays: -1 }, 'handlingDays'],
    ['fractional handling days', { handlingDays: 1.5 }, 'handlingDays'],
    ['transit min above max', { transitDays: { min: 3, max: 2 } }, 'transitDays'],
    ['negative transit', { transitDays: { min: -1, max: 2 } }, 'transitDays.min'],
    ['a calendar without working days', { calendar: { timeZone: 'UTC', workingDays: [] } }, 'calendar'],
  ])('rejects %s', (_, patch, path) => {
    const call = () => estimateDeliveryDates({ ...base, ...patch })
    expect(call).toThrow(ordoError('VALIDATION'))
    expect(call).toThrow(expect.objectContaining({ details: { issues: [expect.objectContaining({ path })] } }))
  })
})

describe('isWorkingDay', () => {
  test.each<[string, DeliveryCalendar, boolean]>([
    ['2026-03-06', moscow, true], // Friday
    ['2026-03-07', moscow, false], // Saturday
    ['2026-03-08', moscow, false], // Sunday
    ['2026-03-09', moscow, false], // holiday Monday
    ['2026-03-10', moscow, true],
    ['2026-11-07', movedSaturday, true],
    ['2026-11-14', movedSaturday, false],
    ['2026-11-07', { ...movedSaturday, holidays: ['2026-11-07'] }, false], // a holiday wins
    ['2026-03-08', { timeZone: 'UTC', workingDays: [7] }, true],
    ['2026-03-06', { timeZone: 'UTC', workingDays: [7] }, false],
  ])('%s → %s', (date, calendar, expected) => {
    expect(isWorkingDay(date, calendar)).toBe(expected)
  })

  test.each(['2026-02-30', '2026-3-6', '06.03.2026', ''])('rejects %j', (date) => {
    expect(() => isWorkingDay(date, moscow)).toThrow(ordoError('VALIDATION'))
  })
})

describe('addWorkingDays', () => {
  test.each<[string, number, DeliveryCalendar, string]>([
    ['2026-03-06', 0, moscow, '2026-03-06'],
    ['2026-03-07', 0, moscow, '2026-03-07'], // 0 keeps even a day off
    ['2026-03-06', 1, moscow, '2026-03-10'],
    ['2026-03-07', 1, moscow, '2026-03-10'],
    ['2026-03-05', 3, moscow, '2026-03-11'],
    ['2026-03-10', -1, moscow, '2026-03-06'],
    ['2026-03-10', -2, moscow, '2026-03-05'],
    ['2026-11-06', 1, movedSaturday, '2026-11-07'],
    ['2026-12-31', 1, newYear, '2027-01-11'],
    ['2028-02-28', 1, { timeZone: 'UTC' }, '2028-02-29'], // leap year
    ['2026-01-01', 260, { timeZone: 'UTC' }, '2026-12-31'], // 2026 has 261 weekdays,
  ])('%s + %i → %s', (date, days, calendar, expected) => {
    expect(addWorkingDays(date, days, calendar)).toBe(expected)
  })

  test('rejects a fractional count and a bad date', () => {
    expect(() => addWorkingDays('2026-03-06', 0.5, moscow)).toThrow(ordoError('VALIDATION'))
    expect(() => addWorkingDays('2026-13-01', 1, moscow)).toThrow(ordoError('VALIDATION'))
  })
})

describe('date helpers', () => {
  test.each([
    ['2026-03-06', 5],
    ['2026-03-08', 7],
    ['2026-03-09', 1],
  ])('isoWeekday(%s) = %i', (date, weekday) => {
    expect(isoWeekday(date)).toBe(weekday)
  })

  test('shiftDate crosses months and years in both directions', () => {
    expect(shiftDate('2026-12-31', 1)).toBe('2027-01-01')
    expect(shiftDate('2026-03-01', -1)).toBe('2026-02-28')
    expect(shiftDate('2026-03-29', 1)).toBe('2026-03-30')
  })

  test.each([
    ['2026-02-28', true],
    ['2028-02-29', true],
    ['2026-02-29', false],
    ['2026-00-10', false],
    ['2026-1-10', false],
  ])('isIsoDate(%s) = %s', (value, expected) => {
    expect(isIsoDate(value)).toBe(expected)
  })

  test.each([
    ['00:00', 0],
    ['09:05', 545],
    ['23:59', 1439],
    ['24:00', null],
    ['12:60', null],
    ['9:00', null],
  ])('parseLocalTime(%s) = %s', (value, expected) => {
    expect(parseLocalTime(value)).toBe(expected)
  })
})

describe('estimateDeliveryDates properties', () => {
  const zones = ['Europe/Moscow', 'Asia/Vladivostok', 'Europe/Kaliningrad', 'America/New_York', 'Pacific/Kiritimati', 'UTC']
  const start = Date.parse('2026-01-01T00:00:00Z')
  const end = Date.parse('2027-12-31T00:00:00Z')
  const dateIn2026 = fc.integer({ min: 0, max: 364 }).map((d) => shiftDate('2026-01-01', d))
  const calendar = fc.record({
    timeZone: fc.constantFrom(...zones),
    workingDays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
    holidays: fc.array(dateIn2026, { maxLength: 30 }),
    workingWeekends: fc.array(dateIn2026, { maxLength: 5 }),
  })
  const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`)
  const input = fc
    .record({
      at: fc.integer({ min: start, max: end }),
      calendar,
      cutoff: hhmm,
      handlingDays: fc.integer({ min: 0, max: 5 }),
      min: fc.integer({ min: 0, max: 10 }),
      spread: fc.integer({ min: 0, max: 10 }),
      transitCalendarDays: fc.boolean(),
    })
    .map(
      (r): DeliveryEstimateInput => ({
        orderedAt: new Date(r.at),
        calendar: r.calendar,
        cutoff: r.cutoff,
        handlingDays: r.handlingDays,
        transitDays: { min: r.min, max: r.min + r.spread },
        transitCalendarDays: r.transitCalendarDays,
      }),
    )
  // The local date computed independently of date-fns, by Intl.
  const localDate = (at: Date, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at)

  test('shipDate is a working day on or after the local order date; shipDate ≤ from ≤ to', () => {
    fc.assert(
      fc.property(input, (i) => {
        const { shipDate, from, to } = estimateDeliveryDates(i)
        expect(isWorkingDay(shipDate, i.calendar)).toBe(true)
        expect(shipDate >= localDate(i.orderedAt, i.calendar.timeZone)).toBe(true)
        expect(shipDate <= from).toBe(true)
        expect(from <= to).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  test('a later order never ships or arrives earlier', () => {
    fc.assert(
      fc.property(input, fc.integer({ min: 0, max: 7 * 24 * 60 * 60 * 1000 }), (i, later) => {
        const a = estimateDeliveryDates(i)
        const b = estimateDeliveryDates({ ...i, orderedAt: new Date(i.orderedAt.getTime() + later) })
        expect(b.shipDate >= a.shipDate).toBe(true)
        expect(b.from >= a.from).toBe(true)
        expect(b.to >= a.to).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  test('working-day transit of n days lands n working days after shipping; calendar-day transit exactly n days after', () => {
    fc.assert(
      fc.property(input, (i) => {
        const { shipDate, from, to } = estimateDeliveryDates(i)
        const span = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 86_400_000
        if (i.transitCalendarDays) {
          expect(span(shipDate, from)).toBe(i.transitDays.min)
          expect(span(shipDate, to)).toBe(i.transitDays.max)
        } else {
          let working = 0
          for (let d = shipDate; d < to; ) {
            d = shiftDate(d, 1)
            if (isWorkingDay(d, i.calendar)) working += 1
            if (d === from) expect(working).toBe(i.transitDays.min)
          }
          expect(working).toBe(i.transitDays.max)
          expect(i.transitDays.max === 0 || isWorkingDay(to, i.calendar)).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
  })
})
