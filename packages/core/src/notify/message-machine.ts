import type { MachineDefinition } from '../machine/index.js'

/**
 * Statuses of a notification message: `queued` (stored, waiting for its send
 * job, quiet hours or throttling) → `sent` (the gateway took it) →
 * `delivered` | `failed` | `expired` (the phone never answered in time). A
 * message that could not be handed over at all goes from `queued` to `failed`.
 */
export const MESSAGE_STATUSES = ['queued', 'sent', 'delivered', 'failed', 'expired'] as const
/** One of {@link MESSAGE_STATUSES}. */
export type MessageStatus = (typeof MESSAGE_STATUSES)[number]

/** The message machine: registered as `message`; each transition emits `message.status_changed`. */
export const MESSAGE_MACHINE: MachineDefinition<Record<string, never>> = {
  id: 'message',
  initial: 'queued',
  states: {
    queued: { label: 'Queued' },
    sent: { label: 'Sent' },
    delivered: { label: 'Delivered', final: true },
    failed: { label: 'Failed', final: true },
    expired: { label: 'Expired', final: true },
  },
  transitions: {
    send: { from: ['queued'], to: 'sent', label: 'Handed to the gateway' },
    deliver: { from: ['sent'], to: 'delivered', label: 'Delivered' },
    fail: { from: ['queued', 'sent'], to: 'failed', label: 'Failed' },
    expire: { from: ['sent'], to: 'expired', label: 'Expired' },
  },
}

/** The message transition a gateway status asks for (none for `queued` and `sent`). */
export const TRANSITION_FOR_MESSAGE_STATUS: Partial<Record<MessageStatus, string>> = {
  delivered: 'deliver',
  failed: 'fail',
  expired: 'expire',
}
