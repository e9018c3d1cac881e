import { AdapterError } from '../adapter-error.js'
/** One SMS to send. */
export interface SmsMessage {
  /** The recipient in E.164 (`+79161234567`). */
  to: string
  text: string
  /** The same key again must not send a second SMS (the engine retries at least once). */
  idempotencyKey: string
  /** A sender name registered with the gateway (`MyShop`); omitted: the account's default. */
  sender?: string | undefined
}

/**
 * Where an SMS is, as a gateway adapter maps its provider's codes:
 * `queued` (ours, not yet handed over) → `sent` (the provider took it) →
 * `delivered` | `failed` | `expired` (the phone never answered in time).
 */
export const SMS_STATUSES = ['queued', 'sent', 'delivered', 'failed', 'expired'] as const
/** One of {@link SMS_STATUSES}. */
export type SmsStatus = (typeof SMS_STATUSES)[number]

/** A delivery report of one SMS, from a status query or a callback. */
export interface SmsStatusReport {
  providerMessageId: string
  status: SmsStatus
  /** The provider's own code (SMS.ru `103`, SMSC `1`). */
  rawStatus: string
  /** When the provider says it happened; null when it does not say. */
  at: Date | null
  /** Why it failed, in the provider's words. */
  error?: string | undefined
}

/** What `SmsGateway.parseCallback` returns: reports to apply, or why the request was refused, and what to answer. */
export type ParsedSmsCallback =
  | { ok: true; reports: SmsStatusReport[]; replies?: SmsReply[] | undefined; response: { status: number; body: string; contentType: string } }
  | { ok: false; reason: string; response: { status: number; body: string; contentType: string } }

/** A text a customer sent back (a gateway that forwards incoming SMS reports them with its callbacks); `STOP` unsubscribes. */
export interface SmsReply {
  /** The sender in E.164. */
  from: string
  text: string
}

/** What a gateway can do. */
export interface SmsGatewayCapabilities {
  /** Messages may carry a registered sender name. */
  readonly senderNames: boolean
  /** `getStatus` is implemented. */
  readonly statusQuery: boolean
  /** `parseCallback` is implemented (the provider pushes delivery reports). */
  readonly statusCallbacks: boolean
  /**
   * The provider refuses a second message with the same idempotency key, so a
   * retry after a lost answer (a timeout, a crash before the engine's commit)
   * never sends twice. Without it the engine still never hands over a message
   * it has recorded `sent`, but a retry of an attempt whose answer was lost
   * may send a second SMS.
   * @default false (also for gateways written before this flag existed)
   */
  readonly deduplicatesByKey?: boolean | undefined
}

/** Per-call options the engine passes to an {@link SmsGateway}. */
export interface SmsGatewayCallOptions {
  /**
   * Aborted when the engine stops waiting (`notify.timeoutMs`): the gateway
   * should abort its HTTP request and reject with a retryable
   * {@link SmsGatewayError} (whether the provider took the message is unknown).
   */
  signal?: AbortSignal | undefined
}

/** An SMS gateway call failed; `retryable` says whether the engine may try again (network, 5xx, rate limit). */
export class SmsGatewayError extends AdapterError {
  override readonly name = 'SmsGatewayError'
}

/**
 * The port an SMS adapter implements (`@ordo/sms-smsru`, `@ordo/sms-smsc`…).
 * The engine sends through it from a job, after the command that asked for the
 * SMS committed; a throw is retried with backoff.
 *
 * @example
 * ```ts
 * const consoleSms: SmsGateway = {
 *   id: 'console',
 *   async send(message) {
 *     console.log(message.to, message.text)
 *     return { providerMessageId: message.idempotencyKey }
 *   },
 * }
 * const shop = await createCommerce({ storage, currency: 'RUB', notify: { sms: consoleSms } })
 * ```
 */
export interface SmsGateway {
  /** Names the gateway in logs (`smsru`). */
  readonly id: string
  /** What it can do; omitted: a gateway that only sends. */
  readonly capabilities?: SmsGatewayCapabilities
  /**
   * Sends one message; resolves with the provider's id for it. Throws
   * {@link SmsGatewayError} on failure. The engine passes a `signal` that is
   * aborted after `notify.timeoutMs`.
   */
  send(message: SmsMessage, options?: SmsGatewayCallOptions): Promise<{ providerMessageId: string }>
  /** Delivery reports of messages it sent (`capabilities.statusQuery`); honours `options.signal` like `send`. */
  getStatus?(providerMessageIds: string[], options?: SmsGatewayCallOptions): Promise<SmsStatusReport[]>
  /** Verifies and reads a delivery-report callback (`capabilities.statusCallbacks`). */
  parseCallback?(request: { headers: Record<string, string | undefined>; rawBody: string; remoteAddress?: string | null }): Promise<ParsedSmsCallback>
}

/** Name of the job that sends one SMS through the configured gateway. */
export const SEND_SMS_JOB = 'notify.send-sms'

/**
 * Payload of the {@link SEND_SMS_JOB} job as queued by `shop.notify`: the
 * message row to send. `text` carries the real text when the stored one is
 * masked (confirmation codes are never stored in clear).
 */
export interface SendMessagePayload {
  messageId: string
  text?: string | undefined
}

/** Payload of the {@link SEND_SMS_JOB} job as queued before messages were stored (still accepted). */
export interface SendSmsPayload {
  to: string
  text: string
  key: string
}
