import type { StateChangedData } from '../events/domain-events.js'
import type { RefundPurpose } from './payment-types.js'

declare module '../events/domain-events.js' {
  interface DomainEventMap {
    /** A payment moved through the payment machine (every transition, with who and why). */
    'payment.status_changed': StateChangedData
    /** A payment was started for an order. */
    'payment.created': { paymentId: string; orderId: string; method: string; amount: number; currency: string }
    /** Money was captured (card capture, cash recorded, COD settled); `amount` is this capture's. */
    'payment.captured': { paymentId: string; orderId: string; amount: number; captured: number; currency: string }
    /** Money was refunded; `amount` is this refund's, `purpose` what it gives money back for. */
    'payment.refunded': { paymentId: string; orderId: string; amount: number; refunded: number; currency: string; reason: string; purpose: RefundPurpose; cash: boolean }
    /** An order's payments now cover its total (captured − refunded ≥ total). */
    'order.paid': { orderId: string; total: number; captured: number; currency: string }
    /** A bank invoice was issued to a legal entity for what an order owes. */
    'payment.invoice_issued': { invoiceId: string; orderId: string; number: string; total: number; vatTotal: number; currency: string; buyerTaxId: string }
    /** A bank statement row paid an invoice: a captured payment was recorded for its order. */
    'payment.invoice_paid': { invoiceId: string; orderId: string; number: string; paymentId: string; amount: number; documentNumber: string }
  }
}

export {}
