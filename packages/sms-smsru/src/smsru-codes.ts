import type { SmsStatus } from '@ordo/core'

/**
 * SMS.ru delivery status codes (the `/sms/status` method and callbacks) and
 * what each means for Ordo. Codes not listed here are treated as `sent`
 * (SMS.ru still has the message) — they never end a message.
 */
export const SMSRU_STATUS_CODES: Readonly<Record<number, { status: SmsStatus; text: string }>> = Object.freeze({
  100: { status: 'sent', text: 'in the SMS.ru queue' },
  101: { status: 'sent', text: 'being passed to the operator' },
  102: { status: 'sent', text: 'sent (in transit)' },
  103: { status: 'delivered', text: 'delivered' },
  104: { status: 'expired', text: 'not delivered: lifetime expired' },
  105: { status: 'failed', text: 'not delivered: deleted by the operator' },
  106: { status: 'failed', text: 'not delivered: phone failure' },
  107: { status: 'failed', text: 'not delivered: unknown reason' },
  108: { status: 'failed', text: 'not delivered: rejected' },
  110: { status: 'delivered', text: 'read' },
  150: { status: 'failed', text: 'not delivered: no route to this number' },
})

/** SMS.ru status codes after which a message's status no longer changes. */
export const SMSRU_FINAL_CODES: ReadonlySet<number> = new Set([103, 104, 105, 106, 107, 108, 110, 150])

/**
 * SMS.ru request error codes worth retrying later: 220 service temporarily
 * unavailable, 500 server error, and the sending limits (206 daily limit,
 * 230–233 per-number limits), which lift with time. Every other code (200
 * wrong api_id, 201 no money, 202 bad recipient, 204 sender not approved,
 * 207 no route, 209 stop list…) needs a person, not a retry.
 */
export const SMSRU_RETRYABLE_CODES: ReadonlySet<number> = new Set([206, 220, 230, 231, 232, 233, 500])

/** Maps an SMS.ru delivery status code to Ordo's {@link SmsStatus}. */
export function smsruStatus(code: number): SmsStatus {
  return SMSRU_STATUS_CODES[code]?.status ?? 'sent'
}
