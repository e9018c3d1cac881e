import type { Kysely } from 'kysely'
import { z } from 'zod'
import { OrdoError } from '../errors.js'
import type { JobDefinition } from '../jobs/job-types.js'
import type { EventHandler } from '../events/event-handler.js'
import { adaptersFromPlugins } from '../plugin/adapter-plugin.js'
import { canTransition, defineMachine, type Machine } from '../machine/index.js'
import { isCurrencyCode, type CurrencyCode } from '../money/index.js'
import type { Order, OrderInternal } from '../order/index.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { affected, insertIgnoringConflicts } from '../storage/sql-helpers.js'
import { runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import { parseInput, webhookRequestSchema } from '../validation.js'
import './payment-events.js'
import { applyFacts, deriveOrderPaymentState, PAYMENT_MACHINE, type PaymentFacts } from './payment-machine.js'
import { callProvider, type ProviderCallSettings } from './payment-provider-client.js'
import type { FiscalPaymentMode, FiscalReceipt, PaymentProvider, ProviderPaymentState, WebhookRequest } from './payment-provider.js'
import { createInvoiceCommands, type BankInvoice, type BankStatementResult, type BankStatementRow, type IssueInvoiceInput } from './payment-invoice.js'
import { buildReceipt } from './payment-receipt.js'
import type { PaymentOperationTable, PaymentTable } from './payment-schema.js'
import {
  PAY_ON_RECEIPT_METHOD_TYPES,
  PROVIDER_METHOD_TYPES,
  REFUND_PURPOSES,
  type CapturePaymentInput,
  type OrderPayments,
  type OrderPaymentState,
  type Payment,
  type PaymentMethod,
  type PaymentMethodConfig,
  type PaymentMethodQuery,
  type PaymentMethodType,
  type PaymentStatus,
  type ReconcileResult,
  type RecordCashInput,
  type RefundPaymentInput,
  type RefundPurpose,
  type RemittanceResult,
  type RemittanceRow,
  type StartPaymentInput,
  type StoredReceipt,
  type WebhookResult,
} from './payment-types.js'

export { paymentMigrations, type PaymentTables } from './payment-schema.js'

/**
 * `shop.payments`: payment methods, payments and their machine, the provider
 * wrapper (idempotency keys, timeouts, retries, attempt log), webhooks,
 * reconciliation, refunds, cash-on-delivery settlement and fiscal receipts.
 *
 * @example
 * ```ts
 * const payment = await shop.payments.start(order.id, { method: 'card', returnUrl, idempotencyKey: crypto.randomUUID() })
 * redirect(payment.confirmationUrl)
 * // later, when the order is packed (two-stage card):
 * await shop.payments.capture(payment.id, { idempotencyKey: crypto.randomUUID() })
 * ```
 */
export interface PaymentApi {
  /** Methods offered for an order (by id) or for an amount / region / delivery type; all enabled methods without an argument. */
  methods(orderIdOrQuery?: string | PaymentMethodQuery): Promise<PaymentMethod[]>
  /** Starts a payment of an order with a method (for provider methods: calls the provider; the customer goes to `confirmationUrl`). A retry with the same key returns the same payment. */
  start(orderId: string, input: StartPaymentInput): Promise<Payment>
  /** Captures a hold (two-stage): by default what the order now owes, at most the hold; the rest is released. */
  capture(paymentId: string, input: CapturePaymentInput): Promise<Payment>
  /** Releases a hold or cancels a payment not yet captured. */
  void(paymentId: string, options?: { actor?: string }): Promise<Payment>
  /** Refunds by amount or by lines (never more than captured − refunded); cash methods are recorded as a cash refund by a manager. */
  refund(paymentId: string, input: RefundPaymentInput): Promise<Payment>
  /** Records money a manager took: paid at pickup, by the courier's terminal, or an invoice paid. */
  recordCash(orderId: string, input: RecordCashInput): Promise<Payment>
  /** The payment, or undefined. */
  get(paymentId: string): Promise<Payment | undefined>
  /** An order's payments and its payment state derived from them. */
  forOrder(orderId: string): Promise<OrderPayments>
  /** Handles a provider's webhook: verified by the adapter, de-duplicated by event id, applied only forward. Answer the provider with `response`. */
  handleWebhook(providerId: string, request: WebhookRequest): Promise<WebhookResult>
  /** Finishes operations a crash left half-done (same idempotency key), syncs stale payments with their provider and settles holds about to expire. The job `payments.reconcile` runs it every minute. */
  reconcile(): Promise<ReconcileResult>
  /** Reconciles a carrier's cash-on-delivery remittance statement: matched payments become captured, mismatches are listed with the difference. */
  importRemittance(rows: RemittanceRow[]): Promise<RemittanceResult>
  /** The fiscal receipts stored for an order, oldest first. */
  receipts(orderId: string): Promise<StoredReceipt[]>
  /**
   * The closing `full_payment` receipt of a prepaid order, when its goods are
   * handed over: the order's lines for what its prepaid payments hold
   * (captured − refunded). Issued once per order; a second call returns the
   * first receipt. Undefined when nothing was prepaid.
   */
  issueClosingReceipt(orderId: string): Promise<StoredReceipt | undefined>
  /**
   * Issues a bank invoice (счёт на оплату) to a legal entity for what the
   * order still owes: seller requisites from `payments.seller`, the buyer's
   * (ИНН checked), the order's lines with VAT. Numbered `INV-<order number>-<n>`.
   * It is paid by `recordCash(orderId, { method: <the bank_invoice code>, … })`
   * or by {@link PaymentApi.importBankStatement}.
   */
  issueInvoice(orderId: string, input: IssueInvoiceInput): Promise<BankInvoice>
  /** The invoices issued for an order, oldest first. */
  invoices(orderId: string): Promise<BankInvoice[]>
  /**
   * Reconciles a bank statement: a row whose purpose names an invoice and
   * whose amount is its total becomes a captured payment of its order; other
   * rows are listed with the reason. A row is imported once (by document
   * number and date): a re-import matches nothing new.
   */
  importBankStatement(rows: BankStatementRow[]): Promise<BankStatementResult>
}

/** What other core modules call. */
export interface PaymentInternal {
  /** An order's payments and derived state, read through `db`. */
  forOrder(db: Kysely<Database>, orderId: string): Promise<OrderPayments>
  /** The configured method with this code, if any. */
  method(code: string): PaymentMethodConfig | undefined
  /** Why the method with this code cannot pay for this amount, region and delivery; null when it can. */
  whyNotOffered(code: string, query: PaymentMethodQuery): string | null
  /**
   * Cash on delivery for one shipment, in the caller's unit of work: creates
   * the pending COD payment the carrier's remittance will settle (keyed by the
   * shipment), or sets its amount when the customer keeps less; 0 voids it.
   */
  setCashOnDelivery(uow: UnitOfWork, order: Order, input: { shipmentId: string; amount: number; trackingNumber: string | null; actor: string }): Promise<void>
  /**
   * Plans the refund of prepaid lines the customer did not keep, in the caller's
   * unit of work: provider refunds are stored as pending operations (run them
   * with `runOperations` after the commit; `reconcile` resumes them after a
   * crash). Returns the amount planned; 0 when nothing was captured. `amount`:
   * what the lines are worth when they were valued elsewhere (units of a
   * shipment's part of a line); by default their share of the order lines.
   * `purpose`: stored on each refund, for reports; @default 'refused_goods'
   */
  planLineRefund(
    uow: UnitOfWork,
    order: Order,
    input: { lines: { lineId: string; quantity: number }[]; amount?: number; reason: string; key: string; actor: string; purpose?: RefundPurpose },
  ): Promise<{ amount: number; operationIds: string[] }>
  /** Runs stored pending operations (refunds planned by `planLineRefund`) against their providers. */
  runOperations(operationIds: string[]): Promise<void>
}

interface PaymentDeps {
  orders: OrderInternal
}

const OPEN: readonly PaymentStatus[] = ['pending', 'requires_action', 'authorized']
const REFUNDABLE: readonly PaymentStatus[] = ['captured', 'partially_captured', 'partially_refunded']
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
const BATCH = 100

const idSchema = z.string().min(1).max(64)
const keySchema = z.string().trim().min(8, 'use a random key of at least 8 characters (e.g. a UUID)').max(150)
const amountSchema = z.number().int('expected whole minor units (kopecks)').positive('expected an amount above zero').max(Number.MAX_SAFE_INTEGER)
const actorSchema = z.string().trim().min(1).max(191)
const currencySchema = z.string().refine(isCurrencyCode, 'expected an ISO 4217 code such as RUB')
const voidSchema = z.strictObject({ actor: actorSchema.optional() })
export const captureSchema = z.strictObject({ amount: amountSchema.optional(), idempotencyKey: keySchema, currency: currencySchema.optional() })
const linesSchema = z.array(z.strictObject({ lineId: idSchema, quantity: z.number().int().positive() })).min(1).max(500)
export const startSchema = z.strictObject({
  method: z.string().trim().min(1).max(64),
  returnUrl: z.url().max(2000).optional(),
  idempotencyKey: keySchema,
  amount: amountSchema.optional(),
  currency: currencySchema.optional(),
  trackingNumber: z.string().trim().min(1).max(64).optional(),
})
export const refundSchema = z
  .strictObject({
    amount: amountSchema.optional(),
    lines: linesSchema.optional(),
    reason: z.string().trim().min(1).max(500),
    purpose: z.enum(REFUND_PURPOSES).optional(),
    idempotencyKey: keySchema,
    actor: actorSchema.optional(),
    currency: currencySchema.optional(),
  })
  .refine((d) => d.amount === undefined || d.lines === undefined, { message: 'give an amount or lines, not both', path: ['amount'] })
export const recordCashSchema = z.strictObject({ amount: amountSchema, actor: actorSchema, method: z.string().trim().min(1).max(64).optional(), idempotencyKey: keySchema.optional(), currency: currencySchema.optional() })

/** Creates the payment module: registers the `payment` machine and returns the API, the internal calls, its jobs and its durable event handlers (which the engine registers). */
export function createPaymentModule(
  runtime: Runtime,
  deps: PaymentDeps,
): { api: PaymentApi; internal: PaymentInternal; jobs: Record<string, JobDefinition<any>>; handlers: EventHandler<any>[] } {
  const config = runtime.config.payments ?? {}
  const providers = new Map<string, PaymentProvider>()
  for (const provider of adaptersFromPlugins(runtime.plugins, 'paymentProviders', config.providers)) {
    if (providers.has(provider.id)) {
      throw new OrdoError('INVALID_CONFIG', `Two payment providers have the id "${provider.id}" (config and plugins together).`, { details: { key: 'payments.providers' } })
    }
    providers.set(provider.id, provider)
  }
  const firstProvider = [...providers.keys()][0]
  const methodConfigs: PaymentMethodConfig[] = config.methods ?? [
    ...(firstProvider ? [{ code: 'card_online', type: 'card_online' as const, provider: firstProvider }] : []),
    { code: 'pay_at_pickup', type: 'pay_at_pickup' },
    { code: 'cash_on_delivery', type: 'cash_on_delivery' },
  ]
  const methodsByCode = new Map<string, PaymentMethodConfig>()
  for (const m of methodConfigs) {
    if (methodsByCode.has(m.code)) throw new OrdoError('INVALID_CONFIG', `Two payment methods have the code "${m.code}".`, { details: { key: 'payments.methods' } })
    if (isProviderType(m.type)) {
      const id = m.provider ?? firstProvider
      if (!id || !providers.has(id)) {
        throw new OrdoError('INVALID_CONFIG', `Payment method "${m.code}" (${m.type}) needs a provider; configure one in payments.providers${m.provider ? ` with id "${m.provider}"` : ''}.`, {
          details: { key: 'payments.methods', method: m.code },
        })
      }
      if (m.twoStage && !providers.get(id)!.capabilities.supportsTwoStage) {
        throw new OrdoError('INVALID_CONFIG', `Payment method "${m.code}" is two-stage, but provider "${id}" does not support holds.`, { details: { key: 'payments.methods', method: m.code } })
      }
    }
    methodsByCode.set(m.code, m)
  }
  const settings: ProviderCallSettings = {
    timeoutMs: config.timeoutMs ?? 30_000,
    maxAttempts: config.maxAttempts ?? 3,
    backoffMs: config.retryBackoffMs ?? 200,
  }
  const staleMs = (config.reconcileAfterMinutes ?? 15) * MINUTE
  const holdMs = (config.holdDays ?? 7) * DAY
  const onHoldExpiry = config.onHoldExpiry ?? 'void'

  runtime.machines.set('payment', { machine: defineMachine(PAYMENT_MACHINE), event: 'payment.status_changed' })
  const machine = (): Machine<any> => runtime.machines.get('payment')!.machine

  // ---------------------------------------------------------------- helpers

  function providerOf(row: PaymentTable): PaymentProvider {
    const provider = row.provider_id ? providers.get(row.provider_id) : undefined
    if (!provider) throw new OrdoError('INVALID_CONFIG', `Payment "${row.id}" was made through provider "${row.provider_id}", which is not configured.`, { details: { key: 'payments.providers', provider: row.provider_id } })
    return provider
  }

  async function loadPayment(db: Kysely<Database>, id: string): Promise<PaymentTable> {
    const row = await db.selectFrom('ordo_payment').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw new OrdoError('NOT_FOUND', `No payment "${id}".`, { details: { paymentId: id } })
    return row
  }

  async function loadOrder(db: Kysely<Database>, orderId: string): Promise<Order> {
    const order = await deps.orders.get(db, orderId)
    if (!order) throw new OrdoError('NOT_FOUND', `No order "${orderId}".`, { details: { orderId } })
    return order
  }

  /** Writes the payment with its version check: someone else's change first is a `CONFLICT`. */
  async function savePayment(uow: UnitOfWork, row: PaymentTable, patch: Partial<PaymentTable>): Promise<PaymentTable> {
    const version = Number(row.version)
    const next = { ...patch, version: version + 1, updated_at: uow.now.getTime() }
    const result = await uow.db.updateTable('ordo_payment').set(next).where('id', '=', row.id).where('version', '=', version).executeTakeFirst()
    if (affected(result) !== 1) {
      throw new OrdoError('CONFLICT', `Payment "${row.id}" changed while this command ran; try again.`, { details: { paymentId: row.id, expectedVersion: version } })
    }
    return { ...row, ...next }
  }

  function receiptMode(row: PaymentTable): FiscalPaymentMode {
    return PAY_ON_RECEIPT_METHOD_TYPES.includes(row.method_type as PaymentMethodType) ? 'full_payment' : 'full_prepayment'
  }

  async function storeReceipt(uow: UnitOfWork, row: PaymentTable, receipt: FiscalReceipt, mode: FiscalPaymentMode, operationId: string | null, sentToProvider?: boolean): Promise<void> {
    if (receipt.total === 0) return
    const sent = sentToProvider ?? (row.provider_id !== null && providers.get(row.provider_id)?.capabilities.supportsReceipts === true)
    await uow.db
      .insertInto('ordo_fiscal_receipt')
      .values({
        id: newId(),
        payment_id: row.id,
        order_id: row.order_id,
        operation_id: operationId,
        kind: receipt.kind,
        payment_mode: mode,
        total: receipt.total,
        currency: receipt.currency,
        receipt: JSON.stringify(receipt),
        sent_to_provider: sent ? 1 : 0,
        created_at: uow.now.getTime(),
      })
      .execute()
  }

  /**
   * Applies facts to a payment: only forward moves of the machine (history,
   * `payment.status_changed`), captures and refunds as events and receipts,
   * and the order moved on when its payments now cover it.
   */
  async function applyToPayment(
    uow: UnitOfWork,
    row: PaymentTable,
    facts: PaymentFacts,
    options: {
      actor: string
      patch?: Partial<PaymentTable>
      refundReason?: string
      refundPurpose?: RefundPurpose | null
      cash?: boolean
      operationId?: string | null
      receiptLines?: { lineId: string; quantity: number }[]
    },
  ): Promise<PaymentTable> {
    const current = { status: row.status as PaymentStatus, amount: Number(row.amount), captured: Number(row.captured), refunded: Number(row.refunded) }
    const { next, transition } = applyFacts(machine(), current, facts)
    const changed = transition !== null || next.captured !== current.captured || next.refunded !== current.refunded
    if (!changed && !options.patch) return row
    if (transition) {
      await uow.transition('payment', { entityId: row.id, state: current.status, transition, actor: options.actor, reason: options.refundReason ?? null })
    }
    const saved = await savePayment(uow, row, {
      ...options.patch,
      status: next.status,
      captured: next.captured,
      refunded: next.refunded,
      ...(next.status === 'authorized' && row.authorized_at === null ? { authorized_at: uow.now.getTime() } : {}),
    })
    // No money moved: no receipt, and the order's payment state (what afterMoney acts on) is what it was.
    if (!changed || (next.captured === current.captured && next.refunded === current.refunded)) return saved
    const order = await loadOrder(uow.db, row.order_id)
    const mode = receiptMode(row)
    if (next.captured > current.captured) {
      const amount = next.captured - current.captured
      uow.emit({ type: 'payment.captured', aggregateId: row.id, data: { paymentId: row.id, orderId: row.order_id, amount, captured: next.captured, currency: row.currency } })
      await storeReceipt(uow, saved, buildReceipt(order, { kind: 'income', amount, paymentMode: mode }), mode, options.operationId ?? null)
    }
    if (next.refunded > current.refunded) {
      const amount = next.refunded - current.refunded
      uow.emit({
        type: 'payment.refunded',
        aggregateId: row.id,
        data: { paymentId: row.id, orderId: row.order_id, amount, refunded: next.refunded, currency: row.currency, reason: options.refundReason ?? 'provider', purpose: options.refundPurpose ?? 'other', cash: options.cash ?? false },
      })
      const receipt = buildReceipt(order, { kind: 'refund', amount, paymentMode: mode, ...(options.receiptLines ? { lines: options.receiptLines } : {}) })
      await storeReceipt(uow, saved, receipt, mode, options.operationId ?? null)
    }
    await afterMoney(uow, order, saved, current)
    return saved
  }

  /** Emits `order.paid` (and takes the order's `pay` transition when its status has one) the moment the payments first cover the total. */
  async function afterMoney(uow: UnitOfWork, order: Order, saved: PaymentTable, before: { captured: number; refunded: number }): Promise<void> {
    const rows = await uow.db.selectFrom('ordo_payment').select(['id', 'captured', 'refunded']).where('order_id', '=', order.id).execute()
    const now = rows.map((r) => ({ captured: Number(r.captured), refunded: Number(r.refunded) }))
    const was = rows.map((r) => (r.id === saved.id ? before : { captured: Number(r.captured), refunded: Number(r.refunded) }))
    const closed = order.group === 'cancel'
    const covered = (s: OrderPaymentState) => s.status === 'paid' || s.status === 'overpaid'
    const after = deriveOrderPaymentState(order.totals.total, now, closed)
    if (!covered(after) || covered(deriveOrderPaymentState(order.totals.total, was, closed))) return
    uow.emit({ type: 'order.paid', aggregateId: order.id, data: { orderId: order.id, total: order.totals.total, captured: after.captured, currency: order.currency } })
    const orderMachine = runtime.machines.get('order')?.machine
    if (orderMachine && canTransition(orderMachine, order.status, 'pay', { order }).ok) {
      await deps.orders.transition(uow, order.id, 'pay', { actor: 'system', reason: 'paid', note: `payment ${saved.id}` })
    }
  }

  function providerFacts(state: ProviderPaymentState): PaymentFacts {
    return { providerStatus: state.status, captured: state.capturedAmount, refunded: state.refundedAmount }
  }

  async function applyProviderState(uow: UnitOfWork, row: PaymentTable, state: ProviderPaymentState, actor: string, operationId: string | null): Promise<PaymentTable> {
    const patch: Partial<PaymentTable> = {}
    if (row.provider_payment_id === null) patch.provider_payment_id = state.providerPaymentId
    if (state.confirmationUrl !== null && state.confirmationUrl !== row.confirmation_url) patch.confirmation_url = state.confirmationUrl
    if (state.failureReason !== null && state.failureReason !== row.failure_reason) patch.failure_reason = state.failureReason
    // Refunds the provider reports are counted through refund operations; here only a larger total moves the machine.
    const facts = providerFacts(state)
    return applyToPayment(uow, row, facts, { actor, ...(Object.keys(patch).length > 0 ? { patch } : {}), operationId })
  }

  async function finishOperation(uow: UnitOfWork, operationId: string, status: 'succeeded' | 'failed', extra: { provider_ref?: string | null; error?: string | null } = {}): Promise<void> {
    await uow.db
      .updateTable('ordo_payment_operation')
      .set({ status, updated_at: uow.now.getTime(), ...extra })
      .where('id', '=', operationId)
      .where('status', '=', 'pending')
      .execute()
  }

  function toPayment(row: PaymentTable): Payment {
    return {
      id: row.id,
      orderId: row.order_id,
      orderNumber: row.order_number,
      method: row.method,
      methodType: row.method_type as PaymentMethodType,
      providerId: row.provider_id,
      providerPaymentId: row.provider_payment_id,
      status: row.status as PaymentStatus,
      currency: row.currency as CurrencyCode,
      amount: Number(row.amount),
      captured: Number(row.captured),
      refunded: Number(row.refunded),
      twoStage: Number(row.two_stage) === 1,
      confirmationUrl: row.confirmation_url,
      failureReason: row.failure_reason,
      trackingNumber: row.tracking_number,
      version: Number(row.version),
      createdAt: new Date(Number(row.created_at)),
      updatedAt: new Date(Number(row.updated_at)),
    }
  }

  async function orderPayments(db: Kysely<Database>, order: Order): Promise<OrderPayments> {
    const rows = await db.selectFrom('ordo_payment').selectAll().where('order_id', '=', order.id).orderBy('created_at').orderBy('id').execute()
    const payments = rows.map(toPayment)
    return { payments, state: deriveOrderPaymentState(order.totals.total - order.refusedTotal, payments, order.group === 'cancel') }
  }

  function checkCurrency(given: string | undefined, expected: string, command: string): void {
    if (given !== undefined && given !== expected) {
      throw new OrdoError('CURRENCY_MISMATCH', `${command}: the amount is in ${given}, but the order is in ${expected}.`, { details: { given, expected } })
    }
  }

  function methodFee(m: PaymentMethodConfig, amount: number | undefined): number {
    if (amount === undefined) return 0
    return Math.round((amount * (m.feeBasisPoints ?? 0)) / 10_000) + (m.feeFixed ?? 0)
  }

  function offered(m: PaymentMethodConfig, query: PaymentMethodQuery): string | null {
    if (query.amount !== undefined && m.minAmount !== undefined && query.amount < m.minAmount) return `the amount is below ${m.minAmount}`
    if (query.amount !== undefined && m.maxAmount !== undefined && query.amount > m.maxAmount) return `the amount is above ${m.maxAmount}`
    if (m.regions && m.regions.length > 0 && query.region != null && !m.regions.includes(query.region)) return `not offered in region "${query.region}"`
    if (m.deliveryTypes && m.deliveryTypes.length > 0 && query.deliveryType != null && !m.deliveryTypes.includes(query.deliveryType)) return `not offered with delivery "${query.deliveryType}"`
    return null
  }

  function toMethod(m: PaymentMethodConfig, amount: number | undefined): PaymentMethod {
    return {
      code: m.code,
      type: m.type,
      label: m.label ?? m.code,
      providerId: isProviderType(m.type) ? (m.provider ?? firstProvider ?? null) : null,
      twoStage: m.twoStage === true,
      payOnReceipt: PAY_ON_RECEIPT_METHOD_TYPES.includes(m.type),
      fee: methodFee(m, amount),
    }
  }

  function queryOf(order: Order, due: number): PaymentMethodQuery {
    const delivery = order.delivery as { type?: unknown } | null
    return { amount: due, region: order.region, deliveryType: typeof delivery?.type === 'string' ? delivery.type : null }
  }

  async function replayOperation(key: string, paymentId: string | null, command: string): Promise<Payment | undefined> {
    const op = await runtime.db.selectFrom('ordo_payment_operation').selectAll().where('idempotency_key', '=', key).executeTakeFirst()
    if (!op) return undefined
    if (paymentId !== null && op.payment_id !== paymentId) {
      throw new OrdoError('IDEMPOTENCY_MISMATCH', `${command}: the idempotency key "${key}" was already used for payment "${op.payment_id}".`, { details: { idempotencyKey: key, paymentId: op.payment_id } })
    }
    if (op.status === 'pending') await resume(op).catch(() => undefined)
    return toPayment(await loadPayment(runtime.db, op.payment_id))
  }

  // ---------------------------------------------------------- provider calls

  function createRequest(row: PaymentTable, order: Order, returnUrl: string | null, method: PaymentMethodConfig | undefined) {
    const provider = providerOf(row)
    const receipt = provider.capabilities.supportsReceipts && Number(row.two_stage) !== 1 ? buildReceipt(order, { kind: 'income', amount: Number(row.amount), paymentMode: 'full_prepayment' }) : null
    return {
      amount: Number(row.amount),
      currency: row.currency as CurrencyCode,
      orderNumber: row.order_number,
      description: `Заказ ${row.order_number}`,
      returnUrl,
      capture: Number(row.two_stage) !== 1,
      method: method?.providerMethod ?? null,
      receipt,
      metadata: { paymentId: row.id, orderId: row.order_id },
    }
  }

  /** Calls the provider for a pending operation with its stored key, then records the answer. Used right after the operation is written and again by `reconcile` after a crash. */
  async function runOperation(op: PaymentOperationTable, context: { returnUrl?: string | null; payment?: PaymentTable; order?: Order } = {}): Promise<PaymentTable> {
    // The caller that just wrote the payment (and read its order) in a committed transaction hands them over.
    const row = context.payment?.id === op.payment_id ? context.payment : await loadPayment(runtime.db, op.payment_id)
    const provider = providerOf(row)
    const target = { provider, operation: op.kind, operationId: op.id, paymentId: row.id }
    const key = op.provider_key
    try {
      switch (op.kind) {
        case 'create': {
          const order = context.order?.id === row.order_id ? context.order : await loadOrder(runtime.db, row.order_id)
          const request = createRequest(row, order, context.returnUrl ?? (op.reason || null), methodsByCode.get(row.method))
          const state = await callProvider(runtime, settings, { ...target, request }, (signal) => provider.createPayment(request, { signal, idempotencyKey: key }))
          return await runInTransaction(runtime, async (uow) => {
            await finishOperation(uow, op.id, 'succeeded', { provider_ref: state.providerPaymentId })
            return applyProviderState(uow, await loadPayment(uow.db, row.id), state, 'system', op.id)
          })
        }
        case 'capture': {
          const order = await loadOrder(runtime.db, row.order_id)
          const amount = Number(op.amount)
          const receipt = provider.capabilities.supportsReceipts ? buildReceipt(order, { kind: 'income', amount, paymentMode: 'full_prepayment' }) : null
          const request = { providerPaymentId: row.provider_payment_id!, amount, currency: row.currency as CurrencyCode, receipt }
          const state = await callProvider(runtime, settings, { ...target, request }, (signal) => provider.capture(request, { signal, idempotencyKey: key }))
          return await runInTransaction(runtime, async (uow) => {
            await finishOperation(uow, op.id, 'succeeded')
            // A capture releases the rest of the hold: the provider's captured amount is what counts.
            const captured = state.status === 'captured' ? state.capturedAmount || amount : state.capturedAmount
            return applyToPayment(uow, await loadPayment(uow.db, row.id), { providerStatus: state.status, captured, refunded: state.refundedAmount }, { actor: op.actor, operationId: op.id })
          })
        }
        case 'void': {
          const request = { providerPaymentId: row.provider_payment_id! }
          const state = await callProvider(runtime, settings, { ...target, request }, (signal) => provider.void(request, { signal, idempotencyKey: key }))
          return await runInTransaction(runtime, async (uow) => {
            await finishOperation(uow, op.id, 'succeeded')
            return applyToPayment(uow, await loadPayment(uow.db, row.id), providerFacts(state), { actor: op.actor, operationId: op.id })
          })
        }
        case 'refund': {
          const order = await loadOrder(runtime.db, row.order_id)
          const amount = Number(op.amount)
          const lines = op.lines === null ? undefined : (JSON.parse(op.lines) as { lineId: string; quantity: number }[])
          const receipt = provider.capabilities.supportsReceipts
            ? buildReceipt(order, { kind: 'refund', amount, paymentMode: receiptMode(row), ...(lines ? { lines } : {}) })
            : null
          const request = { providerPaymentId: row.provider_payment_id!, amount, currency: row.currency as CurrencyCode, receipt }
          const refund = await callProvider(runtime, settings, { ...target, request }, (signal) => provider.refund(request, { signal, idempotencyKey: key }))
          return await runInTransaction(runtime, async (uow) => {
            const fresh = await loadPayment(uow.db, row.id)
            if (refund.status === 'failed') {
              await finishOperation(uow, op.id, 'failed', { provider_ref: refund.providerRefundId, error: 'the provider refused the refund' })
              return fresh
            }
            if (refund.status === 'pending') {
              await uow.db.updateTable('ordo_payment_operation').set({ provider_ref: refund.providerRefundId, updated_at: uow.now.getTime() }).where('id', '=', op.id).execute()
              return fresh
            }
            await finishOperation(uow, op.id, 'succeeded', { provider_ref: refund.providerRefundId })
            return applyToPayment(uow, fresh, { providerStatus: null, captured: 0, refunded: Number(fresh.refunded) + amount }, {
              actor: op.actor,
              refundReason: op.reason ?? 'refund',
              refundPurpose: op.purpose,
              operationId: op.id,
              ...(lines ? { receiptLines: lines } : {}),
            })
          })
        }
        default:
          throw new OrdoError('INTERNAL', `Unknown payment operation "${op.kind}".`, { details: { operationId: op.id } })
      }
    } catch (error) {
      // A refusal (not a retryable failure) ends the operation; a retryable one stays pending for reconcile with its key.
      if (error instanceof OrdoError && error.code === 'PAYMENT_PROVIDER' && error.details.retryable === false) {
        await runInTransaction(runtime, async (uow) => {
          await finishOperation(uow, op.id, 'failed', { error: error.message.slice(0, 2000) })
          if (op.kind === 'create') {
            const fresh = await loadPayment(uow.db, row.id)
            await applyToPayment(uow, fresh, { providerStatus: 'failed', captured: 0, refunded: 0 }, { actor: 'system', patch: { failure_reason: error.message.slice(0, 1000) } })
          }
        })
      }
      throw error
    }
  }

  async function resume(op: PaymentOperationTable): Promise<PaymentTable> {
    return runOperation(op)
  }

  /** Writes a pending operation (and bumps the payment's version, so concurrent commands serialise on it) in the caller's unit of work. */
  async function addOperation(
    uow: UnitOfWork,
    row: PaymentTable,
    op: { kind: string; amount: number; idempotencyKey: string | null; actor: string; reason?: string | null; purpose?: RefundPurpose; lines?: unknown; status?: 'pending' | 'succeeded' },
  ): Promise<PaymentOperationTable> {
    const id = newId()
    const record: PaymentOperationTable = {
      id,
      payment_id: row.id,
      kind: op.kind,
      status: op.status ?? 'pending',
      amount: op.amount,
      idempotency_key: op.idempotencyKey,
      provider_key: `ordo-${row.id}-${op.kind}-${id.slice(-12)}`,
      provider_ref: null,
      lines: op.lines === undefined ? null : JSON.stringify(op.lines),
      reason: op.reason ?? null,
      // Every refund says what it is for (reports read it); other kinds carry none.
      purpose: op.kind === 'refund' ? (op.purpose ?? 'other') : null,
      actor: op.actor,
      error: null,
      created_at: uow.now.getTime(),
      updated_at: uow.now.getTime(),
    }
    await uow.db.insertInto('ordo_payment_operation').values(record).execute()
    return record
  }

  async function pendingAmount(db: Kysely<Database>, paymentId: string, kind: string): Promise<number> {
    const r = await db
      .selectFrom('ordo_payment_operation')
      .select((eb) => eb.fn.sum<number>('amount').as('total'))
      .where('payment_id', '=', paymentId)
      .where('kind', '=', kind)
      .where('status', '=', 'pending')
      .executeTakeFirst()
    return Number(r?.total ?? 0)
  }

  /** Writes a pending payment of an offline method (cash, pickup, COD) and emits `payment.created`. */
  async function insertOffline(
    uow: UnitOfWork,
    order: Order,
    input: { method: string; type: PaymentMethodType; amount: number; key: string; trackingNumber: string | null },
  ): Promise<PaymentTable> {
    const now = uow.now.getTime()
    const row: PaymentTable = {
      id: newId(),
      order_id: order.id,
      order_number: order.number,
      method: input.method,
      method_type: input.type,
      provider_id: null,
      provider_payment_id: null,
      status: 'pending',
      currency: order.currency,
      amount: input.amount,
      captured: 0,
      refunded: 0,
      two_stage: 0,
      confirmation_url: null,
      failure_reason: null,
      idempotency_key: input.key,
      tracking_number: input.trackingNumber,
      version: 1,
      created_at: now,
      updated_at: now,
      authorized_at: null,
    }
    await uow.db.insertInto('ordo_payment').values(row).execute()
    uow.emit({ type: 'payment.created', aggregateId: row.id, data: { paymentId: row.id, orderId: order.id, method: input.method, amount: input.amount, currency: order.currency } })
    return row
  }

  /**
   * Records money a manager (or a bank statement) says was received with an
   * offline method, in the caller's unit of work: the order's open payment of
   * that method (or, without a method, its first open offline payment) is
   * captured for the amount received; without one, a payment is created.
   */
  async function takeOffline(
    uow: UnitOfWork,
    order: Order,
    input: { amount: number; actor: string; method?: PaymentMethodConfig | undefined; idempotencyKey?: string | null; reason?: string | null },
  ): Promise<PaymentTable> {
    let query = uow.db.selectFrom('ordo_payment').selectAll().where('order_id', '=', order.id).where('provider_id', 'is', null).where('status', 'in', [...OPEN])
    if (input.method) query = query.where('method', '=', input.method.code)
    let row = await query.orderBy('created_at').orderBy('id').executeTakeFirst()
    if (!row) {
      const method = input.method ?? methodConfigs.find((m) => m.type === 'pay_at_pickup') ?? { code: 'pay_at_pickup', type: 'pay_at_pickup' as const }
      row = await insertOffline(uow, order, { method: method.code, type: method.type, amount: input.amount, key: `cash:${input.idempotencyKey ?? newId()}`, trackingNumber: null })
    }
    // Cash taken is what counts: the expected amount becomes what was collected.
    const op = await addOperation(uow, row, { kind: 'cash', amount: input.amount, idempotencyKey: input.idempotencyKey ?? null, actor: input.actor, reason: input.reason ?? null, status: 'succeeded' })
    const saved = await applyToPayment(uow, { ...row, amount: input.amount }, { providerStatus: null, captured: input.amount, refunded: 0 }, { actor: input.actor, patch: { amount: input.amount }, operationId: op.id })
    return saved
  }

  const invoicing = createInvoiceCommands({
    runtime,
    loadOrder,
    method: (code) => methodsByCode.get(code),
    invoiceMethod(code, order, amount) {
      const method = code === undefined ? methodConfigs.find((m) => m.type === 'bank_invoice') : methodsByCode.get(code)
      if (!method || method.type !== 'bank_invoice') {
        throw new OrdoError(
          'PAYMENT_METHOD_UNAVAILABLE',
          code === undefined
            ? 'No bank_invoice payment method is configured; add one to payments.methods (e.g. { code: "invoice", type: "bank_invoice" }).'
            : `"${code}" is not a bank_invoice payment method (known: ${methodConfigs.filter((m) => m.type === 'bank_invoice').map((m) => m.code).join(', ') || 'none'}).`,
          { details: { method: code ?? null } },
        )
      }
      const why = offered(method, queryOf(order, amount))
      if (why) throw new OrdoError('PAYMENT_METHOD_UNAVAILABLE', `Payment method "${method.code}" is not offered for order ${order.number}: ${why}.`, { details: { method: method.code, reason: why } })
      return method
    },
    takeOffline: (uow, order, input) => takeOffline(uow, order, input),
  })

  /** The closing receipt of a prepaid order, once, in the caller's unit of work; undefined when nothing was prepaid. */
  async function closingReceipt(uow: UnitOfWork, id: string): Promise<StoredReceipt | undefined> {
    const order = await loadOrder(uow.db, id)
    const payments = await uow.db.selectFrom('ordo_payment').selectAll().where('order_id', '=', id).orderBy('created_at').orderBy('id').execute()
    const prepaid = payments.filter((p) => receiptMode(p) === 'full_prepayment' && Number(p.captured) - Number(p.refunded) > 0)
    if (prepaid.length === 0) return undefined
    const existing = await uow.db
      .selectFrom('ordo_fiscal_receipt')
      .selectAll()
      .where('order_id', '=', id)
      .where('kind', '=', 'income')
      .where('payment_mode', '=', 'full_payment')
      .where('payment_id', 'in', prepaid.map((p) => p.id))
      .executeTakeFirst()
    if (existing) return toStoredReceipt(existing)
    const held = prepaid.reduce((s, p) => s + Number(p.captured) - Number(p.refunded), 0)
    const receipt = buildReceipt(order, { kind: 'income', amount: Math.min(held, order.totals.total), paymentMode: 'full_payment' })
    // Keyed on the first prepaid payment: one closing receipt per order.
    await storeReceipt(uow, prepaid[0]!, receipt, 'full_payment', null, false)
    const stored = await uow.db
      .selectFrom('ordo_fiscal_receipt')
      .selectAll()
      .where('order_id', '=', id)
      .where('payment_mode', '=', 'full_payment')
      .where('payment_id', '=', prepaid[0]!.id)
      .executeTakeFirstOrThrow()
    return toStoredReceipt(stored)
  }

  // -------------------------------------------------------------------- api

  const api: PaymentApi = {
    async methods(orderIdOrQuery) {
      if (typeof orderIdOrQuery === 'string') {
        const order = await loadOrder(runtime.db, parseInput('payments.methods', idSchema, orderIdOrQuery))
        const { state } = await orderPayments(runtime.db, order)
        const query = queryOf(order, Math.max(0, state.due))
        return methodConfigs.filter((m) => offered(m, query) === null).map((m) => toMethod(m, query.amount))
      }
      const query = parseInput(
        'payments.methods',
        z.strictObject({ amount: z.number().int().nonnegative().optional(), region: z.string().max(64).nullable().optional(), deliveryType: z.string().max(64).nullable().optional() }),
        orderIdOrQuery ?? {},
      ) as PaymentMethodQuery
      return methodConfigs.filter((m) => offered(m, query) === null).map((m) => toMethod(m, query.amount))
    },

    async start(orderIdInput, input) {
      const orderId = parseInput('payments.start', idSchema, orderIdInput)
      const data = parseInput(
        'payments.start',
        startSchema,
        input,
      )
      const method = methodsByCode.get(data.method)
      if (!method) {
        throw new OrdoError('PAYMENT_METHOD_UNAVAILABLE', `No payment method "${data.method}" is configured (known: ${[...methodsByCode.keys()].join(', ') || 'none'}).`, { details: { method: data.method } })
      }
      const earlier = await runtime.db.selectFrom('ordo_payment').selectAll().where('idempotency_key', '=', data.idempotencyKey).executeTakeFirst()
      if (earlier) {
        if (earlier.order_id !== orderId) {
          throw new OrdoError('IDEMPOTENCY_MISMATCH', `The idempotency key "${data.idempotencyKey}" already started a payment of another order.`, { details: { idempotencyKey: data.idempotencyKey, orderId: earlier.order_id } })
        }
        const pending = await runtime.db.selectFrom('ordo_payment_operation').selectAll().where('payment_id', '=', earlier.id).where('kind', '=', 'create').where('status', '=', 'pending').executeTakeFirst()
        if (pending) return toPayment(await runOperation(pending, { returnUrl: data.returnUrl ?? null }))
        return toPayment(earlier)
      }
      const { row, op, order } = await runInTransaction(runtime, async (uow) => {
        const order = await loadOrder(uow.db, orderId)
        checkCurrency(data.currency, order.currency, 'payments.start')
        const orderMachine = runtime.machines.get('order')?.machine
        if (orderMachine?.states[order.status]?.final) {
          throw new OrdoError('NOT_ALLOWED_IN_STATE', `Order ${order.number} is "${order.status}"; it takes no more payments.`, { details: { orderId, state: order.status, capability: 'payable' } })
        }
        const { state, payments } = await orderPayments(uow.db, order)
        const expected = payments.filter((p) => OPEN.includes(p.status)).reduce((s, p) => s + p.amount, 0)
        const amount = data.amount ?? state.due - expected
        if (amount <= 0) {
          throw new OrdoError('VALIDATION', `Invalid input to payments.start: order ${order.number} owes nothing more (due ${state.due}, ${expected} in open payments); pass an amount to take more.`, {
            details: { command: 'payments.start', issues: [{ path: 'amount', message: 'nothing is due' }] },
          })
        }
        const why = offered(method, queryOf(order, amount))
        if (why) throw new OrdoError('PAYMENT_METHOD_UNAVAILABLE', `Payment method "${method.code}" is not offered for order ${order.number}: ${why}.`, { details: { method: method.code, reason: why } })
        const now = uow.now.getTime()
        const row: PaymentTable = {
          id: newId(),
          order_id: order.id,
          order_number: order.number,
          method: method.code,
          method_type: method.type,
          provider_id: isProviderType(method.type) ? (method.provider ?? firstProvider ?? null) : null,
          provider_payment_id: null,
          status: 'pending',
          currency: order.currency,
          amount,
          captured: 0,
          refunded: 0,
          two_stage: method.twoStage ? 1 : 0,
          confirmation_url: null,
          failure_reason: null,
          idempotency_key: data.idempotencyKey,
          tracking_number: data.trackingNumber ?? null,
          version: 1,
          created_at: now,
          updated_at: now,
          authorized_at: null,
        }
        await uow.db.insertInto('ordo_payment').values(row).execute()
        uow.emit({ type: 'payment.created', aggregateId: row.id, data: { paymentId: row.id, orderId: order.id, method: method.code, amount, currency: order.currency } })
        // The provider's key is stored before the provider is called: a crash-and-retry sends the same key.
        const op = row.provider_id ? await addOperation(uow, row, { kind: 'create', amount, idempotencyKey: null, actor: 'customer', reason: data.returnUrl ?? null }) : null
        return { row, op, order }
      })
      if (!op) return toPayment(row)
      return toPayment(await runOperation(op, { returnUrl: data.returnUrl ?? null, payment: row, order }))
    },

    async capture(paymentIdInput, input) {
      const paymentId = parseInput('payments.capture', idSchema, paymentIdInput)
      const data = parseInput('payments.capture', captureSchema, input)
      const replay = await replayOperation(data.idempotencyKey, paymentId, 'payments.capture')
      if (replay) return replay
      const op = await runInTransaction(runtime, async (uow) => {
        const row = await loadPayment(uow.db, paymentId)
        checkCurrency(data.currency, row.currency, 'payments.capture')
        if (row.status !== 'authorized' || !row.provider_id) {
          throw new OrdoError('NOT_ALLOWED_IN_STATE', `Payment "${row.id}" is "${row.status}"${row.provider_id ? '' : ' (an offline method: use recordCash)'}; only a held (authorized) payment can be captured.`, {
            details: { paymentId: row.id, state: row.status, capability: 'capture' },
          })
        }
        if ((await pendingAmount(uow.db, row.id, 'capture')) > 0) {
          throw new OrdoError('CONFLICT', `Payment "${row.id}" has a capture in progress; wait for it or run reconcile().`, { details: { paymentId: row.id } })
        }
        const hold = Number(row.amount)
        let amount = data.amount
        if (amount === undefined) {
          const order = await loadOrder(uow.db, row.order_id)
          const others = (await orderPayments(uow.db, order)).payments.filter((p) => p.id !== row.id)
          const paidElsewhere = others.reduce((s, p) => s + p.captured - p.refunded, 0)
          amount = Math.min(hold, order.totals.total - paidElsewhere)
          if (amount <= 0) {
            throw new OrdoError('VALIDATION', `Invalid input to payments.capture: order ${order.number} owes nothing on this payment; void it instead.`, {
              details: { command: 'payments.capture', issues: [{ path: 'amount', message: 'nothing is due' }] },
            })
          }
        }
        if (amount > hold) {
          throw new OrdoError('AMOUNT_EXCEEDS_AVAILABLE', `Payment "${row.id}" holds ${hold}; ${amount} cannot be captured.`, { details: { paymentId: row.id, available: hold, amount } })
        }
        if (amount < hold && !providerOf(row).capabilities.supportsPartialCapture) {
          throw new OrdoError('NOT_ALLOWED_IN_STATE', `Provider "${row.provider_id}" cannot capture part of a hold; capture ${hold} or void it.`, { details: { paymentId: row.id, state: row.status, capability: 'partial_capture' } })
        }
        await savePayment(uow, row, {})
        return addOperation(uow, row, { kind: 'capture', amount, idempotencyKey: data.idempotencyKey, actor: 'system' })
      })
      return toPayment(await runOperation(op))
    },

    async void(paymentIdInput, options = {}) {
      const paymentId = parseInput('payments.void', idSchema, paymentIdInput)
      const data = parseInput('payments.void', voidSchema, options)
      const actor = data.actor ?? 'system'
      const result = await runInTransaction(runtime, async (uow) => {
        const row = await loadPayment(uow.db, paymentId)
        if (!OPEN.includes(row.status as PaymentStatus)) {
          throw new OrdoError('NOT_ALLOWED_IN_STATE', `Payment "${row.id}" is "${row.status}"; only a pending or held payment can be voided (refund a captured one).`, {
            details: { paymentId: row.id, state: row.status, capability: 'void' },
          })
        }
        if (!row.provider_id || !row.provider_payment_id) {
          await uow.transition('payment', { entityId: row.id, state: row.status, transition: 'void', actor })
          const saved = await savePayment(uow, row, { status: 'voided' })
          if (row.provider_id) await uow.db.updateTable('ordo_payment_operation').set({ status: 'failed', error: 'voided before the provider answered', updated_at: uow.now.getTime() }).where('payment_id', '=', row.id).where('status', '=', 'pending').execute()
          return { saved, op: null }
        }
        await savePayment(uow, row, {})
        return { saved: row, op: await addOperation(uow, row, { kind: 'void', amount: 0, idempotencyKey: null, actor }) }
      })
      if (!result.op) return toPayment(result.saved)
      return toPayment(await runOperation(result.op))
    },

    async refund(paymentIdInput, input) {
      const paymentId = parseInput('payments.refund', idSchema, paymentIdInput)
      const data = parseInput(
        'payments.refund',
        refundSchema,
        input,
      )
      const replay = await replayOperation(data.idempotencyKey, paymentId, 'payments.refund')
      if (replay) return replay
      const actor = data.actor ?? 'system'
      const purpose = data.purpose ?? 'other'
      const result = await runInTransaction(runtime, async (uow) => {
        const row = await loadPayment(uow.db, paymentId)
        checkCurrency(data.currency, row.currency, 'payments.refund')
        if (!REFUNDABLE.includes(row.status as PaymentStatus)) {
          throw new OrdoError('NOT_ALLOWED_IN_STATE', `Payment "${row.id}" is "${row.status}"; only captured money can be refunded (void a hold instead).`, {
            details: { paymentId: row.id, state: row.status, capability: 'refund' },
          })
        }
        const order = await loadOrder(uow.db, row.order_id)
        const available = Number(row.captured) - Number(row.refunded) - (await pendingAmount(uow.db, row.id, 'refund'))
        const amount = data.amount ?? (data.lines ? buildReceipt(order, { kind: 'refund', lines: data.lines, paymentMode: 'full_payment' }).total : available)
        if (amount <= 0 || amount > available) {
          throw new OrdoError('AMOUNT_EXCEEDS_AVAILABLE', `Payment "${row.id}" has ${Math.max(0, available)} left to refund; ${amount} cannot be refunded.`, { details: { paymentId: row.id, available: Math.max(0, available), amount } })
        }
        if (!row.provider_id) {
          if (actor === 'system' || actor === 'customer') {
            throw new OrdoError('VALIDATION', 'Invalid input to payments.refund: a cash refund is recorded by a manager; pass actor (e.g. "manager:7").', {
              details: { command: 'payments.refund', issues: [{ path: 'actor', message: 'required for a cash refund' }] },
            })
          }
          const op = await addOperation(uow, row, { kind: 'refund', amount, idempotencyKey: data.idempotencyKey, actor, reason: data.reason, purpose, lines: data.lines, status: 'succeeded' })
          const saved = await applyToPayment(uow, row, { providerStatus: null, captured: 0, refunded: Number(row.refunded) + amount }, {
            actor,
            refundReason: data.reason,
            refundPurpose: purpose,
            cash: true,
            operationId: op.id,
            ...(data.lines ? { receiptLines: data.lines } : {}),
          })
          return { saved, op: null }
        }
        if (amount < Number(row.captured) - Number(row.refunded) && !providerOf(row).capabilities.supportsPartialRefund) {
          throw new OrdoError('NOT_ALLOWED_IN_STATE', `Provider "${row.provider_id}" cannot refund part of a payment; refund all ${Number(row.captured) - Number(row.refunded)}.`, {
            details: { paymentId: row.id, state: row.status, capability: 'partial_refund' },
          })
        }
        await savePayment(uow, row, {})
        return { saved: row, op: await addOperation(uow, row, { kind: 'refund', amount, idempotencyKey: data.idempotencyKey, actor, reason: data.reason, purpose, lines: data.lines }) }
      })
      if (!result.op) return toPayment(result.saved)
      return toPayment(await runOperation(result.op))
    },

    async recordCash(orderIdInput, input) {
      const orderId = parseInput('payments.recordCash', idSchema, orderIdInput)
      const data = parseInput(
        'payments.recordCash',
        recordCashSchema,
        input,
      )
      if (data.idempotencyKey) {
        const replay = await replayOperation(data.idempotencyKey, null, 'payments.recordCash')
        if (replay) {
          if (replay.orderId !== orderId) throw new OrdoError('IDEMPOTENCY_MISMATCH', `The idempotency key "${data.idempotencyKey}" already recorded cash for another order.`, { details: { idempotencyKey: data.idempotencyKey } })
          return replay
        }
      }
      const chosen = data.method ? methodsByCode.get(data.method) : undefined
      if (data.method && (!chosen || isProviderType(chosen.type))) {
        throw new OrdoError('PAYMENT_METHOD_UNAVAILABLE', `"${data.method}" is not an offline payment method (pay_at_pickup, courier_terminal, bank_invoice, cash_on_delivery).`, { details: { method: data.method } })
      }
      return runInTransaction(runtime, async (uow) => {
        const order = await loadOrder(uow.db, orderId)
        checkCurrency(data.currency, order.currency, 'payments.recordCash')
        return toPayment(await takeOffline(uow, order, { amount: data.amount, actor: data.actor, method: chosen, idempotencyKey: data.idempotencyKey ?? null }))
      })
    },

    async get(paymentIdInput) {
      const id = parseInput('payments.get', idSchema, paymentIdInput)
      const row = await runtime.db.selectFrom('ordo_payment').selectAll().where('id', '=', id).executeTakeFirst()
      return row ? toPayment(row) : undefined
    },

    async forOrder(orderIdInput) {
      const id = parseInput('payments.forOrder', idSchema, orderIdInput)
      return orderPayments(runtime.db, await loadOrder(runtime.db, id))
    },

    async handleWebhook(providerIdInput, request) {
      const providerId = parseInput('payments.handleWebhook', idSchema, providerIdInput)
      const req = parseInput('payments.handleWebhook', webhookRequestSchema, request) as WebhookRequest
      const provider = providers.get(providerId)
      if (!provider) throw new OrdoError('NOT_FOUND', `No payment provider "${providerId}" is configured.`, { details: { provider: providerId } })
      const parsed = await provider.parseWebhook(req)
      if (!parsed.ok) {
        runtime.logger.warn('A payment webhook was rejected by its adapter.', { provider: providerId, reason: parsed.reason })
        return { response: parsed.response, outcome: 'rejected', paymentId: null }
      }
      const event = parsed.event
      let row = await runtime.db.selectFrom('ordo_payment').selectAll().where('provider_id', '=', providerId).where('provider_payment_id', '=', event.providerPaymentId).executeTakeFirst()
      let fetched: ProviderPaymentState | null = null
      if (provider.capabilities.webhookVerification === 'refetch' || !row) {
        // A duplicate is answered before the provider is asked; otherwise the insert below tells it, in the transaction.
        const seen = await runtime.db.selectFrom('ordo_payment_webhook').select(['payment_id']).where('provider_id', '=', providerId).where('event_id', '=', event.eventId).executeTakeFirst()
        if (seen) return { response: parsed.response, outcome: 'duplicate', paymentId: seen.payment_id }
        const target = { provider, operation: 'get', operationId: null, paymentId: row?.id ?? null, request: { providerPaymentId: event.providerPaymentId } }
        fetched = await callProvider(runtime, settings, target, (signal) => provider.getPayment(event.providerPaymentId, { signal }))
        if (!row && fetched.metadata.paymentId) row = await runtime.db.selectFrom('ordo_payment').selectAll().where('id', '=', fetched.metadata.paymentId).where('provider_id', '=', providerId).executeTakeFirst()
      }
      if (!row) {
        runtime.logger.warn('A payment webhook names a payment Ordo does not know; reconcile will pick it up if it is ours.', { provider: providerId, providerPaymentId: event.providerPaymentId })
        return { response: parsed.response, outcome: 'unknown_payment', paymentId: null }
      }
      const paymentId = row.id
      const applied = await runInTransaction(runtime, async (uow) => {
        const inserted = await insertIgnoringConflicts(
          uow.db.insertInto('ordo_payment_webhook').values({ id: newId(), provider_id: providerId, event_id: event.eventId, payment_id: paymentId, received_at: uow.now.getTime() }),
          runtime.storage.capabilities,
        ).executeTakeFirst()
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) return false
        let fresh = await loadPayment(uow.db, paymentId)
        if (event.kind === 'refund' && event.refund) {
          fresh = await applyRefundEvent(uow, fresh, event.refund)
        }
        if (fetched) {
          await applyProviderState(uow, fresh, fetched, `provider:${providerId}`, null)
        } else if (event.kind === 'payment' && event.claimedStatus) {
          let captured = 0
          if (event.claimedStatus === 'captured') {
            const pendingCapture = await pendingAmount(uow.db, fresh.id, 'capture')
            captured = Number(fresh.captured) > 0 ? Number(fresh.captured) : pendingCapture > 0 ? pendingCapture : Number(fresh.amount)
          }
          await applyToPayment(uow, fresh, { providerStatus: event.claimedStatus, captured, refunded: 0 }, { actor: `provider:${providerId}` })
        }
        return true
      })
      return { response: parsed.response, outcome: applied ? 'applied' : 'duplicate', paymentId }
    },

    async reconcile() {
      const result: ReconcileResult = { synced: 0, resumed: 0, holdsSettled: 0, errors: 0 }
      const now = runtime.clock.now().getTime()
      const cutoff = now - staleMs
      const ops = await runtime.db
        .selectFrom('ordo_payment_operation')
        .selectAll()
        .where('status', '=', 'pending')
        .where('kind', 'in', ['create', 'capture', 'void', 'refund'])
        .where('created_at', '<=', cutoff)
        .orderBy('created_at')
        .orderBy('id')
        .limit(BATCH)
        .execute()
      for (const op of ops) {
        try {
          if (op.kind === 'refund' && op.provider_ref !== null) continue
          await resume(op)
          result.resumed++
        } catch (error) {
          result.errors++
          runtime.logger.warn('Resuming a payment operation failed; it is tried again on the next reconcile.', { operationId: op.id, error })
        }
      }
      const resumedIds = new Set(ops.map((o) => o.payment_id))
      const stale = await runtime.db
        .selectFrom('ordo_payment')
        .selectAll()
        .where('status', 'in', [...OPEN])
        .where('provider_payment_id', 'is not', null)
        .where('updated_at', '<=', cutoff)
        .orderBy('updated_at')
        .orderBy('id')
        .limit(BATCH)
        .execute()
      for (const row of stale) {
        if (resumedIds.has(row.id) || !row.provider_id || !providers.has(row.provider_id)) continue
        try {
          const provider = providerOf(row)
          const target = { provider, operation: 'get', operationId: null, paymentId: row.id, request: { providerPaymentId: row.provider_payment_id } }
          const state = await callProvider(runtime, settings, target, (signal) => provider.getPayment(row.provider_payment_id!, { signal }))
          await runInTransaction(runtime, async (uow) => {
            const fresh = await loadPayment(uow.db, row.id)
            // Touch the row even when nothing changed, so the next run looks at older payments first.
            await applyProviderState(uow, fresh, state, 'system', null)
            await uow.db.updateTable('ordo_payment').set({ updated_at: uow.now.getTime() }).where('id', '=', row.id).execute()
          })
          result.synced++
        } catch (error) {
          result.errors++
          runtime.logger.warn('Syncing a payment with its provider failed; it is tried again on the next reconcile.', { paymentId: row.id, error })
        }
      }
      const holds = await runtime.db
        .selectFrom('ordo_payment')
        .selectAll()
        .where('status', '=', 'authorized')
        .where('authorized_at', '<=', now - holdMs + DAY)
        .orderBy('authorized_at')
        .limit(BATCH)
        .execute()
      for (const row of holds) {
        try {
          if (onHoldExpiry === 'capture') await api.capture(row.id, { idempotencyKey: `hold-expiry:${row.id}` })
          else await api.void(row.id, { actor: 'system' })
          result.holdsSettled++
        } catch (error) {
          result.errors++
          runtime.logger.warn('Settling a hold about to expire failed; it is tried again on the next reconcile.', { paymentId: row.id, error })
        }
      }
      return result
    },

    async importRemittance(rowsInput) {
      const rows = parseInput(
        'payments.importRemittance',
        z
          .array(
            z
              .strictObject({
                orderNumber: z.string().trim().min(1).max(64).optional(),
                trackingNumber: z.string().trim().min(1).max(64).optional(),
                collected: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
                fee: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
                date: z.union([z.date(), z.string().min(1)]),
              })
              .refine((r) => r.orderNumber !== undefined || r.trackingNumber !== undefined, { message: 'give an orderNumber or a trackingNumber' }),
          )
          .max(10_000),
        rowsInput,
      ) as RemittanceRow[]
      return runInTransaction(runtime, async (uow) => {
        const numbers = [...new Set(rows.flatMap((r) => (r.orderNumber ? [r.orderNumber] : [])))]
        const tracking = [...new Set(rows.flatMap((r) => (r.trackingNumber ? [r.trackingNumber] : [])))]
        const candidates: PaymentTable[] = []
        for (let i = 0; i < numbers.length; i += 500) {
          candidates.push(...(await uow.db.selectFrom('ordo_payment').selectAll().where('method_type', '=', 'cash_on_delivery').where('order_number', 'in', numbers.slice(i, i + 500)).execute()))
        }
        for (let i = 0; i < tracking.length; i += 500) {
          candidates.push(...(await uow.db.selectFrom('ordo_payment').selectAll().where('method_type', '=', 'cash_on_delivery').where('tracking_number', 'in', tracking.slice(i, i + 500)).execute()))
        }
        const open = new Map<string, PaymentTable>()
        for (const c of candidates) if (OPEN.includes(c.status as PaymentStatus)) open.set(c.id, c)
        const result: RemittanceResult = { matched: [], mismatched: [] }
        for (const r of rows) {
          const row = [...open.values()].find((c) => (r.trackingNumber !== undefined && c.tracking_number === r.trackingNumber) || (r.orderNumber !== undefined && c.order_number === r.orderNumber))
          if (!row) {
            result.mismatched.push({ row: r, paymentId: null, orderNumber: r.orderNumber ?? null, expected: null, collected: r.collected, difference: null })
            continue
          }
          const expected = Number(row.amount)
          if (r.collected !== expected) {
            result.mismatched.push({ row: r, paymentId: row.id, orderNumber: row.order_number, expected, collected: r.collected, difference: r.collected - expected })
            continue
          }
          const op = await addOperation(uow, row, { kind: 'remittance', amount: r.collected, idempotencyKey: null, actor: 'system', reason: `remittance ${new Date(r.date).toISOString().slice(0, 10)} fee ${r.fee ?? 0}`, status: 'succeeded' })
          await applyToPayment(uow, row, { providerStatus: null, captured: r.collected, refunded: 0 }, { actor: 'system', operationId: op.id })
          open.delete(row.id)
          result.matched.push({ paymentId: row.id, orderNumber: row.order_number, collected: r.collected, fee: r.fee ?? 0 })
        }
        return result
      })
    },

    async receipts(orderIdInput) {
      const id = parseInput('payments.receipts', idSchema, orderIdInput)
      const rows = await runtime.db.selectFrom('ordo_fiscal_receipt').selectAll().where('order_id', '=', id).orderBy('created_at').orderBy('id').execute()
      return rows.map(toStoredReceipt)
    },

    async issueClosingReceipt(orderIdInput) {
      const id = parseInput('payments.issueClosingReceipt', idSchema, orderIdInput)
      return runInTransaction(runtime, (uow) => closingReceipt(uow, id))
    },

    issueInvoice: invoicing.issueInvoice,
    invoices: invoicing.invoices,
    importBankStatement: invoicing.importBankStatement,
  }

  function toStoredReceipt(r: { id: string; payment_id: string; order_id: string; receipt: string; payment_mode: string; sent_to_provider: number; created_at: number }): StoredReceipt {
    return {
      id: r.id,
      paymentId: r.payment_id,
      orderId: r.order_id,
      receipt: JSON.parse(r.receipt) as FiscalReceipt,
      paymentMode: r.payment_mode as FiscalPaymentMode,
      sentToProvider: Number(r.sent_to_provider) === 1,
      createdAt: new Date(Number(r.created_at)),
    }
  }

  /** A refund event: the pending refund operation it answers succeeds; a refund made in the provider's back office is recorded. */
  async function applyRefundEvent(uow: UnitOfWork, row: PaymentTable, refund: { providerRefundId: string; amount: number }): Promise<PaymentTable> {
    const op = await uow.db.selectFrom('ordo_payment_operation').selectAll().where('payment_id', '=', row.id).where('kind', '=', 'refund').where('provider_ref', '=', refund.providerRefundId).executeTakeFirst()
    if (op && op.status !== 'pending') return row
    const amount = op ? Number(op.amount) : refund.amount
    if (amount <= 0 || amount > Number(row.captured) - Number(row.refunded)) return row
    let operationId: string
    if (op) {
      await finishOperation(uow, op.id, 'succeeded')
      operationId = op.id
    } else {
      const added = await addOperation(uow, row, { kind: 'refund', amount, idempotencyKey: null, actor: `provider:${row.provider_id}`, reason: 'refunded at the provider', purpose: 'other', status: 'succeeded' })
      await uow.db.updateTable('ordo_payment_operation').set({ provider_ref: refund.providerRefundId }).where('id', '=', added.id).execute()
      operationId = added.id
    }
    const lines = op?.lines ? (JSON.parse(op.lines) as { lineId: string; quantity: number }[]) : undefined
    return applyToPayment(uow, row, { providerStatus: null, captured: 0, refunded: Number(row.refunded) + amount }, {
      actor: `provider:${row.provider_id}`,
      refundReason: op?.reason ?? 'refunded at the provider',
      refundPurpose: op?.purpose ?? 'other',
      operationId,
      ...(lines ? { receiptLines: lines } : {}),
    })
  }

  const internal: PaymentInternal = {
    async forOrder(db, orderId) {
      return orderPayments(db, await loadOrder(db, orderId))
    },
    method: (code) => methodsByCode.get(code),
    whyNotOffered(code, query) {
      const method = methodsByCode.get(code)
      if (!method) return `no payment method "${code}" is configured (known: ${[...methodsByCode.keys()].join(', ') || 'none'})`
      return offered(method, query)
    },

    async setCashOnDelivery(uow, order, input) {
      const key = `cod:${input.shipmentId}`
      const row = await uow.db.selectFrom('ordo_payment').selectAll().where('idempotency_key', '=', key).executeTakeFirst()
      if (row) {
        if (!OPEN.includes(row.status as PaymentStatus)) return
        if (input.amount === 0) {
          await uow.transition('payment', { entityId: row.id, state: row.status, transition: 'void', actor: input.actor, reason: 'nothing to collect' })
          await savePayment(uow, row, { status: 'voided' })
          return
        }
        await savePayment(uow, row, { amount: input.amount, tracking_number: input.trackingNumber ?? row.tracking_number })
        return
      }
      if (input.amount === 0) return
      const method = methodConfigs.find((m) => m.type === 'cash_on_delivery') ?? { code: 'cash_on_delivery', type: 'cash_on_delivery' as const }
      const code = methodsByCode.get(order.paymentMethod)?.type === 'cash_on_delivery' ? order.paymentMethod : method.code
      await insertOffline(uow, order, { method: code, type: 'cash_on_delivery', amount: input.amount, key, trackingNumber: input.trackingNumber })
    },

    async planLineRefund(uow, order, input) {
      const wanted = buildReceipt(order, { kind: 'refund', lines: input.lines, paymentMode: 'full_payment', ...(input.amount === undefined ? {} : { amount: input.amount }) }).total
      const rows = await uow.db.selectFrom('ordo_payment').selectAll().where('order_id', '=', order.id).where('status', 'in', [...REFUNDABLE]).orderBy('created_at').orderBy('id').execute()
      let left = wanted
      const operationIds: string[] = []
      for (const row of rows) {
        if (left === 0) break
        const available = Number(row.captured) - Number(row.refunded) - (await pendingAmount(uow.db, row.id, 'refund'))
        const amount = Math.min(available, left)
        if (amount <= 0) continue
        // One payment covering every refused line refunds by lines (its receipt names them); a split refund goes by amount.
        const lines = amount === wanted ? input.lines : undefined
        const opKey = `${input.key}:${row.id}`
        if (!row.provider_id) {
          // Offline money goes back by hand: the order shows refund_due until a manager records the refund.
          continue
        }
        await savePayment(uow, row, {})
        const op = await addOperation(uow, row, { kind: 'refund', amount, idempotencyKey: opKey, actor: input.actor, reason: input.reason, purpose: input.purpose ?? 'refused_goods', lines })
        operationIds.push(op.id)
        left -= amount
      }
      return { amount: wanted - left, operationIds }
    },

    async runOperations(operationIds) {
      if (operationIds.length === 0) return
      const ops = await runtime.db.selectFrom('ordo_payment_operation').selectAll().where('id', 'in', operationIds).where('status', '=', 'pending').execute()
      for (const op of ops) {
        try {
          await runOperation(op)
        } catch (error) {
          runtime.logger.error('A planned payment operation failed; reconcile will retry it.', { operationId: op.id, error })
        }
      }
    },
  }

  let reconciling: Promise<unknown> | null = null
  const jobs: Record<string, JobDefinition<any>> = {
    'payments.reconcile': {
      every: 60_000,
      run: (_payload, { uow }) => {
        // Provider calls must not run inside a transaction: reconcile starts after this job's commit, one run at a time per process.
        uow.afterCommit(() => {
          if (reconciling) return
          reconciling = api.reconcile().catch((error) => runtime.logger.error('payments.reconcile failed.', { error })).finally(() => (reconciling = null))
        })
      },
    },
  }

  /** Goods handed over (the order reached a `complete` status): the closing receipt of what was prepaid. */
  const closingReceiptHandler: EventHandler<'order.completed'> = {
    id: 'payments.closing-receipt',
    events: ['order.completed'],
    async handle(event, { uow }) {
      await closingReceipt(uow, event.data.orderId)
    },
  }

  return { api, internal, jobs, handlers: [closingReceiptHandler] }
}

function isProviderType(type: PaymentMethodType): boolean {
  return PROVIDER_METHOD_TYPES.includes(type)
}
