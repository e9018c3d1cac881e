// Ordo with no HTTP at all: an in-memory shop, one product, one order from
// cart to completion, printing each status. Run: npm start -w @ordo/example-embed-minimal
import { createCommerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'

const shop = await createCommerce({ storage: sqliteStorage({ filename: ':memory:' }), currency: 'RUB' })
shop.events.on('order.status_changed', (e) => console.log(`  ${e.data.from} → ${e.data.to} (${e.data.actor})`))

await shop.catalog.upsertProduct({ handle: 'mug', name: 'Mug', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: 'MUG' }] })
await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku: 'MUG', amount: 59_000 }])
const warehouse = await shop.inventory.createLocation({ code: 'main', name: 'Warehouse', type: 'warehouse' })
const mug = await shop.catalog.getVariantBySku('MUG')
await shop.inventory.receive({ variantId: mug!.id, locationId: warehouse.id, delta: 10, key: 'first-delivery' })

const cart = await shop.carts.create({ channel: { source: 'newsletter' } })
await shop.carts.addItem(cart.id, { sku: 'MUG', quantity: 2 })
await shop.carts.setContact(cart.id, { name: 'Anna', phone: '+7 916 123-45-67' })
await shop.carts.setPayment(cart.id, { method: 'cash_on_delivery' })
const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey: crypto.randomUUID() })
console.log(`Order ${order.number}: ${order.totals.total / 100} RUB, ${order.status}`)

await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
for (;;) {
  // Walk the happy path: take the first allowed transition that is not a cancellation or a return.
  const next = (await shop.orders.allowedTransitions(order.id)).find((t) => t.allowed && !t.requiresReason)
  if (!next) break
  await shop.orders.transition(order.id, next.name, { actor: 'manager:1' })
}
console.log(`Order ${order.number} is ${(await shop.orders.get(order.id))!.status}`)
await shop.close()
