import type { Kysely, Selectable } from 'kysely'
import { OrdoError } from '../errors.js'
import type { Database } from '../storage/database.js'
import type { StockLocationTable, StockMovementTable, StockReservationTable } from './inventory-schema.js'
import type { LocationType, MovementReason, Reservation, ReservationStatus, StockLocation, StockMovement } from './inventory-types.js'

/** Rows per `where … in (…)` list and per multi-row insert: under every dialect's bound-parameter limit. */
export const CHUNK = 500

/** 0/1 column value of a boolean. */
export const flag = (value: boolean): number => (value ? 1 : 0)

/** Splits a list into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** A level's key in maps. */
export const levelKey = (variantId: string, locationId: string): string => `${variantId}\u0000${locationId}`

/** Orders by variant, then location: every transaction touches levels in this order, so two never wait on each other in a cycle. */
export function byLevel<T extends { variantId: string; locationId: string }>(a: T, b: T): number {
  return a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0
}

/** A location as the module works with it internally. */
export interface LocationInfo {
  id: string
  code: string
  type: LocationType
  pickup: boolean
  unlimited: boolean
  leadTimeDays: number
  priority: number
  active: boolean
}

/** The internal view of a location row. */
export function toLocationInfo(row: Pick<Selectable<StockLocationTable>, 'id' | 'code' | 'type' | 'pickup' | 'unlimited' | 'lead_time_days' | 'priority' | 'active'>): LocationInfo {
  return {
    id: row.id,
    code: row.code,
    type: row.type as LocationType,
    pickup: Number(row.pickup) === 1,
    unlimited: Number(row.unlimited) === 1,
    leadTimeDays: Number(row.lead_time_days),
    priority: Number(row.priority),
    active: Number(row.active) === 1,
  }
}

/** Loads locations (all, or those with the given ids) with their regions, by priority then code. */
export async function loadLocations(db: Kysely<Database>, filter: { ids?: readonly string[] } = {}): Promise<StockLocation[]> {
  let query = db.selectFrom('ordo_stock_location').selectAll().orderBy('priority').orderBy('code')
  if (filter.ids) {
    if (filter.ids.length === 0) return []
    query = query.where('id', 'in', filter.ids)
  }
  const rows = await query.execute()
  if (rows.length === 0) return []
  const regions = new Map<string, string[]>()
  for (const part of chunks(rows.map((r) => r.id))) {
    const regionRows = await db
      .selectFrom('ordo_stock_location_region')
      .select(['location_id', 'region'])
      .where('location_id', 'in', part)
      .orderBy('region')
      .execute()
    for (const r of regionRows) regions.set(r.location_id, [...(regions.get(r.location_id) ?? []), r.region])
  }
  return rows.map((row) => ({
    id: row.id,
    code: row.code,
    name: row.name,
    type: row.type as LocationType,
    pickup: Number(row.pickup) === 1,
    regions: regions.get(row.id) ?? [],
    unlimited: Number(row.unlimited) === 1,
    leadTimeDays: Number(row.lead_time_days),
    priority: Number(row.priority),
    active: Number(row.active) === 1,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  }))
}

/**
 * Finds a location by id or code (`ref`), or by exactly one of `id`/`code`.
 * Throws `NOT_FOUND` naming what was looked for.
 */
export async function resolveLocation(db: Kysely<Database>, ref: string | { id?: string | undefined; code?: string | undefined }): Promise<LocationInfo> {
  const query = db.selectFrom('ordo_stock_location').select(['id', 'code', 'type', 'pickup', 'unlimited', 'lead_time_days', 'priority', 'active'])
  let rows
  if (typeof ref === 'string') {
    rows = await query.where((eb) => eb.or([eb('id', '=', ref), eb('code', '=', ref)])).execute()
    // An id wins over a code that happens to look like another location's id.
    rows.sort((a, b) => Number(b.id === ref) - Number(a.id === ref))
  } else if (ref.id !== undefined) {
    rows = await query.where('id', '=', ref.id).execute()
  } else {
    rows = await query.where('code', '=', ref.code ?? '').execute()
  }
  const row = rows[0]
  if (!row) {
    const what = typeof ref === 'string' ? `id or code "${ref}"` : ref.id !== undefined ? `id "${ref.id}"` : `code "${ref.code}"`
    throw new OrdoError('NOT_FOUND', `No stock location with ${what}; create it with shop.inventory.createLocation().`, {
      details: { location: typeof ref === 'string' ? ref : (ref.id ?? ref.code) },
    })
  }
  return toLocationInfo(row)
}

/** The public view of a movement row. */
export function toMovement(row: Selectable<StockMovementTable>): StockMovement {
  return {
    id: row.id,
    variantId: row.variant_id,
    locationId: row.location_id,
    delta: Number(row.delta),
    reason: row.reason as MovementReason,
    key: row.key,
    reference: row.reference,
    counterpartId: row.counterpart_id,
    note: row.note,
    onHandAfter: Number(row.on_hand_after),
    at: new Date(Number(row.at)),
  }
}

/** The public view of a reservation row. */
export function toReservation(row: Selectable<StockReservationTable>): Reservation {
  return {
    id: row.id,
    ownerType: row.owner_type,
    ownerId: row.owner_id,
    variantId: row.variant_id,
    locationId: row.location_id,
    quantity: Number(row.quantity),
    status: row.status as ReservationStatus,
    unlimited: Number(row.unlimited) === 1,
    expiresAt: row.expires_at == null ? null : new Date(Number(row.expires_at)),
    createdAt: new Date(Number(row.created_at)),
    closedAt: row.closed_at == null ? null : new Date(Number(row.closed_at)),
  }
}

/** On hand and reserved of some levels, by {@link levelKey}; missing levels are absent. */
export async function readLevels(
  db: Kysely<Database>,
  pairs: readonly { variantId: string; locationId: string }[],
  options: { lock?: boolean } = {},
): Promise<Map<string, { onHand: number; reserved: number }>> {
  const out = new Map<string, { onHand: number; reserved: number }>()
  const byVariant = new Map<string, Set<string>>()
  for (const p of pairs) byVariant.set(p.variantId, (byVariant.get(p.variantId) ?? new Set()).add(p.locationId))
  // One query for the usual case (one variant, or a few variants at a few locations).
  const variantIds = [...byVariant.keys()]
  const locationIds = [...new Set(pairs.map((p) => p.locationId))]
  if (variantIds.length === 0) return out
  for (const variants of chunks(variantIds, 250)) {
    for (const locations of chunks(locationIds, 250)) {
      let query = db
        .selectFrom('ordo_stock_level')
        .select(['variant_id', 'location_id', 'on_hand', 'reserved'])
        .where('variant_id', 'in', variants)
        .where('location_id', 'in', locations)
      if (options.lock) query = query.forUpdate()
      for (const row of await query.execute()) {
        if (!byVariant.get(row.variant_id)?.has(row.location_id)) continue
        out.set(levelKey(row.variant_id, row.location_id), { onHand: Number(row.on_hand), reserved: Number(row.reserved) })
      }
    }
  }
  return out
}

/**
 * Locks existing levels (`SELECT … FOR UPDATE` by exact key, in level order)
 * and returns their current on hand and reserved, by {@link levelKey}.
 *
 * Reservations take their levels' row locks here, all at once and in one
 * order, before any update: a transaction that took some rows and then had to
 * re-plan could otherwise wait for a row another transaction holds while that
 * one waits for its rows (a deadlock). Locking by exact key takes record locks
 * only (no MySQL gap locks), and a locking read sees the latest committed row
 * even under MySQL's REPEATABLE READ. Correctness never rests on the lock:
 * every change is still a conditional update.
 */
export async function lockLevels(
  db: Kysely<Database>,
  pairs: readonly { variantId: string; locationId: string }[],
): Promise<Map<string, { onHand: number; reserved: number }>> {
  const out = new Map<string, { onHand: number; reserved: number }>()
  const sorted = [...pairs].sort(byLevel)
  for (const part of chunks(sorted, 200)) {
    const rows = await db
      .selectFrom('ordo_stock_level')
      .select(['variant_id', 'location_id', 'on_hand', 'reserved'])
      .where((eb) => eb.or(part.map((p) => eb.and([eb('variant_id', '=', p.variantId), eb('location_id', '=', p.locationId)]))))
      .orderBy('variant_id')
      .orderBy('location_id')
      .forUpdate()
      .execute()
    for (const row of rows) out.set(levelKey(row.variant_id, row.location_id), { onHand: Number(row.on_hand), reserved: Number(row.reserved) })
  }
  return out
}
