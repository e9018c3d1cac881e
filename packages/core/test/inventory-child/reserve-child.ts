/**
 * A child process of the inventory concurrency test. Run with
 * `node --conditions=source --import tsx reserve-child.ts`, an IPC channel and
 * `ORDO_INV_DB` set to the test database descriptor (JSON).
 *
 * Reports `ready` once its engine is open. On `{ type: 'round', round, at,
 * requests }` it waits until the instant `at` (epoch ms, so both processes
 * start together), fires every request at once through
 * `shop.inventory.reserve()`, and reports `{ type: 'result', round, results }`
 * with each request's allocations or error code. `stop` closes the engine and
 * exits.
 */
import { createCommerce, isOrdoError } from '@ordo/core'
import { storageFromDescriptor, type TestDatabaseDescriptor } from '@ordo/testing'

interface Request {
  ownerId: string
  variantId: string
  quantity: number
}
type Message = { type: 'round'; round: number; at: number; requests: Request[] } | { type: 'stop' }

const send = (message: Record<string, unknown>) =>
  new Promise<void>((resolve) => {
    if (!process.send) throw new Error('reserve-child.ts must be spawned with an IPC channel')
    process.send({ ...message, pid: process.pid }, () => resolve())
  })
// The parent going away must not leave us behind.
process.on('disconnect', () => process.exit(3))

const descriptor = JSON.parse(process.env.ORDO_INV_DB ?? 'null') as TestDatabaseDescriptor | null
if (!descriptor) throw new Error('ORDO_INV_DB is not set')
const shop = await createCommerce({ storage: await storageFromDescriptor(descriptor), currency: 'RUB', migrate: false })

process.on('message', async (message: Message) => {
  if (message.type === 'stop') {
    await shop.close()
    await send({ type: 'stopped' })
    process.exit(0)
  }
  const wait = message.at - Date.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  const results = await Promise.all(
    message.requests.map(async (r) => {
      try {
        const allocations = await shop.inventory.reserve({ ownerType: 'order', ownerId: r.ownerId, lines: [{ variantId: r.variantId, quantity: r.quantity }] })
        return { ...r, ok: true, allocations }
      } catch (error) {
        return { ...r, ok: false, code: isOrdoError(error) ? error.code : 'UNEXPECTED', message: String(error) }
      }
    }),
  )
  await send({ type: 'result', round: message.round, results })
})

await send({ type: 'ready' })
