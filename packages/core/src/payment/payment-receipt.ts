import { OrdoError } from '../errors.js'
import { allocate, lineShare } from '../money/index.js'
import type { Order } from '../order/index.js'
import type { FiscalReceipt, FiscalReceiptLine } from './payment-provider.js'
import type { BuildReceiptOptions } from './payment-types.js'

/**
 * Builds 54-FZ receipt data for a capture or a refund from the order's
 * breakdown: one entry per order line (and one for delivery), the amount
 * allocated over them by line totals (largest remainder), each entry's unit
 * price after discounts, VAT included. When a line's share does not divide by
 * its quantity, the line is split in two (some units one kopeck dearer), so
 * Σ unitPrice × quantity = Σ amounts = the receipt total, exactly.
 *
 * @example
 * ```ts
 * const receipt = buildReceipt(order, { kind: 'income', paymentMode: 'full_prepayment' })
 * receipt.total === order.totals.total // true
 * ```
 */
export function buildReceipt(order: Order, options: BuildReceiptOptions): FiscalReceipt {
  const sources: { description: string; quantity: number; weight: number; vatRate: FiscalReceiptLine['vatRate']; paymentSubject: string }[] = []
  if (options.lines && options.lines.length > 0) {
    for (const wanted of options.lines) {
      const line = order.lines.find((l) => l.id === wanted.lineId)
      if (!line) throw new OrdoError('NOT_FOUND', `Order ${order.number} has no line "${wanted.lineId}".`, { details: { orderId: order.id, lineId: wanted.lineId } })
      if (!Number.isSafeInteger(wanted.quantity) || wanted.quantity < 1 || wanted.quantity > line.quantity) {
        throw new OrdoError('VALIDATION', `Line "${line.id}" of order ${order.number} has ${line.quantity} units; ${wanted.quantity} cannot be taken.`, {
          details: { issues: [{ path: 'lines.quantity', message: `expected 1 to ${line.quantity}` }] },
        })
      }
      const share = lineShare(line.total, line.quantity, wanted.quantity)
      sources.push({ description: line.name, quantity: wanted.quantity, weight: share, vatRate: line.vatRate, paymentSubject: line.paymentSubject })
    }
  } else {
    for (const line of order.lines) {
      sources.push({ description: line.name, quantity: line.quantity, weight: line.total, vatRate: line.vatRate, paymentSubject: line.paymentSubject })
    }
    if (order.totals.deliveryTotal > 0) {
      sources.push({
        description: 'Доставка',
        quantity: 1,
        weight: order.totals.deliveryTotal,
        vatRate: order.lines[0]?.vatRate ?? 'none',
        paymentSubject: 'service',
      })
    }
    if (order.totals.paymentFee > 0) {
      sources.push({
        description: 'Комиссия за способ оплаты',
        quantity: 1,
        weight: order.totals.paymentFee,
        vatRate: order.lines[0]?.vatRate ?? 'none',
        paymentSubject: 'service',
      })
    }
  }
  const natural = sources.reduce((s, l) => s + l.weight, 0)
  const amount = options.amount ?? natural
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new OrdoError('INVALID_AMOUNT', `A receipt amount must be a non-negative integer of minor units, got ${amount}.`, { details: { amount } })
  }
  const parts = sources.length === 0 ? [] : allocate(amount, sources.map((s) => s.weight))
  const lines: FiscalReceiptLine[] = []
  sources.forEach((source, i) => {
    const part = parts[i] ?? 0
    if (part === 0) return
    const base = Math.floor(part / source.quantity)
    const rest = part - base * source.quantity
    const entry = (quantity: number, unitPrice: number): FiscalReceiptLine => ({
      description: source.description,
      quantity,
      unitPrice,
      amount: unitPrice * quantity,
      vatRate: source.vatRate,
      paymentSubject: source.paymentSubject,
      paymentMode: options.paymentMode,
    })
    if (rest === 0) lines.push(entry(source.quantity, base))
    else {
      if (source.quantity - rest > 0 && base > 0) lines.push(entry(source.quantity - rest, base))
      lines.push(entry(rest, base + 1))
      if (base === 0 && source.quantity - rest > 0) {
        // Fewer kopecks than units: the units left over are given at zero, so the quantity still adds up.
        lines.push(entry(source.quantity - rest, 0))
      }
    }
  })
  return {
    kind: options.kind,
    customer: { email: order.contact.email, phone: order.contact.phone },
    lines,
    total: lines.reduce((s, l) => s + l.amount, 0),
    currency: order.currency,
  }
}
