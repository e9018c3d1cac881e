/**
 * A child process for the payment crash test: opens the shop on the test
 * database (clock pinned to `nowMs`) with the loopback provider and starts a
 * payment. The parent kills it while the vendor holds its answer, so the
 * payment's first commit happened and its second never does.
 *
 * Env: ORDO_PAY_DB (database descriptor), ORDO_PAY_OPTIONS (`{ url, orderId, key, nowMs }`).
 */
import { createCommerce } from '@ordo/core'
import { storageFromDescriptor, testClock, type TestDatabaseDescriptor } from '@ordo/testing'
import { httpProvider } from './http-provider.js'

const descriptor = JSON.parse(process.env.ORDO_PAY_DB ?? 'null') as TestDatabaseDescriptor
const options = JSON.parse(process.env.ORDO_PAY_OPTIONS ?? '{}') as { url: string; orderId: string; key: string; nowMs: number }
process.on('disconnect', () => process.exit(3))

const shop = await createCommerce({
  storage: await storageFromDescriptor(descriptor),
  currency: 'RUB',
  clock: testClock(new Date(options.nowMs)),
  payments: { providers: [httpProvider(options.url)], methods: [{ code: 'card', type: 'card_online', provider: 'loopback' }], timeoutMs: 60_000, maxAttempts: 1 },
})
process.send?.({ type: 'ready' })
await shop.payments.start(options.orderId, { method: 'card', idempotencyKey: options.key })
process.send?.({ type: 'finished' })
