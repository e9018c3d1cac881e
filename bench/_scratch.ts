import { createCommerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { countingStorage, statementKey } from './counting-storage.js'
import { rmSync } from 'node:fs'
rmSync('/tmp/ob/s.db', { force: true })
const { storage, counter } = countingStorage(sqliteStorage({ filename: '/tmp/ob/s.db' }))
const shop = await createCommerce({ storage, currency: 'RUB' })
await shop.catalog.import(Array.from({ length: 6 }, (_, i) => ({ handle: `p${i}`, name: `P${i}`, vatRate: 'vat22' as const, paymentSubject: 'commodity' as const, sku: `S${i}`, variantName: 'v', prices: [{ priceList: 'base-RUB', amount: 1000 + i }] })))
const loc = await shop.inventory.createLocation({ code: 'main', name: 'Main', type: 'warehouse' })
for (let i = 0; i < 6; i++) { const v = await shop.catalog.getVariantBySku(`S${i}`); await shop.inventory.receive({ variantId: v!.id, locationId: loc.id, delta: 1000, key: `r${i}` }) }
for (let round = 0; round < 2; round++) {
counter.reset(); counter.logging = true
const step = async (name: string, fn: () => Promise<unknown>) => { const before = counter.log.length; await fn(); console.log(`--- ${name}: ${counter.log.length - before}`); for (const s of counter.log.slice(before)) console.log('   ', s.slice(0, 200)) }
let cart: any
await step('create', async () => { cart = await shop.carts.create() })
for (let i = 0; i < 3; i++) await step('addItem', () => shop.carts.addItem(cart.id, { sku: `S${i}`, quantity: 1 }))
await step('setContact', () => shop.carts.setContact(cart.id, { name: 'Ivan', phone: '+79161234567', email: 'ivan@example.com' }))
await step('setAddress', () => shop.carts.setShippingAddress(cart.id, { country: 'RU', city: 'Moscow', street: 'Tverskaya', house: '1', postalCode: '125009' }))
await step('placeOrder', () => shop.checkout.placeOrder(cart.id, { idempotencyKey: `key-${round}-abcdefgh` }))
console.log('TOTAL', counter.count)
}
await shop.close()
