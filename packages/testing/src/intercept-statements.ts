import type { StorageDialect } from '@ordo/core'
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely'

/**
 * Decides the fate of one SQL statement a storage's connection is asked to
 * run: call `next(query)` to run it (and observe, time or count it), or
 * reject without calling `next` to refuse it as a broken database would.
 */
export type StatementInterceptor = (query: CompiledQuery, next: (query: CompiledQuery) => Promise<QueryResult<unknown>>) => Promise<QueryResult<unknown>>

/**
 * Wraps a storage so that every SQL statement the engine sends through it
 * passes `intercept` first: for tests that count round trips, log SQL or
 * simulate an outage of some statements, on any dialect.
 *
 * Every statement goes through the interceptor, BEGIN / COMMIT / ROLLBACK and
 * savepoints included (Kysely's drivers run them on the connection the
 * wrapper hands out). The storage's other methods and capabilities are kept
 * as they are.
 *
 * @example
 * ```ts
 * import { createCommerce } from '@ordo/core'
 * import { sqliteStorage } from '@ordo/storage-sqlite'
 * import { interceptStatements } from '@ordo/testing'
 *
 * let statements = 0
 * let down = false
 * const storage = interceptStatements(sqliteStorage({ filename: ':memory:' }), (query, next) => {
 *   statements++
 *   if (down && /^insert into "ordo_visit"/.test(query.sql)) return Promise.reject(new Error('connection refused'))
 *   return next(query)
 * })
 * const shop = await createCommerce({ storage, currency: 'RUB' })
 * ```
 */
export function interceptStatements(storage: StorageDialect, intercept: StatementInterceptor): StorageDialect {
  return {
    ...boundMethods(storage),
    createDialect(): Dialect {
      const dialect = storage.createDialect()
      return {
        createQueryCompiler: () => dialect.createQueryCompiler(),
        createAdapter: () => dialect.createAdapter(),
        createIntrospector: (db) => dialect.createIntrospector(db),
        createDriver: () => interceptingDriver(dialect.createDriver(), intercept),
      }
    },
  }
}

/** The storage's own properties, its methods bound to it (storages are frozen plain objects, but a class must work too). */
function boundMethods(storage: StorageDialect): StorageDialect {
  const own: Record<string, unknown> = {}
  for (const key of Object.keys(storage)) {
    const value = (storage as unknown as Record<string, unknown>)[key]
    own[key] = typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(storage) : value
  }
  return own as unknown as StorageDialect
}

function interceptingDriver(driver: Driver, intercept: StatementInterceptor): Driver {
  // The driver's own methods (releaseConnection, a rollback's discard mark…)
  // use private members of *their* connection objects: they get the inner
  // connection back, except where a statement is run through it
  // (begin/commit/rollback/savepoints), which must be intercepted too.
  const inner = new WeakMap<DatabaseConnection, DatabaseConnection>()
  const wrappers = new WeakMap<DatabaseConnection, DatabaseConnection>()
  const wrap = (connection: DatabaseConnection): DatabaseConnection => {
    let proxy = wrappers.get(connection)
    if (!proxy) {
      const next = (query: CompiledQuery) => connection.executeQuery<unknown>(query)
      proxy = new Proxy(connection, {
        get(target, key) {
          if (key === 'executeQuery') return <R>(query: CompiledQuery) => intercept(query, next) as Promise<QueryResult<R>>
          const value = Reflect.get(target, key, target) as unknown
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
        },
      })
      wrappers.set(connection, proxy)
      inner.set(proxy, connection)
    }
    return proxy
  }
  const wrapped: Driver = {
    init: () => driver.init(),
    acquireConnection: async () => wrap(await driver.acquireConnection()),
    beginTransaction: (connection, settings) => driver.beginTransaction(connection, settings),
    commitTransaction: (connection) => driver.commitTransaction(connection),
    rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
    releaseConnection: (connection) => driver.releaseConnection(inner.get(connection) ?? connection),
    destroy: () => driver.destroy(),
  }
  if (driver.savepoint) wrapped.savepoint = (connection, name, compile) => driver.savepoint!(connection, name, compile)
  if (driver.rollbackToSavepoint) wrapped.rollbackToSavepoint = (connection, name, compile) => driver.rollbackToSavepoint!(connection, name, compile)
  if (driver.releaseSavepoint) wrapped.releaseSavepoint = (connection, name, compile) => driver.releaseSavepoint!(connection, name, compile)
  return wrapped
}
