import { COLUMN, type OrdoMigration } from '../storage/migration.js'

/**
 * One change of a customer's points: the ledger. Credits (`earn`, a positive
 * `adjust`) carry `remaining`, what is still unspent; debits (`spend`,
 * `expire`, `reverse`, a negative `adjust`) carry in `remaining` what no
 * credit covers yet (a debt). The balance is derived from these rows.
 */
export interface LoyaltyEntryTable {
  id: string
  customer_id: string
  /** `earn`, `spend`, `expire`, `reverse` or `adjust`. */
  kind: string
  /** Credits: `pending`, `active`, `partly_spent`, `spent`, `expired`, `reversed`; spends: `held`, `committed`, `released`; others: `posted`. */
  status: string
  /** Signed: credits positive, debits negative. */
  points: number
  /** Credits: points not yet drawn on; debits: points no credit covers yet. */
  remaining: number
  order_id: string | null
  /** Idempotency key, unique per customer (`order:<id>:earn`, the caller's id of an adjustment…). */
  external_id: string | null
  reason: string | null
  /** The credit a reversal or an expiry is about. */
  related_entry_id: string | null
  created_at: number
  /** Pending earns: when they become active. */
  activates_at: number | null
  /** Active credits: when what remains expires. */
  expires_at: number | null
  /** When the customer was warned that this credit expires. */
  warned_at: number | null
  updated_at: number
}

/** Which credit a debit drew on, and how much; released allocations (a cancelled order's hold) went back. */
export interface LoyaltyAllocationTable {
  id: string
  debit_entry_id: string
  credit_entry_id: string
  points: number
  created_at: number
  released_at: number | null
}

/** A customer as loyalty knows them: the lock row for ledger changes and the tier. */
export interface LoyaltyCustomerTable {
  customer_id: string
  tier: string | null
  /** Goods the customer kept over the last 12 months, minor units, as of the last tier computation. */
  spend_12m: number
  /** `MM-DD`, for birthday coupons. */
  birthday: string | null
  version: number
  updated_at: number
}

/** What loyalty keeps about an order: the basis of its earn and of tiers. */
export interface LoyaltyOrderTable {
  order_id: string
  customer_id: string
  /** Σ line totals (after every discount, points included), minor units. */
  goods_total: number
  refused_total: number
  refunded_total: number
  /** The tier multiplier applied to this order's earn, basis points. */
  multiplier_bp: number
  completed_at: number | null
  updated_at: number
}

/** A personal coupon issued to a customer, once per reason and period (`birthday`: the year; `win_back`: the last completed order it follows). */
export interface LoyaltyCouponTable {
  id: string
  customer_id: string
  /** `birthday` or `win_back`. */
  reason: string
  period: string
  promotion_id: string
  /** The single-use code in `ordo_coupon`. */
  code: string
  created_at: number
}

/** Tables owned by the loyalty module. */
export interface LoyaltyTables {
  ordo_loyalty_entry: LoyaltyEntryTable
  ordo_loyalty_allocation: LoyaltyAllocationTable
  ordo_loyalty_customer: LoyaltyCustomerTable
  ordo_loyalty_order: LoyaltyOrderTable
  ordo_loyalty_coupon: LoyaltyCouponTable
}

/** The loyalty module's migrations (also adds `points_redeemed` to `ordo_cart`). */
export const loyaltyMigrations: readonly OrdoMigration[] = [
  {
    name: '0013_loyalty',
    async up({ db, createTable }) {
      await createTable('ordo_loyalty_entry')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('points', 'bigint', (c) => c.notNull())
        .addColumn('remaining', 'bigint', (c) => c.notNull())
        .addColumn('order_id', COLUMN.id)
        .addColumn('external_id', 'varchar(150)')
        .addColumn('reason', 'varchar(500)')
        .addColumn('related_entry_id', COLUMN.id)
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('activates_at', COLUMN.time)
        .addColumn('expires_at', COLUMN.time)
        .addColumn('warned_at', COLUMN.time)
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .addUniqueConstraint('ordo_loyalty_entry_external_uq', ['customer_id', 'external_id'])
        .execute()
      await db.schema.createIndex('ordo_loyalty_entry_customer_idx').on('ordo_loyalty_entry').columns(['customer_id', 'status', 'expires_at']).execute()
      await db.schema.createIndex('ordo_loyalty_entry_activation_idx').on('ordo_loyalty_entry').columns(['status', 'activates_at']).execute()
      await db.schema.createIndex('ordo_loyalty_entry_expiry_idx').on('ordo_loyalty_entry').columns(['status', 'expires_at']).execute()
      await db.schema.createIndex('ordo_loyalty_entry_order_idx').on('ordo_loyalty_entry').columns(['order_id']).execute()

      await createTable('ordo_loyalty_allocation')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('debit_entry_id', COLUMN.id, (c) => c.notNull())
        .addColumn('credit_entry_id', COLUMN.id, (c) => c.notNull())
        .addColumn('points', 'bigint', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('released_at', COLUMN.time)
        .execute()
      await db.schema.createIndex('ordo_loyalty_allocation_debit_idx').on('ordo_loyalty_allocation').columns(['debit_entry_id']).execute()
      await db.schema.createIndex('ordo_loyalty_allocation_credit_idx').on('ordo_loyalty_allocation').columns(['credit_entry_id']).execute()

      await createTable('ordo_loyalty_customer')
        .addColumn('customer_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('tier', 'varchar(64)')
        .addColumn('spend_12m', COLUMN.money, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()

      await createTable('ordo_loyalty_order')
        .addColumn('order_id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('goods_total', COLUMN.money, (c) => c.notNull())
        .addColumn('refused_total', COLUMN.money, (c) => c.notNull())
        .addColumn('refunded_total', COLUMN.money, (c) => c.notNull())
        .addColumn('multiplier_bp', 'integer', (c) => c.notNull())
        .addColumn('completed_at', COLUMN.time)
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_loyalty_order_customer_idx').on('ordo_loyalty_order').columns(['customer_id', 'completed_at']).execute()

      await db.schema.alterTable('ordo_cart').addColumn('points_redeemed', 'bigint', (c) => c.notNull().defaultTo(0)).execute()
    },
  },
  {
    name: '0015_loyalty_personal_coupons',
    async up({ db, createTable }) {
      await db.schema.alterTable('ordo_loyalty_customer').addColumn('birthday', 'varchar(5)').execute()
      await db.schema.createIndex('ordo_loyalty_customer_birthday_idx').on('ordo_loyalty_customer').columns(['birthday']).execute()
      await createTable('ordo_loyalty_coupon')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('reason', 'varchar(16)', (c) => c.notNull())
        .addColumn('period', 'varchar(32)', (c) => c.notNull())
        .addColumn('promotion_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('code', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addUniqueConstraint('ordo_loyalty_coupon_period_uq', ['customer_id', 'reason', 'period'])
        .execute()
    },
  },
]
