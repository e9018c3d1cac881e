import type { CancellationReport, CourierReport, FunnelReport, OrderBoard, SalesReport } from '@ordo/core'
import { REASON_LABELS } from './admin-views.js'
import { rub } from './format.js'
import { groupLabel } from './i18n.js'

/** The periods the dashboard offers, in days ending today (Moscow time). */
export const REPORT_PERIODS = [7, 30] as const
/** The time zone the back office counts its days in. */
export const REPORT_TIME_ZONE = 'Europe/Moscow'

/** `0.4567` → `45,7 %`. */
const percent = (share: number) => `${(share * 100).toLocaleString('ru-RU', { maximumFractionDigits: 1 })} %`
/** `149990` kopecks → `1 500 ₽` for chart axes (whole roubles). */
const roubles = (amount: number) => `${Math.round(amount / 100).toLocaleString('ru-RU')} ₽`

/** Delivery methods in the back office's words. */
const METHOD_LABELS: Record<string, string> = {
  courier_door: 'курьер',
  showroom_pickup: 'самовывоз',
  pickup_point: 'пункт выдачи',
  parcel_locker: 'постамат',
  post: 'почта',
}

const BAR_COLORS = ['#3b5bdb', '#4c6ef5', '#5c7cfa', '#748ffc', '#91a7ff']

/** A horizontal bar per item, longest for the biggest value: the funnel and the status groups. */
function HorizontalBars(props: { label: string; items: { key: string; label: string; value: number; note?: string }[]; data: string }) {
  const rowHeight = 30
  const labelWidth = 160
  const width = 520
  const barSpace = width - labelWidth - 100
  const max = Math.max(0, ...props.items.map((i) => i.value))
  const height = props.items.length * rowHeight + 10
  return (
    <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={props.label} data-chart={props.data} style="max-width:560px;display:block">
      <title>{props.label}</title>
      {props.items.map((item, i) => {
        const y = 5 + i * rowHeight
        const w = max > 0 ? Math.max(item.value > 0 ? 2 : 0, Math.round((item.value / max) * barSpace)) : 0
        return (
          <g data-bar={item.key} data-count={item.value}>
            <text x={labelWidth - 8} y={y + 20} text-anchor="end" font-size="14" fill="#1d2330">
              {item.label}
            </text>
            <rect x={labelWidth} y={y + 4} width={barSpace} height={rowHeight - 10} fill="#eef1f6" rx="3" />
            <rect x={labelWidth} y={y + 4} width={w} height={rowHeight - 10} fill={BAR_COLORS[i % BAR_COLORS.length]} rx="3" />
            <text x={labelWidth + barSpace + 8} y={y + 20} font-size="14" fill="#1d2330">
              {item.value.toLocaleString('ru-RU')}
              {item.note ? <tspan fill="#6b7280">{` ${item.note}`}</tspan> : null}
            </text>
          </g>
        )
      })}
    </svg>
  )
}

/** Visits → carts → orders → paid → delivered of the period, each step with its conversion from the step before. */
export function FunnelChart(props: { funnel: FunnelReport }) {
  const t = props.funnel.totals
  const steps = [
    { key: 'visits', label: 'Визиты', value: t.visits },
    { key: 'carts', label: 'Корзины', value: t.carts, note: t.visits > 0 ? percent(t.visitToCart) : undefined },
    { key: 'orders', label: 'Заказы', value: t.orders, note: t.carts > 0 ? percent(t.cartToOrder) : undefined },
    { key: 'paid', label: 'Оплачены', value: t.paid, note: t.orders > 0 ? percent(t.orderToPaid) : undefined },
    { key: 'delivered', label: 'Доставлены', value: t.delivered, note: t.orders > 0 ? percent(t.orderToDelivered) : undefined },
  ].map((s) => (s.note === undefined ? { key: s.key, label: s.label, value: s.value } : { ...s, note: s.note }))
  return (
    <>
      <HorizontalBars label="Воронка: визиты → корзины → заказы → оплачены → доставлены" items={steps} data="funnel" />
      <p class="muted" style="margin:4px 0 0">
        Конверсия визита в заказ: <strong data-visit-to-order={t.visitToOrder}>{percent(t.visitToOrder)}</strong> · страниц просмотрено {t.pageViews.toLocaleString('ru-RU')}
        {t.cancelled > 0 ? ` · отменено ${t.cancelled} (${percent(t.cancellationRate)})` : ''}
      </p>
    </>
  )
}

/** Orders in every status group of the order machine (all orders, not only the period's). */
export function StatusGroupsChart(props: { board: OrderBoard }) {
  return (
    <HorizontalBars
      label="Заказы по группам статусов"
      items={props.board.groups.map((g) => ({ key: g.group, label: groupLabel(g.group), value: g.count }))}
      data="status-groups"
    />
  )
}

/** Revenue per day of the period as columns, with the day under every few columns and the biggest day's sum on the axis. */
export function RevenueChart(props: { sales: SalesReport }) {
  const rows = props.sales.rows
  const width = 520
  const height = 200
  const left = 70
  const bottom = 28
  const top = 12
  const plot = height - bottom - top
  const max = Math.max(0, ...rows.map((r) => r.revenue))
  const step = rows.length > 0 ? (width - left - 10) / rows.length : 0
  const every = Math.max(1, Math.ceil(rows.length / 10))
  return (
    <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label="Выручка по дням" data-chart="revenue" style="max-width:560px;display:block">
      <title>Выручка по дням</title>
      <line x1={left} y1={top + plot} x2={width - 10} y2={top + plot} stroke="#c9ced6" />
      <line x1={left} y1={top} x2={left} y2={top + plot} stroke="#c9ced6" />
      <text x={left - 6} y={top + plot} text-anchor="end" font-size="12" fill="#6b7280">
        0
      </text>
      {max > 0 ? (
        <>
          <line x1={left} y1={top} x2={width - 10} y2={top} stroke="#eef1f6" />
          <text x={left - 6} y={top + 10} text-anchor="end" font-size="12" fill="#6b7280">
            {roubles(max)}
          </text>
        </>
      ) : (
        <text x={(left + width) / 2} y={top + plot / 2} text-anchor="middle" font-size="14" fill="#6b7280">
          Продаж за период нет
        </text>
      )}
      {rows.map((row, i) => {
        const h = max > 0 ? Math.round((row.revenue / max) * plot) : 0
        const x = left + i * step
        const [, month, day] = row.period.split('-')
        return (
          <g data-day={row.period} data-revenue={row.revenue} data-orders={row.orders}>
            <title>{`${day}.${month}: ${rub(row.revenue)}, заказов ${row.orders}`}</title>
            <rect x={x + step * 0.15} y={top + plot - h} width={Math.max(1, step * 0.7)} height={h} fill="#3b5bdb" rx="2" />
            {i % every === 0 ? (
              <text x={x + step / 2} y={height - 8} text-anchor="middle" font-size="11" fill="#6b7280">
                {`${day}.${month}`}
              </text>
            ) : null}
          </g>
        )
      })}
    </svg>
  )
}

/** The period's money: revenue, orders, average order value, gross margin, discounts and points. */
export function SalesSummary(props: { sales: SalesReport }) {
  const s = props.sales.totals
  const cells: [string, string, string, number][] = [
    ['revenue', 'Выручка', rub(s.revenue), s.revenue],
    ['orders', 'Заказы', s.orders.toLocaleString('ru-RU'), s.orders],
    ['aov', 'Средний чек', rub(s.averageOrderValue), s.averageOrderValue],
    ['margin', 'Валовая маржа', `${rub(s.grossMargin)} (${percent(s.marginRate)})`, s.grossMargin],
    ['discounts', 'Скидки', rub(s.discounts), s.discounts],
    ['points', 'Оплачено баллами', s.pointsSpent.toLocaleString('ru-RU'), s.pointsSpent],
    ['refused', 'Отказы и возвраты', rub(s.refused + s.refunded), s.refused + s.refunded],
  ]
  return (
    <table data-sales-summary>
      <tbody>
        {cells.map(([key, label, text, value]) => (
          <tr data-figure={key} data-value={value}>
            <td>{label}</td>
            <td class="num">
              <strong>{text}</strong>
            </td>
          </tr>
        ))}
      </tbody>
      {s.uncostedLines > 0 ? (
        <tfoot>
          <tr>
            <td colspan={2} class="muted">
              Строк без закупочной цены: {s.uncostedLines} — их себестоимость в марже не учтена.
            </td>
          </tr>
        </tfoot>
      ) : null}
    </table>
  )
}

/** Cancelled orders of the period by reason, and what happened at delivery (partial buyouts, refusals). */
export function CancellationsTable(props: { report: CancellationReport }) {
  const { rows, totals, outcomes } = props.report
  return (
    <>
      <p style="margin:0 0 6px">
        Отменено <strong data-cancelled={totals.cancelled}>{totals.cancelled}</strong> из {totals.placed} ({percent(totals.cancellationRate)}) на {rub(totals.cancelledValue)}
      </p>
      {rows.length === 0 ? (
        <p class="muted">Отмен за период нет.</p>
      ) : (
        <table data-cancellations>
          <thead>
            <tr>
              <th>Причина</th>
              <th class="num">Заказов</th>
              <th class="num">Доля заказов</th>
              <th class="num">Сумма</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr data-reason={r.reason}>
                <td>{REASON_LABELS[r.reason] ?? r.reason}</td>
                <td class="num">{r.orders}</td>
                <td class="num">{percent(r.rate)}</td>
                <td class="num">{rub(r.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {outcomes.shipments > 0 ? (
        <p class="muted" style="margin:6px 0 0">
          Вручено отправлений: {outcomes.shipments}, частичный выкуп {percent(outcomes.partialBuyoutRate)}, отказ {percent(outcomes.refusalRate)}, отказано на {rub(outcomes.refusedValue)}.
        </p>
      ) : null}
    </>
  )
}

/** Carriers of the period: on-time rate against the checkout estimate, refusals and cost per delivery. */
export function CouriersTable(props: { report: CourierReport; carrierNames: Record<string, string> }) {
  const { rows } = props.report
  if (rows.length === 0) return <p class="muted">За период ни одно отправление не было вручено.</p>
  return (
    <table data-couriers style="font-size:14px">
      <thead>
        <tr>
          <th>Служба</th>
          <th class="num" title="Вручено отправлений">Вручено</th>
          <th class="num" title="Доля вручённых не позже обещанного при оформлении">В срок</th>
          <th class="num" title="Дней от заказа до вручения в среднем">Дней</th>
          <th class="num">Отказы</th>
          <th class="num" title="Стоимость доставки одного отправления">Цена</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr data-courier={r.carrier}>
            <td>
              {props.carrierNames[r.carrier] ?? r.carrier} <span class="muted">{METHOD_LABELS[r.methodType] ?? r.methodType}</span>
            </td>
            <td class="num">{r.shipments}</td>
            <td class="num">{r.withEstimate > 0 ? percent(r.onTimeRate) : '—'}</td>
            <td class="num">{r.averageDays.toLocaleString('ru-RU')}</td>
            <td class="num">{percent(r.refusalRate)}</td>
            <td class="num">{rub(r.costPerDelivery)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
