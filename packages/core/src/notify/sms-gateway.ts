/** One SMS to send. */
export interface SmsMessage {
  /** The recipient in E.164 (`+79161234567`). */
  to: string
  text: string
  /** The same key again must not send a second SMS (the engine retries at least once). */
  idempotencyKey: string
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
  /** Sends one message; resolves with the provider's id for it. */
  send(message: SmsMessage): Promise<{ providerMessageId: string }>
}

/** Name of the job that sends one SMS through the configured gateway. */
export const SEND_SMS_JOB = 'notify.send-sms'

/** Payload of the {@link SEND_SMS_JOB} job. */
export interface SendSmsPayload {
  to: string
  text: string
  key: string
}
