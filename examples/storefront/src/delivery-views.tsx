import type { DeliveryChoice, DeliveryMethodType, DeliveryOption, DeliveryQuote, DeliveryServices, PickupPoint, Shipment, ShipmentEvent, ShipmentStatus } from '@ordo/core'
import { isOrdoError, SHIPMENT_MACHINE } from '@ordo/core'
import { rub } from './format.js'
import { locale, t } from './i18n.js'

/** The delivery kinds in the order the checkout page shows them. */
export const METHOD_ORDER: readonly DeliveryMethodType[] = ['courier_door', 'pickup_point', 'parcel_locker', 'showroom_pickup', 'post']

/** How a delivery kind is titled on the checkout page, in the request's language. */
export const methodTitle = (type: DeliveryMethodType) => t(`method.${type}`)

/** A shipment status in the request's language. */
export const shipmentStatus = (status: ShipmentStatus) => t(`shipment.${status}`)

// What the customer reads when a delivery choice is refused, by the engine's reason.
const UNAVAILABLE: Record<string, string> = {
  cod_not_accepted: 'Здесь не принимают наложенный платёж. Выберите другой пункт или оплатите заказ онлайн.',
  payment_not_accepted: 'Здесь нельзя оплатить заказ выбранным способом. Выберите другой пункт или способ оплаты.',
  parcel_too_big: 'Заказ не поместится в этот постамат. Выберите другой постамат или пункт выдачи.',
  slot_full: 'На это время курьер уже занят. Выберите другой интервал.',
  slot_required: 'Выберите интервал доставки.',
  slot_unknown: 'Такого интервала доставки нет. Выберите другой.',
  point_required: 'Выберите пункт выдачи из списка.',
  point_unknown: 'Этот пункт выдачи не обслуживает заказ. Выберите другой.',
  address_required: 'Укажите адрес доставки.',
  try_on_unsupported: 'Здесь нет примерки.',
  unknown_option: 'Этот способ доставки больше не доступен. Выберите другой.',
}

/** A refused delivery, payment or checkout step as the customer should read it (the engine's own words kept in brackets). */
export function userMessage(error: unknown): string {
  if (!isOrdoError(error)) return error instanceof Error ? error.message : String(error)
  const reason = typeof error.details?.reason === 'string' ? error.details.reason : null
  if (error.code === 'DELIVERY_UNAVAILABLE' && reason && UNAVAILABLE[reason]) return `${UNAVAILABLE[reason]} (${error.message})`
  if (error.code === 'PAYMENT_METHOD_UNAVAILABLE' && /cash on delivery/.test(error.message)) return `${UNAVAILABLE.cod_not_accepted} (${error.message})`
  if (error.code === 'CART_INCOMPLETE' && error.details?.missing === 'delivery') return 'Выберите способ доставки.'
  return error.message
}

/** `2026-03-12` → `12 марта`. */
export function day(iso: string): string {
  return new Date(`${iso}T00:00:00Z`).toLocaleDateString(locale(), { day: 'numeric', month: 'long', timeZone: 'UTC' })
}

function dates(estimate: { from: string; to: string }): string {
  return estimate.from === estimate.to ? day(estimate.from) : `${day(estimate.from)} – ${day(estimate.to)}`
}

function accepts(services: DeliveryServices): string {
  const list = [services.cod ? t('delivery.cash') : null, services.card ? t('delivery.card') : null, services.tryOn ? t('delivery.tryOnShort') : null, services.partialBuyout ? t('delivery.partial') : null]
  return list.filter(Boolean).join(', ') || t('delivery.prepaidOnly')
}

function PointChoice(props: { point: PickupPoint; checked: boolean }) {
  const p = props.point
  return (
    <label style="display:block;margin:4px 0">
      <input type="radio" name="pickupPointId" value={p.id} checked={props.checked} required /> <strong>{p.name}</strong>, {p.address.line}
      {p.workingHours ? <span class="muted"> · {p.workingHours}</span> : null}
      <span class="muted"> · {t('delivery.accepts', { list: accepts(p.services) })}</span>
      {p.services.cod ? null : <span class="muted" data-no-cod={p.id}> · {t('delivery.noCod')}</span>}
    </label>
  )
}

function OptionForm(props: { option: DeliveryOption; city: string; postalCode: string; street: string; chosen: DeliveryChoice | null }) {
  const { option, chosen } = props
  const isChosen = chosen?.optionId === option.id
  const needsAddress = option.methodType === 'courier_door' || option.methodType === 'post'
  return (
    <form method="post" action="/cart/delivery" class="card" style="margin:8px 0" data-option={option.id}>
      <input type="hidden" name="optionId" value={option.id} />
      <input type="hidden" name="city" value={props.city} />
      <input type="hidden" name="postalCode" value={props.postalCode} />
      <div>
        <strong>{option.carrierName}</strong> — {option.name}: <span class="price">{option.price === 0 ? t('delivery.free') : rub(option.price)}</span>
        <span class="muted"> · {option.methodType === 'showroom_pickup' ? t('delivery.canPickUp') : t('delivery.willDeliver')} {dates(option.estimate)}</span>
      </div>
      {needsAddress ? <input name="street" placeholder={t('delivery.street')} value={props.street} required style="width:100%;margin-top:6px" /> : null}
      {option.slots ? (
        <label style="display:block;margin-top:6px">
          {t('delivery.when')}{' '}
          <select name="slot" required>
            {option.slots.map((s) => (
              <option value={s.id} disabled={s.left <= 0} selected={chosen?.slot?.id === s.id}>
                {day(s.date)}, {s.from}–{s.to}
                {s.left <= 0 ? t('delivery.busy') : ''}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {option.pickupPoints && option.pickupPoints.length > 0 ? (
        <div style="margin-top:6px">
          {option.pickupPoints.map((p) => (
            <PointChoice point={p} checked={isChosen && chosen?.pickupPoint?.id === p.id} />
          ))}
        </div>
      ) : null}
      {option.services.tryOn && option.methodType !== 'showroom_pickup' ? (
        <label style="display:block;margin-top:6px">
          <input type="checkbox" name="tryOn" value="on" checked={isChosen && chosen?.tryOn} /> {t('delivery.tryOn')}
        </label>
      ) : null}
      <button style="margin-top:6px">{isChosen ? t('delivery.chosen') : t('delivery.choose')}</button>
    </form>
  )
}

/** The delivery step of the cart page: where to, the options grouped by kind, couriers that did not answer. */
export function DeliveryPicker(props: { quote: DeliveryQuote | null; city: string; postalCode: string; street: string; chosen: DeliveryChoice | null; carrierNames: Record<string, string> }) {
  const { quote } = props
  // One tariff may serve both points and lockers under the same option id, and
  // the engine then matches a choice against the first of them: offer that one only.
  const seen = new Set<string>()
  const options = quote?.options.filter((o) => !seen.has(o.id) && seen.add(o.id)) ?? []
  return (
    <section class="card" style="margin-top:24px" id="delivery">
      <h2 style="margin-top:0">{t('delivery.title')}</h2>
      <form method="get" action="/cart#delivery">
        <input name="city" placeholder={t('delivery.city')} value={props.city} required /> <input name="postalCode" placeholder={t('delivery.postalCode')} value={props.postalCode} />{' '}
        <button>{t('delivery.showOptions')}</button>
      </form>
      {props.chosen ? <ChosenDelivery choice={props.chosen} /> : null}
      {quote ? (
        <>
          {options.length === 0 ? <p>{t('delivery.none')}</p> : null}
          {METHOD_ORDER.map((type) => {
            const ofType = options.filter((o) => o.methodType === type)
            return ofType.length === 0 ? null : (
              <div data-method={type}>
                <h3>{methodTitle(type)}</h3>
                {ofType.map((option) => (
                  <OptionForm option={option} city={props.city} postalCode={props.postalCode} street={props.street} chosen={props.chosen} />
                ))}
              </div>
            )
          })}
          {quote.failures.map((f) => (
            <p class="muted" data-failed={f.carrier} title={f.reason}>
              {t('delivery.failed', { carrier: props.carrierNames[f.carrier] ?? f.carrier })}
            </p>
          ))}
          {quote.failures.length > 0 && !props.postalCode ? <p class="muted">{t('delivery.needPostal')}</p> : null}
        </>
      ) : null}
    </section>
  )
}

/** The delivery chosen on a cart or an order. */
export function ChosenDelivery(props: { choice: DeliveryChoice }) {
  const c = props.choice
  const where = c.pickupPoint ? `${c.pickupPoint.name}, ${c.pickupPoint.address.city}, ${c.pickupPoint.address.line}` : c.address ? [c.address.city, c.address.street].filter(Boolean).join(', ') : ''
  return (
    <p data-chosen={c.optionId}>
      {t('delivery.chosenLabel')}: <strong>{c.carrierName}</strong>, {c.name}
      {where ? ` — ${where}` : ''}
      {c.slot ? `, ${day(c.slot.date)} ${c.slot.from}–${c.slot.to}` : ''}
      {c.tryOn ? `, ${t('delivery.withTryOn')}` : ''}. {c.price === 0 ? t('delivery.freeCapital') : rub(c.price)}, {dates(c.estimate)}.
    </p>
  )
}

function History(props: { events: ShipmentEvent[]; raw: boolean }) {
  return (
    <ol>
      {props.events.map((e) => (
        <li>
          {e.at.toLocaleString(locale(), { timeZone: 'Europe/Moscow' })}: <strong>{shipmentStatus(e.status)}</strong>
          {e.description ? ` — ${e.description}` : ''}
          {props.raw ? (
            <span class="muted">
              {' '}
              [{e.rawStatus ?? '—'}] {e.source}
            </span>
          ) : null}
        </li>
      ))}
    </ol>
  )
}

/** The customer's view of an order's shipments: carrier, tracking number, status, history. */
export function ShipmentsForCustomer(props: { shipments: { shipment: Shipment; history: ShipmentEvent[] }[]; carrierNames: Record<string, string> }) {
  if (props.shipments.length === 0) return null
  return (
    <>
      <h2>{t('delivery.title')}</h2>
      {props.shipments.map(({ shipment: s, history }) => (
        <div class="card" style="margin-bottom:12px" data-shipment={s.number}>
          <div>
            {s.direction === 'return' ? t('delivery.return') : t('delivery.parcel')} № {s.number}: {props.carrierNames[s.carrier] ?? s.carrier} —{' '}
            <strong data-shipment-status={s.status}>{shipmentStatus(s.status)}</strong>
          </div>
          {s.trackingNumber ? <div>{t('delivery.tracking')}: <strong>{s.trackingNumber}</strong></div> : null}
          {s.pickupPoint ? <div class="muted">{s.pickupPoint.name}, {s.pickupPoint.address.line}{s.storageUntil ? `, ${t('delivery.keptUntil', { date: s.storageUntil.toLocaleDateString(locale(), { timeZone: 'Europe/Moscow' }) })}` : ''}</div> : null}
          {s.slot ? <div class="muted">{day(s.slot.date)}, {s.slot.from}–{s.slot.to}</div> : null}
          <History events={history} raw={false} />
        </div>
      ))}
    </>
  )
}

function can(status: ShipmentStatus, transition: string): boolean {
  const from = SHIPMENT_MACHINE.transitions[transition]?.from
  return Array.isArray(from) && from.includes(status)
}

function Action(props: { shipment: Shipment; action: string; label: string; transition?: string }) {
  return (
    <form class="inline" method="post" action={`/admin/shipments/${props.shipment.id}/${props.action}`}>
      {props.transition ? <input type="hidden" name="transition" value={props.transition} /> : null}
      <button>{props.label}</button>{' '}
    </form>
  )
}

/** The back office's panel of one shipment: what it carries, the buttons for its next steps, the outcome form, its tracking history with raw codes. */
export function ShipmentPanel(props: { shipment: Shipment; history: ShipmentEvent[]; carrierName: string; labels: boolean; demo: boolean }) {
  const s = props.shipment
  const own = s.carrier === 'own'
  const showroom = s.carrier === 'showroom'
  const carrier = !own && !showroom
  const outcomeOpen = s.direction === 'outbound' && ['handed_over', 'in_transit', 'at_pickup_point'].includes(s.status)
  return (
    <div class="card" style="margin-bottom:16px" data-shipment={s.number}>
      <h3 style="margin-top:0">
        {s.direction === 'return' ? 'Возврат' : 'Отправление'} {s.number} · {props.carrierName} · <span data-shipment-status={s.status}>{shipmentStatus(s.status)}</span>
        {s.rawStatus ? <span class="muted"> [{s.rawStatus}]</span> : null}
      </h3>
      <p style="margin:0">
        {s.trackingNumber ? <>Трек-номер <strong>{s.trackingNumber}</strong> · </> : null}
        {s.codAmount > 0 ? <span data-cod={s.codAmount}>наложенный платёж {rub(s.codAmount)} · </span> : null}
        {s.pickupPoint ? `${s.pickupPoint.name} (${s.pickupPoint.id}), ${s.pickupPoint.address.line}` : s.address ? [s.address.city, s.address.street].filter(Boolean).join(', ') : ''}
        {s.slot ? ` · ${day(s.slot.date)} ${s.slot.from}–${s.slot.to}` : ''}
        {s.services.tryOn ? ' · с примеркой' : ''}
      </p>
      <div style="margin:8px 0">
        {s.status === 'pending' ? (
          <form class="inline" method="post" action={`/admin/shipments/${s.id}/pack`}>
            <input name="weightGrams" type="number" min="1" placeholder="Вес, г" style="width:100px" /> <button>Упаковать</button>{' '}
          </form>
        ) : null}
        {carrier && s.status === 'ready_to_ship' ? <Action shipment={s} action="register" label={`Зарегистрировать в ${props.carrierName}`} /> : null}
        {own && can(s.status, 'hand_over') && s.status !== 'registered' ? <Action shipment={s} action="transition" transition="hand_over" label="Передать курьеру" /> : null}
        {showroom && can(s.status, 'arrive') && s.status !== 'registered' ? <Action shipment={s} action="transition" transition="arrive" label="Готов к выдаче в шоуруме" /> : null}
        {!carrier && s.direction === 'outbound' && s.status !== 'ready_to_ship' && can(s.status, 'deliver') ? <Action shipment={s} action="transition" transition="deliver" label="Доставлен" /> : null}
        {s.direction === 'return' && can(s.status, 'receive_return') ? <Action shipment={s} action="receive-return" label="Получен на складе" /> : null}
        {carrier && props.labels && s.carrierShipmentId ? (
          <a href={`/admin/shipments/${s.id}/label.pdf`} data-label>
            Этикетка (PDF)
          </a>
        ) : null}
      </div>
      {carrier && props.demo && s.carrierShipmentId && s.direction === 'outbound' && !['delivered', 'partially_delivered', 'returned', 'cancelled', 'lost'].includes(s.status) ? (
        <form method="post" action={`/admin/shipments/${s.id}/demo-advance`} style="margin:8px 0">
          <span class="muted">Демо: в {props.carrierName} посылка </span>
          <select name="status">
            <option value="handed_over">принята</option>
            <option value="in_transit">в пути</option>
            <option value="at_pickup_point">в пункте выдачи</option>
            <option value="delivered">вручена</option>
            <option value="refused">не вручена</option>
          </select>{' '}
          <button>Изменить статус у перевозчика</button>
        </form>
      ) : null}
      <table>
        <thead>
          <tr>
            <th>Товар</th>
            <th class="num">Кол-во</th>
            <th class="num">Выкуплено</th>
            <th class="num">Отказ</th>
          </tr>
        </thead>
        <tbody>
          {s.lines.map((l) => (
            <tr>
              <td>
                {l.name} <span class="muted">{l.sku}</span>
              </td>
              <td class="num">{l.quantity}</td>
              <td class="num">{l.keptQuantity ?? '—'}</td>
              <td class="num">{l.refusedQuantity ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {carrier && props.demo && s.carrierShipmentId && s.services.partialBuyout && outcomeOpen ? (
        <form method="post" action={`/admin/shipments/${s.id}/demo-partial`} style="margin-top:8px" data-demo-partial>
          <strong>Демо: частичный выкуп в {props.carrierName}:</strong>{' '}
          {s.lines.map((l) => (
            <label style="margin-right:12px">
              {l.sku}: выкуплено <input type="number" name={`kept:${l.orderLineId}`} value={String(l.quantity)} min="0" max={String(l.quantity)} style="width:60px" />
            </label>
          ))}
          <button>Перевозчик сообщает о выкупе</button>
        </form>
      ) : null}
      {outcomeOpen ? (
        <form method="post" action={`/admin/shipments/${s.id}/outcome`} style="margin-top:8px">
          <strong>Результат вручения:</strong>{' '}
          {s.lines.map((l) => (
            <label style="margin-right:12px">
              {l.sku}: выкуплено <input type="number" name={`kept:${l.orderLineId}`} value={String(l.quantity)} min="0" max={String(l.quantity)} style="width:60px" />
            </label>
          ))}
          <input name="reason" placeholder="Причина отказа" /> <button>Записать</button>
        </form>
      ) : null}
      <h4>История</h4>
      <History events={props.history} raw={true} />
    </div>
  )
}
