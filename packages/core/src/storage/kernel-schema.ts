import type { OrdoMigration } from './migration.js'
import { COLUMN } from './migration.js'

/** Domain events: the transactional outbox and the engine's event log. */
export interface EventTable {
  id: string
  type: string
  /** The aggregate the event is about (order id, payment id…), for lookups. */
  aggregate_id: string | null
  payload: string
  occurred_at: number
}

/** One row per (event, durable handler): delivery state for the outbox relay. */
export interface EventDeliveryTable {
  id: string
  event_id: string
  handler_id: string
  status: 'pending' | 'delivered' | 'parked'
  attempts: number
  next_attempt_at: number
  locked_until: number | null
  locked_by: string | null
  last_error: string | null
  delivered_at: number | null
}

/** Scheduled work kept in the database. */
export interface JobTable {
  id: string
  name: string
  /** De-duplication key: scheduling the same key twice keeps one job. Recurring jobs use their name. */
  unique_key: string | null
  payload: string
  status: 'scheduled' | 'running' | 'done' | 'failed'
  run_at: number
  attempts: number
  max_attempts: number
  /** Milliseconds between runs for a recurring job; null for one-off jobs. */
  every_ms: number | null
  locked_until: number | null
  locked_by: string | null
  last_error: string | null
  created_at: number
  finished_at: number | null
}

/** Every state-machine transition of every entity: who, when, from, to, why. */
export interface TransitionTable {
  id: string
  machine: string
  entity_id: string
  transition: string
  from_state: string
  to_state: string
  actor: string
  reason: string | null
  note: string | null
  at: number
}

/** Tables owned by the kernel. */
export interface KernelTables {
  ordo_event: EventTable
  ordo_event_delivery: EventDeliveryTable
  ordo_job: JobTable
  ordo_transition: TransitionTable
}

export const kernelMigrations: readonly OrdoMigration[] = [
  {
    name: '0001_kernel',
    async up({ db, createTable }) {
      await createTable('ordo_event')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('type', 'varchar(100)', (c) => c.notNull())
        .addColumn('aggregate_id', 'varchar(64)')
        .addColumn('payload', COLUMN.json, (c) => c.notNull())
        .addColumn('occurred_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_event_aggregate_idx').on('ordo_event').columns(['aggregate_id', 'occurred_at']).execute()
      await db.schema.createIndex('ordo_event_type_idx').on('ordo_event').columns(['type', 'occurred_at']).execute()

      await createTable('ordo_event_delivery')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('event_id', COLUMN.id, (c) => c.notNull().references('ordo_event.id').onDelete('cascade'))
        .addColumn('handler_id', 'varchar(100)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', COLUMN.time, (c) => c.notNull())
        .addColumn('locked_until', COLUMN.time)
        .addColumn('locked_by', 'varchar(64)')
        .addColumn('last_error', 'text')
        .addColumn('delivered_at', COLUMN.time)
        .addUniqueConstraint('ordo_event_delivery_event_handler_uq', ['event_id', 'handler_id'])
        .execute()
      await db.schema.createIndex('ordo_event_delivery_due_idx').on('ordo_event_delivery').columns(['status', 'next_attempt_at']).execute()

      await createTable('ordo_job')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('unique_key', 'varchar(191)', (c) => c.unique())
        .addColumn('payload', COLUMN.json, (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('run_at', COLUMN.time, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('every_ms', COLUMN.time)
        .addColumn('locked_until', COLUMN.time)
        .addColumn('locked_by', 'varchar(64)')
        .addColumn('last_error', 'text')
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('finished_at', COLUMN.time)
        .execute()
      await db.schema.createIndex('ordo_job_due_idx').on('ordo_job').columns(['status', 'run_at']).execute()

      await createTable('ordo_transition')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('machine', 'varchar(50)', (c) => c.notNull())
        .addColumn('entity_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('transition', 'varchar(100)', (c) => c.notNull())
        .addColumn('from_state', 'varchar(100)', (c) => c.notNull())
        .addColumn('to_state', 'varchar(100)', (c) => c.notNull())
        .addColumn('actor', 'varchar(191)', (c) => c.notNull())
        .addColumn('reason', 'varchar(191)')
        .addColumn('note', 'text')
        .addColumn('at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_transition_entity_idx').on('ordo_transition').columns(['machine', 'entity_id', 'at']).execute()
    },
  },
]
