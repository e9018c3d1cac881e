import { createCommerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { postgresStorage } from '@ordo/storage-postgres'
import { rmSync } from 'node:fs'
rmSync('/tmp/ob/s2.db', { force: true })
const pg = process.argv[2] === 'pg'
const shop = await createCommerce({ storage: pg ? postgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema: 'bench_scratch' }) : sqliteStorage({ filename: '/tmp/ob/s2.db' }), currency: 'RUB' })
const SK = 200
await shop.catalog.import(Array.from({ length: SK }, (_, i) => ({ handle: `p${i}`, name: `P${i}`, vatRate: 'vat22' as const, paymentSubject: 'commodity' as const, sku: `S${i}`, variantName: 'v', prices: [{ priceList: 'base-RUB', amount: 1000 + i }] })))
const loc = await shop.inventory.createLocation({ code: 'main', name: 'Main', type: 'warehouse' })
for (let i = 0; i < SK; i++) { const v = await shop.catalog.getVariantBySku(`S${i}`); await shop.inventory.receive({ variantId: v!.id, locationId: loc.id, delta: 1000000, key: `r${i}` }) }
const t: Record<string, number> = {}
const tm = async (k: string, fn: () => Promise<any>) => { const s = performance.now(); const r = await fn(); t[k] = (t[k] ?? 0) + performance.now() - s; return r }
const N = Number(process.env.N ?? 500)
const s0 = performance.now()
for (let n = 0; n < N; n++) {
  const cart = await tm('create', () => shop.carts.create())
  for (let i = 0; i < 3; i++) await tm('addItem', () => shop.carts.addItem(cart.id, { sku: `S${(n * 7 + i * 31) % SK}`, quantity: 1 }))
  await tm('setContact', () => shop.carts.setContact(cart.id, { name: 'Ivan', phone: '+79161234567', email: 'ivan@example.com' }))
  await tm('setAddress', () => shop.carts.setShippingAddress(cart.id, { country: 'RU', city: 'Moscow', street: 'Tverskaya', house: '1', postalCode: '125009' }))
  await tm('placeOrder', () => shop.checkout.placeOrder(cart.id, { idempotencyKey: `key-${n}-abcdefgh` }))
}
const total = performance.now() - s0
console.log(N / total * 1000, 'flows/s', Object.fromEntries(Object.entries(t).map(([k, v]) => [k, +(v / N).toFixed(3)])))
await shop.close()
