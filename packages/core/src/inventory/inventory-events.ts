import type { MovementReason } from './inventory-types.js'

declare module '../events/domain-events.js' {
  interface DomainEventMap {
    /** On-hand stock changed at a location (receipt, sale, return, write-off, count, transfer leg). Aggregate: the variant. */
    'stock.adjusted': StockAdjustedData
    /** Stock was reserved for an owner (a cart, an order…). Aggregate: the owner id. */
    'stock.reserved': StockReservedData
    /** An owner's reservations were released by the owner or expired. Aggregate: the owner id. */
    'stock.released': StockReleasedData
  }
}

/** Payload of `stock.adjusted`. */
export interface StockAdjustedData {
  movementId: string
  variantId: string
  locationId: string
  delta: number
  reason: MovementReason
  /** On hand at the location after the change. */
  onHand: number
  reference: string | null
}

/** Payload of `stock.reserved`. */
export interface StockReservedData {
  ownerType: string
  ownerId: string
  /** ISO instant, or null when the reservation never expires. */
  expiresAt: string | null
  allocations: { reservationId: string; variantId: string; locationId: string; quantity: number }[]
}

/** Payload of `stock.released`. */
export interface StockReleasedData {
  ownerType: string
  ownerId: string
  /** `released` by the owner, or `expired` by the clock. */
  reason: 'released' | 'expired'
  lines: { variantId: string; locationId: string; quantity: number }[]
}
