import { isOrdoError, type OrdoErrorCode } from '@ordo/core'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { z } from 'zod'

/**
 * Codes the HTTP layer answers with itself, next to the engine's
 * `OrdoErrorCode`s: a problem's `code` is one or the other.
 */
export const HTTP_ERROR_CODES = {
  /** No credentials, or credentials the admin `auth` did not accept (401). */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** The credentials are valid but lack the route's scope (403); `details.scope` names it. */
  FORBIDDEN: 'FORBIDDEN',
  /** The body is larger than the route's limit (413); `details.maxBytes` says the limit. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** Too many requests for this order or client (429); `Retry-After` says when to try again. */
  RATE_LIMITED: 'RATE_LIMITED',
  /**
   * The storefront's order access token was signed for this order but has
   * expired, or is of the earlier form without an expiry (401);
   * `details.reason` is `expired` or `no_expiry`. A new token comes from
   * `POST /orders/lookup`.
   */
  ORDER_TOKEN_EXPIRED: 'ORDER_TOKEN_EXPIRED',
  /** No route matches the method and path (404). */
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  /** The route takes a JSON body and the request's `Content-Type` is not `application/json` or `+json` (415). */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
} as const

/** One of {@link HTTP_ERROR_CODES}. */
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[keyof typeof HTTP_ERROR_CODES]

/**
 * The HTTP status each engine error code is answered with. Bad input is
 * `400` when the request does not match the route's schema and `422` when the
 * engine refuses it (`VALIDATION` thrown by a command); a state that forbids
 * the command is `409`; a failing provider is `502`. A code missing here
 * (added to the engine later) is answered `500`.
 */
export const STATUS_BY_CODE: Readonly<Partial<Record<OrdoErrorCode, number>>> = {
  VALIDATION: 422,
  INVALID_CONFIG: 500,
  NOT_FOUND: 404,
  CONFLICT: 409,
  DUPLICATE: 409,
  IDEMPOTENCY_MISMATCH: 409,
  INVALID_TRANSITION: 409,
  TRANSITION_REFUSED: 409,
  INVALID_MACHINE: 500,
  REJECTED_BY_PLUGIN: 422,
  INVALID_PLUGIN: 500,
  CURRENCY_MISMATCH: 422,
  INVALID_AMOUNT: 422,
  OUT_OF_STOCK: 409,
  CART_CLOSED: 409,
  QUANTITY_LIMIT: 422,
  SKU_ARCHIVED: 422,
  COUPON_REJECTED: 422,
  PRICE_MISSING: 422,
  PROMOTION_LIMIT_REACHED: 409,
  PRICE_CHANGED: 409,
  CART_INCOMPLETE: 422,
  NOT_ALLOWED_IN_STATE: 409,
  PAYMENT_PROVIDER: 502,
  PAYMENT_METHOD_UNAVAILABLE: 422,
  AMOUNT_EXCEEDS_AVAILABLE: 422,
  DELIVERY_UNAVAILABLE: 422,
  LOYALTY_INSUFFICIENT: 422,
  COURIER: 502,
  UNKNOWN_JOB: 500,
  STORAGE: 503,
  CLOSED: 503,
  INTERNAL: 500,
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
}

/**
 * An error answer, RFC 9457 `application/problem+json`, carrying the stable
 * code to match on.
 *
 * @example
 * ```json
 * { "type": "urn:ordo:problem:OUT_OF_STOCK", "title": "Conflict", "status": 409,
 *   "code": "OUT_OF_STOCK", "detail": "Not enough TEE-M: 2 available", "details": { "available": 2 } }
 * ```
 */
export interface Problem {
  /** `urn:ordo:problem:<code>`. */
  type: string
  /** The HTTP status's reason phrase. */
  title: string
  status: number
  /** An engine `OrdoErrorCode` or an {@link HttpErrorCode}. */
  code: OrdoErrorCode | HttpErrorCode
  /** A message a developer can act on. */
  detail: string
  /** Structured data about the failure (which key, what is available, the validation issues). */
  details: Record<string, unknown>
  /** The request path. */
  instance?: string
}

/** The JSON schema of {@link Problem}, as the OpenAPI document shows it. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    details: z.record(z.string(), z.unknown()),
    instance: z.string().optional(),
  })
  .meta({ id: 'Problem', description: 'An RFC 9457 problem carrying the stable Ordo error code.' })

/** The media type of problem answers. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** Builds a problem's body. */
export function problemBody(status: number, code: OrdoErrorCode | HttpErrorCode, detail: string, options: { details?: Record<string, unknown>; instance?: string } = {}): Problem {
  return {
    type: `urn:ordo:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    details: options.details ?? {},
    ...(options.instance ? { instance: options.instance } : {}),
  }
}

/** Builds a problem answer. */
export function problemResponse(
  status: number,
  code: OrdoErrorCode | HttpErrorCode,
  detail: string,
  options: { details?: Record<string, unknown>; instance?: string; headers?: Record<string, string> } = {},
): Response {
  const body = problemBody(status, code, detail, options)
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...options.headers },
  })
}

/** Marks a request that did not match its route's schema: answered `400` with code `VALIDATION`. */
export class RequestValidationError extends Error {
  override readonly name = 'RequestValidationError'
  /** Each problem with its place (`body.quantity`, `query.limit`). */
  readonly issues: { path: string; message: string }[]

  constructor(issues: { path: string; message: string }[]) {
    super(`Invalid request: ${issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ')}`)
    this.issues = issues
  }
}

/** Marks a request refused by the HTTP layer itself (auth, scope, rate limit). */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem'
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

/**
 * What the routers call with an error that is answered with a `5xx` status —
 * one that is not an `OrdoError` (a bug), or an `OrdoError` of an outage or
 * a failing provider (`STORAGE`, `CLOSED`, `INTERNAL`, `PAYMENT_PROVIDER`,
 * `COURIER`, …) — before answering.
 */
export type UnexpectedErrorListener = (error: unknown, request: Request) => void

/**
 * How an `OrdoError` is shown: `full` (back office) keeps its message and
 * details; `public` (storefront, anonymous clients) keeps details only for
 * {@link PUBLIC_DETAIL_CODES}, answers `5xx` with a generic detail and
 * `IDEMPOTENCY_MISMATCH` without saying what the key was used for.
 */
export type ProblemExposure = 'full' | 'public'

/**
 * Engine codes whose `details` describe the caller's own input (validation
 * issues, what is left in stock, why a coupon was refused) and are shown to
 * anonymous storefront clients. Other codes' details (e.g. the order or
 * payment an `IDEMPOTENCY_MISMATCH` points at) are dropped there.
 */
export const PUBLIC_DETAIL_CODES: ReadonlySet<OrdoErrorCode> = new Set<OrdoErrorCode>([
  'VALIDATION',
  'CURRENCY_MISMATCH',
  'INVALID_AMOUNT',
  'OUT_OF_STOCK',
  'QUANTITY_LIMIT',
  'SKU_ARCHIVED',
  'COUPON_REJECTED',
  'PRICE_MISSING',
  'PRICE_CHANGED',
  'CART_INCOMPLETE',
  'PAYMENT_METHOD_UNAVAILABLE',
  'DELIVERY_UNAVAILABLE',
])

/** Turns any error a route threw into a problem answer. */
export function problemFromError(error: unknown, c: Context, onUnexpected?: UnexpectedErrorListener, exposure: ProblemExposure = 'full'): Response {
  const instance = new URL(c.req.url).pathname
  if (error instanceof RequestValidationError) {
    return problemResponse(400, 'VALIDATION', error.message, { details: { issues: error.issues }, instance })
  }
  if (error instanceof HttpProblem) {
    return problemResponse(error.status, error.code, error.message, { details: error.details, instance, headers: error.headers })
  }
  if (isOrdoError(error)) {
    const status = STATUS_BY_CODE[error.code] ?? 500
    if (status >= 500) onUnexpected?.(error, c.req.raw)
    if (exposure === 'public') {
      if (status >= 500) return problemResponse(status, error.code, GENERIC_DETAIL[status] ?? GENERIC_DETAIL[500]!, { instance })
      // The engine's sentence names what the key was used for (another customer's order or payment).
      const detail = error.code === 'IDEMPOTENCY_MISMATCH' ? 'This idempotency key was already used for another request; send a new key.' : error.message
      return problemResponse(status, error.code, detail, { ...(PUBLIC_DETAIL_CODES.has(error.code) ? { details: { ...error.details } } : {}), instance })
    }
    return problemResponse(status, error.code, error.message, { details: { ...error.details }, instance })
  }
  if (error instanceof HTTPException && error.status === 413) {
    return problemResponse(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.', { instance })
  }
  onUnexpected?.(error, c.req.raw)
  return problemResponse(500, 'INTERNAL', GENERIC_DETAIL[500]!, { instance })
}

const GENERIC_DETAIL: Readonly<Record<number, string>> = {
  500: 'An unexpected error occurred.',
  502: 'A payment provider or carrier did not answer as expected; try again later.',
  503: 'The service is temporarily unavailable; try again later.',
}
