import { sql, type Kysely, type RawBuilder } from 'kysely'
import { z } from 'zod'
import { OrdoError } from '../errors.js'
import { twoProportionTest } from '../experiments/experiment-stats.js'
import type { ExperimentVariant } from '../experiments/experiments-types.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { DIRECT_SOURCE } from '../tracking/tracking-module.js'
import { parseInput, parseKey } from '../validation.js'
import { instantIn, ratio, type ReportPeriodInput } from './report-period.js'
import { bucketIndex, notCancelled, num, parsePeriod, periodInfo } from './report-sql.js'
import type { Report } from './reports-types.js'
import { isTimeZone } from '../catalog/price-resolution.js'

/** What the funnel's rows are split by. */
export const FUNNEL_DIMENSIONS = ['channel', 'campaign', 'landing'] as const
/** `channel`: UTM source and medium; `campaign`: source, medium and campaign; `landing`: the landing page. */
export type FunnelDimension = (typeof FUNNEL_DIMENSIONS)[number]

/** Input of `shop.reports.funnel()`: the period, its time zone and grouping, and the split. */
export interface FunnelReportInput extends ReportPeriodInput {
  /** @default 'channel' */
  by?: FunnelDimension
}

/**
 * The steps of the funnel and the conversion between them. Each step is
 * counted by when it began — visits by visit time, carts by creation, orders
 * by placing — and `paid`, `delivered` and `cancelled` are those of the
 * period's orders, whenever that happened.
 */
export interface FunnelFigures {
  /** Sessions with a visit, each counted once: under the channel and landing page of its first visit in the period, in that visit's bucket. */
  visits: number
  /** Visits as recorded (page views), counted with their session (under its first visit's channel, landing page and bucket). */
  pageViews: number
  /** Contacts left (`shop.tracking.lead()`). */
  leads: number
  /** Carts created. */
  carts: number
  /** Orders placed. */
  orders: number
  /** Of those orders, paid (`order.paid`). */
  paid: number
  /** Of those orders, delivered or completed. */
  delivered: number
  /** Of those orders, cancelled. */
  cancelled: number
  /** carts ÷ visits. */
  visitToCart: number
  /** orders ÷ carts. */
  cartToOrder: number
  /** paid ÷ orders. */
  orderToPaid: number
  /** delivered ÷ orders. */
  orderToDelivered: number
  /** orders ÷ visits: the conversion of visits into orders. */
  visitToOrder: number
  /** cancelled ÷ orders. */
  cancellationRate: number
}

/** One row of {@link FunnelReport}: a channel, campaign or landing page over the whole period. */
export interface FunnelRow extends FunnelFigures {
  /** UTM source, `(direct)` for direct traffic; null when split by landing page. */
  source: string | null
  /** UTM medium; null when split by landing page (or none was given). */
  medium: string | null
  /** UTM campaign; null unless split by campaign (or none was given). */
  campaign: string | null
  /** Landing page; null unless split by landing page (or none was given). */
  landing: string | null
}

/** One bucket of {@link FunnelReport.byPeriod}: every channel together. */
export interface FunnelPeriodRow extends FunnelFigures {
  /** `2026-03-01` (day, or the Monday of a week) or `2026-03` (month), in the report's time zone. */
  period: string
}

/** Cancelled orders of the period by reason. */
export interface FunnelCancellationRow {
  reason: string
  orders: number
  /** orders ÷ the period's orders. */
  rate: number
}

/**
 * Visits → carts → orders → paid → delivered by channel, campaign or landing
 * page (`rows`, most orders first), by time bucket (`byPeriod`, every bucket
 * of the period, empty ones as zeros), over everything (`totals`), and the
 * period's cancellations by reason.
 */
export interface FunnelReport extends Report<FunnelRow, FunnelFigures> {
  by: FunnelDimension
  byPeriod: FunnelPeriodRow[]
  cancellations: FunnelCancellationRow[]
}

/** Input of `shop.reports.experiment()`: which exposures count (all by default) and the confidence level of the intervals. */
export interface ExperimentReportInput {
  /** Exposures from this instant on (a date alone, `2026-03-01`, is midnight in `timeZone`). */
  from?: Date | string
  /** Exposures (and orders) before this instant (a date alone is midnight in `timeZone`). */
  to?: Date | string
  /** IANA time zone dates given alone are read in. @default 'UTC' */
  timeZone?: string
  /** Confidence level of the interval of the difference. @default 0.95 */
  confidenceLevel?: number
}

/** One variant of {@link ExperimentReport}. */
export interface ExperimentVariantRow {
  variant: string
  weight: number
  /** True for the first variant, which the others are compared with. */
  control: boolean
  /** Visitors assigned this variant. */
  exposures: number
  /** Of those, visitors who placed an order after their exposure (from a session they visited). */
  conversions: number
  /** conversions ÷ exposures. */
  rate: number
  /** rate − the control's rate (0 for the control). */
  difference: number
  /** The two-proportion z statistic against the control; null for the control and when undefined. */
  z: number | null
  /** Two-sided p-value of the z-test against the control; null for the control and when undefined. */
  pValue: number | null
  /** Lower bound of the confidence interval of `difference`; null for the control or an empty arm. */
  differenceLow: number | null
  /** Upper bound of the confidence interval of `difference`. */
  differenceHigh: number | null
}

/** Conversion per variant of an experiment, each compared with the control. */
export interface ExperimentReport {
  key: string
  confidenceLevel: number
  variants: ExperimentVariantRow[]
}

/** The funnel and experiment reports, spread into `shop.reports`. */
export interface FunnelReports {
  /**
   * Visits → carts → orders → paid → delivered with the conversion at each
   * step, by channel, campaign or landing page, per time bucket in the
   * period's time zone, with cancellations by reason. Reads what tracking
   * recorded: visits still queued in memory (see `shop.tracking.flush()`) and
   * order events not yet relayed are not counted yet.
   *
   * @example
   * ```ts
   * const report = await shop.reports.funnel({ from: '2026-03-01T00:00:00+03:00', to: '2026-04-01T00:00:00+03:00', timeZone: 'Europe/Moscow', by: 'campaign' })
   * const csv = shop.reports.csv(report.rows)
   * ```
   */
  funnel(input: FunnelReportInput): Promise<FunnelReport>
  /**
   * Exposures and conversions per variant of an experiment, with a pooled
   * two-proportion z-test of each variant against the control (the first
   * variant) and the confidence interval of the difference. `NOT_FOUND` for an
   * undefined experiment.
   */
  experiment(key: string, input?: ExperimentReportInput): Promise<ExperimentReport>
}

const dimensionSchema = z.enum(FUNNEL_DIMENSIONS).default('channel')
const instant = z.union([z.date(), z.iso.datetime({ offset: true }), z.iso.date()])
const experimentInputSchema = z
  .strictObject({
    from: instant.optional(),
    to: instant.optional(),
    timeZone: z.string().refine(isTimeZone, 'unknown IANA time zone').optional(),
    confidenceLevel: z.number().gt(0.5).lt(1).optional(),
  })
  .optional()

type Dim = 'source' | 'medium' | 'campaign' | 'landing'
const DIMS: Record<FunnelDimension, readonly Dim[]> = {
  channel: ['source', 'medium'],
  campaign: ['source', 'medium', 'campaign'],
  landing: ['landing'],
}

type Counts = Pick<FunnelFigures, 'visits' | 'pageViews' | 'leads' | 'carts' | 'orders' | 'paid' | 'delivered' | 'cancelled'>
const ZERO: Counts = { visits: 0, pageViews: 0, leads: 0, carts: 0, orders: 0, paid: 0, delivered: 0, cancelled: 0 }

function figures(c: Counts): FunnelFigures {
  return {
    ...c,
    visitToCart: ratio(c.carts, c.visits),
    cartToOrder: ratio(c.orders, c.carts),
    orderToPaid: ratio(c.paid, c.orders),
    orderToDelivered: ratio(c.delivered, c.orders),
    visitToOrder: ratio(c.orders, c.visits),
    cancellationRate: ratio(c.cancelled, c.orders),
  }
}

/** The SQL of one dimension column: a missing source is direct traffic. */
function dimExpr(dim: Dim): RawBuilder<string | null> {
  return dim === 'source' ? sql<string>`COALESCE(NULLIF(source, ''), ${sql.lit(DIRECT_SOURCE)})` : sql<string | null>`${sql.ref(dim)}`
}

/**
 * A derived table of the sessions that visited in the period, one row each:
 * the channel and landing page of the session's first visit in the period
 * (`at` is that visit's time; ties go to the lowest id) and its page views
 * there. A session is counted under where it came from, not under each page
 * it went on to see.
 */
function sessionsIn(period: { from: number; to: number }): RawBuilder<unknown> {
  const inPeriod = sql`at >= ${sql.lit(period.from)} AND at < ${sql.lit(period.to)}`
  const firsts = sql`(SELECT session_id, MIN(at) AS first_at, COUNT(*) AS page_views FROM ordo_visit WHERE ${inPeriod} GROUP BY session_id)`
  return sql`(
    SELECT f.first_at AS at, f.page_views AS page_views, v.source AS source, v.medium AS medium, v.campaign AS campaign, v.landing AS landing
    FROM ${firsts} f
    JOIN (
      SELECT v1.session_id AS session_id, MIN(v1.id) AS id
      FROM ordo_visit v1 JOIN ${firsts} f1 ON f1.session_id = v1.session_id AND v1.at = f1.first_at
      GROUP BY v1.session_id
    ) fv ON fv.session_id = f.session_id
    JOIN ordo_visit v ON v.id = fv.id
  ) sv`
}

/** Creates `shop.reports.funnel` and `shop.reports.experiment` on the runtime. */
export function createFunnelReports(runtime: Runtime): FunnelReports {
  const db: Kysely<Database> = runtime.db

  /**
   * Runs `SELECT <keys>, <aggregates> FROM (SELECT <bucket> AS b, <dims>, <cols> FROM table WHERE time in period) t GROUP BY <keys>`.
   * Grouping over a derived table keeps one text for the bucket and dimension expressions on every database.
   */
  async function grouped(
    table: 'ordo_lead' | 'ordo_tracked_cart' | 'ordo_tracked_order' | RawBuilder<unknown>,
    time: string,
    inner: RawBuilder<unknown>[],
    aggregates: RawBuilder<unknown>,
    keys: { bucket: RawBuilder<number> | null; dims: readonly Dim[] },
    period: { from: number; to: number },
  ): Promise<Record<string, unknown>[]> {
    const t = sql.ref(time)
    const select = [
      ...(keys.bucket ? [sql`${keys.bucket} AS b`] : []),
      ...keys.dims.map((d) => sql`${dimExpr(d)} AS ${sql.ref(`d_${d}`)}`),
      ...inner,
    ]
    const groupBy = [...(keys.bucket ? [sql.ref('b')] : []), ...keys.dims.map((d) => sql.ref(`d_${d}`))]
    const query = sql<Record<string, unknown>>`SELECT ${sql.join([...groupBy, aggregates])}
      FROM (SELECT ${sql.join(select)} FROM ${typeof table === 'string' ? sql.table(table) : table} WHERE ${t} >= ${sql.lit(period.from)} AND ${t} < ${sql.lit(period.to)}) t
      ${groupBy.length > 0 ? sql`GROUP BY ${sql.join(groupBy)}` : sql``}`
    return (await query.execute(db)).rows
  }

  return {
    async funnel(input) {
      const { by: byInput, ...periodInput } = (input ?? {}) as FunnelReportInput
      const by = parseInput('reports.funnel', z.object({ by: dimensionSchema }), { by: byInput }).by
      const { period, buckets } = parsePeriod('reports.funnel', periodInput)
      const dims = DIMS[by]
      const bucketIn = (column: string) => bucketIndex(sql.ref(column), buckets)
      const keyOf = (row: Record<string, unknown>) => JSON.stringify(dims.map((d) => row[`d_${d}`] ?? null))

      const [visits, leads, carts, orders, reasons] = await Promise.all([
        grouped(sessionsIn(period), 'at', [sql`page_views`], sql`COUNT(*) AS visits, SUM(page_views) AS page_views`, { bucket: bucketIn('at'), dims }, period),
        grouped('ordo_lead', 'at', [], sql`COUNT(*) AS n`, { bucket: bucketIn('at'), dims }, period),
        grouped('ordo_tracked_cart', 'created_at', [], sql`COUNT(*) AS n`, { bucket: bucketIn('created_at'), dims }, period),
        grouped(
          'ordo_tracked_order',
          'placed_at',
          [sql`paid_at`, sql`delivered_at`, sql`cancelled_at`],
          sql`COUNT(*) AS n,
            SUM(CASE WHEN paid_at IS NOT NULL THEN 1 ELSE 0 END) AS paid,
            SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS delivered,
            SUM(CASE WHEN cancelled_at IS NOT NULL THEN 1 ELSE 0 END) AS cancelled`,
          { bucket: bucketIn('placed_at'), dims },
          period,
        ),
        sql<{ reason: string | null; n: unknown }>`SELECT cancel_reason AS reason, COUNT(*) AS n FROM ordo_tracked_order
          WHERE placed_at >= ${sql.lit(period.from)} AND placed_at < ${sql.lit(period.to)} AND cancelled_at IS NOT NULL
          GROUP BY cancel_reason`.execute(db),
      ])

      // Step counts per (bucket, key), summed into rows, buckets and totals: a session is one row of its own,
      // so every figure, visits included, is a plain sum.
      const byKey = new Map<string, { row: Record<string, unknown>; counts: Counts }>()
      const byBucket = buckets.labels.map(() => ({ ...ZERO }))
      const total = { ...ZERO }
      const keyed = (row: Record<string, unknown>) => {
        const key = keyOf(row)
        let entry = byKey.get(key)
        if (!entry) byKey.set(key, (entry = { row, counts: { ...ZERO } }))
        return entry.counts
      }
      const add = (rows: Record<string, unknown>[], apply: (counts: Counts, row: Record<string, unknown>) => void) => {
        for (const row of rows) {
          apply(keyed(row), row)
          apply(byBucket[num(row.b)]!, row)
          apply(total, row)
        }
      }
      add(leads, (c, r) => (c.leads += num(r.n)))
      add(carts, (c, r) => (c.carts += num(r.n)))
      add(orders, (c, r) => {
        c.orders += num(r.n)
        c.paid += num(r.paid)
        c.delivered += num(r.delivered)
        c.cancelled += num(r.cancelled)
      })
      add(visits, (c, r) => {
        c.visits += num(r.visits)
        c.pageViews += num(r.page_views)
      })

      const rows: FunnelRow[] = [...byKey.values()].map(({ row, counts }) => ({
        source: dims.includes('source') ? ((row.d_source as string | null) ?? DIRECT_SOURCE) : null,
        medium: dims.includes('medium') ? ((row.d_medium as string | null) ?? null) : null,
        campaign: dims.includes('campaign') ? ((row.d_campaign as string | null) ?? null) : null,
        landing: dims.includes('landing') ? ((row.d_landing as string | null) ?? null) : null,
        ...figures(counts),
      }))
      const text = (r: FunnelRow) => [r.source, r.medium, r.campaign, r.landing].map((v) => v ?? '').join('\u0000')
      rows.sort((a, b) => b.orders - a.orders || b.visits - a.visits || (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0))

      const cancellations = reasons.rows
        .map((r) => ({ reason: r.reason ?? 'unknown', orders: num(r.n), rate: ratio(num(r.n), total.orders) }))
        .sort((a, b) => b.orders - a.orders || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0))

      return {
        period: periodInfo(period),
        by,
        rows,
        totals: figures(total),
        byPeriod: buckets.labels.map((label, i) => ({ period: label, ...figures(byBucket[i]!) })),
        cancellations,
      }
    },

    async experiment(key, input) {
      const experimentKey = parseKey('reports.experiment', key)
      const options = parseInput('reports.experiment', experimentInputSchema, input) ?? {}
      const confidenceLevel = options.confidenceLevel ?? 0.95
      const defined = await db.selectFrom('ordo_experiment').select('variants').where('key', '=', experimentKey).executeTakeFirst()
      if (!defined) throw new OrdoError('NOT_FOUND', `No experiment "${experimentKey}".`, { details: { key: experimentKey } })
      const variants = JSON.parse(defined.variants) as ExperimentVariant[]
      const timeZone = options.timeZone ?? 'UTC'
      const from = options.from === undefined ? null : instantIn(options.from, timeZone)
      const to = options.to === undefined ? null : instantIn(options.to, timeZone)

      // A conversion: an order placed at or after the exposure, from a session the exposed visitor visited in,
      // and not cancelled (neither by `order.cancelled` nor by a status of the order machine's cancel group).
      const converted = sql`EXISTS (
        SELECT 1 FROM ordo_visit v JOIN ordo_tracked_order o ON o.session_id = v.session_id JOIN ordo_order oo ON oo.id = o.order_id
        WHERE v.visitor_id = e.visitor_id AND o.placed_at >= ${sql.ref('e.at')}${to === null ? sql`` : sql` AND o.placed_at < ${sql.lit(to)}`}
          AND o.cancelled_at IS NULL AND ${notCancelled(runtime, sql.ref('oo.status'))}
      )`
      const result = await sql<{ variant: string; exposures: unknown; conversions: unknown }>`
        SELECT e.variant AS variant, COUNT(*) AS exposures, SUM(CASE WHEN ${converted} THEN 1 ELSE 0 END) AS conversions
        FROM ordo_experiment_exposure e
        WHERE e.experiment_key = ${experimentKey}
          ${from === null ? sql`` : sql`AND ${sql.ref('e.at')} >= ${sql.lit(from)}`}
          ${to === null ? sql`` : sql`AND ${sql.ref('e.at')} < ${sql.lit(to)}`}
        GROUP BY e.variant`.execute(db)
      const counts = new Map(result.rows.map((r) => [r.variant, { trials: num(r.exposures), successes: num(r.conversions) }]))
      const samples = variants.map((v) => counts.get(v.key) ?? { trials: 0, successes: 0 })
      const control = samples[0]!
      const tests = await Promise.all(samples.map((sample, i) => (i === 0 ? null : twoProportionTest(control, sample, confidenceLevel))))
      return {
        key: experimentKey,
        confidenceLevel,
        variants: variants.map((v, i) => {
          const sample = samples[i]!
          const test = tests[i]
          return {
            variant: v.key,
            weight: v.weight,
            control: i === 0,
            exposures: sample.trials,
            conversions: sample.successes,
            rate: ratio(sample.successes, sample.trials),
            difference: test ? test.difference : 0,
            z: test?.z ?? null,
            pValue: test?.pValue ?? null,
            differenceLow: test?.confidenceInterval?.[0] ?? null,
            differenceHigh: test?.confidenceInterval?.[1] ?? null,
          }
        }),
      }
    },
  }
}
