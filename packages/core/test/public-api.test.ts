import { createCommerce, OrdoError, type Commerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { afterAll, beforeAll, expect, test } from 'vitest'

// Every public command and query, called with nonsense, must answer with a
// rejected promise carrying an OrdoError — never throw synchronously, never
// leak a driver or zod error.
const NAMESPACES = ['catalog', 'inventory', 'promotions', 'pricing', 'carts', 'orders', 'checkout', 'delivery', 'shipments', 'customers', 'jobs', 'events', 'storage'] as const
const SKIP = new Set(['events.on', 'storage.migrations', 'storage.migrate', 'events.relay', 'events.parked', 'jobs.runDue', 'jobs.list', 'orders.expireReservations', 'inventory.expireReservations', 'orders.board', 'catalog.categoryTree', 'catalog.attributes', 'catalog.suppliers', 'catalog.priceLists', 'inventory.listLocations', 'promotions.list', 'catalog.listProducts', 'orders.list', 'inventory.movements', 'inventory.reservations', 'delivery.couriers', 'customers.list'])

let shop: Commerce
beforeAll(async () => {
  shop = await createCommerce({ storage: sqliteStorage({ filename: ':memory:' }), currency: 'RUB' })
})
afterAll(() => shop.close())

test('every public command answers bad input with a rejected OrdoError', async () => {
  const checked: string[] = []
  const problems: string[] = []
  for (const ns of NAMESPACES) {
    const api = shop[ns] as unknown as Record<string, unknown>
    for (const [name, fn] of Object.entries(api)) {
      if (typeof fn !== 'function' || SKIP.has(`${ns}.${name}`)) continue
      for (const args of [[{ nonsense: true }, { nonsense: true }], [-1, ''], [undefined, undefined]]) {
        const call = `${ns}.${name}(${JSON.stringify(args)?.slice(1, -1)})`
        let result: unknown
        try {
          result = (fn as (...a: unknown[]) => unknown).apply(api, args)
        } catch (error) {
          problems.push(`${call} threw synchronously: ${String(error)}`)
          continue
        }
        if (!(result instanceof Promise)) {
          problems.push(`${call} did not return a promise`)
          continue
        }
        const outcome = await result.then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        )
        if ('error' in outcome && !(outcome.error instanceof OrdoError)) problems.push(`${call} rejected with ${String(outcome.error)}`)
      }
      checked.push(`${ns}.${name}`)
    }
  }
  expect(problems).toEqual([])
  expect(checked.length).toBeGreaterThan(60)
})
