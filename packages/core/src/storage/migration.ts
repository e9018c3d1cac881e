import { Migrator, type Kysely, type Migration, type MigrationResult, sql } from 'kysely'
import { OrdoError } from '../errors.js'
import type { StorageDialect } from './storage-dialect.js'

/** What a migration receives: the database and helpers that paper over dialect differences. */
export interface MigrationContext {
  readonly db: Kysely<any>
  readonly dialect: StorageDialect
  /** `db.schema.createTable(name)` with the dialect's table options (MySQL charset and engine). */
  createTable(name: string): ReturnType<Kysely<any>['schema']['createTable']>
}

/**
 * One versioned schema change. Core's modules and plugins each contribute
 * theirs; names are unique and, within one owner, sort in the order they apply.
 *
 * @example
 * ```ts
 * const migration: OrdoMigration = {
 *   name: '0001_loyalty_cards',
 *   async up({ createTable }) {
 *     await createTable('acme_loyalty_card').addColumn('id', 'varchar(36)', (c) => c.primaryKey()).execute()
 *   },
 * }
 * ```
 */
export interface OrdoMigration {
  readonly name: string
  /** Applies the change. The engine runs it once per database and records that it did. */
  up(context: MigrationContext): Promise<void>
}

/** Column types used by every module, the same on each dialect. */
export const COLUMN = {
  /** Ids: UUIDv7 strings. */
  id: 'varchar(36)',
  /** Short names and codes. */
  name: 'varchar(255)',
  /** Instants: milliseconds since the Unix epoch. */
  time: 'bigint',
  /** Money: integer minor units. */
  money: 'bigint',
  /** JSON documents, stored as text on every dialect. */
  json: 'text',
} as const

/** Migration table names; every other table is owned by a module. */
const MIGRATION_TABLE = 'ordo_migration'
const MIGRATION_LOCK_TABLE = 'ordo_migration_lock'

/**
 * Applies every pending migration, in order, under the dialect's migration lock
 * (so several processes starting at once apply each migration once).
 * Returns the names applied by this call.
 */
export async function migrateToLatest(
  db: Kysely<any>,
  dialect: StorageDialect,
  migrations: readonly { owner: string; migration: OrdoMigration }[],
): Promise<string[]> {
  const contextFor = (migrationDb: Kysely<any>): MigrationContext => ({
    db: migrationDb,
    dialect,
    createTable(name) {
      const builder = migrationDb.schema.createTable(name)
      return dialect.tableOptions ? builder.modifyEnd(sql.raw(` ${dialect.tableOptions}`)) : builder
    },
  })
  const named: Record<string, Migration> = {}
  for (const { owner, migration } of migrations) {
    const key = `${owner}/${migration.name}`
    if (named[key]) {
      throw new OrdoError('INVALID_PLUGIN', `Migration "${key}" is declared twice.`, { details: { migration: key } })
    }
    named[key] = { up: (migrationDb) => migration.up(contextFor(migrationDb)) }
  }
  const schema = await dialect.migrationSchema?.(db)
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => named },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r: MigrationResult) => r.status === 'Error')
    throw new OrdoError(
      'STORAGE',
      `Migration ${failed ? `"${failed.migrationName}" ` : ''}failed on ${dialect.name}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, details: { migration: failed?.migrationName } },
    )
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/** Names of the migrations already applied, in the order they ran. */
export async function appliedMigrations(db: Kysely<any>, dialect: StorageDialect): Promise<string[]> {
  const schema = await dialect.migrationSchema?.(db)
  const table = schema ? db.withSchema(schema) : db
  const rows = await table
    .selectFrom(MIGRATION_TABLE)
    .select(['name'])
    .orderBy('timestamp')
    .orderBy('name')
    .execute()
  return rows.map((r: { name: string }) => r.name)
}
