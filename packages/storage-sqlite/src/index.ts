/**
 * Embedded SQLite storage for Ordo, on better-sqlite3.
 *
 * @module
 */
export { sqliteStorage, type SqliteStorageConfig } from './sqlite-storage.js'
