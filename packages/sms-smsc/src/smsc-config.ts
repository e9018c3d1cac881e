import { OrdoError } from '@ordo/core'
import { z } from 'zod'

/** The production origin of the SMSC.ru HTTP API (`/sys/send.php`, `/sys/status.php`). */
export const SMSC_API_URL = 'https://smsc.ru'

/** Configuration of {@link smsc}. */
export interface SmscConfig {
  /** The account login. */
  login: string
  /** The account password or an API password set in the SMSC dashboard (`psw`). Never logged. */
  password: string
  /** The sender name used when a message names none; it must be approved at SMSC. @default the account's default sender */
  sender?: string
  /** The API origin; tests point it at a loopback fake, production may use the reserve `https://www2.smsc.ru`. @default 'https://smsc.ru' */
  baseUrl?: string
  /** The `fetch` to speak HTTP with (tests, proxies, instrumentation). @default globalThis.fetch */
  fetch?: typeof fetch
  /** How long one API call may take before it is aborted (and reported as retryable). @default 15000 */
  timeoutMs?: number
  /** The gateway id used in logs; set it to run two SMSC accounts side by side. @default 'smsc' */
  id?: string
  /**
   * The secret SMSC signs incoming-SMS callbacks with (their `md5` field is
   * `md5("<phone>:<mes>:<to>:<secret>")`), as set for the callback handler in
   * the SMSC account settings. Without it incoming SMS (STOP replies) are
   * refused, since nothing else proves they came from SMSC. Never logged.
   * @default none
   */
  callbackSecret?: string
}

/** A validated, frozen {@link SmscConfig} with its defaults applied. */
export interface ResolvedSmscConfig {
  readonly id: string
  readonly login: string
  readonly password: string
  readonly sender: string | null
  readonly baseUrl: string
  readonly fetch: typeof fetch
  readonly timeoutMs: number
  readonly callbackSecret: string | null
}

const configSchema = z.strictObject({
  login: z.string().min(1),
  password: z.string().min(1),
  sender: z.string().min(1).max(11).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  fetch: z.custom<typeof fetch>((value) => typeof value === 'function', 'must be a fetch function').optional(),
  timeoutMs: z.number().int().positive().optional(),
  id: z.string().min(1).optional(),
  callbackSecret: z.string().min(1).optional(),
})

/** Validates an {@link SmscConfig}; a bad one throws `OrdoError('INVALID_CONFIG')` naming the key. */
export function resolveSmscConfig(config: SmscConfig): ResolvedSmscConfig {
  const parsed = configSchema.safeParse(config)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys : [])].join('.')
    throw new OrdoError('INVALID_CONFIG', `Invalid smsc config at "${key}": ${issue.message}`, { details: { key } })
  }
  const data = parsed.data
  return Object.freeze({
    id: data.id ?? 'smsc',
    login: data.login,
    password: data.password,
    sender: data.sender ?? null,
    baseUrl: (data.baseUrl ?? SMSC_API_URL).replace(/\/+$/, ''),
    // Looked up at call time, so a global fetch installed later (instrumentation, mocks) is used.
    fetch: data.fetch ?? ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => globalThis.fetch(input, init)),
    timeoutMs: data.timeoutMs ?? 15_000,
    callbackSecret: data.callbackSecret ?? null,
  })
}
