import { TZDate } from '@date-fns/tz'
import { lightFormat } from 'date-fns/lightFormat'
import { startOfDay } from 'date-fns/startOfDay'
import { startOfMonth } from 'date-fns/startOfMonth'
import { startOfWeek } from 'date-fns/startOfWeek'
import { z } from 'zod'
import { isTimeZone } from '../catalog/price-resolution.js'

/** How a report groups its rows in time. */
export const REPORT_GROUPINGS = ['day', 'week', 'month'] as const
/** How a report groups its rows in time: by calendar day, ISO week (Monday first) or month, in the report's time zone. */
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number]

/** The period every report takes: `[from, to)` as instants, the time zone calendar days are counted in, and the grouping. */
export interface ReportPeriodInput {
  /** First instant included: a `Date`, ISO date-time text, or a date alone (`2026-03-01`: midnight in `timeZone`). */
  from: Date | string
  /** First instant not included (a date alone is midnight in `timeZone`). */
  to: Date | string
  /** IANA time zone the days, weeks and months are cut in; default `UTC`. */
  timeZone?: string
  /** Default `day`. */
  groupBy?: ReportGrouping
}

/** A parsed report period: epoch milliseconds and a valid time zone. */
export interface ReportPeriod {
  from: number
  to: number
  timeZone: string
  groupBy: ReportGrouping
}

/**
 * An instant from a `Date`, ISO date-time text, or a date alone (`2026-03-01`),
 * which means that day's midnight in `timeZone` (not in UTC).
 */
export function instantIn(value: Date | string, timeZone: string): number {
  if (typeof value === 'string') {
    const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
    if (day) return new TZDate(Number(day[1]), Number(day[2]) - 1, Number(day[3]), timeZone).getTime()
  }
  return new Date(value).getTime()
}

/** The calendar day (`2026-03-01`) an instant falls on in `timeZone`. */
export function dayIn(at: Date | number, timeZone: string): string {
  return lightFormat(new TZDate(typeof at === 'number' ? at : at.getTime(), timeZone), 'yyyy-MM-dd')
}

/** The zod schema of {@link ReportPeriodInput}, resolving to a {@link ReportPeriod} (a date alone is midnight in `timeZone`). */
export const reportPeriodSchema = z
  .object({
    from: z.union([z.date(), z.iso.datetime({ offset: true }), z.iso.date()]),
    to: z.union([z.date(), z.iso.datetime({ offset: true }), z.iso.date()]),
    timeZone: z.string().refine(isTimeZone, 'unknown IANA time zone').default('UTC'),
    groupBy: z.enum(REPORT_GROUPINGS).default('day'),
  })
  .strict()
  .transform((p, ctx): ReportPeriod => {
    const from = instantIn(p.from, p.timeZone)
    const to = instantIn(p.to, p.timeZone)
    if (!(to > from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' })
    return { from, to, timeZone: p.timeZone, groupBy: p.groupBy }
  })

/** The start (epoch ms) of the bucket an instant falls in, in the period's time zone. */
export function bucketStart(at: number, period: Pick<ReportPeriod, 'timeZone' | 'groupBy'>): number {
  const local = new TZDate(at, period.timeZone)
  const start =
    period.groupBy === 'day' ? startOfDay(local) : period.groupBy === 'week' ? startOfWeek(local, { weekStartsOn: 1 }) : startOfMonth(local)
  return start.getTime()
}

/** A share as a fraction rounded to four decimals; 0 when the whole is 0. */
export function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000
}

/**
 * Writes rows as CSV (RFC 4180: comma separated, CRLF line ends, fields with
 * commas, quotes or line breaks quoted). Columns are the keys of the first row
 * unless given. Text that a spreadsheet would run as a formula (starting with
 * `=`, `+`, `-`, `@`, a tab or a carriage return — UTM tags and names come from
 * visitors) is prefixed with `'`; numbers are written as they are.
 */
export function toCsv(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : [])
  const cell = (value: unknown): string => {
    if (value === null || value === undefined) return ''
    let text = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value)
    if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
  }
  return [cols.map(cell).join(','), ...rows.map((row) => cols.map((c) => cell(row[c])).join(','))].join('\r\n') + '\r\n'
}
