/** Pure properties of the payment machine, the derived order state and the receipt builder (no database). */
import { buildReceipt, defineMachine, deriveOrderPaymentState, PAYMENT_MACHINE, type Order, type PaymentStatus, type ProviderPaymentStatus } from '@ordo/core'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { applyFacts, type PaymentSnapshot } from '../src/payment/payment-machine.js'

const machine = defineMachine(PAYMENT_MACHINE)
const RANK: Record<PaymentStatus, number> = {
  pending: 0,
  requires_action: 1,
  authorized: 2,
  captured: 3,
  partially_captured: 3,
  partially_refunded: 4,
  refunded: 5,
  voided: 6,
  failed: 6,
  expired: 6,
}
const FINAL: PaymentStatus[] = ['refunded', 'voided', 'failed', 'expired']
const providerStatus = fc.constantFrom<ProviderPaymentStatus | null>('pending', 'requires_action', 'authorized', 'captured', 'canceled', 'failed', null)

describe('the payment machine', () => {
  test('facts in any order never move a payment back, never shrink captured or refunded, and keep captured − refunded ≥ 0', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.record({ status: providerStatus, captured: fc.nat({ max: 100 }), refunded: fc.nat({ max: 100 }) }), { maxLength: 20 }),
        (amount, steps) => {
          let current: PaymentSnapshot = { status: 'pending', amount, captured: 0, refunded: 0 }
          for (const step of steps) {
            const facts = { providerStatus: step.status, captured: Math.floor((amount * step.captured) / 100), refunded: Math.floor((amount * step.refunded) / 100) }
            const { next, transition } = applyFacts(machine, current, facts)
            expect(RANK[next.status]).toBeGreaterThanOrEqual(RANK[current.status])
            if (FINAL.includes(current.status)) expect(next.status).toBe(current.status)
            if (transition !== null) expect(machine.transitions[transition]!.to).toBe(next.status)
            expect(next.captured).toBeGreaterThanOrEqual(current.captured)
            expect(next.refunded).toBeGreaterThanOrEqual(current.refunded)
            expect(next.captured - next.refunded).toBeGreaterThanOrEqual(0)
            expect(next.captured).toBeLessThanOrEqual(amount)
            current = next
          }
        },
      ),
      { numRuns: 1000 },
    )
  })

  test('a late authorized after captured changes nothing; a canceled hold is voided, a canceled redirect failed', () => {
    expect(applyFacts(machine, { status: 'captured', amount: 100, captured: 100, refunded: 0 }, { providerStatus: 'authorized', captured: 0, refunded: 0 }).transition).toBeNull()
    expect(applyFacts(machine, { status: 'authorized', amount: 100, captured: 0, refunded: 0 }, { providerStatus: 'canceled', captured: 0, refunded: 0 }).next.status).toBe('voided')
    expect(applyFacts(machine, { status: 'requires_action', amount: 100, captured: 0, refunded: 0 }, { providerStatus: 'canceled', captured: 0, refunded: 0 }).next.status).toBe('failed')
    expect(applyFacts(machine, { status: 'authorized', amount: 10_000, captured: 0, refunded: 0 }, { providerStatus: 'captured', captured: 8_500, refunded: 0 }).next).toEqual({
      status: 'partially_captured',
      amount: 10_000,
      captured: 8_500,
      refunded: 0,
    })
  })
})

describe('the order payment state', () => {
  test('is derived from the payments: unpaid, partially paid, paid, overpaid, refund due', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.array(fc.tuple(fc.nat({ max: 10_000_000 }), fc.nat({ max: 100 })), { maxLength: 6 }),
        fc.boolean(),
        (total, raw, closed) => {
          const payments = raw.map(([captured, pct]) => ({ captured, refunded: Math.floor((captured * pct) / 100) }))
          const captured = payments.reduce((s, p) => s + p.captured, 0)
          const refunded = payments.reduce((s, p) => s + p.refunded, 0)
          const net = captured - refunded
          const state = deriveOrderPaymentState(total, payments, closed)
          expect(state.captured).toBe(captured)
          expect(state.refunded).toBe(refunded)
          expect(state.due).toBe((closed ? 0 : total) - net)
          const expected = closed ? (net > 0 ? 'refund_due' : 'unpaid') : net <= 0 ? 'unpaid' : net < total ? 'partially_paid' : net === total ? 'paid' : 'overpaid'
          expect(state.status).toBe(expected)
        },
      ),
      { numRuns: 1000 },
    )
  })
})

describe('fiscal receipts', () => {
  const lineArb = fc.record({ quantity: fc.integer({ min: 1, max: 50 }), total: fc.nat({ max: 5_000_000 }) })
  const orderOf = (lines: { quantity: number; total: number }[], delivery: number): Order =>
    ({
      id: 'o1',
      number: '100001',
      currency: 'RUB',
      contact: { name: null, phone: '+79161234567', email: null },
      totals: { subtotal: 0, discountTotal: 0, deliveryTotal: delivery, vatTotal: 0, total: lines.reduce((s, l) => s + l.total, 0) + delivery },
      lines: lines.map((l, i) => ({ id: `l${i}`, name: `Line ${i}`, quantity: l.quantity, total: l.total, vatRate: 'vat22', paymentSubject: 'commodity' })),
    }) as unknown as Order

  test('lines sum to the amount exactly, unit price × quantity = line amount, quantities are kept', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 8 }), fc.nat({ max: 50_000 }), fc.nat({ max: 1000 }), (lines, delivery, pct) => {
        const order = orderOf(lines, delivery)
        if (order.totals.total === 0) return
        const amount = Math.floor((order.totals.total * pct) / 1000)
        const receipt = buildReceipt(order, { kind: 'income', amount, paymentMode: 'full_prepayment' })
        expect(receipt.total).toBe(amount)
        expect(receipt.lines.reduce((s, l) => s + l.amount, 0)).toBe(amount)
        for (const line of receipt.lines) {
          expect(line.amount).toBe(line.unitPrice * line.quantity)
          expect(line.unitPrice).toBeGreaterThanOrEqual(0)
          expect(Number.isInteger(line.unitPrice)).toBe(true)
        }
        if (amount === order.totals.total) {
          // The whole order: every unit is on the receipt.
          const units = new Map<string, number>()
          for (const line of receipt.lines) units.set(line.description, (units.get(line.description) ?? 0) + line.quantity)
          lines.forEach((l, i) => {
            if (l.total > 0) expect(units.get(`Line ${i}`)).toBe(l.quantity)
          })
        }
      }),
      { numRuns: 1000 },
    )
  })

  test('a refund by lines takes each line’s share of its total', () => {
    const order = orderOf([{ quantity: 3, total: 1_000 }, { quantity: 1, total: 500 }], 0)
    const receipt = buildReceipt(order, { kind: 'refund', lines: [{ lineId: 'l0', quantity: 2 }], paymentMode: 'full_prepayment' })
    expect(receipt.total).toBe(667)
    expect(receipt.lines).toMatchObject([
      { quantity: 1, unitPrice: 333, amount: 333 },
      { quantity: 1, unitPrice: 334, amount: 334 },
    ])
  })
})
