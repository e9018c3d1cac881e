/**
 * Testing tools for Ordo and for plugin authors: a controllable clock, the
 * database matrix fixtures (SQLite, PostgreSQL, MySQL/MariaDB) chosen by
 * `ORDO_TEST_DBS`, and a storage wrapper that sees (or refuses) every SQL
 * statement.
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
export { interceptStatements, type StatementInterceptor } from './intercept-statements.js'
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
export { describeCourierContract, type CourierContractPlaces, type CourierContractSetup, type CourierFakeControl } from './courier-contract.js'
export {
  describeSmsGatewayContract,
  type SignalAwareSmsGateway,
  type SmsCallOptions,
  type SmsCallbackRequest,
  type SmsContractSetup,
  type SmsFakeControl,
  type SmsFakeFault,
  type SmsFakeOutcome,
  type SmsFakeSentMessage,
} from './sms-contract.js'
export { startSmsRuFake, type SmsRuFake, type SmsRuFakeMessage, type SmsRuFakeOptions, type SmsRuFakeRequest } from './fakes/smsru-fake.js'
export { startSmscFake, type SmscFake, type SmscFakeControl, type SmscFakeMessage, type SmscFakeOptions, type SmscFakeRequest } from './fakes/smsc-fake.js'
export { startCdekFake, type CdekFake, type CdekFakeItem, type CdekFakeOptions, type CdekFakeOrder } from './fakes/cdek-fake.js'
export {
  RUSSIAN_POST_FAKE_DELIVERY_POINTS,
  startRussianPostFake,
  type RussianPostFake,
  type RussianPostFakeControl,
  type RussianPostFakeDeliveryPoint,
  type RussianPostFakeOptions,
  type RussianPostFakeOrder,
} from './fakes/russianpost-fake.js'
