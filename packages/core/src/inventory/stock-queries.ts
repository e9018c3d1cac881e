import type { Kysely } from 'kysely'
import type { Database } from '../storage/database.js'
import type { LocationStock } from './allocation-strategy.js'
import { chunks, toLocationInfo, toMovement, type LocationInfo } from './inventory-store.js'
import type { MovementPage, MovementsQuery, StockAvailability, StockLevel } from './inventory-types.js'

/** Active locations serving a region, with their levels of some variants: what availability and allocation look at. */
export interface Candidates {
  /** Active locations serving the region, by id. */
  locations: Map<string, LocationInfo>
  /** Levels by variant, then location (only levels that exist). */
  levels: Map<string, Map<string, { onHand: number; reserved: number }>>
}

/**
 * Reads, in one query per 500 variants, every active location serving
 * `region` (all when null) joined with its levels of `variantIds`.
 */
export async function readCandidates(db: Kysely<Database>, variantIds: readonly string[], region: string | null): Promise<Candidates> {
  const result: Candidates = { locations: new Map(), levels: new Map() }
  for (const part of chunks([...new Set(variantIds)])) {
    let query = db
      .selectFrom('ordo_stock_location as l')
      .leftJoin('ordo_stock_level as lv', (join) => join.onRef('lv.location_id', '=', 'l.id').on('lv.variant_id', 'in', part))
      .select(['l.id', 'l.code', 'l.type', 'l.pickup', 'l.unlimited', 'l.lead_time_days', 'l.priority', 'l.active'])
      .select(['lv.variant_id', 'lv.on_hand', 'lv.reserved'])
      .where('l.active', '=', 1)
    if (region != null) {
      query = query.where((eb) =>
        eb.or([
          eb('l.all_regions', '=', 1),
          eb.exists(
            eb
              .selectFrom('ordo_stock_location_region as r')
              .select('r.location_id')
              .whereRef('r.location_id', '=', 'l.id')
              .where('r.region', '=', region),
          ),
        ]),
      )
    }
    for (const row of await query.execute()) {
      if (!result.locations.has(row.id)) result.locations.set(row.id, toLocationInfo(row))
      if (row.variant_id == null) continue
      let levels = result.levels.get(row.variant_id)
      if (!levels) result.levels.set(row.variant_id, (levels = new Map()))
      levels.set(row.id, { onHand: Number(row.on_hand), reserved: Number(row.reserved) })
    }
  }
  return result
}

/** What the allocation strategy sees for one variant: every candidate location, with its stock (zero where it has no level). */
export function locationStocks(candidates: Candidates, variantId: string): LocationStock[] {
  const levels = candidates.levels.get(variantId)
  return [...candidates.locations.values()].map((l) => {
    const level = levels?.get(l.id) ?? { onHand: 0, reserved: 0 }
    return {
      locationId: l.id,
      code: l.code,
      type: l.type,
      pickup: l.pickup,
      priority: l.priority,
      leadTimeDays: l.leadTimeDays,
      unlimited: l.unlimited,
      onHand: level.onHand,
      reserved: level.reserved,
      available: Math.max(0, level.onHand - level.reserved),
    }
  })
}

/** Availability of each variant over the candidates (limited locations count; an unlimited one makes it unlimited). */
export function availabilityOf(candidates: Candidates, variantIds: readonly string[]): Map<string, StockAvailability> {
  const anyUnlimited = [...candidates.locations.values()].some((l) => l.unlimited)
  const out = new Map<string, StockAvailability>()
  for (const variantId of variantIds) {
    let available = 0
    for (const [locationId, level] of candidates.levels.get(variantId) ?? []) {
      if (!candidates.locations.get(locationId)?.unlimited) available += Math.max(0, level.onHand - level.reserved)
    }
    out.set(variantId, { available, unlimited: anyUnlimited })
  }
  return out
}

/** Levels of the variants at every location (active or not) that has one, in the order of `variantIds`, then by location priority and code. */
export async function readStockLevels(db: Kysely<Database>, variantIds: readonly string[]): Promise<StockLevel[]> {
  const unique = [...new Set(variantIds)]
  const rank = new Map(unique.map((v, i) => [v, i]))
  const rows: { level: StockLevel; priority: number }[] = []
  for (const part of chunks(unique)) {
    const found = await db
      .selectFrom('ordo_stock_level as lv')
      .innerJoin('ordo_stock_location as l', 'l.id', 'lv.location_id')
      .select(['lv.variant_id', 'lv.location_id', 'lv.on_hand', 'lv.reserved', 'l.code', 'l.unlimited', 'l.priority'])
      .where('lv.variant_id', 'in', part)
      .execute()
    for (const r of found) {
      const onHand = Number(r.on_hand)
      const reserved = Number(r.reserved)
      rows.push({
        priority: Number(r.priority),
        level: {
          variantId: r.variant_id,
          locationId: r.location_id,
          locationCode: r.code,
          onHand,
          reserved,
          available: Math.max(0, onHand - reserved),
          unlimited: Number(r.unlimited) === 1,
        },
      })
    }
  }
  rows.sort(
    (a, b) =>
      rank.get(a.level.variantId)! - rank.get(b.level.variantId)! ||
      a.priority - b.priority ||
      (a.level.locationCode < b.level.locationCode ? -1 : a.level.locationCode > b.level.locationCode ? 1 : 0),
  )
  return rows.map((r) => r.level)
}

/** A page of movements, newest first. */
export async function readMovements(db: Kysely<Database>, filter: MovementsQuery & { limit: number }): Promise<MovementPage> {
  let query = db
    .selectFrom('ordo_stock_movement')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
  if (filter.variantId !== undefined) query = query.where('variant_id', '=', filter.variantId)
  if (filter.locationId !== undefined) query = query.where('location_id', '=', filter.locationId)
  if (filter.reference !== undefined) query = query.where('reference', '=', filter.reference)
  if (filter.cursor) query = query.where('id', '<', filter.cursor)
  const rows = await query.execute()
  const items = rows.slice(0, filter.limit).map(toMovement)
  return { items, nextCursor: rows.length > filter.limit ? items[items.length - 1]!.id : null }
}
