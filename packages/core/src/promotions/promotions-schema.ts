import { COLUMN, type OrdoMigration } from '../storage/migration.js'

/** A promotion: conditions and benefits (JSON, validated against the registry when saved), limits and validity. */
export interface PromotionTable {
  id: string
  name: string
  description: string | null
  kind: 'catalog' | 'cart'
  priority: number
  /** 0/1: stops later promotions of its kind when it applies. */
  exclusive: number
  /** 0/1: lines it discounted take no further discount. */
  stops_further: number
  /** 0/1: applies only with one of its coupons. */
  requires_coupon: number
  /** JSON array of conditions. */
  conditions: string
  /** JSON array of benefits. */
  benefits: string
  valid_from: number | null
  valid_to: number | null
  /** 0/1. */
  active: number
  usage_limit: number | null
  usage_per_customer: number | null
  /** Uses by placed orders that were not cancelled. */
  uses_count: number
  archived_at: number | null
  created_at: number
  updated_at: number
}

/** A coupon code that unlocks a promotion: one of a kind or one of a generated batch. */
export interface CouponTable {
  id: string
  /** Upper-case; unique. */
  code: string
  promotion_id: string
  /** The generated batch it belongs to, or null for a code created on its own. */
  batch_id: string | null
  usage_limit: number | null
  uses_count: number
  per_customer_limit: number | null
  valid_from: number | null
  valid_to: number | null
  /** 0/1. */
  active: number
  created_at: number
}

/** One use of a promotion (and the coupon that unlocked it) by a placed order; released when the order is cancelled. */
export interface PromotionUsageTable {
  id: string
  promotion_id: string
  coupon_id: string | null
  /** Who used it, for per-customer limits (customer id, or a key the caller derives for guests). */
  customer_key: string | null
  order_id: string
  status: 'active' | 'released'
  created_at: number
  released_at: number | null
}

/** Tables owned by the promotions module. */
export interface PromotionsTables {
  ordo_promotion: PromotionTable
  ordo_coupon: CouponTable
  ordo_promotion_usage: PromotionUsageTable
}

/** The promotions module's schema changes, in order. */
export const promotionsMigrations: readonly OrdoMigration[] = [
  {
    name: '0004_promotions',
    async up({ db, createTable }) {
      await createTable('ordo_promotion')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('name', COLUMN.name, (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('exclusive', 'integer', (c) => c.notNull())
        .addColumn('stops_further', 'integer', (c) => c.notNull())
        .addColumn('requires_coupon', 'integer', (c) => c.notNull())
        .addColumn('conditions', COLUMN.json, (c) => c.notNull())
        .addColumn('benefits', COLUMN.json, (c) => c.notNull())
        .addColumn('valid_from', COLUMN.time)
        .addColumn('valid_to', COLUMN.time)
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('usage_limit', 'integer')
        .addColumn('usage_per_customer', 'integer')
        .addColumn('uses_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('archived_at', COLUMN.time)
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_promotion_live_idx').on('ordo_promotion').columns(['active', 'requires_coupon', 'kind']).execute()

      await createTable('ordo_coupon')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('code', 'varchar(64)', (c) => c.notNull())
        .addColumn('promotion_id', COLUMN.id, (c) => c.notNull().references('ordo_promotion.id'))
        .addColumn('batch_id', COLUMN.id)
        .addColumn('usage_limit', 'integer')
        .addColumn('uses_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('per_customer_limit', 'integer')
        .addColumn('valid_from', COLUMN.time)
        .addColumn('valid_to', COLUMN.time)
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addUniqueConstraint('ordo_coupon_code_uq', ['code'])
        .execute()
      await db.schema.createIndex('ordo_coupon_promotion_idx').on('ordo_coupon').columns(['promotion_id']).execute()
      await db.schema.createIndex('ordo_coupon_batch_idx').on('ordo_coupon').columns(['batch_id']).execute()

      await createTable('ordo_promotion_usage')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('promotion_id', COLUMN.id, (c) => c.notNull().references('ordo_promotion.id'))
        .addColumn('coupon_id', COLUMN.id, (c) => c.references('ordo_coupon.id'))
        .addColumn('customer_key', 'varchar(191)')
        .addColumn('order_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('released_at', COLUMN.time)
        .execute()
      await db.schema.createIndex('ordo_promotion_usage_order_idx').on('ordo_promotion_usage').columns(['order_id', 'status']).execute()
      await db.schema
        .createIndex('ordo_promotion_usage_customer_idx')
        .on('ordo_promotion_usage')
        .columns(['promotion_id', 'customer_key', 'status'])
        .execute()
      await db.schema.createIndex('ordo_promotion_usage_coupon_idx').on('ordo_promotion_usage').columns(['coupon_id', 'customer_key', 'status']).execute()
    },
  },
]
