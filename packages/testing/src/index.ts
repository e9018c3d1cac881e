/**
 * Testing tools for Ordo and for plugin authors: a controllable clock and the
 * database matrix fixtures (SQLite, PostgreSQL, MySQL/MariaDB) chosen by
 * `ORDO_TEST_DBS`.
 *
 * @module
 */
export { testClock, type TestClock } from './test-clock.js'
export {
  TEST_DIALECTS,
  TEST_DATABASE_URLS,
  createTestDatabase,
  selectedDialects,
  storageFromDescriptor,
  type TestDatabase,
  type TestDatabaseDescriptor,
  type TestDialect,
} from './dialects.js'
export { describeEachDialect, type DialectFixture } from './describe-dialects.js'
export { recordingSmsGateway, type RecordingSmsGateway } from './recording-sms-gateway.js'
