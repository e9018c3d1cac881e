import { TZDate } from '@date-fns/tz'
import { lightFormat } from 'date-fns/lightFormat'
import { OrdoError } from '../errors.js'
import type { CurrencyCode } from '../money/currency.js'
import { formatMoney } from '../money/money.js'
import type { PriceCandidate, PriceContext } from './catalog-types.js'

/** What resolution needs to know about a price list. */
export interface PriceListRule {
  id: string
  code: string
  name: string
  currency: CurrencyCode
  priority: number
  regions: readonly string[]
  channels: readonly string[]
  customerGroups: readonly string[]
  /** Inclusive epoch milliseconds; null for open. */
  validFrom: number | null
  validTo: number | null
  timeZone: string | null
  active: boolean
}

/** A price of one variant in one list, as resolution sees it. */
export interface PriceOffer {
  list: PriceListRule
  amount: number
  compareAt: number | null
}

/** The winner of a resolution with its explanation and every applicable candidate, best first. */
export interface PriceDecision {
  winner: PriceOffer
  explanation: string
  ranked: PriceOffer[]
}

/** How many scope dimensions (regions, channels, customer groups) a list is restricted by. */
export function scopedDimensions(list: PriceListRule): number {
  return (list.regions.length > 0 ? 1 : 0) + (list.channels.length > 0 ? 1 : 0) + (list.customerGroups.length > 0 ? 1 : 0)
}

/**
 * Whether a list applies in a context: same currency, active, `at` inside its
 * inclusive window, and each non-empty scope dimension contains the
 * context's value (for customer groups: shares one of them).
 */
export function listApplies(list: PriceListRule, context: PriceContext): boolean {
  if (!list.active || list.currency !== context.currency) return false
  const at = context.at.getTime()
  if (list.validFrom !== null && at < list.validFrom) return false
  if (list.validTo !== null && at > list.validTo) return false
  if (list.regions.length > 0 && (context.region == null || !list.regions.includes(context.region))) return false
  if (list.channels.length > 0 && (context.channel == null || !list.channels.includes(context.channel))) return false
  if (list.customerGroups.length > 0 && !(context.customerGroups ?? []).some((g) => list.customerGroups.includes(g))) return false
  return true
}

/**
 * The order of applicable offers: highest priority, then more scoped
 * dimensions, then lower amount, then code — a total order, so resolution is
 * deterministic.
 */
export function compareOffers(a: PriceOffer, b: PriceOffer): number {
  return (
    b.list.priority - a.list.priority ||
    scopedDimensions(b.list) - scopedDimensions(a.list) ||
    a.amount - b.amount ||
    (a.list.code < b.list.code ? -1 : a.list.code > b.list.code ? 1 : 0)
  )
}

/** Picks the effective price among the offers of one variant; null when none applies in the context. */
export function resolveOffers(offers: readonly PriceOffer[], context: PriceContext): PriceDecision | null {
  const ranked = offers.filter((o) => listApplies(o.list, context)).sort(compareOffers)
  const winner = ranked[0]
  if (!winner) return null
  return { winner, ranked, explanation: explain(winner, ranked.slice(1)) }
}

/** The candidates of a decision as public data. */
export function toCandidates(ranked: readonly PriceOffer[]): PriceCandidate[] {
  return ranked.map((o) => ({
    priceListId: o.list.id,
    code: o.list.code,
    name: o.list.name,
    priority: o.list.priority,
    scopedDimensions: scopedDimensions(o.list),
    amount: o.amount,
    compareAt: o.compareAt,
  }))
}

const SHOWN_LOSERS = 3

function explain(winner: PriceOffer, losers: readonly PriceOffer[]): string {
  const head = `Price list "${winner.list.name}" (${describeList(winner.list)})`
  if (losers.length === 0) return `${head} is the only applicable list with a price for this variant`
  const beaten = losers.slice(0, SHOWN_LOSERS).map((l) => `"${l.list.name}" (${whyBetter(winner, l)})`)
  const more = losers.length > SHOWN_LOSERS ? ` and ${losers.length - SHOWN_LOSERS} more` : ''
  return `${head} beats ${joinList(beaten)}${more}`
}

function whyBetter(winner: PriceOffer, loser: PriceOffer): string {
  const w = winner.list
  const l = loser.list
  if (w.priority !== l.priority) return `higher priority: ${w.priority} > ${l.priority}`
  const ws = scopedDimensions(w)
  const ls = scopedDimensions(l)
  if (ws !== ls) return `same priority, more specific scope: ${ws} vs ${ls} dimensions`
  if (winner.amount !== loser.amount) {
    return `same priority and scope, lower price: ${formatAmount(winner.amount, w.currency)} < ${formatAmount(loser.amount, l.currency)}`
  }
  return `same priority, scope and price; code "${w.code}" sorts before "${l.code}"`
}

/** `priority 10, region moscow, valid until 2026-03-31 23:59 Europe/Moscow` */
export function describeList(list: PriceListRule): string {
  const parts = [`priority ${list.priority}`]
  const scope = (one: string, many: string, values: readonly string[]) => {
    if (values.length > 0) parts.push(`${values.length === 1 ? one : many} ${values.join(', ')}`)
  }
  scope('region', 'regions', list.regions)
  scope('channel', 'channels', list.channels)
  scope('customer group', 'customer groups', list.customerGroups)
  if (list.validTo !== null) parts.push(`valid until ${formatInstant(list.validTo, list.timeZone)}`)
  else if (list.validFrom !== null) parts.push(`valid from ${formatInstant(list.validFrom, list.timeZone)}`)
  return parts.join(', ')
}

function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

function formatAmount(amount: number, currency: CurrencyCode): string {
  // Non-breaking spaces from Intl read badly in logs; plain spaces instead.
  return formatMoney({ amount, currency }).replace(/[\u00a0\u202f]/g, ' ')
}

/** An instant as `yyyy-MM-dd HH:mm <zone>` in the list's zone (UTC when it has none). */
export function formatInstant(ms: number, timeZone: string | null): string {
  const zone = timeZone ?? 'UTC'
  return `${lightFormat(new TZDate(ms, zone), 'yyyy-MM-dd HH:mm')} ${zone}`
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/

/**
 * Turns a bound of a validity window into epoch milliseconds: a `Date`, an ISO
 * instant with an offset or `Z`, or — with `timeZone` — a local date-time or
 * date in that zone. A date alone is the start of that day, or its last
 * millisecond when `end` is true (so `validTo: '2026-03-31'` includes the
 * whole of March 31st).
 */
export function toInstant(value: Date | string, timeZone: string | null, end: boolean, field: string): number {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalidInstant(field, 'is an invalid Date')
    return value.getTime()
  }
  const local = LOCAL.exec(value)
  if (local) {
    if (timeZone === null) {
      throw invalidInstant(field, `"${value}" has no offset; give timeZone (e.g. "Europe/Moscow") or an instant like "${value.length === 10 ? `${value}T00:00:00Z` : `${value}Z`}"`)
    }
    const [, y, mo, d, h, mi, s, ms] = local
    const dateOnly = h === undefined
    const parts = [Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), Number((ms ?? '0').padEnd(3, '0'))] as const
    const probe = new Date(Date.UTC(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6]))
    if (
      probe.getUTCFullYear() !== parts[0] ||
      probe.getUTCMonth() !== parts[1] ||
      probe.getUTCDate() !== parts[2] ||
      probe.getUTCHours() !== parts[3] ||
      probe.getUTCMinutes() !== parts[4]
    ) {
      throw invalidInstant(field, `"${value}" is not a valid date-time`)
    }
    if (dateOnly && end) {
      return new TZDate(parts[0], parts[1], parts[2] + 1, 0, 0, 0, 0, timeZone).getTime() - 1
    }
    return new TZDate(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6], timeZone).getTime()
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    const ms = Date.parse(value)
    if (!Number.isNaN(ms)) return ms
  }
  throw invalidInstant(field, `"${value}" is neither an ISO instant ("2026-03-01T00:00:00+03:00") nor a local date-time ("2026-03-01T00:00") or date ("2026-03-31")`)
}

function invalidInstant(field: string, problem: string): OrdoError {
  return new OrdoError('VALIDATION', `Invalid input to upsertPriceList: ${field}: ${problem}`, {
    details: { command: 'upsertPriceList', issues: [{ path: field, message: problem }] },
  })
}
