import Database from 'better-sqlite3'
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely'
import { OrdoError, type StorageDialect } from '@ordo/core'
import { z } from 'zod'

/** Configuration of {@link sqliteStorage}. */
export interface SqliteStorageConfig {
  /** Path of the database file, or `':memory:'` for a throw-away database. */
  filename: string
  /** How long a writer waits for another process's lock before failing. @default 5000 */
  busyTimeoutMs?: number
  /**
   * The page cache of each connection, in KiB: pages of the database kept in
   * memory. A smaller cache trades memory for reads from the file (the OS
   * usually still has them); set it on small machines, e.g. `2048`.
   * @default 16000 (better-sqlite3's build default)
   */
  pageCacheKb?: number
}

const configSchema = z.strictObject({
  filename: z.string().min(1),
  busyTimeoutMs: z.number().int().nonnegative().optional(),
  pageCacheKb: z.number().int().min(64).max(16_777_216).optional(),
})

/**
 * Embedded SQLite storage on better-sqlite3: zero infrastructure, one file.
 * Opens with WAL journaling, `synchronous=NORMAL`, a busy timeout and foreign
 * keys on. One process holds the worker.
 *
 * @example
 * ```ts
 * import { createCommerce } from '@ordo/core'
 * import { sqliteStorage } from '@ordo/storage-sqlite'
 *
 * const shop = await createCommerce({ storage: sqliteStorage({ filename: 'shop.db' }), currency: 'RUB' })
 * ```
 */
export function sqliteStorage(config: SqliteStorageConfig): StorageDialect {
  const parsed = configSchema.safeParse(config)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys : [])].join('.')
    throw new OrdoError('INVALID_CONFIG', `Invalid sqliteStorage config at "${key}": ${issue.message}`, { details: { key } })
  }
  const { filename, busyTimeoutMs = 5000, pageCacheKb } = Object.freeze(parsed.data)
  return Object.freeze({
    name: 'sqlite',
    capabilities: Object.freeze({
      supportsReturning: true,
      supportsSkipLocked: false,
      supportsTransactionalDdl: true,
      upsert: 'on_conflict' as const,
      concurrentWriters: false,
    }),
    isTransientError: (error: unknown) => (error as { code?: string } | null)?.code === 'SQLITE_BUSY',
    createDialect() {
      return new ImmediateSqliteDialect({
        database: async () => {
          const database = new Database(filename, { timeout: busyTimeoutMs })
          if (filename !== ':memory:') database.pragma('journal_mode = WAL')
          database.pragma('synchronous = NORMAL')
          database.pragma(`busy_timeout = ${busyTimeoutMs}`)
          database.pragma('foreign_keys = ON')
          // A negative cache_size is in KiB.
          if (pageCacheKb !== undefined) database.pragma(`cache_size = -${pageCacheKb}`)
          return withStatementCache(database, STATEMENT_CACHE_SIZE)
        },
      })
    },
  })
}

/**
 * Begins every transaction with `BEGIN IMMEDIATE`: a writer takes the write
 * lock up front and waits for it (busy timeout), instead of failing with
 * SQLITE_BUSY when a read lock cannot be upgraded — what several processes on
 * one file need.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0]
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config)
    this.#config = config
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
}

/** Prepared statements kept per connection; Ordo issues a few hundred distinct ones. */
const STATEMENT_CACHE_SIZE = 500

/**
 * The database as Kysely sees it, with prepared statements reused by SQL
 * text: preparing is a fifth of a command's CPU otherwise. A statement still
 * busy (a streamed query being read) is never handed out twice — the caller
 * gets a fresh one. Least recently used statements leave first.
 */
function withStatementCache(database: Database.Database, size: number) {
  const cache = new Map<string, Database.Statement>()
  return {
    close: () => database.close(),
    prepare(sql: string): Database.Statement {
      const cached = cache.get(sql)
      if (cached && !cached.busy) {
        cache.delete(sql)
        cache.set(sql, cached)
        return cached
      }
      const statement = database.prepare(sql)
      if (!cached) {
        cache.set(sql, statement)
        if (cache.size > size) cache.delete(cache.keys().next().value!)
      }
      return statement
    },
  }
}
