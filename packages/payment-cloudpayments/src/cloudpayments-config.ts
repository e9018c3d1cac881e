import { OrdoError } from '@ordo/core'
import { z } from 'zod'

/** The production CloudPayments API. */
export const CLOUDPAYMENTS_API_URL = 'https://api.cloudpayments.ru'

/**
 * CloudKassir taxation systems (`TaxationSystem` of a `CustomerReceipt`):
 * 0 general (ОСН), 1 simplified on income (УСН доход), 2 simplified on income
 * minus expense (УСН доход − расход), 3 imputed income (ЕНВД), 4 unified
 * agricultural (ЕСХН), 5 patent (ПСН).
 */
export const CLOUDPAYMENTS_TAXATION_SYSTEMS = [0, 1, 2, 3, 4, 5] as const
/** A CloudKassir taxation system code; see {@link CLOUDPAYMENTS_TAXATION_SYSTEMS}. */
export type CloudPaymentsTaxationSystem = (typeof CLOUDPAYMENTS_TAXATION_SYSTEMS)[number]

/** Configuration of {@link cloudpayments}. */
export interface CloudPaymentsConfig {
  /** The site's Public ID from the CloudPayments back office (HTTP Basic user name). */
  publicId: string
  /** The API Secret (HTTP Basic password, and the key notifications are signed with). */
  apiSecret: string
  /** API base URL, for a test double. @default 'https://api.cloudpayments.ru' */
  baseUrl?: string | undefined
  /** The `fetch` to call the API with, for tests and proxies. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch | undefined
  /**
   * Taxation system sent with fiscal receipts (CloudKassir); omitted when not
   * set, so the one chosen in the CloudPayments back office applies.
   */
  taxationSystem?: CloudPaymentsTaxationSystem | undefined
}

/** A validated, frozen {@link CloudPaymentsConfig} with defaults applied. */
export interface ResolvedCloudPaymentsConfig {
  readonly publicId: string
  readonly apiSecret: string
  readonly baseUrl: string
  readonly fetch: typeof globalThis.fetch
  readonly taxationSystem: CloudPaymentsTaxationSystem | null
}

const configSchema = z.strictObject({
  publicId: z.string().trim().min(1),
  apiSecret: z.string().min(1),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  fetch: z.custom<typeof globalThis.fetch>((value) => typeof value === 'function', 'expected a fetch function').optional(),
  taxationSystem: z.literal(CLOUDPAYMENTS_TAXATION_SYSTEMS).optional(),
})

/**
 * Validates a {@link CloudPaymentsConfig}; the first problem becomes an
 * `OrdoError('INVALID_CONFIG')` whose `details.key` names the key.
 */
export function resolveCloudPaymentsConfig(config: CloudPaymentsConfig): ResolvedCloudPaymentsConfig {
  const parsed = configSchema.safeParse(config)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys : [])].join('.')
    throw new OrdoError('INVALID_CONFIG', `Invalid cloudpayments config at "${key}": ${issue.message}`, { details: { key } })
  }
  const { publicId, apiSecret, baseUrl, fetch, taxationSystem } = parsed.data
  return Object.freeze({
    publicId,
    apiSecret,
    baseUrl: (baseUrl ?? CLOUDPAYMENTS_API_URL).replace(/\/+$/, ''),
    // Looked up at call time so a global fetch installed later (polyfill, test spy) is the one used.
    fetch: fetch ?? ((input: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) => globalThis.fetch(input, init)),
    taxationSystem: taxationSystem ?? null,
  })
}
