import { OrdoError, type StorageDialect } from '@ordo/core'
import { MysqlDialect, type MysqlPool } from 'kysely'
import { createPool, type Pool } from 'mysql2'
import { z } from 'zod'

/** Configuration of {@link mysqlStorage}: a connection URI, or a pool you own. */
export type MysqlStorageConfig =
  | {
      /** e.g. `mysql://user:password@host:3306/shop` */
      uri: string
      /** Pool size. @default 10 */
      connectionLimit?: number
    }
  | {
      /**
       * Your own callback-style `mysql2` pool; Ordo never ends it. Create it
       * with `decimalNumbers: true` and `supportBigNumbers: true` so sums and
       * money read back as numbers.
       */
      pool: Pool
    }

const configSchema = z.union([
  z.strictObject({ uri: z.string().min(1), connectionLimit: z.number().int().positive().optional() }),
  z.strictObject({
    pool: z.custom<Pool>((v) => typeof v === 'object' && v !== null && typeof (v as Pool).getConnection === 'function', {
      message: 'expected a mysql2 pool (from mysql2, not mysql2/promise)',
    }),
  }),
])

/** Every table Ordo creates: InnoDB, full UTF-8, byte-wise comparison as on the other dialects. */
const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin'

/**
 * MySQL 8 / MariaDB 10.6+ storage on `mysql2`.
 *
 * @example
 * ```ts
 * import { mysqlStorage } from '@ordo/storage-mysql'
 * const shop = await createCommerce({ storage: mysqlStorage({ uri: 'mysql://root@127.0.0.1:3306/shop' }), currency: 'RUB' })
 * ```
 */
export function mysqlStorage(config: MysqlStorageConfig): StorageDialect {
  const parsed = configSchema.safeParse(config)
  if (!parsed.success) {
    throw new OrdoError(
      'INVALID_CONFIG',
      `Invalid mysqlStorage config: pass { uri } or { pool } (${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ')})`,
      { details: { key: parsed.error.issues[0]?.path.join('.') ?? '' } },
    )
  }
  const settings = Object.freeze(parsed.data)
  if ('pool' in settings) {
    const options = (settings.pool as unknown as { config?: { connectionConfig?: { decimalNumbers?: boolean } } }).config?.connectionConfig
    if (options && !options.decimalNumbers) {
      throw new OrdoError('INVALID_CONFIG', 'Invalid mysqlStorage config at "pool": create the pool with decimalNumbers: true.', {
        details: { key: 'pool' },
      })
    }
  }
  return Object.freeze({
    name: 'mysql',
    tableOptions: TABLE_OPTIONS,
    capabilities: Object.freeze({
      supportsReturning: false,
      supportsSkipLocked: true,
      supportsTransactionalDdl: false,
      upsert: 'on_duplicate_key' as const,
      concurrentWriters: true,
    }),
    // ER_LOCK_DEADLOCK: InnoDB rolled the transaction back; it can simply run again.
    isTransientError: (error: unknown) => (error as { errno?: number } | null)?.errno === 1213,
    createDialect() {
      if ('pool' in settings) {
        const pool = settings.pool
        // Ordo does not own this pool: closing the shop leaves it open.
        const borrowed = { getConnection: pool.getConnection.bind(pool), end: (cb: (error: unknown) => void) => cb(null) }
        return new MysqlDialect({ pool: borrowed as unknown as MysqlPool })
      }
      return new MysqlDialect({
        pool: createPool({
          uri: settings.uri,
          connectionLimit: settings.connectionLimit ?? 10,
          supportBigNumbers: true,
          bigNumberStrings: false,
          decimalNumbers: true,
          timezone: 'Z',
          charset: 'utf8mb4',
        }) as unknown as MysqlPool,
      })
    },
  })
}
