import type { MachineDefinition } from '../machine/index.js'
import type { CarrierStatus } from './courier.js'

/**
 * Statuses of a shipment: `pending` (waiting to be packed; drop-ship: for the
 * supplier) → `ready_to_ship` (packed: weight, boxes) → `registered` (created
 * at the carrier: tracking number, label) → `handed_over` → `in_transit` →
 * `at_pickup_point` (until the storage deadline) → `delivered` |
 * `partially_delivered` | `refused` → `returning` → `returned`; `lost`;
 * `cancelled`.
 */
export const SHIPMENT_STATUSES = [
  'pending',
  'ready_to_ship',
  'registered',
  'handed_over',
  'in_transit',
  'at_pickup_point',
  'delivered',
  'partially_delivered',
  'refused',
  'returning',
  'returned',
  'lost',
  'cancelled',
] as const
/** One of {@link SHIPMENT_STATUSES}. */
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number]

const PACKED = ['ready_to_ship', 'registered'] as const
const MOVING = [...PACKED, 'handed_over', 'in_transit', 'at_pickup_point'] as const

/**
 * The shipment machine. Every transition moves forward and a carrier may skip
 * steps (a poll sees `delivered` without `in_transit`), so transitions start
 * from every earlier status; a late or repeated report that would move a
 * shipment back has no transition and is ignored.
 */
export const SHIPMENT_MACHINE: MachineDefinition<Record<string, never>> = {
  id: 'shipment',
  initial: 'pending',
  states: {
    pending: { label: 'Pending' },
    ready_to_ship: { label: 'Ready to ship' },
    registered: { label: 'Registered at the carrier' },
    handed_over: { label: 'Handed over' },
    in_transit: { label: 'In transit' },
    at_pickup_point: { label: 'At the pickup point' },
    delivered: { label: 'Delivered', final: true },
    partially_delivered: { label: 'Partially delivered' },
    refused: { label: 'Refused' },
    returning: { label: 'Returning' },
    returned: { label: 'Returned', final: true },
    lost: { label: 'Lost', final: true },
    cancelled: { label: 'Cancelled', final: true },
  },
  transitions: {
    pack: { from: ['pending'], to: 'ready_to_ship', label: 'Packed' },
    register: { from: ['ready_to_ship'], to: 'registered', label: 'Register at the carrier' },
    hand_over: { from: [...PACKED], to: 'handed_over', label: 'Handed over' },
    transit: { from: [...PACKED, 'handed_over'], to: 'in_transit', label: 'In transit' },
    arrive: { from: [...PACKED, 'handed_over', 'in_transit'], to: 'at_pickup_point', label: 'At the pickup point' },
    deliver: { from: [...MOVING], to: 'delivered', label: 'Delivered' },
    deliver_partially: { from: [...MOVING], to: 'partially_delivered', label: 'Partially delivered' },
    refuse: { from: [...MOVING], to: 'refused', label: 'Refused' },
    return: { from: ['handed_over', 'in_transit', 'at_pickup_point', 'refused', 'partially_delivered'], to: 'returning', label: 'Returning' },
    receive_return: { from: ['returning', 'refused'], to: 'returned', label: 'Return received' },
    lose: { from: [...MOVING, 'returning'], to: 'lost', label: 'Lost' },
    cancel: { from: ['pending', 'ready_to_ship', 'registered'], to: 'cancelled', label: 'Cancel', requiresReason: true },
  },
}

/** The shipment transition a carrier status asks for. */
export const TRANSITION_FOR_CARRIER_STATUS: Record<CarrierStatus, string> = {
  registered: 'register',
  handed_over: 'hand_over',
  in_transit: 'transit',
  at_pickup_point: 'arrive',
  delivered: 'deliver',
  partially_delivered: 'deliver_partially',
  refused: 'refuse',
  returning: 'return',
  returned: 'receive_return',
  lost: 'lose',
  cancelled: 'cancel',
}

/**
 * How far an outbound shipment got, for driving its order: the order follows
 * its least advanced shipment. Statuses not listed (pending, cancelled, lost…)
 * do not move the order.
 */
export const SHIPMENT_STAGE: Partial<Record<ShipmentStatus, number>> = {
  ready_to_ship: 1,
  registered: 1,
  handed_over: 2,
  in_transit: 3,
  at_pickup_point: 4,
  delivered: 5,
  partially_delivered: 5,
  refused: 5,
  returning: 5,
  returned: 5,
}
