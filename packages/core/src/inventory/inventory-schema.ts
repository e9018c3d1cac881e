import { sql } from 'kysely'
import type { OrdoMigration } from '../storage/migration.js'
import { COLUMN } from '../storage/migration.js'

/** A place stock sits: a warehouse, a showroom or a supplier. Booleans are 0/1. */
export interface StockLocationTable {
  id: string
  code: string
  name: string
  type: string
  pickup: number
  /** 1 when the location serves every region (it has no rows in `ordo_stock_location_region`). */
  all_regions: number
  unlimited: number
  lead_time_days: number
  priority: number
  active: number
  created_at: number
  updated_at: number
}

/** The regions a location serves, one row each (none: it serves everywhere). */
export interface StockLocationRegionTable {
  location_id: string
  region: string
}

/**
 * Stock of one variant at one location. `on_hand - reserved` is what can still
 * be promised; every change is a conditional UPDATE, never read-then-write.
 */
export interface StockLevelTable {
  variant_id: string
  location_id: string
  on_hand: number
  reserved: number
  updated_at: number
}

/** Every change of on-hand stock, with its reason; Σ delta per level = its `on_hand`. */
export interface StockMovementTable {
  id: string
  variant_id: string
  location_id: string
  delta: number
  reason: string
  /** The caller's idempotency key for the command that made this movement (unique; null for sales and transfer arrivals). */
  key: string | null
  /** What caused it: an order, a purchase order, a return… */
  reference: string | null
  /** The other leg of a transfer, or of a drop-ship receipt/sale pair. */
  counterpart_id: string | null
  note: string | null
  /** The level's on-hand quantity right after this movement. */
  on_hand_after: number
  at: number
}

/** Units of a variant held at a location for an owner (a cart, an order…) until released, converted or expired. */
export interface StockReservationTable {
  id: string
  owner_type: string
  owner_id: string
  variant_id: string
  location_id: string
  quantity: number
  status: string
  /** 1 when the units were promised by an unlimited supplier rather than taken from on-hand stock. */
  unlimited: number
  expires_at: number | null
  created_at: number
  closed_at: number | null
  /** Id of the operation that closed it: lets a release find exactly the rows it closed without RETURNING. */
  closed_by: string | null
}

/** Tables owned by the inventory module. */
export interface InventoryTables {
  ordo_stock_location: StockLocationTable
  ordo_stock_location_region: StockLocationRegionTable
  ordo_stock_level: StockLevelTable
  ordo_stock_movement: StockMovementTable
  ordo_stock_reservation: StockReservationTable
}

/** The inventory module's schema changes, in order. */
export const inventoryMigrations: readonly OrdoMigration[] = [
  {
    name: '0003_inventory',
    async up({ db, createTable }) {
      await createTable('ordo_stock_location')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('code', 'varchar(100)', (c) => c.notNull().unique())
        .addColumn('name', COLUMN.name, (c) => c.notNull())
        .addColumn('type', 'varchar(16)', (c) => c.notNull())
        .addColumn('pickup', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('all_regions', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('unlimited', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lead_time_days', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()

      await createTable('ordo_stock_location_region')
        .addColumn('location_id', COLUMN.id, (c) => c.notNull().references('ordo_stock_location.id').onDelete('cascade'))
        .addColumn('region', 'varchar(100)', (c) => c.notNull())
        .addPrimaryKeyConstraint('ordo_stock_location_region_pk', ['location_id', 'region'])
        .execute()
      await db.schema.createIndex('ordo_stock_location_region_region_idx').on('ordo_stock_location_region').columns(['region']).execute()

      await createTable('ordo_stock_level')
        .addColumn('variant_id', COLUMN.id, (c) => c.notNull())
        .addColumn('location_id', COLUMN.id, (c) => c.notNull().references('ordo_stock_location.id'))
        .addColumn('on_hand', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reserved', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('ordo_stock_level_pk', ['variant_id', 'location_id'])
        // The last line of defence: whatever a bug or a plugin does, stock never goes negative.
        .addCheckConstraint('ordo_stock_level_nonnegative_ck', sql`on_hand >= 0 and reserved >= 0`)
        .execute()
      await db.schema.createIndex('ordo_stock_level_location_idx').on('ordo_stock_level').columns(['location_id', 'variant_id']).execute()

      await createTable('ordo_stock_movement')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('variant_id', COLUMN.id, (c) => c.notNull())
        .addColumn('location_id', COLUMN.id, (c) => c.notNull().references('ordo_stock_location.id'))
        .addColumn('delta', 'integer', (c) => c.notNull())
        .addColumn('reason', 'varchar(32)', (c) => c.notNull())
        .addColumn('key', 'varchar(191)', (c) => c.unique())
        .addColumn('reference', 'varchar(191)')
        .addColumn('counterpart_id', COLUMN.id)
        .addColumn('note', 'text')
        .addColumn('on_hand_after', 'integer', (c) => c.notNull())
        .addColumn('at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_stock_movement_variant_idx').on('ordo_stock_movement').columns(['variant_id', 'id']).execute()
      await db.schema.createIndex('ordo_stock_movement_location_idx').on('ordo_stock_movement').columns(['location_id', 'id']).execute()
      await db.schema.createIndex('ordo_stock_movement_reference_idx').on('ordo_stock_movement').columns(['reference']).execute()

      await createTable('ordo_stock_reservation')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('owner_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('owner_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('variant_id', COLUMN.id, (c) => c.notNull())
        .addColumn('location_id', COLUMN.id, (c) => c.notNull().references('ordo_stock_location.id'))
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('unlimited', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expires_at', COLUMN.time)
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('closed_at', COLUMN.time)
        .addColumn('closed_by', COLUMN.id)
        .execute()
      await db.schema
        .createIndex('ordo_stock_reservation_owner_idx')
        .on('ordo_stock_reservation')
        .columns(['owner_type', 'owner_id', 'status'])
        .execute()
      await db.schema.createIndex('ordo_stock_reservation_due_idx').on('ordo_stock_reservation').columns(['status', 'expires_at']).execute()
      await db.schema.createIndex('ordo_stock_reservation_variant_idx').on('ordo_stock_reservation').columns(['variant_id', 'status']).execute()
      await db.schema.createIndex('ordo_stock_reservation_closed_by_idx').on('ordo_stock_reservation').columns(['closed_by']).execute()
    },
  },
]
