import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from '../storage/database.js'
import type { StorageCapabilities } from '../storage/storage-dialect.js'

/** Ids or keys per `where … in (…)`: far under every dialect's bound-parameter limit. */
export const IN_CHUNK = 1000

/** Bound parameters per multi-row insert (SQLite allows 32 766; PostgreSQL 65 535). */
const PARAMS_PER_INSERT = 30_000

/** Splits `items` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Rows per insert for rows of `columns` columns. */
export function rowsPerInsert(columns: number): number {
  return Math.max(1, Math.min(1000, Math.floor(PARAMS_PER_INSERT / Math.max(1, columns))))
}

type Row<T extends keyof Database> = { [K in keyof Database[T]]: Database[T][K] }

/**
 * Multi-row insert that updates `update` columns of rows colliding on the
 * unique key `conflict`, on every dialect (`ON CONFLICT … DO UPDATE` or
 * `ON DUPLICATE KEY UPDATE`). Rows must not repeat a key within one call.
 */
export async function upsertRows<T extends keyof Database & string>(
  db: Kysely<Database>,
  capabilities: StorageCapabilities,
  table: T,
  rows: readonly Row<T>[],
  conflict: readonly (keyof Database[T] & string)[],
  update: readonly (keyof Database[T] & string)[],
): Promise<void> {
  if (rows.length === 0) return
  const size = rowsPerInsert(Object.keys(rows[0]!).length)
  for (const part of chunks(rows, size)) {
    const query = (db as Kysely<any>).insertInto(table as string).values(part as any[])
    const keys = [...conflict] as string[]
    if (update.length === 0) {
      await (capabilities.upsert === 'on_duplicate_key' ? query.ignore() : query.onConflict((oc) => oc.columns(keys).doNothing())).execute()
    } else if (capabilities.upsert === 'on_duplicate_key') {
      const set: Record<string, RawBuilder<unknown>> = {}
      for (const column of update) set[column] = sql`values(${sql.ref(column)})`
      await query.onDuplicateKeyUpdate(set as any).execute()
    } else {
      const set: Record<string, RawBuilder<unknown>> = {}
      for (const column of update) set[column] = sql`excluded.${sql.ref(column)}`
      await query.onConflict((oc) => oc.columns(keys).doUpdateSet(set as any)).execute()
    }
  }
}

/** Multi-row insert in chunks under the parameter limit. */
export async function insertRows<T extends keyof Database & string>(db: Kysely<Database>, table: T, rows: readonly Row<T>[]): Promise<void> {
  if (rows.length === 0) return
  const size = rowsPerInsert(Object.keys(rows[0]!).length)
  for (const part of chunks(rows, size)) {
    await (db as Kysely<any>).insertInto(table).values(part as any[]).execute()
  }
}

/** `%text%` for a LIKE with `!` as the escape character (portable: no backslash quirks on MySQL). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`
}

/** `column LIKE pattern ESCAPE '!'`. */
export function likeEscaped(column: string, pattern: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} like ${pattern} escape '!'`
}
