import { OrdoError, money, toMajorString, type FiscalPaymentMode, type FiscalReceipt, type VatRate } from '@ordo/core'

/** CloudKassir `Method` (tag 1214) codes. */
const METHOD_CODES = {
  full_prepayment: 1,
  partial_prepayment: 2,
  advance: 3,
  full_payment: 4,
  partial_payment: 5,
  credit: 6,
  credit_payment: 7,
} as const satisfies Record<FiscalPaymentMode, number>

/** CloudKassir `Object` (tag 1212) codes for the 54-FZ payment subjects. */
const OBJECT_CODES: Readonly<Record<string, number>> = {
  commodity: 1,
  excise: 2,
  job: 3,
  service: 4,
  gambling_bet: 5,
  gambling_prize: 6,
  lottery: 7,
  lottery_prize: 8,
  intellectual_activity: 9,
  payment: 10,
  agent_commission: 11,
  composite: 12,
  another: 13,
}

// Prepayments and advances print the calculated rate (20/120), not the plain one.
const CALCULATED_MODES: ReadonlySet<FiscalPaymentMode> = new Set(['full_prepayment', 'partial_prepayment', 'advance'])

/** CloudKassir `Vat`: null = not subject to VAT; 110/120/122 are the calculated rates 10/110, 20/120, 22/122. */
function vatCode(rate: VatRate, mode: FiscalPaymentMode): number | null {
  const calculated = CALCULATED_MODES.has(mode)
  switch (rate) {
    case 'none':
      return null
    case 'vat0':
      return 0
    case 'vat10':
      return calculated ? 110 : 10
    case 'vat20':
      return calculated ? 120 : 20
    case 'vat22':
      return calculated ? 122 : 22
  }
}

/** A CloudKassir `CustomerReceipt`, as CloudPayments takes it in `JsonData.CloudPayments.CustomerReceipt`. */
export interface CloudKassirReceipt {
  Items: { label: string; price: number; quantity: number; amount: number; vat: number | null; method: number; object: number }[]
  taxationSystem?: number
  email?: string
  phone?: string
  amounts: { electronic: number; advancePayment: number; credit: number; provision: number }
}

/**
 * Converts core's fiscal receipt into a CloudKassir `CustomerReceipt`. Throws
 * `OrdoError('VALIDATION')` when the lines do not add up to the receipt total
 * or the total is not the amount being paid, so a wrong receipt never reaches
 * the tax service.
 */
export function toCloudKassirReceipt(receipt: FiscalReceipt, expected: { amount: number; currency: string; taxationSystem: number | null }): CloudKassirReceipt {
  const sum = receipt.lines.reduce((total, line) => total + line.amount, 0)
  if (receipt.currency !== expected.currency) {
    throw new OrdoError('VALIDATION', `The receipt is in ${receipt.currency}, the payment in ${expected.currency}.`, { details: { path: 'receipt.currency' } })
  }
  if (sum !== receipt.total || receipt.total !== expected.amount) {
    throw new OrdoError('VALIDATION', `The receipt lines sum to ${sum} and its total is ${receipt.total}, but the amount is ${expected.amount}; they must be equal to the kopeck.`, {
      details: { path: 'receipt.lines', linesSum: sum, total: receipt.total, amount: expected.amount },
    })
  }
  const major = (amount: number) => Number(toMajorString(money(amount, receipt.currency)))
  const items = receipt.lines.map((line, index) => {
    const object = OBJECT_CODES[line.paymentSubject]
    if (object === undefined) {
      throw new OrdoError('VALIDATION', `Receipt line ${index} has payment subject "${line.paymentSubject}", which CloudKassir does not know (expected one of ${Object.keys(OBJECT_CODES).join(', ')}).`, {
        details: { path: `receipt.lines.${index}.paymentSubject` },
      })
    }
    return {
      label: line.description,
      price: major(line.unitPrice),
      quantity: line.quantity,
      amount: major(line.amount),
      vat: vatCode(line.vatRate, line.paymentMode),
      method: METHOD_CODES[line.paymentMode],
      object,
    }
  })
  return {
    Items: items,
    ...(expected.taxationSystem === null ? {} : { taxationSystem: expected.taxationSystem }),
    ...(receipt.customer.email ? { email: receipt.customer.email } : {}),
    ...(receipt.customer.phone ? { phone: receipt.customer.phone } : {}),
    // Paid by card online: the whole sum is "electronic".
    amounts: { electronic: major(receipt.total), advancePayment: 0, credit: 0, provision: 0 },
  }
}
