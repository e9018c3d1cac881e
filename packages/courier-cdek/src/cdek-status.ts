import type { CarrierStatus, DeliveryMethodType } from '@ordo/core'

/**
 * CDEK's order status codes (API v2, "Статусы заказов") mapped to core's
 * carrier statuses, for a direct order. `ACCEPTED` is CDEK's "принят": the
 * order exists but is still being validated, before `CREATED`, so it maps to
 * `registered`, not to a handover. `RETURNED_TO_*_WAREHOUSE` are re-entries
 * at a CDEK warehouse on the way, not a return to the shop. Returns to the
 * shop travel as a separate return order (`is_return: true`): see
 * {@link cdekCarrierStatus}.
 */
export const CDEK_STATUS_MAP: Readonly<Record<string, CarrierStatus>> = Object.freeze({
  ACCEPTED: 'registered',
  CREATED: 'registered',
  RECEIVED_AT_SHIPMENT_WAREHOUSE: 'handed_over',
  READY_TO_SHIP_AT_SENDING_OFFICE: 'handed_over',
  READY_FOR_SHIPMENT_IN_SENDER_CITY: 'handed_over',
  RETURNED_TO_SENDER_CITY_WAREHOUSE: 'handed_over',
  TAKEN_BY_TRANSPORTER_FROM_SENDER_CITY: 'in_transit',
  SENT_TO_TRANSIT_CITY: 'in_transit',
  ACCEPTED_IN_TRANSIT_CITY: 'in_transit',
  ACCEPTED_AT_TRANSIT_WAREHOUSE: 'in_transit',
  RETURNED_TO_TRANSIT_WAREHOUSE: 'in_transit',
  READY_TO_SHIP_IN_TRANSIT_OFFICE: 'in_transit',
  READY_FOR_SHIPMENT_IN_TRANSIT_CITY: 'in_transit',
  TAKEN_BY_TRANSPORTER_FROM_TRANSIT_CITY: 'in_transit',
  SENT_TO_SENDER_CITY: 'in_transit',
  SENT_TO_RECIPIENT_CITY: 'in_transit',
  ACCEPTED_IN_SENDER_CITY: 'in_transit',
  ACCEPTED_IN_RECIPIENT_CITY: 'in_transit',
  ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE: 'in_transit',
  RETURNED_TO_RECIPIENT_CITY_WAREHOUSE: 'in_transit',
  TAKEN_BY_COURIER: 'in_transit',
  IN_CUSTOMS_INTERNATIONAL: 'in_transit',
  SHIPPED_TO_DESTINATION: 'in_transit',
  PASSED_TO_TRANSIT_CARRIER: 'in_transit',
  IN_CUSTOMS_LOCAL: 'in_transit',
  CUSTOMS_COMPLETE: 'in_transit',
  POSTOMAT_SEIZED: 'in_transit',
  ACCEPTED_AT_PICK_UP_POINT: 'at_pickup_point',
  POSTOMAT_POSTED: 'at_pickup_point',
  DELIVERED: 'delivered',
  POSTOMAT_RECEIVED: 'delivered',
  NOT_DELIVERED: 'refused',
  INVALID: 'cancelled',
  REMOVED: 'cancelled',
})

/**
 * Maps one CDEK status code to core's status; `null` for a code this adapter
 * does not know (the caller then falls back to an earlier known status).
 * For a return order (`isReturn`), delivery back to the shop is `returned`
 * and everything before it `returning`.
 */
export function cdekCarrierStatus(code: string, isReturn: boolean): CarrierStatus | null {
  if (isReturn) {
    if (code === 'DELIVERED' || code === 'POSTOMAT_RECEIVED') return 'returned'
    return Object.hasOwn(CDEK_STATUS_MAP, code) ? 'returning' : null
  }
  return Object.hasOwn(CDEK_STATUS_MAP, code) ? CDEK_STATUS_MAP[code]! : null
}

/**
 * CDEK's delivery modes (`delivery_mode` of a tariff) mapped to method types:
 * 1 door→door and 3 office→door are `courier_door`; 2 door→office and
 * 4 office→office `pickup_point`; 6 door→postamat and 7 office→postamat
 * `parcel_locker`.
 */
export const CDEK_DELIVERY_MODES: Readonly<Record<string, DeliveryMethodType>> = Object.freeze({
  '1': 'courier_door',
  '2': 'pickup_point',
  '3': 'courier_door',
  '4': 'pickup_point',
  '6': 'parcel_locker',
  '7': 'parcel_locker',
})
