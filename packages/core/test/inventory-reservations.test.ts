import { createCommerce, newId, systemClock, silentLogger, type AllocationStrategy, type Commerce, type Database, type StockLocation } from '@ordo/core'
import { describeEachDialect, testClock, type TestDatabase } from '@ordo/testing'
import { Kysely } from 'kysely'
import mitt from 'mitt'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createInventoryModule } from '../src/inventory/inventory-module.js'
import type { Runtime } from '../src/runtime.js'
import { RevisionCache } from '../src/storage/revisions.js'

describeEachDialect('inventory: reservations', ({ dialect, database }) => {
  let shop: Commerce
  let db: TestDatabase
  const clock = testClock('2026-03-01T10:00:00Z')
  let code = 0
  /** Each test gets its own region, so locations of other tests never take part. */
  const newRegion = () => `R${++code}-${newId().slice(-6)}`
  const location = (region: string, input: Partial<Parameters<Commerce['inventory']['createLocation']>[0]> = {}): Promise<StockLocation> =>
    shop.inventory.createLocation({ code: `RL${++code}`, name: `Location ${code}`, type: 'warehouse', regions: [region], ...input })
  const stock = (variantId: string, l: StockLocation, quantity: number) => shop.inventory.receive({ variantId, locationId: l.id, delta: quantity, key: newId() })
  const levelsOf = async (variantId: string) =>
    Object.fromEntries((await shop.inventory.levels([variantId])).map((l) => [l.locationCode, [l.onHand, l.reserved]]))
  const owner = () => ({ ownerType: 'order', ownerId: newId() })

  beforeAll(async () => {
    db = await database()
    shop = await createCommerce({ storage: db.storage, currency: 'RUB', clock })
  })
  afterAll(async () => {
    await shop.close()
  })

  test('a line goes to one location that can serve it all, preferring warehouses to suppliers, then priority', async () => {
    const region = newRegion()
    const supplier = await location(region, { type: 'supplier', priority: -10 })
    const far = await location(region, { priority: 5 })
    const near = await location(region, { priority: 1 })
    const small = await location(region, { priority: 0 })
    const v = newId()
    await stock(v, supplier, 10)
    await stock(v, far, 10)
    await stock(v, near, 4)
    await stock(v, small, 2)
    const o = owner()
    const allocations = await shop.inventory.reserve({ ...o, lines: [{ variantId: v, quantity: 3 }], region, expiresAt: null })
    expect(allocations).toEqual([{ reservationId: expect.any(String), variantId: v, locationId: near.id, locationType: 'warehouse', quantity: 3 }])
    expect(await levelsOf(v)).toMatchObject({ [near.code]: [4, 3], [small.code]: [2, 0], [far.code]: [10, 0], [supplier.code]: [10, 0] })
    expect(await shop.inventory.reservations({ ownerId: o.ownerId })).toEqual([
      expect.objectContaining({ id: allocations[0]!.reservationId, ...o, variantId: v, locationId: near.id, quantity: 3, status: 'active', unlimited: false, expiresAt: null }),
    ])
    const [event] = await shop.events.forAggregate(o.ownerId)
    expect(event).toMatchObject({ type: 'stock.reserved', data: { ...o, allocations: [{ variantId: v, locationId: near.id, quantity: 3 }] } })
  })

  test('a line no location can serve alone is split over the fewest locations', async () => {
    const region = newRegion()
    const [a, b, c] = [await location(region, { priority: 1 }), await location(region, { priority: 2 }), await location(region, { priority: 3 })]
    const v = newId()
    await stock(v, a, 2)
    await stock(v, b, 3)
    await stock(v, c, 6)
    const allocations = await shop.inventory.reserve({ ...owner(), lines: [{ variantId: v, quantity: 8 }], region })
    // Two locations are needed (c + a, or c + b); a comes first by priority and c completes it.
    expect(allocations.map((x) => [x.locationId, x.quantity])).toEqual([
      [a.id, 2],
      [c.id, 6],
    ])
    expect(await shop.inventory.availability([v], { region })).toEqual([{ variantId: v, available: 3, unlimited: false }])
  })

  test('all lines or none: a line that cannot be served is OUT_OF_STOCK with what is available, and nothing is reserved', async () => {
    const region = newRegion()
    const a = await location(region)
    const b = await location(region)
    const [v1, v2] = [newId(), newId()]
    await stock(v1, a, 5)
    await stock(v2, a, 1)
    await stock(v2, b, 2)
    const o = owner()
    await expect(
      shop.inventory.reserve({ ...o, lines: [{ variantId: v1, quantity: 5 }, { variantId: v2, quantity: 4 }], region }),
    ).rejects.toMatchObject({ code: 'OUT_OF_STOCK', details: { variantId: v2, requested: 4, available: 3 } })
    expect(await levelsOf(v1)).toEqual({ [a.code]: [5, 0] })
    expect(await levelsOf(v2)).toEqual({ [a.code]: [1, 0], [b.code]: [2, 0] })
    expect(await shop.inventory.reservations({ ownerId: o.ownerId })).toEqual([])
    expect(await shop.events.forAggregate(o.ownerId)).toEqual([])
    // Lines of one variant add up.
    await expect(shop.inventory.reserve({ ...o, lines: [{ variantId: v1, quantity: 3 }, { variantId: v1, quantity: 3 }], region })).rejects.toMatchObject({
      code: 'OUT_OF_STOCK',
      details: { requested: 6, available: 5 },
    })
  })

  test('only active locations serving the region take part', async () => {
    const region = newRegion()
    const other = newRegion()
    const here = await location(region)
    const there = await location(other)
    const off = await location(region, { active: false })
    const v = newId()
    await stock(v, here, 1)
    await stock(v, there, 10)
    await stock(v, off, 10)
    await expect(shop.inventory.reserve({ ...owner(), lines: [{ variantId: v, quantity: 2 }], region })).rejects.toMatchObject({
      code: 'OUT_OF_STOCK',
      details: { available: 1, region },
    })
    const [allocation] = await shop.inventory.reserve({ ...owner(), lines: [{ variantId: v, quantity: 2 }], region: other })
    expect(allocation).toMatchObject({ locationId: there.id, quantity: 2 })
  })

  test('release gives the units back (all, or one variant), once', async () => {
    const region = newRegion()
    const a = await location(region)
    const [v1, v2] = [newId(), newId()]
    await stock(v1, a, 5)
    await stock(v2, a, 5)
    const o = owner()
    await shop.inventory.reserve({ ...o, lines: [{ variantId: v1, quantity: 2 }, { variantId: v2, quantity: 3 }], region })
    expect(await shop.inventory.release({ ...o, variantId: v1 })).toBe(2)
    expect(await levelsOf(v1)).toEqual({ [a.code]: [5, 0] })
    expect(await levelsOf(v2)).toEqual({ [a.code]: [5, 3] })
    expect(await shop.inventory.release(o)).toBe(3)
    expect(await shop.inventory.release(o)).toBe(0)
    expect(await levelsOf(v2)).toEqual({ [a.code]: [5, 0] })
    expect((await shop.inventory.reservations({ ownerId: o.ownerId })).map((r) => r.status)).toEqual(['released', 'released'])
    const released = (await shop.events.forAggregate(o.ownerId)).filter((e) => e.type === 'stock.released')
    expect(released.map((e) => e.data)).toEqual([
      { ...o, reason: 'released', lines: [{ variantId: v1, locationId: a.id, quantity: 2 }] },
      { ...o, reason: 'released', lines: [{ variantId: v2, locationId: a.id, quantity: 3 }] },
    ])
  })

  test('convertToSale takes the units off on hand and reserved and records sales referencing the owner, once', async () => {
    const region = newRegion()
    const a = await location(region)
    const b = await location(region)
    const v = newId()
    await stock(v, a, 3)
    await stock(v, b, 4)
    const o = owner()
    await shop.inventory.reserve({ ...o, lines: [{ variantId: v, quantity: 6 }], region })
    expect(await shop.inventory.convertToSale(o)).toBe(6)
    expect(await shop.inventory.convertToSale(o)).toBe(0)
    expect(await shop.inventory.release(o)).toBe(0)
    expect(await levelsOf(v)).toEqual({ [a.code]: [0, 0], [b.code]: [1, 0] })
    const sales = (await shop.inventory.movements({ reference: `order:${o.ownerId}` })).items
    expect(sales.map((m) => [m.locationId, m.delta, m.reason, m.onHandAfter]).sort()).toEqual(
      [
        [a.id, -3, 'sale', 0],
        [b.id, -3, 'sale', 1],
      ].sort(),
    )
    expect((await shop.inventory.reservations({ ownerId: o.ownerId })).every((r) => r.status === 'converted')).toBe(true)
  })

  test('reservations expire when the clock passes their time, and not before', async () => {
    const region = newRegion()
    const a = await location(region)
    const v = newId()
    await stock(v, a, 5)
    const soon = owner()
    const never = owner()
    await shop.inventory.reserve({ ...soon, lines: [{ variantId: v, quantity: 2 }], region, expiresAt: new Date(clock.now().getTime() + 15 * 60_000) })
    await shop.inventory.reserve({ ...never, lines: [{ variantId: v, quantity: 1 }], region })
    clock.advance({ minutes: 14 })
    expect(await shop.inventory.expireReservations()).toBe(0)
    expect(await levelsOf(v)).toEqual({ [a.code]: [5, 3] })
    clock.advance({ minutes: 1 })
    expect(await shop.inventory.expireReservations()).toBe(1)
    expect(await shop.inventory.expireReservations()).toBe(0)
    expect(await levelsOf(v)).toEqual({ [a.code]: [5, 1] })
    expect(await shop.inventory.reservations({ ownerId: soon.ownerId })).toMatchObject([{ status: 'expired', closedAt: clock.now() }])
    expect(await shop.inventory.reservations({ ownerId: never.ownerId })).toMatchObject([{ status: 'active' }])
    expect((await shop.events.forAggregate(soon.ownerId)).map((e) => [e.type, (e.data as { reason?: string }).reason])).toEqual([
      ['stock.reserved', undefined],
      ['stock.released', 'expired'],
    ])
    // An expired reservation cannot be sold any more.
    expect(await shop.inventory.convertToSale(soon)).toBe(0)
  })

  test('an unlimited supplier takes what stocked locations cannot, and its sales pass through the ledger (drop-ship)', async () => {
    const region = newRegion()
    const warehouse = await location(region)
    const dropShip = await location(region, { type: 'supplier', unlimited: true, leadTimeDays: 2 })
    const v = newId()
    await stock(v, warehouse, 3)
    expect(await shop.inventory.availability([v], { region })).toEqual([{ variantId: v, available: 3, unlimited: true }])

    const small = owner()
    const [w] = await shop.inventory.reserve({ ...small, lines: [{ variantId: v, quantity: 3 }], region })
    expect(w).toMatchObject({ locationId: warehouse.id, locationType: 'warehouse' })
    const big = owner()
    const [s] = await shop.inventory.reserve({ ...big, lines: [{ variantId: v, quantity: 50 }], region })
    expect(s).toMatchObject({ locationId: dropShip.id, locationType: 'supplier', quantity: 50 })
    expect(await levelsOf(v)).toEqual({ [warehouse.code]: [3, 3], [dropShip.code]: [0, 50] })
    expect(await shop.inventory.reservations({ ownerId: big.ownerId })).toMatchObject([{ unlimited: true }])

    expect(await shop.inventory.convertToSale(big)).toBe(50)
    expect(await levelsOf(v)).toEqual({ [warehouse.code]: [3, 3], [dropShip.code]: [0, 0] })
    const ledger = (await shop.inventory.movements({ reference: `order:${big.ownerId}` })).items
    expect(ledger.map((m) => [m.reason, m.delta, m.note, m.onHandAfter]).sort()).toEqual(
      [
        ['receipt', 50, 'drop-ship', 50],
        ['sale', -50, 'drop-ship', 0],
      ].sort(),
    )
    expect(ledger[0]!.counterpartId).toBe(ledger[1]!.id)
  })

  test('concurrent reservations of the last units: exactly as many succeed as there are units', async () => {
    const region = newRegion()
    const a = await location(region)
    const b = await location(region)
    const v = newId()
    await stock(v, a, 4)
    await stock(v, b, 3)
    // A second engine on the same database: two connection pools racing (SQLite has one writer: one engine).
    const other = dialect === 'sqlite' ? shop : await createCommerce({ storage: db.storage, currency: 'RUB', clock })
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? shop : other).inventory.reserve({ ...owner(), lines: [{ variantId: v, quantity: 1 }], region })),
      )
      const failed = results.filter((r) => r.status === 'rejected')
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7)
      expect(failed.every((r) => (r as PromiseRejectedResult).reason?.code === 'OUT_OF_STOCK')).toBe(true)
      expect(await levelsOf(v)).toEqual({ [a.code]: [4, 4], [b.code]: [3, 3] })
    } finally {
      if (other !== shop) await other.close()
    }
  })

  test.skipIf(dialect !== 'postgres')('without row locks, a reservation that loses a race re-reads and re-plans instead of failing', async () => {
    const region = newRegion()
    const a = await location(region, { priority: 1 })
    const b = await location(region, { priority: 2 })
    const v = newId()
    await stock(v, a, 3)
    await stock(v, b, 3)
    // The same database as a dialect without FOR UPDATE would see it: reservations go optimistic.
    const storage = { ...db.storage, capabilities: { ...db.storage.capabilities, supportsSkipLocked: false } }
    const engines = [await createCommerce({ storage, currency: 'RUB', clock, migrate: false }), await createCommerce({ storage, currency: 'RUB', clock, migrate: false })]
    try {
      // Every request plans the preferred location first; those that lose it must move to the other one.
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => engines[i % 2]!.inventory.reserve({ ...owner(), lines: [{ variantId: v, quantity: 1 }], region })),
      )
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(6)
      expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason?.code)).toEqual(Array(4).fill('OUT_OF_STOCK'))
      expect(await levelsOf(v)).toEqual({ [a.code]: [3, 3], [b.code]: [3, 3] })
    } finally {
      await Promise.all(engines.map((e) => e.close()))
    }
  })

  test('bad reservation input is refused before anything is written', async () => {
    const o = owner()
    await expect(shop.inventory.reserve({ ...o, lines: [{ variantId: newId(), quantity: 0 }] })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.inventory.reserve({ ...o, ownerType: 'x'.repeat(33), lines: [] })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.inventory.reserve({ ...o, lines: [], expiresAt: new Date('nope') })).rejects.toMatchObject({ code: 'VALIDATION' })
    expect(await shop.inventory.reserve({ ...o, lines: [] })).toEqual([])
    await expect(shop.inventory.release({ ownerType: '', ownerId: 'x' })).rejects.toMatchObject({ code: 'VALIDATION' })
  })

  describeStrategy(() => ({ shop, db, location, stock, newRegion, owner }))
})

/**
 * A custom allocation strategy, on an inventory module built directly on the
 * shop's database (the engine's config does not take one yet).
 */
function describeStrategy(
  context: () => {
    shop: Commerce
    db: TestDatabase
    location: (region: string, input?: Record<string, unknown>) => Promise<StockLocation>
    stock: (variantId: string, l: StockLocation, quantity: number) => Promise<unknown>
    newRegion: () => string
    owner: () => { ownerType: string; ownerId: string }
  },
) {
  async function withStrategy<T>(strategy: AllocationStrategy, fn: (inventory: ReturnType<typeof createInventoryModule>['api']) => Promise<T>): Promise<T> {
    const { db } = context()
    const kysely = new Kysely<Database>({ dialect: db.storage.createDialect() })
    const runtime = {
      db: kysely,
      storage: db.storage,
      clock: systemClock,
      bus: mitt(),
      handlersByType: new Map(),
      logger: silentLogger,
      revisions: new RevisionCache(100),
      nudge() {},
    } as unknown as Runtime
    try {
      return await fn(createInventoryModule(runtime, { allocationStrategy: strategy }).api)
    } finally {
      await kysely.destroy()
    }
  }

  test('a custom allocation strategy decides; a plan beyond the stock is a config error, a short plan is OUT_OF_STOCK', async () => {
    const { location, stock, newRegion, owner } = context()
    const region = newRegion()
    const warehouse = await location(region)
    const supplier = await location(region, { type: 'supplier' })
    const v = newId()
    await stock(v, warehouse, 10)
    await stock(v, supplier, 10)
    const seen: unknown[] = []
    const suppliersFirst: AllocationStrategy = (request, candidates) => {
      seen.push(request, candidates.map((c) => [c.code, c.type, c.available]).sort())
      const s = candidates.find((c) => c.type === 'supplier')!
      return [{ locationId: s.locationId, quantity: request.quantity }]
    }
    const [allocation] = await withStrategy(suppliersFirst, (inventory) => inventory.reserve({ ...owner(), lines: [{ variantId: v, quantity: 4 }], region }))
    expect(allocation).toMatchObject({ locationId: supplier.id, quantity: 4 })
    expect(seen).toEqual([
      { variantId: v, quantity: 4, region },
      [
        [supplier.code, 'supplier', 10],
        [warehouse.code, 'warehouse', 10],
      ].sort(),
    ])

    const greedy: AllocationStrategy = (request, candidates) => [{ locationId: candidates[0]!.locationId, quantity: 11 }]
    await expect(
      withStrategy(greedy, (inventory) => inventory.reserve({ ...owner(), lines: [{ variantId: v, quantity: 11 }], region })),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG', details: { key: 'allocationStrategy' } })
    const refusing: AllocationStrategy = () => []
    await expect(
      withStrategy(refusing, (inventory) => inventory.reserve({ ...owner(), lines: [{ variantId: v, quantity: 1 }], region })),
    ).rejects.toMatchObject({ code: 'OUT_OF_STOCK', details: { requested: 1, available: 16 } })
  })
}
