/**
 * PostgreSQL storage for Ordo, on `pg`.
 *
 * @module
 */
export { postgresStorage, type PostgresStorageConfig, type PgPoolLike } from './postgres-storage.js'
