import { createCommerce, type Commerce } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'

// Each process keeps the catalog, automatic promotions and stock locations in
// memory between commands and checks them against the database's revisions:
// a change made by this process or another one sharing the database is seen
// by the next command. Two shops on one database stand for two processes.
describeEachDialect('reference data cached between commands', ({ database: shopDatabase }) => {
  let storefront: Commerce
  let backOffice: Commerce
  const clock = testClock('2026-03-02T09:00:00Z')

  let database: Awaited<ReturnType<Parameters<Parameters<typeof describeEachDialect>[1]>[0]['database']>>

  beforeAll(async () => {
    const db = (database = await shopDatabase())
    storefront = await createCommerce({ storage: db.storage, currency: 'RUB', clock })
    backOffice = await createCommerce({ storage: db.storage, currency: 'RUB', clock, migrate: false })
    await backOffice.catalog.upsertProduct({
      handle: 'tee',
      name: 'Футболка',
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      variants: [
        { sku: 'TEE-M', name: 'M', weightGrams: 200 },
        { sku: 'TEE-L', name: 'L', weightGrams: 210 },
      ],
    })
    await backOffice.catalog.setPrices([
      { priceListCode: 'base-RUB', sku: 'TEE-M', amount: 100_000 },
      { priceListCode: 'base-RUB', sku: 'TEE-L', amount: 110_000 },
    ])
    const location = await backOffice.inventory.createLocation({ code: 'main', name: 'Склад', type: 'warehouse' })
    for (const sku of ['TEE-M', 'TEE-L']) {
      const variant = await backOffice.catalog.getVariantBySku(sku)
      await backOffice.inventory.receive({ variantId: variant!.id, locationId: location.id, delta: 100, key: `seed-${sku}` })
    }
  })

  afterAll(async () => {
    await storefront?.close()
    await backOffice?.close()
  })

  const unitPrice = async (cartId: string, sku: string) => (await storefront.carts.get(cartId)).breakdown.lines.find((l) => l.sku === sku)!.unitPrice

  test('a price, a product name and a category changed by another process are what the next command sees', async () => {
    const cart = await storefront.carts.create()
    await storefront.carts.addItem(cart.id, { sku: 'TEE-M', quantity: 1 })
    expect(await unitPrice(cart.id, 'TEE-M')).toBe(100_000)

    await backOffice.catalog.setPrices([{ priceListCode: 'base-RUB', sku: 'TEE-M', amount: 95_000 }])
    const repriced = await storefront.carts.setQuantity(cart.id, { sku: 'TEE-M', quantity: 2 })
    expect(repriced.breakdown.lines[0]).toMatchObject({ unitPrice: 95_000, quantity: 2 })

    await backOffice.catalog.upsertProduct({ handle: 'tee', name: 'Футболка базовая', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: 'TEE-M', name: 'M' }] })
    const sale = await backOffice.catalog.createCategory({ slug: 'sale', name: 'Распродажа' })
    await backOffice.catalog.upsertProduct({ handle: 'tee', name: 'Футболка базовая', vatRate: 'vat22', paymentSubject: 'commodity', categoryIds: [sale.id], variants: [{ sku: 'TEE-M', name: 'M' }] })
    await backOffice.promotions.create({
      name: 'Распродажа −10%',
      conditions: [{ type: 'category', categoryIds: [sale.id] }],
      benefits: [{ type: 'percent_off_lines', percent: 10 }],
    })
    const seen = await storefront.carts.addItem(cart.id, { sku: 'TEE-L', quantity: 1 })
    const tee = seen.breakdown.lines.find((l) => l.sku === 'TEE-M')!
    expect(tee.name).toBe('Футболка базовая — M')
    // The category placement and the new promotion both reached the storefront's next command.
    expect(tee.discountTotal).toBe(19_000)
  })

  test('a database that lost its revision rows gets them back on the next change, and every process sees the change', async () => {
    await backOffice.run((uow) => uow.db.deleteFrom('ordo_revision').execute())
    // A process started now caches what it reads with no revision on record.
    const restarted = await createCommerce({ storage: database.storage, currency: 'RUB', clock, migrate: false })
    try {
      const cart = await restarted.carts.create()
      expect((await restarted.carts.addItem(cart.id, { sku: 'TEE-M', quantity: 1 })).breakdown.lines[0]!.unitPrice).not.toBe(93_000)
      await backOffice.catalog.setPrices([{ priceListCode: 'base-RUB', sku: 'TEE-M', amount: 93_000 }])
      expect((await restarted.carts.setQuantity(cart.id, { sku: 'TEE-M', quantity: 2 })).breakdown.lines[0]).toMatchObject({ unitPrice: 93_000 })
    } finally {
      await restarted.close()
    }
  })

  test('an archived variant cannot be added once another process archived it', async () => {
    const cart = await storefront.carts.create()
    await storefront.carts.addItem(cart.id, { sku: 'TEE-L', quantity: 1 })
    await backOffice.catalog.archiveVariant('TEE-L')
    await expect(storefront.carts.setQuantity(cart.id, { sku: 'TEE-L', quantity: 2 })).rejects.toMatchObject({ code: 'SKU_ARCHIVED' })
    const other = await storefront.carts.create()
    await expect(storefront.carts.addItem(other.id, { sku: 'TEE-L', quantity: 1 })).rejects.toMatchObject({ code: 'SKU_ARCHIVED' })
  })

  test('a promotion with a usage limit is counted from the database on every order, never from the cache', async () => {
    const limited = await backOffice.promotions.create({
      name: 'Первым двум покупателям −500 ₽',
      usageLimit: 2,
      benefits: [{ type: 'fixed_off_order', amount: 50_000 }],
    })
    const discounts: number[] = []
    for (let i = 0; i < 3; i++) {
      const cart = await storefront.carts.create()
      await storefront.carts.addItem(cart.id, { sku: 'TEE-M', quantity: 1 })
      await storefront.carts.setContact(cart.id, { phone: '+7 916 000-00-0' + i })
      const order = await storefront.checkout.placeOrder(cart.id, { idempotencyKey: `limited-${i}-xxxxxxxx`, acceptPriceChanges: true })
      discounts.push(order.lines.reduce((s, l) => s + l.discountTotal, 0))
    }
    const amountOff = (d: number) => d >= 50_000
    expect(discounts.map(amountOff)).toEqual([true, true, false])
    await backOffice.promotions.archive(limited.id)
  })
})
