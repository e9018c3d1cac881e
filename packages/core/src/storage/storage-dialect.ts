import type { Dialect, Kysely } from 'kysely'

/**
 * What a database can do, so core picks the right statement without sniffing
 * the driver. Storage packages declare these; a custom dialect states its own.
 */
export interface StorageCapabilities {
  /** `INSERT/UPDATE ... RETURNING` is available. */
  readonly supportsReturning: boolean
  /** `SELECT ... FOR UPDATE SKIP LOCKED` is available (job and outbox claiming across processes). */
  readonly supportsSkipLocked: boolean
  /** DDL runs inside transactions (a failed migration leaves nothing behind). */
  readonly supportsTransactionalDdl: boolean
  /** Upsert syntax: `on_conflict` (PostgreSQL, SQLite) or `on_duplicate_key` (MySQL, MariaDB). */
  readonly upsert: 'on_conflict' | 'on_duplicate_key'
  /** Several processes may write at once (false for SQLite: one process holds the worker). */
  readonly concurrentWriters: boolean
}

/**
 * The small shape a storage package implements: a Kysely dialect plus what the
 * database can do. Anyone can plug another Kysely dialect (PGlite, libSQL, D1…)
 * by implementing it.
 *
 * @example
 * ```ts
 * const storage: StorageDialect = {
 *   name: 'sqlite',
 *   capabilities: { supportsReturning: true, supportsSkipLocked: false, supportsTransactionalDdl: true, upsert: 'on_conflict', concurrentWriters: false },
 *   createDialect: () => new SqliteDialect({ database: new Database('shop.db') }),
 * }
 * ```
 */
export interface StorageDialect {
  /** Short name shown in logs and errors, e.g. `sqlite`, `postgres`, `mysql`. */
  readonly name: string
  readonly capabilities: StorageCapabilities
  /** Creates the Kysely dialect; called once per engine. */
  createDialect(): Dialect
  /** Runs once after the first connection, before migrations (session settings, checks). */
  onOpen?(db: Kysely<any>): Promise<void>
  /** Schema that holds Ordo's migration tables, when the database has schemas. */
  migrationSchema?(db: Kysely<any>): Promise<string | undefined>
  /**
   * True for errors after which the whole transaction may simply run again
   * (deadlock, serialization failure, busy database); the engine retries
   * such a command a few times before giving up.
   */
  isTransientError?(error: unknown): boolean
  /** Extra text appended to every `CREATE TABLE` (MySQL: engine and character set). */
  readonly tableOptions?: string
}
