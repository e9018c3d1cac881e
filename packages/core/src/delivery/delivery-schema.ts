import { lineShare } from '../money/allocate.js'
import { COLUMN, type OrdoMigration } from '../storage/migration.js'

/** A shipment of an order (outbound) or the goods coming back (return). */
export interface ShipmentTable {
  id: string
  order_id: string
  order_number: string
  /** `100245-1`: the reference registered at the carrier; unique. */
  number: string
  direction: 'outbound' | 'return'
  status: string
  raw_status: string | null
  method_type: string
  carrier: string
  tariff_code: string
  location_id: string | null
  supplier_order_id: string | null
  /** JSON of the pickup point, or null. */
  pickup_point: string | null
  /** JSON of the address, or null. */
  address: string | null
  /** JSON of the time slot, or null. */
  slot: string | null
  tracking_number: string | null
  carrier_shipment_id: string | null
  storage_until: number | null
  cod_amount: number
  declared_value: number
  weight_grams: number | null
  boxes: number | null
  /** JSON `{ tryOn, partialBuyout, callBefore }`. */
  services: string
  related_shipment_id: string | null
  /** The last carrier report applied (poll and webhook order by it). */
  last_report_at: number | null
  /** When the tracking job should ask the carrier next; null: not polled. */
  next_poll_at: number | null
  /** The outcome's idempotency key, once recorded. */
  outcome_key: string | null
  version: number
  created_at: number
  updated_at: number
}

/** One order line (or part of it) in a shipment. */
export interface ShipmentLineTable {
  id: string
  shipment_id: string
  order_line_id: string
  variant_id: string
  sku: string
  name: string
  quantity: number
  /**
   * What these units are worth, minor units: the order line's total allocated
   * over all its parts at planning, so the parts add up to the line total.
   */
  value: number
  kept_quantity: number | null
  refused_quantity: number | null
}

/** One status report of a shipment; `(shipment_id, dedupe_key)` is unique so a repeated report is stored once. */
export interface ShipmentEventTable {
  id: string
  shipment_id: string
  status: string
  raw_status: string | null
  source: string
  description: string | null
  occurred_at: number
  dedupe_key: string
  created_at: number
}

/** A drop-ship order placed with a supplier. */
export interface SupplierOrderTable {
  id: string
  order_id: string
  order_number: string
  location_id: string
  status: string
  /** JSON array of lines with quantity and unit cost. */
  lines: string
  cost_total: number
  expected_at: number
  created_at: number
  updated_at: number
}

/** Orders booked into an own-courier time slot. */
export interface DeliverySlotTable {
  /** The slot id (`2026-12-01@10:00-14:00`). */
  slot_id: string
  booked: number
}

/** A courier's pickup point as last fetched (shared by every process; refreshed by a job). */
export interface PickupPointTable {
  carrier: string
  point_id: string
  city_key: string
  postal_code: string | null
  type: string
  lat: number | null
  lon: number | null
  /** JSON of the whole point. */
  data: string
  refreshed_at: number
}

/** Tables owned by the delivery module. */
export interface DeliveryTables {
  ordo_shipment: ShipmentTable
  ordo_shipment_line: ShipmentLineTable
  ordo_shipment_event: ShipmentEventTable
  ordo_supplier_order: SupplierOrderTable
  ordo_delivery_slot: DeliverySlotTable
  ordo_pickup_point: PickupPointTable
}

/** The delivery module's migrations. */
export const deliveryMigrations: readonly OrdoMigration[] = [
  {
    name: '0011_delivery',
    async up({ db, createTable }) {
      await createTable('ordo_shipment')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('order_id', COLUMN.id, (c) => c.notNull())
        .addColumn('order_number', 'varchar(64)', (c) => c.notNull())
        .addColumn('number', 'varchar(80)', (c) => c.notNull().unique())
        .addColumn('direction', 'varchar(16)', (c) => c.notNull())
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('raw_status', 'varchar(100)')
        .addColumn('method_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('carrier', 'varchar(64)', (c) => c.notNull())
        .addColumn('tariff_code', 'varchar(100)', (c) => c.notNull())
        .addColumn('location_id', COLUMN.id)
        .addColumn('supplier_order_id', COLUMN.id)
        .addColumn('pickup_point', COLUMN.json)
        .addColumn('address', COLUMN.json)
        .addColumn('slot', COLUMN.json)
        .addColumn('tracking_number', 'varchar(100)')
        .addColumn('carrier_shipment_id', 'varchar(191)')
        .addColumn('storage_until', COLUMN.time)
        .addColumn('cod_amount', COLUMN.money, (c) => c.notNull())
        .addColumn('declared_value', COLUMN.money, (c) => c.notNull())
        .addColumn('weight_grams', 'integer')
        .addColumn('boxes', 'integer')
        .addColumn('services', COLUMN.json, (c) => c.notNull())
        .addColumn('related_shipment_id', COLUMN.id)
        .addColumn('last_report_at', COLUMN.time)
        .addColumn('next_poll_at', COLUMN.time)
        .addColumn('outcome_key', 'varchar(191)')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_shipment_order_idx').on('ordo_shipment').columns(['order_id']).execute()
      await db.schema.createIndex('ordo_shipment_tracking_idx').on('ordo_shipment').columns(['carrier', 'tracking_number']).execute()
      await db.schema.createIndex('ordo_shipment_carrier_id_idx').on('ordo_shipment').columns(['carrier', 'carrier_shipment_id']).execute()
      await db.schema.createIndex('ordo_shipment_poll_idx').on('ordo_shipment').columns(['next_poll_at']).execute()

      await createTable('ordo_shipment_line')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('shipment_id', COLUMN.id, (c) => c.notNull())
        .addColumn('order_line_id', COLUMN.id, (c) => c.notNull())
        .addColumn('variant_id', COLUMN.id, (c) => c.notNull())
        .addColumn('sku', 'varchar(100)', (c) => c.notNull())
        .addColumn('name', 'varchar(500)', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('kept_quantity', 'integer')
        .addColumn('refused_quantity', 'integer')
        .execute()
      await db.schema.createIndex('ordo_shipment_line_shipment_idx').on('ordo_shipment_line').columns(['shipment_id']).execute()

      await createTable('ordo_shipment_event')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('shipment_id', COLUMN.id, (c) => c.notNull())
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('raw_status', 'varchar(100)')
        .addColumn('source', 'varchar(191)', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('occurred_at', COLUMN.time, (c) => c.notNull())
        .addColumn('dedupe_key', 'varchar(191)', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addUniqueConstraint('ordo_shipment_event_dedupe_uq', ['shipment_id', 'dedupe_key'])
        .execute()

      await createTable('ordo_supplier_order')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('order_id', COLUMN.id, (c) => c.notNull())
        .addColumn('order_number', 'varchar(64)', (c) => c.notNull())
        .addColumn('location_id', COLUMN.id, (c) => c.notNull())
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('lines', COLUMN.json, (c) => c.notNull())
        .addColumn('cost_total', COLUMN.money, (c) => c.notNull())
        .addColumn('expected_at', COLUMN.time, (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_supplier_order_order_idx').on('ordo_supplier_order').columns(['order_id']).execute()
      await db.schema.createIndex('ordo_supplier_order_location_idx').on('ordo_supplier_order').columns(['location_id', 'status']).execute()

      await createTable('ordo_delivery_slot')
        .addColumn('slot_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('booked', 'integer', (c) => c.notNull())
        .execute()

      await createTable('ordo_pickup_point')
        .addColumn('carrier', 'varchar(64)', (c) => c.notNull())
        .addColumn('point_id', 'varchar(100)', (c) => c.notNull())
        .addColumn('city_key', 'varchar(191)', (c) => c.notNull())
        .addColumn('postal_code', 'varchar(20)')
        .addColumn('type', 'varchar(32)', (c) => c.notNull())
        .addColumn('lat', 'double precision')
        .addColumn('lon', 'double precision')
        .addColumn('data', COLUMN.json, (c) => c.notNull())
        .addColumn('refreshed_at', COLUMN.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('ordo_pickup_point_pk', ['carrier', 'point_id'])
        .execute()
      await db.schema.createIndex('ordo_pickup_point_city_idx').on('ordo_pickup_point').columns(['city_key', 'carrier']).execute()
    },
  },
  {
    name: '0020_shipment_line_value',
    async up({ db }) {
      await db.schema.alterTable('ordo_shipment_line').addColumn('value', COLUMN.money, (c) => c.notNull().defaultTo(0)).execute()
      // Lines planned before keep the value they were registered and collected with: their share of the order line.
      let after = ''
      for (;;) {
        const rows: { id: string; quantity: number; line_quantity: number | null; line_total: number | null }[] = await db
          .selectFrom('ordo_shipment_line as sl')
          .leftJoin('ordo_order_line as ol', 'ol.id', 'sl.order_line_id')
          .select(['sl.id as id', 'sl.quantity as quantity', 'ol.quantity as line_quantity', 'ol.total as line_total'])
          .where('sl.id', '>', after)
          .orderBy('sl.id')
          .limit(1000)
          .execute()
        if (rows.length === 0) break
        const byValue = new Map<number, string[]>()
        for (const r of rows) {
          const value = r.line_total === null || r.line_quantity === null ? 0 : lineShare(Number(r.line_total), Number(r.line_quantity), Number(r.quantity))
          if (value !== 0) byValue.set(value, [...(byValue.get(value) ?? []), r.id])
        }
        for (const [value, ids] of byValue) await db.updateTable('ordo_shipment_line').set({ value }).where('id', 'in', ids).execute()
        after = rows[rows.length - 1]!.id
      }
    },
  },
]
