import { randomUUID } from 'node:crypto'
import { buildReceipt, type Commerce } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { memoryProvider } from './payment-fixtures/memory-provider.js'
import { paymentShop } from './payment-fixtures/payment-shop.js'

// Kettle 8 500 + 3 mugs × 500 = 10 000 kopecks of goods.
describeEachDialect('payment method fees and discounts', ({ database }) => {
  let shop: Commerce
  beforeAll(async () => {
    ;({ shop } = await paymentShop((await database()).storage, memoryProvider(), {
      methods: [
        { code: 'card', type: 'card_online', provider: 'memory', label: 'Card', feeBasisPoints: -500 },
        { code: 'cod', type: 'cash_on_delivery', label: 'Cash on delivery', feeBasisPoints: 100, feeFixed: 3_000 },
        { code: 'pickup', type: 'pay_at_pickup' },
      ],
    }))
  })
  afterAll(() => shop?.close())

  async function cart(method: string) {
    const c = await shop.carts.create()
    await shop.carts.addItem(c.id, { sku: 'KETTLE', quantity: 1 })
    await shop.carts.addItem(c.id, { sku: 'MUG', quantity: 3 })
    await shop.carts.setContact(c.id, { name: 'Анна', phone: '+79161234567' })
    return shop.carts.setPayment(c.id, { method })
  }

  test('a method discount is spread over the lines by their totals and shown as an adjustment', async () => {
    const c = await cart('card')
    const b = c.breakdown
    expect(b.paymentFee).toBe(0)
    expect(b.total).toBe(9_500)
    expect(b.lines.map((l) => [l.sku, l.total])).toEqual([
      ['KETTLE', 8_075],
      ['MUG', 1_425],
    ])
    expect(b.adjustments).toContainEqual(expect.objectContaining({ source: { type: 'payment_method', id: 'card', name: 'Card' }, amount: 500 }))
    expect((await shop.payments.methods({ amount: 10_000 })).find((m) => m.code === 'card')!.fee).toBe(-500)
  })

  test('a method fee is added to the total, carried by the order and printed on the receipt; edits price it again', async () => {
    const c = await cart('cod')
    expect(c.breakdown.paymentFee).toBe(3_100)
    expect(c.breakdown.total).toBe(13_100)
    expect(c.breakdown.lines.map((l) => l.total)).toEqual([8_500, 1_500])

    const order = await shop.checkout.placeOrder(c.id, { idempotencyKey: randomUUID() })
    expect(order.totals).toMatchObject({ subtotal: 10_000, discountTotal: 0, deliveryTotal: 0, paymentFee: 3_100, total: 13_100 })
    const reread = (await shop.orders.get(order.id))!
    expect(reread.totals.paymentFee).toBe(3_100)

    const receipt = buildReceipt(reread, { kind: 'income', paymentMode: 'full_payment' })
    expect(receipt.total).toBe(13_100)
    expect(receipt.lines.at(-1)).toMatchObject({ description: 'Комиссия за способ оплаты', quantity: 1, unitPrice: 3_100, paymentSubject: 'service' })

    const mugs = order.lines.find((l) => l.sku === 'MUG')!
    const edited = await shop.orders.changeQuantity(order.id, { lineId: mugs.id, quantity: 1, actor: 'manager:1' })
    expect(edited.totals).toMatchObject({ subtotal: 9_000, paymentFee: 3_090, total: 12_090 })
  })

  test('switching the method prices the cart again; a method without a fee changes nothing', async () => {
    const c = await cart('cod')
    expect((await shop.carts.setPayment(c.id, { method: 'card' })).breakdown.total).toBe(9_500)
    const plain = await shop.carts.setPayment(c.id, { method: 'pickup' })
    expect(plain.breakdown).toMatchObject({ total: 10_000, paymentFee: 0, discountTotal: 0 })
    expect(plain.breakdown.adjustments.filter((a) => a.source.type === 'payment_method')).toEqual([])
  })
})
