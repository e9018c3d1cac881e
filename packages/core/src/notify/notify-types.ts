import type { EmailSender } from './email-sender.js'
import type { MessageStatus } from './message-machine.js'
import type { MessageChannel, NotifyRoute, NotifyTemplates } from './notify-templates.js'
import type { ParsedSmsCallback, SmsGateway } from './sms-gateway.js'

/**
 * The `notify` key of `createCommerce()`: the ports messages go through, the
 * templates, which events send what, consent and quiet hours.
 *
 * @example
 * ```ts
 * const shop = await createCommerce({
 *   storage, currency: 'RUB',
 *   notify: {
 *     sms: smsc({ login, password, sender: 'MyShop' }),
 *     email: smtpEmail({ host: 'smtp.example.ru', from: 'shop@example.ru' }),
 *     templates: { order_placed: { ru: { sms: 'Заказ {number} на {total} принят!' } } },
 *     events: { 'order.confirmed': false },
 *     quietHours: { from: '21:00', to: '09:00' },
 *     fallbackToEmail: true,
 *     unsubscribeUrl: 'https://shop.example/unsubscribe?token={token}',
 *   },
 * })
 * ```
 */
export interface NotifyConfig {
  /** The gateway SMS (confirmation codes, order messages, campaigns) are sent through. */
  sms?: SmsGateway | undefined
  /** The sender e-mails go through. */
  email?: EmailSender | undefined
  /** Locale of messages whose recipient has none (`ru`, `en`). @default 'ru' */
  locale?: string | undefined
  /** Templates merged over the shipped ones ({@link DEFAULT_TEMPLATES}), by name then locale. */
  templates?: NotifyTemplates | undefined
  /**
   * What each trigger sends, merged over {@link DEFAULT_NOTIFY_ROUTES}; `false`
   * turns a trigger off. Keys are event types (your own too) or
   * `shipment.<status>`.
   */
  events?: Record<string, NotifyRoute | false> | undefined
  /** Local times (`HH:mm`) between which marketing waits, in the recipient's time zone; `null`: none. @default { from: '21:00', to: '09:00' } */
  quietHours?: { from: string; to: string } | null | undefined
  /** Time zone of recipients whose own is unknown, and of dates in messages. @default 'Europe/Moscow' */
  defaultTimeZone?: string | undefined
  /** When an SMS fails for good, send the same template by e-mail if the recipient has an address. @default false */
  fallbackToEmail?: boolean | undefined
  /** The SMS sender name. @default the gateway's default */
  sender?: string | undefined
  /** The one-click unsubscribe link of marketing messages, with `{token}`. @default none */
  unsubscribeUrl?: string | undefined
  /** Tracking page by carrier id, with `{trackingNumber}`; merged over {@link DEFAULT_TRACKING_URLS}. */
  trackingUrls?: Record<string, string> | undefined
  /** Cancellation reasons in customer words by locale then reason code, merged over {@link DEFAULT_REASON_TEXTS}. */
  reasons?: Record<string, Record<string, string>> | undefined
  /** Attempts to hand a message to its gateway before it fails. @default 5 */
  maxAttempts?: number | undefined
  /** Minutes between delivery-status polls of sent SMS (gateways with `statusQuery`). @default 10 */
  statusSyncMinutes?: number | undefined
  /**
   * Milliseconds the send job (and the status poll) waits for the SMS gateway
   * before it aborts the call through its `signal`; the attempt is then
   * retried with backoff. Must stay below `worker.leaseMs`, so that no other
   * worker takes the job over while a call is still in flight.
   * @default 15000, or half of `worker.leaseMs` when that is shorter
   */
  timeoutMs?: number | undefined
}

/** A notification message as `shop.notify` shows it. */
export interface Message {
  id: string
  channel: MessageChannel
  /** E.164 phone or e-mail address. */
  recipient: string
  template: string
  locale: string
  subject: string | null
  /** The text as sent (confirmation codes masked). */
  text: string
  kind: 'transactional' | 'marketing'
  orderId: string | null
  customerId: string | null
  /** The event type, `campaign:<id>` or `manual` it came from. */
  source: string | null
  /** The gateway or sender id that took it. */
  gateway: string | null
  status: MessageStatus
  providerMessageId: string | null
  attempts: number
  error: string | null
  /** Not sent before this instant (quiet hours, throttling). */
  notBefore: Date | null
  /** The SMS this e-mail replaced. */
  fallbackOf: string | null
  sentAt: Date | null
  createdAt: Date
  updatedAt: Date
}

/** Who a message goes to. */
export interface NotifyRecipient {
  customerId?: string | undefined
  /** Any format libphonenumber reads; normalised to E.164 (`cart.defaultCountry` for national numbers). */
  phone?: string | undefined
  email?: string | undefined
  /** @default the config's `notify.locale` */
  locale?: string | undefined
  /** IANA zone for quiet hours. @default the config's `notify.defaultTimeZone` */
  timeZone?: string | undefined
  /** Fills `{name}`. */
  name?: string | undefined
}

/** Input of `shop.notify.send()`: one ad-hoc message from a template, or from literal text. */
export interface SendMessageInput {
  to: NotifyRecipient
  /** @default 'sms' when the recipient has a phone and an SMS gateway is configured, else 'email' */
  channel?: MessageChannel | undefined
  /** A template name; or give `text` (and `subject` for e-mail). */
  template?: string | undefined
  variables?: Record<string, string> | undefined
  text?: string | undefined
  subject?: string | undefined
  /** @default 'transactional' */
  kind?: 'transactional' | 'marketing' | undefined
  orderId?: string | undefined
}

/** One recipient of a campaign, with the variables of its template. */
export interface CampaignRecipient extends NotifyRecipient {
  variables?: Record<string, string> | undefined
}

/** Who a campaign goes to, instead of a recipient list: the members of a saved CRM segment (`shop.crm.saveSegment()`), with their contacts. */
export interface CampaignAudience {
  segment: string
}

/** Input of `shop.notify.campaign()`: give `recipients` or an `audience`, not both. */
export interface CampaignInput {
  template: string
  recipients?: readonly CampaignRecipient[] | undefined
  /**
   * A saved segment's members as the recipients, resolved when the campaign runs.
   *
   * @example
   * ```ts
   * await shop.crm.saveSegment({ code: 'lapsed', name: 'Lapsed buyers', filter: { lastOrder: { olderThanDays: 90 } } })
   * await shop.notify.campaign({ template: 'come_back', audience: { segment: 'lapsed' } })
   * ```
   */
  audience?: CampaignAudience | undefined
  /** @default 'sms' for recipients with a phone when an SMS gateway is configured, else 'email' */
  channel?: MessageChannel | undefined
  /** Count only; nothing is written. @default false */
  dryRun?: boolean | undefined
  /** Messages handed over per minute at most. @default 60 */
  throttlePerMinute?: number | undefined
}

/** What a campaign queued (or, dry, would queue) and whom it skipped, by reason. */
export interface CampaignResult {
  campaignId: string | null
  dryRun: boolean
  total: number
  queued: number
  skipped: { noConsent: number; noAddress: number; invalidAddress: number }
  /** When the first and last messages go (throttling and quiet hours applied); null when none. */
  firstAt: Date | null
  lastAt: Date | null
}

/** Marketing consent of a recipient's addresses, with the one-click unsubscribe tokens. */
export interface ConsentState {
  sms?: { address: string; marketing: boolean; unsubscribeToken: string } | undefined
  email?: { address: string; marketing: boolean; unsubscribeToken: string } | undefined
}

/** What `shop.notify.handleCallback()` did; answer the gateway with `response`. */
export type NotifyCallbackResult =
  | { outcome: 'applied'; applied: number; ignored: number; unknown: number; unsubscribed: number; response: ParsedSmsCallback['response'] }
  | { outcome: 'rejected'; reason: string; response: ParsedSmsCallback['response'] }

/**
 * `shop.notify`: messages to customers by SMS and e-mail, their statuses,
 * consent and campaigns. Order, payment, shipment and loyalty events queue
 * messages by themselves (see {@link NotifyConfig}).
 */
export interface NotifyApi {
  /** Messages, newest first, filtered by order, customer or status; at most `limit` (default 100). */
  messages(filter?: { orderId?: string; customerId?: string; status?: MessageStatus; limit?: number }): Promise<Message[]>
  /** One message, or `undefined`. */
  get(messageId: string): Promise<Message | undefined>
  /** Queues one message now; a job hands it to the gateway. */
  send(input: SendMessageInput): Promise<Message>
  /** Reads a gateway's delivery-report callback and moves message statuses (and applies STOP replies). */
  handleCallback(gatewayId: string, request: { headers: Record<string, string | undefined>; rawBody: string; remoteAddress?: string | null }): Promise<NotifyCallbackResult>
  /** Asks the SMS gateway for the status of sent messages (also a recurring job). */
  syncStatuses(): Promise<{ checked: number; applied: number }>
  /** Sends a template to the given recipients: consent, quiet hours and throttling applied; `dryRun` only counts. */
  campaign(input: CampaignInput): Promise<CampaignResult>
  /** Records marketing consent of a recipient's phone and/or e-mail. */
  setConsent(recipient: { customerId?: string; phone?: string; email?: string }, consent: { marketingSms?: boolean; marketingEmail?: boolean }): Promise<ConsentState>
  /** Withdraws marketing consent by the token of a one-click unsubscribe link. Repeating it is harmless. */
  unsubscribe(token: string): Promise<{ address: string; channel: MessageChannel }>
}
