import type { StateChangedData } from '../events/domain-events.js'

declare module '../events/domain-events.js' {
  interface DomainEventMap {
    /** A notification message moved through the message machine (sent, delivered, failed, expired). */
    'message.status_changed': StateChangedData
    /** A recipient withdrew marketing consent (unsubscribe link or STOP reply). */
    'notify.unsubscribed': { address: string; channel: 'sms' | 'email'; via: 'link' | 'reply' | 'manager' }
  }
}

export {}
