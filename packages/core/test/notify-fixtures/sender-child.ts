/**
 * A child process for the notification crash test: opens the shop on the test
 * database (clock pinned to `nowMs`) with an SMSC gateway behind the parent's
 * proxy and runs the due send jobs. The parent kills it once SMSC has taken
 * the SMS and before the answer reaches it, so the send is never committed.
 *
 * Env: ORDO_NOTIFY_DB (database descriptor), ORDO_NOTIFY_OPTIONS (`{ url, nowMs }`).
 */
import { createCommerce } from '@ordo/core'
import { smsc } from '@ordo/sms-smsc'
import { storageFromDescriptor, testClock, type TestDatabaseDescriptor } from '@ordo/testing'

const descriptor = JSON.parse(process.env.ORDO_NOTIFY_DB ?? 'null') as TestDatabaseDescriptor
const options = JSON.parse(process.env.ORDO_NOTIFY_OPTIONS ?? '{}') as { url: string; nowMs: number }
process.on('disconnect', () => process.exit(3))

const shop = await createCommerce({
  storage: await storageFromDescriptor(descriptor),
  currency: 'RUB',
  clock: testClock(new Date(options.nowMs)),
  notify: { sms: smsc({ login: 'shop', password: 'secret', baseUrl: options.url, timeoutMs: 60_000 }) },
})
process.send?.({ type: 'ready' })
await shop.jobs.runDue({ names: ['notify.send-sms'] })
process.send?.({ type: 'finished' })
