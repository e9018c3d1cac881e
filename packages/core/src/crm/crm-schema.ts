import { COLUMN, type OrdoMigration } from '../storage/migration.js'

/** A phone call with a customer, logged by a manager (or mirrored from an order's confirmation call). */
export interface CrmCallTable {
  id: string
  customer_id: string
  order_id: string | null
  /** `in` or `out`. */
  direction: string
  manager_id: string
  started_at: number
  duration_seconds: number
  /** Free text code: `answered`, `no_answer`, `confirmed`, `call_back_later`… */
  outcome: string
  /** Where the recording is kept (the telephony provider's URL); never the audio itself. */
  recording_url: string | null
  note: string | null
  /** `crm` (logged through `shop.crm.logCall`) or `order` (an order's confirmation call). */
  source: string
  /** Idempotency key of mirrored calls (`order-call:<event id>`); null for calls logged directly. */
  external_id: string | null
  created_at: number
}

/** A note about a customer. */
export interface CrmNoteTable {
  id: string
  customer_id: string
  order_id: string | null
  author: string | null
  body: string
  created_at: number
}

/** Something to do about a customer ("call back at"), assigned to a manager. */
export interface CrmTaskTable {
  id: string
  customer_id: string
  order_id: string | null
  title: string
  due_at: number
  assignee: string | null
  done_at: number | null
  done_by: string | null
  created_at: number
  updated_at: number
}

/** Named counters updated atomically (the round-robin cursor of manager assignment). */
export interface CrmCounterTable {
  name: string
  value: number
}

/** A saved customer segment: its filter as JSON. */
export interface CrmSegmentTable {
  code: string
  name: string
  filter: string
  created_at: number
  updated_at: number
}

/** A customer's last RFM scores (each 1–5, by quintiles over customers with orders). */
export interface CrmRfmTable {
  customer_id: string
  recency: number
  frequency: number
  monetary: number
  /** `recency*100 + frequency*10 + monetary`, e.g. 545. */
  score: number
  orders_count: number
  spend: number
  last_order_at: number
  scored_at: number
}

/** Tables owned by the CRM interactions, segments and RFM module. */
export interface CrmTables {
  ordo_crm_call: CrmCallTable
  ordo_crm_note: CrmNoteTable
  ordo_crm_task: CrmTaskTable
  ordo_crm_counter: CrmCounterTable
  ordo_crm_segment: CrmSegmentTable
  ordo_crm_rfm: CrmRfmTable
}

/** The CRM module's migrations. */
export const crmMigrations: readonly OrdoMigration[] = [
  {
    name: '0017_crm_interactions',
    async up({ db, createTable }) {
      await createTable('ordo_crm_call')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('order_id', 'varchar(64)')
        .addColumn('direction', 'varchar(8)', (c) => c.notNull())
        .addColumn('manager_id', 'varchar(191)', (c) => c.notNull())
        .addColumn('started_at', COLUMN.time, (c) => c.notNull())
        .addColumn('duration_seconds', 'integer', (c) => c.notNull())
        .addColumn('outcome', 'varchar(64)', (c) => c.notNull())
        .addColumn('recording_url', 'varchar(1000)')
        .addColumn('note', 'text')
        .addColumn('source', 'varchar(16)', (c) => c.notNull())
        .addColumn('external_id', 'varchar(150)')
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addUniqueConstraint('ordo_crm_call_external_uq', ['external_id'])
        .execute()
      await db.schema.createIndex('ordo_crm_call_customer_idx').on('ordo_crm_call').columns(['customer_id', 'started_at']).execute()
      await db.schema.createIndex('ordo_crm_call_order_idx').on('ordo_crm_call').columns(['order_id']).execute()

      await createTable('ordo_crm_note')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('order_id', 'varchar(64)')
        .addColumn('author', 'varchar(191)')
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_crm_note_customer_idx').on('ordo_crm_note').columns(['customer_id', 'created_at']).execute()

      await createTable('ordo_crm_task')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('order_id', 'varchar(64)')
        .addColumn('title', 'varchar(500)', (c) => c.notNull())
        .addColumn('due_at', COLUMN.time, (c) => c.notNull())
        .addColumn('assignee', 'varchar(64)')
        .addColumn('done_at', COLUMN.time)
        .addColumn('done_by', 'varchar(191)')
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_crm_task_customer_idx').on('ordo_crm_task').columns(['customer_id', 'created_at']).execute()
      await db.schema.createIndex('ordo_crm_task_due_idx').on('ordo_crm_task').columns(['assignee', 'done_at', 'due_at']).execute()

      await createTable('ordo_crm_counter')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute()

      await createTable('ordo_crm_segment')
        .addColumn('code', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('name', COLUMN.name, (c) => c.notNull())
        .addColumn('filter', COLUMN.json, (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()

      await createTable('ordo_crm_rfm')
        .addColumn('customer_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('recency', 'integer', (c) => c.notNull())
        .addColumn('frequency', 'integer', (c) => c.notNull())
        .addColumn('monetary', 'integer', (c) => c.notNull())
        .addColumn('score', 'integer', (c) => c.notNull())
        .addColumn('orders_count', 'integer', (c) => c.notNull())
        .addColumn('spend', COLUMN.money, (c) => c.notNull())
        .addColumn('last_order_at', COLUMN.time, (c) => c.notNull())
        .addColumn('scored_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_crm_rfm_score_idx').on('ordo_crm_rfm').columns(['score']).execute()
    },
  },
]
