import { OrdoError, type Commerce } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import { seededShop } from './fixtures/shop-fixture.js'
import { failure } from './fixtures/order-fixture.js'

describeEachDialect('carts', ({ database }) => {
  const shops: Commerce[] = []
  afterEach(async () => {
    await Promise.all(shops.splice(0).map((s) => s.close()))
  })
  async function setup(config = {}) {
    const db = await database()
    const fixture = await seededShop(db.storage, { config })
    shops.push(fixture.shop)
    return fixture
  }

  test('a visitor fills a cart and every read carries a fresh breakdown', async () => {
    const { shop } = await setup()
    const created = await shop.carts.create({ region: 'msk', channel: { source: 'yandex', medium: 'cpc', campaign: 'autumn', landingPage: '/tees' } })
    expect(created).toMatchObject({ status: 'active', currency: 'RUB', channel: { source: 'yandex', medium: 'cpc', campaign: 'autumn', landingPage: '/tees' } })
    expect(created.breakdown.total).toBe(0)
    await shop.carts.addItem(created.id, { sku: 'TEE-M', quantity: 2 })
    const cart = await shop.carts.addItem(created.id, { sku: 'TEE-M', quantity: 1 })
    expect(cart.items).toEqual([expect.objectContaining({ sku: 'TEE-M', quantity: 3, name: 'Tee — M' })])
    expect(cart.breakdown).toMatchObject({ subtotal: 300_000, total: 300_000 })
    expect(cart.breakdown.lines[0]).toMatchObject({ unitPrice: 100_000, quantity: 3, vatRate: 'vat22', vatAmount: 54_098 })
    const withSocks = await shop.carts.addItem(cart.id, { sku: 'SOCKS', quantity: 2 })
    const lineId = withSocks.items.find((i) => i.sku === 'TEE-M')!.lineId
    const changed = await shop.carts.setQuantity(cart.id, { lineId, quantity: 1 })
    expect(changed.breakdown.total).toBe(160_000)
    const removed = await shop.carts.removeItem(cart.id, { sku: 'SOCKS' })
    expect(removed.items.map((i) => i.sku)).toEqual(['TEE-M'])
    expect(removed.version).toBeGreaterThan(created.version)
    const cleared = await shop.carts.clear(cart.id)
    expect(cleared.items).toEqual([])
    expect((await shop.carts.get(cart.id)).breakdown.total).toBe(0)
  })

  test('an unknown SKU, an archived SKU and a bad quantity are refused with clear errors, writing nothing', async () => {
    const { shop } = await setup({ cart: { maxQuantityPerLine: 10 } })
    const cart = await shop.carts.create()
    expect(await failure(shop.carts.addItem(cart.id, { sku: 'NOPE', quantity: 1 }))).toMatchObject({ code: 'NOT_FOUND', details: { sku: 'NOPE' } })
    const archived = await failure(shop.carts.addItem(cart.id, { sku: 'OLD', quantity: 1 }))
    expect(archived.code).toBe('SKU_ARCHIVED')
    expect(archived.message).toContain('no longer sold')
    expect((await failure(shop.carts.addItem(cart.id, { sku: 'SOCKS', quantity: 0 }))).code).toBe('VALIDATION')
    expect((await failure(shop.carts.addItem(cart.id, { sku: 'SOCKS', quantity: 1.5 }))).code).toBe('VALIDATION')
    expect(await failure(shop.carts.addItem(cart.id, { sku: 'SOCKS', quantity: 11 }))).toMatchObject({ code: 'QUANTITY_LIMIT', details: { max: 10 } })
    const after = await shop.carts.get(cart.id)
    expect(after.items).toEqual([])
    expect(after.version).toBe(cart.version)
  })

  test('more than is available is refused, and the error carries the available quantity', async () => {
    const { shop } = await setup()
    const cart = await shop.carts.create()
    await shop.carts.addItem(cart.id, { sku: 'TEE-L', quantity: 1 })
    const error = await failure(shop.carts.addItem(cart.id, { sku: 'TEE-L', quantity: 2 }))
    expect(error).toMatchObject({ code: 'OUT_OF_STOCK', details: { sku: 'TEE-L', requested: 3, available: 2 } })
    expect(error.message).toContain('Only 2')
    expect((await shop.carts.get(cart.id)).items[0]!.quantity).toBe(1)
  })

  test('contact phone is normalised to E.164, e-mail lower-cased; a bad phone is refused', async () => {
    const { shop } = await setup()
    const cart = await shop.carts.create()
    const updated = await shop.carts.setContact(cart.id, { name: 'Анна', phone: '8 (916) 123-45-67', email: 'Anna@Example.RU' })
    expect(updated.contact).toEqual({ name: 'Анна', phone: '+79161234567', email: 'anna@example.ru' })
    expect((await failure(shop.carts.setContact(cart.id, { phone: '12345' }))).code).toBe('VALIDATION')
    expect((await failure(shop.carts.setContact(cart.id, { email: 'not-an-email' }))).code).toBe('VALIDATION')
    expect((await shop.carts.get(cart.id)).contact.phone).toBe('+79161234567')
  })

  test('address and notes are kept; an address without a city is refused', async () => {
    const { shop } = await setup()
    const cart = await shop.carts.create()
    const address = { country: 'RU', city: 'Москва', postalCode: '101000', street: 'Покровка', house: '1', apartment: '5' }
    const updated = await shop.carts.setShippingAddress(cart.id, address)
    expect(updated.shippingAddress).toEqual(address)
    expect((await failure(shop.carts.setShippingAddress(cart.id, { country: 'RU' } as never))).details.issues).toEqual([
      expect.objectContaining({ path: 'city' }),
    ])
    expect((await shop.carts.setNotes(cart.id, 'call before')).notes).toBe('call before')
  })

  test('a cart in another currency than its prices cannot be priced; merging carts of two currencies is refused', async () => {
    const { shop } = await setup()
    const rub = await shop.carts.create()
    const usd = await shop.carts.create({ currency: 'USD' })
    expect(await failure(shop.carts.merge(usd.id, rub.id))).toMatchObject({ code: 'CURRENCY_MISMATCH' })
    expect((await failure(shop.carts.addItem(usd.id, { sku: 'SOCKS', quantity: 1 }))).code).toBe('PRICE_MISSING')
  })

  test('a guest cart merges into the customer cart on sign-in', async () => {
    const { shop } = await setup()
    const guest = await shop.carts.create({ channel: { source: 'vk' } })
    await shop.carts.addItem(guest.id, { sku: 'TEE-M', quantity: 1 })
    await shop.carts.addItem(guest.id, { sku: 'SOCKS', quantity: 2 })
    await shop.carts.setContact(guest.id, { phone: '+7 916 000-00-01' })
    const mine = await shop.carts.create({ customerId: 'cust-1' })
    await shop.carts.addItem(mine.id, { sku: 'TEE-M', quantity: 2 })
    const merged = await shop.carts.merge(guest.id, mine.id)
    expect(Object.fromEntries(merged.items.map((i) => [i.sku, i.quantity]))).toEqual({ 'TEE-M': 3, SOCKS: 2 })
    expect(merged.contact.phone).toBe('+79160000001')
    expect(merged.channel.source).toBe('vk')
    expect(merged.customerId).toBe('cust-1')
    const old = await shop.carts.get(guest.id)
    expect(old).toMatchObject({ status: 'merged', convertedTo: mine.id, items: [] })
    expect(await failure(shop.carts.addItem(guest.id, { sku: 'SOCKS', quantity: 1 }))).toMatchObject({ code: 'CART_CLOSED' })
  })

  test('abandoned carts: idle, with items and a contact, oldest first, paginated', async () => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const db = await database()
    const { shop } = await seededShop(db.storage, { clock })
    shops.push(shop)
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const cart = await shop.carts.create()
      await shop.carts.addItem(cart.id, { sku: 'SOCKS', quantity: 1 })
      await shop.carts.setContact(cart.id, { email: `c${i}@example.com` })
      ids.push(cart.id)
      clock.advance({ minutes: 10 })
    }
    const noContact = await shop.carts.create()
    await shop.carts.addItem(noContact.id, { sku: 'SOCKS', quantity: 1 })
    const empty = await shop.carts.create()
    await shop.carts.setContact(empty.id, { email: 'empty@example.com' })
    clock.advance({ hours: 3 })
    await shop.carts.addItem(ids[2]!, { sku: 'SOCKS', quantity: 1 }) // active again

    const before = new Date(clock.now().getTime() - 60 * 60_000)
    const first = await shop.carts.abandoned({ before, limit: 1 })
    expect(first.items.map((c) => c.cartId)).toEqual([ids[0]])
    expect(first.items[0]).toMatchObject({ contact: { email: 'c0@example.com' }, itemCount: 1 })
    const second = await shop.carts.abandoned({ before, limit: 1, cursor: first.nextCursor! })
    expect(second.items.map((c) => c.cartId)).toEqual([ids[1]])
    expect(second.nextCursor).toBeNull()
  })

  test('unknown carts are NOT_FOUND and bad ids are VALIDATION', async () => {
    const { shop } = await setup()
    expect((await failure(shop.carts.get('missing'))).code).toBe('NOT_FOUND')
    expect((await failure(shop.carts.get(''))).code).toBe('VALIDATION')
    expect((await failure(shop.carts.create({ currency: 'XXX' } as never))).code).toBe('VALIDATION')
  })

  test('coupons: case-insensitive, unknown ones refused with the reason, not-applicable ones refused with why', async () => {
    const { shop } = await setup()
    const promo = await shop.promotions.create({
      name: '10% from 2000',
      requiresCoupon: true,
      conditions: [{ type: 'cart_subtotal', min: 200_000 }],
      benefits: [{ type: 'percent_off_order', percent: 10 }],
    })
    await shop.promotions.createCoupon({ promotionId: promo.id, code: 'Autumn10' })
    const cart = await shop.carts.create()
    await shop.carts.addItem(cart.id, { sku: 'TEE-M', quantity: 1 })
    expect(await failure(shop.carts.applyCoupon(cart.id, 'NOSUCH'))).toMatchObject({ code: 'COUPON_REJECTED', details: { reason: 'unknown' } })
    const notYet = await failure(shop.carts.applyCoupon(cart.id, 'autumn10'))
    expect(notYet).toMatchObject({ code: 'COUPON_REJECTED', details: { reason: 'not_applicable' } })
    expect(notYet.message).toMatch(/2[\s\u00a0]?000/)
    await shop.carts.addItem(cart.id, { sku: 'TEE-M', quantity: 1 })
    const applied = await shop.carts.applyCoupon(cart.id, 'autumn10')
    expect(applied.couponCodes).toEqual(['AUTUMN10'])
    expect(applied.breakdown.total).toBe(180_000)
    const removed = await shop.carts.removeCoupon(cart.id, 'AUTUMN10')
    expect(removed.breakdown.total).toBe(200_000)
  })
})
