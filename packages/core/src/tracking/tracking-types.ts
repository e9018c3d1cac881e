import { z } from 'zod'

/** How `shop.tracking.attribution()` picks the touch to credit among a visitor's sessions. */
export const ATTRIBUTION_MODELS = ['last_non_direct', 'last', 'first'] as const
/**
 * How the channel of a sale is chosen among the sessions that led to it:
 * - `last_non_direct`: the latest session that came from a source (a direct
 *   session — no source, or `(direct)` — is credited only when there is no other);
 * - `last`: the latest session, direct or not;
 * - `first`: the earliest session in the look-back window.
 */
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number]

/**
 * The `tracking` config key: attribution and how visits are batched.
 *
 * @example
 * ```ts
 * const shop = await createCommerce({ storage, currency: 'RUB', tracking: { attribution: 'first', lookbackDays: 90 } })
 * ```
 */
export interface TrackingConfig {
  /** @default 'last_non_direct' */
  attribution?: AttributionModel
  /** Sessions older than this many days before the moment asked about are not credited. @default 30 */
  lookbackDays?: number
  /** Visits and exposures held in memory before one multi-row insert writes them. @default 500 */
  batchSize?: number
  /** Longest a visit waits in memory before it is written, ms. @default 1000 */
  flushIntervalMs?: number
}

/** @internal The zod schema of {@link TrackingConfig}. */
export const trackingConfigSchema = z.strictObject({
  attribution: z.enum(ATTRIBUTION_MODELS).optional(),
  lookbackDays: z.number().int().positive().max(3650).optional(),
  batchSize: z.number().int().positive().max(10_000).optional(),
  flushIntervalMs: z.number().int().positive().max(3_600_000).optional(),
})

/** Where a visit came from: the UTM tags of its landing URL (all null for a direct visit). */
export interface VisitChannel {
  /** UTM source, e.g. `yandex`, `vk`; null, empty or `(direct)` for a direct visit. */
  source?: string | null | undefined
  /** UTM medium, e.g. `cpc`, `email`. */
  medium?: string | null | undefined
  /** UTM campaign. */
  campaign?: string | null | undefined
}

/** Input of `shop.tracking.visit()`. */
export interface VisitInput {
  /** The storefront's session id (a session cookie). */
  sessionId: string
  /** The long-lived visitor id (a persistent cookie), linking a visitor's sessions for attribution and experiments. */
  visitorId?: string | null | undefined
  /** UTM tags of the visit. */
  channel?: VisitChannel | undefined
  /** The page the visit opened (path or URL). */
  landing?: string | null | undefined
  /** The referring URL. */
  referrer?: string | null | undefined
  /** When it happened. @default the engine's clock */
  at?: Date | string | undefined
}

/** Input of `shop.tracking.lead()`: contacts a visitor left (at least one of phone and e-mail). */
export interface LeadInput {
  sessionId: string
  name?: string | null | undefined
  /** Any format; kept in E.164 (numbers without a country code read as the cart's default country). */
  phone?: string | null | undefined
  email?: string | null | undefined
}

/** A lead: a visit that left contacts, with the channel credited at that moment. */
export interface Lead {
  id: string
  sessionId: string
  name: string | null
  /** E.164. */
  phone: string | null
  /** Lower-case. */
  email: string | null
  /** The channel attribution credited (null when the session made no visit). */
  channel: Attribution | null
  at: Date
}

/** The touch a sale is credited to. */
export interface Attribution {
  /** UTM source; `(direct)` for a direct session. */
  source: string
  medium: string | null
  campaign: string | null
  /** The page the credited session landed on. */
  landing: string | null
  referrer: string | null
  /** The credited session. */
  sessionId: string
  /** When the credited session started. */
  at: Date
  /** The model that chose it. */
  model: AttributionModel
}
