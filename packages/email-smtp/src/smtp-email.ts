import { EmailSenderError, type EmailMessage, type EmailSender } from '@ordo/core'
import { createTransport } from 'nodemailer'
import { resolveSmtpEmailConfig, type ResolvedSmtpEmailConfig, type SmtpEmailConfig } from './smtp-config.js'

/** Per-call options next to the port's arguments. */
export interface SmtpSendOptions {
  /** Aborts waiting for the server; the call then rejects with a retryable `EmailSenderError` (the outcome is unknown). */
  signal?: AbortSignal | undefined
}

/** The SMTP e-mail sender {@link smtpEmail} returns. */
export interface SmtpEmailSender extends EmailSender {
  /** `EmailSender.send` with an optional abort signal. */
  send(message: EmailMessage, options?: SmtpSendOptions): Promise<{ providerMessageId: string }>
  /** Closes pooled connections (there are none unless the transport keeps them); harmless to call twice. */
  close(): void
}

/** The subset of a nodemailer transport the sender uses. */
interface MailTransport {
  sendMail(mail: Record<string, unknown>): Promise<{ messageId: string; accepted: unknown[]; rejected: unknown[] }>
  close(): void
}

/** What nodemailer puts on its errors: the fields {@link isRetryableSmtpFailure} reads. */
export interface SmtpFailure {
  code?: string
  responseCode?: number
  response?: string
  message?: string
}

/** Errors nodemailer gives when the connection failed or timed out: the message may be sent again. */
const NETWORK_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETLS', 'EPROTOCOL'])

/**
 * Whether an SMTP failure may succeed later: transient 4xx replies, network
 * errors and timeouts are retryable; 5xx replies (unknown mailbox, refused
 * login, policy) are not.
 */
export function isRetryableSmtpFailure(failure: SmtpFailure): boolean {
  if (typeof failure.responseCode === 'number') return failure.responseCode >= 400 && failure.responseCode < 500
  if (failure.code === 'EAUTH' || failure.code === 'EENVELOPE' || failure.code === 'EMESSAGE' || failure.code === 'ECONFIG') return false
  return failure.code === undefined || NETWORK_CODES.has(failure.code)
}

/** The `Message-ID` a message gets: stable for one idempotency key, so a repeat is recognisable downstream. */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  const local = idempotencyKey.replace(/[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]/g, '-')
  return `<${local}@${domain}>`
}

function toError(error: unknown): EmailSenderError {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as SmtpFailure
  const retryable = isRetryableSmtpFailure(failure)
  const reply = failure.response ? ` (${failure.response.slice(0, 300)})` : ''
  return new EmailSenderError(`SMTP ${failure.code ?? 'error'}: ${failure.message ?? String(error)}${reply}`.slice(0, 1000), {
    retryable,
    responseCode: failure.responseCode ?? null,
    cause: error,
  })
}

function buildTransport(config: ResolvedSmtpEmailConfig): MailTransport {
  return createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTLS,
    ...(config.auth ? { auth: { user: config.auth.user, pass: config.auth.pass } } : {}),
    ...(config.tls ? { tls: { ...config.tls } } : {}),
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
  }) as unknown as MailTransport
}

/**
 * An `EmailSender` over SMTP (nodemailer). Each message gets a
 * `Message-ID` derived from its idempotency key; marketing messages carry
 * RFC 8058 one-click `List-Unsubscribe` headers.
 *
 * @example
 * ```ts
 * import { createCommerce } from '@ordo/core'
 * import { smtpEmail } from '@ordo/email-smtp'
 *
 * const email = smtpEmail({
 *   host: 'smtp.example.ru',
 *   auth: { user: 'shop@example.ru', pass: process.env.SMTP_PASSWORD! },
 *   from: '"My Shop" <shop@example.ru>',
 * })
 * const shop = await createCommerce({ storage, currency: 'RUB', notify: { email } })
 * ```
 */
export function smtpEmail(config: SmtpEmailConfig): SmtpEmailSender {
  const resolved = resolveSmtpEmailConfig(config)
  const transport = buildTransport(resolved)
  return {
    id: resolved.id,
    async send(message, options = {}) {
      const { signal } = options
      if (signal?.aborted) throw new EmailSenderError('The send was aborted before it started.', { retryable: true, cause: signal.reason })
      const mail: Record<string, unknown> = {
        from: resolved.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
        ...(resolved.replyTo ? { replyTo: resolved.replyTo } : {}),
        messageId: messageIdFor(message.idempotencyKey, resolved.messageIdDomain),
        ...(message.unsubscribeUrl
          ? { list: { unsubscribe: { url: message.unsubscribeUrl, comment: 'Unsubscribe' } }, headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } }
          : {}),
      }
      let onAbort: (() => void) | undefined
      const aborted = new Promise<never>((_resolve, reject) => {
        onAbort = () => reject(new EmailSenderError('The send was aborted; the server may or may not have taken the message.', { retryable: true, cause: signal?.reason }))
        signal?.addEventListener('abort', onAbort, { once: true })
      })
      try {
        const info = await Promise.race([transport.sendMail(mail), aborted])
        if (info.accepted.length === 0) {
          throw new EmailSenderError(`The server accepted no recipient of ${message.to}.`, { retryable: false })
        }
        return { providerMessageId: info.messageId }
      } catch (error) {
        if (error instanceof EmailSenderError) throw error
        throw toError(error)
      } finally {
        if (onAbort) signal?.removeEventListener('abort', onAbort)
        // Keeps an abandoned race from surfacing as an unhandled rejection.
        aborted.catch(() => {})
      }
    },
    close() {
      transport.close()
    },
  }
}
