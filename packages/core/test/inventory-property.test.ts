/**
 * Random sequences of stock commands on one engine (SQLite), checked after
 * every command against what the ledger and the reservations say:
 * on hand ≥ 0; 0 ≤ reserved ≤ on hand at limited locations; Σ movements =
 * on hand; Σ active reservations = reserved; a reservation succeeds exactly
 * when the locations serving its region can cover every line, so stock is
 * never oversold and never refused while it is there.
 */
import { createCommerce, newId, type Commerce, type StockLocation, type StockMovement } from '@ordo/core'
import { createTestDatabase, testClock, type TestDatabase } from '@ordo/testing'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

type Cmd =
  | { kind: 'adjust'; variant: number; location: number; delta: number; key: number }
  | { kind: 'count'; variant: number; location: number; onHand: number }
  | { kind: 'transfer'; variant: number; from: number; to: number; quantity: number }
  | { kind: 'reserve'; owner: number; lines: { variant: number; quantity: number }[]; region: number; expires: boolean }
  | { kind: 'release'; owner: number; variant: number | null }
  | { kind: 'convert'; owner: number }
  | { kind: 'expire' }

const VARIANTS = 2
const OWNERS = 3
/** null: no region (every location); the others match the locations' regions below. */
const REGIONS = [null, 'north', 'south', 'east'] as const

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('adjust' as const), variant: fc.nat(VARIANTS - 1), location: fc.nat(3), delta: fc.integer({ min: -6, max: 9 }).filter((d) => d !== 0), key: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('count' as const), variant: fc.nat(VARIANTS - 1), location: fc.nat(3), onHand: fc.nat(10) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transfer' as const), variant: fc.nat(VARIANTS - 1), from: fc.nat(3), to: fc.nat(3), quantity: fc.integer({ min: 1, max: 5 }) }).filter((t) => t.from !== t.to) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      owner: fc.nat(OWNERS - 1),
      lines: fc.array(fc.record({ variant: fc.nat(VARIANTS - 1), quantity: fc.integer({ min: 1, max: 7 }) }), { minLength: 1, maxLength: 3 }),
      region: fc.nat(REGIONS.length - 1),
      expires: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), owner: fc.nat(OWNERS - 1), variant: fc.option(fc.nat(VARIANTS - 1)) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('convert' as const), owner: fc.nat(OWNERS - 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
)

describe('[sqlite] inventory: property', () => {
  let db: TestDatabase
  let shop: Commerce
  const clock = testClock('2026-03-01T10:00:00Z')
  let locations: StockLocation[]

  beforeAll(async () => {
    db = await createTestDatabase('sqlite')
    shop = await createCommerce({ storage: db.storage, currency: 'RUB', clock })
    locations = [
      await shop.inventory.createLocation({ code: 'W-ALL', name: 'Main', type: 'warehouse' }),
      await shop.inventory.createLocation({ code: 'W-NORTH', name: 'North', type: 'warehouse', regions: ['north'], priority: 1 }),
      await shop.inventory.createLocation({ code: 'S-SOUTH', name: 'Supplier', type: 'supplier', regions: ['south'], leadTimeDays: 2 }),
      await shop.inventory.createLocation({ code: 'U-EAST', name: 'Drop-ship', type: 'supplier', unlimited: true, regions: ['east'] }),
    ]
  })
  afterAll(async () => {
    await shop.close()
    await db.drop()
  })

  const serves = (l: StockLocation, region: string | null) => region === null || l.regions.length === 0 || l.regions.includes(region)

  /** Levels, ledger and active reservations of the run's variants, straight from the tables. */
  async function state(variantIds: string[]) {
    return shop.run(async (uow) => {
      const levels = await uow.db.selectFrom('ordo_stock_level').selectAll().where('variant_id', 'in', variantIds).execute()
      const movements = await uow.db.selectFrom('ordo_stock_movement').selectAll().where('variant_id', 'in', variantIds).orderBy('id').execute()
      const active = await uow.db
        .selectFrom('ordo_stock_reservation')
        .selectAll()
        .where('variant_id', 'in', variantIds)
        .where('status', '=', 'active')
        .execute()
      const key = (v: string, l: string) => `${v}/${l}`
      const level = new Map(levels.map((r) => [key(r.variant_id, r.location_id), { onHand: Number(r.on_hand), reserved: Number(r.reserved) }]))
      return { levels, movements, active, level: (v: string, l: string) => level.get(key(v, l)) ?? { onHand: 0, reserved: 0 }, key }
    })
  }

  /** Checks the invariants and returns the state it checked. */
  async function checkInvariants(variantIds: string[]) {
    const current = await state(variantIds)
    const { levels, movements, active, key } = current
    const ledger = new Map<string, { sum: number; last: number }>()
    for (const m of movements) {
      const k = key(m.variant_id, m.location_id)
      ledger.set(k, { sum: (ledger.get(k)?.sum ?? 0) + Number(m.delta), last: Number(m.on_hand_after) })
    }
    const held = new Map<string, number>()
    for (const r of active) held.set(key(r.variant_id, r.location_id), (held.get(key(r.variant_id, r.location_id)) ?? 0) + Number(r.quantity))
    for (const l of levels) {
      const k = key(l.variant_id, l.location_id)
      const unlimited = l.location_id === locations[3]!.id
      const onHand = Number(l.on_hand)
      const reserved = Number(l.reserved)
      expect(onHand, `on hand of ${k}`).toBeGreaterThanOrEqual(0)
      expect(reserved, `reserved of ${k}`).toBeGreaterThanOrEqual(0)
      if (!unlimited) expect(reserved, `reserved ≤ on hand at ${k}`).toBeLessThanOrEqual(onHand)
      expect(ledger.get(k)?.sum ?? 0, `Σ movements of ${k}`).toBe(onHand)
      if (ledger.has(k)) expect(ledger.get(k)!.last, `balance after the last movement of ${k}`).toBe(onHand)
      expect(held.get(k) ?? 0, `Σ active reservations of ${k}`).toBe(reserved)
    }
    // No active reservation outside a level.
    for (const k of held.keys()) expect(levels.some((l) => key(l.variant_id, l.location_id) === k)).toBe(true)
    return current
  }

  test('random adjust / count / transfer / reserve / release / convert / expire sequences keep the stock invariants', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 10 }), async (cmds) => {
        const run = newId()
        const variants = Array.from({ length: VARIANTS }, () => newId())
        const owners = Array.from({ length: OWNERS }, (_, i) => ({ ownerType: 'cart', ownerId: `${run}-${i}` }))
        const usedKeys = new Map<string, { payload: string; movement: StockMovement }>()
        let before = await state(variants)
        for (const cmd of cmds) {
          switch (cmd.kind) {
            case 'adjust': {
              const variantId = variants[cmd.variant]!
              const location = locations[cmd.location]!
              const key = `${run}-k${cmd.key}`
              const reason = cmd.delta > 0 ? (cmd.key % 2 ? 'receipt' : 'return') : cmd.key % 2 ? 'write_off' : 'sale'
              const payload = JSON.stringify([variantId, location.id, cmd.delta, reason])
              const attempt = shop.inventory.adjust({ variantId, locationId: location.id, delta: cmd.delta, reason, key })
              const previous = usedKeys.get(key)
              const level = before.level(variantId, location.id)
              if (previous) {
                if (previous.payload === payload) expect(await attempt).toEqual(previous.movement)
                else await expect(attempt).rejects.toMatchObject({ code: 'IDEMPOTENCY_MISMATCH' })
              } else if (level.onHand + cmd.delta >= (location.unlimited ? 0 : level.reserved)) {
                const movement = await attempt
                expect(movement.onHandAfter).toBe(level.onHand + cmd.delta)
                usedKeys.set(key, { payload, movement })
              } else {
                await expect(attempt).rejects.toMatchObject({ code: 'OUT_OF_STOCK' })
              }
              break
            }
            case 'count': {
              const variantId = variants[cmd.variant]!
              const location = locations[cmd.location]!
              const level = before.level(variantId, location.id)
              const attempt = shop.inventory.setCount({ variantId, locationId: location.id, onHand: cmd.onHand, key: newId() })
              if (location.unlimited || cmd.onHand >= level.reserved) expect((await attempt).delta).toBe(cmd.onHand - level.onHand)
              else await expect(attempt).rejects.toMatchObject({ code: 'OUT_OF_STOCK' })
              break
            }
            case 'transfer': {
              const variantId = variants[cmd.variant]!
              const from = locations[cmd.from]!
              const level = before.level(variantId, from.id)
              const attempt = shop.inventory.transfer({ variantId, from: from.code, to: locations[cmd.to]!.code, quantity: cmd.quantity, key: newId() })
              if (level.onHand - cmd.quantity >= (from.unlimited ? 0 : level.reserved)) await attempt
              else await expect(attempt).rejects.toMatchObject({ code: 'OUT_OF_STOCK' })
              break
            }
            case 'reserve': {
              const region = REGIONS[cmd.region]!
              const serving = locations.filter((l) => serves(l, region))
              const wanted = new Map<string, number>()
              for (const line of cmd.lines) wanted.set(variants[line.variant]!, (wanted.get(variants[line.variant]!) ?? 0) + line.quantity)
              const servable = [...wanted].every(
                ([variantId, quantity]) =>
                  serving.some((l) => l.unlimited) ||
                  serving.reduce((s, l) => s + Math.max(0, before.level(variantId, l.id).onHand - before.level(variantId, l.id).reserved), 0) >= quantity,
              )
              const attempt = shop.inventory.reserve({
                ...owners[cmd.owner]!,
                lines: cmd.lines.map((l) => ({ variantId: variants[l.variant]!, quantity: l.quantity })),
                region,
                expiresAt: cmd.expires ? new Date(clock.now().getTime() + 5 * 60_000) : null,
              })
              if (servable) {
                const allocations = await attempt
                for (const [variantId, quantity] of wanted) {
                  const parts = allocations.filter((a) => a.variantId === variantId)
                  expect(parts.reduce((s, a) => s + a.quantity, 0)).toBe(quantity)
                  for (const a of parts) expect(serving.map((l) => l.id)).toContain(a.locationId)
                }
              } else {
                await expect(attempt).rejects.toMatchObject({ code: 'OUT_OF_STOCK' })
              }
              break
            }
            case 'release': {
              const o = owners[cmd.owner]!
              const variantId = cmd.variant === null ? undefined : variants[cmd.variant]!
              const expected = before.active
                .filter((r) => r.owner_id === o.ownerId && (variantId === undefined || r.variant_id === variantId))
                .reduce((s, r) => s + Number(r.quantity), 0)
              expect(await shop.inventory.release({ ...o, ...(variantId ? { variantId } : {}) })).toBe(expected)
              break
            }
            case 'convert': {
              const o = owners[cmd.owner]!
              const expected = before.active.filter((r) => r.owner_id === o.ownerId).reduce((s, r) => s + Number(r.quantity), 0)
              expect(await shop.inventory.convertToSale(o)).toBe(expected)
              break
            }
            case 'expire': {
              clock.advance({ minutes: 6 })
              await shop.inventory.expireReservations()
              const after = await state(variants)
              expect(after.active.filter((r) => r.expires_at !== null && Number(r.expires_at) <= clock.now().getTime())).toEqual([])
              break
            }
          }
          before = await checkInvariants(variants)
        }
      }),
      { numRuns: 1000 },
    )
  }, 120_000)
})
