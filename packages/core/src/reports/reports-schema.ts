import { COLUMN, type OrdoMigration } from '../storage/migration.js'

/**
 * Advertising spend the shop records per channel and calendar day. Absent
 * medium and campaign are stored as `''` so the unique key holds on every
 * database (NULLs never collide in a unique key).
 */
export interface ReportSpendTable {
  id: string
  source: string
  medium: string
  campaign: string
  /** The calendar day the money was spent, `YYYY-MM-DD` (reports place it in their own time zone). */
  spend_date: string
  /** Minor units. */
  amount: number
  currency: string
  created_at: number
  updated_at: number
}

/** Tables owned by the reports module. */
export interface ReportsTables {
  ordo_report_spend: ReportSpendTable
}

/** The reports module's migrations. */
export const reportsMigrations: readonly OrdoMigration[] = [
  {
    name: '0019_reports_spend',
    async up({ db, createTable }) {
      // 191 characters keep the four-column unique key within MySQL's 3072-byte index limit in utf8mb4.
      await createTable('ordo_report_spend')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('source', 'varchar(191)', (c) => c.notNull())
        .addColumn('medium', 'varchar(191)', (c) => c.notNull())
        .addColumn('campaign', 'varchar(191)', (c) => c.notNull())
        .addColumn('spend_date', 'varchar(10)', (c) => c.notNull())
        .addColumn('amount', COLUMN.money, (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .addUniqueConstraint('ordo_report_spend_day_uq', ['source', 'medium', 'campaign', 'spend_date'])
        .execute()
      await db.schema.createIndex('ordo_report_spend_date_idx').on('ordo_report_spend').columns(['spend_date']).execute()
    },
  },
]
