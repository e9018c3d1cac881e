/** A shop with two products (8 500 + 1 500 = 10 000 kopecks) and payment methods over a memory provider. */
import { randomUUID } from 'node:crypto'
import { createCommerce, type Commerce, type CommerceConfig, type Order, type PaymentMethodConfig, type PaymentProvider } from '@ordo/core'
import { testClock, type TestClock } from '@ordo/testing'

export const PAYMENT_METHODS: PaymentMethodConfig[] = [
  { code: 'card', type: 'card_online', provider: 'memory' },
  { code: 'card_hold', type: 'card_online', provider: 'memory', twoStage: true },
  { code: 'pickup', type: 'pay_at_pickup' },
  { code: 'cod', type: 'cash_on_delivery', maxAmount: 1_000_000 },
  { code: 'invoice', type: 'bank_invoice', minAmount: 5_000 },
]

export async function paymentShop(
  storage: CommerceConfig['storage'],
  provider: PaymentProvider,
  options: { clock?: TestClock; payments?: Partial<NonNullable<CommerceConfig['payments']>>; methods?: PaymentMethodConfig[] } = {},
): Promise<{ shop: Commerce; clock: TestClock }> {
  const clock = options.clock ?? testClock('2026-03-10T09:00:00Z')
  const shop = await createCommerce({
    storage,
    currency: 'RUB',
    clock,
    payments: { providers: [provider], methods: options.methods ?? PAYMENT_METHODS, retryBackoffMs: 1, timeoutMs: 300, ...options.payments },
  })
  await shop.catalog.upsertProduct({ handle: 'kettle', name: 'Чайник', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: 'KETTLE' }] })
  await shop.catalog.upsertProduct({ handle: 'mug', name: 'Кружка', vatRate: 'vat10', paymentSubject: 'commodity', variants: [{ sku: 'MUG' }] })
  await shop.catalog.setPrices([
    { priceListCode: 'base-RUB', sku: 'KETTLE', amount: 8_500 },
    { priceListCode: 'base-RUB', sku: 'MUG', amount: 500 },
  ])
  const warehouse = await shop.inventory.createLocation({ code: 'main', name: 'Main', type: 'warehouse' })
  for (const sku of ['KETTLE', 'MUG']) {
    const variant = await shop.catalog.getVariantBySku(sku)
    await shop.inventory.receive({ variantId: variant!.id, locationId: warehouse.id, delta: 100_000, key: `seed-${sku}` })
  }
  return { shop, clock }
}

/** An order of one kettle and three mugs: 8 500 + 3 × 500 = 10 000. */
export async function placeOrder(shop: Commerce, lines: { sku: string; quantity: number }[] = [{ sku: 'KETTLE', quantity: 1 }, { sku: 'MUG', quantity: 3 }]): Promise<Order> {
  const cart = await shop.carts.create()
  for (const line of lines) await shop.carts.addItem(cart.id, line)
  await shop.carts.setContact(cart.id, { name: 'Анна', phone: '+79161234567', email: 'anna@example.ru' })
  return shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID(), acceptPriceChanges: true })
}

export const key = () => randomUUID()
