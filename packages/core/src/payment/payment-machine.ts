import { sourceStates, type Machine, type MachineDefinition } from '../machine/index.js'
import type { ProviderPaymentStatus } from './payment-provider.js'
import type { OrderPaymentState, PaymentStatus } from './payment-types.js'

/** Names of the payment machine's transitions. */
export const PAYMENT_TRANSITIONS = {
  requireAction: 'require_action',
  authorize: 'authorize',
  capture: 'capture',
  capturePartially: 'capture_partially',
  refundPartially: 'refund_partially',
  refund: 'refund',
  void: 'void',
  fail: 'fail',
  expire: 'expire',
} as const

const OPEN = ['pending', 'requires_action', 'authorized'] as const
const CAPTURED = ['captured', 'partially_captured', 'partially_refunded'] as const

/**
 * The payment machine. Every transition moves forward: a late or replayed
 * provider event that would move a payment back has no transition and is
 * ignored.
 */
export const PAYMENT_MACHINE: MachineDefinition<Record<string, never>> = {
  id: 'payment',
  initial: 'pending',
  states: {
    pending: { label: 'Pending' },
    requires_action: { label: 'Requires action' },
    authorized: { label: 'Authorized (held)' },
    captured: { label: 'Captured' },
    partially_captured: { label: 'Partially captured' },
    partially_refunded: { label: 'Partially refunded' },
    refunded: { label: 'Refunded', final: true },
    voided: { label: 'Voided', final: true },
    failed: { label: 'Failed', final: true },
    expired: { label: 'Expired', final: true },
  },
  transitions: {
    require_action: { from: ['pending'], to: 'requires_action' },
    authorize: { from: ['pending', 'requires_action'], to: 'authorized' },
    capture: { from: [...OPEN], to: 'captured' },
    capture_partially: { from: [...OPEN], to: 'partially_captured' },
    refund_partially: { from: [...CAPTURED], to: 'partially_refunded' },
    refund: { from: [...CAPTURED], to: 'refunded' },
    void: { from: [...OPEN], to: 'voided' },
    fail: { from: ['pending', 'requires_action'], to: 'failed' },
    expire: { from: [...OPEN], to: 'expired' },
  },
}

/** What is known about a payment's money and its provider's word for it. */
export interface PaymentFacts {
  /** The provider's status, or null for an offline method. */
  providerStatus: ProviderPaymentStatus | null
  captured: number
  refunded: number
}

/** The payment's stored numbers the next status is computed from. */
export interface PaymentSnapshot {
  status: PaymentStatus
  amount: number
  captured: number
  refunded: number
}

/**
 * Where new facts take a payment: captured and refunded amounts only grow,
 * and the status follows them. Pure; {@link forwardTransition} then decides
 * whether the machine may go there.
 */
export function desiredPaymentState(current: PaymentSnapshot, facts: PaymentFacts): PaymentSnapshot {
  const captured = Math.max(current.captured, facts.captured)
  const refunded = Math.min(captured, Math.max(current.refunded, facts.refunded))
  let status: PaymentStatus
  if (refunded > 0) status = refunded >= captured ? 'refunded' : 'partially_refunded'
  else if (captured > 0) status = captured >= current.amount ? 'captured' : 'partially_captured'
  else {
    switch (facts.providerStatus) {
      case 'authorized':
        status = 'authorized'
        break
      case 'requires_action':
        status = 'requires_action'
        break
      case 'canceled':
        status = current.status === 'authorized' ? 'voided' : 'failed'
        break
      case 'failed':
        status = 'failed'
        break
      case 'captured':
        // Captured with no amount reported: the whole authorised amount.
        return desiredPaymentState(current, { ...facts, captured: current.amount })
      default:
        status = current.status
    }
  }
  return { status, amount: current.amount, captured, refunded }
}

/** The machine's transition from `from` to `to`, or undefined when the move would go backwards (or nowhere). */
export function forwardTransition(machine: Machine<any>, from: string, to: string): string | undefined {
  if (from === to) return undefined
  for (const [name, definition] of Object.entries(machine.transitions)) {
    if (definition.to === to && sourceStates(machine, name).includes(from)) return name
  }
  return undefined
}

/**
 * Applies facts to a payment: the new snapshot and the transition to take, or
 * the payment unchanged when the facts would move it backwards. Amounts only
 * change together with a legal move (or within the same status).
 */
export function applyFacts(machine: Machine<any>, current: PaymentSnapshot, facts: PaymentFacts): { next: PaymentSnapshot; transition: string | null } {
  const desired = desiredPaymentState(current, facts)
  if (desired.status === current.status) return { next: desired, transition: null }
  const transition = forwardTransition(machine, current.status, desired.status)
  if (!transition) return { next: current, transition: null }
  return { next: desired, transition }
}

/**
 * An order's payment state from its payments, never stored: `paid` when
 * captured − refunded covers the total, `overpaid` above it, `refund_due`
 * when the order was cancelled or returned and money is still held.
 */
export function deriveOrderPaymentState(total: number, payments: readonly { captured: number; refunded: number }[], closed = false): OrderPaymentState {
  let captured = 0
  let refunded = 0
  for (const p of payments) {
    captured += p.captured
    refunded += p.refunded
  }
  const net = captured - refunded
  const owed = closed ? 0 : total
  const due = owed - net
  let status: OrderPaymentState['status']
  if (closed) status = net > 0 ? 'refund_due' : 'unpaid'
  else if (net <= 0) status = 'unpaid'
  else if (net < total) status = 'partially_paid'
  else if (net === total) status = 'paid'
  else status = 'overpaid'
  return { status, captured, refunded, due, total: owed }
}
