/**
 * Russian Post (Почта России) courier for Ordo, over the otpravka API and the
 * batch tracking service: tariffs for post-office delivery and ECOM pickup
 * points and parcel lockers, orders put in batches (idempotent by our
 * shipment number), cash on delivery in kopecks, print forms as PDF, cancel
 * before handover, and tracking of up to 3,000 parcels per ticket. Russian
 * Post pushes no status webhooks, so the engine polls `track`.
 *
 * @example
 * ```ts
 * import { russianPost } from '@ordo/courier-russianpost'
 *
 * const courier = russianPost({
 *   accessToken: process.env.POCHTA_TOKEN!,
 *   login: process.env.POCHTA_LOGIN!,
 *   password: process.env.POCHTA_PASSWORD!,
 *   fromPostalCode: '101000',
 * })
 * courier.capabilities.maxTrackBatch // 3000
 * ```
 *
 * @module
 */
export { russianPost, russianPostCityName, RUSSIAN_POST_REGISTERED_RAW_STATUS } from './russianpost-courier.js'
export {
  RUSSIAN_POST_API_URL,
  RUSSIAN_POST_TRACKING_URL,
  RUSSIAN_POST_POST_MAIL_TYPES,
  type RussianPostConfig,
  type RussianPostPostMailType,
} from './russianpost-config.js'
export { RUSSIAN_POST_OPERATIONS, russianPostStatus, russianPostRawStatus } from './russianpost-statuses.js'
export { RUSSIAN_POST_MAX_TICKET_ITEMS, parseOperationDate } from './russianpost-tracking.js'
