import type { Insertable, Kysely } from 'kysely'
import { z } from 'zod'
import { OrdoError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { affected } from '../storage/sql-helpers.js'
import type { UnitOfWork } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import type { AllocationStrategy } from './allocation-strategy.js'
import type { StockMovementTable, StockReservationTable } from './inventory-schema.js'
import { byLevel, CHUNK, chunks, levelKey, lockLevels, readLevels, toReservation, type LocationInfo } from './inventory-store.js'
import { RESERVATION_STATUSES, type Reservation, type ReservationsQuery, type ReservedAllocation, type ReserveInput } from './inventory-types.js'
import { field, recordMovements, upsertLevel } from './stock-commands.js'
import { locationStocks, readCandidates, type Candidates } from './stock-queries.js'

/** Re-plans of a line after losing a race for its stock, before giving up with `OUT_OF_STOCK`. */
const MAX_REPLANS = 3

/** Reservations expired per round of {@link expireDue}. */
const EXPIRE_BATCH = 500

const owner = {
  ownerType: z.string().min(1).max(32),
  ownerId: z.string().min(1).max(64),
}

const reserveSchema = z.strictObject({
  ...owner,
  lines: z.array(z.strictObject({ variantId: field.variantId, quantity: field.quantity })).max(1000),
  expiresAt: z.date().nullable().optional(),
  region: z.string().min(1).max(100).nullable().optional(),
})

const releaseSchema = z.strictObject({ ...owner, variantId: field.variantId.optional() })
const ownerSchema = z.strictObject(owner)

const reservationsSchema = z
  .strictObject({
    ownerType: owner.ownerType.optional(),
    ownerId: owner.ownerId.optional(),
    variantId: field.variantId.optional(),
    status: z.enum(RESERVATION_STATUSES).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .optional()

/** One part of a line to reserve at one location. */
interface Part {
  variantId: string
  locationId: string
  location: LocationInfo
  quantity: number
}

/** Turns the strategy's plan for a line into parts, refusing plans that do not fit the candidates. */
function planLine(strategy: AllocationStrategy, candidates: Candidates, variantId: string, quantity: number, region: string | null): Part[] {
  const stocks = locationStocks(candidates, variantId)
  const plan = strategy({ variantId, quantity, region }, stocks)
  const merged = new Map<string, number>()
  for (const item of plan) {
    const stock = stocks.find((s) => s.locationId === item.locationId)
    const valid = stock !== undefined && Number.isSafeInteger(item.quantity) && item.quantity > 0
    const total = (merged.get(item.locationId) ?? 0) + (valid ? item.quantity : 0)
    if (!valid || (!stock.unlimited && total > stock.available)) {
      throw new OrdoError(
        'INVALID_CONFIG',
        `The allocation strategy planned ${JSON.stringify(item)} for variant ${variantId}, which is not a positive quantity within what a candidate location has.`,
        { details: { key: 'allocationStrategy', variantId, plan } },
      )
    }
    merged.set(item.locationId, total)
  }
  const planned = [...merged.values()].reduce((s, n) => s + n, 0)
  if (planned > quantity) {
    throw new OrdoError('INVALID_CONFIG', `The allocation strategy planned ${planned} units of variant ${variantId} for a line of ${quantity}.`, {
      details: { key: 'allocationStrategy', variantId, plan },
    })
  }
  if (planned < quantity) {
    const available = stocks.filter((s) => !s.unlimited).reduce((s, c) => s + c.available, 0)
    throw outOfStock(variantId, quantity, available, region)
  }
  return [...merged].map(([locationId, q]) => ({ variantId, locationId, location: candidates.locations.get(locationId)!, quantity: q }))
}

function outOfStock(variantId: string, requested: number, available: number, region: string | null): OrdoError {
  return new OrdoError(
    'OUT_OF_STOCK',
    `Cannot reserve ${requested} of variant ${variantId}: ${available} available${region != null ? ` at locations serving region "${region}"` : ''}.`,
    { details: { variantId, requested, available, ...(region != null ? { region } : {}) } },
  )
}

/**
 * Reserves one part: at a limited location in one conditional update (false
 * when the stock is no longer there); at an unlimited supplier in one upsert
 * that creates the level on first use.
 */
async function reservePart(runtime: Runtime, uow: UnitOfWork, part: Part): Promise<boolean> {
  if (part.location.unlimited) {
    await upsertLevel(runtime, uow, { variantId: part.variantId, locationId: part.locationId, reserved: part.quantity })
    return true
  }
  const result = await uow.db
    .updateTable('ordo_stock_level')
    .set((eb) => ({ reserved: eb('reserved', '+', part.quantity), updated_at: uow.now.getTime() }))
    .where('variant_id', '=', part.variantId)
    .where('location_id', '=', part.locationId)
    .where((eb) => eb(eb('on_hand', '-', eb.ref('reserved')), '>=', part.quantity))
    .executeTakeFirst()
  return affected(result) === 1
}

/** Gives back units reserved earlier in this transaction. */
async function unreservePart(uow: UnitOfWork, part: Part): Promise<void> {
  await uow.db
    .updateTable('ordo_stock_level')
    .set((eb) => ({ reserved: eb('reserved', '-', part.quantity), updated_at: uow.now.getTime() }))
    .where('variant_id', '=', part.variantId)
    .where('location_id', '=', part.locationId)
    .execute()
}

/** Reserves parts in level order; returns those reserved and the variants of the lines that lost a race. */
async function reserveParts(runtime: Runtime, uow: UnitOfWork, parts: readonly Part[]): Promise<{ done: Part[]; lost: Set<string> }> {
  const done: Part[] = []
  const lost = new Set<string>()
  for (const part of [...parts].sort(byLevel)) {
    if (lost.has(part.variantId)) continue
    if (await reservePart(runtime, uow, part)) done.push(part)
    else lost.add(part.variantId)
  }
  return { done, lost }
}

/**
 * Re-plans a line that lost a race: reads its levels again (with a locking
 * read where the database has one, so MySQL sees the latest rows), plans and
 * reserves, up to {@link MAX_REPLANS} times. Where reserve locked its levels
 * first this does not happen; it keeps dialects without row locks correct.
 */
async function replanLine(
  runtime: Runtime,
  strategy: AllocationStrategy,
  uow: UnitOfWork,
  candidates: Candidates,
  line: { variantId: string; quantity: number; region: string | null },
): Promise<Part[]> {
  const limited = [...candidates.locations.values()].filter((l) => !l.unlimited)
  for (let attempt = 1; attempt <= MAX_REPLANS; attempt++) {
    const fresh = await readLevels(
      uow.db,
      limited.map((l) => ({ variantId: line.variantId, locationId: l.id })),
      { lock: runtime.storage.capabilities.supportsSkipLocked },
    )
    const levels = new Map(candidates.levels.get(line.variantId) ?? [])
    for (const l of limited) {
      const level = fresh.get(levelKey(line.variantId, l.id))
      if (level) levels.set(l.id, level)
      else levels.delete(l.id)
    }
    candidates.levels.set(line.variantId, levels)
    const parts = planLine(strategy, candidates, line.variantId, line.quantity, line.region)
    const { done, lost } = await reserveParts(runtime, uow, parts)
    if (lost.size === 0) return parts
    for (const part of done) await unreservePart(uow, part)
  }
  const levels = candidates.levels.get(line.variantId)
  const available = limited.reduce((s, l) => {
    const level = levels?.get(l.id)
    return s + (level ? Math.max(0, level.onHand - level.reserved) : 0)
  }, 0)
  throw outOfStock(line.variantId, line.quantity, available, line.region)
}

/** `internal.reserve()`: all lines or none. */
export async function reserveStock(
  runtime: Runtime,
  strategy: AllocationStrategy,
  uow: UnitOfWork,
  raw: ReserveInput,
): Promise<ReservedAllocation[]> {
  const input = parseInput('inventory.reserve', reserveSchema, raw)
  const region = input.region ?? null
  const lines = new Map<string, number>()
  for (const l of input.lines) lines.set(l.variantId, (lines.get(l.variantId) ?? 0) + l.quantity)
  if (lines.size === 0) return []

  // One read for every line, a plan per line, then one conditional update per
  // (level, quantity) in level order.
  const candidates = await readCandidates(uow.db, [...lines.keys()], region)
  if (runtime.storage.capabilities.supportsSkipLocked) {
    // Where the database has row locks, take the stocked levels' locks in one
    // order first (see lockLevels): no deadlock, and no lost race after this.
    const stocked = [...candidates.levels].flatMap(([variantId, levels]) =>
      [...levels.keys()].filter((id) => !candidates.locations.get(id)?.unlimited).map((locationId) => ({ variantId, locationId })),
    )
    const fresh = await lockLevels(uow.db, stocked)
    for (const { variantId, locationId } of stocked) {
      const level = fresh.get(levelKey(variantId, locationId))
      if (level) candidates.levels.get(variantId)!.set(locationId, level)
    }
  }
  const plans = new Map<string, Part[]>()
  for (const [variantId, quantity] of lines) plans.set(variantId, planLine(strategy, candidates, variantId, quantity, region))
  const { done, lost } = await reserveParts(runtime, uow, [...plans.values()].flat())
  for (const variantId of lost) {
    for (const part of done) if (part.variantId === variantId) await unreservePart(uow, part)
    plans.set(variantId, await replanLine(runtime, strategy, uow, candidates, { variantId, quantity: lines.get(variantId)!, region }))
  }

  const now = uow.now.getTime()
  const expiresAt = input.expiresAt ? input.expiresAt.getTime() : null
  const rows: Insertable<StockReservationTable>[] = [...plans.values()].flat().map((p) => ({
    id: newId(),
    owner_type: input.ownerType,
    owner_id: input.ownerId,
    variant_id: p.variantId,
    location_id: p.locationId,
    quantity: p.quantity,
    status: 'active',
    unlimited: p.location.unlimited ? 1 : 0,
    expires_at: expiresAt,
    created_at: now,
    closed_at: null,
    closed_by: null,
  }))
  for (const part of chunks(rows, CHUNK)) await uow.db.insertInto('ordo_stock_reservation').values(part).execute()
  const types = new Map([...plans.values()].flat().map((p) => [p.locationId, p.location.type]))
  const allocations: ReservedAllocation[] = rows.map((r) => ({
    reservationId: r.id,
    variantId: r.variant_id,
    locationId: r.location_id,
    locationType: types.get(r.location_id)!,
    quantity: r.quantity,
  }))
  uow.emit({
    type: 'stock.reserved',
    aggregateId: input.ownerId,
    data: {
      ownerType: input.ownerType,
      ownerId: input.ownerId,
      expiresAt: input.expiresAt ? input.expiresAt.toISOString() : null,
      allocations: allocations.map(({ reservationId, variantId, locationId, quantity }) => ({ reservationId, variantId, locationId, quantity })),
    },
  })
  return allocations
}

/** What one closing operation closed, per owner and level. */
interface Closed {
  ownerType: string
  ownerId: string
  variantId: string
  locationId: string
  unlimited: boolean
  quantity: number
}

/** The reservations an operation closed (found by its token: no RETURNING needed). */
async function closedBy(db: Kysely<Database>, token: string): Promise<Closed[]> {
  const rows = await db
    .selectFrom('ordo_stock_reservation')
    .select(['owner_type', 'owner_id', 'variant_id', 'location_id', 'unlimited'])
    .select((eb) => eb.fn.sum<number>('quantity').as('quantity'))
    .where('closed_by', '=', token)
    .groupBy(['owner_type', 'owner_id', 'variant_id', 'location_id', 'unlimited'])
    .execute()
  return rows.map((r) => ({
    ownerType: r.owner_type,
    ownerId: r.owner_id,
    variantId: r.variant_id,
    locationId: r.location_id,
    unlimited: Number(r.unlimited) === 1,
    quantity: Number(r.quantity),
  }))
}

/** Sums closed quantities per level, in level order. */
function perLevel(closed: readonly Closed[]): { variantId: string; locationId: string; limited: number; unlimited: number }[] {
  const levels = new Map<string, { variantId: string; locationId: string; limited: number; unlimited: number }>()
  for (const c of closed) {
    const key = levelKey(c.variantId, c.locationId)
    const level = levels.get(key) ?? { variantId: c.variantId, locationId: c.locationId, limited: 0, unlimited: 0 }
    if (c.unlimited) level.unlimited += c.quantity
    else level.limited += c.quantity
    levels.set(key, level)
  }
  return [...levels.values()].sort(byLevel)
}

/** Gives reserved units back to their levels and emits `stock.released` per owner. */
async function giveBack(uow: UnitOfWork, closed: readonly Closed[], reason: 'released' | 'expired'): Promise<number> {
  for (const level of perLevel(closed)) {
    const quantity = level.limited + level.unlimited
    const result = await uow.db
      .updateTable('ordo_stock_level')
      .set((eb) => ({ reserved: eb('reserved', '-', quantity), updated_at: uow.now.getTime() }))
      .where('variant_id', '=', level.variantId)
      .where('location_id', '=', level.locationId)
      .executeTakeFirst()
    if (affected(result) !== 1) {
      throw new OrdoError('INTERNAL', `The stock level of ${level.variantId} at ${level.locationId} holding a reservation is missing.`, { details: level })
    }
  }
  const owners = new Map<string, Closed[]>()
  for (const c of closed) {
    const key = `${c.ownerType}\u0000${c.ownerId}`
    owners.set(key, [...(owners.get(key) ?? []), c])
  }
  for (const group of owners.values()) {
    uow.emit({
      type: 'stock.released',
      aggregateId: group[0]!.ownerId,
      data: {
        ownerType: group[0]!.ownerType,
        ownerId: group[0]!.ownerId,
        reason,
        lines: group.map((c) => ({ variantId: c.variantId, locationId: c.locationId, quantity: c.quantity })),
      },
    })
  }
  return closed.reduce((s, c) => s + c.quantity, 0)
}

/** `internal.release()`: units released. */
export async function releaseStock(uow: UnitOfWork, raw: { ownerType: string; ownerId: string; variantId?: string }): Promise<number> {
  const input = parseInput('inventory.release', releaseSchema, raw)
  const token = newId()
  let query = uow.db
    .updateTable('ordo_stock_reservation')
    .set({ status: 'released', closed_at: uow.now.getTime(), closed_by: token })
    .where('owner_type', '=', input.ownerType)
    .where('owner_id', '=', input.ownerId)
    .where('status', '=', 'active')
  if (input.variantId !== undefined) query = query.where('variant_id', '=', input.variantId)
  if (affected(await query.executeTakeFirst()) === 0) return 0
  return giveBack(uow, await closedBy(uow.db, token), 'released')
}

/** `internal.convertToSale()`: units sold. */
export async function convertStock(uow: UnitOfWork, raw: { ownerType: string; ownerId: string }): Promise<number> {
  const input = parseInput('inventory.convertToSale', ownerSchema, raw)
  const token = newId()
  const now = uow.now.getTime()
  const result = await uow.db
    .updateTable('ordo_stock_reservation')
    .set({ status: 'converted', closed_at: now, closed_by: token })
    .where('owner_type', '=', input.ownerType)
    .where('owner_id', '=', input.ownerId)
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (affected(result) === 0) return 0
  const levels = perLevel(await closedBy(uow.db, token))
  for (const level of levels) {
    const update = await uow.db
      .updateTable('ordo_stock_level')
      .set((eb) => ({
        on_hand: eb('on_hand', '-', level.limited),
        reserved: eb('reserved', '-', level.limited + level.unlimited),
        updated_at: now,
      }))
      .where('variant_id', '=', level.variantId)
      .where('location_id', '=', level.locationId)
      .executeTakeFirst()
    if (affected(update) !== 1) {
      throw new OrdoError('INTERNAL', `The stock level of ${level.variantId} at ${level.locationId} holding a reservation is missing.`, { details: level })
    }
  }
  const onHand = await readLevels(uow.db, levels)
  const reference = `${input.ownerType}:${input.ownerId}`
  const movements: Insertable<StockMovementTable>[] = []
  const base = { key: null, reference, note: null, at: now }
  for (const level of levels) {
    const after = onHand.get(levelKey(level.variantId, level.locationId))?.onHand ?? 0
    const at = { variant_id: level.variantId, location_id: level.locationId }
    if (level.limited > 0) {
      movements.push({ ...base, ...at, id: newId(), delta: -level.limited, reason: 'sale', counterpart_id: null, on_hand_after: after })
    }
    if (level.unlimited > 0) {
      // Drop-ship: the supplier's units pass through the ledger, so Σ movements stays equal to on hand.
      const receiptId = newId()
      const saleId = newId()
      movements.push(
        { ...base, ...at, id: receiptId, delta: level.unlimited, reason: 'receipt', note: 'drop-ship', counterpart_id: saleId, on_hand_after: after + level.unlimited },
        { ...base, ...at, id: saleId, delta: -level.unlimited, reason: 'sale', note: 'drop-ship', counterpart_id: receiptId, on_hand_after: after },
      )
    }
  }
  await recordMovements(uow, movements)
  return levels.reduce((s, l) => s + l.limited + l.unlimited, 0)
}

/** `internal.expireDue()`: expires active reservations whose time has come; returns how many reservations it expired. */
export async function expireDue(uow: UnitOfWork): Promise<number> {
  const now = uow.now.getTime()
  let expired = 0
  for (;;) {
    const due = await uow.db
      .selectFrom('ordo_stock_reservation')
      .select('id')
      .where('status', '=', 'active')
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(EXPIRE_BATCH)
      .execute()
    if (due.length === 0) break
    const token = newId()
    const result = await uow.db
      .updateTable('ordo_stock_reservation')
      .set({ status: 'expired', closed_at: now, closed_by: token })
      .where('id', 'in', due.map((r) => r.id))
      .where('status', '=', 'active')
      .executeTakeFirst()
    const count = affected(result)
    // Another worker expired them first (and our snapshot may not show it yet).
    if (count === 0) break
    expired += count
    await giveBack(uow, await closedBy(uow.db, token), 'expired')
    if (due.length < EXPIRE_BATCH) break
  }
  return expired
}

/** `internal.reservationsFor()`: every reservation of an owner, oldest first. */
export async function reservationsFor(db: Kysely<Database>, owner: { ownerType: string; ownerId: string }): Promise<Reservation[]> {
  const rows = await db
    .selectFrom('ordo_stock_reservation')
    .selectAll()
    .where('owner_type', '=', owner.ownerType)
    .where('owner_id', '=', owner.ownerId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return rows.map(toReservation)
}

/** `shop.inventory.reservations()`: reservations matching a filter, newest first. */
export async function findReservations(db: Kysely<Database>, raw: ReservationsQuery | undefined): Promise<Reservation[]> {
  const filter = parseInput('inventory.reservations', reservationsSchema, raw) ?? {}
  let query = db
    .selectFrom('ordo_stock_reservation')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100)
  if (filter.ownerType !== undefined) query = query.where('owner_type', '=', filter.ownerType)
  if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId)
  if (filter.variantId !== undefined) query = query.where('variant_id', '=', filter.variantId)
  if (filter.status !== undefined) query = query.where('status', '=', filter.status)
  return (await query.execute()).map(toReservation)
}
