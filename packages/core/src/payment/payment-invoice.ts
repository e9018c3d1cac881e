import type { Kysely } from 'kysely'
import { z } from 'zod'
import { OrdoError } from '../errors.js'
import { vatFromGross, type CurrencyCode, type VatRate } from '../money/index.js'
import type { Order } from '../order/index.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { insertIgnoringConflicts } from '../storage/sql-helpers.js'
import { runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import { buildReceipt } from './payment-receipt.js'
import { buyerSchema, type InvoiceBuyer, type SellerRequisites } from './payment-requisites.js'
import type { PaymentInvoiceTable, PaymentTable } from './payment-schema.js'
import type { PaymentMethodConfig } from './payment-types.js'

/** One line of a bank invoice: VAT included in `unitPrice` and `amount`, `vatAmount` extracted from `amount`. */
export interface BankInvoiceLine {
  /** 1, 2, 3… */
  lineNo: number
  description: string
  quantity: number
  /** Price of one unit after discounts, VAT included, minor units. */
  unitPrice: number
  /** `unitPrice × quantity`, minor units. */
  amount: number
  vatRate: VatRate
  /** The VAT contained in `amount` (`vatFromGross`), minor units. */
  vatAmount: number
}

/** A bank invoice (счёт на оплату) as plain data, ready to be rendered as a document. */
export interface BankInvoice {
  id: string
  /** `INV-<order number>-<n>`: unique; the buyer quotes it in the payment's purpose. */
  number: string
  orderId: string
  orderNumber: string
  /** The bank_invoice method code it was issued under. */
  method: string
  /** When it was issued. */
  date: Date
  seller: SellerRequisites
  buyer: InvoiceBuyer
  /** The order's lines (and delivery) for what it owed; a line whose share does not divide by its quantity is split in two, so Σ amounts = total exactly. */
  lines: BankInvoiceLine[]
  /** Σ line amounts: what the order owed when the invoice was issued. */
  total: number
  /** Σ line VAT amounts. */
  vatTotal: number
  /** VAT per rate, for the «в т.ч. НДС» lines of the document. */
  vatByRate: { vatRate: VatRate; amount: number }[]
  currency: CurrencyCode
  /** `paid` once a bank statement row paid it, or once the order's payments cover the order. */
  status: 'issued' | 'paid'
  /** When a bank statement row paid it. */
  paidAt: Date | null
  /** The payment the bank statement row was recorded as. */
  paymentId: string | null
  /** Who issued it. */
  actor: string
}

/** Input of `shop.payments.issueInvoice()`. */
export interface IssueInvoiceInput {
  buyer: InvoiceBuyer
  /** Who issues it (`manager:7`, `customer`). */
  actor: string
  /** A bank_invoice method code. @default the first configured bank_invoice method */
  method?: string
}

/** One row of a bank statement (выписка), as the shop's bank exports it. */
export interface BankStatementRow {
  /** The statement date: `YYYY-MM-DD` or a Date (its UTC day). */
  date: Date | string
  /** Received, minor units. */
  amount: number
  /** The payer's ИНН. */
  payerTaxId?: string
  /** Назначение платежа: must contain the invoice number (`INV-…`). */
  purpose: string
  /** The payment order's number (номер платёжного поручения). */
  documentNumber: string
}

/** Why a bank statement row paid no invoice. */
export const BANK_STATEMENT_MISMATCH_REASONS = ['no_invoice_number', 'amount_differs', 'already_paid', 'already_imported'] as const
/** One of {@link BANK_STATEMENT_MISMATCH_REASONS}. */
export type BankStatementMismatchReason = (typeof BANK_STATEMENT_MISMATCH_REASONS)[number]

/** A statement row that paid no invoice, with the reason. */
export interface BankStatementMismatch {
  row: BankStatementRow
  /**
   * - `no_invoice_number`: the purpose names no invoice Ordo issued;
   * - `amount_differs`: the row's amount is not the invoice's total (`expected` vs `received`);
   * - `already_paid`: the invoice (or its order) is already paid;
   * - `already_imported`: a row with this document number and date was imported before.
   */
  reason: BankStatementMismatchReason
  invoiceNumber: string | null
  orderId: string | null
  /** The invoice total, when an invoice was found. */
  expected: number | null
  received: number
}

/** What `shop.payments.importBankStatement()` did. */
export interface BankStatementResult {
  matched: { documentNumber: string; invoiceId: string; invoiceNumber: string; orderId: string; paymentId: string; amount: number }[]
  unmatched: BankStatementMismatch[]
}

/** What the invoice commands need from the payment module. */
export interface InvoiceContext {
  runtime: Runtime
  loadOrder(db: Kysely<Database>, orderId: string): Promise<Order>
  /** The bank_invoice method to issue under (by code, or the first one), offered for this order and amount; throws otherwise. */
  invoiceMethod(code: string | undefined, order: Order, amount: number): PaymentMethodConfig
  /** The configured method with this code, if any. */
  method(code: string): PaymentMethodConfig | undefined
  /** Records money received for the order with an offline method, as `recordCash` does, in the caller's unit of work. */
  takeOffline(uow: UnitOfWork, order: Order, input: { amount: number; actor: string; method: PaymentMethodConfig; reason: string }): Promise<PaymentTable>
}

const idSchema = z.string().min(1).max(64)
const actorSchema = z.string().trim().min(1).max(191)
const INVOICE_NUMBER = /INV-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*/gi
const NUMBER_ATTEMPTS = 5
const CHUNK = 500

/** The invoice commands of `shop.payments`. */
export function createInvoiceCommands(ctx: InvoiceContext) {
  const { runtime } = ctx

  /** captured − refunded over the order's payments. */
  async function netPaid(db: Kysely<Database>, orderId: string): Promise<number> {
    const rows = await db.selectFrom('ordo_payment').select(['captured', 'refunded']).where('order_id', '=', orderId).execute()
    return rows.reduce((s, r) => s + Number(r.captured) - Number(r.refunded), 0)
  }

  function toInvoice(row: PaymentInvoiceTable, orderCovered: boolean): BankInvoice {
    const doc = JSON.parse(row.document) as Omit<BankInvoice, 'date' | 'status' | 'paidAt' | 'paymentId'> & { date: string }
    return {
      ...doc,
      date: new Date(doc.date),
      status: row.paid_at !== null || orderCovered ? 'paid' : 'issued',
      paidAt: row.paid_at === null ? null : new Date(Number(row.paid_at)),
      paymentId: row.payment_id,
    }
  }

  async function issueInvoice(orderIdInput: string, input: IssueInvoiceInput): Promise<BankInvoice> {
    const orderId = parseInput('payments.issueInvoice', idSchema, orderIdInput)
    const data = parseInput(
      'payments.issueInvoice',
      z.strictObject({ buyer: buyerSchema, actor: actorSchema, method: z.string().trim().min(1).max(64).optional() }),
      input,
    )
    const seller = runtime.config.payments?.seller
    if (!seller) {
      throw new OrdoError('INVALID_CONFIG', 'Bank invoices need the seller requisites: set payments.seller (name, taxId, address, bank) in the createCommerce config.', {
        details: { key: 'payments.seller' },
      })
    }
    return runInTransaction(runtime, async (uow) => {
      const order = await ctx.loadOrder(uow.db, orderId)
      const orderMachine = runtime.machines.get('order')?.machine
      if (orderMachine?.states[order.status]?.final) {
        throw new OrdoError('NOT_ALLOWED_IN_STATE', `Order ${order.number} is "${order.status}"; no invoice can be issued for it.`, { details: { orderId, state: order.status, capability: 'invoice' } })
      }
      const due = order.totals.total - (await netPaid(uow.db, order.id))
      if (due <= 0) {
        throw new OrdoError('NOT_ALLOWED_IN_STATE', `Order ${order.number} owes nothing (due ${due}); no invoice is needed.`, { details: { orderId, state: order.status, capability: 'invoice', due } })
      }
      const method = ctx.invoiceMethod(data.method, order, due)
      const receipt = buildReceipt(order, { kind: 'income', amount: due, paymentMode: 'full_prepayment' })
      const lines: BankInvoiceLine[] = receipt.lines.map((l, i) => ({
        lineNo: i + 1,
        description: l.description,
        quantity: l.quantity,
        unitPrice: l.unitPrice,
        amount: l.amount,
        vatRate: l.vatRate,
        vatAmount: vatFromGross(l.amount, l.vatRate).vat,
      }))
      const vatByRate = new Map<VatRate, number>()
      for (const l of lines) vatByRate.set(l.vatRate, (vatByRate.get(l.vatRate) ?? 0) + l.vatAmount)
      const buyer: InvoiceBuyer = {
        name: data.buyer.name,
        taxId: data.buyer.taxId,
        ...(data.buyer.kpp !== undefined ? { kpp: data.buyer.kpp } : {}),
        ...(data.buyer.address !== undefined ? { address: data.buyer.address } : {}),
        ...(data.buyer.email !== undefined ? { email: data.buyer.email } : {}),
      }
      const total = lines.reduce((s, l) => s + l.amount, 0)
      const vatTotal = lines.reduce((s, l) => s + l.vatAmount, 0)
      const last = await uow.db.selectFrom('ordo_payment_invoice').select((eb) => eb.fn.max('seq').as('seq')).where('order_id', '=', order.id).executeTakeFirst()
      let seq = Number(last?.seq ?? 0) + 1
      const id = newId()
      for (let attempt = 1; ; attempt++, seq++) {
        const number = `INV-${order.number}-${seq}`
        const doc = {
          id,
          number,
          orderId: order.id,
          orderNumber: order.number,
          method: method.code,
          date: uow.now.toISOString(),
          seller,
          buyer,
          lines,
          total,
          vatTotal,
          vatByRate: [...vatByRate].map(([vatRate, amount]) => ({ vatRate, amount })),
          currency: order.currency,
          actor: data.actor,
        }
        const row: PaymentInvoiceTable = {
          id,
          order_id: order.id,
          number,
          seq,
          method: method.code,
          currency: order.currency,
          total,
          vat_total: vatTotal,
          buyer_tax_id: buyer.taxId,
          document: JSON.stringify(doc),
          actor: data.actor,
          issued_at: uow.now.getTime(),
          paid_at: null,
          payment_id: null,
        }
        // Two invoices of one order issued at once may pick the same n: the unique number decides, the loser takes the next one.
        const inserted = await insertIgnoringConflicts(uow.db.insertInto('ordo_payment_invoice').values(row), runtime.storage.capabilities).executeTakeFirst()
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) {
          uow.emit({ type: 'payment.invoice_issued', aggregateId: order.id, data: { invoiceId: id, orderId: order.id, number, total, vatTotal, currency: order.currency, buyerTaxId: buyer.taxId } })
          return toInvoice(row, false)
        }
        if (attempt >= NUMBER_ATTEMPTS) {
          throw new OrdoError('CONFLICT', `Could not number an invoice for order ${order.number}: other invoices were being issued at the same time; try again.`, { details: { orderId } })
        }
      }
    })
  }

  async function invoices(orderIdInput: string): Promise<BankInvoice[]> {
    const orderId = parseInput('payments.invoices', idSchema, orderIdInput)
    const order = await ctx.loadOrder(runtime.db, orderId)
    const rows = await runtime.db.selectFrom('ordo_payment_invoice').selectAll().where('order_id', '=', orderId).orderBy('seq').execute()
    if (rows.length === 0) return []
    const covered = order.totals.total - (await netPaid(runtime.db, orderId)) <= 0
    return rows.map((r) => toInvoice(r, covered))
  }

  async function importBankStatement(rowsInput: BankStatementRow[]): Promise<BankStatementResult> {
    const rows = parseInput(
      'payments.importBankStatement',
      z
        .array(
          z.strictObject({
            date: z.union([z.date(), z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected a date such as 2026-03-10')]),
            amount: z.number().int('expected whole minor units (kopecks)').positive().max(Number.MAX_SAFE_INTEGER),
            payerTaxId: z.string().trim().regex(/^(\d{10}|\d{12})$/, 'expected an ИНН of 10 or 12 digits').optional(),
            purpose: z.string().max(2000),
            documentNumber: z.string().trim().min(1).max(64),
          }),
        )
        .max(10_000),
      rowsInput,
    ) as BankStatementRow[]
    const dayOf = (date: Date | string) => (typeof date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : new Date(date).toISOString().slice(0, 10))
    const keyOf = (r: BankStatementRow) => `${r.documentNumber}|${dayOf(r.date)}`
    const tokensOf = (r: BankStatementRow) => [...new Set((r.purpose.match(INVOICE_NUMBER) ?? []).flatMap((t) => [t, t.toUpperCase()]))]

    return runInTransaction(runtime, async (uow) => {
      const numbers = [...new Set(rows.flatMap(tokensOf))]
      const byNumber = new Map<string, PaymentInvoiceTable>()
      for (let i = 0; i < numbers.length; i += CHUNK) {
        for (const inv of await uow.db.selectFrom('ordo_payment_invoice').selectAll().where('number', 'in', numbers.slice(i, i + CHUNK)).execute()) byNumber.set(inv.number, inv)
      }
      const keys = [...new Set(rows.map(keyOf))]
      const imported = new Set<string>()
      for (let i = 0; i < keys.length; i += CHUNK) {
        for (const t of await uow.db.selectFrom('ordo_payment_bank_transfer').select(['dedupe_key']).where('dedupe_key', 'in', keys.slice(i, i + CHUNK)).execute()) imported.add(t.dedupe_key)
      }
      const orders = new Map<string, Order>()
      const result: BankStatementResult = { matched: [], unmatched: [] }
      for (const r of rows) {
        const invoice = tokensOf(r)
          .map((t) => byNumber.get(t))
          .find((inv) => inv !== undefined)
        const miss = (reason: BankStatementMismatchReason) =>
          result.unmatched.push({ row: r, reason, invoiceNumber: invoice?.number ?? null, orderId: invoice?.order_id ?? null, expected: invoice ? Number(invoice.total) : null, received: r.amount })
        const key = keyOf(r)
        if (imported.has(key)) {
          miss('already_imported')
          continue
        }
        if (!invoice) {
          miss('no_invoice_number')
          continue
        }
        let order = orders.get(invoice.order_id)
        if (!order) orders.set(invoice.order_id, (order = await ctx.loadOrder(uow.db, invoice.order_id)))
        if (invoice.paid_at !== null || order.totals.total - (await netPaid(uow.db, order.id)) <= 0) {
          miss('already_paid')
          continue
        }
        if (r.amount !== Number(invoice.total)) {
          miss('amount_differs')
          continue
        }
        const day = dayOf(r.date)
        const transferId = newId()
        const inserted = await insertIgnoringConflicts(
          uow.db.insertInto('ordo_payment_bank_transfer').values({
            id: transferId,
            dedupe_key: key,
            document_number: r.documentNumber,
            paid_on: Date.parse(`${day}T00:00:00Z`),
            amount: r.amount,
            payer_tax_id: r.payerTaxId ?? null,
            purpose: r.purpose,
            invoice_id: invoice.id,
            payment_id: null,
            imported_at: uow.now.getTime(),
          }),
          runtime.storage.capabilities,
        ).executeTakeFirst()
        imported.add(key)
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) {
          // Another import took this row first, in the meantime.
          miss('already_imported')
          continue
        }
        // The money arrived: it is recorded even if the method was since removed from the config.
        const method = ctx.method(invoice.method) ?? { code: invoice.method, type: 'bank_invoice' as const }
        const payment = await ctx.takeOffline(uow, order, { amount: r.amount, actor: 'system', method, reason: `bank transfer ${r.documentNumber} of ${day}` })
        await uow.db.updateTable('ordo_payment_bank_transfer').set({ payment_id: payment.id }).where('id', '=', transferId).execute()
        await uow.db.updateTable('ordo_payment_invoice').set({ paid_at: uow.now.getTime(), payment_id: payment.id }).where('id', '=', invoice.id).execute()
        byNumber.set(invoice.number, { ...invoice, paid_at: uow.now.getTime(), payment_id: payment.id })
        uow.emit({
          type: 'payment.invoice_paid',
          aggregateId: order.id,
          data: { invoiceId: invoice.id, orderId: order.id, number: invoice.number, paymentId: payment.id, amount: r.amount, documentNumber: r.documentNumber },
        })
        result.matched.push({ documentNumber: r.documentNumber, invoiceId: invoice.id, invoiceNumber: invoice.number, orderId: order.id, paymentId: payment.id, amount: r.amount })
      }
      return result
    })
  }

  return { issueInvoice, invoices, importBankStatement }
}
