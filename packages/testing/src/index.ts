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
export { describePaymentProviderContract, type PaymentContractSetup, type PaymentFakeControl } from './payment-contract.js'
export {
  startYooKassaFake,
  type YooKassaFake,
  type YooKassaFakeOptions,
  type YooKassaFakePayment,
  type YooKassaFakePaymentStatus,
  type YooKassaFakeReceipt,
  type YooKassaFakeRefund,
} from './fakes/yookassa-fake.js'
export { startCloudPaymentsFake, type CloudPaymentsFake, type CloudPaymentsFakeControl, type CloudPaymentsFakeOptions } from './fakes/cloudpayments-fake.js'
