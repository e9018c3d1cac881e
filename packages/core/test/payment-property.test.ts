/**
 * Random webhook deliveries and random command sequences against the real
 * storage:
 *
 * - webhooks of one payment's history (requires_action → authorized →
 *   captured) delivered in any order, any number of times: no status ever
 *   moves back, money is captured once (one `payment.captured`, captured ≤
 *   amount), a replay has no effect, and the payment ends where the furthest
 *   event delivered says;
 * - captures, refunds (some above what is left), cash and voids on one
 *   order: after every command each payment keeps captured − refunded ≥ 0,
 *   matches a model of what was accepted, and the order's derived payment
 *   state matches its payments.
 */
import { isOrdoError, type Commerce, type Database, type PaymentStatus, type ProviderPaymentStatus } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import fc from 'fast-check'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { memoryProvider, webhook, type MemoryProvider } from './payment-fixtures/memory-provider.js'
import { key, paymentShop, placeOrder } from './payment-fixtures/payment-shop.js'

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

describeEachDialect('payment properties', ({ dialect, database }) => {
  let shop: Commerce
  let provider: MemoryProvider
  let run = 0
  beforeAll(async () => {
    provider = memoryProvider()
    ;({ shop } = await paymentShop((await database()).storage, provider))
  })
  afterAll(() => shop?.close())

  const count = (table: 'ordo_payment_webhook', paymentId: string) =>
    shop.run(async (uow) => Number((await (uow.db as unknown as Kysely<Database>).selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('payment_id', '=', paymentId).executeTakeFirstOrThrow()).n))

  test(
    'replayed and out-of-order webhooks: no double capture, no status regression',
    async () => {
      const order = await placeOrder(shop)
      const HISTORY: { oneStage: ProviderPaymentStatus[]; twoStage: ProviderPaymentStatus[] } = {
        oneStage: ['requires_action', 'captured'],
        twoStage: ['requires_action', 'authorized', 'captured'],
      }
      await fc.assert(
        fc.asyncProperty(fc.boolean(), fc.array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 10 }), async (twoStage, picks) => {
          run++
          const history = twoStage ? HISTORY.twoStage : HISTORY.oneStage
          const deliveries = picks.map((p) => p % history.length)
          const payment = await shop.payments.start(order.id, { method: twoStage ? 'card_hold' : 'card', amount: 1_000 + run, idempotencyKey: key() })
          provider.pay(payment.providerPaymentId!)
          const captures: number[] = []
          const off = shop.events.on('payment.captured', (e) => {
            if (e.data.paymentId === payment.id) captures.push(e.data.amount)
          })
          let last = payment
          for (const index of deliveries) {
            await shop.payments.handleWebhook('memory', webhook(`${payment.id}:${index}`, payment.providerPaymentId!, history[index]!))
            const now = (await shop.payments.get(payment.id))!
            expect(RANK[now.status]).toBeGreaterThanOrEqual(RANK[last.status])
            expect(now.captured).toBeGreaterThanOrEqual(last.captured)
            expect(now.captured).toBeLessThanOrEqual(now.amount)
            last = now
          }
          off()
          const furthest = history[Math.max(...deliveries)]!
          expect(last.status).toBe(furthest)
          expect(captures).toEqual(furthest === 'captured' ? [payment.amount] : [])
          expect(await count('ordo_payment_webhook', payment.id)).toBe(new Set(deliveries).size)
        }),
        { numRuns: dialect === 'sqlite' ? 200 : 20 },
      )
    },
    120_000,
  )

  type Command =
    | { type: 'card'; twoStage: boolean; amountPct: number }
    | { type: 'capture'; pick: number; pct: number }
    | { type: 'refund'; pick: number; pct: number }
    | { type: 'cash'; amount: number }
    | { type: 'void'; pick: number }
  const command: fc.Arbitrary<Command> = fc.oneof(
    fc.record({ type: fc.constant('card' as const), twoStage: fc.boolean(), amountPct: fc.integer({ min: 10, max: 100 }) }),
    fc.record({ type: fc.constant('capture' as const), pick: fc.nat(), pct: fc.integer({ min: 1, max: 110 }) }),
    fc.record({ type: fc.constant('refund' as const), pick: fc.nat(), pct: fc.integer({ min: 1, max: 130 }) }),
    fc.record({ type: fc.constant('cash' as const), amount: fc.integer({ min: 1, max: 12_000 }) }),
    fc.record({ type: fc.constant('void' as const), pick: fc.nat() }),
  )

  test(
    'money invariants: captured − refunded ≥ 0 per payment, and the derived order state matches the payments',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 8 }), async (commands) => {
          const order = await placeOrder(shop)
          const model = new Map<string, { captured: number; refunded: number; amount: number; status: PaymentStatus }>()
          const pick = (n: number, statuses: PaymentStatus[]) => {
            const ids = [...model].filter(([, p]) => statuses.includes(p.status)).map(([id]) => id)
            return ids.length === 0 ? undefined : ids[n % ids.length]
          }
          for (const c of commands) {
            if (c.type === 'card') {
              const amount = Math.max(1, Math.floor((10_000 * c.amountPct) / 100))
              const p = await shop.payments.start(order.id, { method: c.twoStage ? 'card_hold' : 'card', amount, idempotencyKey: key() })
              provider.pay(p.providerPaymentId!)
              await shop.payments.handleWebhook('memory', webhook(`${p.id}:paid`, p.providerPaymentId!, c.twoStage ? 'authorized' : 'captured'))
              model.set(p.id, { amount, captured: c.twoStage ? 0 : amount, refunded: 0, status: c.twoStage ? 'authorized' : 'captured' })
            } else if (c.type === 'capture') {
              const id = pick(c.pick, ['authorized'])
              if (!id) continue
              const m = model.get(id)!
              const amount = Math.max(1, Math.floor((m.amount * c.pct) / 100))
              const outcome = await shop.payments.capture(id, { amount, idempotencyKey: key() }).catch((e: unknown) => e)
              if (amount > m.amount) expect(isOrdoError(outcome, 'AMOUNT_EXCEEDS_AVAILABLE')).toBe(true)
              else model.set(id, { ...m, captured: amount, status: amount === m.amount ? 'captured' : 'partially_captured' })
            } else if (c.type === 'refund') {
              const id = pick(c.pick, ['captured', 'partially_captured', 'partially_refunded'])
              if (!id) continue
              const m = model.get(id)!
              const left = m.captured - m.refunded
              const amount = Math.max(1, Math.floor((m.captured * c.pct) / 100))
              const outcome = await shop.payments.refund(id, { amount, reason: 'test', idempotencyKey: key(), actor: 'manager:1' }).catch((e: unknown) => e)
              if (amount > left) expect(isOrdoError(outcome, 'AMOUNT_EXCEEDS_AVAILABLE')).toBe(true)
              else model.set(id, { ...m, refunded: m.refunded + amount, status: m.refunded + amount === m.captured ? 'refunded' : 'partially_refunded' })
            } else if (c.type === 'cash') {
              const p = await shop.payments.recordCash(order.id, { amount: c.amount, actor: 'manager:1', method: 'pickup' })
              model.set(p.id, { amount: c.amount, captured: c.amount, refunded: 0, status: 'captured' })
            } else {
              const id = pick(c.pick, ['authorized'])
              if (!id) continue
              await shop.payments.void(id, { actor: 'manager:1' })
              model.set(id, { ...model.get(id)!, status: 'voided' })
            }
            const { payments, state } = await shop.payments.forOrder(order.id)
            let captured = 0
            let refunded = 0
            for (const p of payments) {
              expect(p.captured - p.refunded).toBeGreaterThanOrEqual(0)
              expect({ status: p.status, captured: p.captured, refunded: p.refunded }).toEqual({
                status: model.get(p.id)!.status,
                captured: model.get(p.id)!.captured,
                refunded: model.get(p.id)!.refunded,
              })
              captured += p.captured
              refunded += p.refunded
            }
            const net = captured - refunded
            expect(state).toEqual({
              status: net <= 0 ? 'unpaid' : net < 10_000 ? 'partially_paid' : net === 10_000 ? 'paid' : 'overpaid',
              captured,
              refunded,
              due: 10_000 - net,
              total: 10_000,
            })
          }
        }),
        { numRuns: dialect === 'sqlite' ? 60 : 10 },
      )
    },
    180_000,
  )
})
