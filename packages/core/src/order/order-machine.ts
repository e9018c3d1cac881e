import { OrdoError } from '../errors.js'
import { defineMachine, extendMachine, type Machine, type MachineDefinition, type MachineExtension } from '../machine/index.js'
import type { Order } from './order-types.js'

/**
 * The fixed groups of order statuses, in board order (modelled on RetailCRM's
 * groups). Reports and rules look at groups, so a shop can add statuses of its
 * own without breaking them.
 */
export const ORDER_GROUPS = ['new', 'approval', 'assembling', 'delivery', 'complete', 'cancel'] as const
/** One of {@link ORDER_GROUPS}. */
export type OrderGroup = (typeof ORDER_GROUPS)[number]

/**
 * What an order status allows. Core code asks the machine (`can(machine,
 * status, capability)`) instead of naming statuses, so a shop can rename,
 * add or remove statuses and keep the behaviour:
 * - `edit_lines`: quantities, lines and variants may change (re-priced, stock re-reserved);
 * - `edit_address`: the shipping address may change;
 * - `edit_delivery`: the delivery choice may change;
 * - `cancellable`: the `cancel` transition applies;
 * - `confirmable`: the `confirm` transition applies and SMS codes may be requested;
 * - `expires`: the reservation TTL applies: past it, the order is cancelled with reason `reservation_expired`;
 * - `returnable`: the goods left the warehouse, the `return` transition applies.
 */
export const ORDER_CAPABILITIES = {
  editLines: 'edit_lines',
  editAddress: 'edit_address',
  editDelivery: 'edit_delivery',
  cancellable: 'cancellable',
  confirmable: 'confirmable',
  expires: 'expires',
  returnable: 'returnable',
} as const
/** One of the values of {@link ORDER_CAPABILITIES}. */
export type OrderCapability = (typeof ORDER_CAPABILITIES)[keyof typeof ORDER_CAPABILITIES]

/**
 * Effects an order transition may ask for; the order module runs them in the
 * transition's unit of work, in order:
 * - `release_stock`: releases the order's stock reservations;
 * - `release_promotion_usage`: gives back the promotion and coupon uses it counted;
 * - `cancelled`: records the reason as the order's cancel reason and emits `order.cancelled`.
 *
 * A replacement machine keeps stock and promotions right by putting these on
 * its cancelling transitions.
 */
export const ORDER_EFFECTS = {
  releaseStock: 'release_stock',
  releasePromotionUsage: 'release_promotion_usage',
  cancelled: 'cancelled',
} as const

/**
 * Transition names core itself takes: `confirm` (shop.orders.confirm, SMS
 * codes, call log) and `cancel` (shop.orders.cancel, reservation expiry, the
 * no-answer rule). A replacement machine must keep these two names; its
 * statuses may be called anything.
 */
export const ORDER_TRANSITIONS = { confirm: 'confirm', cancel: 'cancel' } as const

/** Cancellation reasons a shop starts with; `shop.orders.cancel()` accepts only the configured list. */
export const DEFAULT_CANCELLATION_REASONS = [
  'no_answer',
  'out_of_stock',
  'bought_elsewhere',
  'price_not_suitable',
  'delivery_not_suitable',
  'customer_request',
  'fraud_suspected',
  'reservation_expired',
  'other',
] as const

/** Reasons core cancels with by itself, always accepted whatever the configured list says. */
export const SYSTEM_CANCELLATION_REASONS = ['reservation_expired', 'no_answer'] as const

/** What the order machine's guards read: the order as it is before the transition. */
export interface OrderGuardContext {
  order: Order
}

const EDITABLE = [ORDER_CAPABILITIES.editLines, ORDER_CAPABILITIES.editAddress, ORDER_CAPABILITIES.editDelivery] as const
const cancelEffects = [{ type: ORDER_EFFECTS.releaseStock }, { type: ORDER_EFFECTS.releasePromotionUsage }, { type: ORDER_EFFECTS.cancelled }]

/**
 * The default order machine: `new` → `awaiting_confirmation` (taken at once
 * on placing: `submit` has `meta.auto`) → `confirmed` → `awaiting_payment`
 * (prepaid) / straight to `picking` (pay on receipt) → `paid` → `picking` →
 * `packed` → `handed_to_carrier` → `in_transit` → `ready_for_pickup` →
 * `delivered` → `completed`; side exits `partially_completed`, `returned` and
 * `cancelled` (with a reason).
 *
 * A transition whose `meta.auto` is true is taken by the engine as soon as an
 * order is placed in a state it applies to.
 */
export const DEFAULT_ORDER_MACHINE: MachineDefinition<OrderGuardContext> = {
  id: 'order',
  initial: 'new',
  groups: ORDER_GROUPS,
  states: {
    new: { group: 'new', label: 'New', capabilities: [...EDITABLE, 'cancellable', 'expires'] },
    awaiting_confirmation: { group: 'approval', label: 'Awaiting confirmation', capabilities: [...EDITABLE, 'cancellable', 'confirmable', 'expires'] },
    confirmed: { group: 'approval', label: 'Confirmed', capabilities: [...EDITABLE, 'cancellable'] },
    awaiting_payment: { group: 'approval', label: 'Awaiting payment', capabilities: [...EDITABLE, 'cancellable', 'expires'] },
    paid: { group: 'assembling', label: 'Paid', capabilities: [...EDITABLE, 'cancellable'] },
    picking: { group: 'assembling', label: 'Picking', capabilities: [...EDITABLE, 'cancellable'] },
    packed: { group: 'assembling', label: 'Packed', capabilities: ['cancellable'] },
    handed_to_carrier: { group: 'delivery', label: 'Handed to carrier', capabilities: ['returnable'] },
    in_transit: { group: 'delivery', label: 'In transit', capabilities: ['returnable'] },
    ready_for_pickup: { group: 'delivery', label: 'Ready for pickup', capabilities: ['returnable'] },
    delivered: { group: 'delivery', label: 'Delivered', capabilities: ['returnable'] },
    completed: { group: 'complete', label: 'Completed', final: true },
    partially_completed: { group: 'complete', label: 'Partially bought out', final: true },
    returned: { group: 'cancel', label: 'Returned', final: true },
    cancelled: { group: 'cancel', label: 'Cancelled', final: true },
  },
  transitions: {
    submit: { from: ['new'], to: 'awaiting_confirmation', label: 'Submit for confirmation', meta: { auto: true } },
    confirm: { from: { capability: 'confirmable' }, to: 'confirmed', label: 'Confirm' },
    request_payment: { from: ['confirmed'], to: 'awaiting_payment', label: 'Request payment' },
    pay: { from: ['awaiting_payment'], to: 'paid', label: 'Mark paid' },
    start_picking: { from: ['confirmed', 'paid'], to: 'picking', label: 'Start picking' },
    pack: { from: ['picking'], to: 'packed', label: 'Packed' },
    hand_to_carrier: { from: ['packed'], to: 'handed_to_carrier', label: 'Hand to carrier' },
    ship: { from: ['handed_to_carrier'], to: 'in_transit', label: 'In transit' },
    ready_for_pickup: { from: ['packed', 'in_transit'], to: 'ready_for_pickup', label: 'Ready for pickup' },
    deliver: { from: ['handed_to_carrier', 'in_transit', 'ready_for_pickup'], to: 'delivered', label: 'Delivered' },
    complete: { from: ['delivered'], to: 'completed', label: 'Complete' },
    complete_partially: { from: ['delivered'], to: 'partially_completed', label: 'Partial buyout' },
    return: { from: { capability: 'returnable' }, to: 'returned', label: 'Returned', requiresReason: true },
    cancel: {
      from: { capability: 'cancellable' },
      to: 'cancelled',
      label: 'Cancel',
      requiresReason: true,
      reasons: DEFAULT_CANCELLATION_REASONS,
      effects: cancelEffects,
    },
  },
}

/** The `orders.machine` config: an extension of the default machine, or a whole replacement. */
export type OrderMachineConfig = MachineExtension<OrderGuardContext> | { replace: MachineDefinition<OrderGuardContext> }

/**
 * The order machine a shop runs: the default (or `replace`), extended by the
 * config, with the `cancel` transition's reasons set to the configured list
 * (plus the reasons core cancels with itself).
 *
 * @throws OrdoError `INVALID_MACHINE` when the result is inconsistent.
 *
 * @example
 * ```ts
 * const machine = buildOrderMachine({ machine: { removeStates: ['ready_for_pickup'] }, cancellationReasons: ['no_answer', 'other'] })
 * ```
 */
export function buildOrderMachine(config: { machine?: OrderMachineConfig | undefined; cancellationReasons?: readonly string[] | undefined } = {}): Machine<OrderGuardContext> {
  const given = config.machine
  let machine: Machine<OrderGuardContext>
  if (given && 'replace' in given) {
    if (given.replace.id !== 'order') {
      throw new OrdoError('INVALID_MACHINE', `The order machine given in orders.machine.replace must have id "order", not "${given.replace.id}".`, {
        details: { machine: given.replace.id },
      })
    }
    machine = defineMachine(given.replace)
  } else {
    machine = defineMachine(DEFAULT_ORDER_MACHINE)
    if (given) machine = extendMachine(machine, given)
  }
  const cancel = machine.transitions[ORDER_TRANSITIONS.cancel]
  if (cancel && Object.hasOwn(machine.transitions, ORDER_TRANSITIONS.cancel)) {
    const reasons = [...new Set([...(config.cancellationReasons ?? cancel.reasons ?? DEFAULT_CANCELLATION_REASONS), ...SYSTEM_CANCELLATION_REASONS])]
    machine = extendMachine(machine, { transitions: { [ORDER_TRANSITIONS.cancel]: { reasons, requiresReason: true } } })
  }
  return machine
}
