import { OrdoError } from '../errors.js'
import { CURRENCIES } from '../money/index.js'

/** The texts of one template in one locale: an SMS text and/or an e-mail (subject, text, optional HTML). */
export interface TemplateText {
  /** The SMS text. */
  sms?: string | undefined
  /** The e-mail subject; an e-mail goes only when both `subject` and `email` are set. */
  subject?: string | undefined
  /** The e-mail's plain-text body. */
  email?: string | undefined
  /** The e-mail's HTML body (variables are HTML-escaped in it). */
  html?: string | undefined
}

/** Templates by name, then by locale (`ru`, `en`…). */
export type NotifyTemplates = Record<string, Record<string, TemplateText>>

/** A channel a message goes through. */
export const MESSAGE_CHANNELS = ['sms', 'email'] as const
/** One of {@link MESSAGE_CHANNELS}. */
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number]

/** What one trigger sends: a template through some channels; `marketing` messages need opt-in and respect quiet hours. */
export interface NotifyRoute {
  template: string
  /** @default ['sms', 'email'] (each one that is configured and has an address and a text) */
  channels?: readonly MessageChannel[] | undefined
  /** @default 'transactional' */
  kind?: 'transactional' | 'marketing' | undefined
}

/** Variables every template may use besides its trigger's. */
export const COMMON_TEMPLATE_VARIABLES = ['name', 'unsubscribeUrl'] as const

/**
 * The notification triggers core knows, with the variables their templates
 * may use. A trigger is a domain event type, or `shipment.<status>` for a
 * shipment reaching a status. Loyalty triggers are matched by name.
 */
export const NOTIFY_TRIGGERS = {
  'order.placed': ['number', 'total'],
  'order.confirmation_code': ['number', 'code'],
  'order.confirmed': ['number'],
  'order.paid': ['number', 'total'],
  'shipment.handed_over': ['number', 'carrier', 'trackingNumber', 'trackingUrl'],
  'shipment.at_pickup_point': ['number', 'pointName', 'pointAddress', 'storageUntil'],
  'shipment.delivered': ['number'],
  'order.cancelled': ['number', 'reason'],
  'payment.refunded': ['number', 'amount'],
  'loyalty.points_earned': ['number', 'points', 'balance'],
  'loyalty.points_expiring': ['points', 'expiresAt'],
} as const satisfies Record<string, readonly string[]>

/** One of the triggers in {@link NOTIFY_TRIGGERS}. */
export type NotifyTrigger = keyof typeof NOTIFY_TRIGGERS

/** What each trigger sends unless the config's `notify.events` says otherwise. */
export const DEFAULT_NOTIFY_ROUTES: Readonly<Record<NotifyTrigger, NotifyRoute>> = {
  'order.placed': { template: 'order_placed' },
  'order.confirmation_code': { template: 'confirmation_code', channels: ['sms'] },
  'order.confirmed': { template: 'order_confirmed' },
  'order.paid': { template: 'order_paid' },
  'shipment.handed_over': { template: 'shipment_handed_over' },
  'shipment.at_pickup_point': { template: 'shipment_ready_for_pickup' },
  'shipment.delivered': { template: 'order_delivered' },
  'order.cancelled': { template: 'order_cancelled' },
  'payment.refunded': { template: 'refund_done' },
  'loyalty.points_earned': { template: 'points_earned' },
  'loyalty.points_expiring': { template: 'points_expiring' },
}

/** The templates Ordo ships, in Russian and English. */
export const DEFAULT_TEMPLATES: NotifyTemplates = {
  order_placed: {
    ru: { sms: 'Заказ {number} принят, сумма {total}. Мы свяжемся с вами для подтверждения.', subject: 'Заказ {number} принят', email: 'Здравствуйте, {name}!\n\nВаш заказ {number} на сумму {total} принят. Мы свяжемся с вами для подтверждения.' },
    en: { sms: 'Order {number} received, total {total}. We will be in touch to confirm it.', subject: 'Order {number} received', email: 'Hello {name},\n\nYour order {number} for {total} has been received. We will be in touch to confirm it.' },
  },
  confirmation_code: {
    ru: { sms: 'Код подтверждения заказа {number}: {code}' },
    en: { sms: 'Confirmation code for order {number}: {code}' },
  },
  order_confirmed: {
    ru: { sms: 'Заказ {number} подтверждён.', subject: 'Заказ {number} подтверждён', email: 'Здравствуйте, {name}!\n\nВаш заказ {number} подтверждён. Мы сообщим, когда передадим его в доставку.' },
    en: { sms: 'Order {number} is confirmed.', subject: 'Order {number} confirmed', email: 'Hello {name},\n\nYour order {number} is confirmed. We will let you know when it ships.' },
  },
  order_paid: {
    ru: { sms: 'Оплата заказа {number} на сумму {total} получена. Спасибо!', subject: 'Заказ {number} оплачен', email: 'Здравствуйте, {name}!\n\nМы получили оплату заказа {number} на сумму {total}. Спасибо!' },
    en: { sms: 'Payment of {total} for order {number} received. Thank you!', subject: 'Order {number} paid', email: 'Hello {name},\n\nWe have received {total} for order {number}. Thank you!' },
  },
  shipment_handed_over: {
    ru: { sms: 'Заказ {number} передан в службу доставки {carrier}. Отследить: {trackingUrl}', subject: 'Заказ {number} в пути', email: 'Здравствуйте, {name}!\n\nЗаказ {number} передан в службу доставки {carrier}, трек-номер {trackingNumber}.\nОтследить: {trackingUrl}' },
    en: { sms: 'Order {number} is on its way with {carrier}. Track it: {trackingUrl}', subject: 'Order {number} shipped', email: 'Hello {name},\n\nOrder {number} has been handed to {carrier}, tracking number {trackingNumber}.\nTrack it: {trackingUrl}' },
  },
  shipment_ready_for_pickup: {
    ru: { sms: 'Заказ {number} ждёт вас в пункте выдачи: {pointAddress}. Срок хранения до {storageUntil}.', subject: 'Заказ {number} ждёт в пункте выдачи', email: 'Здравствуйте, {name}!\n\nЗаказ {number} прибыл в пункт выдачи {pointName}: {pointAddress}.\nЗаберите его до {storageUntil}.' },
    en: { sms: 'Order {number} is ready for pickup at {pointAddress}. Kept until {storageUntil}.', subject: 'Order {number} is ready for pickup', email: 'Hello {name},\n\nOrder {number} has arrived at {pointName}: {pointAddress}.\nPlease collect it by {storageUntil}.' },
  },
  order_delivered: {
    ru: { sms: 'Заказ {number} получен. Спасибо за покупку!', subject: 'Заказ {number} получен', email: 'Здравствуйте, {name}!\n\nЗаказ {number} получен. Спасибо за покупку!' },
    en: { sms: 'Order {number} delivered. Thank you for shopping with us!', subject: 'Order {number} delivered', email: 'Hello {name},\n\nOrder {number} has been delivered. Thank you for shopping with us!' },
  },
  order_cancelled: {
    ru: { sms: 'Заказ {number} отменён: {reason}.', subject: 'Заказ {number} отменён', email: 'Здравствуйте, {name}!\n\nЗаказ {number} отменён: {reason}.' },
    en: { sms: 'Order {number} was cancelled: {reason}.', subject: 'Order {number} cancelled', email: 'Hello {name},\n\nOrder {number} was cancelled: {reason}.' },
  },
  refund_done: {
    ru: { sms: 'Возврат {amount} по заказу {number} оформлен.', subject: 'Возврат по заказу {number}', email: 'Здравствуйте, {name}!\n\nМы вернули {amount} по заказу {number}. Деньги поступят тем же способом, которым вы платили.' },
    en: { sms: 'Refund of {amount} for order {number} is done.', subject: 'Refund for order {number}', email: 'Hello {name},\n\nWe have refunded {amount} for order {number}, to the way you paid.' },
  },
  points_earned: {
    ru: { sms: 'Начислено {points} баллов за заказ {number}.', subject: 'Вам начислены баллы', email: 'Здравствуйте, {name}!\n\nЗа заказ {number} начислено {points} баллов.' },
    en: { sms: 'You earned {points} points for order {number}.', subject: 'You earned points', email: 'Hello {name},\n\nYou earned {points} points for order {number}.' },
  },
  points_expiring: {
    ru: { sms: '{points} баллов сгорят {expiresAt}. Успейте потратить!', subject: 'Баллы скоро сгорят', email: 'Здравствуйте, {name}!\n\n{points} баллов сгорят {expiresAt}. Успейте потратить их на следующий заказ.' },
    en: { sms: '{points} points expire on {expiresAt}. Use them before then!', subject: 'Your points expire soon', email: 'Hello {name},\n\n{points} points expire on {expiresAt}. Use them on your next order.' },
  },
}

/** Cancellation reasons in the customer's words, by locale; unknown reasons read as `other`. */
export const DEFAULT_REASON_TEXTS: Record<string, Record<string, string>> = {
  ru: {
    no_answer: 'мы не смогли до вас дозвониться',
    out_of_stock: 'товара не оказалось в наличии',
    bought_elsewhere: 'по вашей просьбе',
    price_not_suitable: 'по вашей просьбе',
    delivery_not_suitable: 'по вашей просьбе',
    customer_request: 'по вашей просьбе',
    fraud_suspected: 'заказ не прошёл проверку',
    reservation_expired: 'заказ не был подтверждён или оплачен вовремя',
    other: 'по решению магазина',
  },
  en: {
    no_answer: 'we could not reach you by phone',
    out_of_stock: 'the goods are out of stock',
    bought_elsewhere: 'at your request',
    price_not_suitable: 'at your request',
    delivery_not_suitable: 'at your request',
    customer_request: 'at your request',
    fraud_suspected: 'the order did not pass our checks',
    reservation_expired: 'the order was not confirmed or paid in time',
    other: 'by the shop',
  },
}

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g

/** The variable names a template text uses. */
export function templateVariables(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!)
}

/** Fills `{variables}`; a missing one renders empty. With `html`, values are HTML-escaped. */
export function renderTemplate(text: string, variables: Readonly<Record<string, string>>, html = false): string {
  return text.replace(PLACEHOLDER, (_m, name: string) => {
    const value = variables[name] ?? ''
    return html ? escapeHtml(value) : value
  })
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** Merges the config's templates over the shipped ones, locale by locale and field by field. */
export function mergeTemplates(base: NotifyTemplates, overrides: NotifyTemplates | undefined): NotifyTemplates {
  const merged: NotifyTemplates = {}
  for (const [name, locales] of Object.entries(base)) merged[name] = { ...locales }
  for (const [name, locales] of Object.entries(overrides ?? {})) {
    const target = (merged[name] ??= {})
    for (const [locale, text] of Object.entries(locales)) target[locale] = { ...target[locale], ...text }
  }
  return merged
}

/**
 * Checks every template a route uses against its trigger's variables (plus
 * {@link COMMON_TEMPLATE_VARIABLES}); an unknown variable or a route to a
 * missing template is an `OrdoError('INVALID_CONFIG')`. Templates no known
 * trigger uses (campaigns) are checked when they are sent.
 */
export function checkTemplates(templates: NotifyTemplates, routes: Readonly<Record<string, NotifyRoute>>): void {
  const allowedByTemplate = new Map<string, Set<string> | null>()
  for (const [trigger, route] of Object.entries(routes)) {
    if (!templates[route.template]) {
      throw new OrdoError('INVALID_CONFIG', `notify.events["${trigger}"] uses the template "${route.template}", which does not exist.`, {
        details: { key: `notify.events.${trigger}`, template: route.template },
      })
    }
    const known = (NOTIFY_TRIGGERS as Record<string, readonly string[]>)[trigger]
    const previous = allowedByTemplate.get(route.template)
    // A custom event's variables are its payload's fields: unknown until it is emitted.
    if (!known || previous === null) {
      allowedByTemplate.set(route.template, null)
      continue
    }
    // A template shared by several triggers may only use what all of them provide.
    const allowed = new Set([...known, ...COMMON_TEMPLATE_VARIABLES])
    allowedByTemplate.set(route.template, previous ? new Set([...previous].filter((v) => allowed.has(v))) : allowed)
  }
  for (const [name, allowed] of allowedByTemplate) {
    if (!allowed) continue
    for (const [locale, text] of Object.entries(templates[name]!)) {
      for (const [field, value] of Object.entries(text)) {
        if (typeof value !== 'string') continue
        for (const variable of templateVariables(value)) {
          if (!allowed.has(variable)) {
            throw new OrdoError('INVALID_CONFIG', `Template "${name}" (${locale}, ${field}) uses the unknown variable {${variable}}; it may use ${[...allowed].map((v) => `{${v}}`).join(', ')}.`, {
              details: { key: `notify.templates.${name}.${locale}.${field}`, variable, allowed: [...allowed] },
            })
          }
        }
      }
    }
  }
}

/**
 * Formats integer minor units as money in a locale, exactly: the amount is
 * turned into a decimal string by integer arithmetic, so no float is involved.
 * Whole amounts are shown without decimals (`10 000 ₽`).
 */
export function formatAmount(amount: number, currency: string, locale: string): string {
  const digits = CURRENCIES[currency as keyof typeof CURRENCIES]?.minorUnits ?? 2
  const scale = 10n ** BigInt(digits)
  const minor = BigInt(amount)
  const negative = minor < 0n
  const abs = negative ? -minor : minor
  const whole = abs / scale
  const fraction = abs % scale
  const decimal = `${negative ? '-' : ''}${whole}${digits > 0 ? `.${fraction.toString().padStart(digits, '0')}` : ''}`
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: fraction === 0n ? 0 : digits,
    maximumFractionDigits: digits,
  })
  // Intl formats decimal strings exactly (Intl.NumberFormat v3).
  return format.format(decimal as unknown as number)
}

/** Formats a date (day and month, plus the year when it is not the current one) in a locale and time zone. */
export function formatDate(at: Date, locale: string, timeZone: string, now: Date): string {
  const year = (d: Date) => new Intl.DateTimeFormat('en', { year: 'numeric', timeZone }).format(d)
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'long',
    ...(year(at) === year(now) ? {} : { year: 'numeric' }),
    timeZone,
  }).format(at)
}
