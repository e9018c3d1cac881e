import { COLUMN, type OrdoMigration } from '../storage/migration.js'

/** A customer of the shop: who they are and how the shop treats them. Contacts and labels in their own tables. */
export interface CustomerTable {
  id: string
  name: string | null
  /** JSON array of addresses. */
  addresses: string
  /** IANA time zone, e.g. `Asia/Yekaterinburg`. */
  time_zone: string | null
  notes: string | null
  /** The customer's fixed manager, when they have one. */
  manager_id: string | null
  /** Set when this customer was merged into another: the survivor's id (the row is kept, emptied). */
  merged_into: string | null
  /** Lower-cased name, phones (E.164 and digits only) and e-mails, for `list({ query })`. */
  search_text: string
  version: number
  created_at: number
  updated_at: number
}

/** A phone (E.164) or e-mail (lower-cased) of a customer; each is unique across the shop. */
export interface CustomerContactTable {
  id: string
  customer_id: string
  /** `phone` or `email`. */
  kind: string
  value: string
  /** 1 for the customer's main contact of its kind. */
  is_primary: number
  created_at: number
}

/** A group or tag on a customer. */
export interface CustomerLabelTable {
  customer_id: string
  /** `group` or `tag`. */
  kind: string
  value: string
}

/** A merge of two customers: who merged whom into whom, and how much moved. */
export interface CustomerMergeTable {
  id: string
  target_id: string
  source_id: string
  actor: string
  /** JSON of the counts moved (orders, carts, points entries, messages, calls, notes, tasks, contacts…). */
  moved: string
  created_at: number
}

/** Tables owned by the customers module. */
export interface CustomerTables {
  ordo_customer: CustomerTable
  ordo_customer_contact: CustomerContactTable
  ordo_customer_label: CustomerLabelTable
  ordo_customer_merge: CustomerMergeTable
}

/** The customers module's migrations. */
export const customerMigrations: readonly OrdoMigration[] = [
  {
    name: '0016_crm_customers',
    async up({ db, createTable }) {
      await createTable('ordo_customer')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('name', COLUMN.name)
        .addColumn('addresses', COLUMN.json, (c) => c.notNull())
        .addColumn('time_zone', 'varchar(64)')
        .addColumn('notes', 'text')
        .addColumn('manager_id', 'varchar(64)')
        .addColumn('merged_into', COLUMN.id)
        .addColumn('search_text', 'varchar(2000)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_customer_manager_idx').on('ordo_customer').columns(['manager_id']).execute()
      await db.schema.createIndex('ordo_customer_merged_idx').on('ordo_customer').columns(['merged_into']).execute()

      await createTable('ordo_customer_contact')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('customer_id', COLUMN.id, (c) => c.notNull())
        .addColumn('kind', 'varchar(8)', (c) => c.notNull())
        .addColumn('value', 'varchar(255)', (c) => c.notNull())
        .addColumn('is_primary', 'integer', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addUniqueConstraint('ordo_customer_contact_value_uq', ['kind', 'value'])
        .execute()
      await db.schema.createIndex('ordo_customer_contact_customer_idx').on('ordo_customer_contact').columns(['customer_id']).execute()

      await createTable('ordo_customer_label')
        .addColumn('customer_id', COLUMN.id, (c) => c.notNull())
        .addColumn('kind', 'varchar(8)', (c) => c.notNull())
        .addColumn('value', 'varchar(100)', (c) => c.notNull())
        .addPrimaryKeyConstraint('ordo_customer_label_pk', ['customer_id', 'kind', 'value'])
        .execute()
      await db.schema.createIndex('ordo_customer_label_value_idx').on('ordo_customer_label').columns(['kind', 'value', 'customer_id']).execute()

      await createTable('ordo_customer_merge')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('target_id', COLUMN.id, (c) => c.notNull())
        .addColumn('source_id', COLUMN.id, (c) => c.notNull())
        .addColumn('actor', 'varchar(191)', (c) => c.notNull())
        .addColumn('moved', COLUMN.json, (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addUniqueConstraint('ordo_customer_merge_source_uq', ['source_id'])
        .execute()
      await db.schema.createIndex('ordo_customer_merge_target_idx').on('ordo_customer_merge').columns(['target_id']).execute()
    },
  },
]
