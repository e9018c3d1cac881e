import type { InsertQueryBuilder, SelectQueryBuilder } from 'kysely'
import type { StorageCapabilities } from './storage-dialect.js'

/** Makes an insert skip rows that collide with a unique key, on every dialect. */
export function insertIgnoringConflicts<DB, TB extends keyof DB, O>(
  query: InsertQueryBuilder<DB, TB, O>,
  capabilities: StorageCapabilities,
): InsertQueryBuilder<DB, TB, O> {
  return capabilities.upsert === 'on_duplicate_key' ? query.ignore() : query.onConflict((oc) => oc.doNothing())
}

/** `FOR UPDATE SKIP LOCKED` where the database has it; SQLite serialises writers instead. */
export function skipLockedRows<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  capabilities: StorageCapabilities,
): SelectQueryBuilder<DB, TB, O> {
  return capabilities.supportsSkipLocked ? query.forUpdate().skipLocked() : query
}

/** Rows changed by an update or delete, as a number. */
export function affected(result: { numUpdatedRows?: bigint; numDeletedRows?: bigint } | undefined): number {
  return Number(result?.numUpdatedRows ?? result?.numDeletedRows ?? 0n)
}

/**
 * True when a database error is a unique-key (or primary-key) violation, on
 * every dialect: PostgreSQL SQLSTATE `23505`, MySQL/MariaDB `ER_DUP_ENTRY`
 * (1062), SQLite `SQLITE_CONSTRAINT_UNIQUE` / `_PRIMARYKEY`. Looks through
 * `cause` chains, since wrappers keep the driver error there.
 */
export function isUniqueViolation(error: unknown): boolean {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, errno } = e as { code?: unknown; errno?: unknown }
    if (code === '23505' || code === 'ER_DUP_ENTRY' || errno === 1062) return true
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true
  }
  return false
}
