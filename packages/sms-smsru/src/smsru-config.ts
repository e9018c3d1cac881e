import { OrdoError } from '@ordo/core'
import { z } from 'zod'

/** The production origin of the SMS.ru HTTP API. */
export const SMSRU_API_URL = 'https://sms.ru'

/** Configuration of {@link smsru}. */
export interface SmsRuConfig {
  /** The account's `api_id`, from the SMS.ru dashboard. Never logged. */
  apiId: string
  /** The sender name used when a message names none; it must be approved at SMS.ru. @default the account's default sender */
  sender?: string
  /** The API origin; tests point it at a loopback fake. @default 'https://sms.ru' */
  baseUrl?: string
  /** The `fetch` to speak HTTP with (tests, proxies, instrumentation). @default globalThis.fetch */
  fetch?: typeof fetch
  /** Sends with `test=1`: SMS.ru accepts and answers as usual but sends and charges nothing. @default false */
  test?: boolean
  /** How long one API call may take before it is aborted (and reported as retryable). @default 15000 */
  timeoutMs?: number
  /** The gateway id used in logs; set it to run two SMS.ru accounts side by side. @default 'smsru' */
  id?: string
}

/** A validated, frozen {@link SmsRuConfig} with its defaults applied. */
export interface ResolvedSmsRuConfig {
  readonly id: string
  readonly apiId: string
  readonly sender: string | null
  readonly baseUrl: string
  readonly fetch: typeof fetch
  readonly test: boolean
  readonly timeoutMs: number
}

const configSchema = z.strictObject({
  apiId: z.string().min(1),
  sender: z.string().min(1).max(11).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  fetch: z.custom<typeof fetch>((value) => typeof value === 'function', 'must be a fetch function').optional(),
  test: z.boolean().optional(),
  timeoutMs: z.number().int().positive().optional(),
  id: z.string().min(1).optional(),
})

/** Validates an {@link SmsRuConfig}; a bad one throws `OrdoError('INVALID_CONFIG')` naming the key. */
export function resolveSmsRuConfig(config: SmsRuConfig): ResolvedSmsRuConfig {
  const parsed = configSchema.safeParse(config)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys : [])].join('.')
    throw new OrdoError('INVALID_CONFIG', `Invalid smsru config at "${key}": ${issue.message}`, { details: { key } })
  }
  const data = parsed.data
  return Object.freeze({
    id: data.id ?? 'smsru',
    apiId: data.apiId,
    sender: data.sender ?? null,
    baseUrl: (data.baseUrl ?? SMSRU_API_URL).replace(/\/+$/, ''),
    // Looked up at call time, so a global fetch installed later (instrumentation, mocks) is used.
    fetch: data.fetch ?? ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => globalThis.fetch(input, init)),
    test: data.test ?? false,
    timeoutMs: data.timeoutMs ?? 15_000,
  })
}
