/**
 * CloudPayments for Ordo: payment links paid on CloudPayments' page, one- and
 * two-stage (hold, then partial confirm), void, partial refunds, 54-FZ receipts
 * through CloudKassir, and notifications verified by their HMAC-SHA256
 * signature.
 *
 * @example
 * ```ts
 * import { cloudpayments } from '@ordo/payment-cloudpayments'
 *
 * const provider = cloudpayments({ publicId: 'pk_…', apiSecret: process.env.CP_API_SECRET! })
 * ```
 *
 * @module
 */
export { cloudpayments } from './cloudpayments-provider.js'
export {
  CLOUDPAYMENTS_API_URL,
  CLOUDPAYMENTS_TAXATION_SYSTEMS,
  type CloudPaymentsConfig,
  type CloudPaymentsTaxationSystem,
} from './cloudpayments-config.js'
export { CLOUDPAYMENTS_TRANSACTION_STATUSES, mapCloudPaymentsStatus, type CloudPaymentsTransactionStatus } from './cloudpayments-status.js'
