import type { StateChangedData } from '../events/domain-events.js'

declare module '../events/domain-events.js' {
  interface DomainEventMap {
    /** A shipment moved through the shipment machine (every transition, with who and why). */
    'shipment.status_changed': StateChangedData
    /** Checkout planned a shipment of an order (one per stock location or supplier). */
    'shipment.created': { shipmentId: string; orderId: string; number: string; carrier: string; supplierOrderId: string | null }
    /** A shipment was registered at its carrier. */
    'shipment.registered': { shipmentId: string; orderId: string; carrier: string; trackingNumber: string | null }
    /** What the customer kept and refused at the door or the point; `refundDue` is prepaid money to give back, `codAmount` what the carrier now collects. */
    'shipment.outcome_recorded': { shipmentId: string; orderId: string; keptAmount: number; refusedAmount: number; codAmount: number; refundDue: number; returnShipmentId: string | null }
    /** Refused or returned goods came back and were restocked. */
    'shipment.return_received': { shipmentId: string; orderId: string; locationId: string | null; units: number }
    /** A drop-ship order was placed with a supplier for the lines it ships. */
    'supplier_order.placed': { supplierOrderId: string; orderId: string; locationId: string }
  }
}

export {}
