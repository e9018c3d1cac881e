import { OrdoError, type Commerce, type Database } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { memoryProvider, webhook, type MemoryProvider } from './payment-fixtures/memory-provider.js'
import { key, paymentShop, placeOrder } from './payment-fixtures/payment-shop.js'
import { failure } from './fixtures/order-fixture.js'

/** Rows in every payment table and the outbox: "nothing written" means none of these moved. */
async function footprint(shop: Commerce) {
  return shop.run(async (uow) => {
    const db = uow.db as unknown as Kysely<Database>
    const count = async (table: 'ordo_payment' | 'ordo_payment_operation' | 'ordo_fiscal_receipt' | 'ordo_event' | 'ordo_payment_webhook') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
    return {
      payments: await count('ordo_payment'),
      operations: await count('ordo_payment_operation'),
      receipts: await count('ordo_fiscal_receipt'),
      events: await count('ordo_event'),
      webhooks: await count('ordo_payment_webhook'),
    }
  })
}

describeEachDialect('payments', ({ database }) => {
  let shop: Commerce
  let provider: MemoryProvider
  let clock: Awaited<ReturnType<typeof paymentShop>>['clock']
  beforeAll(async () => {
    provider = memoryProvider()
    ;({ shop, clock } = await paymentShop((await database()).storage, provider, { payments: { reconcileAfterMinutes: 10, holdDays: 7, onHoldExpiry: 'void' } }))
  })
  afterAll(() => shop?.close())

  test('methods are filtered by amount: the invoice needs 5 000, cash on delivery at most 1 000 000', async () => {
    const small = await shop.payments.methods({ amount: 1_000 })
    expect(small.map((m) => m.code)).toEqual(['card', 'card_hold', 'pickup', 'cod'])
    expect(small.find((m) => m.code === 'cod')).toMatchObject({ type: 'cash_on_delivery', payOnReceipt: true, providerId: null })
    expect(small.find((m) => m.code === 'card_hold')).toMatchObject({ twoStage: true, providerId: 'memory', payOnReceipt: false })
    const order = await placeOrder(shop)
    expect((await shop.payments.methods(order.id)).map((m) => m.code)).toEqual(['card', 'card_hold', 'pickup', 'cod', 'invoice'])
  })

  test('one-stage card: redirect, the webhook captures, the order is paid and moves on, one receipt for the total', async () => {
    const order = await placeOrder(shop)
    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'request_payment', { actor: 'manager:1' })
    const paidEvents: unknown[] = []
    const off = shop.events.on('order.paid', (e) => paidEvents.push(e.data))

    const payment = await shop.payments.start(order.id, { method: 'card', returnUrl: 'https://shop.example/back', idempotencyKey: key() })
    expect(payment).toMatchObject({ status: 'requires_action', amount: 10_000, captured: 0, confirmationUrl: expect.stringMatching(/^https:\/\/pay\.example\//) })
    expect((await shop.payments.forOrder(order.id)).state).toEqual({ status: 'unpaid', captured: 0, refunded: 0, due: 10_000, total: 10_000 })

    provider.pay(payment.providerPaymentId!)
    const answer = await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}-1`, payment.providerPaymentId!, 'captured'))
    expect(answer).toEqual({ response: { status: 200, body: '{"ok":true}', contentType: 'application/json' }, outcome: 'applied', paymentId: payment.id })
    off()

    const after = await shop.payments.forOrder(order.id)
    expect(after.payments).toMatchObject([{ id: payment.id, status: 'captured', captured: 10_000, refunded: 0 }])
    expect(after.state).toEqual({ status: 'paid', captured: 10_000, refunded: 0, due: 0, total: 10_000 })
    expect(paidEvents).toEqual([{ orderId: order.id, total: 10_000, captured: 10_000, currency: 'RUB' }])
    expect((await shop.orders.get(order.id))!.status).toBe('paid')

    const receipts = await shop.payments.receipts(order.id)
    expect(receipts).toHaveLength(1)
    expect(receipts[0]!.receipt.kind).toBe('income')
    expect(receipts[0]!.paymentMode).toBe('full_prepayment')
    expect(receipts[0]!.receipt.lines.map((l) => [l.description, l.quantity, l.unitPrice, l.vatRate])).toEqual([
      ['Чайник', 1, 8_500, 'vat22'],
      ['Кружка', 3, 500, 'vat10'],
    ])
    expect(receipts[0]!.receipt.total).toBe(10_000)
    expect(receipts[0]!.receipt.customer).toEqual({ email: 'anna@example.ru', phone: '+79161234567' })

    // Goods handed over: one closing full_payment receipt for what was prepaid.
    const closing = (await shop.payments.issueClosingReceipt(order.id))!
    expect(closing).toMatchObject({ paymentId: payment.id, paymentMode: 'full_payment', sentToProvider: false })
    expect(closing.receipt.lines.map((l) => [l.quantity, l.unitPrice, l.paymentMode])).toEqual([
      [1, 8_500, 'full_payment'],
      [3, 500, 'full_payment'],
    ])
    expect(closing.receipt.total).toBe(10_000)
    expect((await shop.payments.issueClosingReceipt(order.id))!.id).toBe(closing.id)
    expect(await shop.payments.receipts(order.id)).toHaveLength(2)

    const history = (await shop.events.forAggregate(payment.id)).filter((e) => e.type === 'payment.status_changed').map((e) => (e.data as { to: string }).to)
    expect(history).toEqual(['requires_action', 'captured'])
  })

  test('a retry of start with the same key returns the same payment and calls the provider once', async () => {
    const order = await placeOrder(shop)
    const k = key()
    const first = await shop.payments.start(order.id, { method: 'card', idempotencyKey: k })
    const creates = provider.calls.filter((c) => c.op === 'create').length
    const again = await shop.payments.start(order.id, { method: 'card', idempotencyKey: k })
    expect(again.id).toBe(first.id)
    expect(provider.calls.filter((c) => c.op === 'create').length).toBe(creates)
    const other = await placeOrder(shop)
    expect((await failure(shop.payments.start(other.id, { method: 'card', idempotencyKey: k }))).code).toBe('IDEMPOTENCY_MISMATCH')
  })

  test('two-stage card: hold 10 000, the order edited down to 8 500, capture 8 500, the rest released, receipt lines sum to 8 500', async () => {
    const order = await placeOrder(shop)
    const payment = await shop.payments.start(order.id, { method: 'card_hold', idempotencyKey: key() })
    provider.pay(payment.providerPaymentId!)
    await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}-auth`, payment.providerPaymentId!, 'authorized'))
    expect(await shop.payments.get(payment.id)).toMatchObject({ status: 'authorized', amount: 10_000, captured: 0 })
    expect((await shop.payments.forOrder(order.id)).state.status).toBe('unpaid')

    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:1' })
    const mugs = order.lines.find((l) => l.sku === 'MUG')!
    const edited = await shop.orders.removeLine(order.id, { lineId: mugs.id, actor: 'manager:1' })
    expect(edited.totals.total).toBe(8_500)
    await shop.orders.transition(order.id, 'pack', { actor: 'warehouse' })

    const captured = await shop.payments.capture(payment.id, { idempotencyKey: key() })
    expect(captured).toMatchObject({ status: 'partially_captured', amount: 10_000, captured: 8_500 })
    expect(provider.calls.filter((c) => c.op === 'capture').map((c) => c.amount)).toEqual([8_500])
    expect(provider.payments.get(payment.providerPaymentId!)).toMatchObject({ status: 'captured', capturedAmount: 8_500 })
    expect((await shop.payments.forOrder(order.id)).state).toEqual({ status: 'paid', captured: 8_500, refunded: 0, due: 0, total: 8_500 })

    const [receipt] = await shop.payments.receipts(order.id)
    expect(receipt!.receipt.lines).toEqual([
      { description: 'Чайник', quantity: 1, unitPrice: 8_500, amount: 8_500, vatRate: 'vat22', paymentSubject: 'commodity', paymentMode: 'full_prepayment' },
    ])
    expect(receipt!.receipt.lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0)).toBe(8_500)
    // A capture is not taken twice.
    expect((await failure(shop.payments.capture(payment.id, { idempotencyKey: key() }))).code).toBe('NOT_ALLOWED_IN_STATE')
  })

  test('capturing more than the hold is refused and writes nothing', async () => {
    const order = await placeOrder(shop)
    const payment = await shop.payments.start(order.id, { method: 'card_hold', idempotencyKey: key() })
    provider.pay(payment.providerPaymentId!)
    await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}-a`, payment.providerPaymentId!, 'authorized'))
    const before = await footprint(shop)
    const error = await failure(shop.payments.capture(payment.id, { amount: 10_001, idempotencyKey: key() }))
    expect(error.code).toBe('AMOUNT_EXCEEDS_AVAILABLE')
    expect(error.details).toMatchObject({ available: 10_000, amount: 10_001 })
    expect(await footprint(shop)).toEqual(before)
    const voided = await shop.payments.void(payment.id, { actor: 'manager:1' })
    expect(voided.status).toBe('voided')
    expect(provider.payments.get(payment.providerPaymentId!)!.status).toBe('canceled')
  })

  test('refunds: by lines (allocated), by amount, never above captured − refunded; payment.refunded for each', async () => {
    const order = await placeOrder(shop)
    const payment = await shop.payments.start(order.id, { method: 'card', idempotencyKey: key() })
    provider.pay(payment.providerPaymentId!)
    await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}-c`, payment.providerPaymentId!, 'captured'))
    const refunds: unknown[] = []
    const off = shop.events.on('payment.refunded', (e) => refunds.push(e.data))

    const mugs = order.lines.find((l) => l.sku === 'MUG')!
    const byLines = await shop.payments.refund(payment.id, { lines: [{ lineId: mugs.id, quantity: 2 }], reason: 'broken', idempotencyKey: key() })
    expect(byLines).toMatchObject({ status: 'partially_refunded', captured: 10_000, refunded: 1_000 })
    const k = key()
    const byAmount = await shop.payments.refund(payment.id, { amount: 2_000, reason: 'goodwill', idempotencyKey: k })
    expect(byAmount.refunded).toBe(3_000)
    // A retry with the same key returns the first result and refunds nothing more.
    expect((await shop.payments.refund(payment.id, { amount: 2_000, reason: 'goodwill', idempotencyKey: k })).refunded).toBe(3_000)

    const before = await footprint(shop)
    const tooMuch = await failure(shop.payments.refund(payment.id, { amount: 7_001, reason: 'x', idempotencyKey: key() }))
    expect(tooMuch.code).toBe('AMOUNT_EXCEEDS_AVAILABLE')
    expect(tooMuch.details.available).toBe(7_000)
    expect(await footprint(shop)).toEqual(before)

    const rest = await shop.payments.refund(payment.id, { reason: 'cancelled', idempotencyKey: key() })
    expect(rest).toMatchObject({ status: 'refunded', refunded: 10_000 })
    off()
    expect(refunds).toEqual([
      expect.objectContaining({ amount: 1_000, refunded: 1_000, reason: 'broken', cash: false }),
      expect.objectContaining({ amount: 2_000, refunded: 3_000, reason: 'goodwill' }),
      expect.objectContaining({ amount: 7_000, refunded: 10_000, reason: 'cancelled' }),
    ])
    expect(provider.calls.filter((c) => c.op === 'refund').map((c) => c.amount)).toEqual([1_000, 2_000, 7_000])
    const refundReceipts = (await shop.payments.receipts(order.id)).filter((r) => r.receipt.kind === 'refund')
    expect(refundReceipts.map((r) => r.receipt.total)).toEqual([1_000, 2_000, 7_000])
    expect(refundReceipts[0]!.receipt.lines).toMatchObject([{ description: 'Кружка', quantity: 2, unitPrice: 500, amount: 1_000 }])
    expect((await shop.payments.forOrder(order.id)).state).toEqual({ status: 'unpaid', captured: 10_000, refunded: 10_000, due: 10_000, total: 10_000 })
  })

  test('pay at pickup: cash recorded by a manager; a cash refund needs a manager too', async () => {
    const order = await placeOrder(shop)
    const started = await shop.payments.start(order.id, { method: 'pickup', idempotencyKey: key() })
    expect(started).toMatchObject({ status: 'pending', providerId: null, amount: 10_000 })
    const paid = await shop.payments.recordCash(order.id, { amount: 10_000, actor: 'manager:2', method: 'pickup' })
    expect(paid).toMatchObject({ id: started.id, status: 'captured', captured: 10_000 })
    expect((await shop.payments.receipts(order.id)).map((r) => r.paymentMode)).toEqual(['full_payment'])
    // Paid on receipt: its receipt already was the full_payment one.
    expect(await shop.payments.issueClosingReceipt(order.id)).toBeUndefined()
    expect((await failure(shop.payments.refund(paid.id, { amount: 500, reason: 'mug chipped', idempotencyKey: key() }))).code).toBe('VALIDATION')
    const refunded = await shop.payments.refund(paid.id, { amount: 500, reason: 'mug chipped', idempotencyKey: key(), actor: 'manager:2' })
    expect(refunded).toMatchObject({ status: 'partially_refunded', refunded: 500 })
    expect((await shop.payments.forOrder(order.id)).state).toMatchObject({ status: 'partially_paid', due: 500 })
  })

  test('cash on delivery: a remittance settles the payment; a short one is listed with the difference', async () => {
    const full = await placeOrder(shop)
    const short = await placeOrder(shop)
    const codFull = await shop.payments.start(full.id, { method: 'cod', idempotencyKey: key(), trackingNumber: `TRK-${full.number}` })
    const codShort = await shop.payments.start(short.id, { method: 'cod', idempotencyKey: key() })
    expect(codFull).toMatchObject({ status: 'pending', amount: 10_000, trackingNumber: `TRK-${full.number}` })

    const result = await shop.payments.importRemittance([
      { trackingNumber: `TRK-${full.number}`, collected: 10_000, fee: 300, date: '2026-03-20' },
      { orderNumber: short.number, collected: 9_500, fee: 285, date: '2026-03-20' },
      { orderNumber: 'NO-SUCH', collected: 100, date: '2026-03-20' },
    ])
    expect(result.matched).toEqual([{ paymentId: codFull.id, orderNumber: full.number, collected: 10_000, fee: 300 }])
    expect(result.mismatched).toEqual([
      expect.objectContaining({ paymentId: codShort.id, orderNumber: short.number, expected: 10_000, collected: 9_500, difference: -500 }),
      expect.objectContaining({ paymentId: null, expected: null, collected: 100, difference: null }),
    ])
    expect(await shop.payments.get(codFull.id)).toMatchObject({ status: 'captured', captured: 10_000 })
    expect(await shop.payments.get(codShort.id)).toMatchObject({ status: 'pending', captured: 0 })
    expect((await shop.payments.forOrder(full.id)).state.status).toBe('paid')
    expect((await shop.payments.receipts(full.id)).map((r) => [r.paymentMode, r.receipt.total])).toEqual([['full_payment', 10_000]])
    // The same statement again matches nothing new.
    const again = await shop.payments.importRemittance([{ trackingNumber: `TRK-${full.number}`, collected: 10_000, date: '2026-03-20' }])
    expect(again.matched).toEqual([])
    expect((await shop.payments.get(codFull.id))!.captured).toBe(10_000)
  })

  test('bad input is refused with a stable code and nothing is written', async () => {
    const order = await placeOrder(shop)
    const before = await footprint(shop)
    const cases: [() => Promise<unknown>, string][] = [
      [() => shop.payments.start(order.id, { method: 'card', idempotencyKey: key(), amount: 0 }), 'VALIDATION'],
      [() => shop.payments.start(order.id, { method: 'card', idempotencyKey: key(), amount: -100 }), 'VALIDATION'],
      [() => shop.payments.start(order.id, { method: 'card', idempotencyKey: key(), amount: 10.5 }), 'VALIDATION'],
      [() => shop.payments.start(order.id, { method: 'card', idempotencyKey: key(), currency: 'USD' }), 'CURRENCY_MISMATCH'],
      [() => shop.payments.start(order.id, { method: 'bitcoin', idempotencyKey: key() }), 'PAYMENT_METHOD_UNAVAILABLE'],
      [() => shop.payments.start(order.id, { method: 'card', idempotencyKey: 'short' }), 'VALIDATION'],
      [() => shop.payments.start('no-such-order', { method: 'card', idempotencyKey: key() }), 'NOT_FOUND'],
      [() => shop.payments.recordCash(order.id, { amount: -1, actor: 'manager:1' }), 'VALIDATION'],
      [() => shop.payments.recordCash(order.id, { amount: 100, actor: 'manager:1', currency: 'EUR' }), 'CURRENCY_MISMATCH'],
      [() => shop.payments.recordCash(order.id, { amount: 100, actor: 'manager:1', method: 'card' }), 'PAYMENT_METHOD_UNAVAILABLE'],
      [() => shop.payments.importRemittance([{ collected: 100, date: '2026-03-20' }]), 'VALIDATION'],
      [() => shop.payments.importRemittance([{ orderNumber: order.number, collected: -5, date: '2026-03-20' }]), 'VALIDATION'],
    ]
    for (const [call, code] of cases) expect((await failure(call())).code).toBe(code)
    expect(await footprint(shop)).toEqual(before)

    const payment = await shop.payments.start(order.id, { method: 'card', idempotencyKey: key() })
    provider.pay(payment.providerPaymentId!)
    await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}-bad`, payment.providerPaymentId!, 'captured'))
    const settled = await footprint(shop)
    const later: [() => Promise<unknown>, string][] = [
      [() => shop.payments.refund(payment.id, { amount: 0, reason: 'x', idempotencyKey: key() }), 'VALIDATION'],
      [() => shop.payments.refund(payment.id, { amount: 10_001, reason: 'x', idempotencyKey: key() }), 'AMOUNT_EXCEEDS_AVAILABLE'],
      [() => shop.payments.refund(payment.id, { amount: 100, reason: 'x', idempotencyKey: key(), currency: 'USD' }), 'CURRENCY_MISMATCH'],
      [() => shop.payments.refund(payment.id, { amount: 100, lines: [{ lineId: order.lines[0]!.id, quantity: 1 }], reason: 'x', idempotencyKey: key() }), 'VALIDATION'],
      [() => shop.payments.refund(payment.id, { lines: [{ lineId: order.lines[0]!.id, quantity: 2 }], reason: 'x', idempotencyKey: key() }), 'VALIDATION'],
      [() => shop.payments.capture(payment.id, { idempotencyKey: key() }), 'NOT_ALLOWED_IN_STATE'],
      [() => shop.payments.void(payment.id), 'NOT_ALLOWED_IN_STATE'],
    ]
    for (const [call, code] of later) expect((await failure(call())).code).toBe(code)
    expect(await footprint(shop)).toEqual(settled)
  })

  describe('the provider wrapper', () => {
    test('retryable failures are retried with the same idempotency key, every attempt logged', async () => {
      const order = await placeOrder(shop)
      provider.failNext(2, 'retryable')
      const from = provider.calls.length
      const payment = await shop.payments.start(order.id, { method: 'card', idempotencyKey: key() })
      expect(payment.status).toBe('requires_action')
      const creates = provider.calls.slice(from).filter((c) => c.op === 'create')
      expect(creates).toHaveLength(3)
      expect(new Set(creates.map((c) => c.key)).size).toBe(1)
      const attempts = await shop.run((uow) =>
        (uow.db as unknown as Kysely<Database>).selectFrom('ordo_payment_attempt').select(['operation', 'attempt', 'outcome', 'error']).where('payment_id', '=', payment.id).orderBy('attempt').execute(),
      )
      expect(attempts.map((a) => [a.operation, Number(a.attempt), a.outcome])).toEqual([
        ['create', 1, 'error'],
        ['create', 2, 'error'],
        ['create', 3, 'ok'],
      ])
      expect(attempts[0]!.error).toContain('503')
    })

    test('a refusal is not retried: PAYMENT_PROVIDER, the payment failed', async () => {
      const order = await placeOrder(shop)
      provider.failNext(1, 'fatal')
      const error = await failure(shop.payments.start(order.id, { method: 'card', idempotencyKey: key() }))
      expect(error.code).toBe('PAYMENT_PROVIDER')
      expect(error.details).toMatchObject({ provider: 'memory', operation: 'create', attempts: 1, retryable: false, vendorCode: 'invalid_request' })
      const { payments } = await shop.payments.forOrder(order.id)
      expect(payments).toMatchObject([{ status: 'failed', failureReason: expect.stringContaining('invalid_request') }])
    })

    test('a call that hangs is aborted at the timeout and retried; after the last attempt the payment waits for reconcile', async () => {
      const order = await placeOrder(shop)
      provider.failNext(3, 'hang')
      const error = await failure(shop.payments.start(order.id, { method: 'card', idempotencyKey: key() }))
      expect(error.code).toBe('PAYMENT_PROVIDER')
      expect(error.details).toMatchObject({ attempts: 3, retryable: true })
      const [pending] = (await shop.payments.forOrder(order.id)).payments
      expect(pending).toMatchObject({ status: 'pending', providerPaymentId: null })
      clock.advance({ minutes: 11 })
      const result = await shop.payments.reconcile()
      expect(result.resumed).toBeGreaterThanOrEqual(1)
      expect(await shop.payments.get(pending!.id)).toMatchObject({ status: 'requires_action', providerPaymentId: expect.any(String) })
    }, 20_000)
  })

  describe('webhooks and reconciliation', () => {
    test('a replay has no effect; a bad signature is rejected with the adapter’s answer', async () => {
      const order = await placeOrder(shop)
      const payment = await shop.payments.start(order.id, { method: 'card', idempotencyKey: key() })
      provider.pay(payment.providerPaymentId!)
      const event = webhook(`ev-${payment.id}-dup`, payment.providerPaymentId!, 'captured')
      expect((await shop.payments.handleWebhook('memory', event)).outcome).toBe('applied')
      const before = await footprint(shop)
      expect((await shop.payments.handleWebhook('memory', event)).outcome).toBe('duplicate')
      expect(await footprint(shop)).toEqual(before)
      const forged = { headers: {}, rawBody: event.rawBody }
      expect(await shop.payments.handleWebhook('memory', forged)).toEqual({
        response: { status: 401, body: 'bad signature', contentType: 'text/plain' },
        outcome: 'rejected',
        paymentId: null,
      })
      expect((await failure(shop.payments.handleWebhook('nope', event))).code).toBe('NOT_FOUND')
      // A late "authorized" after "captured" changes nothing.
      await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}-late`, payment.providerPaymentId!, 'authorized'))
      expect(await shop.payments.get(payment.id)).toMatchObject({ status: 'captured', captured: 10_000 })
    })

    test('a refund made in the provider’s back office arrives by webhook and is recorded once', async () => {
      const order = await placeOrder(shop)
      const payment = await shop.payments.start(order.id, { method: 'card', idempotencyKey: key() })
      provider.pay(payment.providerPaymentId!)
      await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}-cap`, payment.providerPaymentId!, 'captured'))
      const refund = await provider.refund(
        { providerPaymentId: payment.providerPaymentId!, amount: 2_500, currency: 'RUB', receipt: null },
        { signal: new AbortController().signal, idempotencyKey: key() },
      )
      const event = webhook(`ev-${payment.id}-rf`, payment.providerPaymentId!, null, { id: refund.providerRefundId, amount: 2_500 })
      expect((await shop.payments.handleWebhook('memory', event)).outcome).toBe('applied')
      expect((await shop.payments.handleWebhook('memory', { ...event, rawBody: event.rawBody.replace('-rf', '-rf2') })).outcome).toBe('applied')
      expect(await shop.payments.get(payment.id)).toMatchObject({ status: 'partially_refunded', refunded: 2_500 })
      expect((await shop.payments.receipts(order.id)).filter((r) => r.receipt.kind === 'refund').map((r) => r.receipt.total)).toEqual([2_500])
    })

    test('a payment stuck in requires_action is synced by reconcile through getPayment', async () => {
      const order = await placeOrder(shop)
      const payment = await shop.payments.start(order.id, { method: 'card', idempotencyKey: key() })
      provider.pay(payment.providerPaymentId!)
      expect((await shop.payments.reconcile()).synced).toBe(0)
      clock.advance({ minutes: 11 })
      const result = await shop.payments.reconcile()
      expect(result.synced).toBeGreaterThanOrEqual(1)
      expect(await shop.payments.get(payment.id)).toMatchObject({ status: 'captured', captured: 10_000 })
    })

    test('a hold about to expire is voided by rule', async () => {
      const order = await placeOrder(shop)
      const payment = await shop.payments.start(order.id, { method: 'card_hold', idempotencyKey: key() })
      provider.pay(payment.providerPaymentId!)
      await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}-h`, payment.providerPaymentId!, 'authorized'))
      clock.advance({ days: 5 })
      await shop.payments.reconcile()
      expect((await shop.payments.get(payment.id))!.status).toBe('authorized')
      clock.advance({ days: 1, minutes: 1 })
      expect((await shop.payments.reconcile()).holdsSettled).toBeGreaterThanOrEqual(1)
      expect((await shop.payments.get(payment.id))!.status).toBe('voided')
      expect(provider.payments.get(payment.providerPaymentId!)!.status).toBe('canceled')
    })
  })
})

describeEachDialect('payments with a refetch provider', ({ database }) => {
  let shop: Commerce
  let provider: MemoryProvider
  beforeAll(async () => {
    provider = memoryProvider({ capabilities: { webhookVerification: 'refetch', supportsReceipts: true } })
    ;({ shop } = await paymentShop((await database()).storage, provider))
  })
  afterAll(() => shop?.close())

  test('the claimed status is not trusted: getPayment decides; receipts go to the provider and are stored', async () => {
    const order = await placeOrder(shop)
    const payment = await shop.payments.start(order.id, { method: 'card', idempotencyKey: key() })
    expect(provider.calls.find((c) => c.op === 'create')!.receiptTotal).toBe(10_000)
    // A forged "captured" claim for a payment the customer has not paid.
    await shop.payments.handleWebhook('memory', webhook('ev-forged', payment.providerPaymentId!, 'captured'))
    expect((await shop.payments.get(payment.id))!.status).toBe('requires_action')
    provider.pay(payment.providerPaymentId!)
    await shop.payments.handleWebhook('memory', webhook('ev-real', payment.providerPaymentId!, null))
    expect(await shop.payments.get(payment.id)).toMatchObject({ status: 'captured', captured: 10_000 })
    expect((await shop.payments.receipts(order.id)).map((r) => r.sentToProvider)).toEqual([true])
  })
})
