import { OrdoError, type StorageDialect } from '@ordo/core'
import { PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely'
import pg from 'pg'
import { z } from 'zod'

/** The part of a `pg.Pool` Ordo uses (so any compatible pool works). */
export interface PgPoolLike {
  /** Checks a client out of the pool (kysely releases it after each query or transaction). */
  connect(): Promise<pg.PoolClient>
  /** Closes the pool. `shop.close()` calls it only on the pool Ordo created from `connectionString`; a pool you pass stays yours to close. */
  end(): Promise<void>
}

/** Configuration of {@link postgresStorage}: a connection string, or a pool you own. */
export type PostgresStorageConfig =
  | {
      /** e.g. `postgres://user:password@host:5432/shop` */
      connectionString: string
      /** Pool size. @default 10 */
      max?: number
      /** Schema for Ordo's tables (created if missing). @default the server's search_path (usually `public`) */
      schema?: string
    }
  | {
      /** Your own `pg.Pool`; Ordo never ends it. Its connections parse `int8` and `numeric` as numbers. */
      pool: PgPoolLike
    }

const configSchema = z.union([
  z.strictObject({
    connectionString: z.string().min(1),
    max: z.number().int().positive().optional(),
    schema: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'expected a lower-case SQL identifier').optional(),
  }),
  z.strictObject({
    pool: z.custom<PgPoolLike>((v) => typeof v === 'object' && v !== null && typeof (v as PgPoolLike).connect === 'function', {
      message: 'expected a pg.Pool',
    }),
  }),
])

const INT8_OID = 20
const NUMERIC_OID = 1700
const toNumber = (value: string) => Number(value)

/**
 * PostgreSQL storage on `pg`: the choice for several processes. Job and outbox
 * claiming use `FOR UPDATE SKIP LOCKED`, so any number of processes may run
 * workers.
 *
 * @example
 * ```ts
 * import { postgresStorage } from '@ordo/storage-postgres'
 * const shop = await createCommerce({ storage: postgresStorage({ connectionString: process.env.DATABASE_URL! }), currency: 'RUB' })
 * ```
 */
export function postgresStorage(config: PostgresStorageConfig): StorageDialect {
  const parsed = configSchema.safeParse(config)
  if (!parsed.success) {
    throw new OrdoError(
      'INVALID_CONFIG',
      `Invalid postgresStorage config: pass { connectionString } or { pool } (${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ')})`,
      { details: { key: parsed.error.issues[0]?.path.join('.') ?? '' } },
    )
  }
  const settings = Object.freeze(parsed.data)
  const schema = 'schema' in settings ? settings.schema : undefined
  const storage: StorageDialect = {
    name: 'postgres',
    capabilities: Object.freeze({
      supportsReturning: true,
      supportsSkipLocked: true,
      supportsTransactionalDdl: true,
      upsert: 'on_conflict' as const,
      concurrentWriters: true,
    }),
    createDialect() {
      const owned = 'connectionString' in settings
      const pool: PgPoolLike = owned
        ? new pg.Pool({
            connectionString: settings.connectionString,
            max: settings.max ?? 10,
            ...(schema ? { options: `-c search_path=${schema}` } : {}),
          })
        : settings.pool
      const parsing = new WeakSet<object>()
      const wrapped: PostgresPool = {
        async connect() {
          const client = await pool.connect()
          if (!parsing.has(client)) {
            // Money and times are bigint columns: read them as numbers, not strings.
            client.setTypeParser(INT8_OID, 'text', toNumber)
            client.setTypeParser(NUMERIC_OID, 'text', toNumber)
            parsing.add(client)
          }
          return client as unknown as PostgresPoolClient
        },
        end: async () => {
          if (owned) await pool.end()
        },
      }
      return new PostgresDialect({ pool: wrapped })
    },
    // Deadlocks and serialization failures: the transaction can simply run again.
    isTransientError: (error) => ['40P01', '40001'].includes((error as { code?: string } | null)?.code ?? ''),
    async onOpen(db) {
      if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db)
    },
    async migrationSchema(db) {
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
      return rows[0]?.schema ?? undefined
    },
  }
  return Object.freeze(storage)
}
