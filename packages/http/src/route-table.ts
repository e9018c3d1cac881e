import type { Context, Hono, MiddlewareHandler } from 'hono'
import { z } from 'zod'
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemSchema, RequestValidationError } from './problem.js'

/** HTTP methods the routers use. */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'

const EMPTY = z.object({})
type Empty = typeof EMPTY

/** A route: its place, its input schemas and what its answer means; the OpenAPI document is built from these. */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: HttpMethod
  /** Hono path syntax: `/carts/:cartId`. */
  path: string
  operationId: string
  summary: string
  description?: string
  tag: string
  params?: P
  query?: Q
  /** A JSON body; absent for routes that take none. */
  body?: B
  /** Request headers documented (and checked for presence) as parameters. */
  headers?: { name: string; description: string; required: boolean }[]
  /** The scope an admin key needs. */
  scope?: string
  /** The success answer. */
  success: { status: 200 | 201; description: string; schema?: z.ZodType }
  /** Problem statuses the route can answer with besides 400/500. */
  problems?: number[]
  /** Raw-body routes (webhooks): the body is documented as text and not parsed. */
  rawBody?: { contentTypes: string[] }
}

/** What a handler receives: the parsed inputs and the Hono context. */
export interface RouteInput<P, Q, B> {
  params: P
  query: Q
  body: B
  c: Context<any>
}

interface Entry {
  spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>
  middleware: MiddlewareHandler<any>[]
  handler: (input: RouteInput<any, any, any>) => Promise<unknown>
}

/**
 * The routes of one router, kept as data so that one list both registers the
 * Hono handlers (with validation) and builds the OpenAPI document.
 */
export class RouteTable {
  private readonly entries: Entry[] = []

  /** Adds a route. */
  add<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = Empty>(
    spec: RouteSpec<P, Q, B>,
    handler: (input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>) => Promise<unknown>,
    middleware: MiddlewareHandler<any>[] = [],
  ): void {
    this.entries.push({ spec: spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType>, middleware, handler: handler as Entry['handler'] })
  }

  /** Registers each route on `app`: inputs validated, data answered as JSON with the spec's status. */
  mount(app: Hono<any>, before: (spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>) => MiddlewareHandler<any>[] = () => []): void {
    for (const { spec, middleware, handler } of this.entries) {
      const on = app.on.bind(app) as unknown as (method: string, path: string, ...handlers: MiddlewareHandler<any>[]) => void
      on(spec.method.toUpperCase(), spec.path, ...before(spec), ...middleware, async (c) => {
        const params = parsePart('params', spec.params ?? EMPTY, c.req.param())
        const query = parsePart('query', spec.query ?? EMPTY, c.req.query())
        const body = spec.body ? parsePart('body', spec.body, await readJson(c)) : undefined
        const result = await handler({ params, query, body, c })
        // A handler may answer a Response of its own instead of JSON data.
        if (result instanceof Response) return result
        return c.json(result as object, spec.success.status)
      })
    }
  }

  /** The OpenAPI 3.1 document of these routes. */
  document(info: { title: string; version: string; description?: string }, options: { security?: boolean } = {}): OpenApiDocument {
    const paths: Record<string, Record<string, unknown>> = {}
    const schemas: Record<string, unknown> = {}
    for (const { spec } of this.entries) {
      const path = spec.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
      const operation: Record<string, unknown> = {
        operationId: spec.operationId,
        summary: spec.summary,
        ...(spec.description ? { description: spec.description } : {}),
        tags: [spec.tag],
        parameters: [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query'), ...(spec.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: h.required, description: h.description, schema: { type: 'string' } }))],
        responses: responses(spec, schemas),
      }
      if (spec.body) {
        operation['requestBody'] = { required: !spec.body.safeParse(undefined).success, content: { 'application/json': { schema: jsonSchema(spec.body, 'input', schemas) } } }
      } else if (spec.rawBody) {
        operation['requestBody'] = {
          required: true,
          description: 'Passed to the adapter byte for byte, for its signature check.',
          content: Object.fromEntries(spec.rawBody.contentTypes.map((t) => [t, { schema: { type: 'string' } }])),
        }
      }
      if (options.security && spec.scope) {
        operation['security'] = [{ apiKey: [spec.scope] }, { bearer: [spec.scope] }]
        operation['x-ordo-scope'] = spec.scope
      }
      ;(paths[path] ??= {})[spec.method] = operation
    }
    jsonSchema(problemSchema, 'output', schemas)
    return {
      openapi: '3.1.0',
      info,
      paths,
      components: {
        schemas,
        ...(options.security
          ? {
              securitySchemes: {
                apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key issued with `apiKeys(shop).issue()`.' },
                bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token.' },
              },
            }
          : {}),
      },
    }
  }
}

/** An OpenAPI 3.1 document as plain JSON data. */
export interface OpenApiDocument {
  openapi: '3.1.0'
  info: { title: string; version: string; description?: string }
  paths: Record<string, Record<string, unknown>>
  components: Record<string, unknown>
}

function parsePart<S extends z.ZodType>(part: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  throw new RequestValidationError(
    result.error.issues.map((issue) => ({
      path: [part, ...issue.path.map(String), ...(issue.code === 'unrecognized_keys' ? [issue.keys.join(', ')] : [])].join('.'),
      message: issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message,
    })),
  )
}

/** Whether a `Content-Type` is JSON: `application/json` or a `+json` type, parameters aside. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const type = contentType?.split(';', 1)[0]!.trim().toLowerCase()
  return type !== undefined && /^application\/(?:json|[\w.!#$&^-]+\+json)$/.test(type)
}

async function readJson(c: Context): Promise<unknown> {
  const contentType = c.req.header('content-type')
  const json = isJsonMediaType(contentType)
  const text = await c.req.text()
  if (text.trim() === '') return undefined
  if (!json) {
    throw new HttpProblem(415, 'UNSUPPORTED_MEDIA_TYPE', `The body must be JSON (Content-Type application/json), not ${contentType ? `"${contentType}"` : 'untyped'}.`, { contentType: contentType ?? null }, { accept: 'application/json' })
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new RequestValidationError([{ path: 'body', message: 'not valid JSON' }])
  }
}

function stripDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema
  return rest
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output', shared: Record<string, unknown>): Record<string, unknown> {
  const converted = stripDialect(z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as Record<string, unknown>)
  // Named sub-schemas (`.meta({ id })`) go to components once; the operation refers to them.
  const defs = converted['$defs'] as Record<string, unknown> | undefined
  if (defs) {
    for (const [name, def] of Object.entries(defs)) shared[name] = def
    delete converted['$defs']
  }
  return JSON.parse(JSON.stringify(converted).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<string, unknown>
}

function parameters(schema: z.ZodType | undefined, place: 'path' | 'query'): Record<string, unknown>[] {
  if (!schema || !(schema instanceof z.ZodObject)) return []
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const description = field.description
    return {
      name,
      in: place,
      required: place === 'path' || !field.safeParse(undefined).success,
      ...(description ? { description } : {}),
      // What the client sends: the string before coercions and transforms.
      schema: stripDialect(z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
    }
  })
}

function responses(spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>, schemas: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    [String(spec.success.status)]: {
      description: spec.success.description,
      content: { 'application/json': { schema: spec.success.schema ? jsonSchema(spec.success.schema, 'output', schemas) : { type: 'object' } } },
    },
  }
  const problem = { content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } } }
  const statuses = new Set([400, ...(spec.body || spec.rawBody ? [413] : []), ...(spec.body ? [415] : []), ...(spec.scope ? [401, 403] : []), ...(spec.problems ?? []), 500])
  for (const status of [...statuses].sort()) out[String(status)] = { description: PROBLEM_DESCRIPTIONS[status] ?? 'A problem.', ...problem }
  return out
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request does not match the schema (`VALIDATION`).',
  401: 'Missing or no longer valid credentials: no API key or an unknown or revoked one (`UNAUTHORIZED`), an expired order token (`ORDER_TOKEN_EXPIRED`).',
  403: "The key lacks the route's scope (`FORBIDDEN`).",
  404: 'No such record (`NOT_FOUND`).',
  409: 'The state forbids it or the record changed (`CONFLICT`, `INVALID_TRANSITION`, `OUT_OF_STOCK`, …).',
  413: 'The body is larger than the limit (`PAYLOAD_TOO_LARGE`).',
  415: 'The body is not sent as JSON (`UNSUPPORTED_MEDIA_TYPE`).',
  422: 'The engine refused the input (`VALIDATION`, `COUPON_REJECTED`, `CART_INCOMPLETE`, …).',
  429: 'Too many requests (`RATE_LIMITED`).',
  500: 'An unexpected error (`INTERNAL`).',
  502: 'A payment provider or a courier failed (`PAYMENT_PROVIDER`, `COURIER`).',
}
