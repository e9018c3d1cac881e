/**
 * SMTP e-mail sender for Ordo, over nodemailer: order notifications and
 * campaigns with a stable `Message-ID` per message, RFC 8058 one-click
 * unsubscribe headers on marketing, and SMTP replies mapped to retryable or
 * permanent failures.
 *
 * @example
 * ```ts
 * import { smtpEmail } from '@ordo/email-smtp'
 *
 * const email = smtpEmail({ host: 'smtp.example.ru', auth: { user: 'shop', pass: process.env.SMTP_PASSWORD! }, from: 'shop@example.ru' })
 * const shop = await createCommerce({ storage, currency: 'RUB', notify: { email } })
 * ```
 *
 * @module
 */
export { smtpEmail, isRetryableSmtpFailure, messageIdFor, type SmtpEmailSender, type SmtpFailure, type SmtpSendOptions } from './smtp-email.js'
export { resolveSmtpEmailConfig, type ResolvedSmtpEmailConfig, type SmtpEmailConfig } from './smtp-config.js'
