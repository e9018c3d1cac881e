export {
  CARRIER_STATUSES,
  CourierError,
  DELIVERY_METHOD_TYPES,
  type CarrierStatus,
  type CarrierStatusUpdate,
  type Courier,
  type CourierCallContext,
  type CourierCapabilities,
  type CourierLocation,
  type CourierQuoteRequest,
  type CourierShipmentCreated,
  type CourierShipmentItem,
  type CourierShipmentRef,
  type CourierShipmentRequest,
  type CourierTariff,
  type DeliveryMethodType,
  type DeliveryServices,
  type Parcel,
  type ParsedCourierWebhook,
  type PickupPoint,
  type PickupPointQuery,
} from './courier.js'
export type {} from './delivery-events.js'
export { OWN_COURIER, SHOWROOM } from './delivery-types.js'
export type {
  DeliveryChoice,
  DeliveryConfig,
  DeliveryDestination,
  DeliveryOption,
  DeliveryQuote,
  OutcomeResult,
  PickupPointsQuery,
  QuoteFailure,
  QuoteOptions,
  RecordOutcomeInput,
  SetDeliveryInput,
  Shipment,
  ShipmentEvent,
  ShipmentLine,
  ShowroomPickupConfig,
  SupplierOrder,
  TrackingResult,
} from './delivery-types.js'
export type { DeliveryApi } from './delivery-module.js'
export type { ShipmentApi } from './shipment-module.js'
export { SHIPMENT_MACHINE, SHIPMENT_STATUSES, type ShipmentStatus } from './shipment-machine.js'
export { addWorkingDays, estimateDeliveryDates, isWorkingDay, type DeliveryCalendar, type DeliveryEstimate, type DeliveryEstimateInput } from './delivery-dates.js'
export { matchZone, ownCourierPrice, parseSlotId, slotsFrom, type DeliverySlot, type OwnCourierConfig, type OwnCourierSlot, type OwnCourierZone } from './own-courier.js'
export { buildParcels, whyNotFits, type PackagingBox, type PackagingRule, type ParcelItem } from './parcel.js'
