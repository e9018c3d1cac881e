import type { Kysely } from 'kysely'
import { z } from 'zod'
import { OrdoError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { insertIgnoringConflicts } from '../storage/sql-helpers.js'
import type { UnitOfWork } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import { flag, loadLocations, resolveLocation } from './inventory-store.js'
import { LOCATION_TYPES, type CreateLocationInput, type LocationType, type StockLocation, type UpdateLocationInput } from './inventory-types.js'
import { bumpRevision } from '../storage/revisions.js'

const region = z.string().trim().min(1).max(100)
const settings = {
  name: z.string().trim().min(1).max(255),
  type: z.enum(LOCATION_TYPES),
  pickup: z.boolean(),
  regions: z.array(region).max(500).transform((r) => [...new Set(r)]),
  unlimited: z.boolean(),
  leadTimeDays: z.number().int().min(0).max(3650),
  priority: z.number().int().min(-1_000_000).max(1_000_000),
  active: z.boolean(),
}

const createSchema = z.strictObject({
  code: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-", starting with a letter or digit'),
  name: settings.name,
  type: settings.type,
  pickup: settings.pickup.default(false),
  regions: settings.regions.default([]),
  unlimited: settings.unlimited.default(false),
  leadTimeDays: settings.leadTimeDays.default(0),
  priority: settings.priority.default(0),
  active: settings.active.default(true),
})

const updateSchema = z.strictObject({
  name: settings.name.optional(),
  type: settings.type.optional(),
  pickup: settings.pickup.optional(),
  regions: settings.regions.optional(),
  unlimited: settings.unlimited.optional(),
  leadTimeDays: settings.leadTimeDays.optional(),
  priority: settings.priority.optional(),
  active: settings.active.optional(),
})

const listSchema = z
  .strictObject({
    type: settings.type.optional(),
    active: z.boolean().optional(),
    pickup: z.boolean().optional(),
    region: region.optional(),
  })
  .optional()

/** Rules across fields: only suppliers are unlimited, suppliers are no pickup points. */
function checkCombination(command: string, location: { type: LocationType; unlimited: boolean; pickup: boolean }): void {
  const issues: { path: string; message: string }[] = []
  if (location.unlimited && location.type !== 'supplier') issues.push({ path: 'unlimited', message: `only a supplier can be unlimited, not a ${location.type}` })
  if (location.pickup && location.type === 'supplier') issues.push({ path: 'pickup', message: 'a supplier cannot be a pickup location' })
  if (issues.length > 0) {
    throw new OrdoError('VALIDATION', `Invalid input to ${command}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
      details: { command, issues },
    })
  }
}

async function writeRegions(uow: UnitOfWork, locationId: string, regions: readonly string[]): Promise<void> {
  await uow.db.deleteFrom('ordo_stock_location_region').where('location_id', '=', locationId).execute()
  if (regions.length > 0) {
    await uow.db
      .insertInto('ordo_stock_location_region')
      .values(regions.map((r) => ({ location_id: locationId, region: r })))
      .execute()
  }
}

async function reload(db: Kysely<Database>, id: string): Promise<StockLocation> {
  const [location] = await loadLocations(db, { ids: [id] })
  if (!location) throw new OrdoError('INTERNAL', `Stock location ${id} vanished.`, { details: { id } })
  return location
}

/** `shop.inventory.createLocation()`. */
export async function createLocation(runtime: Runtime, uow: UnitOfWork, raw: CreateLocationInput): Promise<StockLocation> {
  const input = parseInput('inventory.createLocation', createSchema, raw)
  checkCombination('inventory.createLocation', input)
  const id = newId()
  const now = uow.now.getTime()
  await bumpRevision(uow.db, 'stock_locations')
  const result = await insertIgnoringConflicts(
    uow.db.insertInto('ordo_stock_location').values({
      id,
      code: input.code,
      name: input.name,
      type: input.type,
      pickup: flag(input.pickup),
      all_regions: flag(input.regions.length === 0),
      unlimited: flag(input.unlimited),
      lead_time_days: input.leadTimeDays,
      priority: input.priority,
      active: flag(input.active),
      created_at: now,
      updated_at: now,
    }),
    runtime.storage.capabilities,
  ).executeTakeFirst()
  if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) {
    throw new OrdoError('DUPLICATE', `A stock location with code "${input.code}" already exists; pick another code or update that location.`, {
      details: { field: 'code', code: input.code },
    })
  }
  await writeRegions(uow, id, input.regions)
  return reload(uow.db, id)
}

/** `shop.inventory.updateLocation()`. */
export async function updateLocation(uow: UnitOfWork, ref: string, raw: UpdateLocationInput): Promise<StockLocation> {
  const command = 'inventory.updateLocation'
  const locationRef = parseInput(command, z.string().min(1).max(100), ref)
  const patch = parseInput(command, updateSchema, raw)
  const current = await resolveLocation(uow.db, locationRef)
  checkCombination(command, {
    type: patch.type ?? current.type,
    unlimited: patch.unlimited ?? current.unlimited,
    pickup: patch.pickup ?? current.pickup,
  })
  await bumpRevision(uow.db, 'stock_locations')
  await uow.db
    .updateTable('ordo_stock_location')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.type !== undefined ? { type: patch.type } : {}),
      ...(patch.pickup !== undefined ? { pickup: flag(patch.pickup) } : {}),
      ...(patch.regions !== undefined ? { all_regions: flag(patch.regions.length === 0) } : {}),
      ...(patch.unlimited !== undefined ? { unlimited: flag(patch.unlimited) } : {}),
      ...(patch.leadTimeDays !== undefined ? { lead_time_days: patch.leadTimeDays } : {}),
      ...(patch.priority !== undefined ? { priority: patch.priority } : {}),
      ...(patch.active !== undefined ? { active: flag(patch.active) } : {}),
      updated_at: uow.now.getTime(),
    })
    .where('id', '=', current.id)
    .execute()
  if (patch.regions !== undefined) await writeRegions(uow, current.id, patch.regions)
  return reload(uow.db, current.id)
}

/** `shop.inventory.listLocations()`. */
export async function listLocations(
  db: Kysely<Database>,
  raw: { type?: LocationType; active?: boolean; pickup?: boolean; region?: string } | undefined,
): Promise<StockLocation[]> {
  const filter = parseInput('inventory.listLocations', listSchema, raw) ?? {}
  const locations = await loadLocations(db)
  return locations.filter(
    (l) =>
      (filter.type === undefined || l.type === filter.type) &&
      (filter.active === undefined || l.active === filter.active) &&
      (filter.pickup === undefined || l.pickup === filter.pickup) &&
      (filter.region === undefined || l.regions.length === 0 || l.regions.includes(filter.region)),
  )
}

/** `shop.inventory.getLocation()`: by id or code. */
export async function getLocation(db: Kysely<Database>, ref: string): Promise<StockLocation> {
  const location = await resolveLocation(db, parseInput('inventory.getLocation', z.string().min(1).max(100), ref))
  return reload(db, location.id)
}
