/**
 * The kinds of stock location: a `warehouse` ships orders, a `showroom` is a
 * shop floor (usually a pickup point too), a `supplier` ships drop-ship orders
 * itself, from stock it reports or without a limit.
 */
export const LOCATION_TYPES = ['warehouse', 'showroom', 'supplier'] as const
/** One of {@link LOCATION_TYPES}. */
export type LocationType = (typeof LOCATION_TYPES)[number]

/**
 * Why on-hand stock changed. `receipt` and `return` add stock, `write_off` and
 * `sale` remove it, `count_correction` sets it to a counted figure, `transfer`
 * moves it between two locations (one movement at each end).
 */
export const MOVEMENT_REASONS = ['receipt', 'sale', 'return', 'write_off', 'count_correction', 'transfer'] as const
/** One of {@link MOVEMENT_REASONS}. */
export type MovementReason = (typeof MOVEMENT_REASONS)[number]

/** The reasons `shop.inventory.adjust()` accepts (transfers and counts have their own commands). */
export const ADJUST_REASONS = ['receipt', 'sale', 'return', 'write_off'] as const
/** One of {@link ADJUST_REASONS}. */
export type AdjustReason = (typeof ADJUST_REASONS)[number]

/**
 * Where a reservation is in its life: `active` holds stock; `released` (by its
 * owner), `expired` (by the clock) and `converted` (into a sale) no longer do.
 */
export const RESERVATION_STATUSES = ['active', 'released', 'converted', 'expired'] as const
/** One of {@link RESERVATION_STATUSES}. */
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number]

/** A place stock sits, as `shop.inventory` returns it. */
export interface StockLocation {
  id: string
  /** Unique, stable code (`MSK-1`, `SUPPLIER-ACME`) for integrations and feeds. */
  code: string
  name: string
  type: LocationType
  /** Customers can collect orders here. */
  pickup: boolean
  /** Regions it serves; empty means everywhere. */
  regions: string[]
  /** A supplier that takes any quantity (drop-ship on order): reservations do not check on-hand stock. */
  unlimited: boolean
  /** Days before goods from here can leave (a supplier's lead time). */
  leadTimeDays: number
  /** Lower is preferred when an order can be served from several locations. */
  priority: number
  /** Inactive locations keep their stock and history but serve no new reservations. */
  active: boolean
  createdAt: Date
  updatedAt: Date
}

/** Input of `shop.inventory.createLocation()`. */
export interface CreateLocationInput {
  /** Letters, digits, `.`, `_`, `-`; up to 100 characters; unique. */
  code: string
  name: string
  type: LocationType
  /** Only warehouses and showrooms can be pickup locations. @default false */
  pickup?: boolean
  /** @default [] (serves everywhere) */
  regions?: string[]
  /** Only for suppliers. @default false */
  unlimited?: boolean
  /** @default 0 */
  leadTimeDays?: number
  /** @default 0 */
  priority?: number
  /** @default true */
  active?: boolean
}

/** Input of `shop.inventory.updateLocation()`: the fields to change (the code stays). */
export type UpdateLocationInput = Partial<Omit<CreateLocationInput, 'code'>>

/** Stock of one variant at one location. */
export interface StockLevel {
  variantId: string
  locationId: string
  locationCode: string
  onHand: number
  reserved: number
  /** `onHand - reserved`, never below zero. */
  available: number
  /** The location is an unlimited supplier: it can promise more than `available`. */
  unlimited: boolean
}

/** One recorded change of on-hand stock. */
export interface StockMovement {
  id: string
  variantId: string
  locationId: string
  /** Units added (positive) or removed (negative); 0 for a count that matched. */
  delta: number
  reason: MovementReason
  /** The idempotency key of the command that made it. */
  key: string | null
  /** What caused it (an order, a purchase order…): `order:<id>` for sales of reservations. */
  reference: string | null
  /** The other leg of a transfer (or of a drop-ship receipt and its sale). */
  counterpartId: string | null
  note: string | null
  /** On-hand quantity at the location right after this movement. */
  onHandAfter: number
  at: Date
}

/** Input of `shop.inventory.adjust()`: name the location by `locationId` or by `locationCode`. */
export interface AdjustInput {
  variantId: string
  locationId?: string
  locationCode?: string
  /** Non-zero; positive for `receipt` and `return`, negative for `write_off` and `sale`. */
  delta: number
  reason: AdjustReason
  /** Idempotency key: the same key again returns the first movement. */
  key: string
  reference?: string | null
  note?: string | null
}

/** Input of `shop.inventory.receive()`: `adjust` with the reason `receipt`. */
export type ReceiveInput = Omit<AdjustInput, 'reason'>

/** Input of `shop.inventory.transfer()`: `from` and `to` are location ids or codes. */
export interface TransferInput {
  variantId: string
  from: string
  to: string
  quantity: number
  key: string
  reference?: string | null
  note?: string | null
}

/** The two movements of a transfer. */
export interface StockTransfer {
  /** The departure: negative delta at `from`. */
  from: StockMovement
  /** The arrival: positive delta at `to`. */
  to: StockMovement
}

/** Input of `shop.inventory.setCount()`: a physical count replaces on-hand stock, recording the difference. */
export interface SetCountInput {
  variantId: string
  locationId?: string
  locationCode?: string
  /** The counted quantity; it may not be below what is reserved there. */
  onHand: number
  key: string
  note?: string | null
}

/** Filter and page of `shop.inventory.movements()`, newest first. */
export interface MovementsQuery {
  variantId?: string
  locationId?: string
  reference?: string
  /** @default 50, at most 500 */
  limit?: number
  /** `nextCursor` of the previous page. */
  cursor?: string | null
}

/** A page of movements. */
export interface MovementPage {
  items: StockMovement[]
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

/** How much of a variant can be promised. */
export interface StockAvailability {
  /** Units at limited locations that are on hand and not reserved. */
  available: number
  /** An unlimited supplier serves the variant: any quantity can be reserved. */
  unlimited: boolean
}

/** {@link StockAvailability} of one variant, as the public query returns it. */
export interface VariantAvailability extends StockAvailability {
  variantId: string
}

/** One line to reserve. */
export interface ReservationLine {
  variantId: string
  quantity: number
}

/** Part of a line reserved at one location. */
export interface ReservedAllocation {
  reservationId: string
  variantId: string
  locationId: string
  locationType: LocationType
  quantity: number
}

/** Units held for an owner at one location. */
export interface Reservation {
  id: string
  ownerType: string
  ownerId: string
  variantId: string
  locationId: string
  quantity: number
  status: ReservationStatus
  /** Promised by an unlimited supplier rather than taken from on-hand stock. */
  unlimited: boolean
  /** When an active reservation lapses; null: never. */
  expiresAt: Date | null
  createdAt: Date
  /** When it was released, converted or expired. */
  closedAt: Date | null
}

/** Who holds a reservation: `{ ownerType: 'order', ownerId }`, `{ ownerType: 'cart', ownerId }`… */
export interface ReservationOwner {
  /** Up to 32 characters. */
  ownerType: string
  /** Up to 64 characters. */
  ownerId: string
}

/** Input of `shop.inventory.reserve()`. */
export interface ReserveInput extends ReservationOwner {
  lines: readonly ReservationLine[]
  /** When the reservation lapses if it is neither converted nor released. @default null (never) */
  expiresAt?: Date | null
  /** Only locations serving this region take part. @default null (all locations) */
  region?: string | null
}

/** Filter of `shop.inventory.reservations()`. */
export interface ReservationsQuery {
  ownerType?: string
  ownerId?: string
  variantId?: string
  status?: ReservationStatus
  /** @default 100, at most 1000 */
  limit?: number
}
