import { COLUMN, type OrdoMigration } from '../storage/migration.js'

/** One notification message: what was sent to whom, through which gateway, and where it is. */
export interface MessageTable {
  id: string
  channel: 'sms' | 'email'
  /** E.164 phone or lower-cased e-mail address. */
  recipient: string
  template: string
  locale: string
  /** E-mail subject; null for SMS. */
  subject: string | null
  /** The rendered text (confirmation codes masked). */
  text: string
  /** The rendered HTML body of an e-mail, or null. */
  html: string | null
  kind: 'transactional' | 'marketing'
  order_id: string | null
  customer_id: string | null
  /** The domain event or campaign the message came from. */
  source: string | null
  /** The gateway or sender id that took it. */
  gateway: string | null
  status: string
  provider_message_id: string | null
  attempts: number
  error: string | null
  /** Not sent before this instant (quiet hours, throttling); null: at once. */
  not_before: number | null
  /** The SMS this e-mail replaces after the SMS failed for good. */
  fallback_of: string | null
  /** The e-mail address an SMS falls back to, when the shop enables it. */
  fallback_to: string | null
  /** JSON of the template variables (secrets left out), to render a fallback. */
  variables: string | null
  sent_at: number | null
  created_at: number
  updated_at: number
}

/** Marketing consent of one address (phone in E.164 or e-mail), with its one-click unsubscribe token. */
export interface NotifyConsentTable {
  address: string
  channel: 'sms' | 'email'
  customer_id: string | null
  /** 1: opted in to marketing; 0: not (or unsubscribed). */
  marketing: number
  /** 1: order and account messages go to this address (the default); 0: the customer asked for none (confirmation codes they request still go). */
  transactional: number
  token: string
  updated_at: number
}

/** Tables owned by the notify module. */
export interface NotifyTables {
  ordo_message: MessageTable
  ordo_notify_consent: NotifyConsentTable
}

/** The notify module's migrations. */
export const notifyMigrations: readonly OrdoMigration[] = [
  {
    name: '0014_notify',
    async up({ db, createTable }) {
      await createTable('ordo_message')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('channel', 'varchar(8)', (c) => c.notNull())
        .addColumn('recipient', 'varchar(255)', (c) => c.notNull())
        .addColumn('template', 'varchar(100)', (c) => c.notNull())
        .addColumn('locale', 'varchar(16)', (c) => c.notNull())
        .addColumn('subject', 'varchar(500)')
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('html', 'text')
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('order_id', COLUMN.id)
        .addColumn('customer_id', 'varchar(64)')
        .addColumn('source', 'varchar(191)')
        .addColumn('gateway', 'varchar(64)')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('provider_message_id', 'varchar(191)')
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('not_before', COLUMN.time)
        .addColumn('fallback_of', COLUMN.id)
        .addColumn('fallback_to', 'varchar(255)')
        .addColumn('variables', COLUMN.json)
        .addColumn('sent_at', COLUMN.time)
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_message_order_idx').on('ordo_message').columns(['order_id']).execute()
      await db.schema.createIndex('ordo_message_customer_idx').on('ordo_message').columns(['customer_id']).execute()
      await db.schema.createIndex('ordo_message_status_idx').on('ordo_message').columns(['status', 'channel', 'sent_at']).execute()
      await db.schema.createIndex('ordo_message_provider_idx').on('ordo_message').columns(['gateway', 'provider_message_id']).execute()

      await createTable('ordo_notify_consent')
        .addColumn('address', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('channel', 'varchar(8)', (c) => c.notNull())
        .addColumn('customer_id', 'varchar(64)')
        .addColumn('marketing', 'integer', (c) => c.notNull())
        .addColumn('token', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()
    },
  },
  {
    name: '0016_notify_transactional_consent',
    async up({ db }) {
      await db.schema.alterTable('ordo_notify_consent').addColumn('transactional', 'integer', (c) => c.notNull().defaultTo(1)).execute()
    },
  },
]
