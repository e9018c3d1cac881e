import type { StorageDialect } from '@ordo/core'
import { randomBytes } from 'node:crypto'

/** The dialects the storage suite knows how to run on. */
export const TEST_DIALECTS = ['sqlite', 'postgres', 'mysql'] as const
/** One of {@link TEST_DIALECTS}: `sqlite`, `postgres` or `mysql`. */
export type TestDialect = (typeof TEST_DIALECTS)[number]

/** Where the test servers are, overridable by env. */
export const TEST_DATABASE_URLS = {
  postgres: process.env.ORDO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mysql: process.env.ORDO_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
} as const

/**
 * The dialects selected by `ORDO_TEST_DBS` (comma-separated), default `sqlite`.
 * Unknown names throw, so a typo never silently skips a database.
 */
export function selectedDialects(env: string | undefined = process.env.ORDO_TEST_DBS): TestDialect[] {
  const names = (env ?? 'sqlite').split(',').map((s) => s.trim()).filter(Boolean)
  for (const name of names) {
    if (!(TEST_DIALECTS as readonly string[]).includes(name)) {
      throw new Error(`ORDO_TEST_DBS names "${name}"; known dialects: ${TEST_DIALECTS.join(', ')}`)
    }
  }
  return [...new Set(names)] as TestDialect[]
}

/** An isolated database for one test (its own file, PostgreSQL schema or MySQL database). */
export interface TestDatabase {
  readonly dialect: TestDialect
  readonly storage: StorageDialect
  /** Everything needed to open the same database from another process (see {@link storageFromDescriptor}). */
  readonly descriptor: TestDatabaseDescriptor
  /** Drops the database. */
  drop(): Promise<void>
}

/** Plain data naming an isolated test database, to hand to a child process. */
export type TestDatabaseDescriptor =
  | { dialect: 'sqlite'; filename: string }
  | { dialect: 'postgres'; connectionString: string; schema: string }
  | { dialect: 'mysql'; uri: string }

/** Opens the storage a descriptor names (in a child process of a multi-process test). */
export async function storageFromDescriptor(descriptor: TestDatabaseDescriptor): Promise<StorageDialect> {
  switch (descriptor.dialect) {
    case 'sqlite': {
      const { sqliteStorage } = await import('@ordo/storage-sqlite')
      return sqliteStorage({ filename: descriptor.filename })
    }
    case 'postgres': {
      const { postgresStorage } = await import('@ordo/storage-postgres')
      return postgresStorage({ connectionString: descriptor.connectionString, schema: descriptor.schema, max: 20 })
    }
    case 'mysql': {
      const { mysqlStorage } = await import('@ordo/storage-mysql')
      return mysqlStorage({ uri: descriptor.uri, connectionLimit: 20 })
    }
  }
}

const uniqueName = () => `ordo_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`

/**
 * Creates an isolated, empty database on `dialect`: a temporary SQLite file, a
 * fresh PostgreSQL schema or a fresh MySQL database on the test servers.
 */
export async function createTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  switch (dialect) {
    case 'sqlite': {
      const { mkdtempSync, rmSync } = await import('node:fs')
      const { tmpdir } = await import('node:os')
      const { join } = await import('node:path')
      const dir = mkdtempSync(join(tmpdir(), 'ordo-test-'))
      const descriptor = { dialect, filename: join(dir, 'shop.db') } as const
      return {
        dialect,
        descriptor,
        storage: await storageFromDescriptor(descriptor),
        async drop() {
          rmSync(dir, { recursive: true, force: true })
        },
      }
    }
    case 'postgres': {
      const schema = uniqueName()
      const descriptor = { dialect, connectionString: TEST_DATABASE_URLS.postgres, schema } as const
      return {
        dialect,
        descriptor,
        storage: await storageFromDescriptor(descriptor),
        async drop() {
          const pg = (await import('pg')).default
          const client = new pg.Client({ connectionString: TEST_DATABASE_URLS.postgres })
          await client.connect()
          try {
            await client.query(`drop schema if exists "${schema}" cascade`)
          } finally {
            await client.end()
          }
        },
      }
    }
    case 'mysql': {
      const name = uniqueName()
      const mysql = await import('mysql2/promise')
      const admin = await mysql.createConnection({ uri: TEST_DATABASE_URLS.mysql })
      try {
        await admin.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_bin`)
      } finally {
        await admin.end()
      }
      const url = new URL(TEST_DATABASE_URLS.mysql)
      url.pathname = `/${name}`
      const descriptor = { dialect, uri: url.toString() } as const
      return {
        dialect,
        descriptor,
        storage: await storageFromDescriptor(descriptor),
        async drop() {
          const conn = await mysql.createConnection({ uri: TEST_DATABASE_URLS.mysql })
          try {
            await conn.query(`drop database if exists \`${name}\``)
          } finally {
            await conn.end()
          }
        },
      }
    }
  }
}
