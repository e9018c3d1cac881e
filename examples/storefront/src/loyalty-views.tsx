import type { Cart, LoyaltyBalance, LoyaltyConfig, LoyaltyEntry, Message, Order } from '@ordo/core'
import { isOrdoError, LOYALTY_DISCOUNT_SOURCE } from '@ordo/core'
import { rub } from './format.js'

const when = (at: Date) => at.toLocaleString('ru-RU', { timeZone: 'Europe/Moscow' })
const date = (at: Date) => at.toLocaleDateString('ru-RU', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Moscow' })

/** `1 балл`, `2 балла`, `5 баллов`. */
export function points(n: number): string {
  const abs = Math.abs(n)
  const last = abs % 10
  const word = abs % 100 >= 11 && abs % 100 <= 14 ? 'баллов' : last === 1 ? 'балл' : last >= 2 && last <= 4 ? 'балла' : 'баллов'
  return `${n} ${word}`
}

/** Whether a discount or adjustment source is the points discount. */
export const isPoints = (source: { type: string; id: string }) => source.type === LOYALTY_DISCOUNT_SOURCE.type && source.id === LOYALTY_DISCOUNT_SOURCE.id

/** The minor units a cart's breakdown takes off for points. */
export function pointsDiscount(cart: Cart): number {
  return cart.breakdown.adjustments.filter((a) => isPoints(a.source)).reduce((sum, a) => sum + a.amount, 0)
}

/**
 * The most points this cart may spend under the programme's cap: a share of
 * the goods after promotions (before the points discount itself), whole
 * points, as the engine's pricing computes it.
 */
export function redeemCap(cart: Cart, loyalty: LoyaltyConfig): number {
  let eligible = 0
  for (const line of cart.breakdown.lines) {
    if (!line.discountable || line.gift) continue
    eligible += line.total + line.discounts.filter((d) => isPoints(d.source)).reduce((sum, d) => sum + d.amount, 0)
  }
  // Kopecks times basis points stays far below 2^53 for any real cart.
  const capAmount = Math.floor((eligible * (loyalty.maxRedeemBasisPoints ?? 3000)) / 10_000)
  return Math.floor(capAmount / (loyalty.pointValue ?? 100))
}

/** A refused redemption as the customer should read it. */
export function pointsError(error: unknown): string {
  if (isOrdoError(error, 'LOYALTY_INSUFFICIENT')) {
    const available = Number(error.details?.available ?? 0)
    return `Недостаточно баллов: доступно ${points(available)}.`
  }
  if (isOrdoError(error)) return error.message
  return String(error)
}

/** The cart page's points block: identify by phone, then spend points within the cap. */
export function CartPoints(props: { cart: Cart; balance: LoyaltyBalance | null; loyalty: LoyaltyConfig }) {
  const { cart, balance, loyalty } = props
  const percent = (loyalty.maxRedeemBasisPoints ?? 3000) / 100
  if (!cart.customerId || !balance) {
    return (
      <form method="post" action="/cart/customer" class="card" style="margin-top:16px;max-width:520px" data-points="guest">
        <strong>Бонусные баллы.</strong> Укажите телефон, чтобы увидеть и потратить свои баллы.
        <div style="margin-top:8px">
          <input name="phone" placeholder="Телефон" value={cart.contact.phone ?? ''} required /> <button>Показать баллы</button>
        </div>
      </form>
    )
  }
  const cap = redeemCap(cart, loyalty)
  const max = Math.min(cap, balance.active)
  return (
    <form method="post" action="/cart/points" class="card" style="margin-top:16px;max-width:520px" data-points-available={balance.active} data-points-cap={cap}>
      <strong>Бонусные баллы</strong> <span class="muted">({cart.contact.phone})</span>
      <div>
        Доступно: <strong>{points(balance.active)}</strong>
        {balance.pending > 0 ? <span class="muted"> · ещё {points(balance.pending)} станут доступны после окончания срока возврата</span> : null}
      </div>
      <div class="muted">
        1 балл = {rub(loyalty.pointValue ?? 100)}. Баллами можно оплатить до {percent} % стоимости товаров: в этой корзине не больше {points(cap)}.
      </div>
      {cart.pointsRedeemed > 0 ? <div data-points-redeemed={cart.pointsRedeemed}>Списываем {points(cart.pointsRedeemed)}.</div> : null}
      <div style="margin-top:8px">
        <input type="number" name="points" min="0" value={String(cart.pointsRedeemed || max)} style="width:110px" /> <button>Списать баллы</button>
        {cart.pointsRedeemed > 0 ? (
          <button name="points" value="0">
            Не списывать
          </button>
        ) : null}
      </div>
    </form>
  )
}

/** The order page's points: what this order spent and earns, the customer's balance, and a link to their statement. */
export function OrderPoints(props: { order: Order; entries: LoyaltyEntry[]; balance: LoyaltyBalance; loyalty: LoyaltyConfig; statementUrl: string }) {
  const { order, entries, balance, loyalty } = props
  const earned = entries.filter((e) => e.kind === 'earn')
  const spent = entries.filter((e) => e.kind === 'spend')
  const earnedPoints = earned.reduce((sum, e) => sum + e.points, 0)
  const pending = earned.find((e) => e.status === 'pending')
  return (
    <div class="card" style="margin:16px 0">
      <h2 style="margin-top:0">Бонусные баллы</h2>
      {spent.map((e) => (
        <div data-points-spent={-e.points}>
          Оплачено баллами: {points(-e.points)}
          {e.status === 'released' ? <span class="muted"> (возвращены: заказ отменён)</span> : null}
        </div>
      ))}
      {earned.length > 0 ? (
        <div data-points-earned={earnedPoints} data-points-status={earned[0]!.status}>
          За заказ начислено: <strong>{points(earnedPoints)}</strong>
          {pending?.activatesAt ? (
            <span class="muted"> — станут доступны {date(pending.activatesAt)}</span>
          ) : (
            <span class="muted"> — {earned[0]!.status === 'active' ? 'уже доступны' : (ENTRY_STATUS[earned[0]!.status] ?? earned[0]!.status)}</span>
          )}
        </div>
      ) : order.group === 'complete' ? (
        <div class="muted">Баллы за заказ начисляются…</div>
      ) : (
        <div class="muted">
          После получения заказа начислим {(loyalty.earnBasisPoints / 100).toLocaleString('ru-RU')} % стоимости товаров баллами.
        </div>
      )}
      <div style="margin-top:8px" data-balance-active={balance.active} data-balance-pending={balance.pending}>
        Ваши баллы: доступно <strong>{points(balance.active)}</strong>
        {balance.pending > 0 ? `, ожидают ${points(balance.pending)}` : ''}
        {balance.held > 0 ? `, зарезервировано заказами ${points(balance.held)}` : ''}. <a href={props.statementUrl}>История баллов</a>
      </div>
    </div>
  )
}

const ENTRY_KIND: Record<string, string> = { earn: 'начисление', spend: 'списание', expire: 'сгорание', reverse: 'возврат товара', adjust: 'корректировка' }
const ENTRY_STATUS: Record<string, string> = {
  pending: 'ожидает',
  active: 'доступны',
  partly_spent: 'потрачены частично',
  spent: 'потрачены',
  expired: 'сгорели',
  reversed: 'списаны',
  held: 'зарезервированы',
  committed: 'списаны',
  released: 'возвращены',
  posted: 'проведено',
}

/** A customer's points statement: every entry, newest first. */
export function Statement(props: { entries: LoyaltyEntry[]; orderNumbers: Map<string, string> }) {
  if (props.entries.length === 0) return <p class="muted">Операций с баллами пока нет.</p>
  return (
    <table>
      <thead>
        <tr>
          <th>Дата</th>
          <th>Операция</th>
          <th>Заказ</th>
          <th class="num">Баллы</th>
          <th>Статус</th>
          <th>Доступны с</th>
          <th>Сгорят</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.map((e) => (
          <tr data-entry={e.kind}>
            <td>{when(e.createdAt)}</td>
            <td>
              {ENTRY_KIND[e.kind] ?? e.kind}
              {e.reason ? <span class="muted"> ({e.reason})</span> : null}
            </td>
            <td>{e.orderId ? (props.orderNumbers.get(e.orderId) ?? '—') : '—'}</td>
            <td class="num">{e.points > 0 ? `+${e.points}` : e.points}</td>
            <td data-entry-status={e.status}>{ENTRY_STATUS[e.status] ?? e.status}</td>
            <td>{e.activatesAt ? date(e.activatesAt) : ''}</td>
            <td>{e.expiresAt ? date(e.expiresAt) : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

const MESSAGE_STATUS: Record<string, string> = { queued: 'в очереди', sent: 'отправлено', delivered: 'доставлено', failed: 'не доставлено', expired: 'срок истёк' }

/** The back office's list of messages sent about an order; in demo mode, buttons that play the SMS operator. */
export function MessagesPanel(props: { messages: Message[]; demo: boolean }) {
  return (
    <>
      <h2>Сообщения</h2>
      {props.messages.length === 0 ? <p class="muted">Сообщений пока нет.</p> : null}
      {props.messages.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>Канал</th>
              <th>Кому</th>
              <th>Текст</th>
              <th>Статус</th>
              <th>Создано</th>
              <th>Отправлено</th>
              <th>Изменено</th>
            </tr>
          </thead>
          <tbody>
            {props.messages.map((m) => (
              <tr data-message={m.template}>
                <td>{m.channel === 'sms' ? 'SMS' : 'e-mail'}</td>
                <td class="muted">{m.recipient}</td>
                <td>
                  {m.subject ? <strong>{m.subject}. </strong> : null}
                  {m.text}
                </td>
                <td data-message-status={m.status}>
                  {MESSAGE_STATUS[m.status] ?? m.status}
                  {m.error ? <div class="muted">{m.error}</div> : null}
                  {props.demo && m.channel === 'sms' && m.status === 'sent' ? (
                    <form method="post" action={`/admin/messages/${m.id}/demo-report`}>
                      <button name="outcome" value="delivered">
                        Демо: доставлено
                      </button>{' '}
                      <button name="outcome" value="failed">
                        не доставлено
                      </button>
                    </form>
                  ) : null}
                </td>
                <td>{when(m.createdAt)}</td>
                <td>{m.sentAt ? when(m.sentAt) : '—'}</td>
                <td>{when(m.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  )
}
