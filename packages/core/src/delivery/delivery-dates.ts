import { TZDate } from '@date-fns/tz'
import { addDays } from 'date-fns/addDays'
import { getISODay } from 'date-fns/getISODay'
import { lightFormat } from 'date-fns/lightFormat'
import { OrdoError } from '../errors.js'

/**
 * The shop's working calendar for shipping and carriers: which local dates the
 * warehouse works and carriers count as working days.
 *
 * @example
 * ```ts
 * const calendar: DeliveryCalendar = {
 *   timeZone: 'Europe/Moscow',
 *   holidays: ['2026-03-09', '2026-05-01'],
 *   workingWeekends: ['2026-11-07'],
 * }
 * ```
 */
export interface DeliveryCalendar {
  /** IANA zone the cut-off and dates are in. */
  timeZone: string
  /** ISO weekdays the warehouse ships on (1 = Monday … 7 = Sunday). @default [1,2,3,4,5] */
  workingDays?: number[]
  /** Non-working dates 'YYYY-MM-DD' (public holidays). A date listed here is off even when it is also in `workingWeekends`. */
  holidays?: string[]
  /** Working dates that would otherwise be off (Russia's moved working Saturdays). */
  workingWeekends?: string[]
}

/** What {@link estimateDeliveryDates} needs: when the order was placed, the shop's calendar and the carrier's transit. */
export interface DeliveryEstimateInput {
  /** When the order was placed (an instant; its local date and time come from `calendar.timeZone`). */
  orderedAt: Date
  calendar: DeliveryCalendar
  /** Local 'HH:mm': orders after it are handled from the next working day. */
  cutoff: string
  /** Working days the warehouse needs before handing over (0: same day when before the cut-off). */
  handlingDays: number
  /** The carrier's transit days. */
  transitDays: { min: number; max: number }
  /** Transit counts calendar days (true) or only the calendar's working days (false). @default false */
  transitCalendarDays?: boolean
}

/** When a parcel leaves and when it is expected: local dates 'YYYY-MM-DD' in the calendar's zone. */
export interface DeliveryEstimate {
  /** 'YYYY-MM-DD' local: the day the warehouse hands the parcel over; always a working day. */
  shipDate: string
  /** 'YYYY-MM-DD' local: the earliest expected delivery date. */
  from: string
  /** 'YYYY-MM-DD' local: the latest expected delivery date. */
  to: string
}

/** The warehouse's working weekdays when a calendar names none: Monday to Friday. */
export const DEFAULT_WORKING_DAYS: readonly number[] = Object.freeze([1, 2, 3, 4, 5])

// A calendar without a working day in this many consecutive days is broken;
// stop instead of looping forever.
const MAX_DAYS_OFF_IN_A_ROW = 400

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/

/**
 * Estimates when an order ships and when it arrives.
 *
 * The first handling day is the order's local date when that is a working day
 * and the order came in before the cut-off, otherwise the next working day.
 * The parcel ships `handlingDays` working days after that, and arrives
 * `transitDays.min`–`transitDays.max` days after shipping: working days of the
 * calendar, or calendar days with `transitCalendarDays` (then a result that
 * falls on a weekend or holiday stays: the carrier delivers on it).
 *
 * @throws {OrdoError} `VALIDATION` for an invalid instant, time zone, cut-off or day count.
 * @example
 * ```ts
 * // Friday 19:30 in Moscow, after the 16:00 cut-off; Monday is a holiday
 * estimateDeliveryDates({
 *   orderedAt: new Date('2026-03-06T16:30:00Z'),
 *   calendar: { timeZone: 'Europe/Moscow', holidays: ['2026-03-09'] },
 *   cutoff: '16:00',
 *   handlingDays: 0,
 *   transitDays: { min: 2, max: 2 },
 * })
 * // → { shipDate: '2026-03-10', from: '2026-03-12', to: '2026-03-12' }
 * ```
 */
export function estimateDeliveryDates(input: DeliveryEstimateInput): DeliveryEstimate {
  const { orderedAt, calendar, cutoff, handlingDays, transitDays } = input
  if (!(orderedAt instanceof Date) || Number.isNaN(orderedAt.getTime())) {
    throw invalid('orderedAt', 'expected a valid Date')
  }
  const cutoffMinutes = parseTime(cutoff, 'cutoff')
  checkDayCount(handlingDays, 'handlingDays')
  checkDayCount(transitDays.min, 'transitDays.min')
  checkDayCount(transitDays.max, 'transitDays.max')
  if (transitDays.min > transitDays.max) {
    throw invalid('transitDays', `min (${transitDays.min}) is greater than max (${transitDays.max})`)
  }
  const working = workingDayTest(calendar)

  const local = localTime(orderedAt, calendar.timeZone)
  const localDate = lightFormat(local, 'yyyy-MM-dd')
  const beforeCutoff = local.getHours() * 60 + local.getMinutes() < cutoffMinutes
  const firstHandlingDay = beforeCutoff && working(localDate) ? localDate : stepWorkingDays(localDate, 1, working)
  const shipDate = stepWorkingDays(firstHandlingDay, handlingDays, working)
  const transit = (days: number): string =>
    input.transitCalendarDays === true ? shiftDate(shipDate, days) : stepWorkingDays(shipDate, days, working)
  return { shipDate, from: transit(transitDays.min), to: transit(transitDays.max) }
}

/**
 * Whether the shop works on a local date: listed in `holidays` → no; listed in
 * `workingWeekends` → yes; otherwise whether its ISO weekday is one of
 * `workingDays`.
 *
 * @throws {OrdoError} `VALIDATION` when `date` is not a real 'YYYY-MM-DD' date.
 * @example
 * ```ts
 * isWorkingDay('2026-11-07', { timeZone: 'Europe/Moscow', workingWeekends: ['2026-11-07'] }) // true (a Saturday)
 * ```
 */
export function isWorkingDay(date: string, calendar: DeliveryCalendar): boolean {
  return workingDayTest(calendar)(checkDate(date, 'date'))
}

/**
 * The local date `days` working days after `date` (before it, for a negative
 * count). `date` itself need not be a working day; with 0 it is returned as is.
 *
 * @throws {OrdoError} `VALIDATION` for a bad date or count, or a calendar without working days.
 * @example
 * ```ts
 * addWorkingDays('2026-03-06', 1, { timeZone: 'Europe/Moscow', holidays: ['2026-03-09'] }) // '2026-03-10'
 * ```
 */
export function addWorkingDays(date: string, days: number, calendar: DeliveryCalendar): string {
  if (!Number.isSafeInteger(days)) throw invalid('days', `expected an integer, got ${String(days)}`)
  return stepWorkingDays(checkDate(date, 'date'), days, workingDayTest(calendar))
}

/** Shifts a local 'YYYY-MM-DD' date by calendar days. */
export function shiftDate(date: string, days: number): string {
  return lightFormat(addDays(toUtcDate(checkDate(date, 'date')), days), 'yyyy-MM-dd')
}

/** The ISO weekday (1 = Monday … 7 = Sunday) of a local 'YYYY-MM-DD' date. */
export function isoWeekday(date: string): number {
  return getISODay(toUtcDate(checkDate(date, 'date')))
}

/** Whether a string is a real 'YYYY-MM-DD' date (no 2026-02-30). */
export function isIsoDate(value: string): boolean {
  const m = DATE.exec(value)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const probe = new Date(Date.UTC(y, mo - 1, d))
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d
}

/** Minutes after midnight of a local 'HH:mm' time (00:00–23:59), or null when it is not one. */
export function parseLocalTime(value: string): number | null {
  const m = TIME.exec(value)
  return m ? Number(m[1]) * 60 + Number(m[2]) : null
}

function stepWorkingDays(date: string, days: number, working: (date: string) => boolean): string {
  const step = days < 0 ? -1 : 1
  let current = date
  let left = Math.abs(days)
  let off = 0
  while (left > 0) {
    current = shiftDate(current, step)
    if (working(current)) {
      left -= 1
      off = 0
    } else if (++off > MAX_DAYS_OFF_IN_A_ROW) {
      throw invalid('calendar', `no working day within ${MAX_DAYS_OFF_IN_A_ROW} days of ${date}`)
    }
  }
  return current
}

function workingDayTest(calendar: DeliveryCalendar): (date: string) => boolean {
  const weekdays = new Set(calendar.workingDays ?? DEFAULT_WORKING_DAYS)
  const holidays = new Set(calendar.holidays ?? [])
  const workingWeekends = new Set(calendar.workingWeekends ?? [])
  return (date) => {
    if (holidays.has(date)) return false
    if (workingWeekends.has(date)) return true
    return weekdays.has(isoWeekday(date))
  }
}

function localTime(at: Date, timeZone: string): TZDate {
  let local: TZDate
  try {
    local = new TZDate(at.getTime(), timeZone)
  } catch (cause) {
    throw invalid('calendar.timeZone', `"${timeZone}" is not an IANA time zone such as "Europe/Moscow"`, cause)
  }
  if (Number.isNaN(local.getTime())) throw invalid('calendar.timeZone', `"${timeZone}" is not an IANA time zone`)
  return local
}

// Date-only arithmetic runs in UTC, where no day is skipped or doubled by a
// daylight-saving change.
function toUtcDate(date: string): TZDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return new TZDate(y, m - 1, d, 'UTC')
}

function checkDate(value: string, field: string): string {
  if (typeof value !== 'string' || !isIsoDate(value)) throw invalid(field, `expected a date 'YYYY-MM-DD', got ${JSON.stringify(value)}`)
  return value
}

function parseTime(value: string, field: string): number {
  const minutes = typeof value === 'string' ? parseLocalTime(value) : null
  if (minutes === null) throw invalid(field, `expected a local time 'HH:mm', got ${JSON.stringify(value)}`)
  return minutes
}

function checkDayCount(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(field, `expected a non-negative integer, got ${String(value)}`)
}

function invalid(path: string, problem: string, cause?: unknown): OrdoError {
  return new OrdoError('VALIDATION', `Invalid delivery date input: ${path}: ${problem}`, {
    details: { issues: [{ path, message: problem }] },
    ...(cause === undefined ? {} : { cause }),
  })
}
