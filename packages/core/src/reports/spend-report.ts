import { TZDate } from '@date-fns/tz'
import { addDays } from 'date-fns/addDays'
import { lightFormat } from 'date-fns/lightFormat'
import { sql } from 'kysely'
import { z } from 'zod'
import type { Runtime } from '../runtime.js'
import { newId } from '../storage/ids.js'
import { insertIgnoringConflicts } from '../storage/sql-helpers.js'
import { runInTransaction } from '../unit-of-work.js'
import { parseInput, validationError } from '../validation.js'
import { dayIn, ratio, type ReportPeriod } from './report-period.js'
import { customerKey, inShopCurrency, notCancelled, num, periodInfo, soldOrders } from './report-sql.js'
import type { ReportSpendTable } from './reports-schema.js'
import type { AcquisitionFigures, AcquisitionOptions, AcquisitionReport, AcquisitionRow, AdSpend, ChannelLevel, RecordSpendInput } from './reports-types.js'
import { cmp } from './sales-report.js'
import { isTimeZone } from '../catalog/price-resolution.js'

const channelPart = z.string().trim().min(1).max(191)
const recordSpendSchema = z.strictObject({
  channel: z.strictObject({ source: channelPart, medium: channelPart.nullable().optional(), campaign: channelPart.nullable().optional() }),
  date: z.union([z.iso.date(), z.date().refine((d) => !Number.isNaN(d.getTime()), 'invalid date')]),
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/, 'three upper-case letters').optional(),
  timeZone: z.string().refine(isTimeZone, 'unknown IANA time zone').optional(),
})

/** The levels of {@link AcquisitionOptions.level}. */
export const CHANNEL_LEVELS = ['source', 'medium', 'campaign'] as const satisfies readonly ChannelLevel[]

function toSpend(row: ReportSpendTable): AdSpend {
  return {
    id: row.id,
    source: row.source,
    medium: row.medium === '' ? null : row.medium,
    campaign: row.campaign === '' ? null : row.campaign,
    date: row.spend_date,
    amount: num(row.amount),
    currency: row.currency,
    updatedAt: new Date(num(row.updated_at)),
  }
}

/** Records (or replaces) one day's spend on a channel; idempotent per channel and day. */
export async function recordSpend(runtime: Runtime, input: RecordSpendInput): Promise<AdSpend> {
  const data = parseInput('reports.recordSpend', recordSpendSchema, input)
  if (data.currency !== undefined && data.currency !== runtime.currency) {
    // Spend is weighed against revenue in the shop's currency: another currency's amounts would not add up.
    throw validationError('reports.recordSpend', [{ path: 'currency', message: `spend is recorded in the shop's currency, ${runtime.currency}` }])
  }
  const date = typeof data.date === 'string' ? data.date : dayIn(data.date, data.timeZone ?? 'UTC')
  const key = { source: data.channel.source, medium: data.channel.medium ?? '', campaign: data.channel.campaign ?? '', spend_date: date }
  const currency = data.currency ?? runtime.currency
  return runInTransaction(runtime, async (uow) => {
    const now = uow.now.getTime()
    await insertIgnoringConflicts(
      uow.db.insertInto('ordo_report_spend').values({ id: newId(), ...key, amount: data.amount, currency, created_at: now, updated_at: now }),
      runtime.storage.capabilities,
    ).execute()
    await uow.db
      .updateTable('ordo_report_spend')
      .set({ amount: data.amount, currency, updated_at: now })
      .where('source', '=', key.source)
      .where('medium', '=', key.medium)
      .where('campaign', '=', key.campaign)
      .where('spend_date', '=', key.spend_date)
      .execute()
    const row = await uow.db
      .selectFrom('ordo_report_spend')
      .selectAll()
      .where('source', '=', key.source)
      .where('medium', '=', key.medium)
      .where('campaign', '=', key.campaign)
      .where('spend_date', '=', key.spend_date)
      .executeTakeFirstOrThrow()
    return toSpend(row)
  })
}

interface Acc {
  source: string | null
  medium: string | null
  campaign: string | null
  spend: number
  orders: number
  revenue: number
  newCustomers: number
}

function figures(a: Omit<Acc, 'source' | 'medium' | 'campaign'>): AcquisitionFigures {
  return {
    spend: a.spend,
    orders: a.orders,
    revenue: a.revenue,
    newCustomers: a.newCustomers,
    costPerOrder: a.orders === 0 ? null : Math.round(a.spend / a.orders),
    costPerNewCustomer: a.newCustomers === 0 ? null : Math.round(a.spend / a.newCustomers),
    roas: a.spend === 0 ? null : ratio(a.revenue, a.spend),
  }
}

/**
 * Spend against sold orders, revenue and new customers per channel. A day's
 * spend counts when the day's start in the period's time zone falls in the
 * period; a new customer is one whose first sold order ever was placed in
 * the period, credited to that order's channel. Channel values are compared
 * as recorded (keep their case consistent).
 */
export async function acquisitionReport(runtime: Runtime, period: ReportPeriod, options: AcquisitionOptions): Promise<AcquisitionReport> {
  const db = runtime.db
  const level = options.level ?? 'source'
  const keyOf = (source: string | null, medium: string | null, campaign: string | null) => ({
    source,
    medium: level === 'source' ? null : medium,
    campaign: level === 'campaign' ? campaign : null,
  })
  const channels = new Map<string, Acc>()
  const accFor = (source: string | null, medium: string | null, campaign: string | null): Acc => {
    const k = keyOf(source, medium, campaign)
    const id = JSON.stringify([k.source, k.medium, k.campaign])
    let acc = channels.get(id)
    if (!acc) channels.set(id, (acc = { ...k, spend: 0, orders: 0, revenue: 0, newCustomers: 0 }))
    return acc
  }

  // Calendar days that may start inside the period in its zone, one day of slack each side; filtered exactly below.
  const firstDay = lightFormat(addDays(new TZDate(period.from, period.timeZone), -1), 'yyyy-MM-dd')
  const lastDay = lightFormat(addDays(new TZDate(period.to, period.timeZone), 1), 'yyyy-MM-dd')
  const spend = await db
    .selectFrom('ordo_report_spend')
    .select(['source', 'medium', 'campaign', 'spend_date', (eb) => eb.fn.sum<number>('amount').as('amount')])
    .where('spend_date', '>=', firstDay)
    .where('spend_date', '<=', lastDay)
    .where('currency', '=', runtime.currency)
    .groupBy(['source', 'medium', 'campaign', 'spend_date'])
    .execute()
  for (const s of spend) {
    const [y, m, d] = s.spend_date.split('-').map(Number) as [number, number, number]
    const start = new TZDate(y, m - 1, d, period.timeZone).getTime()
    if (start < period.from || start >= period.to) continue
    accFor(s.source, s.medium === '' ? null : s.medium, s.campaign === '' ? null : s.campaign).spend += num(s.amount)
  }

  const { rows: orders } = await sql<{ source: string | null; medium: string | null; campaign: string | null; orders: unknown; revenue: unknown }>`
    SELECT s.channel_source AS source, s.channel_medium AS medium, s.channel_campaign AS campaign, COUNT(*) AS orders, SUM(s.revenue) AS revenue
    FROM ${soldOrders(runtime, period)} s
    GROUP BY s.channel_source, s.channel_medium, s.channel_campaign
  `.execute(db)
  for (const o of orders) {
    const acc = accFor(o.source, o.medium, o.campaign)
    acc.orders += num(o.orders)
    acc.revenue += num(o.revenue)
  }

  const key = customerKey()
  const { rows: fresh } = await sql<{ source: string | null; medium: string | null; campaign: string | null; customers: unknown }>`
    SELECT o.channel_source AS source, o.channel_medium AS medium, o.channel_campaign AS campaign, COUNT(DISTINCT f.customer_key) AS customers
    FROM ordo_order o JOIN (
      SELECT ${key} AS customer_key, MIN(o.placed_at) AS first_at FROM ordo_order o
      WHERE ${notCancelled(runtime, sql.ref('o.status'))} AND ${key} IS NOT NULL AND o.placed_at < ${sql.lit(period.to)}
      GROUP BY ${key}
    ) f ON f.customer_key = ${key} AND f.first_at = o.placed_at
    WHERE f.first_at >= ${sql.lit(period.from)} AND ${notCancelled(runtime, sql.ref('o.status'))} AND ${inShopCurrency(runtime)}
    GROUP BY o.channel_source, o.channel_medium, o.channel_campaign
  `.execute(db)
  for (const f of fresh) accFor(f.source, f.medium, f.campaign).newCustomers += num(f.customers)

  const rows: AcquisitionRow[] = [...channels.values()]
    .sort((a, b) => cmp(a.source, b.source) || cmp(a.medium, b.medium) || cmp(a.campaign, b.campaign))
    .map((a) => ({ source: a.source, medium: a.medium, campaign: a.campaign, ...figures(a) }))
  const sum = [...channels.values()].reduce((t, a) => ({ spend: t.spend + a.spend, orders: t.orders + a.orders, revenue: t.revenue + a.revenue, newCustomers: t.newCustomers + a.newCustomers }), {
    spend: 0,
    orders: 0,
    revenue: 0,
    newCustomers: 0,
  })
  return { period: periodInfo(period), rows, totals: figures(sum) }
}
