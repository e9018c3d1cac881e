/**
 * SMSC.ru gateway for Ordo: sends SMS under our own message id (so a retried
 * send is not sent twice), maps SMSC status codes to Ordo's statuses, and
 * reads SMSC delivery callbacks, confirming each claim with the status API.
 *
 * @example
 * ```ts
 * import { smsc } from '@ordo/sms-smsc'
 *
 * const sms = smsc({ login: process.env.SMSC_LOGIN!, password: process.env.SMSC_PASSWORD!, sender: 'MyShop' })
 * sms.capabilities.statusQuery // true
 * ```
 *
 * @module
 */
export { smsc, type SmscCallOptions, type SmscGateway } from './smsc-gateway.js'
export { SMSC_API_URL, type SmscConfig } from './smsc-config.js'
export { SMSC_FINAL_CODES, SMSC_RETRYABLE_ERRORS, SMSC_STATUS_CODES, smscMessageId, smscStatus } from './smsc-codes.js'
