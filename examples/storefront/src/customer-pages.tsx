import type { Commerce, Customer, CustomerTimelineItem, LoyaltyBalance, RfmScore } from '@ordo/core'
import { CALL_DIRECTIONS, isOrdoError, type CallDirection } from '@ordo/core'
import type { Hono } from 'hono'
import { userMessage } from './delivery-views.js'
import { rub } from './format.js'
import { statusLabel } from './i18n.js'
import { Layout } from './layout.js'
import { points } from './loyalty-views.js'

const ZONE = 'Europe/Moscow'
const at = (date: Date) => date.toLocaleString('ru-RU', { timeZone: ZONE })
/** Who the back office's forms record as the author. */
const MANAGER = 'manager:demo'
/** A form the back office cannot act on (no due date): shown on the page like an engine's refusal. */
class FormError extends Error {}

/** Outcomes a manager picks when logging a call (free codes in the engine; these are the demo's). */
const CALL_OUTCOMES: Record<string, string> = {
  answered: 'поговорили',
  no_answer: 'не ответил',
  busy: 'занято',
  call_back_later: 'просил перезвонить',
  confirmed: 'подтвердил заказ',
}
const DIRECTION_LABELS: Record<CallDirection, string> = { in: 'входящий', out: 'исходящий' }
const POINTS_KINDS: Record<string, string> = { earn: 'начислено', spend: 'списано', expire: 'сгорело', reverse: 'отменено', adjust: 'корректировка' }
const MESSAGE_STATUSES: Record<string, string> = { queued: 'в очереди', sent: 'отправлено', delivered: 'доставлено', failed: 'не доставлено', expired: 'устарело' }
const KIND_LABELS: Record<CustomerTimelineItem['kind'], string> = { order: 'заказ', message: 'сообщение', points: 'баллы', call: 'звонок', note: 'заметка', task: 'задача' }

/** A `datetime-local` value (`2026-03-01T15:00`, Moscow time: UTC+3 all year) as an instant; undefined when unreadable. */
function moscowInstant(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return undefined
  const date = new Date(`${value}:00+03:00`)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** A customer's phones and e-mails, primary first. */
const contactsOf = (customer: Customer, kind: 'phone' | 'email') => customer.contacts.filter((c) => c.kind === kind).map((c) => c.value)

/** One line of the timeline, by kind. */
function TimelineEntry(props: { item: CustomerTimelineItem; statusText: (status: string) => string }) {
  const { item } = props
  let body
  switch (item.kind) {
    case 'order':
      body = (
        <>
          <a href={`/admin/orders/${item.order.id}`}>Заказ № {item.order.number}</a> на {rub(item.order.total)} — {props.statusText(item.order.status)}
        </>
      )
      break
    case 'message':
      body = (
        <>
          {item.message.channel === 'sms' ? 'SMS' : 'E-mail'} на {item.message.recipient} — {MESSAGE_STATUSES[item.message.status] ?? item.message.status}
          <div class="muted">{item.message.text}</div>
        </>
      )
      break
    case 'points':
      body = (
        <>
          Баллы {POINTS_KINDS[item.entry.kind] ?? item.entry.kind}: <strong>{item.entry.points > 0 ? `+${points(item.entry.points)}` : points(item.entry.points)}</strong>
          {item.entry.reason ? <span class="muted"> ({item.entry.reason})</span> : null}
        </>
      )
      break
    case 'call':
      body = (
        <>
          {DIRECTION_LABELS[item.call.direction]} звонок, {CALL_OUTCOMES[item.call.outcome] ?? item.call.outcome}
          {item.call.durationSeconds > 0 ? `, ${Math.ceil(item.call.durationSeconds / 60)} мин` : ''} <span class="muted">{item.call.managerId}</span>
          {item.call.note ? <div>{item.call.note}</div> : null}
        </>
      )
      break
    case 'note':
      body = (
        <>
          <span data-note={item.id}>{item.note.body}</span> <span class="muted">{item.note.author ?? ''}</span>
        </>
      )
      break
    case 'task':
      body = (
        <>
          <strong>{item.task.title}</strong> — до {at(item.task.dueAt)}
          {item.task.assignee ? <span class="muted"> · {item.task.assignee}</span> : null}
          {item.task.doneAt ? (
            <span class="muted"> · выполнена {at(item.task.doneAt)}</span>
          ) : (
            <form class="inline" method="post" action={`/admin/customers/${item.task.customerId}/tasks/${item.task.id}/done`}>
              {' '}
              <button>Выполнена</button>
            </form>
          )}
        </>
      )
      break
  }
  return (
    <li data-timeline-kind={item.kind} data-timeline-id={item.id}>
      <span class="kind">{KIND_LABELS[item.kind]}</span> <span class="muted">{at(item.at)}</span> · {body}
    </li>
  )
}

/**
 * The back office's customers: `/admin/customers` (newest first, searched by
 * name, phone or e-mail, a page at a time) and `/admin/customers/:id` with
 * contacts, groups and tags, points, the RFM score, the timeline (orders,
 * messages, points, calls, notes and tasks, newest first), and forms to add a
 * note, log a call and set a task.
 */
export function registerCustomerPages(app: Hono, shop: Commerce, options: { loyalty: boolean; now: () => Date }): void {
  app.get('/admin/customers', async (c) => {
    const query = (c.req.query('q') ?? '').trim()
    const after = c.req.query('after') || undefined
    let page: Awaited<ReturnType<Commerce['customers']['list']>> = { items: [], next: null }
    let error: string | null = null
    try {
      page = await shop.customers.list({ limit: 50, ...(query ? { query } : {}), ...(after ? { after } : {}) })
    } catch (e) {
      if (!isOrdoError(e)) throw e
      error = userMessage(e)
    }
    const more = page.next ? `/admin/customers?${new URLSearchParams({ ...(query ? { q: query } : {}), after: page.next })}` : null
    return c.html(
      <Layout title="Клиенты" admin>
        <h1>Клиенты</h1>
        <form method="get" action="/admin/customers" class="filters" data-customer-search>
          <input name="q" value={query} placeholder="Имя, телефон или e-mail" style="min-width:280px" /> <button>Найти</button>{' '}
          {query ? <a href="/admin/customers">Сбросить</a> : null}
        </form>
        {error ? <p class="error">{error}</p> : null}
        {page.items.length === 0 ? (
          <p class="muted" data-customers-empty>
            {query ? `Никого не нашлось по запросу «${query}».` : 'Клиентов ещё нет: они появляются с первым заказом.'}
          </p>
        ) : (
          <table data-customers={page.items.length}>
            <thead>
              <tr>
                <th>Имя</th>
                <th>Телефон</th>
                <th>E-mail</th>
                <th>Группы и метки</th>
                <th>С нами с</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((customer) => (
                <tr data-customer={customer.id}>
                  <td>
                    <a href={`/admin/customers/${customer.id}`}>{customer.name ?? 'Без имени'}</a>
                  </td>
                  <td>{contactsOf(customer, 'phone').join(', ')}</td>
                  <td>{contactsOf(customer, 'email').join(', ')}</td>
                  <td class="muted">{[...customer.groups, ...customer.tags.map((tag) => `#${tag}`)].join(' ')}</td>
                  <td class="muted">{customer.createdAt.toLocaleDateString('ru-RU', { timeZone: ZONE })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {more ? (
          <p>
            <a href={more}>Дальше →</a>
          </p>
        ) : null}
      </Layout>,
    )
  })

  app.get('/admin/customers/:id', async (c) => {
    const customer = await shop.customers.get(c.req.param('id'))
    if (!customer) return c.notFound()
    if (customer.mergedInto) return c.redirect(`/admin/customers/${customer.mergedInto}`)
    const beforeParam = c.req.query('before')
    const before = beforeParam && !Number.isNaN(Number(beforeParam)) ? new Date(Number(beforeParam)) : undefined
    const [timeline, rfm, balance]: [Awaited<ReturnType<Commerce['customers']['timeline']>>, RfmScore | undefined, LoyaltyBalance | null] = await Promise.all([
      shop.customers.timeline(customer.id, { limit: 50, ...(before ? { before } : {}) }),
      shop.crm.rfm(customer.id),
      options.loyalty ? shop.loyalty.balance(customer.id) : Promise.resolve(null),
    ])
    const machine = shop.machines.get('order')
    const error = c.req.query('error')
    const notice = c.req.query('notice')
    const page = `/admin/customers/${customer.id}`
    const orderIds = timeline.items.flatMap((i) => (i.kind === 'order' ? [{ id: i.order.id, number: i.order.number }] : []))
    const soon = new Date(options.now().getTime() + 86_400_000)
    const soonLocal = new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .format(soon)
      .replace(' ', 'T')
    return c.html(
      <Layout title={customer.name ?? 'Клиент'} admin>
        <h1 data-customer-id={customer.id}>{customer.name ?? 'Клиент без имени'}</h1>
        {error ? <p class="error">{error}</p> : null}
        {notice ? <p class="card">{notice}</p> : null}
        <section class="card" data-customer-card>
          <table>
            <tbody>
              {customer.contacts.map((contact) => (
                <tr data-contact={contact.value}>
                  <td>{contact.kind === 'phone' ? 'Телефон' : 'E-mail'}</td>
                  <td>
                    {contact.value} {contact.primary ? <span class="muted">основной</span> : null}
                  </td>
                  <td class="muted">
                    {contact.consent.transactional ? 'о заказах: да' : 'о заказах: нет'} · {contact.consent.marketing ? 'рассылки: да' : 'рассылки: нет'}
                  </td>
                </tr>
              ))}
              {customer.addresses.map((address) => (
                <tr>
                  <td>Адрес</td>
                  <td colspan={2}>{[address.postalCode, address.city, address.street].filter(Boolean).join(', ')}</td>
                </tr>
              ))}
              <tr>
                <td>Группы и метки</td>
                <td colspan={2} data-labels>
                  {customer.groups.length + customer.tags.length === 0 ? <span class="muted">нет</span> : [...customer.groups, ...customer.tags.map((tag) => `#${tag}`)].join(' ')}
                </td>
              </tr>
              {customer.managerId ? (
                <tr>
                  <td>Менеджер</td>
                  <td colspan={2}>{customer.managerId}</td>
                </tr>
              ) : null}
              {balance ? (
                <tr data-points-active={balance.active}>
                  <td>Баллы</td>
                  <td colspan={2}>
                    доступно <strong>{points(balance.active)}</strong>
                    {balance.pending > 0 ? `, ожидают ${points(balance.pending)}` : ''}
                    {balance.held > 0 ? `, в резерве ${points(balance.held)}` : ''} · <a href={`/customers/${customer.id}/points`}>история</a>
                  </td>
                </tr>
              ) : null}
              <tr data-rfm={rfm?.score ?? ''}>
                <td>RFM</td>
                <td colspan={2}>
                  {rfm ? (
                    <>
                      <strong>{rfm.score}</strong> <span class="muted">(давность {rfm.recency}, частота {rfm.frequency}, деньги {rfm.monetary}; заказов {rfm.ordersCount} на {rub(rfm.spend)}, посчитано {at(rfm.scoredAt)})</span>
                    </>
                  ) : (
                    <span class="muted">ещё не считался (задача пересчёта RFM идёт раз в сутки)</span>
                  )}
                </td>
              </tr>
              {customer.notes ? (
                <tr>
                  <td>Заметки</td>
                  <td colspan={2}>{customer.notes}</td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </section>
        <div class="crm-forms">
          <form method="post" action={`${page}/notes`} class="card" data-note-form>
            <h3>Заметка</h3>
            <textarea name="body" required placeholder="Что важно знать о клиенте" rows={3}></textarea>
            <button>Добавить заметку</button>
          </form>
          <form method="post" action={`${page}/calls`} class="card" data-crm-call-form>
            <h3>Звонок</h3>
            <select name="direction">
              {CALL_DIRECTIONS.map((d) => (
                <option value={d} selected={d === 'out'}>
                  {DIRECTION_LABELS[d]}
                </option>
              ))}
            </select>
            <select name="outcome">
              {Object.entries(CALL_OUTCOMES).map(([code, label]) => (
                <option value={code}>{label}</option>
              ))}
            </select>
            <label>
              Длительность, мин <input name="minutes" type="number" min="0" value="0" style="width:80px" />
            </label>
            {orderIds.length > 0 ? (
              <select name="orderId">
                <option value="">без заказа</option>
                {orderIds.map((o) => (
                  <option value={o.id}>заказ № {o.number}</option>
                ))}
              </select>
            ) : null}
            <input name="note" placeholder="О чём говорили" />
            <button>Записать звонок</button>
          </form>
          <form method="post" action={`${page}/tasks`} class="card" data-task-form>
            <h3>Задача</h3>
            <input name="title" required placeholder="Перезвонить, уточнить размер" />
            <label>
              Срок (МСК) <input name="dueAt" type="datetime-local" value={soonLocal} required />
            </label>
            <input name="assignee" placeholder="Кому (необязательно)" />
            <button>Поставить задачу</button>
          </form>
        </div>
        <h2>История клиента</h2>
        {timeline.items.length === 0 ? <p class="muted">Пока ничего: ни заказов, ни звонков, ни заметок.</p> : null}
        <ol class="timeline" data-timeline={timeline.items.length}>
          {timeline.items.map((item) => (
            <TimelineEntry item={item} statusText={(status) => statusLabel(machine, status)} />
          ))}
        </ol>
        {timeline.nextBefore ? (
          <p>
            <a href={`${page}?before=${timeline.nextBefore.getTime()}`}>Раньше →</a>
          </p>
        ) : null}
      </Layout>,
    )
  })

  // The forms' actions go back to the customer's page, with the engine's reason when it refuses.
  const action = (path: string, act: (customerId: string, form: Record<string, string | File>) => Promise<string>) =>
    app.post(`/admin/customers/:id/${path}`, async (c) => {
      const customerId = c.req.param('id')
      const page = `/admin/customers/${customerId}`
      const form = await c.req.parseBody()
      try {
        return c.redirect(`${page}?notice=${encodeURIComponent(await act(customerId, form))}`)
      } catch (error) {
        if (!isOrdoError(error) && !(error instanceof FormError)) throw error
        return c.redirect(`${page}?error=${encodeURIComponent(userMessage(error))}`)
      }
    })
  const text = (form: Record<string, string | File>, key: string) => String(form[key] ?? '').trim()
  action('notes', async (customerId, form) => {
    await shop.crm.addNote({ customerId, body: text(form, 'body'), author: MANAGER })
    return 'Заметка добавлена.'
  })
  action('calls', async (customerId, form) => {
    const minutes = Number(text(form, 'minutes') || 0)
    const direction = CALL_DIRECTIONS.find((d) => d === text(form, 'direction')) ?? 'out'
    await shop.crm.logCall({
      customerId,
      direction,
      managerId: MANAGER,
      startedAt: options.now(),
      outcome: text(form, 'outcome'),
      ...(Number.isFinite(minutes) && minutes > 0 ? { durationSeconds: Math.round(minutes * 60) } : {}),
      ...(text(form, 'orderId') ? { orderId: text(form, 'orderId') } : {}),
      ...(text(form, 'note') ? { note: text(form, 'note') } : {}),
    })
    return 'Звонок записан.'
  })
  action('tasks', async (customerId, form) => {
    const dueAt = moscowInstant(text(form, 'dueAt'))
    if (!dueAt) throw new FormError('Укажите срок задачи.')
    const task = await shop.crm.createTask({ customerId, title: text(form, 'title'), dueAt, ...(text(form, 'assignee') ? { assignee: text(form, 'assignee') } : {}) })
    return `Задача «${task.title}» поставлена на ${at(task.dueAt)}.`
  })
  app.post('/admin/customers/:id/tasks/:taskId/done', async (c) => {
    const page = `/admin/customers/${c.req.param('id')}`
    try {
      await shop.crm.completeTask(c.req.param('taskId'), { actor: MANAGER })
    } catch (error) {
      if (!isOrdoError(error)) throw error
      return c.redirect(`${page}?error=${encodeURIComponent(userMessage(error))}`)
    }
    return c.redirect(`${page}?notice=${encodeURIComponent('Задача выполнена.')}`)
  })
}
