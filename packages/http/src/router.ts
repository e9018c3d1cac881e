import type { Context, Hono, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { OrdoError } from '@ordo/core'
import { z } from 'zod'
import { problemFromError, problemResponse, type ProblemExposure, type UnexpectedErrorListener } from './problem.js'
import type { RouteSpec, RouteTable } from './route-table.js'

/** Options every router takes. */
export interface CommonRouteOptions {
  /**
   * CORS for browsers on other origins (`hono/cors` options); off when left
   * out. The storefront API usually needs it when the shop's pages are served
   * from another origin.
   *
   * @example `{ origin: ['https://shop.example'], credentials: true }`
   */
  cors?: Parameters<typeof cors>[0]
  /** The largest request body accepted, bytes; larger ones are answered `413` without being read further. @default 65536 */
  maxBodyBytes?: number
  /** Called with every error answered `5xx` (bugs, and `OrdoError`s of outages and failing providers) before the problem answer; log them here. */
  onUnexpectedError?: UnexpectedErrorListener
  /**
   * The client's IP address, for rate limits and provider allow-lists. How to
   * read it depends on the runtime and on the proxies in front: pass e.g.
   * `(c) => getConnInfo(c).remote.address` of your runtime's adapter, or read
   * the header your trusted proxy sets. By default the address Hono's Node
   * server puts in `c.env.incoming` is used, so it must be given outside
   * Node (Bun, Deno, workers) and behind a proxy (where the socket address is
   * the proxy's). A request whose address is unknown is not held to the
   * per-IP limits (only to the per-order ones), and a warning is logged once.
   */
  clientIp?: (c: Context<any>) => string | null | undefined
}

/** The default {@link CommonRouteOptions.clientIp}: the socket address Node's adapter exposes, if any. */
export function defaultClientIp(c: Context<any>): string | null {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined
  return env?.incoming?.socket?.remoteAddress ?? null
}

export const commonOptionsSchema = z.looseObject({
  maxBodyBytes: z.number().int().positive().optional(),
  cors: z.looseObject({}).optional(),
  onUnexpectedError: z.function().optional(),
  clientIp: z.function().optional(),
})

/** Checks a router's options: the first problem is `OrdoError('INVALID_CONFIG')` naming the router and the key. */
export function parseRouteOptions(router: string, schema: z.ZodType, options: unknown): void {
  const parsed = schema.safeParse(options)
  if (parsed.success) return
  const issue = parsed.error.issues[0]!
  const key = issue.path.join('.')
  throw new OrdoError('INVALID_CONFIG', `${router}: ${key || 'options'}: ${issue.message}`, { details: { key } })
}

/**
 * Wires a route table into a Hono app: CORS, the body limit, problem answers
 * for every error and unknown route, the routes and `/openapi.json`.
 */
export function mountTable(
  app: Hono<any>,
  table: RouteTable,
  options: CommonRouteOptions,
  document: { title: string; description: string; security?: boolean },
  before?: (spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>) => MiddlewareHandler<any>[],
  exposure: ProblemExposure = 'full',
): void {
  const maxBytes = options.maxBodyBytes ?? 65_536
  if (options.cors) app.use('*', cors(options.cors))
  app.use(
    '*',
    bodyLimit({
      maxSize: maxBytes,
      onError: (c) =>
        problemResponse(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBytes} bytes.`, {
          details: { maxBytes },
          instance: new URL(c.req.url).pathname,
        }),
    }),
  )
  let cached: unknown
  table.add(
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openApiDocument',
      summary: 'This API as an OpenAPI 3.1 document',
      tag: 'meta',
      success: { status: 200, description: 'The OpenAPI document.' },
    },
    async () => (cached ??= table.document({ title: document.title, version: '0.1.0', description: document.description }, { security: document.security ?? false })),
  )
  table.mount(app, (spec) => (spec.path === '/openapi.json' ? [] : (before?.(spec) ?? [])))
  app.onError((error, c) => problemFromError(error, c, options.onUnexpectedError, exposure))
  app.notFound((c) => problemResponse(404, 'ROUTE_NOT_FOUND', `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`, { instance: new URL(c.req.url).pathname }))
}
