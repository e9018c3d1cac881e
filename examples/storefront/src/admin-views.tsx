import type { AvailableTransition, BankInvoice, Order, OrderPayments, Payment } from '@ordo/core'
import { PAYMENT_MACHINE } from '@ordo/core'
import { rub } from './format.js'

/** The default machine's transitions in the back office's words; a plugin's transition keeps its own label. */
const TRANSITION_LABELS: Record<string, string> = {
  confirm: 'Подтвердить',
  request_payment: 'Запросить оплату',
  pay: 'Отметить оплату',
  start_picking: 'Начать сборку',
  pack: 'Собран',
  hand_to_carrier: 'Передать в доставку',
  ship: 'В пути',
  ready_for_pickup: 'Готов к выдаче',
  deliver: 'Доставлен',
  complete: 'Выполнить',
  complete_partially: 'Частичный выкуп',
  return: 'Возврат',
  cancel: 'Отменить',
}

/** Cancellation (and return) reasons in the back office's words; unknown ones are shown as they are. */
export const REASON_LABELS: Record<string, string> = {
  no_answer: 'клиент не отвечает',
  out_of_stock: 'нет в наличии',
  bought_elsewhere: 'купил в другом месте',
  price_not_suitable: 'не устроила цена',
  delivery_not_suitable: 'не устроила доставка',
  customer_request: 'по просьбе клиента',
  fraud_suspected: 'подозрение на мошенничество',
  reservation_expired: 'истёк резерв',
  other: 'другое',
}

/** A transition's button text: the dictionary's words, else the machine's label. */
export const transitionLabel = (t: AvailableTransition) => TRANSITION_LABELS[t.name] ?? t.label

/**
 * The order machine's transitions from the order's status as buttons: the
 * allowed ones active, the ones a guard refuses greyed out with its reason.
 * A transition that needs a reason asks for one (from its list when it has
 * one) and takes a note.
 */
export function TransitionButtons(props: { order: Pick<Order, 'id' | 'version'>; transitions: AvailableTransition[]; back: string; compact?: boolean }) {
  return (
    <div class="transitions" data-transitions={props.order.id}>
      {props.transitions.map((t) => (
        <form class="inline" method="post" action={`/admin/orders/${props.order.id}/transition`} data-transition={t.name}>
          <input type="hidden" name="transition" value={t.name} />
          <input type="hidden" name="version" value={String(props.order.version)} />
          <input type="hidden" name="back" value={props.back} />
          {t.requiresReason && t.allowed ? (
            <>
              {t.reasons ? (
                <select name="reason" required>
                  {t.reasons.map((r) => (
                    <option value={r}>{REASON_LABELS[r] ?? r}</option>
                  ))}
                </select>
              ) : (
                <input name="reason" placeholder="Причина" required />
              )}{' '}
              {props.compact ? null : <input name="note" placeholder="Комментарий" />}{' '}
            </>
          ) : null}
          <button disabled={!t.allowed} title={t.allowed ? undefined : t.reason} class={t.name === 'cancel' ? 'danger' : undefined}>
            {transitionLabel(t)}
          </button>{' '}
        </form>
      ))}
    </div>
  )
}

/** Payment statuses in Russian. */
const PAYMENT_STATUS_LABELS: Record<string, string> = {
  pending: 'ожидает',
  requires_action: 'ждёт подтверждения клиента',
  authorized: 'захолдирован',
  captured: 'списан',
  partially_captured: 'списан частично',
  partially_refunded: 'возвращён частично',
  refunded: 'возвращён',
  voided: 'отменён',
  failed: 'не прошёл',
  expired: 'истёк',
}

/** Whether the payment machine has `transition` from the payment's status. */
function can(payment: Payment, transition: string): boolean {
  const from = PAYMENT_MACHINE.transitions[transition]?.from
  return Array.isArray(from) && from.includes(payment.status)
}

/**
 * The order page's payments: each payment with its money, and what a manager
 * may do with it — capture or release a card hold, refund what was taken
 * (by amount, with a reason), record cash when the order's method is paid
 * offline (`offline`), and the bank invoices issued for it.
 */
export function PaymentsPanel(props: { order: Order; payments: OrderPayments; invoices: BankInvoice[]; offline: boolean }) {
  const { order, payments, invoices } = props
  const state = payments.state
  return (
    <section class="card" style="margin-top:16px" data-payments-panel>
      <h2 style="margin-top:0">Оплата</h2>
      <p style="margin:0">
        Заказ на {rub(order.totals.total - order.refusedTotal)} · получено {rub(state.captured)}
        {state.refunded > 0 ? ` · возвращено ${rub(state.refunded)}` : ''}
        {state.due > 0 ? ` · к получению ${rub(state.due)}` : ''}
      </p>
      {payments.payments.length === 0 ? <p class="muted">Платежей ещё нет.</p> : null}
      <table style="margin-top:8px">
        <tbody>
          {payments.payments.map((p) => {
            const refundable = p.captured - p.refunded
            const hold = p.providerId !== null && p.twoStage && can(p, 'capture') && p.status === 'authorized'
            return (
              <tr data-payment-id={p.id} data-payment-status={p.status}>
                <td>
                  {p.method} <span class="muted">{p.providerPaymentId ?? ''}</span>
                </td>
                <td>{PAYMENT_STATUS_LABELS[p.status] ?? p.status}</td>
                <td class="num">{rub(p.amount)}</td>
                <td class="num">списано {rub(p.captured)}</td>
                <td class="num">{p.refunded > 0 ? `возврат ${rub(p.refunded)}` : ''}</td>
                <td>
                  {hold ? (
                    <form class="inline" method="post" action={`/admin/payments/${p.id}/capture`} data-capture>
                      <input name="amount" type="number" min="1" max={String(p.amount)} placeholder={`до ${p.amount} коп.`} style="width:130px" /> <button>Списать</button>{' '}
                    </form>
                  ) : null}
                  {hold && can(p, 'void') ? (
                    <form class="inline" method="post" action={`/admin/payments/${p.id}/void`}>
                      <button>Снять холд</button>{' '}
                    </form>
                  ) : null}
                  {refundable > 0 ? (
                    <form class="inline" method="post" action={`/admin/payments/${p.id}/refund`} data-refund>
                      <input name="amount" type="number" min="1" max={String(refundable)} value={String(refundable)} style="width:110px" /> коп.{' '}
                      <input name="reason" placeholder="Причина возврата" required /> <button>Вернуть</button>
                    </form>
                  ) : null}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      {state.due > 0 && props.offline ? (
        <form method="post" action={`/admin/orders/${order.id}/cash`} style="margin-top:8px" data-record-cash>
          Получены деньги (наличные, терминал, оплаченный счёт): <input name="amount" type="number" min="1" value={String(state.due)} style="width:120px" /> коп. <button>Записать оплату</button>
        </form>
      ) : null}
      {invoices.length > 0 ? (
        <div style="margin-top:8px">
          {invoices.map((i) => (
            <div data-invoice={i.number}>
              <a href={`/orders/${order.id}/invoices/${i.id}`}>Счёт {i.number}</a> на {rub(i.total)} для {i.buyer.name} (ИНН {i.buyer.taxId}) —{' '}
              {i.status === 'paid' ? 'оплачен' : 'ожидает оплаты'}
            </div>
          ))}
        </div>
      ) : null}
    </section>
  )
}
