import { createCommerce, OrdoError, vatFromGross, type BankStatementRow, type Commerce, type Database, type SellerRequisites } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { memoryProvider, webhook, type MemoryProvider } from './payment-fixtures/memory-provider.js'
import { key, paymentShop, placeOrder } from './payment-fixtures/payment-shop.js'
import { failure } from './fixtures/order-fixture.js'

const SELLER: SellerRequisites = {
  name: 'ООО «Чайная лавка»',
  taxId: '7707083893',
  kpp: '773601001',
  address: '101000, Москва, ул. Мясницкая, д. 1',
  bank: { name: 'ПАО Сбербанк', bik: '044525225', account: '40702810938000012345', correspondentAccount: '30101810400000000225' },
}
const BUYER = { name: 'ООО «Офис»', taxId: '7736207543', kpp: '773601001', email: 'buh@office.example' }

async function counts(shop: Commerce) {
  return shop.run(async (uow) => {
    const db = uow.db as unknown as Kysely<Database>
    const count = async (table: 'ordo_payment_invoice' | 'ordo_event' | 'ordo_payment') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
    return { invoices: await count('ordo_payment_invoice'), events: await count('ordo_event'), payments: await count('ordo_payment') }
  })
}

describeEachDialect('bank invoices', ({ database }) => {
  let shop: Commerce
  let provider: MemoryProvider
  beforeAll(async () => {
    provider = memoryProvider()
    ;({ shop } = await paymentShop((await database()).storage, provider, { payments: { seller: SELLER } }))
  })
  afterAll(() => shop?.close())

  test('the seller requisites are checked when the shop is created', async () => {
    const storage = (await database()).storage
    const bad = async (seller: unknown) => failure(createCommerce({ storage, currency: 'RUB', payments: { seller: seller as SellerRequisites } }))
    expect((await bad({ ...SELLER, taxId: '7707083894' })).details).toMatchObject({ key: 'payments.seller.taxId' })
    expect((await bad({ ...SELLER, bank: { ...SELLER.bank, account: '4070281093800001234' } })).details).toMatchObject({ key: 'payments.seller.bank.account' })
    expect((await bad({ ...SELLER, bank: { ...SELLER.bank, bik: '04452522' } })).code).toBe('INVALID_CONFIG')
  })

  test('an invoice carries the seller, the buyer and the order lines with VAT; numbers are unique per order', async () => {
    const order = await placeOrder(shop)
    const invoice = await shop.payments.issueInvoice(order.id, { buyer: BUYER, actor: 'manager:1' })
    expect(invoice).toMatchObject({
      number: `INV-${order.number}-1`,
      orderId: order.id,
      orderNumber: order.number,
      method: 'invoice',
      seller: SELLER,
      buyer: BUYER,
      currency: 'RUB',
      total: 10_000,
      status: 'issued',
      paidAt: null,
    })
    expect(invoice.lines).toEqual([
      { lineNo: 1, description: 'Чайник', quantity: 1, unitPrice: 8_500, amount: 8_500, vatRate: 'vat22', vatAmount: 1_533 },
      { lineNo: 2, description: 'Кружка', quantity: 3, unitPrice: 500, amount: 1_500, vatRate: 'vat10', vatAmount: 136 },
    ])
    expect(invoice.vatTotal).toBe(1_669)
    expect(invoice.vatByRate).toEqual([
      { vatRate: 'vat22', amount: 1_533 },
      { vatRate: 'vat10', amount: 136 },
    ])

    // Issued again (another buyer, or at once from two screens): the next number, never the same one.
    const more = await Promise.all([0, 1, 2].map(() => shop.payments.issueInvoice(order.id, { buyer: BUYER, actor: 'manager:2' })))
    const numbers = [invoice, ...more].map((i) => i.number)
    expect(new Set(numbers).size).toBe(4)
    expect([...numbers].sort()).toEqual([1, 2, 3, 4].map((n) => `INV-${order.number}-${n}`))

    const listed = await shop.payments.invoices(order.id)
    expect(listed.map((i) => i.number)).toEqual([1, 2, 3, 4].map((n) => `INV-${order.number}-${n}`))
    expect(listed[0]).toEqual(invoice)
    const issued = (await shop.events.forAggregate(order.id)).filter((e) => e.type === 'payment.invoice_issued')
    expect(issued).toHaveLength(4)
    expect(issued[0]!.data).toEqual({ invoiceId: invoice.id, orderId: order.id, number: invoice.number, total: 10_000, vatTotal: 1_669, currency: 'RUB', buyerTaxId: '7736207543' })
  })

  test('after a part was paid, the invoice is for the rest: lines split where needed, amounts and VAT sum exactly', async () => {
    const order = await placeOrder(shop)
    await shop.payments.recordCash(order.id, { amount: 3_333, actor: 'manager:1', method: 'pickup' })
    const invoice = await shop.payments.issueInvoice(order.id, { buyer: { name: 'ИП Иванов', taxId: '500100732259' }, actor: 'manager:1' })
    expect(invoice.total).toBe(6_667)
    expect(invoice.lines.reduce((s, l) => s + l.amount, 0)).toBe(6_667)
    for (const line of invoice.lines) {
      expect(line.unitPrice * line.quantity).toBe(line.amount)
      expect(line.vatAmount).toBe(vatFromGross(line.amount, line.vatRate).vat)
    }
    expect(invoice.lines.filter((l) => l.description === 'Кружка').reduce((s, l) => s + l.quantity, 0)).toBe(3)
    expect(invoice.vatTotal).toBe(invoice.lines.reduce((s, l) => s + l.vatAmount, 0))
    expect(invoice.vatByRate.reduce((s, v) => s + v.amount, 0)).toBe(invoice.vatTotal)
  })

  test('a bad ИНН, a КПП for an entrepreneur or a paid order is refused and nothing is written', async () => {
    const order = await placeOrder(shop)
    const before = await counts(shop)
    const typo = await failure(shop.payments.issueInvoice(order.id, { buyer: { ...BUYER, taxId: '7736207544' }, actor: 'manager:1' }))
    expect(typo.code).toBe('VALIDATION')
    expect(typo.message).toContain('buyer.taxId')
    expect(typo.details.issues).toEqual([{ path: 'buyer.taxId', message: expect.stringContaining('check digits') }])
    expect((await failure(shop.payments.issueInvoice(order.id, { buyer: { ...BUYER, taxId: '77362075' }, actor: 'manager:1' }))).code).toBe('VALIDATION')
    const kpp = await failure(shop.payments.issueInvoice(order.id, { buyer: { name: 'ИП Иванов', taxId: '500100732259', kpp: '773601001' }, actor: 'manager:1' }))
    expect(kpp.details.issues).toEqual([{ path: 'buyer.kpp', message: expect.stringContaining('entrepreneur') }])
    expect((await failure(shop.payments.issueInvoice(order.id, { buyer: BUYER, actor: 'manager:1', method: 'pickup' }))).code).toBe('PAYMENT_METHOD_UNAVAILABLE')
    expect(await counts(shop)).toEqual(before)

    await shop.payments.recordCash(order.id, { amount: 10_000, actor: 'manager:1', method: 'pickup' })
    const paid = await failure(shop.payments.issueInvoice(order.id, { buyer: BUYER, actor: 'manager:1' }))
    expect(paid.code).toBe('NOT_ALLOWED_IN_STATE')
    expect(await shop.payments.invoices(order.id)).toEqual([])
  })

  test('bank statement: the matching row pays the invoice and the order; others are listed with the reason; a re-import matches nothing new', async () => {
    const order = await placeOrder(shop)
    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'request_payment', { actor: 'manager:1' })
    const invoice = await shop.payments.issueInvoice(order.id, { buyer: BUYER, actor: 'manager:1' })
    const other = await placeOrder(shop)
    const otherInvoice = await shop.payments.issueInvoice(other.id, { buyer: BUYER, actor: 'manager:1' })

    const doc = `${Date.now() % 100000}`
    const rows: BankStatementRow[] = [
      { date: '2026-03-11', amount: 10_000, payerTaxId: '7736207543', purpose: `Оплата по счету № ${invoice.number.toLowerCase()} от 10.03.2026, в т.ч. НДС`, documentNumber: `${doc}1` },
      { date: '2026-03-11', amount: 5_000, purpose: 'Оплата по договору 15', documentNumber: `${doc}2` },
      { date: '2026-03-11', amount: 9_999, purpose: `Оплата по счету ${otherInvoice.number}`, documentNumber: `${doc}3` },
      { date: '2026-03-11', amount: 10_000, purpose: `Оплата по счету ${invoice.number} (повторно)`, documentNumber: `${doc}4` },
    ]
    const result = await shop.payments.importBankStatement(rows)
    expect(result.matched).toEqual([{ documentNumber: `${doc}1`, invoiceId: invoice.id, invoiceNumber: invoice.number, orderId: order.id, paymentId: expect.any(String), amount: 10_000 }])
    expect(result.unmatched).toEqual([
      { row: rows[1], reason: 'no_invoice_number', invoiceNumber: null, orderId: null, expected: null, received: 5_000 },
      { row: rows[2], reason: 'amount_differs', invoiceNumber: otherInvoice.number, orderId: other.id, expected: 10_000, received: 9_999 },
      { row: rows[3], reason: 'already_paid', invoiceNumber: invoice.number, orderId: order.id, expected: 10_000, received: 10_000 },
    ])

    const payments = await shop.payments.forOrder(order.id)
    expect(payments.state).toEqual({ status: 'paid', captured: 10_000, refunded: 0, due: 0, total: 10_000 })
    expect(payments.payments).toMatchObject([{ id: result.matched[0]!.paymentId, method: 'invoice', methodType: 'bank_invoice', status: 'captured', captured: 10_000 }])
    expect((await shop.orders.get(order.id))!.status).toBe('paid')
    const [paidInvoice] = await shop.payments.invoices(order.id)
    expect(paidInvoice).toMatchObject({ status: 'paid', paymentId: result.matched[0]!.paymentId, paidAt: expect.any(Date) })
    expect((await shop.payments.invoices(other.id))[0]!.status).toBe('issued')

    const before = await counts(shop)
    const again = await shop.payments.importBankStatement(rows)
    expect(again.matched).toEqual([])
    expect(again.unmatched.map((u) => u.reason)).toEqual(['already_imported', 'no_invoice_number', 'amount_differs', 'already_paid'])
    expect(await counts(shop)).toEqual(before)
    expect((await shop.payments.forOrder(order.id)).state.captured).toBe(10_000)
  })

  test('an invoice marked paid by a manager through recordCash is not paid again by the statement', async () => {
    const order = await placeOrder(shop)
    const invoice = await shop.payments.issueInvoice(order.id, { buyer: BUYER, actor: 'manager:1' })
    const payment = await shop.payments.recordCash(order.id, { amount: 10_000, actor: 'manager:3', method: 'invoice' })
    expect(payment).toMatchObject({ methodType: 'bank_invoice', status: 'captured' })
    expect((await shop.payments.invoices(order.id))[0]!.status).toBe('paid')
    const result = await shop.payments.importBankStatement([{ date: new Date('2026-03-12T00:00:00Z'), amount: 10_000, purpose: `Счет ${invoice.number}`, documentNumber: 'P-77' }])
    expect(result.matched).toEqual([])
    expect(result.unmatched.map((u) => u.reason)).toEqual(['already_paid'])
    expect((await shop.payments.forOrder(order.id)).state.captured).toBe(10_000)
  })

  test('a bad statement row is refused with VALIDATION and nothing is imported', async () => {
    const order = await placeOrder(shop)
    const invoice = await shop.payments.issueInvoice(order.id, { buyer: BUYER, actor: 'manager:1' })
    const before = await counts(shop)
    const error = await failure(
      shop.payments.importBankStatement([
        { date: '2026-03-11', amount: 10_000, purpose: `Счет ${invoice.number}`, documentNumber: 'OK-1' },
        { date: 'yesterday', amount: 100.5, purpose: 'x', documentNumber: 'BAD-1' },
      ]),
    )
    expect(error.code).toBe('VALIDATION')
    expect(await counts(shop)).toEqual(before)
  })

  test('goods handed over: the closing receipt of a prepaid order is issued once, when it reaches completed', async () => {
    const order = await placeOrder(shop)
    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'request_payment', { actor: 'manager:1' })
    const payment = await shop.payments.start(order.id, { method: 'card', idempotencyKey: key() })
    provider.pay(payment.providerPaymentId!)
    await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}-c`, payment.providerPaymentId!, 'captured'))
    expect((await shop.orders.get(order.id))!.status).toBe('paid')
    const closing = async () => (await shop.payments.receipts(order.id)).filter((r) => r.paymentMode === 'full_payment')

    await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:1' })
    for (const step of ['pack', 'hand_to_carrier', 'deliver']) await shop.orders.transition(order.id, step, { actor: 'manager:1' })
    await shop.events.relay()
    expect(await closing()).toEqual([])

    await shop.orders.transition(order.id, 'complete', { actor: 'manager:1' })
    await shop.events.relay()
    const [receipt, ...rest] = await closing()
    expect(rest).toEqual([])
    expect(receipt).toMatchObject({ paymentId: payment.id, sentToProvider: false, receipt: { kind: 'income', total: 10_000 } })
    expect(receipt!.receipt.lines.map((l) => [l.description, l.quantity, l.unitPrice, l.paymentMode])).toEqual([
      ['Чайник', 1, 8_500, 'full_payment'],
      ['Кружка', 3, 500, 'full_payment'],
    ])
    await shop.events.relay()
    expect((await shop.payments.issueClosingReceipt(order.id))!.id).toBe(receipt!.id)
    expect(await closing()).toHaveLength(1)
    expect(await shop.events.parked()).toEqual([])
  })

  test('a cash-on-delivery order gets no closing receipt when it completes: its receipt is the one of the collection', async () => {
    const order = await placeOrder(shop)
    await shop.payments.start(order.id, { method: 'cod', idempotencyKey: key(), trackingNumber: `TRK-${order.number}` })
    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:1' })
    for (const step of ['pack', 'hand_to_carrier', 'deliver']) await shop.orders.transition(order.id, step, { actor: 'manager:1' })
    const remitted = await shop.payments.importRemittance([{ trackingNumber: `TRK-${order.number}`, collected: 10_000, fee: 300, date: '2026-03-12' }])
    expect(remitted.matched).toHaveLength(1)
    const collected = await shop.payments.receipts(order.id)
    expect(collected.map((r) => [r.paymentMode, r.receipt.total])).toEqual([['full_payment', 10_000]])

    await shop.orders.transition(order.id, 'complete', { actor: 'manager:1' })
    await shop.events.relay()
    expect(await shop.payments.receipts(order.id)).toEqual(collected)
    expect(await shop.events.parked()).toEqual([])
  })
})
