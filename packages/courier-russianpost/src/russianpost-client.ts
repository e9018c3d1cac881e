import { CourierError } from '@ordo/core'
import { z } from 'zod'
import type { ResolvedRussianPostConfig } from './russianpost-config.js'

/** The error bodies the otpravka API answers with: a Spring-style `{ status, error, message }`, or `{ code, sub-code, desc }`. */
const errorSchema = z.looseObject({
  code: z.union([z.string(), z.number()]).optional(),
  'sub-code': z.string().optional(),
  desc: z.string().optional(),
  error: z.string().optional(),
  message: z.string().optional(),
})

function describeError(what: string, status: number, json: unknown): CourierError {
  const body = errorSchema.safeParse(json)
  const data = body.success ? body.data : {}
  const vendorCode = data['sub-code'] ?? (data.code === undefined ? null : String(data.code)) ?? null
  const detail = data.message ?? data.desc ?? data.error
  return new CourierError(`${what}: HTTP ${status}${vendorCode ? ` ${vendorCode}` : ''}${detail ? `: ${detail}` : ''}`, {
    retryable: status >= 500 || status === 429,
    status,
    vendorCode,
  })
}

/** Network failures, timeouts and aborts: the outcome is unknown and the engine may try again. */
export function networkError(what: string, error: unknown): CourierError {
  return new CourierError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { retryable: true, cause: error })
}

/** Fails at once when the engine's signal has already fired, before anything reaches the carrier. */
export function throwIfAborted(signal: AbortSignal, what: string): void {
  if (signal.aborted) throw networkError(what, signal.reason ?? new Error('aborted'))
}

/** The otpravka JSON API over `fetch`: the two auth headers, JSON bodies, errors mapped to {@link CourierError}. */
export class OtpravkaClient {
  readonly #config: ResolvedRussianPostConfig
  readonly #headers: Record<string, string>

  constructor(config: ResolvedRussianPostConfig) {
    this.#config = config
    this.#headers = {
      authorization: `AccessToken ${config.accessToken}`,
      'x-user-authorization': `Basic ${Buffer.from(`${config.login}:${config.password}`).toString('base64')}`,
      accept: 'application/json;charset=UTF-8',
    }
  }

  /**
   * Sends one request and parses the JSON answer with `schema`. A 404 is
   * returned as `null` when `notFoundIsNull` is set (lookups by id), so the
   * caller tells "unknown" from a failure.
   */
  async json<T>(
    schema: z.ZodType<T>,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options: { signal: AbortSignal; body?: unknown; notFoundIsNull?: boolean },
  ): Promise<T | null> {
    const { response, bytes } = await this.#send(method, path, options)
    const what = `Russian Post ${method} ${path.split('?')[0]}`
    const text = Buffer.from(bytes).toString('utf8')
    let json: unknown
    try {
      json = text.length === 0 ? null : JSON.parse(text)
    } catch (error) {
      throw new CourierError(`${what}: HTTP ${response.status} with a body that is not JSON`, {
        retryable: response.status >= 500 || response.status === 429,
        status: response.status,
        cause: error,
      })
    }
    if (response.status === 404 && options.notFoundIsNull) return null
    if (!response.ok) throw describeError(what, response.status, json)
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

  /** A binary answer (print forms); a JSON error body becomes a {@link CourierError}. */
  async bytes(path: string, options: { signal: AbortSignal }): Promise<{ contentType: string; bytes: Uint8Array }> {
    const { response, bytes } = await this.#send('GET', path, options)
    const contentType = response.headers.get('content-type') ?? ''
    if (!response.ok) {
      let json: unknown = null
      try {
        json = JSON.parse(Buffer.from(bytes).toString('utf8'))
      } catch {
        // Not JSON: the status alone describes the failure.
      }
      throw describeError(`Russian Post GET ${path.split('?')[0]}`, response.status, json)
    }
    return { contentType, bytes }
  }

  async #send(
    method: string,
    path: string,
    options: { signal: AbortSignal; body?: unknown },
  ): Promise<{ response: Response; bytes: Uint8Array }> {
    const what = `Russian Post ${method} ${path.split('?')[0]}`
    throwIfAborted(options.signal, what)
    const headers: Record<string, string> = { ...this.#headers }
    if (options.body !== undefined) headers['content-type'] = 'application/json;charset=UTF-8'
    try {
      const response = await this.#config.fetch(`${this.#config.baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      })
      return { response, bytes: new Uint8Array(await response.arrayBuffer()) }
    } catch (error) {
      throw networkError(what, error)
    }
  }
}
