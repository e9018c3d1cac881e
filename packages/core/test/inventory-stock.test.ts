import { createCommerce, newId, type Commerce, type StockLocation } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'

describeEachDialect('inventory: locations, adjustments, transfers, counts', ({ database }) => {
  let shop: Commerce
  const clock = testClock('2026-03-01T10:00:00Z')
  let code = 0
  /** A warehouse (or other location) with a code no other test uses. */
  const location = (input: Partial<Parameters<Commerce['inventory']['createLocation']>[0]> = {}): Promise<StockLocation> =>
    shop.inventory.createLocation({ code: `L${++code}`, name: `Location ${code}`, type: 'warehouse', ...input })
  const level = async (variantId: string, locationId: string) =>
    (await shop.inventory.levels([variantId])).find((l) => l.locationId === locationId)
  const movementCount = async () =>
    shop.run(async (uow) => Number((await uow.db.selectFrom('ordo_stock_movement').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n))

  beforeAll(async () => {
    const db = await database()
    shop = await createCommerce({ storage: db.storage, currency: 'RUB', clock })
  })
  afterAll(async () => {
    await shop.close()
  })

  test('a location is created with defaults, found by id or code, and listed by type and region', async () => {
    const msk = await location({ code: 'MSK-MAIN', name: 'Moscow warehouse', regions: ['RU-MOW', 'RU-MOS', 'RU-MOW'] })
    expect(msk).toMatchObject({
      code: 'MSK-MAIN',
      type: 'warehouse',
      pickup: false,
      regions: ['RU-MOS', 'RU-MOW'],
      unlimited: false,
      leadTimeDays: 0,
      priority: 0,
      active: true,
      createdAt: new Date('2026-03-01T10:00:00Z'),
    })
    const showroom = await location({ code: 'SHOWROOM-1', name: 'Tverskaya showroom', type: 'showroom', pickup: true, regions: ['RU-MOW'] })
    const supplier = await location({ code: 'ACME', name: 'Acme Ltd', type: 'supplier', unlimited: true, leadTimeDays: 3, regions: ['RU-SPE'] })
    expect(await shop.inventory.getLocation('MSK-MAIN')).toEqual(msk)
    expect(await shop.inventory.getLocation(msk.id)).toEqual(msk)

    const codes = (ls: StockLocation[]) => ls.map((l) => l.code).filter((c) => [msk.code, showroom.code, supplier.code].includes(c))
    expect(codes(await shop.inventory.listLocations({ region: 'RU-MOW' }))).toEqual(['MSK-MAIN', 'SHOWROOM-1'])
    expect(codes(await shop.inventory.listLocations({ pickup: true }))).toEqual(['SHOWROOM-1'])
    expect(codes(await shop.inventory.listLocations({ type: 'supplier' }))).toEqual(['ACME'])
    await expect(shop.inventory.getLocation('NOPE')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    // An active unlimited supplier would serve every variant of the other tests.
    expect(await shop.inventory.updateLocation('ACME', { active: false })).toMatchObject({ active: false })
  })

  test('a duplicate code or an impossible combination is refused and nothing is written', async () => {
    await location({ code: 'DUP' })
    const before = (await shop.inventory.listLocations()).length
    await expect(location({ code: 'DUP', name: 'Other' })).rejects.toMatchObject({ code: 'DUPLICATE', details: { field: 'code', code: 'DUP' } })
    await expect(location({ type: 'warehouse', unlimited: true })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('only a supplier can be unlimited'),
    })
    await expect(location({ type: 'supplier', pickup: true })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(location({ code: 'has space' })).rejects.toMatchObject({ code: 'VALIDATION', details: { issues: [{ path: 'code' }] } })
    await expect(location({ leadTimeDays: -1 })).rejects.toMatchObject({ code: 'VALIDATION', details: { issues: [{ path: 'leadTimeDays' }] } })
    expect((await shop.inventory.listLocations()).length).toBe(before)
  })

  test('updateLocation changes settings and replaces regions; it re-checks the combination', async () => {
    const l = await location({ regions: ['RU-MOW'] })
    clock.advance({ minutes: 5 })
    const updated = await shop.inventory.updateLocation(l.code, { regions: ['RU-SPE', 'RU-LEN'], priority: 5, name: 'Renamed' })
    expect(updated).toMatchObject({ id: l.id, code: l.code, regions: ['RU-LEN', 'RU-SPE'], priority: 5, name: 'Renamed' })
    expect(updated.updatedAt.getTime()).toBeGreaterThan(l.updatedAt.getTime())
    expect((await shop.inventory.updateLocation(l.id, { regions: [] })).regions).toEqual([])
    await expect(shop.inventory.updateLocation(l.id, { unlimited: true })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.inventory.updateLocation('NOPE', { priority: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect((await shop.inventory.getLocation(l.id)).unlimited).toBe(false)
  })

  test('receipts and write-offs change on hand, each recorded as a movement with the balance after it', async () => {
    const l = await location()
    const variantId = newId()
    const received = await shop.inventory.receive({ variantId, locationCode: l.code, delta: 10, key: newId(), reference: 'po-17' })
    expect(received).toMatchObject({ variantId, locationId: l.id, delta: 10, reason: 'receipt', reference: 'po-17', onHandAfter: 10 })
    const returned = await shop.inventory.adjust({ variantId, locationId: l.id, delta: 2, reason: 'return', key: newId() })
    const written = await shop.inventory.adjust({ variantId, locationId: l.id, delta: -3, reason: 'write_off', key: newId(), note: 'broken' })
    expect([returned.onHandAfter, written.onHandAfter]).toEqual([12, 9])
    expect(await level(variantId, l.id)).toMatchObject({ onHand: 9, reserved: 0, available: 9, locationCode: l.code })

    const events = await shop.events.forAggregate(variantId)
    expect(events.map((e) => [e.type, (e.data as { delta: number }).delta])).toEqual([
      ['stock.adjusted', 10],
      ['stock.adjusted', 2],
      ['stock.adjusted', -3],
    ])
    expect(events[2]!.data).toMatchObject({ movementId: written.id, reason: 'write_off', onHand: 9 })
  })

  test('adjust is idempotent by key: a retry returns the first movement, a different request with the key is refused', async () => {
    const l = await location()
    const variantId = newId()
    const key = newId()
    const input = { variantId, locationCode: l.code, delta: 4, reason: 'receipt' as const, key }
    const first = await shop.inventory.adjust(input)
    clock.advance(1000)
    expect(await shop.inventory.adjust(input)).toEqual(first)
    // Both at once: one applies, the other returns its movement.
    const key2 = newId()
    const [a, b] = await Promise.all([shop.inventory.receive({ ...input, key: key2 }), shop.inventory.receive({ ...input, key: key2 })])
    expect(a).toEqual(b)
    expect((await level(variantId, l.id))?.onHand).toBe(8)

    await expect(shop.inventory.adjust({ ...input, delta: 5 })).rejects.toMatchObject({ code: 'IDEMPOTENCY_MISMATCH', details: { key } })
    await expect(shop.inventory.adjust({ ...input, reason: 'return' })).rejects.toMatchObject({ code: 'IDEMPOTENCY_MISMATCH' })
    await expect(shop.inventory.transfer({ variantId, from: l.code, to: (await location()).code, quantity: 1, key })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_MISMATCH',
    })
    expect((await level(variantId, l.id))?.onHand).toBe(8)
    expect((await shop.inventory.movements({ variantId })).items).toHaveLength(2)
  })

  test('taking away more than is on hand and not reserved is OUT_OF_STOCK with what is available, and writes nothing', async () => {
    const l = await location()
    const variantId = newId()
    await shop.inventory.receive({ variantId, locationId: l.id, delta: 5, key: newId() })
    await shop.inventory.reserve({ ownerType: 'order', ownerId: newId(), lines: [{ variantId, quantity: 2 }] })
    const before = await movementCount()
    await expect(shop.inventory.adjust({ variantId, locationId: l.id, delta: -4, reason: 'write_off', key: newId() })).rejects.toMatchObject({
      code: 'OUT_OF_STOCK',
      details: { variantId, locationId: l.id, requested: 4, available: 3, onHand: 5, reserved: 2 },
    })
    // A variant never stocked here.
    await expect(shop.inventory.adjust({ variantId: newId(), locationId: l.id, delta: -1, reason: 'sale', key: newId() })).rejects.toMatchObject({
      code: 'OUT_OF_STOCK',
      details: { available: 0 },
    })
    expect(await movementCount()).toBe(before)
    expect(await level(variantId, l.id)).toMatchObject({ onHand: 5, reserved: 2, available: 3 })
    expect((await shop.inventory.adjust({ variantId, locationId: l.id, delta: -3, reason: 'sale', key: newId() })).onHandAfter).toBe(2)
  })

  test('bad adjust input is refused with the field at fault', async () => {
    const l = await location()
    const variantId = newId()
    const base = { variantId, locationId: l.id, key: newId() }
    await expect(shop.inventory.adjust({ ...base, delta: -1, reason: 'receipt' })).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { issues: [{ path: 'delta', message: 'a receipt needs a positive delta' }] },
    })
    await expect(shop.inventory.adjust({ ...base, delta: 0, reason: 'write_off' })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.inventory.adjust({ ...base, delta: 1.5, reason: 'receipt' })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.inventory.adjust({ ...base, locationCode: l.code, delta: 1, reason: 'receipt' })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('exactly one of locationId and locationCode'),
    })
    await expect(shop.inventory.adjust({ ...base, delta: 1, reason: 'transfer' as never })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.inventory.adjust({ variantId, locationCode: 'NOWHERE', key: newId(), delta: 1, reason: 'receipt' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    })
    expect(await shop.inventory.levels([variantId])).toEqual([])
  })

  test('a transfer records two linked movements, moves only what is free, and replays by key', async () => {
    const a = await location()
    const b = await location()
    const variantId = newId()
    await shop.inventory.receive({ variantId, locationId: a.id, delta: 6, key: newId() })
    await shop.inventory.reserve({ ownerType: 'order', ownerId: newId(), lines: [{ variantId, quantity: 2 }] })
    const key = newId()
    const moved = await shop.inventory.transfer({ variantId, from: a.code, to: b.id, quantity: 3, key, reference: 'tr-1' })
    expect(moved.from).toMatchObject({ locationId: a.id, delta: -3, reason: 'transfer', key, counterpartId: moved.to.id, onHandAfter: 3 })
    expect(moved.to).toMatchObject({ locationId: b.id, delta: 3, reason: 'transfer', key: null, counterpartId: moved.from.id, onHandAfter: 3 })
    expect(await shop.inventory.transfer({ variantId, from: a.code, to: b.id, quantity: 3, key, reference: 'tr-1' })).toEqual(moved)
    await expect(shop.inventory.transfer({ variantId, from: a.code, to: b.id, quantity: 2, key })).rejects.toMatchObject({ code: 'IDEMPOTENCY_MISMATCH' })

    await expect(shop.inventory.transfer({ variantId, from: a.id, to: b.id, quantity: 2, key: newId() })).rejects.toMatchObject({
      code: 'OUT_OF_STOCK',
      details: { available: 1 },
    })
    await expect(shop.inventory.transfer({ variantId, from: a.id, to: a.code, quantity: 1, key: newId() })).rejects.toMatchObject({ code: 'VALIDATION' })
    const levels = await shop.inventory.levels([variantId])
    expect(levels.map((l) => [l.locationCode, l.onHand, l.reserved])).toEqual([
      [a.code, 3, 2],
      [b.code, 3, 0],
    ])
  })

  test('a count sets on hand and records the difference; it cannot go below what is reserved', async () => {
    const l = await location()
    const variantId = newId()
    await shop.inventory.receive({ variantId, locationId: l.id, delta: 10, key: newId() })
    const key = newId()
    const counted = await shop.inventory.setCount({ variantId, locationCode: l.code, onHand: 7, key, note: 'monthly count' })
    expect(counted).toMatchObject({ delta: -3, reason: 'count_correction', onHandAfter: 7, note: 'monthly count' })
    expect(await shop.inventory.setCount({ variantId, locationCode: l.code, onHand: 7, key, note: 'monthly count' })).toEqual(counted)
    await expect(shop.inventory.setCount({ variantId, locationCode: l.code, onHand: 8, key })).rejects.toMatchObject({ code: 'IDEMPOTENCY_MISMATCH' })

    const same = await shop.inventory.setCount({ variantId, locationId: l.id, onHand: 7, key: newId() })
    expect(same).toMatchObject({ delta: 0, onHandAfter: 7 })
    // A count of a variant never stocked here creates its level.
    const fresh = newId()
    expect(await shop.inventory.setCount({ variantId: fresh, locationId: l.id, onHand: 4, key: newId() })).toMatchObject({ delta: 4, onHandAfter: 4 })

    await shop.inventory.reserve({ ownerType: 'order', ownerId: newId(), lines: [{ variantId, quantity: 5 }] })
    await expect(shop.inventory.setCount({ variantId, locationId: l.id, onHand: 4, key: newId() })).rejects.toMatchObject({
      code: 'OUT_OF_STOCK',
      details: { reserved: 5, requested: 4 },
    })
    expect(await level(variantId, l.id)).toMatchObject({ onHand: 7, reserved: 5 })
    const sum = (await shop.inventory.movements({ variantId })).items.reduce((s, m) => s + m.delta, 0)
    expect(sum).toBe(7)
  })

  test('movements page newest first and filter by variant, location and reference', async () => {
    const a = await location()
    const b = await location()
    const variantId = newId()
    for (let i = 1; i <= 5; i++) {
      await shop.inventory.receive({ variantId, locationId: i % 2 ? a.id : b.id, delta: i, key: newId(), reference: i === 3 ? 'po-3' : null })
    }
    const first = await shop.inventory.movements({ variantId, limit: 2 })
    expect(first.items.map((m) => m.delta)).toEqual([5, 4])
    const second = await shop.inventory.movements({ variantId, limit: 2, cursor: first.nextCursor })
    expect(second.items.map((m) => m.delta)).toEqual([3, 2])
    const last = await shop.inventory.movements({ variantId, limit: 2, cursor: second.nextCursor })
    expect(last).toMatchObject({ items: [{ delta: 1 }], nextCursor: null })
    expect((await shop.inventory.movements({ variantId, locationId: b.id })).items.map((m) => m.delta)).toEqual([4, 2])
    expect((await shop.inventory.movements({ reference: 'po-3' })).items.map((m) => m.delta)).toEqual([3])
    await expect(shop.inventory.movements({ limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION' })
  })

  test('availability sums free stock at active locations serving the region; an unlimited supplier there makes it unlimited', async () => {
    const north = `R-${newId().slice(-6)}`
    const south = `R-${newId().slice(-6)}`
    const inNorth = await location({ regions: [north] })
    const inSouth = await location({ regions: [south] })
    const everywhere = await location({ type: 'showroom', pickup: true })
    const closed = await location({ regions: [north], active: false })
    const dropShip = await location({ type: 'supplier', unlimited: true, regions: [south] })
    const [v1, v2, none] = [newId(), newId(), newId()]
    await shop.inventory.receive({ variantId: v1, locationId: inNorth.id, delta: 5, key: newId() })
    await shop.inventory.receive({ variantId: v1, locationId: inSouth.id, delta: 7, key: newId() })
    await shop.inventory.receive({ variantId: v1, locationId: everywhere.id, delta: 1, key: newId() })
    await shop.inventory.receive({ variantId: v1, locationId: closed.id, delta: 100, key: newId() })
    await shop.inventory.receive({ variantId: v2, locationId: inNorth.id, delta: 2, key: newId() })
    await shop.inventory.reserve({ ownerType: 'order', ownerId: newId(), lines: [{ variantId: v1, quantity: 4 }], region: north })

    expect(await shop.inventory.availability([v1, v2, none], { region: north })).toEqual([
      { variantId: v1, available: 2, unlimited: false },
      { variantId: v2, available: 2, unlimited: false },
      { variantId: none, available: 0, unlimited: false },
    ])
    expect(await shop.inventory.availability([{ variantId: v1 }, { variantId: none }], { region: south })).toEqual([
      { variantId: v1, available: 8, unlimited: true },
      { variantId: none, available: 0, unlimited: true },
    ])
    await shop.inventory.updateLocation(dropShip.id, { active: false })
    const everyRegion = await shop.inventory.availability([v1])
    expect(everyRegion).toEqual([{ variantId: v1, available: 9, unlimited: false }])
    await expect(shop.inventory.availability([''])).rejects.toMatchObject({ code: 'VALIDATION' })
  })
})
