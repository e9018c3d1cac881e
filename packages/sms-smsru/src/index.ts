/**
 * SMS.ru gateway for Ordo: sends SMS (approved sender names, `test` mode),
 * maps SMS.ru delivery codes to Ordo's statuses, and reads SMS.ru delivery
 * callbacks, confirming each claim with the status API.
 *
 * @example
 * ```ts
 * import { smsru } from '@ordo/sms-smsru'
 *
 * const sms = smsru({ apiId: process.env.SMSRU_API_ID!, sender: 'MyShop' })
 * sms.capabilities.statusCallbacks // true
 * ```
 *
 * @module
 */
export { smsru, type SmsRuCallOptions, type SmsRuGateway } from './smsru-gateway.js'
export { SMSRU_API_URL, type SmsRuConfig } from './smsru-config.js'
export { SMSRU_FINAL_CODES, SMSRU_RETRYABLE_CODES, SMSRU_STATUS_CODES, smsruStatus } from './smsru-codes.js'
