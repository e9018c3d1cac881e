/**
 * MySQL and MariaDB storage for Ordo, on `mysql2`.
 *
 * @module
 */
export { mysqlStorage, type MysqlStorageConfig } from './mysql-storage.js'
