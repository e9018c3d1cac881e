/**
 * YooKassa (ЮKassa, API v3) payment provider for Ordo: one- and two-stage
 * card payments, partial capture, voids, partial refunds, 54-FZ receipts, and
 * notifications verified by re-fetching the object from the API with an
 * optional sender IP allow-list.
 *
 * @example
 * ```ts
 * import { yookassa } from '@ordo/payment-yookassa'
 *
 * const provider = yookassa({ shopId: '123456', secretKey: process.env.YOOKASSA_SECRET_KEY! })
 * provider.capabilities.webhookVerification // 'refetch'
 * ```
 *
 * @module
 */
export { yookassa } from './yookassa-provider.js'
export { YOOKASSA_API_URL, YOOKASSA_NOTIFICATION_IPS, type YooKassaConfig } from './yookassa-config.js'
export { toYooKassaReceipt, yookassaVatCode, type YooKassaReceipt, type YooKassaReceiptItem } from './yookassa-receipt.js'
export type { YooKassaAmount } from './yookassa-money.js'
