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
