import { sql } from 'kysely'
import type { OrdoMigration } from '../storage/migration.js'
import { COLUMN } from '../storage/migration.js'
import type { RefundPurpose } from './payment-types.js'

/** One payment of an order: a method, its provider's payment, the machine's status and the money it moved. */
export interface PaymentTable {
  id: string
  order_id: string
  /** Copied from the order, so remittance rows can be matched without reading the order module's tables. */
  order_number: string
  /** The shop's method code (`card`, `cod`…). */
  method: string
  /** The method's kind (`card_online`, `cash_on_delivery`…). */
  method_type: string
  provider_id: string | null
  provider_payment_id: string | null
  status: string
  currency: string
  /** Authorised / expected amount, minor units. */
  amount: number
  captured: number
  refunded: number
  /** 1 = two-stage (hold, then capture). */
  two_stage: number
  confirmation_url: string | null
  failure_reason: string | null
  /** The client's key for `start`; unique. */
  idempotency_key: string
  tracking_number: string | null
  version: number
  created_at: number
  updated_at: number
  authorized_at: number | null
}

/**
 * One operation on a payment (create, capture, void, refund, cash, remittance).
 * The provider idempotency key is written here BEFORE the provider is called,
 * so a crash-and-retry sends the same key.
 */
export interface PaymentOperationTable {
  id: string
  payment_id: string
  kind: string
  status: 'pending' | 'succeeded' | 'failed'
  amount: number
  /** The client's key (unique); null for operations core starts itself. */
  idempotency_key: string | null
  /** The key sent to the provider on every attempt of this operation. */
  provider_key: string
  provider_ref: string | null
  /** Refund by lines: JSON `[{ lineId, quantity }]`. */
  lines: string | null
  reason: string | null
  /** What a refund gives money back for; null for other kinds. */
  purpose: RefundPurpose | null
  actor: string
  error: string | null
  created_at: number
  updated_at: number
}

/** The raw log of every provider call attempt; secrets never stored. */
export interface PaymentAttemptTable {
  id: string
  operation_id: string | null
  payment_id: string | null
  provider_id: string
  operation: string
  attempt: number
  at: number
  duration_ms: number
  outcome: 'ok' | 'error' | 'timeout'
  error: string | null
  request: string
  response: string | null
}

/** Webhook de-duplication: one row per (provider, event id). */
export interface PaymentWebhookTable {
  id: string
  provider_id: string
  event_id: string
  payment_id: string | null
  received_at: number
}

/** Fiscal receipt data (54-FZ) of a capture or a refund, for the shop's own fiscal service. */
export interface FiscalReceiptTable {
  id: string
  payment_id: string
  order_id: string
  operation_id: string | null
  kind: 'income' | 'refund'
  payment_mode: string
  total: number
  currency: string
  /** The whole {@link FiscalReceipt}, JSON. */
  receipt: string
  /** 1 when the provider fiscalised it itself (supportsReceipts). */
  sent_to_provider: number
  created_at: number
}

/** A bank invoice issued to a legal entity for what an order owed at the time. */
export interface PaymentInvoiceTable {
  id: string
  order_id: string
  /** `INV-<order number>-<n>`; unique. */
  number: string
  /** n of the order's invoices, from 1. */
  seq: number
  /** The bank_invoice method code. */
  method: string
  currency: string
  total: number
  vat_total: number
  buyer_tax_id: string
  /** The whole document (seller, buyer, lines, totals), JSON. */
  document: string
  actor: string
  issued_at: number
  /** Set when a bank statement row paid it. */
  paid_at: number | null
  payment_id: string | null
}

/** A bank statement row that paid an invoice; its key makes a re-import match nothing new. */
export interface PaymentBankTransferTable {
  id: string
  /** `<documentNumber>|<YYYY-MM-DD>`; unique. */
  dedupe_key: string
  document_number: string
  /** The statement's date, epoch ms of its UTC midnight. */
  paid_on: number
  amount: number
  payer_tax_id: string | null
  purpose: string
  invoice_id: string
  payment_id: string | null
  imported_at: number
}

/** Tables owned by the payment module. */
export interface PaymentTables {
  ordo_payment: PaymentTable
  ordo_payment_operation: PaymentOperationTable
  ordo_payment_attempt: PaymentAttemptTable
  ordo_payment_webhook: PaymentWebhookTable
  ordo_fiscal_receipt: FiscalReceiptTable
  ordo_payment_invoice: PaymentInvoiceTable
  ordo_payment_bank_transfer: PaymentBankTransferTable
}

/** The payment module's migrations. */
export const paymentMigrations: readonly OrdoMigration[] = [
  {
    name: '0008_payment',
    async up({ db, createTable }) {
      await createTable('ordo_payment')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('order_id', COLUMN.id, (c) => c.notNull())
        .addColumn('order_number', 'varchar(64)', (c) => c.notNull())
        .addColumn('method', 'varchar(64)', (c) => c.notNull())
        .addColumn('method_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('provider_id', 'varchar(64)')
        .addColumn('provider_payment_id', 'varchar(191)')
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('amount', COLUMN.money, (c) => c.notNull())
        .addColumn('captured', COLUMN.money, (c) => c.notNull())
        .addColumn('refunded', COLUMN.money, (c) => c.notNull())
        .addColumn('two_stage', 'integer', (c) => c.notNull())
        .addColumn('confirmation_url', 'text')
        .addColumn('failure_reason', 'text')
        .addColumn('idempotency_key', 'varchar(191)', (c) => c.notNull().unique())
        .addColumn('tracking_number', 'varchar(64)')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .addColumn('authorized_at', COLUMN.time)
        .execute()
      await db.schema.createIndex('ordo_payment_order_idx').on('ordo_payment').columns(['order_id']).execute()
      await db.schema.createIndex('ordo_payment_provider_idx').on('ordo_payment').columns(['provider_id', 'provider_payment_id']).execute()
      await db.schema.createIndex('ordo_payment_status_idx').on('ordo_payment').columns(['status', 'updated_at']).execute()
      await db.schema.createIndex('ordo_payment_number_idx').on('ordo_payment').columns(['order_number']).execute()
      await db.schema.createIndex('ordo_payment_tracking_idx').on('ordo_payment').columns(['tracking_number']).execute()

      await createTable('ordo_payment_operation')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('payment_id', COLUMN.id, (c) => c.notNull())
        .addColumn('kind', 'varchar(32)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('amount', COLUMN.money, (c) => c.notNull())
        .addColumn('idempotency_key', 'varchar(191)', (c) => c.unique())
        .addColumn('provider_key', 'varchar(191)', (c) => c.notNull())
        .addColumn('provider_ref', 'varchar(191)')
        .addColumn('lines', COLUMN.json)
        .addColumn('reason', 'text')
        .addColumn('actor', 'varchar(191)', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_payment_operation_payment_idx').on('ordo_payment_operation').columns(['payment_id']).execute()
      await db.schema.createIndex('ordo_payment_operation_status_idx').on('ordo_payment_operation').columns(['status', 'created_at']).execute()

      await createTable('ordo_payment_attempt')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('operation_id', COLUMN.id)
        .addColumn('payment_id', COLUMN.id)
        .addColumn('provider_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('operation', 'varchar(32)', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('at', COLUMN.time, (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('request', COLUMN.json, (c) => c.notNull())
        .addColumn('response', COLUMN.json)
        .execute()
      await db.schema.createIndex('ordo_payment_attempt_payment_idx').on('ordo_payment_attempt').columns(['payment_id']).execute()

      await createTable('ordo_payment_webhook')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('provider_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('event_id', 'varchar(191)', (c) => c.notNull())
        .addColumn('payment_id', COLUMN.id)
        .addColumn('received_at', COLUMN.time, (c) => c.notNull())
        .addUniqueConstraint('ordo_payment_webhook_event_uq', ['provider_id', 'event_id'])
        .execute()

      await createTable('ordo_fiscal_receipt')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('payment_id', COLUMN.id, (c) => c.notNull())
        .addColumn('order_id', COLUMN.id, (c) => c.notNull())
        .addColumn('operation_id', COLUMN.id)
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('payment_mode', 'varchar(32)', (c) => c.notNull())
        .addColumn('total', COLUMN.money, (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('receipt', COLUMN.json, (c) => c.notNull())
        .addColumn('sent_to_provider', 'integer', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_fiscal_receipt_order_idx').on('ordo_fiscal_receipt').columns(['order_id', 'created_at']).execute()
    },
  },
  {
    name: '0009_payment_invoice',
    async up({ db, createTable }) {
      await createTable('ordo_payment_invoice')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('order_id', COLUMN.id, (c) => c.notNull())
        .addColumn('number', 'varchar(100)', (c) => c.notNull().unique())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('method', 'varchar(64)', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('total', COLUMN.money, (c) => c.notNull())
        .addColumn('vat_total', COLUMN.money, (c) => c.notNull())
        .addColumn('buyer_tax_id', 'varchar(12)', (c) => c.notNull())
        .addColumn('document', COLUMN.json, (c) => c.notNull())
        .addColumn('actor', 'varchar(191)', (c) => c.notNull())
        .addColumn('issued_at', COLUMN.time, (c) => c.notNull())
        .addColumn('paid_at', COLUMN.time)
        .addColumn('payment_id', COLUMN.id)
        .execute()
      await db.schema.createIndex('ordo_payment_invoice_order_idx').on('ordo_payment_invoice').columns(['order_id', 'seq']).execute()

      await createTable('ordo_payment_bank_transfer')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('dedupe_key', 'varchar(191)', (c) => c.notNull().unique())
        .addColumn('document_number', 'varchar(64)', (c) => c.notNull())
        .addColumn('paid_on', COLUMN.time, (c) => c.notNull())
        .addColumn('amount', COLUMN.money, (c) => c.notNull())
        .addColumn('payer_tax_id', 'varchar(12)')
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('invoice_id', COLUMN.id, (c) => c.notNull())
        .addColumn('payment_id', COLUMN.id)
        .addColumn('imported_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_payment_bank_transfer_invoice_idx').on('ordo_payment_bank_transfer').columns(['invoice_id']).execute()
    },
  },
  {
    name: '0021_payment_operation_purpose',
    async up({ db }) {
      await db.schema.alterTable('ordo_payment_operation').addColumn('purpose', 'varchar(32)').execute()
      // Until now a delivery outcome's refund was told apart only by its key (`outcome:<shipment>:<payment>`).
      await sql`UPDATE ordo_payment_operation SET purpose = CASE WHEN idempotency_key LIKE 'outcome:%' THEN 'refused_goods' ELSE 'other' END WHERE kind = 'refund'`.execute(db)
    },
  },
]
