import type { Commerce, ReportPeriodInput } from '@ordo/core'
import type { Hono } from 'hono'
import { Layout } from './layout.js'
import { CancellationsTable, CouriersTable, FunnelChart, REPORT_PERIODS, REPORT_TIME_ZONE, RevenueChart, SalesSummary, StatusGroupsChart } from './report-views.js'

const DAY = 86_400_000

/**
 * The last `days` calendar days in Moscow, today included, by day. Moscow
 * keeps UTC+3 all year, so its midnight is `T00:00:00+03:00`.
 */
export function reportPeriod(days: number, now: Date): ReportPeriodInput {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: REPORT_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
  const to = new Date(`${today}T00:00:00+03:00`).getTime() + DAY
  return { from: new Date(to - days * DAY), to: new Date(to), timeZone: REPORT_TIME_ZONE, groupBy: 'day' }
}

/** The chosen period from `?days=`: one of {@link REPORT_PERIODS}, the first by default. */
const chosenDays = (value: string | undefined): number => REPORT_PERIODS.find((d) => String(d) === value) ?? REPORT_PERIODS[0]

/** The reports a CSV link downloads, by the name in its address. */
const CSV_REPORTS: Record<string, (shop: Commerce, period: ReportPeriodInput) => Promise<readonly object[]>> = {
  sales: async (shop, period) => (await shop.reports.sales(period)).rows,
  funnel: async (shop, period) => (await shop.reports.funnel(period)).byPeriod,
  channels: async (shop, period) => (await shop.reports.funnel(period)).rows,
  cancellations: async (shop, period) => (await shop.reports.cancellations(period)).rows,
  couriers: async (shop, period) => (await shop.reports.couriers(period)).rows,
}

/**
 * The back office's reports dashboard at `/admin/reports` (`?days=7|30`):
 * the funnel, revenue by day and orders by status group as SVG drawn on the
 * server, the period's money, cancellations and carriers as tables, and CSV
 * downloads at `/admin/reports/csv/:report`.
 */
export function registerReportPages(app: Hono, shop: Commerce, options: { now: () => Date; carrierNames: () => Record<string, string> }): void {
  app.get('/admin/reports', async (c) => {
    const days = chosenDays(c.req.query('days'))
    const period = reportPeriod(days, options.now())
    // Visits wait in memory to be written in batches: write them so the funnel counts the latest.
    await shop.tracking.flush()
    const [funnel, sales, cancellations, couriers, board] = await Promise.all([
      shop.reports.funnel(period),
      shop.reports.sales(period),
      shop.reports.cancellations(period),
      shop.reports.couriers(period),
      shop.orders.board(),
    ])
    const csv = (name: string) => `/admin/reports/csv/${name}?days=${days}`
    const last = new Date(new Date(period.to).getTime() - DAY).toLocaleDateString('ru-RU', { timeZone: REPORT_TIME_ZONE })
    const first = new Date(period.from).toLocaleDateString('ru-RU', { timeZone: REPORT_TIME_ZONE })
    return c.html(
      <Layout title="Отчёты" admin>
        <h1>Отчёты</h1>
        <nav class="categories" data-periods>
          {REPORT_PERIODS.map((d) => (
            <a href={`/admin/reports?days=${d}`} class={d === days ? 'current' : undefined} data-period={d}>
              Последние {d} дней
            </a>
          ))}
          <span class="muted">
            {first} — {last}, московское время
          </span>
        </nav>
        {funnel.totals.visits + funnel.totals.orders === 0 ? (
          <p class="card muted" data-empty-period>
            За эти дни не было ни визитов, ни заказов. Откройте витрину и оформите заказ — он появится здесь.
          </p>
        ) : null}
        <div class="report-grid">
          <section class="card" data-report="funnel">
            <h2>Воронка</h2>
            <FunnelChart funnel={funnel} />
            <p class="muted" style="margin:6px 0 0">
              CSV: <a href={csv('funnel')}>по дням</a> · <a href={csv('channels')}>по каналам</a>
            </p>
          </section>
          <section class="card" data-report="sales">
            <h2>Продажи</h2>
            <SalesSummary sales={sales} />
            <p class="muted" style="margin:6px 0 0">
              <a href={csv('sales')}>CSV по дням</a>
            </p>
          </section>
          <section class="card" data-report="revenue">
            <h2>Выручка по дням</h2>
            <RevenueChart sales={sales} />
          </section>
          <section class="card" data-report="status-groups">
            <h2>Заказы по группам статусов</h2>
            <StatusGroupsChart board={board} />
            <p class="muted" style="margin:6px 0 0">
              Все заказы магазина сейчас · <a href="/admin/orders">доска заказов</a>
            </p>
          </section>
          <section class="card" data-report="cancellations">
            <h2>Отмены</h2>
            <CancellationsTable report={cancellations} />
            <p class="muted" style="margin:6px 0 0">
              <a href={csv('cancellations')}>CSV</a>
            </p>
          </section>
          <section class="card" data-report="couriers">
            <h2>Службы доставки</h2>
            <CouriersTable report={couriers} carrierNames={options.carrierNames()} />
            <p class="muted" style="margin:6px 0 0">
              <a href={csv('couriers')}>CSV</a>
            </p>
          </section>
        </div>
      </Layout>,
    )
  })

  app.get('/admin/reports/csv/:report', async (c) => {
    const report = CSV_REPORTS[c.req.param('report')]
    if (!report) return c.notFound()
    const days = chosenDays(c.req.query('days'))
    const period = reportPeriod(days, options.now())
    await shop.tracking.flush()
    const body = shop.reports.csv(await report(shop, period))
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: REPORT_TIME_ZONE }).format(options.now())
    return c.body(body, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${c.req.param('report')}-${days}d-${day}.csv"`,
    })
  })
}
