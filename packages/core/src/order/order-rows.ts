import type { Kysely } from 'kysely'
import { channelOf } from '../cart/contact-schema.js'
import type { CurrencyCode } from '../money/index.js'
import type { VatRate } from '../money/vat.js'
import { stateGroup, type Machine } from '../machine/index.js'
import type { LineDiscount, PriceBreakdown, PricingContext } from '../pricing/index.js'
import type { Database } from '../storage/database.js'
import type { OrderLineTable, OrderTable } from './order-schema.js'
import type { Order, OrderLine, OrderSummary, OrderTotals } from './order-types.js'

/** @internal The pricing context as stored: JSON with `at` as ISO text. */
export function serializeContext(context: PricingContext): string {
  return JSON.stringify({ ...context, at: context.at.toISOString() })
}

/** @internal */
export function parseContext(json: string): PricingContext {
  const raw = JSON.parse(json) as Omit<PricingContext, 'at'> & { at: string }
  return { ...raw, at: new Date(raw.at) }
}

/** @internal Totals of a breakdown. */
export function totalsOf(breakdown: PriceBreakdown): OrderTotals {
  return {
    subtotal: breakdown.subtotal,
    discountTotal: breakdown.discountTotal,
    deliveryTotal: breakdown.delivery?.total ?? 0,
    vatTotal: breakdown.vatTotal,
    paymentFee: breakdown.paymentFee ?? 0,
    total: breakdown.total,
  }
}

/** @internal */
export function totalsOfRow(row: OrderTable): OrderTotals {
  return {
    subtotal: Number(row.subtotal),
    discountTotal: Number(row.discount_total),
    deliveryTotal: Number(row.delivery_total),
    vatTotal: Number(row.vat_total),
    // Lines cost subtotal − discounts; what the total holds beyond them and delivery is the payment method's fee.
    paymentFee: Number(row.total) - Number(row.subtotal) + Number(row.discount_total) - Number(row.delivery_total),
    total: Number(row.total),
  }
}

/** @internal */
export function toLine(row: OrderLineTable): OrderLine {
  return {
    id: row.id,
    lineNo: Number(row.line_no),
    variantId: row.variant_id,
    productId: row.product_id,
    sku: row.sku,
    name: row.name,
    quantity: Number(row.quantity),
    unitPrice: Number(row.unit_price),
    discountTotal: Number(row.discount_total),
    total: Number(row.total),
    vatRate: row.vat_rate as VatRate,
    vatAmount: Number(row.vat_amount),
    discounts: JSON.parse(row.discounts) as LineDiscount[],
    costPrice: row.cost_price === null ? null : Number(row.cost_price),
    paymentSubject: row.payment_subject,
    weightGrams: row.weight === null ? null : Number(row.weight),
  }
}

/** @internal */
export function toSummary(machine: Machine<any>, row: Omit<OrderTable, 'breakdown' | 'pricing_context'>): OrderSummary {
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    group: stateGroup(machine, row.status) ?? null,
    version: Number(row.version),
    cartId: row.cart_id,
    customerId: row.customer_id,
    contact: { name: row.contact_name, phone: row.contact_phone, email: row.contact_email },
    shippingAddress: row.shipping_address === null ? null : JSON.parse(row.shipping_address),
    notes: row.notes,
    currency: row.currency as CurrencyCode,
    region: row.region,
    channel: channelOf(row),
    totals: totalsOfRow(row as OrderTable),
    delivery: row.delivery === null ? null : JSON.parse(row.delivery),
    paymentMethod: row.payment_method,
    managerId: row.manager_id,
    cancelReason: row.cancel_reason,
    idempotencyKey: row.idempotency_key,
    placedAt: new Date(Number(row.placed_at)),
    updatedAt: new Date(Number(row.updated_at)),
    reservationExpiresAt: row.reservation_expires_at === null ? null : new Date(Number(row.reservation_expires_at)),
    refusedTotal: Number(row.refused_total ?? 0),
  }
}

/** @internal */
export function toOrder(machine: Machine<any>, row: OrderTable, lines: readonly OrderLineTable[]): Order {
  return {
    ...toSummary(machine, row),
    pricingContext: parseContext(row.pricing_context),
    breakdown: JSON.parse(row.breakdown) as PriceBreakdown,
    lines: [...lines].sort((a, b) => Number(a.line_no) - Number(b.line_no)).map(toLine),
  }
}

/** @internal The order row by id, or by number when no id matches. */
export async function findRow(db: Kysely<Database>, idOrNumber: string): Promise<OrderTable | undefined> {
  const rows = await db
    .selectFrom('ordo_order')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrNumber), eb('number', '=', idOrNumber)]))
    .limit(2)
    .execute()
  return rows.find((r) => r.id === idOrNumber) ?? rows[0]
}

/** @internal Lines of one or more orders, in one query. */
export async function loadLines(db: Kysely<Database>, orderIds: readonly string[]): Promise<Map<string, OrderLineTable[]>> {
  const byOrder = new Map<string, OrderLineTable[]>()
  if (orderIds.length === 0) return byOrder
  const rows = await db.selectFrom('ordo_order_line').selectAll().where('order_id', 'in', [...orderIds]).orderBy('order_id').orderBy('line_no').execute()
  for (const row of rows) {
    const list = byOrder.get(row.order_id) ?? []
    list.push(row)
    byOrder.set(row.order_id, list)
  }
  return byOrder
}

/** @internal */
export function encodeCursor(at: number, id: string): string {
  return Buffer.from(`${at}:${id}`).toString('base64url')
}

/** @internal */
export function decodeCursor(cursor: string): [number, string] | undefined {
  const text = Buffer.from(cursor, 'base64url').toString()
  const at = text.slice(0, text.indexOf(':'))
  const id = text.slice(text.indexOf(':') + 1)
  if (!at || !id || !Number.isFinite(Number(at)) || text.indexOf(':') < 0) return undefined
  return [Number(at), id]
}
