import type { Kysely } from 'kysely'
import type { Database } from './database.js'
import { COLUMN, type OrdoMigration } from './migration.js'

/**
 * Reference data each process may keep in memory between commands: the
 * catalog (variants with their products and categories, prices and price
 * lists), automatic promotions, and stock locations. Each has a revision in
 * the database; the module that owns the data bumps it in the transaction
 * that changes the data.
 */
export type RevisionScope = 'catalog' | 'promotions' | 'stock_locations'

const SCOPES: readonly RevisionScope[] = ['catalog', 'promotions', 'stock_locations']

/** One row per {@link RevisionScope}: a counter every change to that data moves on. */
export interface RevisionTable {
  scope: string
  revision: number
}

/** Tables owned by the revision cache. */
export interface RevisionTables {
  ordo_revision: RevisionTable
}

export const revisionMigrations: readonly OrdoMigration[] = [
  {
    name: '0022_revisions',
    async up({ db, createTable }) {
      await createTable('ordo_revision')
        .addColumn('scope', 'varchar(50)', (c) => c.primaryKey())
        .addColumn('revision', COLUMN.time, (c) => c.notNull())
        .execute()
      await db
        .insertInto('ordo_revision')
        .values(SCOPES.map((scope) => ({ scope, revision: 1 })))
        .execute()
    },
  },
]

/**
 * Marks `scope`'s data changed, in the caller's transaction: when it commits,
 * every process drops what it cached of that data at its next read. Call it
 * from every command that writes the data.
 */
export async function bumpRevision(db: Kysely<Database>, scope: RevisionScope): Promise<void> {
  const result = await db
    .updateTable('ordo_revision')
    .set((eb) => ({ revision: eb('revision', '+', 1) }))
    .where('scope', '=', scope)
    .executeTakeFirst()
  // A database whose row went missing (a partial restore) gets it back, moved on from any revision a process could hold.
  if (Number(result.numUpdatedRows) === 0) await db.insertInto('ordo_revision').values({ scope, revision: Date.now() }).execute()
}

/** Freezes a cached value and everything in it: cached entries are shared by every command of the process. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

/** A bounded cache of one kind of entry in a scope; the least recently used entries go first. */
export class CacheArea<T> {
  readonly #entries = new Map<string, T>()
  constructor(readonly limit: number) {}

  get(key: string): T | undefined {
    const value = this.#entries.get(key)
    if (value !== undefined) {
      // Most recently used last: Map keeps insertion order.
      this.#entries.delete(key)
      this.#entries.set(key, value)
    }
    return value
  }

  /** Caches `value`, frozen (with everything in it): it is shared by every command of the process from now on. */
  set(key: string, value: T): void {
    this.#entries.delete(key)
    this.#entries.set(key, deepFreeze(value))
    if (this.#entries.size > this.limit) this.#entries.delete(this.#entries.keys().next().value!)
  }

  get size(): number {
    return this.#entries.size
  }
}

/** What one scope holds at one revision: named areas. */
class ScopeCache {
  readonly areas = new Map<string, CacheArea<unknown>>()
  constructor(readonly revision: number) {}
}

type Revisions = ReadonlyMap<string, number>

/**
 * The process's cache of reference data, kept per {@link RevisionScope} and
 * valid for one revision of it. A unit of work reads the revisions once (one
 * small query) the first time it needs cached data; a scope whose revision
 * moved on — changed by this process or any other sharing the database — is
 * emptied before use. Entries read after the revisions may be newer than
 * them; the next unit of work sees the new revision and drops them, so a
 * cached entry is never older than what a command's transaction could read.
 *
 * Only commands that do not write the cached data read through the cache
 * (pricing, carts, checkout, delivery quotes, order edits), so nothing
 * uncommitted ever gets into it.
 */
export class RevisionCache {
  readonly #scopes = new Map<RevisionScope, ScopeCache>()
  /** Revisions read in each open transaction. */
  readonly #byTransaction = new WeakMap<Kysely<Database>, Promise<Revisions>>()
  /** A read outside a transaction in flight: callers share it unless a transaction of this process committed since it started. */
  #pending: { read: Promise<Revisions>; commits: number } | null = null
  /** Transactions this process committed: a change it made must be seen by its next read. */
  #commits = 0

  /** @param limit Entries per area (e.g. variants) before the least recently used are dropped. */
  constructor(readonly limit: number) {}

  /**
   * The area `name` of `scope`, valid for what `db` (a transaction or the
   * shared handle) reads now.
   */
  async area<T>(db: Kysely<Database>, scope: RevisionScope, name: string): Promise<CacheArea<T>> {
    const revisions = await this.#revisions(db)
    const revision = revisions.get(scope) ?? 0
    let cache = this.#scopes.get(scope)
    if (!cache || cache.revision !== revision) {
      // Only a newer revision replaces the cache: a transaction that started before a change may still read the old one.
      if (cache && cache.revision > revision) return new CacheArea<T>(this.limit)
      cache = new ScopeCache(revision)
      this.#scopes.set(scope, cache)
    }
    let area = cache.areas.get(name)
    if (!area) cache.areas.set(name, (area = new CacheArea(this.limit)))
    return area as CacheArea<T>
  }

  #revisions(db: Kysely<Database>): Promise<Revisions> {
    if (db.isTransaction) {
      let read = this.#byTransaction.get(db)
      if (!read) this.#byTransaction.set(db, (read = readRevisions(db)))
      return read
    }
    if (!this.#pending || this.#pending.commits !== this.#commits) {
      const pending = {
        read: readRevisions(db).finally(() => {
          if (this.#pending === pending) this.#pending = null
        }),
        commits: this.#commits,
      }
      this.#pending = pending
    }
    return this.#pending.read
  }

  /** Called after every commit of this process: reads of the revisions already in flight may predate what it changed. */
  committed(): void {
    this.#commits++
  }
}

async function readRevisions(db: Kysely<Database>): Promise<Revisions> {
  const rows = await db.selectFrom('ordo_revision').select(['scope', 'revision']).execute()
  return new Map(rows.map((r) => [r.scope, Number(r.revision)]))
}
