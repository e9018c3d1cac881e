import type { Cart, LoyaltyBalance, LoyaltyConfig, LoyaltyEntry, Message, Order } from '@ordo/core'
import { isOrdoError, LOYALTY_DISCOUNT_SOURCE } from '@ordo/core'
import { rub } from './format.js'
import { currentLang, locale, t, tOr } from './i18n.js'

const when = (at: Date) => at.toLocaleString(locale(), { timeZone: 'Europe/Moscow' })
const date = (at: Date) => at.toLocaleDateString(locale(), { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Moscow' })

/** `1 балл`, `2 балла`, `5 баллов` (`1 point`, `5 points` in English). */
export function points(n: number): string {
  if (currentLang() === 'en') return `${n} ${Math.abs(n) === 1 ? 'point' : 'points'}`
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
    return t('points.insufficient', { points: points(available) })
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
        <strong>{t('points.title')}.</strong> {t('points.guest')}
        <div style="margin-top:8px">
          <input name="phone" placeholder={t('points.phone')} value={cart.contact.phone ?? ''} required /> <button>{t('points.show')}</button>
        </div>
      </form>
    )
  }
  const cap = redeemCap(cart, loyalty)
  const max = Math.min(cap, balance.active)
  return (
    <form method="post" action="/cart/points" class="card" style="margin-top:16px;max-width:520px" data-points-available={balance.active} data-points-cap={cap}>
      <strong>{t('points.title')}</strong> <span class="muted">({cart.contact.phone})</span>
      <div>
        {t('points.available')}: <strong>{points(balance.active)}</strong>
        {balance.pending > 0 ? <span class="muted"> · {t('points.pendingMore', { points: points(balance.pending) })}</span> : null}
      </div>
      <div class="muted">
        {t('points.rule', { value: rub(loyalty.pointValue ?? 100), percent, cap: points(cap) })}
      </div>
      {cart.pointsRedeemed > 0 ? <div data-points-redeemed={cart.pointsRedeemed}>{t('points.redeeming', { points: points(cart.pointsRedeemed) })}</div> : null}
      <div style="margin-top:8px">
        <input type="number" name="points" min="0" value={String(cart.pointsRedeemed || max)} style="width:110px" /> <button>{t('points.spend')}</button>
        {cart.pointsRedeemed > 0 ? (
          <button name="points" value="0">
            {t('points.dontSpend')}
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
      <h2 style="margin-top:0">{t('points.title')}</h2>
      {spent.map((e) => (
        <div data-points-spent={-e.points}>
          {t('points.paidWith', { points: points(-e.points) })}
          {e.status === 'released' ? <span class="muted"> ({t('points.releasedCancelled')})</span> : null}
        </div>
      ))}
      {earned.length > 0 ? (
        <div data-points-earned={earnedPoints} data-points-status={earned[0]!.status}>
          {t('points.earned')}: <strong>{points(earnedPoints)}</strong>
          {pending?.activatesAt ? (
            <span class="muted"> — {t('points.activeFrom', { date: date(pending.activatesAt) })}</span>
          ) : (
            <span class="muted"> — {earned[0]!.status === 'active' ? t('points.alreadyActive') : entryStatus(earned[0]!.status)}</span>
          )}
        </div>
      ) : order.group === 'complete' ? (
        <div class="muted">{t('points.earning')}</div>
      ) : (
        <div class="muted">
          {t('points.willEarn', { percent: (loyalty.earnBasisPoints / 100).toLocaleString(locale()) })}
        </div>
      )}
      <div style="margin-top:8px" data-balance-active={balance.active} data-balance-pending={balance.pending}>
        {t('points.yours')} <strong>{points(balance.active)}</strong>
        {balance.pending > 0 ? `, ${t('points.pendingShort', { points: points(balance.pending) })}` : ''}
        {balance.held > 0 ? `, ${t('points.heldShort', { points: points(balance.held) })}` : ''}. <a href={props.statementUrl}>{t('points.history')}</a>
      </div>
    </div>
  )
}

/** A points entry's status in the request's language. */
const entryStatus = (status: string) => tOr(`entryStatus.${status}`, status)

/** A customer's points statement: every entry, newest first. */
export function Statement(props: { entries: LoyaltyEntry[]; orderNumbers: Map<string, string> }) {
  if (props.entries.length === 0) return <p class="muted">{t('points.none')}</p>
  return (
    <table>
      <thead>
        <tr>
          <th>{t('points.date')}</th>
          <th>{t('points.operation')}</th>
          <th>{t('points.order')}</th>
          <th class="num">{t('points.points')}</th>
          <th>{t('points.status')}</th>
          <th>{t('points.from')}</th>
          <th>{t('points.expires')}</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.map((e) => (
          <tr data-entry={e.kind}>
            <td>{when(e.createdAt)}</td>
            <td>
              {tOr(`entry.${e.kind}`, e.kind)}
              {e.reason ? <span class="muted"> ({e.reason})</span> : null}
            </td>
            <td>{e.orderId ? (props.orderNumbers.get(e.orderId) ?? '—') : '—'}</td>
            <td class="num">{e.points > 0 ? `+${e.points}` : e.points}</td>
            <td data-entry-status={e.status}>{entryStatus(e.status)}</td>
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
