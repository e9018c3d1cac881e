import { OrdoError } from '@ordo/core'
import { z } from 'zod'

/** Configuration of {@link smtpEmail}. */
export interface SmtpEmailConfig {
  /** The SMTP server's host name. */
  host: string
  /** @default 465 when `secure`, else 587 */
  port?: number
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. @default false */
  secure?: boolean
  /** Refuse to send unless the connection is upgraded with STARTTLS. @default false */
  requireTLS?: boolean
  /** Login and password; omitted: no authentication. The password is never logged. */
  auth?: { user: string; pass: string }
  /** The sender: `shop@example.ru` or `"My Shop" <shop@example.ru>`. */
  from: string
  /** Where replies go. @default the sender */
  replyTo?: string
  /** The domain of the `Message-ID`s derived from our message ids. @default the sender's domain */
  messageIdDomain?: string
  /** How long connecting, the greeting and each reply may take. @default 15000 */
  timeoutMs?: number
  /** TLS options passed to Node (e.g. `{ rejectUnauthorized: false }` for a self-signed test server). */
  tls?: { rejectUnauthorized?: boolean; servername?: string }
  /** The id stored on messages sent through it; set it to run two senders side by side. @default 'smtp' */
  id?: string
}

/** A validated, frozen {@link SmtpEmailConfig} with its defaults applied. */
export interface ResolvedSmtpEmailConfig {
  readonly id: string
  readonly host: string
  readonly port: number
  readonly secure: boolean
  readonly requireTLS: boolean
  readonly auth: { readonly user: string; readonly pass: string } | null
  readonly from: string
  readonly replyTo: string | null
  readonly messageIdDomain: string
  readonly timeoutMs: number
  readonly tls: { readonly rejectUnauthorized?: boolean; readonly servername?: string } | null
}

const configSchema = z.strictObject({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65_535).optional(),
  secure: z.boolean().optional(),
  requireTLS: z.boolean().optional(),
  auth: z.strictObject({ user: z.string().min(1).max(255), pass: z.string().min(1).max(1024) }).optional(),
  from: z.string().min(3).max(320).refine((v) => addressOf(v) !== null, 'expected an e-mail address such as shop@example.ru or "Shop" <shop@example.ru>'),
  replyTo: z.string().min(3).max(320).optional(),
  messageIdDomain: z.string().regex(/^[A-Za-z0-9.-]+$/, 'expected a domain name').optional(),
  timeoutMs: z.number().int().positive().max(600_000).optional(),
  tls: z.strictObject({ rejectUnauthorized: z.boolean().optional(), servername: z.string().optional() }).optional(),
  id: z.string().min(1).max(64).optional(),
})

function addressOf(from: string): string | null {
  const match = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from) ?? /^\s*([^<>\s]+@[^<>\s]+)\s*$/.exec(from)
  return match ? match[1]! : null
}

/** Validates and freezes the config; a problem is an `OrdoError('INVALID_CONFIG')` naming the key. */
export function resolveSmtpEmailConfig(config: SmtpEmailConfig): ResolvedSmtpEmailConfig {
  const parsed = configSchema.safeParse(config)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = issue.path.map(String).join('.') || '(root)'
    throw new OrdoError('INVALID_CONFIG', `Invalid smtpEmail config at "${key}": ${issue.message}`, { details: { key } })
  }
  const c = parsed.data
  const secure = c.secure ?? false
  return Object.freeze({
    id: c.id ?? 'smtp',
    host: c.host,
    port: c.port ?? (secure ? 465 : 587),
    secure,
    requireTLS: c.requireTLS ?? false,
    auth: c.auth ? Object.freeze({ ...c.auth }) : null,
    from: c.from,
    replyTo: c.replyTo ?? null,
    messageIdDomain: c.messageIdDomain ?? addressOf(c.from)!.split('@')[1]!,
    timeoutMs: c.timeoutMs ?? 15_000,
    tls: c.tls ? Object.freeze({ ...c.tls }) : null,
  })
}
