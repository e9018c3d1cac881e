import { COLUMN, type OrdoMigration } from '../storage/migration.js'

/** An order: who, where from, what it costs, where it is in its machine. Lines in `ordo_order_line`. */
export interface OrderTable {
  id: string
  /** Human number, unique. */
  number: string
  status: string
  version: number
  cart_id: string | null
  customer_id: string | null
  contact_name: string | null
  /** E.164. */
  contact_phone: string | null
  /** Lower-case. */
  contact_email: string | null
  /** JSON of the address, or null. */
  shipping_address: string | null
  notes: string | null
  currency: string
  region: string | null
  channel_source: string | null
  channel_medium: string | null
  channel_campaign: string | null
  landing_page: string | null
  referrer: string | null
  /** JSON of the pricing context (`at` as ISO text). */
  pricing_context: string
  subtotal: number
  discount_total: number
  delivery_total: number
  vat_total: number
  total: number
  /** JSON of the PriceBreakdown, line ids = order line ids. */
  breakdown: string
  /** JSON of the delivery choice, or null. */
  delivery: string | null
  payment_method: string
  manager_id: string | null
  cancel_reason: string | null
  idempotency_key: string | null
  placed_at: number
  updated_at: number
  reservation_expires_at: number | null
  /** Goods value the customer refused at delivery (partial buyout), minor units. */
  refused_total: number
}

/** One line of an order, priced. */
export interface OrderLineTable {
  id: string
  order_id: string
  line_no: number
  variant_id: string
  product_id: string
  sku: string
  name: string
  quantity: number
  unit_price: number
  discount_total: number
  total: number
  vat_rate: string
  vat_amount: number
  /** JSON array of LineDiscount. */
  discounts: string
  cost_price: number | null
  payment_subject: string
  weight: number | null
}

/** A versioned change of an order's content. */
export interface OrderChangeTable {
  id: string
  order_id: string
  version: number
  kind: string
  /** JSON: { details, totalsBefore, totalsAfter }. */
  summary: string
  amount_due_delta: number
  actor: string
  at: number
}

/** A call to the customer about an order. */
export interface OrderCallTable {
  id: string
  order_id: string
  manager: string
  outcome: string
  note: string | null
  at: number
}

/** The live SMS confirmation code of an order: only its hash is kept. */
export interface OrderConfirmationCodeTable {
  order_id: string
  /** Hex SHA-256 of `<orderId>:<code>`. */
  code_hash: string
  expires_at: number
  attempts: number
  used_at: number | null
}

/** Tables owned by the order module. */
export interface OrderTables {
  ordo_order: OrderTable
  ordo_order_line: OrderLineTable
  ordo_order_change: OrderChangeTable
  ordo_order_call: OrderCallTable
  ordo_order_confirmation_code: OrderConfirmationCodeTable
}

/** The order module's schema. */
export const orderMigrations: readonly OrdoMigration[] = [
  {
    name: '0006_order',
    async up({ db, createTable }) {
      await createTable('ordo_order')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('number', 'varchar(32)', (c) => c.notNull().unique())
        .addColumn('status', 'varchar(100)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('cart_id', COLUMN.id)
        .addColumn('customer_id', 'varchar(64)')
        .addColumn('contact_name', 'varchar(255)')
        .addColumn('contact_phone', 'varchar(32)')
        .addColumn('contact_email', 'varchar(255)')
        .addColumn('shipping_address', COLUMN.json)
        .addColumn('notes', 'text')
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('region', 'varchar(100)')
        .addColumn('channel_source', 'varchar(255)')
        .addColumn('channel_medium', 'varchar(255)')
        .addColumn('channel_campaign', 'varchar(255)')
        .addColumn('landing_page', 'text')
        .addColumn('referrer', 'text')
        .addColumn('pricing_context', COLUMN.json, (c) => c.notNull())
        .addColumn('subtotal', COLUMN.money, (c) => c.notNull())
        .addColumn('discount_total', COLUMN.money, (c) => c.notNull())
        .addColumn('delivery_total', COLUMN.money, (c) => c.notNull())
        .addColumn('vat_total', COLUMN.money, (c) => c.notNull())
        .addColumn('total', COLUMN.money, (c) => c.notNull())
        .addColumn('breakdown', COLUMN.json, (c) => c.notNull())
        .addColumn('delivery', COLUMN.json)
        .addColumn('payment_method', 'varchar(64)', (c) => c.notNull())
        .addColumn('manager_id', 'varchar(64)')
        .addColumn('cancel_reason', 'varchar(100)')
        .addColumn('idempotency_key', 'varchar(191)', (c) => c.unique())
        .addColumn('placed_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .addColumn('reservation_expires_at', COLUMN.time)
        .execute()
      await db.schema.createIndex('ordo_order_placed_idx').on('ordo_order').columns(['placed_at', 'id']).execute()
      await db.schema.createIndex('ordo_order_status_idx').on('ordo_order').columns(['status', 'placed_at']).execute()
      await db.schema.createIndex('ordo_order_expiry_idx').on('ordo_order').columns(['reservation_expires_at']).execute()
      await db.schema.createIndex('ordo_order_phone_idx').on('ordo_order').columns(['contact_phone']).execute()
      await db.schema.createIndex('ordo_order_email_idx').on('ordo_order').columns(['contact_email']).execute()
      await db.schema.createIndex('ordo_order_manager_idx').on('ordo_order').columns(['manager_id', 'placed_at']).execute()
      await db.schema.createIndex('ordo_order_source_idx').on('ordo_order').columns(['channel_source', 'placed_at']).execute()
      await db.schema.createIndex('ordo_order_customer_idx').on('ordo_order').columns(['customer_id', 'placed_at']).execute()

      await createTable('ordo_order_line')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('order_id', COLUMN.id, (c) => c.notNull().references('ordo_order.id').onDelete('cascade'))
        .addColumn('line_no', 'integer', (c) => c.notNull())
        .addColumn('variant_id', COLUMN.id, (c) => c.notNull())
        .addColumn('product_id', COLUMN.id, (c) => c.notNull())
        .addColumn('sku', 'varchar(100)', (c) => c.notNull())
        .addColumn('name', 'varchar(500)', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('unit_price', COLUMN.money, (c) => c.notNull())
        .addColumn('discount_total', COLUMN.money, (c) => c.notNull())
        .addColumn('total', COLUMN.money, (c) => c.notNull())
        .addColumn('vat_rate', 'varchar(16)', (c) => c.notNull())
        .addColumn('vat_amount', COLUMN.money, (c) => c.notNull())
        .addColumn('discounts', COLUMN.json, (c) => c.notNull())
        .addColumn('cost_price', COLUMN.money)
        .addColumn('payment_subject', 'varchar(50)', (c) => c.notNull())
        .addColumn('weight', 'integer')
        .addUniqueConstraint('ordo_order_line_no_uq', ['order_id', 'line_no'])
        .execute()

      await createTable('ordo_order_change')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('order_id', COLUMN.id, (c) => c.notNull().references('ordo_order.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('kind', 'varchar(50)', (c) => c.notNull())
        .addColumn('summary', COLUMN.json, (c) => c.notNull())
        .addColumn('amount_due_delta', COLUMN.money, (c) => c.notNull())
        .addColumn('actor', 'varchar(191)', (c) => c.notNull())
        .addColumn('at', COLUMN.time, (c) => c.notNull())
        .addUniqueConstraint('ordo_order_change_version_uq', ['order_id', 'version'])
        .execute()

      await createTable('ordo_order_call')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('order_id', COLUMN.id, (c) => c.notNull().references('ordo_order.id').onDelete('cascade'))
        .addColumn('manager', 'varchar(191)', (c) => c.notNull())
        .addColumn('outcome', 'varchar(32)', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_order_call_order_idx').on('ordo_order_call').columns(['order_id', 'at']).execute()

      await createTable('ordo_order_confirmation_code')
        .addColumn('order_id', COLUMN.id, (c) => c.primaryKey().references('ordo_order.id').onDelete('cascade'))
        .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('expires_at', COLUMN.time, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('used_at', COLUMN.time)
        .execute()
    },
  },
  {
    name: '0012_order_refused_total',
    async up({ db }) {
      await db.schema.alterTable('ordo_order').addColumn('refused_total', COLUMN.money, (c) => c.notNull().defaultTo(0)).execute()
    },
  },
]
