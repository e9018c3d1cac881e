import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { z } from 'zod'
import { toE164 } from '../cart/contact-schema.js'
import { OrdoError } from '../errors.js'
import type { AnyDomainEvent } from '../events/domain-events.js'
import type { EventHandler } from '../events/event-handler.js'
import { backoffDelay, describe } from '../events/outbox-relay.js'
import { scheduleJob } from '../jobs/job-runner.js'
import type { JobDefinition } from '../jobs/job-types.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import { parseInput, parseKey } from '../validation.js'
import { EmailSenderError, SEND_EMAIL_JOB } from './email-sender.js'
import { MESSAGE_STATUSES, TRANSITION_FOR_MESSAGE_STATUS, type MessageStatus } from './message-machine.js'
import type { MessageTable } from './notify-schema.js'
import {
  checkTemplates,
  COMMON_TEMPLATE_VARIABLES,
  DEFAULT_NOTIFY_ROUTES,
  DEFAULT_REASON_TEXTS,
  DEFAULT_TEMPLATES,
  formatDate,
  formatAmount,
  mergeTemplates,
  renderTemplate,
  templateVariables,
  type MessageChannel,
  type NotifyRoute,
  type NotifyTemplates,
} from './notify-templates.js'
import type { CampaignAudience, CampaignRecipient, CampaignResult, ConsentState, Message, NotifyApi, NotifyCallbackResult, NotifyConfig, NotifyRecipient } from './notify-types.js'
import { SEND_SMS_JOB, SmsGatewayError, type SendMessagePayload, type SendSmsPayload, type SmsReply, type SmsStatusReport } from './sms-gateway.js'
import { adaptersFromPlugins } from '../plugin/adapter-plugin.js'
import { affected } from '../storage/sql-helpers.js'

/** Tracking pages of the carriers Ordo has adapters for, with `{trackingNumber}`. */
export const DEFAULT_TRACKING_URLS: Readonly<Record<string, string>> = {
  cdek: 'https://www.cdek.ru/ru/tracking?order_id={trackingNumber}',
  russianpost: 'https://www.pochta.ru/tracking?barcode={trackingNumber}',
}

/** Name of the recurring job that polls the SMS gateway for delivery statuses. */
export const SYNC_STATUSES_JOB = 'notify.sync-statuses'

const STATUS_SYNC_WINDOW_MS = 3 * 24 * 3_600_000
const PRE_HANDOVER = new Set(['pending', 'ready_to_ship', 'registered'])

/** Resolves a campaign's audience (a CRM segment) to its recipients; the CRM module provides it, created after notify. */
export type AudienceResolver = (db: Kysely<Database>, audience: CampaignAudience, now: Date) => Promise<CampaignRecipient[]>

/** What the notify module is created with besides the runtime. */
export interface NotifyModuleOptions {
  /** Resolves `campaign({ audience })`; without it such campaigns are refused with `INVALID_CONFIG`. */
  audience?: AudienceResolver | undefined
}

/** One message to queue: the recipient's address on its channel and what to render. */
export interface QueueMessageInput {
  channel: MessageChannel
  /** Normalised address (E.164 or lower-cased e-mail). */
  recipient: string
  template: string
  locale: string
  variables: Record<string, string>
  /** Variables sent but never stored (masked in the stored text). */
  secrets?: Record<string, string> | undefined
  kind: 'transactional' | 'marketing'
  orderId: string | null
  customerId: string | null
  source: string | null
  notBefore: Date | null
  /** The e-mail to fall back to when this SMS fails for good. */
  fallbackTo?: string | null | undefined
  fallbackOf?: string | null | undefined
  /** Literal texts instead of a template. */
  literal?: { text: string; subject?: string | undefined } | undefined
}

/** What other modules call on notify inside their own unit of work. */
export interface NotifyInternal {
  /** Queues a message and its send job; returns its id, or null when the template has no text for the channel. */
  queue(uow: UnitOfWork, input: QueueMessageInput): Promise<string | null>
  /** Queues an order's SMS confirmation code (the code is masked in the stored text). */
  queueConfirmationCode(uow: UnitOfWork, input: { orderId: string; customerId: string | null; phone: string; number: string; code: string }): Promise<string | null>
  /** Consent of these addresses (E.164 phones, lower-cased e-mails); an address never recorded is absent (no marketing, transactional messages go). */
  consents(db: Kysely<Database>, addresses: readonly string[]): Promise<Map<string, AddressConsent>>
  /** Records one address's consent (a field left out keeps its value); withdrawing marketing emits `notify.unsubscribed`. */
  setConsent(uow: UnitOfWork, input: { address: string; channel: MessageChannel; customerId: string | null; marketing?: boolean | undefined; transactional?: boolean | undefined }): Promise<AddressConsent>
  /** Moves a customer's messages and consent records to another customer (a CRM merge); returns how many of each moved. */
  moveCustomer(uow: UnitOfWork, fromCustomerId: string, toCustomerId: string): Promise<{ messages: number; consents: number }>
  /** A customer's messages created before `before` (epoch ms; null: now), newest first, at most `limit`: what a CRM timeline shows. */
  forTimeline(db: Kysely<Database>, customerId: string, options: { before: number | null; limit: number }): Promise<Message[]>
}

/** What notify records about one address: marketing and transactional consent and the unsubscribe token. */
export interface AddressConsent {
  address: string
  channel: MessageChannel
  customerId: string | null
  marketing: boolean
  transactional: boolean
  /** The token of its one-click unsubscribe link. */
  unsubscribeToken: string
}

const registry = new WeakMap<Runtime, NotifyInternal>()

function toAddressConsent(row: { address: string; channel: MessageChannel; customer_id: string | null; marketing: number; transactional: number; token: string }): AddressConsent {
  return {
    address: row.address,
    channel: row.channel,
    customerId: row.customer_id,
    marketing: Number(row.marketing) === 1,
    transactional: Number(row.transactional) !== 0,
    unsubscribeToken: row.token,
  }
}

/** Queues an order's confirmation code through the notify module of this engine. */
export async function queueConfirmationCode(runtime: Runtime, uow: UnitOfWork, input: Parameters<NotifyInternal['queueConfirmationCode']>[1]): Promise<string | null> {
  const internal = registry.get(runtime)
  if (!internal) throw new OrdoError('INTERNAL', 'The notify module is not set up on this engine.')
  return internal.queueConfirmationCode(uow, input)
}

interface Settings {
  locale: string
  timeZone: string
  templates: NotifyTemplates
  routes: Record<string, NotifyRoute>
  quietHours: { from: number; to: number } | null
  fallbackToEmail: boolean
  maxAttempts: number
  trackingUrls: Record<string, string>
  reasons: Record<string, Record<string, string>>
  defaultCountry: string
  timeoutMs: number
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number)
  return h! * 60 + m!
}

function resolveSettings(runtime: Runtime): Settings {
  const config: NotifyConfig = runtime.config.notify ?? {}
  const templates = mergeTemplates(DEFAULT_TEMPLATES, config.templates)
  const routes: Record<string, NotifyRoute> = { ...DEFAULT_NOTIFY_ROUTES }
  for (const [trigger, route] of Object.entries(config.events ?? {})) {
    if (route === false) delete routes[trigger]
    else routes[trigger] = route
  }
  checkTemplates(templates, routes)
  const timeZone = config.defaultTimeZone ?? 'Europe/Moscow'
  try {
    new Intl.DateTimeFormat('en', { timeZone })
  } catch (cause) {
    throw new OrdoError('INVALID_CONFIG', `notify.defaultTimeZone "${timeZone}" is not an IANA time zone.`, { details: { key: 'notify.defaultTimeZone' }, cause })
  }
  const leaseMs = runtime.worker.leaseMs
  const timeoutMs = config.timeoutMs ?? Math.min(15_000, Math.floor(leaseMs / 2))
  // A call outliving the job's lease lets a second worker run the job while the first still waits: a duplicate at gateways that do not de-duplicate.
  if (timeoutMs >= leaseMs) {
    throw new OrdoError('INVALID_CONFIG', `notify.timeoutMs (${timeoutMs}) must be below worker.leaseMs (${runtime.worker.leaseMs}).`, { details: { key: 'notify.timeoutMs' } })
  }
  const quiet = config.quietHours === undefined ? { from: '21:00', to: '09:00' } : config.quietHours
  const reasons: Record<string, Record<string, string>> = {}
  for (const [locale, texts] of Object.entries({ ...DEFAULT_REASON_TEXTS, ...config.reasons })) {
    reasons[locale] = { ...DEFAULT_REASON_TEXTS[locale], ...texts }
  }
  return {
    locale: config.locale ?? 'ru',
    timeZone,
    templates,
    routes,
    quietHours: quiet ? { from: minutesOf(quiet.from), to: minutesOf(quiet.to) } : null,
    fallbackToEmail: config.fallbackToEmail ?? false,
    maxAttempts: config.maxAttempts ?? 5,
    trackingUrls: { ...DEFAULT_TRACKING_URLS, ...config.trackingUrls },
    reasons,
    defaultCountry: runtime.config.cart?.defaultCountry ?? 'RU',
    timeoutMs,
  }
}

/**
 * The first instant at or after `at` outside quiet hours in `timeZone`, or
 * `at` itself when it is not within them.
 */
export function afterQuietHours(at: Date, timeZone: string, quiet: { from: number; to: number } | null): Date {
  if (!quiet || quiet.from === quiet.to) return at
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(at)
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  const minute = part('hour') * 60 + part('minute')
  const inQuiet = quiet.from < quiet.to ? minute >= quiet.from && minute < quiet.to : minute >= quiet.from || minute < quiet.to
  if (!inQuiet) return at
  const wait = (quiet.to - minute + 1440) % 1440
  return new Date(at.getTime() + wait * 60_000 - part('second') * 1000 - at.getUTCMilliseconds())
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

function normaliseEmail(email: string | null | undefined): string | null {
  const value = email?.trim().toLowerCase()
  return value && EMAIL.test(value) ? value : null
}

function toMessage(row: MessageTable): Message {
  const time = (v: number | null) => (v === null ? null : new Date(Number(v)))
  return {
    id: row.id,
    channel: row.channel,
    recipient: row.recipient,
    template: row.template,
    locale: row.locale,
    subject: row.subject,
    text: row.text,
    kind: row.kind,
    orderId: row.order_id,
    customerId: row.customer_id,
    source: row.source,
    gateway: row.gateway,
    status: row.status as MessageStatus,
    providerMessageId: row.provider_message_id,
    attempts: Number(row.attempts),
    error: row.error,
    notBefore: time(row.not_before),
    fallbackOf: row.fallback_of,
    sentAt: time(row.sent_at),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  }
}

const recipientSchema = z.strictObject({
  customerId: z.string().min(1).max(64).optional(),
  phone: z.string().min(1).max(64).optional(),
  email: z.string().min(1).max(255).optional(),
  locale: z.string().min(2).max(16).optional(),
  timeZone: z.string().min(1).max(64).optional(),
  name: z.string().max(255).optional(),
})
const channelSchema = z.enum(['sms', 'email'])
const variablesSchema = z.record(z.string(), z.string().max(2000))

/**
 * The notify module: messages (table `ordo_message`, machine `message`), the
 * durable handler that turns domain events into messages, the send jobs,
 * delivery statuses, consent and campaigns.
 */
export function createNotifyModule(runtime: Runtime, options: NotifyModuleOptions = {}): {
  api: NotifyApi
  internal: NotifyInternal
  jobs: Record<string, JobDefinition<any>>
  handlers: EventHandler<any>[]
} {
  const settings = resolveSettings(runtime)
  const config: NotifyConfig = runtime.config.notify ?? {}
  const sms = config.sms
  const email = config.email

  function textFor(template: string, locale: string): { locale: string; text: NonNullable<NotifyTemplates[string][string]> } | null {
    const locales = settings.templates[template]
    if (!locales) return null
    for (const candidate of [locale, settings.locale, 'ru', 'en']) {
      const text = locales[candidate]
      if (text) return { locale: candidate, text }
    }
    return null
  }

  async function consentRow(uow: UnitOfWork, address: string) {
    return uow.db.selectFrom('ordo_notify_consent').selectAll().where('address', '=', address).executeTakeFirst()
  }

  async function hasMarketingConsent(uow: UnitOfWork, address: string): Promise<boolean> {
    return Number((await consentRow(uow, address))?.marketing ?? 0) === 1
  }

  async function unsubscribeUrlFor(uow: UnitOfWork, address: string): Promise<string> {
    const template = config.unsubscribeUrl
    if (!template) return ''
    const row = await consentRow(uow, address)
    return row ? template.replace('{token}', encodeURIComponent(row.token)) : ''
  }

  async function queue(uow: UnitOfWork, input: QueueMessageInput): Promise<string | null> {
    // A code the customer asked for goes even to an address that refused order messages.
    if (input.kind === 'transactional' && input.source !== 'order.confirmation_code_requested') {
      const consent = await consentRow(uow, input.recipient)
      if (consent && Number(consent.transactional) === 0) return null
    }
    let subject: string | null = null
    let text: string
    let html: string | null = null
    let realText: string | undefined
    let locale = input.locale
    if (input.literal) {
      text = input.literal.text
      subject = input.literal.subject ?? null
    } else {
      const found = textFor(input.template, input.locale)
      if (!found) return null
      locale = found.locale
      const variables = { ...input.variables }
      if (input.kind === 'marketing') variables['unsubscribeUrl'] ??= await unsubscribeUrlFor(uow, input.recipient)
      const masked = { ...variables, ...Object.fromEntries(Object.keys(input.secrets ?? {}).map((k) => [k, '*'.repeat(input.secrets![k]!.length)])) }
      if (input.channel === 'sms') {
        if (!found.text.sms) return null
        text = renderTemplate(found.text.sms, masked)
        if (input.secrets) realText = renderTemplate(found.text.sms, { ...variables, ...input.secrets })
      } else {
        if (!found.text.email || !found.text.subject) return null
        subject = renderTemplate(found.text.subject, masked)
        text = renderTemplate(found.text.email, masked)
        html = found.text.html ? renderTemplate(found.text.html, masked, true) : null
      }
    }
    const id = newId()
    const at = uow.now.getTime()
    await uow.db
      .insertInto('ordo_message')
      .values({
        id,
        channel: input.channel,
        recipient: input.recipient,
        template: input.template,
        locale,
        subject,
        text,
        html,
        kind: input.kind,
        order_id: input.orderId,
        customer_id: input.customerId,
        source: input.source,
        gateway: null,
        status: 'queued',
        provider_message_id: null,
        attempts: 0,
        error: null,
        not_before: input.notBefore?.getTime() ?? null,
        fallback_to: input.fallbackTo ?? null,
        variables: JSON.stringify(input.variables),
        fallback_of: input.fallbackOf ?? null,
        sent_at: null,
        created_at: at,
        updated_at: at,
      })
      .execute()
    const payload: SendMessagePayload = realText === undefined ? { messageId: id } : { messageId: id, text: realText }
    await scheduleJob(runtime, uow, input.channel === 'sms' ? SEND_SMS_JOB : SEND_EMAIL_JOB, payload, {
      key: `notify:${id}:1`,
      ...(input.notBefore ? { runAt: input.notBefore } : {}),
    })
    return id
  }

  /** Moves a message through the machine and stores its new status with the patch. */
  async function move(uow: UnitOfWork, row: MessageTable, transition: string, patch: Partial<MessageTable>, reason: string | null = null): Promise<void> {
    const { to } = await uow.transition('message', { entityId: row.id, state: row.status, transition, actor: 'system', reason })
    await uow.db
      .updateTable('ordo_message')
      .set({ ...patch, status: to, updated_at: uow.now.getTime() })
      .where('id', '=', row.id)
      .where('status', '=', row.status)
      .execute()
  }

  /** Fails a message for good; an SMS falls back to e-mail when the shop wants it and an address is known. */
  async function fail(uow: UnitOfWork, row: MessageTable, error: string, patch: Partial<MessageTable> = {}): Promise<void> {
    await move(uow, row, 'fail', { ...patch, error: error.slice(0, 4000) }, error.slice(0, 255))
    if (row.channel !== 'sms' || !settings.fallbackToEmail || !email || !row.fallback_to) return
    await queue(uow, {
      channel: 'email',
      recipient: row.fallback_to,
      template: row.template,
      locale: row.locale,
      variables: row.variables ? (JSON.parse(row.variables) as Record<string, string>) : {},
      kind: row.kind,
      orderId: row.order_id,
      customerId: row.customer_id,
      source: row.source,
      notBefore: null,
      fallbackOf: row.id,
    })
  }

  /**
   * Calls the SMS gateway with a signal aborted after `notify.timeoutMs`, and
   * stops waiting then even if the gateway ignores the signal.
   */
  function callSms<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(settings.timeoutMs)
    return new Promise<T>((resolve, reject) => {
      const onAbort = () =>
        reject(new SmsGatewayError(`The SMS gateway did not answer within ${settings.timeoutMs} ms (notify.timeoutMs).`, { retryable: true, cause: signal.reason }))
      signal.addEventListener('abort', onAbort, { once: true })
      call(signal)
        .then(resolve, reject)
        .finally(() => signal.removeEventListener('abort', onAbort))
    })
  }

  async function sendJob(payload: SendMessagePayload | SendSmsPayload, uow: UnitOfWork): Promise<void> {
    if ('to' in payload) {
      // A job queued before messages were stored: send it as it was queued.
      if (!sms) throw new OrdoError('INVALID_CONFIG', 'No SMS gateway is configured (notify.sms); the message waits for a retry.', { details: { key: 'notify.sms' } })
      const gateway = sms
      await callSms((signal) => gateway.send({ to: payload.to, text: payload.text, idempotencyKey: payload.key, ...(config.sender ? { sender: config.sender } : {}) }, { signal }))
      return
    }
    const row = await uow.db.selectFrom('ordo_message').selectAll().where('id', '=', payload.messageId).executeTakeFirst()
    // Sent (or given up on) already: never hand it over twice.
    if (!row || row.status !== 'queued') return
    if (row.kind === 'marketing' && !(await hasMarketingConsent(uow, row.recipient))) {
      await move(uow, row, 'fail', { error: 'opted_out' }, 'opted_out')
      return
    }
    const port = row.channel === 'sms' ? sms : email
    if (!port) {
      throw new OrdoError('INVALID_CONFIG', `No ${row.channel === 'sms' ? 'SMS gateway' : 'e-mail sender'} is configured (notify.${row.channel}); the message waits for a retry.`, {
        details: { key: `notify.${row.channel}` },
      })
    }
    const attempt = Number(row.attempts) + 1
    let providerMessageId: string
    try {
      if (row.channel === 'sms') {
        // The row is read and re-checked in this job's transaction; a message recorded `sent` never reaches this line again.
        ;({ providerMessageId } = await callSms((signal) =>
          sms!.send({ to: row.recipient, text: payload.text ?? row.text, idempotencyKey: row.id, ...(config.sender ? { sender: config.sender } : {}) }, { signal }),
        ))
      } else {
        const unsubscribeUrl = row.kind === 'marketing' ? await unsubscribeUrlFor(uow, row.recipient) : ''
        ;({ providerMessageId } = await email!.send({
          to: row.recipient,
          subject: row.subject ?? '',
          text: row.text,
          ...(row.html ? { html: row.html } : {}),
          idempotencyKey: row.id,
          ...(unsubscribeUrl ? { unsubscribeUrl } : {}),
        }))
      }
    } catch (error) {
      const retryable = error instanceof SmsGatewayError || error instanceof EmailSenderError ? error.retryable : true
      if (!retryable || attempt >= settings.maxAttempts) {
        await fail(uow, row, describe(error), { attempts: attempt, gateway: port.id })
        return
      }
      // Our own retry, so the attempt and its error are stored with the job's commit.
      const runAt = new Date(uow.now.getTime() + backoffDelay(runtime.worker, attempt))
      await uow.db
        .updateTable('ordo_message')
        .set({ attempts: attempt, error: describe(error), gateway: port.id, updated_at: uow.now.getTime() })
        .where('id', '=', row.id)
        .execute()
      await scheduleJob(runtime, uow, row.channel === 'sms' ? SEND_SMS_JOB : SEND_EMAIL_JOB, payload, { key: `notify:${row.id}:${attempt + 1}`, runAt })
      return
    }
    await move(uow, row, 'send', { provider_message_id: providerMessageId, gateway: port.id, attempts: attempt, error: null, sent_at: uow.now.getTime() })
  }

  /** Applies delivery reports of one gateway; reports of unknown messages are counted, not stored. */
  async function applyReports(uow: UnitOfWork, gatewayId: string, reports: readonly SmsStatusReport[]): Promise<{ applied: number; ignored: number; unknown: number }> {
    const result = { applied: 0, ignored: 0, unknown: 0 }
    for (const report of reports) {
      const row = await uow.db
        .selectFrom('ordo_message')
        .selectAll()
        .where('gateway', '=', gatewayId)
        .where('provider_message_id', '=', report.providerMessageId)
        .executeTakeFirst()
      if (!row) {
        result.unknown++
        continue
      }
      const transition = TRANSITION_FOR_MESSAGE_STATUS[report.status]
      const legal = transition === 'fail' ? row.status === 'queued' || row.status === 'sent' : row.status === 'sent'
      if (!transition || !legal) {
        result.ignored++
        continue
      }
      if (transition === 'fail') await fail(uow, row, report.error ?? `failed (${report.rawStatus})`)
      else await move(uow, row, transition, report.status === 'expired' ? { error: report.error ?? `expired (${report.rawStatus})` } : {}, report.rawStatus)
      result.applied++
    }
    return result
  }

  async function applyReplies(uow: UnitOfWork, replies: readonly SmsReply[]): Promise<number> {
    let count = 0
    for (const reply of replies) {
      // Not `\b`: it only knows ASCII word characters, so "СТОП" would never match.
      if (!/^\s*(stop|стоп)(?![\p{L}\p{N}])/iu.test(reply.text)) continue
      const address = toE164(reply.from, settings.defaultCountry)
      if (!address) continue
      if (await withdraw(uow, address, 'reply')) count++
    }
    return count
  }

  async function withdraw(uow: UnitOfWork, address: string, via: 'link' | 'reply' | 'manager'): Promise<boolean> {
    const row = await consentRow(uow, address)
    if (!row || Number(row.marketing) === 0) return false
    await uow.db.updateTable('ordo_notify_consent').set({ marketing: 0, updated_at: uow.now.getTime() }).where('address', '=', address).execute()
    uow.emit({ type: 'notify.unsubscribed', aggregateId: null, data: { address, channel: row.channel, via } })
    return true
  }

  async function upsertConsent(uow: UnitOfWork, address: string, channel: MessageChannel, customerId: string | null, marketing: boolean | undefined) {
    const existing = await consentRow(uow, address)
    const at = uow.now.getTime()
    if (existing) {
      if (marketing === undefined) return existing
      if (!marketing && Number(existing.marketing) === 1) await withdraw(uow, address, 'manager')
      else await uow.db.updateTable('ordo_notify_consent').set({ marketing: marketing ? 1 : 0, customer_id: customerId ?? existing.customer_id, updated_at: at }).where('address', '=', address).execute()
      return (await consentRow(uow, address))!
    }
    const row = { address, channel, customer_id: customerId, marketing: marketing ? 1 : 0, transactional: 1, token: randomBytes(24).toString('base64url'), updated_at: at }
    await uow.db.insertInto('ordo_notify_consent').values(row).execute()
    return row
  }

  /** Asks the gateway about messages sent in the last three days that are still `sent`. */
  async function syncStatuses(uow: UnitOfWork): Promise<{ checked: number; applied: number }> {
    if (!sms?.getStatus || sms.capabilities?.statusQuery === false) return { checked: 0, applied: 0 }
    const rows = await uow.db
      .selectFrom('ordo_message')
      .select(['provider_message_id'])
      .where('status', '=', 'sent')
      .where('channel', '=', 'sms')
      .where('gateway', '=', sms.id)
      .where('sent_at', '>=', uow.now.getTime() - STATUS_SYNC_WINDOW_MS)
      .orderBy('sent_at')
      .limit(1000)
      .execute()
    const ids = rows.map((r) => r.provider_message_id).filter((v): v is string => v !== null)
    let applied = 0
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100)
      const gateway = sms
      const reports = await callSms((signal) => gateway.getStatus!(chunk, { signal }))
      applied += (await applyReports(uow, sms.id, reports)).applied
    }
    return { checked: ids.length, applied }
  }

  // ---- events → messages

  /** The trigger an event fires: its type, or `shipment.<status>` for an outbound shipment's move. */
  async function triggerOf(uow: UnitOfWork, event: AnyDomainEvent): Promise<{ trigger: string; shipment?: Record<string, unknown> } | null> {
    if (event.type !== 'shipment.status_changed') return { trigger: event.type }
    const data = event.data as { entityId: string; from: string; to: string }
    const shipment = await uow.db.selectFrom('ordo_shipment').selectAll().where('id', '=', data.entityId).executeTakeFirst()
    if (!shipment || shipment.direction !== 'outbound') return null
    let status = data.to
    // A carrier that reports "in transit" first skipped the hand-over report: it is the hand-over for the customer.
    if (status === 'in_transit' && PRE_HANDOVER.has(data.from)) status = 'handed_over'
    if (status === 'partially_delivered') status = 'delivered'
    return { trigger: `shipment.${status}`, shipment: shipment as unknown as Record<string, unknown> }
  }

  async function handleEvent(event: AnyDomainEvent, uow: UnitOfWork): Promise<void> {
    const fired = await triggerOf(uow, event)
    if (!fired) return
    const route = settings.routes[fired.trigger]
    if (!route) return
    const data = (event.data ?? {}) as Record<string, unknown>
    const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined)
    const shipment = fired.shipment
    const orderId = str(data['orderId']) ?? (shipment ? String(shipment['order_id']) : undefined)
    const customerIdOfEvent = str(data['customerId'])
    let order = orderId ? await uow.db.selectFrom('ordo_order').selectAll().where('id', '=', orderId).executeTakeFirst() : undefined
    // A customer's event without an order (loyalty): reach them through their last order's contacts.
    if (!order && customerIdOfEvent) {
      order = await uow.db.selectFrom('ordo_order').selectAll().where('customer_id', '=', customerIdOfEvent).orderBy('placed_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst()
    }
    const locale = settings.locale
    const currency = str(data['currency']) ?? order?.currency ?? runtime.currency
    const variables: Record<string, string> = {}
    // Custom events: their payload's plain fields are the variables.
    for (const [key, value] of Object.entries(data)) {
      const s = str(value)
      if (s !== undefined) variables[key] = s
    }
    if (order) {
      variables['number'] = order.number
      variables['name'] = order.contact_name ?? ''
    }
    const date = (v: unknown) => {
      const at = typeof v === 'number' ? new Date(v) : typeof v === 'string' ? new Date(v) : null
      return at && !Number.isNaN(at.getTime()) ? formatDate(at, locale, settings.timeZone, uow.now) : ''
    }
    switch (fired.trigger) {
      case 'order.placed':
      case 'order.paid':
        variables['total'] = formatAmount(Number(data['total'] ?? order?.total ?? 0), currency, locale)
        break
      case 'payment.refunded':
        variables['amount'] = formatAmount(Number(data['amount'] ?? 0), currency, locale)
        break
      case 'order.cancelled': {
        const texts = settings.reasons[locale] ?? settings.reasons['ru']!
        const reason = str(data['reason']) ?? 'other'
        variables['reason'] = texts[reason] ?? texts['other'] ?? reason
        break
      }
      case 'shipment.handed_over': {
        const carrier = String(shipment?.['carrier'] ?? '')
        const tracking = (shipment?.['tracking_number'] as string | null) ?? ''
        const courier = adaptersFromPlugins(runtime.plugins, 'couriers', runtime.config.delivery?.couriers).find((c) => c.id === carrier)
        const builtIn = carrier === 'own' ? (runtime.config.delivery?.ownCourier?.name ?? 'Курьер магазина') : carrier === 'showroom' ? 'самовывоз' : null
        variables['carrier'] = courier?.name ?? builtIn ?? carrier
        variables['trackingNumber'] = tracking
        const url = settings.trackingUrls[carrier]
        variables['trackingUrl'] = url && tracking ? url.replace('{trackingNumber}', encodeURIComponent(tracking)) : tracking
        break
      }
      case 'shipment.at_pickup_point': {
        const point = shipment?.['pickup_point'] ? (JSON.parse(String(shipment['pickup_point'])) as { name?: string; address?: { city?: string; line?: string } | string }) : null
        const address = typeof point?.address === 'string' ? point.address : [point?.address?.city, point?.address?.line].filter(Boolean).join(', ')
        variables['pointName'] = point?.name ?? ''
        variables['pointAddress'] = address
        variables['storageUntil'] = date(shipment?.['storage_until'] === null ? null : Number(shipment?.['storage_until']))
        break
      }
      case 'loyalty.points_earned':
      case 'loyalty.points_expiring':
        variables['points'] = str(data['points']) ?? str(data['amount']) ?? ''
        if (data['balance'] !== undefined) variables['balance'] = str(data['balance']) ?? ''
        if (data['expiresAt'] !== undefined) variables['expiresAt'] = date(data['expiresAt'])
        break
    }
    const phone = str(data['phone']) ?? order?.contact_phone ?? null
    const mail = normaliseEmail(str(data['email']) ?? order?.contact_email)
    const kind = route.kind ?? 'transactional'
    const common = {
      template: route.template,
      locale,
      variables,
      kind,
      orderId: orderId ?? null,
      customerId: customerIdOfEvent ?? order?.customer_id ?? null,
      source: event.type,
    } as const
    for (const channel of route.channels ?? (['sms', 'email'] as const)) {
      if (channel === 'sms' && sms && phone) {
        const e164 = toE164(phone, settings.defaultCountry)
        if (!e164) {
          runtime.logger.warn('A notification was not sent: the phone number is not valid.', { event: event.type, orderId })
          continue
        }
        if (kind === 'marketing' && !(await hasMarketingConsent(uow, e164))) continue
        const notBefore = kind === 'marketing' ? afterQuietHours(uow.now, settings.timeZone, settings.quietHours) : null
        await queue(uow, { ...common, channel, recipient: e164, notBefore: notBefore && notBefore > uow.now ? notBefore : null, fallbackTo: mail })
      }
      if (channel === 'email' && email && mail) {
        if (kind === 'marketing' && !(await hasMarketingConsent(uow, mail))) continue
        const notBefore = kind === 'marketing' ? afterQuietHours(uow.now, settings.timeZone, settings.quietHours) : null
        await queue(uow, { ...common, channel, recipient: mail, notBefore: notBefore && notBefore > uow.now ? notBefore : null })
      }
    }
  }

  const subscribed = new Set<string>()
  for (const trigger of Object.keys(settings.routes)) {
    if (trigger === 'order.confirmation_code') continue
    subscribed.add(trigger.startsWith('shipment.') && trigger !== 'shipment.registered' && trigger !== 'shipment.created' ? 'shipment.status_changed' : trigger)
  }
  const handlers: EventHandler<any>[] =
    subscribed.size > 0 && (sms || email)
      ? [{ id: 'notify.messages', events: [...subscribed], handle: (event: AnyDomainEvent, { uow }: { uow: UnitOfWork }) => handleEvent(event, uow) }]
      : []

  const internal: NotifyInternal = {
    queue,
    async queueConfirmationCode(uow, input) {
      const route = settings.routes['order.confirmation_code'] ?? DEFAULT_NOTIFY_ROUTES['order.confirmation_code']
      return queue(uow, {
        channel: 'sms',
        recipient: input.phone,
        template: route.template,
        locale: settings.locale,
        variables: { number: input.number },
        secrets: { code: input.code },
        kind: 'transactional',
        orderId: input.orderId,
        customerId: input.customerId,
        source: 'order.confirmation_code_requested',
        notBefore: null,
      })
    },
    async consents(db, addresses) {
      const found = new Map<string, AddressConsent>()
      for (let i = 0; i < addresses.length; i += 500) {
        const rows = await db.selectFrom('ordo_notify_consent').selectAll().where('address', 'in', addresses.slice(i, i + 500)).execute()
        for (const row of rows) found.set(row.address, toAddressConsent(row))
      }
      return found
    },
    async setConsent(uow, input) {
      await upsertConsent(uow, input.address, input.channel, input.customerId, input.marketing)
      const patch: { transactional?: number; customer_id?: string } = {}
      if (input.transactional !== undefined) patch.transactional = input.transactional ? 1 : 0
      if (input.customerId !== null) patch.customer_id = input.customerId
      if (Object.keys(patch).length > 0) {
        await uow.db.updateTable('ordo_notify_consent').set({ ...patch, updated_at: uow.now.getTime() }).where('address', '=', input.address).execute()
      }
      return toAddressConsent((await consentRow(uow, input.address))!)
    },
    async moveCustomer(uow, fromCustomerId, toCustomerId) {
      const at = uow.now.getTime()
      const messages = await uow.db.updateTable('ordo_message').set({ customer_id: toCustomerId, updated_at: at }).where('customer_id', '=', fromCustomerId).executeTakeFirst()
      const consents = await uow.db.updateTable('ordo_notify_consent').set({ customer_id: toCustomerId, updated_at: at }).where('customer_id', '=', fromCustomerId).executeTakeFirst()
      return { messages: affected(messages), consents: affected(consents) }
    },
    async forTimeline(db, customerId, options) {
      let query = db.selectFrom('ordo_message').selectAll().where('customer_id', '=', customerId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit)
      if (options.before !== null) query = query.where('created_at', '<', options.before)
      return (await query.execute()).map(toMessage)
    },
  }
  registry.set(runtime, internal)

  // ---- the public API

  function channelFor(to: NotifyRecipient, wanted: MessageChannel | undefined): MessageChannel {
    if (wanted) return wanted
    return to.phone && sms ? 'sms' : 'email'
  }

  function addressOf(to: NotifyRecipient, channel: MessageChannel): string | null | undefined {
    if (channel === 'sms') return to.phone === undefined ? undefined : toE164(to.phone, settings.defaultCountry)
    return to.email === undefined ? undefined : normaliseEmail(to.email)
  }

  const sendSchema = z.strictObject({
    to: recipientSchema,
    channel: channelSchema.optional(),
    template: z.string().min(1).max(100).optional(),
    variables: variablesSchema.optional(),
    text: z.string().min(1).max(10_000).optional(),
    subject: z.string().min(1).max(500).optional(),
    kind: z.enum(['transactional', 'marketing']).optional(),
    orderId: z.string().min(1).max(64).optional(),
  })
  const campaignSchema = z.strictObject({
    template: z.string().min(1).max(100),
    recipients: z.array(recipientSchema.extend({ variables: variablesSchema.optional() })).max(100_000).optional(),
    audience: z.strictObject({ segment: z.string().trim().min(1).max(64) }).optional(),
    channel: channelSchema.optional(),
    dryRun: z.boolean().optional(),
    throttlePerMinute: z.number().int().positive().max(100_000).optional(),
  })

  async function resolveAudience(uow: UnitOfWork, audience: CampaignAudience): Promise<CampaignRecipient[]> {
    const recipients = await options.audience!(uow.db, audience, uow.now)
    if (recipients.length > 100_000) {
      throw new OrdoError('VALIDATION', `Invalid input to notify.campaign: segment "${audience.segment}" has more than 100 000 members; split it.`, {
        details: { command: 'notify.campaign', issues: [{ path: 'audience.segment', message: 'more than 100 000 members' }] },
      })
    }
    return recipients
  }

  const api: NotifyApi = {
    async messages(filter = {}) {
      const f = parseInput(
        'notify.messages',
        z.strictObject({ orderId: z.string().min(1).max(64).optional(), customerId: z.string().min(1).max(64).optional(), status: z.enum(MESSAGE_STATUSES).optional(), limit: z.number().int().positive().max(1000).optional() }),
        filter,
      )
      let query = runtime.db.selectFrom('ordo_message').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit ?? 100)
      if (f.orderId) query = query.where('order_id', '=', f.orderId)
      if (f.customerId) query = query.where('customer_id', '=', f.customerId)
      if (f.status) query = query.where('status', '=', f.status)
      return (await query.execute()).map(toMessage)
    },

    async get(messageId) {
      const id = parseKey('notify.get', messageId)
      const row = await runtime.db.selectFrom('ordo_message').selectAll().where('id', '=', id).executeTakeFirst()
      return row ? toMessage(row) : undefined
    },

    async send(input) {
      const data = parseInput('notify.send', sendSchema, input)
      if (!data.template === !data.text) {
        throw new OrdoError('VALIDATION', 'Invalid input to notify.send: give either a template or a text.', { details: { command: 'notify.send', issues: [{ path: 'template', message: 'give either a template or a text' }] } })
      }
      const channel = channelFor(data.to, data.channel)
      if (!(channel === 'sms' ? sms : email)) {
        throw new OrdoError('INVALID_CONFIG', `No ${channel === 'sms' ? 'SMS gateway' : 'e-mail sender'} is configured (notify.${channel}).`, { details: { key: `notify.${channel}` } })
      }
      const recipient = addressOf(data.to, channel)
      if (!recipient) {
        throw new OrdoError('VALIDATION', `Invalid input to notify.send: no valid ${channel === 'sms' ? 'phone' : 'e-mail'} to send to.`, {
          details: { command: 'notify.send', issues: [{ path: channel === 'sms' ? 'to.phone' : 'to.email', message: 'missing or not valid' }] },
        })
      }
      if (data.template && !settings.templates[data.template]) {
        throw new OrdoError('NOT_FOUND', `No template "${data.template}".`, { details: { template: data.template } })
      }
      if (channel === 'email' && data.text && !data.subject) {
        throw new OrdoError('VALIDATION', 'Invalid input to notify.send: an e-mail needs a subject.', { details: { command: 'notify.send', issues: [{ path: 'subject', message: 'required for e-mail' }] } })
      }
      const kind = data.kind ?? 'transactional'
      const tz = data.to.timeZone ?? settings.timeZone
      return runInTransaction(runtime, async (uow) => {
        if (kind === 'marketing' && !(await hasMarketingConsent(uow, recipient))) {
          throw new OrdoError('NOT_ALLOWED_IN_STATE', `${recipient} has not opted in to marketing messages.`, { details: { recipient, reason: 'no_consent' } })
        }
        const notBefore = kind === 'marketing' ? afterQuietHours(uow.now, tz, settings.quietHours) : null
        const id = await queue(uow, {
          channel,
          recipient,
          template: data.template ?? 'manual',
          locale: data.to.locale ?? settings.locale,
          variables: { ...(data.to.name ? { name: data.to.name } : {}), ...data.variables },
          kind,
          orderId: data.orderId ?? null,
          customerId: data.to.customerId ?? null,
          source: 'manual',
          notBefore: notBefore && notBefore > uow.now ? notBefore : null,
          fallbackTo: channel === 'sms' ? normaliseEmail(data.to.email) : null,
          ...(data.text ? { literal: { text: data.text, subject: data.subject } } : {}),
        })
        if (!id) {
          throw new OrdoError('VALIDATION', `Template "${data.template}" has no ${channel} text.`, { details: { command: 'notify.send', issues: [{ path: 'template', message: `no ${channel} text` }] } })
        }
        return toMessage((await uow.db.selectFrom('ordo_message').selectAll().where('id', '=', id).executeTakeFirstOrThrow()))
      })
    },

    async handleCallback(gatewayId, request): Promise<NotifyCallbackResult> {
      const id = parseKey('notify.handleCallback', gatewayId)
      if (!sms || sms.id !== id || !sms.parseCallback) {
        throw new OrdoError('NOT_FOUND', `No SMS gateway "${id}" with delivery callbacks is configured.`, { details: { gateway: id } })
      }
      const parsed = await sms.parseCallback(request)
      if (!parsed.ok) return { outcome: 'rejected', reason: parsed.reason, response: parsed.response }
      return runInTransaction(runtime, async (uow) => {
        const result = await applyReports(uow, sms.id, parsed.reports)
        const unsubscribed = await applyReplies(uow, parsed.replies ?? [])
        return { outcome: 'applied' as const, ...result, unsubscribed, response: parsed.response }
      })
    },

    async syncStatuses() {
      return runInTransaction(runtime, (uow) => syncStatuses(uow))
    },

    async campaign(input): Promise<CampaignResult> {
      const data = parseInput('notify.campaign', campaignSchema, input)
      if ((data.recipients === undefined) === (data.audience === undefined)) {
        throw new OrdoError('VALIDATION', 'Invalid input to notify.campaign: give recipients or an audience, not both.', {
          details: { command: 'notify.campaign', issues: [{ path: 'recipients', message: 'give recipients or audience' }] },
        })
      }
      if (data.audience && !options.audience) {
        throw new OrdoError('INVALID_CONFIG', 'Campaigns to a segment need the CRM module, which resolves segments.', { details: { key: 'crm' } })
      }
      if (!settings.templates[data.template]) throw new OrdoError('NOT_FOUND', `No template "${data.template}".`, { details: { template: data.template } })
      const perMinute = data.throttlePerMinute ?? 60
      return runInTransaction(runtime, async (uow) => {
        const recipients = data.recipients ?? (await resolveAudience(uow, data.audience!))
        const result: CampaignResult = { campaignId: data.dryRun ? null : newId(), dryRun: data.dryRun ?? false, total: recipients.length, queued: 0, skipped: { noConsent: 0, noAddress: 0, invalidAddress: 0 }, firstAt: null, lastAt: null }
        const plan: { recipient: CampaignRecipient; channel: MessageChannel; address: string; at: Date }[] = []
        const addressed = recipients.map((recipient) => {
          const channel = data.channel ?? channelFor(recipient, undefined)
          return { recipient, channel, address: addressOf(recipient, channel) }
        })
        // Consent of every address in a few queries, not one per recipient (a segment may have many thousands).
        const consents = await internal.consents(uow.db, [...new Set(addressed.flatMap((a) => (a.address ? [a.address] : [])))])
        for (const { recipient, channel, address } of addressed) {
          if (address === undefined) {
            result.skipped.noAddress++
            continue
          }
          if (address === null) {
            result.skipped.invalidAddress++
            continue
          }
          if (!consents.get(address)?.marketing) {
            result.skipped.noConsent++
            continue
          }
          const found = textFor(data.template, recipient.locale ?? settings.locale)
          const text = !found ? undefined : channel === 'sms' ? found.text.sms : found.text.subject && found.text.email ? [found.text.subject, found.text.email, found.text.html ?? ''].join(' ') : undefined
          if (!text) {
            throw new OrdoError('VALIDATION', `Template "${data.template}" has no ${channel} text.`, { details: { command: 'notify.campaign', issues: [{ path: 'template', message: `no ${channel} text` }] } })
          }
          const given = new Set([...Object.keys(recipient.variables ?? {}), ...COMMON_TEMPLATE_VARIABLES])
          const missing = templateVariables(text).filter((v) => !given.has(v))
          if (missing.length > 0) {
            throw new OrdoError('VALIDATION', `Invalid input to notify.campaign: a recipient lacks the template variable {${missing[0]}}.`, {
              details: { command: 'notify.campaign', issues: [{ path: data.recipients ? `recipients.${recipients.indexOf(recipient)}.variables` : `audience.segment`, message: `missing ${missing.map((m) => `{${m}}`).join(', ')}` }] },
            })
          }
          const slot = new Date(uow.now.getTime() + Math.floor(plan.length / perMinute) * 60_000)
          plan.push({ recipient, channel, address, at: afterQuietHours(slot, recipient.timeZone ?? settings.timeZone, settings.quietHours) })
        }
        for (const item of plan) {
          if (!result.firstAt || item.at < result.firstAt) result.firstAt = item.at
          if (!result.lastAt || item.at > result.lastAt) result.lastAt = item.at
        }
        result.queued = plan.length
        if (data.dryRun) return result
        for (const { recipient, channel, address, at } of plan) {
          await queue(uow, {
            channel,
            recipient: address,
            template: data.template,
            locale: recipient.locale ?? settings.locale,
            variables: { ...(recipient.name ? { name: recipient.name } : {}), ...recipient.variables },
            kind: 'marketing',
            orderId: null,
            customerId: recipient.customerId ?? null,
            source: `campaign:${result.campaignId}`,
            notBefore: at > uow.now ? at : null,
          })
        }
        return result
      })
    },

    async setConsent(recipient, consent) {
      const to = parseInput('notify.setConsent', z.strictObject({ customerId: z.string().min(1).max(64).optional(), phone: z.string().min(1).max(64).optional(), email: z.string().min(1).max(255).optional() }), recipient)
      const c = parseInput('notify.setConsent', z.strictObject({ marketingSms: z.boolean().optional(), marketingEmail: z.boolean().optional() }), consent)
      const phone = to.phone === undefined ? undefined : toE164(to.phone, settings.defaultCountry)
      const mail = to.email === undefined ? undefined : normaliseEmail(to.email)
      if (phone === null || mail === null || (phone === undefined && mail === undefined)) {
        throw new OrdoError('VALIDATION', 'Invalid input to notify.setConsent: give a valid phone and/or e-mail.', {
          details: { command: 'notify.setConsent', issues: [{ path: phone === null ? 'phone' : 'email', message: 'missing or not valid' }] },
        })
      }
      return runInTransaction(runtime, async (uow) => {
        const state: ConsentState = {}
        const view = (row: { address: string; marketing: number; token: string }) => ({ address: row.address, marketing: Number(row.marketing) === 1, unsubscribeToken: row.token })
        if (phone) state.sms = view(await upsertConsent(uow, phone, 'sms', to.customerId ?? null, c.marketingSms))
        if (mail) state.email = view(await upsertConsent(uow, mail, 'email', to.customerId ?? null, c.marketingEmail))
        return state
      })
    },

    async unsubscribe(token) {
      const value = parseKey('notify.unsubscribe', token)
      return runInTransaction(runtime, async (uow) => {
        const row = await uow.db.selectFrom('ordo_notify_consent').selectAll().where('token', '=', value).executeTakeFirst()
        if (!row) throw new OrdoError('NOT_FOUND', 'This unsubscribe link is not valid.', { details: { reason: 'unknown_token' } })
        await withdraw(uow, row.address, 'link')
        return { address: row.address, channel: row.channel }
      })
    },
  }

  const jobs: Record<string, JobDefinition<any>> = {
    [SEND_SMS_JOB]: { run: (payload: SendMessagePayload | SendSmsPayload, { uow }) => sendJob(payload, uow) },
    [SEND_EMAIL_JOB]: { run: (payload: SendMessagePayload, { uow }) => sendJob(payload, uow) },
  }
  if (sms?.getStatus && sms.capabilities?.statusQuery !== false) {
    jobs[SYNC_STATUSES_JOB] = {
      every: (config.statusSyncMinutes ?? 10) * 60_000,
      run: async (_payload, { uow }) => {
        await syncStatuses(uow)
      },
    }
  }

  return { api, internal, jobs, handlers }
}
