import type { ExperimentExposureTable, ExperimentTable } from '../experiments/experiments-schema.js'
import { COLUMN, type OrdoMigration } from '../storage/migration.js'

/**
 * One visit (a page view) a storefront reported with `shop.tracking.visit()`.
 * Written in batches: many rows per insert.
 */
export interface VisitTable {
  id: string
  session_id: string
  /** The long-lived visitor (cookie) id, when the storefront has one: links a visitor's sessions. */
  visitor_id: string | null
  /** UTM source; null for a direct visit. */
  source: string | null
  medium: string | null
  campaign: string | null
  landing: string | null
  referrer: string | null
  at: number
}

/** A visit that left contacts. */
export interface LeadTable {
  id: string
  session_id: string
  name: string | null
  /** E.164. */
  phone: string | null
  /** Lower-case. */
  email: string | null
  /** The channel attribution credited the session with when the lead came. */
  source: string | null
  medium: string | null
  campaign: string | null
  landing: string | null
  at: number
}

/** A cart as the funnel counts it: when it was created, from which session and channel (written from `cart.created`). */
export interface TrackedCartTable {
  cart_id: string
  session_id: string | null
  source: string | null
  medium: string | null
  campaign: string | null
  landing: string | null
  created_at: number
}

/**
 * An order as the funnel counts it: its channel and session (from its cart),
 * when it was placed, paid, delivered or cancelled and why. Written by the
 * tracking module's event handler from `order.placed`, `order.paid`,
 * `order.status_changed` and `order.cancelled`.
 */
export interface TrackedOrderTable {
  order_id: string
  cart_id: string | null
  session_id: string | null
  source: string | null
  medium: string | null
  campaign: string | null
  landing: string | null
  placed_at: number
  paid_at: number | null
  /** When it was first delivered or completed. */
  delivered_at: number | null
  cancelled_at: number | null
  cancel_reason: string | null
}

/** Tables owned by the tracking and experiments modules. */
export interface TrackingTables {
  ordo_visit: VisitTable
  ordo_lead: LeadTable
  ordo_tracked_cart: TrackedCartTable
  ordo_tracked_order: TrackedOrderTable
  ordo_experiment: ExperimentTable
  ordo_experiment_exposure: ExperimentExposureTable
}

/** Longest landing page or referrer kept, in characters. */
export const MAX_URL = 2000

/** The schema of visits, leads, the funnel's carts and orders, experiments and exposures (also adds `session_id` to `ordo_cart`). */
export const trackingMigrations: readonly OrdoMigration[] = [
  {
    name: '0018_tracking_experiments',
    async up({ db, createTable }) {
      await createTable('ordo_visit')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('visitor_id', 'varchar(64)')
        .addColumn('source', 'varchar(255)')
        .addColumn('medium', 'varchar(255)')
        .addColumn('campaign', 'varchar(255)')
        .addColumn('landing', `varchar(${MAX_URL})`)
        .addColumn('referrer', `varchar(${MAX_URL})`)
        .addColumn('at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_visit_at_idx').on('ordo_visit').columns(['at']).execute()
      await db.schema.createIndex('ordo_visit_session_idx').on('ordo_visit').columns(['session_id', 'at']).execute()
      await db.schema.createIndex('ordo_visit_visitor_idx').on('ordo_visit').columns(['visitor_id', 'session_id']).execute()

      await createTable('ordo_lead')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('name', 'varchar(255)')
        .addColumn('phone', 'varchar(32)')
        .addColumn('email', 'varchar(255)')
        .addColumn('source', 'varchar(255)')
        .addColumn('medium', 'varchar(255)')
        .addColumn('campaign', 'varchar(255)')
        .addColumn('landing', `varchar(${MAX_URL})`)
        .addColumn('at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_lead_at_idx').on('ordo_lead').columns(['at']).execute()
      await db.schema.createIndex('ordo_lead_session_idx').on('ordo_lead').columns(['session_id']).execute()

      await createTable('ordo_tracked_cart')
        .addColumn('cart_id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('session_id', 'varchar(64)')
        .addColumn('source', 'varchar(255)')
        .addColumn('medium', 'varchar(255)')
        .addColumn('campaign', 'varchar(255)')
        .addColumn('landing', `varchar(${MAX_URL})`)
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_tracked_cart_created_idx').on('ordo_tracked_cart').columns(['created_at']).execute()

      await createTable('ordo_tracked_order')
        .addColumn('order_id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('cart_id', COLUMN.id)
        .addColumn('session_id', 'varchar(64)')
        .addColumn('source', 'varchar(255)')
        .addColumn('medium', 'varchar(255)')
        .addColumn('campaign', 'varchar(255)')
        .addColumn('landing', `varchar(${MAX_URL})`)
        .addColumn('placed_at', COLUMN.time, (c) => c.notNull())
        .addColumn('paid_at', COLUMN.time)
        .addColumn('delivered_at', COLUMN.time)
        .addColumn('cancelled_at', COLUMN.time)
        .addColumn('cancel_reason', 'varchar(191)')
        .execute()
      await db.schema.createIndex('ordo_tracked_order_placed_idx').on('ordo_tracked_order').columns(['placed_at']).execute()
      await db.schema.createIndex('ordo_tracked_order_session_idx').on('ordo_tracked_order').columns(['session_id', 'placed_at']).execute()

      await createTable('ordo_experiment')
        .addColumn('key', 'varchar(100)', (c) => c.primaryKey())
        .addColumn('variants', COLUMN.json, (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .execute()

      await createTable('ordo_experiment_exposure')
        .addColumn('experiment_key', 'varchar(100)', (c) => c.notNull())
        .addColumn('visitor_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('variant', 'varchar(100)', (c) => c.notNull())
        .addColumn('at', COLUMN.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('ordo_experiment_exposure_pk', ['experiment_key', 'visitor_id'])
        .execute()

      await db.schema.alterTable('ordo_cart').addColumn('session_id', 'varchar(64)').execute()
    },
  },
]
