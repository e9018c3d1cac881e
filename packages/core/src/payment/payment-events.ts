import type { StateChangedData } from '../events/domain-events.js'

declare module '../events/domain-events.js' {
  interface DomainEventMap {
    /** A payment moved through the payment machine (every transition, with who and why). */
    'payment.status_changed': StateChangedData
    /** A payment was started for an order. */
    'payment.created': { paymentId: string; orderId: string; method: string; amount: number; currency: string }
    /** Money was captured (card capture, cash recorded, COD settled); `amount` is this capture's. */
    'payment.captured': { paymentId: string; orderId: string; amount: number; captured: number; currency: string }
    /** Money was refunded; `amount` is this refund's. */
    'payment.refunded': { paymentId: string; orderId: string; amount: number; refunded: number; currency: string; reason: string; cash: boolean }
    /** An order's payments now cover its total (captured − refunded ≥ total). */
    'order.paid': { orderId: string; total: number; captured: number; currency: string }
  }
}

export {}
