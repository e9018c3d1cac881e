import type { ProviderPaymentStatus } from '@ordo/core'

/** CloudPayments transaction statuses, as the API and notifications spell them. */
export const CLOUDPAYMENTS_TRANSACTION_STATUSES = ['AwaitingAuthentication', 'Authorized', 'Completed', 'Cancelled', 'Declined'] as const
/** A CloudPayments transaction status; see {@link CLOUDPAYMENTS_TRANSACTION_STATUSES}. */
export type CloudPaymentsTransactionStatus = (typeof CLOUDPAYMENTS_TRANSACTION_STATUSES)[number]

const STATUS_MAP = {
  // 3-D Secure is under way: the customer still has to act.
  AwaitingAuthentication: 'requires_action',
  Authorized: 'authorized',
  Completed: 'captured',
  Cancelled: 'canceled',
  Declined: 'failed',
} as const satisfies Record<CloudPaymentsTransactionStatus, ProviderPaymentStatus>

/**
 * Maps a CloudPayments transaction status to core's words: `Authorized` →
 * `authorized`, `Completed` → `captured`, `Cancelled` → `canceled`,
 * `Declined` → `failed`, `AwaitingAuthentication` → `requires_action`.
 * Returns null for a status CloudPayments may add later.
 *
 * @example
 * ```ts
 * mapCloudPaymentsStatus('Completed') // 'captured'
 * ```
 */
export function mapCloudPaymentsStatus(status: string): ProviderPaymentStatus | null {
  return Object.hasOwn(STATUS_MAP, status) ? STATUS_MAP[status as CloudPaymentsTransactionStatus] : null
}
