/**
 * The Ordo side of checkout.flow.sqlite, in a process of its own so that its
 * peak RSS is that of a shop running the flow on the built packages. The
 * scenario bundles this file (bench helpers only; every package, `@ordo/*`
 * included, stays an import and resolves to its `dist`) and starts it with
 * plain `node`, an IPC channel and `ORDO_BENCH_CHILD` = `{ "file": "<ordo.db>" }`.
 *
 * Requests `{ id, type, ... }`, each answered `{ id, result }` or `{ id, error }`:
 * - `warm { count, sampled }` → {@link OrdoFlows.warm} (step totals as plain records);
 * - `round { from, count, tag, concurrency }` → {@link OrdoFlows.round} plus
 *   that round's `stepMs`;
 * - `stop` → closes the shop, answers `{ peakRssMb, heapUsedMb }` and exits.
 *
 * When ready it sends `{ type: 'ready', openRssMb }`: the RSS with the shop open.
 */
import { createCommerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { benchProvider } from './bench-payment-provider.js'
import { flowShopConfig, localFlows, StepTotals } from './checkout-fixture.js'
import { countingStorage } from './counting-storage.js'
import { peakRssMb } from './harness.js'

type Request =
  | { id: number; type: 'warm'; count: number; sampled: number }
  | { id: number; type: 'round'; from: number; count: number; tag: string; concurrency: number }
  | { id: number; type: 'stop' }

const settings = JSON.parse(process.env.ORDO_BENCH_CHILD ?? 'null') as { file: string } | null
if (!settings) throw new Error('ORDO_BENCH_CHILD is not set')

const send = (message: Record<string, unknown>) =>
  new Promise<void>((resolve, reject) => {
    if (!process.send) throw new Error('checkout-flow-child must be started with an IPC channel')
    process.send(message, (error: Error | null) => (error ? reject(error) : resolve()))
  })
// The parent going away must not leave us behind.
process.on('disconnect', () => process.exit(3))

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024)
const totals = (t: StepTotals) => ({ ms: t.ms, statements: t.statements })

const provider = benchProvider()
// ORDO_BENCH_SQLITE_PAGE_CACHE_KB sets sqliteStorage's pageCacheKb, to measure a shop tuned for memory.
const pageCacheKb = process.env.ORDO_BENCH_SQLITE_PAGE_CACHE_KB ? Number(process.env.ORDO_BENCH_SQLITE_PAGE_CACHE_KB) : undefined
const { storage, counter } = countingStorage(sqliteStorage({ filename: settings.file, ...(pageCacheKb === undefined ? {} : { pageCacheKb }) }))
const shop = await createCommerce(flowShopConfig(storage, provider))
const flows = localFlows(shop, provider, counter)

async function handle(request: Request): Promise<unknown> {
  switch (request.type) {
    case 'warm': {
      const { orderIds, stepStatements, breakdown } = await flows.warm(request.count, request.sampled)
      return { orderIds, stepStatements: totals(stepStatements), breakdown }
    }
    case 'round': {
      const stepMs = new StepTotals()
      const result = await flows.round(request.from, request.count, request.tag, request.concurrency, stepMs)
      return { ...result, stepMs: totals(stepMs) }
    }
    case 'stop': {
      await shop.close()
      return { peakRssMb: peakRssMb(), heapUsedMb: mb(process.memoryUsage().heapUsed) }
    }
  }
}

process.on('message', (request: Request) => {
  handle(request).then(
    async (result) => {
      await send({ id: request.id, result })
      if (request.type === 'stop') process.exit(0)
    },
    (error: unknown) => send({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  )
})

await send({ type: 'ready', openRssMb: mb(process.memoryUsage().rss) })
