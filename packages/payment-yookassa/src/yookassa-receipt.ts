import { OrdoError, type FiscalPaymentMode, type FiscalReceipt, type FiscalReceiptLine, type VatRate } from '@ordo/core'
import { toYooKassaAmount, type YooKassaAmount } from './yookassa-money.js'

/** One `receipt.items[]` entry of the YooKassa API. */
export interface YooKassaReceiptItem {
  description: string
  /** A number, as the API reference types it (fractional for weighed goods). */
  quantity: number
  /** Price of ONE unit, VAT included. */
  amount: YooKassaAmount
  vat_code: number
  payment_subject: string
  payment_mode: FiscalPaymentMode
}

/** The `receipt` object of the YooKassa API (54-FZ data YooKassa hands to the online cash register). */
export interface YooKassaReceipt {
  customer: { email?: string; phone?: string }
  items: YooKassaReceiptItem[]
  tax_system_code?: number
}

/**
 * `vat_code` values from YooKassa's 54-FZ reference: 1 no VAT, 2 0%, 3 10%,
 * 4 20%, 5 10/110, 6 20/120, 11 22%, 12 22/122 (the 22% codes exist since
 * 1 January 2026).
 */
const VAT_CODES: Record<VatRate, { rate: number; calculated: number }> = {
  none: { rate: 1, calculated: 1 },
  vat0: { rate: 2, calculated: 2 },
  vat10: { rate: 3, calculated: 5 },
  vat20: { rate: 4, calculated: 6 },
  vat22: { rate: 11, calculated: 12 },
}

/** Money taken before the goods are handed over carries VAT at the calculated rate (10/110, 20/120, 22/122). */
const PREPAYMENT_MODES: ReadonlySet<FiscalPaymentMode> = new Set(['full_prepayment', 'partial_prepayment', 'advance'])

/** The YooKassa `vat_code` for a line: the calculated rate for prepayments and advances, the plain rate otherwise. */
export function yookassaVatCode(vatRate: VatRate, paymentMode: FiscalPaymentMode): number {
  const codes = VAT_CODES[vatRate]
  if (!codes) throw new OrdoError('VALIDATION', `Unknown VAT rate "${String(vatRate)}" on a receipt line`, { details: { vatRate } })
  return PREPAYMENT_MODES.has(paymentMode) ? codes.calculated : codes.rate
}

const MAX_DESCRIPTION = 128

/**
 * YooKassa wants a UNIT price per item and checks Σ price × quantity against
 * the amount. Core's line `amount` may differ from `unitPrice × quantity` by
 * the kopecks a discount allocation left over; such a line is sent as two
 * items (quantity − 1 at the base price, 1 at the price that absorbs the
 * remainder), which keeps the sum exact and every unit price true.
 */
function itemsFor(line: FiscalReceiptLine, currency: FiscalReceipt['currency']): YooKassaReceiptItem[] {
  const base = {
    description: line.description.length > MAX_DESCRIPTION ? line.description.slice(0, MAX_DESCRIPTION) : line.description,
    vat_code: yookassaVatCode(line.vatRate, line.paymentMode),
    payment_subject: line.paymentSubject,
    payment_mode: line.paymentMode,
  }
  const item = (quantity: number, unit: number): YooKassaReceiptItem => ({ ...base, quantity, amount: toYooKassaAmount(unit, currency) })
  const { quantity, amount } = line
  if (!(quantity > 0)) throw new OrdoError('VALIDATION', `Receipt line "${line.description}" has a non-positive quantity`, { details: { quantity } })
  if (Math.round(line.unitPrice * quantity) === amount) return [item(quantity, line.unitPrice)]
  if (Number.isInteger(quantity)) {
    if (quantity === 1) return [item(1, amount)]
    const unit = Math.floor(amount / quantity)
    return [item(quantity - 1, unit), item(1, amount - unit * (quantity - 1))]
  }
  // Weighed goods: find a unit price whose rounded product is the line amount.
  const estimate = Math.round(amount / quantity)
  for (const unit of [estimate, estimate - 1, estimate + 1]) {
    if (unit > 0 && Math.round(unit * quantity) === amount) return [item(quantity, unit)]
  }
  throw new OrdoError('VALIDATION', `Receipt line "${line.description}": no unit price × ${quantity} gives ${amount} exactly`, {
    details: { quantity, amount, unitPrice: line.unitPrice },
  })
}

/**
 * Maps core's `FiscalReceipt` (from `@ordo/core`) onto YooKassa's `receipt` object: the
 * customer's e-mail and/or phone (digits only, as the API wants), one item per
 * line (two when kopecks must be absorbed), VAT codes per YooKassa's
 * reference, and the shop's `tax_system_code` when configured.
 */
export function toYooKassaReceipt(receipt: FiscalReceipt, options: { taxSystemCode: number | null } = { taxSystemCode: null }): YooKassaReceipt {
  const customer: YooKassaReceipt['customer'] = {}
  if (receipt.customer.email) customer.email = receipt.customer.email
  if (receipt.customer.phone) customer.phone = receipt.customer.phone.replace(/\D/g, '')
  if (customer.email === undefined && customer.phone === undefined) {
    throw new OrdoError('VALIDATION', 'A YooKassa receipt needs the customer e-mail or phone', { details: { path: 'receipt.customer' } })
  }
  return {
    customer,
    items: receipt.lines.flatMap((line) => itemsFor(line, receipt.currency)),
    ...(options.taxSystemCode === null ? {} : { tax_system_code: options.taxSystemCode }),
  }
}
