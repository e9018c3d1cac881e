import { CourierError } from '@ordo/core'
import { z } from 'zod'
import type { ResolvedCdekConfig } from './cdek-config.js'

const tokenSchema = z.looseObject({ access_token: z.string().min(1), expires_in: z.number().positive() })

const errorListSchema = z.array(z.looseObject({ code: z.string().optional(), message: z.string().optional() }))

/** CDEK's error bodies: `{ requests: [{ state, errors }] }`, `{ errors }`, or OAuth's `{ error, error_description }`. */
const errorBodySchema = z.looseObject({
  requests: z.array(z.looseObject({ state: z.string().optional(), errors: errorListSchema.optional() })).optional(),
  errors: errorListSchema.optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
})

/** Refresh this long before CDEK says the token expires, so a call never starts with a token about to die. */
const TOKEN_MARGIN_MS = 60_000

function retryableStatus(status: number): boolean {
  return status >= 500 || status === 429
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The first `{ code, message }` of a CDEK error body, if it has one. */
export function cdekErrorOf(json: unknown): { code: string | null; message: string | null } {
  const body = errorBodySchema.safeParse(json)
  if (!body.success) return { code: null, message: null }
  const first = [...(body.data.requests ?? []).flatMap((r) => r.errors ?? []), ...(body.data.errors ?? [])][0]
  if (first) return { code: first.code ?? null, message: first.message ?? null }
  if (body.data.error) return { code: body.data.error, message: body.data.error_description ?? null }
  return { code: null, message: null }
}

/** Options of one {@link CdekClient.request}. */
interface RequestOptions {
  signal: AbortSignal
  body?: unknown
  query?: Record<string, string | undefined>
}

/**
 * CDEK API v2 over `fetch`: OAuth client credentials with the bearer token
 * cached until shortly before it expires (one token request at a time), a
 * single refresh-and-retry when CDEK answers 401 anyway, and every failure
 * turned into a {@link CourierError} (retryable for network errors, timeouts,
 * 5xx and 429).
 */
export class CdekClient {
  readonly #config: ResolvedCdekConfig
  #token: { value: string; expiresAt: number } | null = null
  #pending: Promise<string> | null = null

  constructor(config: ResolvedCdekConfig) {
    this.#config = config
  }

  /** Sends one JSON request and validates the answer; the 401 → new token → retry happens here. */
  async request<T>(schema: z.ZodType<T>, method: 'GET' | 'POST' | 'DELETE', path: string, options: RequestOptions): Promise<T> {
    const url = new URL(`${this.#config.baseUrl}${path}`)
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value)
    const what = `CDEK ${method} ${path}`
    let response = await this.#send(url, method, options, what, false)
    if (response.status === 401) {
      // The cached token was revoked or expired early: one fresh token, one retry.
      this.#token = null
      await response.body?.cancel()
      response = await this.#send(url, method, options, what, true)
    }
    const text = await this.#text(response, options.signal, what)
    let json: unknown
    try {
      json = text.length === 0 ? null : JSON.parse(text)
    } catch (error) {
      throw new CourierError(`${what}: HTTP ${response.status} with a body that is not JSON`, {
        retryable: response.ok || retryableStatus(response.status),
        status: response.status,
        cause: error,
      })
    }
    if (!response.ok) {
      const { code, message } = cdekErrorOf(json)
      throw new CourierError(`${what}: HTTP ${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`, {
        retryable: retryableStatus(response.status),
        status: response.status,
        vendorCode: code,
      })
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      throw new CourierError(`${what}: unexpected response shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
        retryable: false,
        status: response.status,
        cause: parsed.error,
      })
    }
    return parsed.data
  }

  /** Downloads a file CDEK links to (a print form) with the bearer token. */
  async download(url: string, signal: AbortSignal): Promise<Uint8Array> {
    const what = `CDEK GET ${new URL(url).pathname}`
    let response = await this.#send(new URL(url), 'GET', { signal }, what, false)
    if (response.status === 401) {
      this.#token = null
      await response.body?.cancel()
      response = await this.#send(new URL(url), 'GET', { signal }, what, true)
    }
    if (!response.ok) {
      const { code, message } = cdekErrorOf(await this.#text(response, signal, what).then((t) => safeJson(t)))
      throw new CourierError(`${what}: HTTP ${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`, {
        retryable: retryableStatus(response.status),
        status: response.status,
        vendorCode: code,
      })
    }
    try {
      return new Uint8Array(await response.arrayBuffer())
    } catch (error) {
      throw new CourierError(`${what} failed: ${describe(error)}`, { retryable: true, cause: error })
    }
  }

  async #send(url: URL, method: string, options: RequestOptions, what: string, fresh: boolean): Promise<Response> {
    const token = await this.#bearer(options.signal, fresh)
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` }
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    try {
      return await this.#config.fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      })
    } catch (error) {
      // Network failure, timeout or abort: the outcome is unknown, so the call may be repeated.
      throw new CourierError(`${what} failed: ${describe(error)}`, { retryable: true, cause: error })
    }
  }

  async #text(response: Response, signal: AbortSignal, what: string): Promise<string> {
    try {
      signal.throwIfAborted()
      return await response.text()
    } catch (error) {
      throw new CourierError(`${what} failed while reading the answer: ${describe(error)}`, { retryable: true, status: response.status, cause: error })
    }
  }

  async #bearer(signal: AbortSignal, fresh: boolean): Promise<string> {
    if (signal.aborted) throw new CourierError(`CDEK call aborted: ${describe(signal.reason)}`, { retryable: true, cause: signal.reason })
    const now = this.#config.clock.now().getTime()
    if (!fresh && this.#token && this.#token.expiresAt - TOKEN_MARGIN_MS > now) return this.#token.value
    // Concurrent calls (track runs several) share one token request.
    this.#pending ??= this.#fetchToken(signal).finally(() => {
      this.#pending = null
    })
    return this.#pending
  }

  async #fetchToken(signal: AbortSignal): Promise<string> {
    const what = 'CDEK POST /oauth/token'
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.#config.clientId, client_secret: this.#config.clientSecret })
    let response: Response
    let text: string
    try {
      response = await this.#config.fetch(`${this.#config.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        signal,
      })
      text = await response.text()
    } catch (error) {
      throw new CourierError(`${what} failed: ${describe(error)}`, { retryable: true, cause: error })
    }
    const json = safeJson(text)
    if (!response.ok) {
      const { code, message } = cdekErrorOf(json)
      throw new CourierError(`${what}: HTTP ${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`, {
        retryable: retryableStatus(response.status),
        status: response.status,
        vendorCode: code,
      })
    }
    const token = tokenSchema.safeParse(json)
    if (!token.success) throw new CourierError(`${what}: the answer carries no access_token`, { retryable: false, status: response.status })
    const issuedAt = this.#config.clock.now().getTime()
    this.#token = { value: token.data.access_token, expiresAt: issuedAt + token.data.expires_in * 1000 }
    return token.data.access_token
  }
}

function safeJson(text: string): unknown {
  try {
    return text.length === 0 ? null : JSON.parse(text)
  } catch {
    return null
  }
}
