import { OrdoError } from '@ordo/core'
import { z } from 'zod'
import { isIpOrCidr } from './ip-allow-list.js'

/** The production endpoint of the YooKassa API v3. */
export const YOOKASSA_API_URL = 'https://api.yookassa.ru/v3'

/**
 * The addresses YooKassa sends HTTP notifications from, as published in its
 * notification docs ("Проверка подлинности уведомлений"). The default of
 * {@link YooKassaConfig.allowedIps}.
 */
export const YOOKASSA_NOTIFICATION_IPS: readonly string[] = Object.freeze([
  '185.71.76.0/27',
  '185.71.77.0/27',
  '77.75.153.0/25',
  '77.75.156.11',
  '77.75.156.35',
  '77.75.154.128/25',
  '2a02:5180::/32',
])

/** Configuration of {@link yookassa}. */
export interface YooKassaConfig {
  /** The shop id (the Basic auth user), from the YooKassa dashboard. */
  shopId: string
  /** The secret key (the Basic auth password). Never logged. */
  secretKey: string
  /** The API base URL; tests point it at a loopback fake. @default 'https://api.yookassa.ru/v3' */
  baseUrl?: string
  /** The `fetch` to speak HTTP with (tests, proxies, instrumentation). @default globalThis.fetch */
  fetch?: typeof fetch
  /**
   * Addresses and CIDR ranges notifications may come from; a notification
   * from elsewhere (or with no known sender address) is rejected before any
   * API call. `null` turns the check off (e.g. behind a proxy that hides the
   * sender); the re-fetch check always runs.
   * @default YOOKASSA_NOTIFICATION_IPS
   */
  allowedIps?: readonly string[] | null
  /** Where YooKassa's page sends the customer back when a payment request has no `returnUrl`. @default null */
  returnUrl?: string | null
  /** `tax_system_code` (1–6) put on receipts, for shops registered under more than one tax system. @default null */
  taxSystemCode?: number | null
  /** How long the re-fetch of a notification's object may take. @default 10000 */
  webhookTimeoutMs?: number
  /** The provider id stored on payments; set it to run two YooKassa shops side by side. @default 'yookassa' */
  id?: string
}

/** A validated, frozen {@link YooKassaConfig} with its defaults applied. */
export interface ResolvedYooKassaConfig {
  readonly id: string
  readonly shopId: string
  readonly secretKey: string
  readonly baseUrl: string
  readonly fetch: typeof fetch
  readonly allowedIps: readonly string[] | null
  readonly returnUrl: string | null
  readonly taxSystemCode: number | null
  readonly webhookTimeoutMs: number
}

const httpUrl = z.url({ protocol: /^https?$/ })

const configSchema = z.strictObject({
  shopId: z.string().min(1),
  secretKey: z.string().min(1),
  baseUrl: httpUrl.optional(),
  fetch: z.custom<typeof fetch>((value) => typeof value === 'function', 'must be a fetch function').optional(),
  allowedIps: z.array(z.string().refine(isIpOrCidr, 'must be an IP address or a CIDR range')).nullable().optional(),
  returnUrl: httpUrl.nullable().optional(),
  taxSystemCode: z.number().int().min(1).max(6).nullable().optional(),
  webhookTimeoutMs: z.number().int().positive().optional(),
  id: z.string().min(1).optional(),
})

/** Validates a {@link YooKassaConfig}; a bad one throws `OrdoError('INVALID_CONFIG')` naming the key. */
export function resolveYooKassaConfig(config: YooKassaConfig): ResolvedYooKassaConfig {
  const parsed = configSchema.safeParse(config)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys : [])].join('.')
    throw new OrdoError('INVALID_CONFIG', `Invalid yookassa config at "${key}": ${issue.message}`, { details: { key } })
  }
  const data = parsed.data
  return Object.freeze({
    id: data.id ?? 'yookassa',
    shopId: data.shopId,
    secretKey: data.secretKey,
    baseUrl: (data.baseUrl ?? YOOKASSA_API_URL).replace(/\/+$/, ''),
    // Looked up at call time, so a global fetch installed later (instrumentation, mocks) is used.
    fetch: data.fetch ?? ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => globalThis.fetch(input, init)),
    allowedIps: data.allowedIps === null ? null : Object.freeze([...(data.allowedIps ?? YOOKASSA_NOTIFICATION_IPS)]),
    returnUrl: data.returnUrl ?? null,
    taxSystemCode: data.taxSystemCode ?? null,
    webhookTimeoutMs: data.webhookTimeoutMs ?? 10_000,
  })
}
