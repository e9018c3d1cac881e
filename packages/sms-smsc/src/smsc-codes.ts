import { createHash } from 'node:crypto'
import type { SmsStatus } from '@ordo/core'

/**
 * SMSC message status codes (`status.php` and callbacks) and what each means
 * for Ordo. Codes not listed here are treated as `sent`; −3 ("not found") is
 * not a status of a message and is never reported.
 */
export const SMSC_STATUS_CODES: Readonly<Record<number, { status: SmsStatus; text: string }>> = Object.freeze({
  [-1]: { status: 'sent', text: 'waiting to be sent' },
  0: { status: 'sent', text: 'passed to the operator' },
  1: { status: 'delivered', text: 'delivered' },
  2: { status: 'delivered', text: 'read' },
  3: { status: 'expired', text: 'expired' },
  4: { status: 'delivered', text: 'link followed' },
  20: { status: 'failed', text: 'impossible to deliver' },
  22: { status: 'failed', text: 'wrong number' },
  23: { status: 'failed', text: 'prohibited' },
  24: { status: 'failed', text: 'not enough money' },
  25: { status: 'failed', text: 'unavailable number' },
})

/** SMSC status codes after which a message's status no longer changes. */
export const SMSC_FINAL_CODES: ReadonlySet<number> = new Set([1, 2, 3, 4, 20, 22, 23, 24, 25])

/**
 * SMSC `error_code`s worth retrying later: 4 (the IP address is blocked for
 * a while after too many bad requests) and 9 (the same request repeated
 * within a minute, or too many status requests). The rest — 1 parameters,
 * 2 credentials, 3 no money, 5 date format, 6 message or sender denied,
 * 7 invalid number, 8 cannot deliver — need a person, not a retry.
 */
export const SMSC_RETRYABLE_ERRORS: ReadonlySet<number> = new Set([4, 9])

/** Maps an SMSC status code to Ordo's {@link SmsStatus}. */
export function smscStatus(code: number): SmsStatus {
  return SMSC_STATUS_CODES[code]?.status ?? 'sent'
}

/**
 * The SMSC message `id` sent for an idempotency key: the key itself when it
 * fits SMSC's rule (up to 40 of `A-Z a-z 0-9 . - _`), otherwise `h` and the
 * first 39 hex digits of its SHA-256. The same key always gives the same id.
 */
export function smscMessageId(idempotencyKey: string): string {
  if (/^[A-Za-z0-9._-]{1,40}$/.test(idempotencyKey)) return idempotencyKey
  return `h${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 39)}`
}
