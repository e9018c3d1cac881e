import type { VatRate } from '../money/vat.js'
import type { CurrencyCode } from '../money/index.js'
import type { WebhookRequest } from '../payment/payment-provider.js'
import { AdapterError } from '../adapter-error.js'

/**
 * How the goods reach the customer:
 * - `courier_door`: a courier brings them to the address (time slot, try-on, partial buyout, call before);
 * - `showroom_pickup`: the customer collects them at one of the shop's own locations;
 * - `pickup_point`: a carrier's pickup point (ПВЗ);
 * - `parcel_locker`: a carrier's parcel locker (постамат: cell size and weight limits, no try-on);
 * - `post`: the post office (Почта России).
 */
export const DELIVERY_METHOD_TYPES = ['courier_door', 'showroom_pickup', 'pickup_point', 'parcel_locker', 'post'] as const
/** One of {@link DELIVERY_METHOD_TYPES}. */
export type DeliveryMethodType = (typeof DELIVERY_METHOD_TYPES)[number]

/**
 * Where a parcel is on its way, as a courier adapter maps its carrier's own
 * codes (the raw code is always kept next to it):
 * `registered` (created at the carrier) → `handed_over` (the carrier took it)
 * → `in_transit` → `at_pickup_point` (waiting at a point or locker, until the
 * storage deadline) → `delivered` | `partially_delivered` (some items kept) |
 * `refused` (nothing kept) → `returning` → `returned`; `lost`; `cancelled`.
 */
export const CARRIER_STATUSES = [
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
/** One of {@link CARRIER_STATUSES}. */
export type CarrierStatus = (typeof CARRIER_STATUSES)[number]

/** What an option, a tariff or a pickup point supports. */
export interface DeliveryServices {
  /** Cash on delivery (наложенный платёж). */
  cod: boolean
  /** Card payment on receipt. */
  card: boolean
  /** The customer may try items on before paying. */
  tryOn: boolean
  /** The customer may keep some items and refuse the rest. */
  partialBuyout: boolean
}

/** A place: a warehouse the parcel leaves from, or the customer's destination. */
export interface CourierLocation {
  /** ISO 3166 alpha-2. */
  country: string
  city: string
  postalCode?: string | undefined
  region?: string | undefined
  /** Street, house, apartment in one line (door delivery). */
  line?: string | undefined
  lat?: number | undefined
  lon?: number | undefined
  /** The carrier's own city code, when the shop knows it (CDEK `code`). */
  carrierCityCode?: string | undefined
}

/** One box: weight in grams, dimensions in centimetres. */
export interface Parcel {
  weightGrams: number
  lengthCm: number
  widthCm: number
  heightCm: number
}

/** What `Courier.quote` is asked: from where, to where, what. */
export interface CourierQuoteRequest {
  from: CourierLocation
  to: CourierLocation
  parcels: Parcel[]
  /** Declared value of the goods, minor units. */
  declaredValue: number
  currency: CurrencyCode
  /** Only these method types are wanted. @default all the courier serves */
  methodTypes?: DeliveryMethodType[]
}

/** One tariff a courier offers for a quote request. */
export interface CourierTariff {
  /** The carrier's tariff code (`136`, `POSTAL_PARCEL`). */
  tariffCode: string
  name: string
  methodType: DeliveryMethodType
  /** The carrier's price, VAT included, minor units of the request's currency. */
  price: number
  /** Transit days (the carrier's own estimate), working days. */
  minDays: number
  maxDays: number
  services: DeliveryServices
}

/** What `Courier.listPickupPoints` filters by; adapters filter what their API cannot. */
export interface PickupPointQuery {
  city?: string | undefined
  postalCode?: string | undefined
  /** The carrier's own city code, when known. */
  carrierCityCode?: string | undefined
  country?: string | undefined
  /** Points of these types only. @default pickup points and lockers */
  types?: ('pickup_point' | 'parcel_locker' | 'post')[] | undefined
}

/** A carrier's pickup point, parcel locker or post office. */
export interface PickupPoint {
  /** The carrier's code of the point (CDEK `MSK123`, a post office's index). */
  id: string
  /** The courier id (`cdek`). */
  carrier: string
  type: 'pickup_point' | 'parcel_locker' | 'post'
  name: string
  address: { country: string; city: string; postalCode: string | null; line: string }
  lat: number | null
  lon: number | null
  /** Opening hours as the carrier words them (`Пн-Пт 10:00-20:00`). */
  workingHours: string | null
  services: DeliveryServices
  /** Heaviest parcel it takes, grams; null: no limit known. */
  maxWeightGrams: number | null
  /** Largest parcel it takes (lockers: the biggest cell), centimetres, sorted descending; null: no limit known. */
  maxDimensionsCm: [number, number, number] | null
}

/** One item in a parcel, as fiscal data and COD need it. */
export interface CourierShipmentItem {
  /** Our SKU (the carrier's `ware_key`). */
  sku: string
  name: string
  quantity: number
  /** Price of one unit the customer pays, VAT included, minor units. */
  unitPrice: number
  vatRate: VatRate
  weightGrams: number
  /** Cash to collect for one unit (0 when prepaid), minor units. */
  codPerUnit: number
  /** A marking code (Честный знак), when the goods carry one. */
  markingCode?: string | undefined
}

/** What `Courier.createShipment` registers at the carrier. */
export interface CourierShipmentRequest {
  /**
   * Our shipment number, unique per shop (`100245-1`). The adapter sends it as
   * the carrier's order number and treats "already exists" as success, so a
   * retry after a timeout never registers the parcel twice.
   */
  reference: string
  tariffCode: string
  methodType: DeliveryMethodType
  from: CourierLocation
  /** Door and post delivery: the address. */
  to: CourierLocation
  /** Point types: the carrier's point code. */
  pickupPointId: string | null
  recipient: { name: string; phone: string; email: string | null }
  parcels: (Parcel & { items: CourierShipmentItem[] })[]
  /** Declared (insured) value, minor units. */
  declaredValue: number
  /** Cash to collect for delivery itself, minor units (0 when prepaid). */
  codDelivery: number
  currency: CurrencyCode
  services: { tryOn: boolean; partialBuyout: boolean; insurance: boolean; callBefore: boolean }
  comment: string | null
}

/** The carrier's answer to a registration. */
export interface CourierShipmentCreated {
  /** The carrier's id of the shipment (CDEK order uuid). */
  carrierShipmentId: string
  /** The number the customer tracks by; null when the carrier assigns it later (then `track` reports it). */
  trackingNumber: string | null
  /** The carrier's status code right after creation. */
  rawStatus: string | null
}

/** Which shipment an operation is about: the carrier's id and tracking number as registration returned them. */
export interface CourierShipmentRef {
  carrierShipmentId: string
  trackingNumber: string | null
}

/** One status report from a carrier (a poll result or a webhook). */
export interface CarrierStatusUpdate {
  /** The carrier's id of the shipment, when the report carries it. */
  carrierShipmentId: string | null
  trackingNumber: string | null
  /** Our shipment number (`reference`), when the report carries it. */
  reference: string | null
  status: CarrierStatus
  /** The carrier's own code (`ACCEPTED`, `DELIVERED`, operation type 2/1…). */
  rawStatus: string
  /** When it happened at the carrier. */
  occurredAt: Date
  /** At a pickup point: the last day it is kept there. */
  storageUntil?: Date | null | undefined
  /** Partial delivery as the carrier reports it: what the customer kept, by SKU. */
  kept?: { sku: string; quantity: number }[] | undefined
  /** The carrier's words, for the timeline. */
  description?: string | undefined
}

/** What `Courier.parseWebhook` returns: status updates to apply, or why the request was refused, and what to answer. */
export type ParsedCourierWebhook =
  | { ok: true; updates: CarrierStatusUpdate[]; response: { status: number; body: string; contentType: string } }
  | { ok: false; reason: string; response: { status: number; body: string; contentType: string } }

/** What the adapter and its carrier can do. */
export interface CourierCapabilities {
  readonly supportsTryOn: boolean
  readonly supportsPartialBuyout: boolean
  readonly supportsLockers: boolean
  /** The carrier pushes status changes; without it the engine polls with `track`. */
  readonly supportsWebhooks: boolean
  readonly supportsCod: boolean
  /** `getLabel` returns a PDF. */
  readonly supportsLabels: boolean
  /** Most tracking numbers one `track` call takes. */
  readonly maxTrackBatch: number
}

/** Passed to every courier call: cancel it when the signal aborts (the engine's timeout). */
export interface CourierCallContext {
  readonly signal: AbortSignal
}

/**
 * The port a courier adapter implements (`@ordo/courier-cdek`,
 * `@ordo/courier-russianpost`…). Nothing in core knows a carrier: a shop that
 * switches couriers swaps adapters. The engine wraps every call with a
 * timeout and retries on {@link CourierError}s marked retryable, registers
 * each shipment once (see {@link CourierShipmentRequest.reference}), polls
 * `track` for carriers without webhooks and keeps each raw status code next
 * to the mapped one.
 */
export interface Courier {
  /** Stable id used in options, shipments and webhook routes (`cdek`). */
  readonly id: string
  /** Shown to customers (`СДЭК`). */
  readonly name: string
  readonly capabilities: CourierCapabilities
  /** Tariffs for a parcel between two places. */
  quote(request: CourierQuoteRequest, context: CourierCallContext): Promise<CourierTariff[]>
  /** The carrier's points near a city or postal code. */
  listPickupPoints(query: PickupPointQuery, context: CourierCallContext): Promise<PickupPoint[]>
  /** Registers a shipment; idempotent by `request.reference`. */
  createShipment(request: CourierShipmentRequest, context: CourierCallContext): Promise<CourierShipmentCreated>
  /** Cancels a registered shipment that has not been handed over. */
  cancelShipment(ref: CourierShipmentRef, context: CourierCallContext): Promise<void>
  /** The shipping label as PDF bytes. */
  getLabel(ref: CourierShipmentRef, context: CourierCallContext): Promise<Uint8Array>
  /** The latest status of each shipment (at most `capabilities.maxTrackBatch` per call); unknown ones are left out. */
  track(refs: CourierShipmentRef[], context: CourierCallContext): Promise<CarrierStatusUpdate[]>
  /** Verifies and reads a status webhook. */
  parseWebhook(request: WebhookRequest): Promise<ParsedCourierWebhook>
}

/** A courier call failed; `retryable` says whether the engine may try again (network, 5xx, 429). */
export class CourierError extends AdapterError {
  override readonly name = 'CourierError'
}
