import { randomUUID } from 'node:crypto'
import { createCommerce } from '@ordo/core'
import { describeEachDialect } from '@ordo/testing'
import { expect, test } from 'vitest'

const MOSCOW = { city: 'Москва', postalCode: '101000' }
const ADDRESS = { country: 'RU', city: 'Москва', postalCode: '101000', street: 'ул. Тверская', house: '1' }

describeEachDialect('a line split over shipments', ({ database }) => {
  test('two equal halves of an odd line total add up to it: the shipments carry exactly the order total as cash on delivery', async () => {
    const shop = await createCommerce({
      storage: (await database()).storage,
      currency: 'RUB',
      // A 3.35 % method discount (on goods and delivery: 34 004) leaves the line an odd number of kopecks: 4 004 − 1 139 = 2 865.
      payments: { methods: [{ code: 'cod', type: 'cash_on_delivery', feeBasisPoints: -335 }] },
      delivery: { ownCourier: { zones: [{ code: 'msk', name: 'Moscow', cities: ['Москва'], price: 30_000, days: { min: 1, max: 1 } }] } },
    })
    try {
      await shop.catalog.upsertProduct({ handle: 'cup', name: 'Cup', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: 'CUP', weightGrams: 300 }] })
      await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku: 'CUP', amount: 1_001 }])
      const variant = (await shop.catalog.getVariantBySku('CUP'))!
      for (const code of ['north', 'south']) {
        const location = await shop.inventory.createLocation({ code, name: code, type: 'warehouse' })
        await shop.inventory.receive({ variantId: variant.id, locationId: location.id, delta: 2, key: `seed-${code}` })
      }
      const cart = await shop.carts.create()
      await shop.carts.addItem(cart.id, { sku: 'CUP', quantity: 4 })
      await shop.carts.setContact(cart.id, { name: 'Анна', phone: '+79161234567' })
      await shop.carts.setPayment(cart.id, { method: 'cod' })
      await shop.carts.setDelivery(cart.id, { optionId: 'own:msk', destination: MOSCOW, address: ADDRESS })
      const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID() })
      expect(order.lines[0]!.total).toBe(2_865)

      const shipments = await shop.shipments.forOrder(order.id)
      expect(shipments).toHaveLength(2)
      expect(shipments.reduce((s, sh) => s + sh.codAmount, 0)).toBe(order.totals.total)
    } finally {
      await shop.close()
    }
  })
})
