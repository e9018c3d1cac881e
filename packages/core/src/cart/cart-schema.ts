import { COLUMN, type OrdoMigration } from '../storage/migration.js'

/** A shopping cart: who, where from, contact, address, coupons; items in `ordo_cart_item`. */
export interface CartTable {
  id: string
  status: 'active' | 'converted' | 'merged'
  customer_id: string | null
  /** JSON array of customer group codes (for group prices and promotions). */
  customer_groups: string
  region: string | null
  currency: string
  channel_source: string | null
  channel_medium: string | null
  channel_campaign: string | null
  landing_page: string | null
  referrer: string | null
  contact_name: string | null
  /** E.164. */
  contact_phone: string | null
  contact_email: string | null
  /** JSON of the shipping address, or null. */
  shipping_address: string | null
  notes: string | null
  /** JSON array of upper-case coupon codes. */
  coupon_codes: string
  version: number
  created_at: number
  /** Last activity: every command touches it (abandoned-cart queries read it). */
  updated_at: number
  /** The order this cart became, or the cart it was merged into. */
  converted_to: string | null
  /** The payment method code the customer chose; null: pay later (after confirmation). */
  payment_method: string | null
  /** JSON of the prices the customer was last shown (total and each line's unit price and total); checkout compares against it. */
  quote: string | null
  /** JSON of the chosen delivery (`DeliveryChoice`), or null; dropped when the lines change. */
  delivery: string | null
  /** Points the customer asked to redeem (added by the loyalty migration); the breakdown caps them. */
  points_redeemed?: number
  /** The storefront session the cart was created in (added by the tracking migration). */
  session_id?: string | null
}

/** One line of a cart: a variant and a quantity. */
export interface CartItemTable {
  id: string
  cart_id: string
  variant_id: string
  sku: string
  quantity: number
  added_at: number
}

/** Tables owned by the cart module. */
export interface CartTables {
  ordo_cart: CartTable
  ordo_cart_item: CartItemTable
}

export const cartMigrations: readonly OrdoMigration[] = [
  {
    name: '0005_cart',
    async up({ db, createTable }) {
      await createTable('ordo_cart')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('customer_id', 'varchar(64)')
        .addColumn('customer_groups', COLUMN.json, (c) => c.notNull())
        .addColumn('region', 'varchar(100)')
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('channel_source', 'varchar(255)')
        .addColumn('channel_medium', 'varchar(255)')
        .addColumn('channel_campaign', 'varchar(255)')
        .addColumn('landing_page', 'text')
        .addColumn('referrer', 'text')
        .addColumn('contact_name', 'varchar(255)')
        .addColumn('contact_phone', 'varchar(32)')
        .addColumn('contact_email', 'varchar(255)')
        .addColumn('shipping_address', COLUMN.json)
        .addColumn('notes', 'text')
        .addColumn('coupon_codes', COLUMN.json, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .addColumn('converted_to', COLUMN.id)
        .addColumn('payment_method', 'varchar(50)')
        .addColumn('quote', COLUMN.json)
        .execute()
      await db.schema.createIndex('ordo_cart_activity_idx').on('ordo_cart').columns(['status', 'updated_at', 'id']).execute()
      await db.schema.createIndex('ordo_cart_customer_idx').on('ordo_cart').columns(['customer_id', 'status']).execute()

      await createTable('ordo_cart_item')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('cart_id', COLUMN.id, (c) => c.notNull().references('ordo_cart.id').onDelete('cascade'))
        .addColumn('variant_id', COLUMN.id, (c) => c.notNull())
        .addColumn('sku', 'varchar(100)', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('added_at', COLUMN.time, (c) => c.notNull())
        .addUniqueConstraint('ordo_cart_item_variant_uq', ['cart_id', 'variant_id'])
        .execute()
    },
  },
  {
    name: '0010_cart_delivery',
    async up({ db }) {
      await db.schema.alterTable('ordo_cart').addColumn('delivery', COLUMN.json).execute()
    },
  },
]
