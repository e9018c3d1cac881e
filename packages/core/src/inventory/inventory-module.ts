import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import { defaultAllocationStrategy, type AllocationStrategy } from './allocation-strategy.js'
import type {} from './inventory-events.js'
import type {
  AdjustInput,
  CreateLocationInput,
  LocationType,
  MovementPage,
  MovementsQuery,
  ReceiveInput,
  Reservation,
  ReservationLine,
  ReservationOwner,
  ReservationsQuery,
  ReservedAllocation,
  ReserveInput,
  SetCountInput,
  StockAvailability,
  StockLevel,
  StockLocation,
  StockMovement,
  StockTransfer,
  TransferInput,
  UpdateLocationInput,
  VariantAvailability,
} from './inventory-types.js'
import { createLocation, getLocation, listLocations, updateLocation } from './location-commands.js'
import { convertStock, expireDue, findReservations, releaseStock, reservationsFor, reserveStock } from './reservation-commands.js'
import { adjustStock, field, setStockCount, transferStock, withKey } from './stock-commands.js'
import { availabilityOf, readCandidates, readMovements, readStockLevels } from './stock-queries.js'

export { inventoryMigrations, type InventoryTables } from './inventory-schema.js'
export type { ReservationLine, ReservedAllocation, StockAvailability } from './inventory-types.js'

/**
 * `shop.inventory`: stock locations, levels, movements and reservations.
 *
 * @example
 * ```ts
 * const msk = await shop.inventory.createLocation({ code: 'MSK', name: 'Moscow warehouse', type: 'warehouse', regions: ['RU-MOW'] })
 * await shop.inventory.receive({ variantId, locationCode: 'MSK', delta: 20, key: 'po-1001-line-1' })
 * const [{ available }] = await shop.inventory.availability([variantId], { region: 'RU-MOW' }) // 20
 * ```
 */
export interface InventoryApi {
  /** Creates a stock location; its `code` must be unique (`DUPLICATE` otherwise). */
  createLocation(input: CreateLocationInput): Promise<StockLocation>
  /** Changes a location's settings (found by id or code); `regions` replaces the list. */
  updateLocation(location: string, patch: UpdateLocationInput): Promise<StockLocation>
  /** A location by id or code; `NOT_FOUND` when there is none. */
  getLocation(location: string): Promise<StockLocation>
  /** Locations by priority, then code; `region` keeps those serving it (including those serving everywhere). */
  listLocations(filter?: { type?: LocationType; active?: boolean; pickup?: boolean; region?: string }): Promise<StockLocation[]>

  /**
   * Changes on-hand stock at a location and records the movement. Idempotent
   * by `key`: the same key again returns the first movement; the key with a
   * different request is `IDEMPOTENCY_MISMATCH`. Taking away more than is on
   * hand and not reserved is `OUT_OF_STOCK` (with `details.available`).
   */
  adjust(input: AdjustInput): Promise<StockMovement>
  /** Goods arrived: `adjust` with the reason `receipt`. */
  receive(input: ReceiveInput): Promise<StockMovement>
  /** Moves units between two locations (ids or codes): two movements, one key. */
  transfer(input: TransferInput): Promise<StockTransfer>
  /** Records a physical count: on hand becomes `onHand`, the difference is a `count_correction` movement. */
  setCount(input: SetCountInput): Promise<StockMovement>

  /** Per-location stock of each variant (every location that has a level). */
  levels(variantIds: readonly string[]): Promise<StockLevel[]>
  /**
   * What the storefront can promise, per variant (in the order given): units
   * on hand and not reserved at active locations serving `region` (all when
   * omitted), and whether an unlimited supplier serves it.
   */
  availability(variants: readonly string[] | readonly { variantId: string }[], options?: { region?: string | null }): Promise<VariantAvailability[]>
  /** Movements, newest first, a page at a time. */
  movements(query?: MovementsQuery): Promise<MovementPage>

  /**
   * Reserves every line for an owner, or nothing (`OUT_OF_STOCK` naming the
   * first line that cannot be served), adding to what the owner already
   * holds. Checkout does this inside its own transaction; this is the same for
   * back-office use.
   */
  reserve(input: ReserveInput): Promise<ReservedAllocation[]>
  /** Releases an owner's active reservations (of one variant, with `variantId`); returns the units released. */
  release(owner: ReservationOwner & { variantId?: string }): Promise<number>
  /** Turns an owner's active reservations into sales (on hand and reserved go down); returns the units sold. */
  convertToSale(owner: ReservationOwner): Promise<number>
  /** Reservations matching the filter, newest first. */
  reservations(query?: ReservationsQuery): Promise<Reservation[]>
  /** Expires active reservations whose `expiresAt` has passed by the engine's clock; returns how many. */
  expireReservations(): Promise<number>
}

/** What other core modules (checkout, orders, returns) call inside their unit of work. */
export interface InventoryInternal {
  /** Availability of each variant in one query; variants with no stock → `{ available: 0, unlimited: false }` (unless an unlimited supplier serves the region). */
  availability(db: Kysely<Database>, variantIds: readonly string[], options?: { region?: string | null }): Promise<Map<string, StockAvailability>>
  /**
   * Reserves every line (adding to what the owner already holds), or throws
   * `OUT_OF_STOCK` with `details: { variantId, requested, available }` (the
   * caller's transaction then rolls back).
   */
  reserve(
    uow: UnitOfWork,
    request: { ownerType: string; ownerId: string; lines: readonly ReservationLine[]; expiresAt: Date | null; region?: string | null },
  ): Promise<ReservedAllocation[]>
  /** Releases an owner's active reservations (of one variant, with `variantId`); returns the units released. */
  release(uow: UnitOfWork, owner: { ownerType: string; ownerId: string; variantId?: string }): Promise<number>
  /** Turns an owner's active reservations into sales: on hand and reserved go down, `sale` movements are recorded; returns the units sold. */
  convertToSale(uow: UnitOfWork, owner: { ownerType: string; ownerId: string }): Promise<number>
  /** Every reservation of an owner, oldest first. */
  reservationsFor(db: Kysely<Database>, owner: { ownerType: string; ownerId: string }): Promise<Reservation[]>
  /** Expires active reservations due by `uow.now`; returns how many reservations it expired. */
  expireDue(uow: UnitOfWork): Promise<number>
  /** `shop.inventory.adjust()` inside the caller's unit of work (returns restocked by shipments). Idempotent by `input.key`. */
  adjust(uow: UnitOfWork, input: AdjustInput): Promise<StockMovement>
  /** Stock locations by id: code, type and lead time (kept in the process between commands). */
  locations(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, LocationSummary>>
}

/** What shipment planning needs of a stock location. */
export interface LocationSummary {
  code: string
  type: string
  leadTimeDays: number
}

/** Options of the inventory module (wired from the engine's config). */
export interface InventoryModuleOptions {
  /** Decides which locations serve each reserved line. @default defaultAllocationStrategy */
  allocationStrategy?: AllocationStrategy
}

const availabilitySchema = z.union([z.array(field.variantId), z.array(z.looseObject({ variantId: field.variantId }))])
const availabilityOptions = z.strictObject({ region: z.string().min(1).max(100).nullable().optional() }).optional()
const levelsSchema = z.array(field.variantId)
const movementsSchema = z
  .strictObject({
    variantId: field.variantId.optional(),
    locationId: field.locationId.optional(),
    reference: z.string().min(1).max(191).optional(),
    limit: z.number().int().min(1).max(500).optional(),
    cursor: z.string().min(1).max(36).nullable().optional(),
  })
  .optional()

/** Creates the inventory module on the engine's runtime. */
export function createInventoryModule(runtime: Runtime, options: InventoryModuleOptions = {}): { api: InventoryApi; internal: InventoryInternal } {
  const strategy = options.allocationStrategy ?? defaultAllocationStrategy
  const inTransaction = <T>(fn: (uow: UnitOfWork) => Promise<T>) => runInTransaction(runtime, fn)

  const internal: InventoryInternal = {
    async availability(db, variantIds, options = {}) {
      const ids = parseInput('inventory.availability', levelsSchema, variantIds)
      if (ids.length === 0) return new Map()
      const region = parseInput('inventory.availability', availabilityOptions, options)?.region ?? null
      return availabilityOf(await readCandidates(db, ids, region), ids)
    },
    reserve: (uow, request) => reserveStock(runtime, strategy, uow, request),
    release: (uow, owner) => releaseStock(uow, owner),
    convertToSale: (uow, owner) => convertStock(uow, owner),
    reservationsFor: (db, owner) => reservationsFor(db, owner),
    expireDue: (uow) => expireDue(uow),
    adjust: (uow, input) => adjustStock(runtime, uow, input),
    async locations(db, ids) {
      const out = new Map<string, LocationSummary>()
      if (ids.length === 0) return out
      const cached = await runtime.revisions.area<LocationSummary>(db, 'stock_locations', 'summary')
      const missing = ids.filter((id) => {
        const hit = cached.get(id)
        if (hit) out.set(id, hit)
        return !hit
      })
      if (missing.length === 0) return out
      const rows = await db.selectFrom('ordo_stock_location').select(['id', 'code', 'type', 'lead_time_days']).where('id', 'in', [...new Set(missing)]).execute()
      for (const r of rows) {
        const summary: LocationSummary = { code: r.code, type: r.type, leadTimeDays: Number(r.lead_time_days) }
        cached.set(r.id, summary)
        out.set(r.id, summary)
      }
      return out
    },
  }

  const api: InventoryApi = {
    createLocation: (input) => inTransaction((uow) => createLocation(runtime, uow, input)),
    updateLocation: (location, patch) => inTransaction((uow) => updateLocation(uow, location, patch)),
    getLocation: (location) => getLocation(runtime.db, location),
    listLocations: (filter) => listLocations(runtime.db, filter),

    adjust: (input) => withKey(runtime, input?.key, (uow) => adjustStock(runtime, uow, input)),
    receive: (input) => withKey(runtime, input?.key, (uow) => adjustStock(runtime, uow, { ...input, reason: 'receipt' })),
    transfer: (input) => withKey(runtime, input?.key, (uow) => transferStock(runtime, uow, input)),
    setCount: (input) => withKey(runtime, input?.key, (uow) => setStockCount(runtime, uow, input)),

    async levels(variantIds) {
      return readStockLevels(runtime.db, parseInput('inventory.levels', levelsSchema, variantIds))
    },
    async availability(variants, options) {
      const parsed = parseInput('inventory.availability', availabilitySchema, variants)
      const ids = parsed.map((v) => (typeof v === 'string' ? v : v.variantId))
      const found = await internal.availability(runtime.db, ids, options)
      return ids.map((variantId) => ({ variantId, ...(found.get(variantId) ?? { available: 0, unlimited: false }) }))
    },
    async movements(query) {
      const filter = parseInput('inventory.movements', movementsSchema, query) ?? {}
      return readMovements(runtime.db, { ...filter, limit: filter.limit ?? 50 })
    },

    reserve: (input) => inTransaction((uow) => reserveStock(runtime, strategy, uow, input)),
    release: (owner) => inTransaction((uow) => releaseStock(uow, owner)),
    convertToSale: (owner) => inTransaction((uow) => convertStock(uow, owner)),
    reservations: (query) => findReservations(runtime.db, query),
    expireReservations: () => inTransaction((uow) => expireDue(uow)),
  }

  return { api, internal }
}
