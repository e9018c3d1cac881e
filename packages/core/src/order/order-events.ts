import type { StateChangedData } from '../events/domain-events.js'
import type { CallOutcome, ConfirmationChannel, OrderChangeKind } from './order-types.js'

declare module '../events/domain-events.js' {
  interface DomainEventMap {
    /** An order was placed (checkout created it). */
    'order.placed': { orderId: string; number: string; status: string; total: number; currency: string; customerId: string | null; channelSource: string | null }
    /** An order moved through its status machine (every transition, with who and why). */
    'order.status_changed': StateChangedData
    /** An order's content changed (lines, address, delivery, manager); `amountDueDelta` > 0 means the customer owes more. */
    'order.changed': { orderId: string; version: number; kind: OrderChangeKind; totalBefore: number; totalAfter: number; amountDueDelta: number; actor: string }
    /** An order reached a status of the `complete` group (delivered, completed, partially completed): loyalty, closing receipts and reports react to it. */
    'order.completed': { orderId: string; status: string; actor: string }
    /** An order was cancelled; its stock and promotion uses were released. */
    'order.cancelled': { orderId: string; reason: string; actor: string }
    /** An order was confirmed by a call, an SMS code or automatically. */
    'order.confirmed': { orderId: string; channel: ConfirmationChannel; actor: string }
    /** An SMS confirmation code was sent for an order (the code itself is never in an event). */
    'order.confirmation_code_requested': { orderId: string; phone: string; expiresAt: string }
    /** A call to the customer was logged. */
    'order.call_logged': { orderId: string; manager: string; outcome: CallOutcome }
    /** An order's manager changed (`shop.orders.assignManager` or the CRM's automatic assignment of new orders); `managerId` null: unassigned. */
    'order.manager_assigned': { orderId: string; managerId: string | null; previousManagerId: string | null; actor: string }
  }
}

export {}
