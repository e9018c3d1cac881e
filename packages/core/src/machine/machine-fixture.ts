// Test fixture only (not exported): an order machine shaped like the pipeline
// of DESIGN.md §1, used by the machine tests.
import { defineMachine } from './define-machine.js'
import type { MachineDefinition } from './machine-types.js'

/** @internal What the fixture's guards read. */
export interface TestOrderContext {
  readonly phone?: string
  readonly paid?: boolean
}

/** @internal Cancellation reasons of the fixture. */
export const TEST_CANCEL_REASONS = ['no_answer', 'out_of_stock', 'bought_elsewhere', 'price', 'delivery_terms'] as const

/** @internal The fixture's definition, for tests that tweak it. */
export const testOrderDefinition: MachineDefinition<TestOrderContext> = {
  id: 'order',
  initial: 'new',
  groups: ['new', 'approval', 'assembling', 'delivery', 'complete', 'cancel'],
  states: {
    new: { group: 'new', label: 'New', capabilities: ['edit_lines', 'cancellable'] },
    confirmed: { group: 'approval', label: 'Confirmed', capabilities: ['edit_lines', 'cancellable'] },
    paid: { group: 'approval', capabilities: ['cancellable'] },
    assembling: { group: 'assembling', capabilities: ['cancellable'] },
    ready_to_ship: { group: 'assembling', capabilities: ['cancellable'] },
    handed_to_carrier: { group: 'delivery' },
    delivered: { group: 'delivery' },
    completed: { group: 'complete', final: true },
    cancelled: { group: 'cancel', label: 'Cancelled', final: true },
    returned: { group: 'cancel', final: true },
  },
  transitions: {
    confirm: { from: ['new'], to: 'confirmed', label: 'Confirm' },
    pay: { from: ['confirmed'], to: 'paid', effects: [{ type: 'send_receipt' }] },
    // Cash on delivery goes to assembling straight from confirmed.
    start_assembly: {
      from: ['confirmed', 'paid'],
      to: 'assembling',
      effects: ({ from, event }) => [{ type: 'reserve_stock', cashOnDelivery: from === 'confirmed', actor: event.actor }],
    },
    pack: { from: ['assembling'], to: 'ready_to_ship' },
    hand_over: { from: ['ready_to_ship'], to: 'handed_to_carrier' },
    deliver: { from: ['handed_to_carrier'], to: 'delivered' },
    complete: { from: ['delivered'], to: 'completed' },
    return: { from: ['handed_to_carrier', 'delivered'], to: 'returned', requiresReason: true },
    cancel: {
      from: { capability: 'cancellable' },
      to: 'cancelled',
      label: 'Cancel',
      requiresReason: true,
      reasons: TEST_CANCEL_REASONS,
      effects: [{ type: 'release_stock' }],
    },
  },
  guards: {
    confirm: [{ id: 'has_phone', check: ({ context }) => (context.phone ? undefined : 'the order has no phone number') }],
    start_assembly: [
      {
        id: 'paid_or_cod',
        check: ({ from, context }) =>
          from === 'confirmed' && context.paid === true ? 'record the payment with "pay" first' : undefined,
      },
    ],
  },
}

/** @internal The fixture machine. */
export const testOrderMachine = defineMachine(testOrderDefinition)
