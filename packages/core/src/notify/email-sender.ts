/** One e-mail to send. */
export interface EmailMessage {
  /** The recipient's address (`anna@example.ru`). */
  to: string
  subject: string
  /** The plain-text body. */
  text: string
  /** An HTML body shown by clients that can; omitted: text only. */
  html?: string | undefined
  /**
   * Our message id: the same key again must not send a second e-mail. SMTP has
   * no such guarantee; adapters derive a stable `Message-ID` from it so
   * receiving servers and clients can fold a repeat.
   */
  idempotencyKey: string
  /** A one-click unsubscribe link (RFC 8058 `List-Unsubscribe`), set on marketing messages. */
  unsubscribeUrl?: string | undefined
}

/** An e-mail sender's call failed; `retryable` says whether the engine may try again (network, timeout, 4xx SMTP replies). */
export class EmailSenderError extends Error {
  override readonly name = 'EmailSenderError'
  readonly retryable: boolean
  /** The SMTP reply code, if the server answered (`550`). */
  readonly responseCode: number | null

  constructor(message: string, options: { retryable: boolean; responseCode?: number | null; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.retryable = options.retryable
    this.responseCode = options.responseCode ?? null
  }
}

/**
 * The port an e-mail adapter implements (`@ordo/email-smtp`). The engine sends
 * through it from a job, after the command that queued the message committed;
 * a throw is retried with backoff unless it is an {@link EmailSenderError}
 * with `retryable: false`.
 *
 * @example
 * ```ts
 * const consoleEmail: EmailSender = {
 *   id: 'console',
 *   async send(message) {
 *     console.log(message.to, message.subject)
 *     return { providerMessageId: message.idempotencyKey }
 *   },
 * }
 * const shop = await createCommerce({ storage, currency: 'RUB', notify: { email: consoleEmail } })
 * ```
 */
export interface EmailSender {
  /** Names the sender in logs and on messages (`smtp`). */
  readonly id: string
  /** Sends one e-mail; resolves with the id the server gave it. Throws {@link EmailSenderError} on failure. */
  send(message: EmailMessage): Promise<{ providerMessageId: string }>
}

/** Name of the job that sends one queued e-mail message. */
export const SEND_EMAIL_JOB = 'notify.send-email'
