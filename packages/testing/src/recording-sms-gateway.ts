import type { SmsGateway, SmsMessage } from '@ordo/core'

/** An SMS gateway that sends nothing and keeps every message, for tests. */
export interface RecordingSmsGateway extends SmsGateway {
  /** Messages sent so far, oldest first (a repeated idempotency key is kept once). */
  readonly messages: readonly SmsMessage[]
  /** The last message sent to `to`, if any. */
  lastTo(to: string): SmsMessage | undefined
  /** Makes the next `count` sends throw, to test retries. */
  failNext(count?: number): void
}

/**
 * A recording SMS gateway: pass it as `notify: { sms }` and read what the
 * engine sent (e.g. an order confirmation code).
 *
 * @example
 * ```ts
 * const sms = recordingSmsGateway()
 * const shop = await createCommerce({ storage, currency: 'RUB', notify: { sms } })
 * await shop.orders.requestConfirmationCode(order.id)
 * await shop.jobs.runDue()
 * const code = sms.lastTo('+79161234567')!.text.match(/\d{4,8}$/)![0]
 * ```
 */
export function recordingSmsGateway(id = 'recording'): RecordingSmsGateway {
  const messages: SmsMessage[] = []
  let failures = 0
  return {
    id,
    // A repeated idempotency key is kept once, like a provider that refuses duplicates.
    capabilities: { senderNames: true, statusQuery: false, statusCallbacks: false, deduplicatesByKey: true },
    messages,
    lastTo: (to) => messages.filter((m) => m.to === to).at(-1),
    failNext(count = 1) {
      failures = count
    },
    async send(message) {
      if (failures > 0) {
        failures--
        throw new Error('recording SMS gateway: simulated failure')
      }
      if (!messages.some((m) => m.idempotencyKey === message.idempotencyKey)) messages.push({ ...message })
      return { providerMessageId: `rec-${message.idempotencyKey}` }
    },
  }
}
