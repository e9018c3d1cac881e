import { OrdoError, systemClock, type Clock } from '@ordo/core'
import { z } from 'zod'

/** The production endpoint of the CDEK API v2. */
export const CDEK_API_URL = 'https://api.cdek.ru/v2'

/** CDEK's public test endpoint (test accounts, nothing is shipped). */
export const CDEK_TEST_API_URL = 'https://api.edu.cdek.ru/v2'

/**
 * Tariffs offered when a shop hands its parcels in at a CDEK office
 * ({@link CdekConfig.shipmentPoint} set): 136 office→office, 137 office→door,
 * 368 office→parcel locker.
 */
export const CDEK_OFFICE_TARIFFS: readonly number[] = Object.freeze([136, 137, 368])

/**
 * Tariffs offered when CDEK collects parcels from the shop's address (no
 * {@link CdekConfig.shipmentPoint}): 138 door→office, 139 door→door,
 * 366 door→parcel locker.
 */
export const CDEK_DOOR_TARIFFS: readonly number[] = Object.freeze([138, 139, 366])

/** An address in CDEK's words, for {@link CdekConfig.fromLocation}. */
export interface CdekLocation {
  /** CDEK's city code (`44` Moscow, `137` Saint Petersburg), when known. */
  code?: number
  postalCode?: string
  /** ISO 3166 alpha-2. @default 'RU' */
  countryCode?: string
  city?: string
  /** Street, house, office in one line. */
  address: string
}

/** Configuration of {@link cdek}. */
export interface CdekConfig {
  /** The API account (`client_id`) from the CDEK dashboard. */
  clientId: string
  /** The secure password (`client_secret`). Never logged. */
  clientSecret: string
  /** The API base URL; tests point it at a loopback fake. @default 'https://api.cdek.ru/v2' */
  baseUrl?: string
  /**
   * The CDEK office code (`MSK12`) where the shop hands its parcels in. When
   * set, orders carry `shipment_point`; otherwise CDEK collects them from
   * {@link CdekConfig.fromLocation} (or the shipment's `from`).
   * @default null
   */
  shipmentPoint?: string | null
  /** The address CDEK collects parcels from, overriding each request's `from`. @default null */
  fromLocation?: CdekLocation | null
  /**
   * CDEK tariff codes to offer, in this order; each is mapped to a method type
   * by its delivery mode (to the door → `courier_door`, to an office →
   * `pickup_point`, to a postamat → `parcel_locker`).
   * @default CDEK_OFFICE_TARIFFS with a shipmentPoint, CDEK_DOOR_TARIFFS without
   */
  tariffs?: number[]
  /** The `fetch` to speak HTTP with (tests, proxies, instrumentation). @default globalThis.fetch */
  fetch?: typeof fetch
  /** Time for the token cache. @default systemClock */
  clock?: Clock
  /** How many order look-ups `track` runs at once (CDEK has no batch status call). @default 4 */
  trackConcurrency?: number
  /** Pause between polls of a print form until it is ready, milliseconds. @default 500 */
  labelPollIntervalMs?: number
  /** How long the re-fetch of a webhook's order may take. @default 10000 */
  webhookTimeoutMs?: number
  /** The courier id stored on shipments; set it to run two CDEK accounts side by side. @default 'cdek' */
  id?: string
  /** Shown to customers. @default 'СДЭК' */
  name?: string
}

/** A validated, frozen {@link CdekConfig} with its defaults applied. */
export interface ResolvedCdekConfig {
  readonly id: string
  readonly name: string
  readonly clientId: string
  readonly clientSecret: string
  readonly baseUrl: string
  readonly shipmentPoint: string | null
  readonly fromLocation: Readonly<CdekLocation> | null
  readonly tariffs: readonly number[]
  readonly fetch: typeof fetch
  readonly clock: Clock
  readonly trackConcurrency: number
  readonly labelPollIntervalMs: number
  readonly webhookTimeoutMs: number
}

const configSchema = z.strictObject({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  shipmentPoint: z.string().min(1).nullable().optional(),
  fromLocation: z
    .strictObject({
      code: z.number().int().positive().optional(),
      postalCode: z.string().min(1).optional(),
      countryCode: z.string().length(2).optional(),
      city: z.string().min(1).optional(),
      address: z.string().min(1),
    })
    .nullable()
    .optional(),
  tariffs: z.array(z.number().int().positive()).min(1).optional(),
  fetch: z.custom<typeof fetch>((value) => typeof value === 'function', 'must be a fetch function').optional(),
  clock: z.custom<Clock>((value) => typeof value === 'object' && value !== null && typeof (value as Clock).now === 'function', 'must be a Clock').optional(),
  trackConcurrency: z.number().int().min(1).max(32).optional(),
  labelPollIntervalMs: z.number().int().min(0).optional(),
  webhookTimeoutMs: z.number().int().positive().optional(),
  id: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
})

/** Validates a {@link CdekConfig}; a bad one throws `OrdoError('INVALID_CONFIG')` naming the key. */
export function resolveCdekConfig(config: CdekConfig): ResolvedCdekConfig {
  const parsed = configSchema.safeParse(config)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys : [])].join('.')
    throw new OrdoError('INVALID_CONFIG', `Invalid cdek config at "${key}": ${issue.message}`, { details: { key } })
  }
  const data = parsed.data
  const shipmentPoint = data.shipmentPoint ?? null
  return Object.freeze({
    id: data.id ?? 'cdek',
    name: data.name ?? 'СДЭК',
    clientId: data.clientId,
    clientSecret: data.clientSecret,
    baseUrl: (data.baseUrl ?? CDEK_API_URL).replace(/\/+$/, ''),
    shipmentPoint,
    fromLocation: data.fromLocation ? Object.freeze({ ...data.fromLocation }) : null,
    tariffs: Object.freeze([...(data.tariffs ?? (shipmentPoint === null ? CDEK_DOOR_TARIFFS : CDEK_OFFICE_TARIFFS))]),
    // Looked up at call time, so a global fetch installed later (instrumentation, mocks) is used.
    fetch: data.fetch ?? ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => globalThis.fetch(input, init)),
    clock: data.clock ?? systemClock,
    trackConcurrency: data.trackConcurrency ?? 4,
    labelPollIntervalMs: data.labelPollIntervalMs ?? 500,
    webhookTimeoutMs: data.webhookTimeoutMs ?? 10_000,
  })
}
