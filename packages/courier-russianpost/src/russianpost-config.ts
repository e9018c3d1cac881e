import { OrdoError } from '@ordo/core'
import { z } from 'zod'

/** The production endpoint of the Russian Post "Отправка" API (orders, batches, tariffs, forms). */
export const RUSSIAN_POST_API_URL = 'https://otpravka-api.pochta.ru'

/** The production endpoint of the Russian Post tracking service's batch mode (SOAP 1.1: getTicket, getResponseByTicket). */
export const RUSSIAN_POST_TRACKING_URL = 'https://tracking.russianpost.ru/fc'

/**
 * Mail types the adapter registers parcels to a post office with (`mail-type`
 * in the otpravka API): a plain parcel, an online-shop parcel, a first-class
 * parcel or EMS.
 */
export const RUSSIAN_POST_POST_MAIL_TYPES = ['POSTAL_PARCEL', 'ONLINE_PARCEL', 'PARCEL_CLASS_1', 'EMS'] as const
/** One of {@link RUSSIAN_POST_POST_MAIL_TYPES}. */
export type RussianPostPostMailType = (typeof RUSSIAN_POST_POST_MAIL_TYPES)[number]

/** Configuration of {@link russianPost}. */
export interface RussianPostConfig {
  /** The application token from the otpravka account settings (`Authorization: AccessToken …`). Never logged. */
  accessToken: string
  /** The otpravka account login (the user part of `X-User-Authorization: Basic …`). */
  login: string
  /** The otpravka account password. Never logged. */
  password: string
  /** The postal code (6 digits) of the post office the shop hands parcels to; the `index-from` of every tariff. */
  fromPostalCode: string
  /** The otpravka API base URL; tests point it at a loopback fake. @default 'https://otpravka-api.pochta.ru' */
  baseUrl?: string
  /** The batch tracking service URL. @default 'https://tracking.russianpost.ru/fc' */
  trackingUrl?: string
  /** The tracking service login (tracking.pochta.ru access settings; not the otpravka login). @default login */
  trackingLogin?: string
  /** The tracking service password. @default password */
  trackingPassword?: string
  /** The `fetch` to speak HTTP with (tests, proxies, instrumentation). @default globalThis.fetch */
  fetch?: typeof fetch
  /** The mail type of post-office delivery (method type `post`). @default 'POSTAL_PARCEL' */
  mailType?: RussianPostPostMailType
  /**
   * Offer ECOM delivery to pickup points (ПВЗ) and parcel lockers; needs an
   * ECOM contract with Russian Post.
   * @default true
   */
  ecom?: boolean
  /**
   * How many times one `track` call asks for the answer to its ticket before
   * giving up with a retryable error (the ticket is kept and asked again on
   * the next call with the same parcels, as the service wants).
   * @default 3
   */
  ticketPollAttempts?: number
  /** Pause between two asks for a ticket's answer, milliseconds. @default 2000 */
  ticketPollIntervalMs?: number
  /** How long the nationwide list of ECOM points is kept in memory, milliseconds. @default 3600000 */
  pickupPointsTtlMs?: number
  /** The courier id stored on shipments; set it to run two Russian Post accounts side by side. @default 'russianpost' */
  id?: string
}

/** A validated, frozen {@link RussianPostConfig} with its defaults applied. */
export interface ResolvedRussianPostConfig {
  readonly id: string
  readonly accessToken: string
  readonly login: string
  readonly password: string
  readonly fromPostalCode: string
  readonly baseUrl: string
  readonly trackingUrl: string
  readonly trackingLogin: string
  readonly trackingPassword: string
  readonly fetch: typeof fetch
  readonly mailType: RussianPostPostMailType
  readonly ecom: boolean
  readonly ticketPollAttempts: number
  readonly ticketPollIntervalMs: number
  readonly pickupPointsTtlMs: number
}

const httpUrl = z.url({ protocol: /^https?$/ })

const configSchema = z.strictObject({
  accessToken: z.string().min(1),
  login: z.string().min(1),
  password: z.string().min(1),
  fromPostalCode: z.string().regex(/^\d{6}$/, 'must be a 6-digit postal code'),
  baseUrl: httpUrl.optional(),
  trackingUrl: httpUrl.optional(),
  trackingLogin: z.string().min(1).optional(),
  trackingPassword: z.string().min(1).optional(),
  fetch: z.custom<typeof fetch>((value) => typeof value === 'function', 'must be a fetch function').optional(),
  mailType: z.enum(RUSSIAN_POST_POST_MAIL_TYPES).optional(),
  ecom: z.boolean().optional(),
  ticketPollAttempts: z.number().int().min(1).max(100).optional(),
  ticketPollIntervalMs: z.number().int().min(0).optional(),
  pickupPointsTtlMs: z.number().int().min(0).optional(),
  id: z.string().min(1).optional(),
})

/** Validates a {@link RussianPostConfig}; a bad one throws `OrdoError('INVALID_CONFIG')` naming the key. */
export function resolveRussianPostConfig(config: RussianPostConfig): ResolvedRussianPostConfig {
  const parsed = configSchema.safeParse(config)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys : [])].join('.')
    throw new OrdoError('INVALID_CONFIG', `Invalid russianpost config at "${key}": ${issue.message}`, { details: { key } })
  }
  const data = parsed.data
  return Object.freeze({
    id: data.id ?? 'russianpost',
    accessToken: data.accessToken,
    login: data.login,
    password: data.password,
    fromPostalCode: data.fromPostalCode,
    baseUrl: (data.baseUrl ?? RUSSIAN_POST_API_URL).replace(/\/+$/, ''),
    trackingUrl: data.trackingUrl ?? RUSSIAN_POST_TRACKING_URL,
    trackingLogin: data.trackingLogin ?? data.login,
    trackingPassword: data.trackingPassword ?? data.password,
    // Looked up at call time, so a global fetch installed later (instrumentation, mocks) is used.
    fetch: data.fetch ?? ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => globalThis.fetch(input, init)),
    mailType: data.mailType ?? 'POSTAL_PARCEL',
    ecom: data.ecom ?? true,
    ticketPollAttempts: data.ticketPollAttempts ?? 3,
    ticketPollIntervalMs: data.ticketPollIntervalMs ?? 2_000,
    pickupPointsTtlMs: data.pickupPointsTtlMs ?? 3_600_000,
  })
}
