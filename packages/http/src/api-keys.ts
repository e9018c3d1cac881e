import { COLUMN, definePlugin, newId, OrdoError, parseInput, type Commerce, type OrdoPlugin } from '@ordo/core'
import type { Kysely } from 'kysely'
import { z } from 'zod'

/**
 * Every scope an admin route asks for. `*` grants them all. A key carries a
 * list of them; a route refuses a key without its scope with `403`.
 */
export const ADMIN_SCOPES = [
  'orders:read',
  'orders:write',
  'shipments:read',
  'shipments:write',
  'payments:read',
  'payments:write',
  'loyalty:read',
  'loyalty:write',
  'notify:read',
  'customers:read',
  'customers:write',
  'reports:read',
] as const

/** One of {@link ADMIN_SCOPES}, or `*` for all of them. */
export type AdminScope = (typeof ADMIN_SCOPES)[number] | '*'

/**
 * Who is calling the admin API, as the `auth` function of `adminRoutes`
 * answers: recorded as the `actor` of every command they run.
 */
export interface AdminActor {
  /** Stable id, recorded in order history and payments as the actor (`api-key:01J…`, `manager:7`). */
  id: string
  /** A name for people (the key's name, the manager's name). */
  name: string
  /** The scopes granted; `*` grants every scope. */
  scopes: readonly string[]
}

/** An API key as listed (never its secret). */
export interface ApiKey {
  id: string
  name: string
  scopes: AdminScope[]
  createdAt: Date
  /** When it was revoked, or null while it works. */
  revokedAt: Date | null
}

/** What `issue` answers: the key and, once, its secret. */
export interface IssuedApiKey {
  key: ApiKey
  /** The full token to send as `x-api-key` or `Authorization: Bearer …`. Shown once: only its SHA-256 hash is stored. */
  token: string
}

/** Issues, lists, revokes and verifies the admin API keys kept in the shop's database. */
export interface ApiKeysApi {
  /**
   * Issues a key with scopes. The token is `ordo_<id>_<secret>` with 32 random
   * bytes of secret; only the secret's SHA-256 hash is stored.
   *
   * @example
   * ```ts
   * const { token } = await apiKeys(shop).issue({ name: 'warehouse tablet', scopes: ['orders:read', 'shipments:write'] })
   * ```
   */
  issue(input: { name: string; scopes: AdminScope[] }): Promise<IssuedApiKey>
  /** Revokes a key: it is refused from now on. Revoking again changes nothing. `NOT_FOUND` for an unknown id. */
  revoke(keyId: string): Promise<ApiKey>
  /** Every key, newest first. */
  list(): Promise<ApiKey[]>
  /** The actor a token stands for, or null when it is malformed, unknown, revoked or its secret is wrong. */
  verify(token: string): Promise<AdminActor | null>
}

interface ApiKeyTable {
  id: string
  name: string
  scopes: string
  secret_hash: string
  created_at: number
  revoked_at: number | null
}

interface ApiKeyDatabase {
  http_api_key: ApiKeyTable
}

const PLUGIN_ID = 'http'

/**
 * The plugin that adds the API-key table to the shop's database. Add it to
 * `createCommerce({ plugins })` when the admin API uses the default key auth.
 *
 * @example
 * ```ts
 * const shop = await createCommerce({ storage, currency: 'RUB', plugins: [httpPlugin()] })
 * ```
 */
export function httpPlugin(): OrdoPlugin {
  return definePlugin({
    id: PLUGIN_ID,
    migrations: [
      {
        name: '0001_api_keys',
        async up({ createTable }) {
          await createTable('http_api_key')
            .addColumn('id', COLUMN.id, (c) => c.primaryKey())
            .addColumn('name', COLUMN.name, (c) => c.notNull())
            .addColumn('scopes', COLUMN.json, (c) => c.notNull())
            .addColumn('secret_hash', 'varchar(64)', (c) => c.notNull())
            .addColumn('created_at', COLUMN.time, (c) => c.notNull())
            .addColumn('revoked_at', COLUMN.time)
            .execute()
        },
      },
    ],
  })
}

const scopeSchema = z.enum([...ADMIN_SCOPES, '*'])
const issueSchema = z.strictObject({
  name: z.string().trim().min(1).max(255),
  scopes: z.array(scopeSchema).min(1).max(ADMIN_SCOPES.length + 1),
})
const TOKEN = /^ordo_([0-9a-f-]{36})_([A-Za-z0-9_-]{43})$/

/** API keys of a shop; the shop needs {@link httpPlugin} among its plugins. */
export function apiKeys(shop: Commerce): ApiKeysApi {
  const run = <T>(fn: (db: Kysely<ApiKeyDatabase>, now: Date) => Promise<T>) => shop.run((uow) => fn(uow.db as unknown as Kysely<ApiKeyDatabase>, uow.now))
  const toKey = (row: ApiKeyTable): ApiKey => ({
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as AdminScope[],
    createdAt: new Date(Number(row.created_at)),
    revokedAt: row.revoked_at === null ? null : new Date(Number(row.revoked_at)),
  })
  return {
    async issue(input) {
      const { name, scopes } = parseInput('apiKeys.issue', issueSchema, input)
      const secret = base64url(crypto.getRandomValues(new Uint8Array(32)))
      const id = newId()
      const row: ApiKeyTable = { id, name, scopes: JSON.stringify([...new Set(scopes)]), secret_hash: await sha256Hex(secret), created_at: 0, revoked_at: null }
      await run(async (db, now) => {
        row.created_at = now.getTime()
        await db.insertInto('http_api_key').values(row).execute()
      })
      return { key: toKey(row), token: `ordo_${id}_${secret}` }
    },
    async revoke(keyId) {
      const id = parseInput('apiKeys.revoke', z.string().min(1).max(64), keyId)
      return run(async (db, now) => {
        await db.updateTable('http_api_key').set({ revoked_at: now.getTime() }).where('id', '=', id).where('revoked_at', 'is', null).execute()
        const row = await db.selectFrom('http_api_key').selectAll().where('id', '=', id).executeTakeFirst()
        if (!row) throw new OrdoError('NOT_FOUND', `No API key ${id}.`, { details: { keyId: id } })
        return toKey(row)
      })
    },
    async list() {
      return run(async (db) => (await db.selectFrom('http_api_key').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute()).map(toKey))
    },
    async verify(token) {
      const match = TOKEN.exec(token)
      if (!match) return null
      const [, id, secret] = match as unknown as [string, string, string]
      const row = await run((db) => db.selectFrom('http_api_key').selectAll().where('id', '=', id).executeTakeFirst())
      if (!row || row.revoked_at !== null) return null
      if (!constantTimeEqual(await sha256Hex(secret), row.secret_hash)) return null
      return { id: `api-key:${row.id}`, name: row.name, scopes: JSON.parse(row.scopes) as string[] }
    },
  }
}

/**
 * The default admin `auth`: reads the key from `x-api-key` or
 * `Authorization: Bearer …` and verifies it with {@link apiKeys}.
 */
export function apiKeyAuth(keys: ApiKeysApi): (request: Request) => Promise<AdminActor | null> {
  return async (request) => {
    const header = request.headers.get('x-api-key') ?? request.headers.get('authorization')?.replace(/^Bearer\s+/i, '') ?? null
    return header ? keys.verify(header.trim()) : null
  }
}

/** SHA-256 of a string, lowercase hex (Web Crypto: the same on every runtime). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** Bytes as base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Compares two strings in time that depends only on their length. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
