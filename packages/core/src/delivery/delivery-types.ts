import type { Address } from '../cart/cart-types.js'
import type { Courier, CourierLocation, DeliveryMethodType, DeliveryServices, PickupPoint } from './courier.js'
import type { DeliveryCalendar } from './delivery-dates.js'
import type { OwnCourierConfig } from './own-courier.js'
import type { PackagingRule } from './parcel.js'
import type { ShipmentStatus } from './shipment-machine.js'

/** The carrier id of the shop's own couriers in options and shipments. */
export const OWN_COURIER = 'own'
/** The carrier id of pickup at the shop's own locations. */
export const SHOWROOM = 'showroom'

/** Showroom pickup: customers collect orders at the shop's pickup locations. */
export interface ShowroomPickupConfig {
  /** The shop's pickup locations (stock location codes with `pickup: true`) and where customers find them. */
  locations: { code: string; name?: string; city: string; address: string; postalCode?: string; workingHours?: string; lat?: number; lon?: number }[]
  /** @default 0 */
  price?: number
  /** Working days from shipping to ready when the goods come from another location. @default 1 */
  transferDays?: number
}

/** The `delivery` section of `createCommerce()`'s config. */
export interface DeliveryConfig {
  /** Courier adapters (`cdek(...)`, `russianPost(...)`). */
  couriers?: Courier[]
  /** The shop's own couriers: zones, prices, time slots. */
  ownCourier?: OwnCourierConfig
  /** Pickup at the shop's own locations. */
  showroomPickup?: ShowroomPickupConfig
  /** Where carriers collect parcels (the main warehouse). */
  from?: CourierLocation
  /** Working days, holidays and the time zone dates are counted in. @default Mon–Fri, Europe/Moscow */
  calendar?: DeliveryCalendar
  /** Orders after this local time ('HH:mm') are handled from the next working day. @default '14:00' */
  cutoff?: string
  /** Working days the warehouse needs before handing over. @default 1 */
  handlingDays?: number
  /** Added to carriers' prices (not to the own courier's or pickup): basis points of the price and a fixed amount. */
  markup?: { basisPoints?: number; fixed?: number }
  /** How the goods are packed into parcels. */
  packaging?: PackagingRule
  /** Per courier, for one quote. @default 5_000 */
  quoteTimeoutMs?: number
  /** How long a quote is reused for the same destination and parcels. @default 300 */
  quoteCacheSeconds?: number
  /** How long a courier's pickup points are reused before they are asked again. @default 24 */
  pickupPointsRefreshHours?: number
  /** How often shipments of couriers without webhooks are polled. @default 30 */
  trackEveryMinutes?: number
  /** Per courier call (registration, tracking, labels): attempts on retryable failures. @default 3 */
  maxAttempts?: number
  /** The order moves to `completed` (`partially_completed`) when every shipment is delivered. @default true */
  completeOnDelivery?: boolean
}

/** Where the customer wants the goods: an address (door, post) or just a city (points). */
export interface DeliveryDestination {
  /** ISO 3166 alpha-2. @default 'RU' */
  country?: string
  city: string
  postalCode?: string
  region?: string
  /** The carriers' own city codes (`{ cdek: '44' }`), when the storefront knows them. */
  carrierCityCodes?: Record<string, string>
  lat?: number
  lon?: number
}

/** One way to deliver a cart, as `shop.delivery.quote()` offers it. */
export interface DeliveryOption {
  /** Pass to `carts.setDelivery()`: `${carrier}:${tariffCode}`, with `:${methodType}` when the carrier uses one tariff code for two method types; stable across quotes. */
  id: string
  methodType: DeliveryMethodType
  /** `own`, `showroom` or a courier adapter's id. */
  carrier: string
  carrierName: string
  tariffCode: string
  name: string
  /** What the customer pays, VAT included, minor units (after the shop's markup and its own free-delivery rules; promotions apply in the cart's breakdown). */
  price: number
  /** What the carrier charges, before the markup. */
  carrierPrice: number
  /** Estimated delivery, local dates 'YYYY-MM-DD'. */
  estimate: { shipDate: string; from: string; to: string }
  services: DeliveryServices
  /** Point types: the points the parcel can go to. */
  pickupPoints?: PickupPoint[]
  /** Own courier: time slots with places left. */
  slots?: { id: string; date: string; from: string; to: string; left: number }[]
}

/** A courier that did not answer a quote, and why. */
export interface QuoteFailure {
  carrier: string
  reason: string
}

/** What `shop.delivery.quote()` returns. */
export interface DeliveryQuote {
  options: DeliveryOption[]
  /** Couriers that failed or timed out; the other options are still good. */
  failures: QuoteFailure[]
  /** The parcels the options were priced for. */
  parcels: { weightGrams: number; lengthCm: number; widthCm: number; heightCm: number }[]
}

/** Options of `shop.delivery.quote()`. */
export interface QuoteOptions {
  /** @default 'cheapest' */
  sort?: 'cheapest' | 'fastest'
  /** Only these method types. */
  methodTypes?: DeliveryMethodType[]
}

/** Input of `shop.carts.setDelivery()`. */
export interface SetDeliveryInput {
  /** An option id from `shop.delivery.quote()`. */
  optionId: string
  destination: DeliveryDestination
  /** Point types: the carrier's point id (showroom: the location code). */
  pickupPointId?: string
  /** Door and post: the address (the cart's shipping address is set to it). */
  address?: Address
  /** Own courier: a slot id from the option. */
  slot?: string
  /** Door: try on before paying, keep some items. */
  tryOn?: boolean
  callBefore?: boolean
}

/** The delivery chosen on a cart and copied to its order. */
export interface DeliveryChoice {
  optionId: string
  methodType: DeliveryMethodType
  carrier: string
  carrierName: string
  tariffCode: string
  name: string
  price: number
  /** What the carrier charges for it, before the shop's markup (cost per delivery in reports); absent on choices made before it was recorded. */
  carrierPrice?: number
  estimate: { shipDate: string; from: string; to: string }
  services: DeliveryServices
  destination: DeliveryDestination
  address: Address | null
  pickupPoint: PickupPoint | null
  slot: { id: string; date: string; from: string; to: string } | null
  tryOn: boolean
  callBefore: boolean
}

/** Filter of `shop.delivery.pickupPoints()`. */
export interface PickupPointsQuery {
  carrier?: string
  city?: string
  postalCode?: string
  /** With `radiusKm`: points near here, nearest first. */
  near?: { lat: number; lon: number; radiusKm?: number }
  cod?: boolean
  card?: boolean
  tryOn?: boolean
  partialBuyout?: boolean
  /** true: lockers only; false: no lockers. */
  locker?: boolean
  /** @default 100 */
  limit?: number
}

/** One line of a shipment. */
export interface ShipmentLine {
  orderLineId: string
  variantId: string
  sku: string
  name: string
  quantity: number
  /**
   * What these units are worth, minor units: the order line's total allocated
   * over every shipment that carries part of it, so the parts add up to the
   * line total. Cash on delivery, the items registered at the carrier and
   * refusals at the door are valued from it.
   */
  value: number
  /** After an outcome: what the customer kept and refused. */
  keptQuantity: number | null
  refusedQuantity: number | null
}

/** One status report in a shipment's tracking history. */
export interface ShipmentEvent {
  status: ShipmentStatus
  rawStatus: string | null
  /** `carrier` (webhook or poll), `manager:7`, `system`. */
  source: string
  description: string | null
  at: Date
}

/** A parcel (or group of parcels) of an order on its way, as `shop.shipments` returns it. */
export interface Shipment {
  id: string
  orderId: string
  orderNumber: string
  /** `100245-1`; the reference registered at the carrier. */
  number: string
  /** `outbound` to the customer, `return` back to the shop. */
  direction: 'outbound' | 'return'
  status: ShipmentStatus
  /** The carrier's last raw status code. */
  rawStatus: string | null
  methodType: DeliveryMethodType
  carrier: string
  tariffCode: string
  /** The stock location it leaves from (or, for a return, goes back to). */
  locationId: string | null
  /** Drop-ship: the supplier order it waits for. */
  supplierOrderId: string | null
  pickupPoint: PickupPoint | null
  address: Address | null
  slot: { id: string; date: string; from: string; to: string } | null
  trackingNumber: string | null
  carrierShipmentId: string | null
  /** At a pickup point: the last day it is kept. */
  storageUntil: Date | null
  /** Cash the carrier collects, minor units (0 when prepaid). */
  codAmount: number
  declaredValue: number
  weightGrams: number | null
  boxes: number | null
  services: { tryOn: boolean; partialBuyout: boolean; callBefore: boolean }
  lines: ShipmentLine[]
  /** The return shipment an outcome created, or the outbound shipment a return belongs to. */
  relatedShipmentId: string | null
  version: number
  createdAt: Date
  updatedAt: Date
}

/** A drop-ship order to a supplier for the lines it ships. */
export interface SupplierOrder {
  id: string
  orderId: string
  orderNumber: string
  /** The supplier's stock location. */
  locationId: string
  status: 'placed' | 'confirmed' | 'shipped' | 'received' | 'cancelled'
  lines: { orderLineId: string; sku: string; name: string; quantity: number; unitCost: number | null }[]
  /** Σ unit cost × quantity (lines without a cost count 0). */
  costTotal: number
  /** When the supplier should have the goods ready (its lead time). */
  expectedAt: Date
  createdAt: Date
  updatedAt: Date
}

/** Input of `shop.shipments.recordOutcome()`: what the customer kept and refused, per order line. */
export interface RecordOutcomeInput {
  kept: { lineId: string; quantity: number }[]
  refused: { lineId: string; quantity: number }[]
  reason?: string
  actor?: string
  /** A retry with the same key returns the first result. */
  idempotencyKey?: string
}

/** What an outcome changed. */
export interface OutcomeResult {
  shipment: Shipment
  /** The return shipment of the refused items, if any were refused. */
  returnShipment: Shipment | null
  /** Goods value the customer did not keep (from the order's breakdown, to the kopeck). */
  refusedAmount: number
  /** Cash the carrier collects now (0 when prepaid). */
  codAmount: number
  /** Prepaid money to give back (a refund is started for it). */
  refundDue: number
}

/** What `applyUpdates`, `track` and webhooks did with carrier reports. */
export interface TrackingResult {
  /** Reports that moved a shipment. */
  applied: number
  /** Reports already seen, or older than the shipment's status. */
  ignored: number
  /** Reports naming no shipment of ours. */
  unknown: number
}
