import type { Insertable, Kysely, Selectable } from 'kysely'
import { z } from 'zod'
import { OrdoError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { affected } from '../storage/sql-helpers.js'
import { runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import type { StockMovementTable } from './inventory-schema.js'
import { CHUNK, chunks, levelKey, readLevels, resolveLocation, toMovement, type LocationInfo } from './inventory-store.js'
import {
  ADJUST_REASONS,
  type AdjustInput,
  type SetCountInput,
  type StockMovement,
  type StockTransfer,
  type TransferInput,
} from './inventory-types.js'

/** Largest quantity one command may move: far below the integer column's limit. */
export const MAX_QUANTITY = 1_000_000_000

/** Schemas shared by the module's commands. */
export const field = {
  variantId: z.string().min(1).max(36),
  locationId: z.string().min(1).max(36),
  locationCode: z.string().min(1).max(100),
  locationRef: z.string().min(1).max(100),
  key: z.string().min(1).max(191),
  reference: z.string().min(1).max(191).nullable().optional(),
  note: z.string().max(2000).nullable().optional(),
  quantity: z.number().int().min(1).max(MAX_QUANTITY),
}

const oneLocation = (v: { locationId?: string | undefined; locationCode?: string | undefined }, ctx: z.RefinementCtx) => {
  if ((v.locationId === undefined) === (v.locationCode === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'pass exactly one of locationId and locationCode', path: ['locationId'] })
  }
}

const adjustSchema = z
  .strictObject({
    variantId: field.variantId,
    locationId: field.locationId.optional(),
    locationCode: field.locationCode.optional(),
    delta: z.number().int().min(-MAX_QUANTITY).max(MAX_QUANTITY),
    reason: z.enum(ADJUST_REASONS),
    key: field.key,
    reference: field.reference,
    note: field.note,
  })
  .superRefine((v, ctx) => {
    oneLocation(v, ctx)
    const adds = v.reason === 'receipt' || v.reason === 'return'
    if (v.delta === 0 || (adds && v.delta < 0) || (!adds && v.delta > 0)) {
      ctx.addIssue({ code: 'custom', message: `a ${v.reason} needs a ${adds ? 'positive' : 'negative'} delta`, path: ['delta'] })
    }
  })

const transferSchema = z
  .strictObject({
    variantId: field.variantId,
    from: field.locationRef,
    to: field.locationRef,
    quantity: field.quantity,
    key: field.key,
    reference: field.reference,
    note: field.note,
  })
  .refine((v) => v.from !== v.to, { message: 'from and to must be different locations', path: ['to'] })

const setCountSchema = z
  .strictObject({
    variantId: field.variantId,
    locationId: field.locationId.optional(),
    locationCode: field.locationCode.optional(),
    onHand: z.number().int().min(0).max(MAX_QUANTITY),
    key: field.key,
    note: field.note,
  })
  .superRefine(oneLocation)

/**
 * Adds to a level's on hand and reserved in one atomic upsert, creating the
 * level when missing. One statement takes the row's exclusive lock directly:
 * an update-then-insert (or insert-ignore-then-update) pair would take a gap
 * or shared lock first, and two MySQL transactions doing it at once deadlock.
 */
export async function upsertLevel(
  runtime: Runtime,
  uow: UnitOfWork,
  level: { variantId: string; locationId: string; onHand?: number; reserved?: number },
): Promise<void> {
  const onHand = level.onHand ?? 0
  const reserved = level.reserved ?? 0
  const now = uow.now.getTime()
  const insert = uow.db
    .insertInto('ordo_stock_level')
    .values({ variant_id: level.variantId, location_id: level.locationId, on_hand: onHand, reserved, updated_at: now })
  if (runtime.storage.capabilities.upsert === 'on_duplicate_key') {
    await insert.onDuplicateKeyUpdate((eb) => ({ on_hand: eb('on_hand', '+', onHand), reserved: eb('reserved', '+', reserved), updated_at: now })).execute()
  } else {
    await insert
      .onConflict((oc) =>
        oc.columns(['variant_id', 'location_id']).doUpdateSet((eb) => ({
          on_hand: eb('ordo_stock_level.on_hand', '+', onHand),
          reserved: eb('ordo_stock_level.reserved', '+', reserved),
          updated_at: now,
        })),
      )
      .execute()
  }
}

/** Adds units to a level's on hand, creating the level when missing. */
export function addOnHand(runtime: Runtime, uow: UnitOfWork, variantId: string, locationId: string, quantity: number): Promise<void> {
  return upsertLevel(runtime, uow, { variantId, locationId, onHand: quantity })
}

/**
 * Takes units off a level, in one conditional update: only when on hand stays
 * ≥ 0 and (at a limited location) ≥ what is reserved. False when it would not.
 */
export async function takeOnHand(uow: UnitOfWork, variantId: string, location: LocationInfo, quantity: number): Promise<boolean> {
  let query = uow.db
    .updateTable('ordo_stock_level')
    .set((eb) => ({ on_hand: eb('on_hand', '-', quantity), updated_at: uow.now.getTime() }))
    .where('variant_id', '=', variantId)
    .where('location_id', '=', location.id)
    .where('on_hand', '>=', quantity)
  // At an unlimited supplier reservations are not backed by on-hand stock.
  if (!location.unlimited) query = query.where((eb) => eb(eb('on_hand', '-', eb.ref('reserved')), '>=', quantity))
  return affected(await query.executeTakeFirst()) === 1
}

/** The `OUT_OF_STOCK` error for taking `requested` units off a level, with what is available there now. */
async function notEnough(db: Kysely<Database>, variantId: string, location: LocationInfo, requested: number, what: string): Promise<OrdoError> {
  const level = (await readLevels(db, [{ variantId, locationId: location.id }])).get(levelKey(variantId, location.id)) ?? { onHand: 0, reserved: 0 }
  const available = Math.max(0, location.unlimited ? level.onHand : level.onHand - level.reserved)
  return new OrdoError(
    'OUT_OF_STOCK',
    `Cannot ${what} ${requested} of variant ${variantId} at ${location.code}: ${available} available (${level.onHand} on hand, ${level.reserved} reserved).`,
    { details: { variantId, locationId: location.id, requested, available, onHand: level.onHand, reserved: level.reserved } },
  )
}

/** Writes movements (multi-row) and emits `stock.adjusted` for each. */
export async function recordMovements(uow: UnitOfWork, rows: readonly Insertable<StockMovementTable>[]): Promise<StockMovement[]> {
  for (const part of chunks(rows, CHUNK)) await uow.db.insertInto('ordo_stock_movement').values(part).execute()
  const movements = rows.map((row) => toMovement(row as Selectable<StockMovementTable>))
  for (const m of movements) {
    uow.emit({
      type: 'stock.adjusted',
      aggregateId: m.variantId,
      data: { movementId: m.id, variantId: m.variantId, locationId: m.locationId, delta: m.delta, reason: m.reason, onHand: m.onHandAfter, reference: m.reference },
    })
  }
  return movements
}

/** On hand of each level after this transaction's changes (read, never computed from a stale read). */
async function onHandNow(db: Kysely<Database>, pairs: { variantId: string; locationId: string }[]): Promise<Map<string, number>> {
  const levels = await readLevels(db, pairs)
  return new Map([...levels].map(([k, v]) => [k, v.onHand]))
}

function mismatch(key: string, command: string): OrdoError {
  return new OrdoError('IDEMPOTENCY_MISMATCH', `The key "${key}" was already used for a different ${command}; use a new key for a new request.`, {
    details: { key, command },
  })
}

async function movementByKey(db: Kysely<Database>, key: string) {
  return db.selectFrom('ordo_stock_movement').selectAll().where('key', '=', key).executeTakeFirst()
}

/**
 * Runs a keyed command in its own transaction. Two concurrent requests with
 * one key both pass the replay check; the loser's insert hits the unique key
 * and rolls back, and running it again takes the replay path.
 */
export async function withKey<T>(runtime: Runtime, key: string, command: (uow: UnitOfWork) => Promise<T>): Promise<T> {
  try {
    return await runInTransaction(runtime, command)
  } catch (error) {
    if (error instanceof OrdoError || typeof key !== 'string' || !(await movementByKey(runtime.db, key))) throw error
    return runInTransaction(runtime, command)
  }
}

/** `shop.inventory.adjust()`. */
export async function adjustStock(runtime: Runtime, uow: UnitOfWork, raw: AdjustInput): Promise<StockMovement> {
  const input = parseInput('inventory.adjust', adjustSchema, raw)
  const location = await resolveLocation(uow.db, { id: input.locationId, code: input.locationCode })
  const previous = await movementByKey(uow.db, input.key)
  if (previous) {
    const same =
      previous.variant_id === input.variantId &&
      previous.location_id === location.id &&
      Number(previous.delta) === input.delta &&
      previous.reason === input.reason &&
      previous.reference === (input.reference ?? null) &&
      previous.note === (input.note ?? null)
    if (!same) throw mismatch(input.key, 'adjust')
    return toMovement(previous)
  }
  if (input.delta > 0) {
    await addOnHand(runtime, uow, input.variantId, location.id, input.delta)
  } else if (!(await takeOnHand(uow, input.variantId, location, -input.delta))) {
    throw await notEnough(uow.db, input.variantId, location, -input.delta, input.reason === 'sale' ? 'sell' : 'write off')
  }
  const pair = { variantId: input.variantId, locationId: location.id }
  const onHand = (await onHandNow(uow.db, [pair])).get(levelKey(pair.variantId, pair.locationId)) ?? 0
  const [movement] = await recordMovements(uow, [
    {
      id: newId(),
      variant_id: input.variantId,
      location_id: location.id,
      delta: input.delta,
      reason: input.reason,
      key: input.key,
      reference: input.reference ?? null,
      counterpart_id: null,
      note: input.note ?? null,
      on_hand_after: onHand,
      at: uow.now.getTime(),
    },
  ])
  return movement!
}

/** `shop.inventory.transfer()`. */
export async function transferStock(runtime: Runtime, uow: UnitOfWork, raw: TransferInput): Promise<StockTransfer> {
  const input = parseInput('inventory.transfer', transferSchema, raw)
  const from = await resolveLocation(uow.db, input.from)
  const to = await resolveLocation(uow.db, input.to)
  if (from.id === to.id) {
    throw new OrdoError('VALIDATION', `Invalid input to inventory.transfer: to: "${input.to}" is the same location as from ("${input.from}")`, {
      details: { command: 'inventory.transfer', issues: [{ path: 'to', message: 'from and to must be different locations' }] },
    })
  }
  const previous = await movementByKey(uow.db, input.key)
  if (previous) {
    const arrival = previous.counterpart_id
      ? await uow.db.selectFrom('ordo_stock_movement').selectAll().where('id', '=', previous.counterpart_id).executeTakeFirst()
      : undefined
    const same =
      arrival !== undefined &&
      previous.reason === 'transfer' &&
      previous.variant_id === input.variantId &&
      previous.location_id === from.id &&
      Number(previous.delta) === -input.quantity &&
      arrival.location_id === to.id &&
      previous.reference === (input.reference ?? null) &&
      previous.note === (input.note ?? null)
    if (!same) throw mismatch(input.key, 'transfer')
    return { from: toMovement(previous), to: toMovement(arrival) }
  }
  // Touch the two levels in level order, as every command does, so two opposite transfers never deadlock.
  const take = async () => {
    if (!(await takeOnHand(uow, input.variantId, from, input.quantity))) {
      throw await notEnough(uow.db, input.variantId, from, input.quantity, 'transfer')
    }
  }
  const add = () => addOnHand(runtime, uow, input.variantId, to.id, input.quantity)
  if (from.id < to.id) {
    await take()
    await add()
  } else {
    await add()
    await take()
  }
  const pairs = [from, to].map((l) => ({ variantId: input.variantId, locationId: l.id }))
  const onHand = await onHandNow(uow.db, pairs)
  const outId = newId()
  const inId = newId()
  const base = { variant_id: input.variantId, reason: 'transfer', reference: input.reference ?? null, note: input.note ?? null, at: uow.now.getTime() }
  const [departure, arrival] = await recordMovements(uow, [
    {
      ...base,
      id: outId,
      location_id: from.id,
      delta: -input.quantity,
      key: input.key,
      counterpart_id: inId,
      on_hand_after: onHand.get(levelKey(input.variantId, from.id)) ?? 0,
    },
    {
      ...base,
      id: inId,
      location_id: to.id,
      delta: input.quantity,
      key: null,
      counterpart_id: outId,
      on_hand_after: onHand.get(levelKey(input.variantId, to.id)) ?? 0,
    },
  ])
  return { from: departure!, to: arrival! }
}

/** `shop.inventory.setCount()`. */
export async function setStockCount(runtime: Runtime, uow: UnitOfWork, raw: SetCountInput): Promise<StockMovement> {
  const input = parseInput('inventory.setCount', setCountSchema, raw)
  const location = await resolveLocation(uow.db, { id: input.locationId, code: input.locationCode })
  const previous = await movementByKey(uow.db, input.key)
  if (previous) {
    const same =
      previous.reason === 'count_correction' &&
      previous.variant_id === input.variantId &&
      previous.location_id === location.id &&
      Number(previous.on_hand_after) === input.onHand &&
      previous.note === (input.note ?? null)
    if (!same) throw mismatch(input.key, 'setCount')
    return toMovement(previous)
  }
  const now = uow.now.getTime()
  // A count replaces the figure, so it must start from the current one. The
  // upsert creates the level if needed and takes its row lock; the locking
  // read then sees the latest row (MySQL's snapshot could be older).
  await upsertLevel(runtime, uow, { variantId: input.variantId, locationId: location.id })
  const pair = { variantId: input.variantId, locationId: location.id }
  const level = (await readLevels(uow.db, [pair], { lock: runtime.storage.capabilities.supportsSkipLocked })).get(levelKey(pair.variantId, pair.locationId))
  if (!level) throw new OrdoError('INTERNAL', `Stock level of ${input.variantId} at ${location.code} vanished.`, { details: pair })
  if (!location.unlimited && input.onHand < level.reserved) {
    throw new OrdoError(
      'OUT_OF_STOCK',
      `Cannot count ${input.onHand} of variant ${input.variantId} at ${location.code}: ${level.reserved} are reserved there; release or convert those reservations first.`,
      { details: { variantId: input.variantId, locationId: location.id, requested: input.onHand, reserved: level.reserved, available: 0 } },
    )
  }
  const delta = input.onHand - level.onHand
  if (delta !== 0) {
    const result = await uow.db
      .updateTable('ordo_stock_level')
      .set({ on_hand: input.onHand, updated_at: now })
      .where('variant_id', '=', input.variantId)
      .where('location_id', '=', location.id)
      .where('on_hand', '=', level.onHand)
      .executeTakeFirst()
    if (affected(result) !== 1) {
      throw new OrdoError('CONFLICT', `Stock of variant ${input.variantId} at ${location.code} changed during the count; count again.`, { details: pair })
    }
  }
  const [movement] = await recordMovements(uow, [
    {
      id: newId(),
      variant_id: input.variantId,
      location_id: location.id,
      delta,
      reason: 'count_correction',
      key: input.key,
      reference: null,
      counterpart_id: null,
      note: input.note ?? null,
      on_hand_after: input.onHand,
      at: now,
    },
  ])
  return movement!
}
