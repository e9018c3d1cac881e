/**
 * CDEK (СДЭК, API v2) courier for Ordo: tariffs from the calculator, pickup
 * points and parcel lockers with their size and weight limits, shipments of
 * an online shop with cash on delivery per item, try-on and partial delivery,
 * waybill PDFs, tracking by order look-ups, and `ORDER_STATUS` webhooks
 * verified by re-fetching the order.
 *
 * @example
 * ```ts
 * import { cdek } from '@ordo/courier-cdek'
 *
 * const courier = cdek({ clientId: 'account', clientSecret: process.env.CDEK_SECRET!, shipmentPoint: 'MSK12' })
 * courier.capabilities.supportsPartialBuyout // true
 * ```
 *
 * @module
 */
export { cdek } from './cdek-courier.js'
export {
  CDEK_API_URL,
  CDEK_DOOR_TARIFFS,
  CDEK_OFFICE_TARIFFS,
  CDEK_TEST_API_URL,
  type CdekConfig,
  type CdekLocation,
} from './cdek-config.js'
export { CDEK_DELIVERY_MODES, CDEK_STATUS_MAP, cdekCarrierStatus } from './cdek-status.js'
export { fromCdekRubles, gramsFromKilograms, toCdekRubles } from './cdek-money.js'
