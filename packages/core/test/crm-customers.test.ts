import { randomUUID } from 'node:crypto'
import type { Commerce, CustomerTimelineItem } from '@ordo/core'
import { describeEachDialect, recordingSmsGateway, type TestClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { failure, placeOrder } from './fixtures/order-fixture.js'
import { seededShop } from './fixtures/shop-fixture.js'

const MINUTE = 60_000

/** Relays events and runs due jobs until nothing is left to do. */
async function settle(shop: Commerce): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const relayed = await shop.events.relay()
    const ran = await shop.jobs.runDue()
    if (relayed.delivered + relayed.retried + relayed.parked + ran.completed + ran.retried + ran.failed === 0) return
  }
  throw new Error('the shop did not settle')
}

describeEachDialect('crm customers', ({ database }) => {
  // One shop for the file (migrations are slow on MariaDB); every test uses its own phones and e-mails.
  let fixture: { shop: Commerce; clock: TestClock }
  beforeAll(async () => {
    const db = await database()
    fixture = await seededShop(db.storage, {
      config: {
        notify: { sms: recordingSmsGateway('recording'), quietHours: null },
        loyalty: { earnBasisPoints: 500, pointValue: 100, activationDays: 14, expiryDays: 180, signupBonus: 100 },
      },
    })
  }, 120_000)
  afterAll(() => fixture?.shop.close())

  async function crmShop(): Promise<{ shop: Commerce; clock: TestClock }> {
    return fixture
  }

  async function customerCount(shop: Commerce): Promise<number> {
    return (await shop.customers.list({ limit: 500, includeMerged: true })).items.length
  }

  test('phones are kept in E.164 and e-mails lower-cased; each contact belongs to one customer (DUPLICATE otherwise), and a failed create writes nothing', async () => {
    const { shop } = await crmShop()
    const anna = await shop.customers.create({ name: 'Анна', phones: ['8 (916) 123-45-67', '+7 916 123 45 67'], emails: ['Anna@Example.RU'], groups: ['vip'], tags: ['sofa'] })
    expect(anna.contacts.map((c) => [c.kind, c.value, c.primary])).toEqual([
      ['phone', '+79161234567', true],
      ['email', 'anna@example.ru', true],
    ])
    expect(anna.groups).toEqual(['vip'])
    expect((await shop.customers.findByContact({ phone: '+7 (916) 123-45-67' }))?.id).toBe(anna.id)
    expect((await shop.customers.findByContact({ email: 'ANNA@example.ru' }))?.id).toBe(anna.id)
    expect(await shop.customers.findByContact({ phone: '+7 903 000-00-00' })).toBeUndefined()

    const before = await customerCount(shop)
    const clash = await failure(shop.customers.create({ name: 'Другая', phones: ['89161234567'], emails: ['other@example.ru'] }))
    expect(clash.code).toBe('DUPLICATE')
    expect(clash.details).toMatchObject({ key: 'phone', value: '+79161234567', customerId: anna.id })
    expect(await customerCount(shop)).toBe(before)
    expect(await shop.customers.findByContact({ email: 'other@example.ru' })).toBeUndefined()

    const boris = await shop.customers.create({ name: 'Борис', emails: ['boris@example.ru'] })
    expect((await failure(shop.customers.addContact(boris.id, { email: 'anna@EXAMPLE.ru' }))).code).toBe('DUPLICATE')
    // The same number in another format is the contact Anna already has: nothing changes.
    const same = await shop.customers.addContact(anna.id, { phone: '8-916-123-45-67' })
    expect(same.version).toBe(anna.version)
    const withSecond = await shop.customers.addContact(anna.id, { phone: '+7 903 765-43-21' }, { primary: true })
    expect(withSecond.contacts.filter((c) => c.kind === 'phone').map((c) => [c.value, c.primary])).toEqual([
      ['+79037654321', true],
      ['+79161234567', false],
    ])
    const removed = await shop.customers.removeContact(anna.id, { phone: '+79037654321' })
    expect(removed.contacts.filter((c) => c.kind === 'phone').map((c) => [c.value, c.primary])).toEqual([['+79161234567', true]])
    expect(await shop.customers.findByContact({ phone: '+79037654321' })).toBeUndefined()

    expect((await shop.customers.list({ query: '916 123' })).items.map((c) => c.id)).toEqual([anna.id])
    expect((await shop.customers.list({ query: 'борис' })).items.map((c) => c.id)).toEqual([boris.id])
    expect((await shop.customers.list({ group: 'vip' })).items.map((c) => c.id)).toEqual([anna.id])
    expect((await shop.customers.list({ tag: 'nope' })).items).toEqual([])
  })

  test('consent per address lives in notify: marketing and transactional flags per channel; a refused transactional address gets no order messages', async () => {
    const { shop } = await crmShop()
    const anna = await shop.customers.create({ name: 'Анна', phones: ['+79162220001'], emails: ['consent@example.ru'], consent: { sms: { marketing: true }, email: { transactional: false } } })
    const consent = Object.fromEntries(anna.contacts.map((c) => [c.kind, c.consent]))
    expect(consent).toEqual({ phone: { marketing: true, transactional: true }, email: { marketing: false, transactional: false } })
    const updated = await shop.customers.update(anna.id, { consent: { sms: { marketing: false, transactional: false } }, expectedVersion: anna.version })
    expect(updated.contacts.find((c) => c.kind === 'phone')!.consent).toEqual({ marketing: false, transactional: false })

    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }], { phone: '+79162220001', email: 'consent@example.ru' })
    await settle(shop)
    expect((await shop.orders.get(order.id))!.customerId).toBe(anna.id)
    // Both addresses refused order messages: the order placed nothing in the outbox of messages.
    expect(await shop.notify.messages({ orderId: order.id })).toEqual([])
  })

  test('bad input is refused with an OrdoError and nothing is written', async () => {
    const { shop } = await crmShop()
    const anna = await shop.customers.create({ name: 'Анна', phones: ['+79163330001'] })
    const before = await customerCount(shop)
    // Thunks: each runs only when the one before has failed, so nothing overlaps.
    const cases: [() => Promise<unknown>, string, string?][] = [
      [() => shop.customers.create({ phones: ['12'] }), 'VALIDATION', 'phones.0'],
      [() => shop.customers.create({ emails: ['not-an-email'] }), 'VALIDATION', 'emails.0'],
      [() => shop.customers.create({ name: 'X', timeZone: 'Mars/Olympus' }), 'VALIDATION', 'timeZone'],
      [() => shop.customers.create({ name: 'X', nickname: 'x' } as never), 'VALIDATION'],
      [() => shop.customers.create({ addresses: [{ country: 'Russia', city: 'Москва' }] }), 'VALIDATION', 'addresses.0.country'],
      [() => shop.customers.update(anna.id, { name: 'Анна Петровна', expectedVersion: anna.version + 5 }), 'CONFLICT'],
      [() => shop.customers.update('no-such-customer', { name: 'X' }), 'NOT_FOUND'],
      [() => shop.customers.addContact(anna.id, { phone: 'call me' }), 'VALIDATION', 'phone'],
      [() => shop.customers.addContact(anna.id, { phone: '+79163330001', email: 'a@b.ru' } as never), 'VALIDATION'],
      [() => shop.customers.removeContact(anna.id, { email: 'absent@example.ru' }), 'NOT_FOUND'],
      [() => shop.customers.merge(anna.id, anna.id, { actor: 'manager:1' }), 'VALIDATION', 'sourceId'],
      [() => shop.customers.merge(anna.id, 'no-such-customer', { actor: 'manager:1' }), 'NOT_FOUND'],
      [() => shop.customers.merge(anna.id, 'x', { actor: '' }), 'VALIDATION', 'actor'],
      [() => shop.customers.list({ limit: 0 }), 'VALIDATION', 'limit'],
      [() => shop.customers.timeline(anna.id, { limit: 1000 }), 'VALIDATION', 'limit'],
      [() => shop.customers.timeline('no-such-customer'), 'NOT_FOUND'],
    ]
    for (const [run, code, path] of cases) {
      const error = await failure(run())
      expect(error.code).toBe(code)
      if (path) expect((error.details['issues'] as { path: string }[]).map((i) => i.path)).toContain(path)
    }
    expect(await customerCount(shop)).toBe(before)
    const after = (await shop.customers.get(anna.id))!
    expect(after).toEqual(anna)
  })

  test('a guest order attaches to the customer with its phone or e-mail, or to a new one; the second order by the same phone in another format finds the same customer', async () => {
    const { shop } = await crmShop()
    const before = await customerCount(shop)
    const first = await placeOrder(shop, [{ sku: 'TEE-M', quantity: 1 }], { phone: '+7 903 111-22-33', email: 'Guest@Example.ru' })
    expect(first.customerId).toBeNull()
    await settle(shop)
    const customerId = (await shop.orders.get(first.id))!.customerId
    expect(customerId).not.toBeNull()
    const customer = (await shop.customers.get(customerId!))!
    expect(customer.name).toBe('Анна')
    expect(customer.contacts.map((c) => c.value)).toEqual(['+79031112233', 'guest@example.ru'])
    const created = (await shop.events.forAggregate(customerId!)).map((e) => e.type)
    expect(created).toEqual(expect.arrayContaining(['customer.created', 'customer.order_attached']))

    const second = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }], { phone: '8 (903) 111-22-33', email: 'second@example.ru' })
    // By e-mail alone: the phone is new, the e-mail is known.
    const third = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }], { phone: '+7 903 999-88-77', email: 'GUEST@example.ru' })
    await settle(shop)
    expect((await shop.orders.get(second.id))!.customerId).toBe(customerId)
    expect((await shop.orders.get(third.id))!.customerId).toBe(customerId)
    const grown = (await shop.customers.get(customerId!))!
    expect(grown.contacts.map((c) => c.value).sort()).toEqual(['+79031112233', '+79039998877', 'guest@example.ru', 'second@example.ru'])
    expect(await customerCount(shop)).toBe(before + 1)

    // An order placed for a customer keeps its customer.
    const cart = await shop.carts.create({ customerId: 'external-42' })
    await shop.carts.addItem(cart.id, { sku: 'SOCKS', quantity: 1 })
    await shop.carts.setContact(cart.id, { name: 'Анна', phone: '+79031112233' })
    const own = await shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID() })
    await settle(shop)
    expect((await shop.orders.get(own.id))!.customerId).toBe('external-42')
    const timeline = await shop.customers.timeline(customerId!)
    expect(timeline.items.filter((i) => i.kind === 'order').map((i) => i.id).sort()).toEqual([first.id, second.id, third.id].sort())
  })

  test('merging two customers moves orders, carts, points, messages, consent, calls, notes, tasks, contacts and labels, loses nothing, and is recorded', async () => {
    const { shop } = await crmShop()
    const anna = await shop.customers.create({ name: 'Анна', phones: ['+79164440001'], emails: ['anna5@example.ru'], groups: ['vip-5'], tags: ['sofa'], addresses: [{ country: 'RU', city: 'Москва', street: 'Тверская', house: '1' }] })
    const dup = await shop.customers.create({
      name: 'Анна П.',
      phones: ['+79034440002'],
      emails: ['anna5.p@example.ru'],
      groups: ['vip-5', 'wholesale-5'],
      tags: ['lamp'],
      addresses: [{ country: 'RU', city: 'Казань', street: 'Баумана', house: '5' }],
      consent: { sms: { marketing: true } },
      notes: 'prefers evening calls',
    })

    // A promotion once per customer: the duplicate's use must follow it to the survivor.
    const promo = await shop.promotions.create({ name: 'Once each', requiresCoupon: true, usagePerCustomer: 1, benefits: [{ type: 'fixed_off_order', amount: 500 }] })
    await shop.promotions.createCoupon({ promotionId: promo.id, code: 'ONCE-5' })
    // Orders: one guest order each, attached by phone; plus one placed for the duplicate by id.
    await placeOrder(shop, [{ sku: 'TEE-M', quantity: 1 }], { phone: '+79164440001', email: 'anna5@example.ru' })
    await placeOrder(shop, [{ sku: 'SOCKS', quantity: 2 }], { phone: '+79034440002', email: 'anna5.p@example.ru' })
    const dupCart = await shop.carts.create({ customerId: dup.id })
    await shop.carts.addItem(dupCart.id, { sku: 'SOCKS', quantity: 1 })
    await shop.carts.applyCoupon(dupCart.id, 'ONCE-5')
    await shop.carts.setContact(dupCart.id, { name: 'Анна', phone: '+79034440002' })
    await shop.checkout.placeOrder(dupCart.id, { idempotencyKey: randomUUID() })
    const openCart = await shop.carts.create({ customerId: dup.id })
    await settle(shop)

    // Points: both got the sign-up bonus (the same idempotency key), the duplicate owes 50 points.
    await shop.loyalty.awardBonus(anna.id, 'signup')
    await shop.loyalty.adjust(anna.id, { points: 300, reason: 'apology', externalId: 'ticket-1' })
    await shop.loyalty.awardBonus(dup.id, 'signup')
    await shop.loyalty.adjust(dup.id, { points: 50, reason: 'review', externalId: 'review-1' })
    await shop.loyalty.adjust(dup.id, { points: -200, reason: 'mistake', externalId: 'fix-1' })

    // Messages, calls, notes, tasks.
    await shop.notify.send({ to: { customerId: anna.id, phone: '+79164440001' }, text: 'Здравствуйте' })
    await shop.notify.send({ to: { customerId: dup.id, phone: '+79034440002' }, text: 'Скидка' })
    await shop.notify.send({ to: { customerId: dup.id, phone: '+79034440002' }, text: 'Ждём вас' })
    await shop.crm.logCall({ customerId: dup.id, direction: 'out', managerId: 'anna', startedAt: new Date('2026-03-10T08:00:00Z'), durationSeconds: 60, outcome: 'answered' })
    await shop.crm.addNote({ customerId: dup.id, body: 'asked about sofas', author: 'manager:1' })
    await shop.crm.createTask({ customerId: dup.id, title: 'call back', dueAt: new Date('2026-03-11T12:00:00Z'), assignee: 'anna' })
    await shop.crm.addNote({ customerId: anna.id, body: 'VIP', author: 'manager:1' })
    await settle(shop)

    const ordersOf = async (id: string) => (await shop.customers.timeline(id, { limit: 200 })).items.filter((i) => i.kind === 'order').map((i) => i.id)
    const messagesOf = async (id: string) => (await shop.notify.messages({ customerId: id })).map((m) => m.id)
    const interactionsOf = async (id: string) => (await shop.crm.interactions(id, { limit: 500 })).map((i) => `${i.kind}:${i.id}`)
    const entriesOf = async (id: string) => (await shop.loyalty.statement(id, { limit: 500 })).items
    const snapshot = async (id: string) => ({
      orders: await ordersOf(id),
      messages: await messagesOf(id),
      interactions: await interactionsOf(id),
      entries: await entriesOf(id),
      balance: await shop.loyalty.balance(id),
      customer: (await shop.customers.get(id))!,
    })
    const a = await snapshot(anna.id)
    const d = await snapshot(dup.id)
    expect(a.orders).toHaveLength(1)
    expect(d.orders).toHaveLength(2)
    expect(a.messages.length).toBeGreaterThanOrEqual(1)
    expect(d.messages.length).toBeGreaterThanOrEqual(2)
    expect(d.interactions).toHaveLength(3)
    expect(a.balance).toMatchObject({ active: 400, debt: 0, total: 400 })
    expect(d.balance).toMatchObject({ active: 0, debt: 50, total: -50 })

    const result = await shop.customers.merge(anna.id, dup.id, { actor: 'manager:7' })
    expect(result.moved).toEqual({
      orders: 2,
      carts: 2,
      pointsEntries: d.entries.length,
      messages: d.messages.length,
      consents: 1,
      calls: 1,
      notes: 1,
      tasks: 1,
      contacts: 2,
      addresses: 1,
      labels: 2,
      promotionUses: 1,
    })

    const after = await snapshot(anna.id)
    const source = await snapshot(dup.id)
    expect(after.orders.sort()).toEqual([...a.orders, ...d.orders].sort())
    expect(after.messages.sort()).toEqual([...a.messages, ...d.messages].sort())
    expect(after.interactions.sort()).toEqual([...a.interactions, ...d.interactions].sort())
    expect(after.entries.map((e) => e.id).sort()).toEqual([...a.entries, ...d.entries].map((e) => e.id).sort())
    // The merged balance is the sum of both; the duplicate's debt was paid from Anna's active points.
    expect(after.balance).toMatchObject({ active: 350, pending: 0, held: 0, debt: 0, total: a.balance.total + d.balance.total })
    expect(source.balance).toMatchObject({ active: 0, pending: 0, held: 0, debt: 0, total: 0 })
    expect(source.orders).toEqual([])
    expect(source.messages).toEqual([])
    expect(source.interactions).toEqual([])
    expect((await shop.carts.get(openCart.id))!.customerId).toBe(anna.id)

    const merged = after.customer
    expect(merged.contacts.map((c) => c.value).sort()).toEqual(['+79034440002', '+79164440001', 'anna5.p@example.ru', 'anna5@example.ru'])
    expect(merged.contacts.filter((c) => c.primary).map((c) => c.value).sort()).toEqual(['+79164440001', 'anna5@example.ru'])
    expect(merged.contacts.find((c) => c.value === '+79034440002')!.consent.marketing).toBe(true)
    expect(merged.groups).toEqual(['vip-5', 'wholesale-5'])
    expect(merged.tags.sort()).toEqual(['lamp', 'sofa'])
    expect(merged.addresses.map((x) => x.city)).toEqual(['Москва', 'Казань'])
    expect(merged.notes).toBe('prefers evening calls')
    expect(merged.name).toBe('Анна')
    expect(source.customer.mergedInto).toBe(anna.id)
    expect(source.customer.contacts).toEqual([])
    expect((await shop.customers.findByContact({ phone: '+79034440002' }))!.id).toBe(anna.id)
    expect((await shop.customers.list({ limit: 500 })).items.map((c) => c.id)).not.toContain(dup.id)

    const [record] = await shop.customers.merges(anna.id)
    expect(record).toMatchObject({ id: result.mergeId, targetId: anna.id, sourceId: dup.id, actor: 'manager:7', moved: result.moved })
    const mergedEvent = (await shop.events.forAggregate(anna.id)).find((e) => e.type === 'customer.merged')!
    expect(mergedEvent.data).toMatchObject({ targetId: anna.id, sourceId: dup.id, actor: 'manager:7' })

    // The duplicate is done: no second merge, no edits.
    expect((await failure(shop.customers.merge(anna.id, dup.id, { actor: 'manager:7' }))).code).toBe('NOT_ALLOWED_IN_STATE')
    expect((await failure(shop.customers.update(dup.id, { name: 'X' }))).code).toBe('NOT_ALLOWED_IN_STATE')
    // Points keep working on the survivor: 350 active can be spent.
    await shop.loyalty.adjust(anna.id, { points: -350, reason: 'spent in shop', externalId: 'pos-1' })
    expect(await shop.loyalty.balance(anna.id)).toMatchObject({ active: 0, debt: 0, total: 0 })
  })

  test('an order placed for a customer merged away meanwhile joins the customer they were merged into', async () => {
    const { shop } = await crmShop()
    const keep = await shop.customers.create({ name: 'Ольга', phones: ['+79165550301'] })
    const dup = await shop.customers.create({ name: 'Ольга', phones: ['+79165550302'] })
    await shop.customers.merge(keep.id, dup.id, { actor: 'manager:1' })
    // A storefront session signed in before the merge still holds the old id (as a checkout that read its cart just before the merge does).
    const cart = await shop.carts.create({ customerId: dup.id })
    await shop.carts.addItem(cart.id, { sku: 'SOCKS', quantity: 1 })
    await shop.carts.setContact(cart.id, { name: 'Ольга', phone: '+79165550302' })
    const late = await shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID(), acceptPriceChanges: true })
    expect(late.customerId).toBe(dup.id)
    await settle(shop)
    expect((await shop.orders.get(late.id))!.customerId).toBe(keep.id)
    const timeline = await shop.customers.timeline(keep.id, { limit: 50 })
    expect(timeline.items.filter((i) => i.kind === 'order').map((i) => i.id)).toContain(late.id)
    expect((await shop.events.forAggregate(keep.id)).some((e) => e.type === 'customer.order_attached' && (e.data as { orderId: string }).orderId === late.id)).toBe(true)
  })

  test('concurrent writes of the same contact or segment code: DUPLICATE (or both saved), never a raw unique-key error', async () => {
    const { shop } = await crmShop()
    const outcome = <T,>(results: PromiseSettledResult<T>[]) => ({
      won: results.filter((r): r is PromiseFulfilledResult<T> => r.status === 'fulfilled').map((r) => r.value),
      lost: results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as { code?: string; details?: Record<string, unknown> }),
    })
    const phone = '+79165550101'
    const creates = outcome(await Promise.allSettled([1, 2, 3, 4].map((i) => shop.customers.create({ name: `Гонщик ${i}`, phones: [phone] }))))
    expect(creates.won).toHaveLength(1)
    expect(creates.lost.map((e) => e.code)).toEqual(['DUPLICATE', 'DUPLICATE', 'DUPLICATE'])
    for (const e of creates.lost) expect(e.details).toMatchObject({ key: 'phone', value: phone, customerId: creates.won[0]!.id })

    const a = await shop.customers.create({ name: 'А', phones: ['+79165550102'] })
    const b = await shop.customers.create({ name: 'Б', phones: ['+79165550103'] })
    const email = 'race@example.ru'
    const adds = outcome(await Promise.allSettled([shop.customers.addContact(a.id, { email }), shop.customers.addContact(b.id, { email })]))
    expect(adds.won).toHaveLength(1)
    expect(adds.lost.map((e) => e.code)).toEqual(['DUPLICATE'])
    expect(adds.lost[0]!.details).toMatchObject({ key: 'email', value: email, customerId: adds.won[0]!.id })

    const saves = outcome(await Promise.allSettled(['one', 'two', 'three'].map((name) => shop.crm.saveSegment({ code: 'race-segment', name, filter: { tags: ['vip'] } }))))
    expect(saves.lost).toEqual([])
    const stored = (await shop.crm.segments()).filter((x) => x.code === 'race-segment')
    expect(stored).toHaveLength(1)
    expect(saves.won.map((x) => x.name)).toContain(stored[0]!.name)
  })

  test('two merges of the same pair at once, in opposite directions: exactly one wins, the other is refused and nothing is lost', async () => {
    const { shop } = await crmShop()
    const left = await shop.customers.create({ name: 'Левый', phones: ['+79166660001'], tags: ['l'] })
    const right = await shop.customers.create({ name: 'Правый', phones: ['+79166660002'], tags: ['r'] })
    await shop.loyalty.adjust(left.id, { points: 70, reason: 'gift', externalId: 'race-l' })
    await shop.loyalty.adjust(right.id, { points: 30, reason: 'gift', externalId: 'race-r' })
    const results = await Promise.allSettled([shop.customers.merge(left.id, right.id, { actor: 'manager:1' }), shop.customers.merge(right.id, left.id, { actor: 'manager:2' })])
    const won = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ customer: { id: string } }>).value.customer.id)
    const lost = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)
    expect(won).toHaveLength(1)
    expect(lost).toEqual(['NOT_ALLOWED_IN_STATE'])
    const survivor = (await shop.customers.get(won[0]!))!
    expect(survivor.mergedInto).toBeNull()
    expect(survivor.contacts.map((c) => c.value).sort()).toEqual(['+79166660001', '+79166660002'])
    expect(survivor.tags).toEqual(['l', 'r'])
    expect(await shop.loyalty.balance(survivor.id)).toMatchObject({ active: 100, total: 100 })
    expect(await shop.customers.merges(survivor.id)).toHaveLength(1)
  })

  test('the timeline returns orders, messages, points, calls, notes and tasks newest first, in bounded pages that lose and repeat nothing', async () => {
    const { shop, clock } = await crmShop()
    const anna = await shop.customers.create({ name: 'Анна', phones: ['+79165550001'] })
    const cart = await shop.carts.create({ customerId: anna.id })
    await shop.carts.addItem(cart.id, { sku: 'SOCKS', quantity: 1 })
    await shop.carts.setContact(cart.id, { name: 'Анна', phone: '+79165550001' })
    await shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID() })
    clock.advance(MINUTE)
    await shop.notify.send({ to: { customerId: anna.id, phone: '+79165550001' }, text: 'Ваш заказ принят' })
    clock.advance(MINUTE)
    await shop.loyalty.adjust(anna.id, { points: 100, reason: 'gift', externalId: 'gift-1' })
    clock.advance(MINUTE)
    await shop.crm.addNote({ customerId: anna.id, body: 'likes blue', author: 'manager:1' })
    // Two more at the very same instant: a page boundary must not split them.
    await shop.crm.addNote({ customerId: anna.id, body: 'size M', author: 'manager:1' })
    await shop.crm.addNote({ customerId: anna.id, body: 'no calls before 10', author: 'manager:1' })
    clock.advance(MINUTE)
    await shop.crm.logCall({ customerId: anna.id, direction: 'in', managerId: 'anna', startedAt: clock.now(), durationSeconds: 30, outcome: 'answered' })
    clock.advance(MINUTE)
    await shop.crm.createTask({ customerId: anna.id, title: 'call back', dueAt: new Date(clock.now().getTime() + 60 * MINUTE), assignee: 'anna' })

    const full = await shop.customers.timeline(anna.id)
    const kinds = full.items.map((i) => i.kind)
    // The order's own messages (order placed) may be queued by notify; the rest is in the order it happened, newest first.
    expect(kinds.filter((k) => k !== 'message')).toEqual(['task', 'call', 'note', 'note', 'note', 'points', 'order'])
    expect(kinds).toContain('message')
    for (let i = 1; i < full.items.length; i++) expect(full.items[i - 1]!.at.getTime()).toBeGreaterThanOrEqual(full.items[i]!.at.getTime())
    expect(full.nextBefore).toBeNull()

    const paged: CustomerTimelineItem[] = []
    let before: Date | undefined
    for (let page = 0; page < 20; page++) {
      const next = await shop.customers.timeline(anna.id, { limit: 2, ...(before ? { before } : {}) })
      // Longer than the limit only when one instant holds more items (the three notes): they are never split.
      if (next.items.length > 2) expect(new Set(next.items.map((i) => i.at.getTime())).size).toBe(1)
      paged.push(...next.items)
      if (next.nextBefore === null) break
      before = next.nextBefore
    }
    expect(paged.map((i) => `${i.kind}:${i.id}`)).toEqual(full.items.map((i) => `${i.kind}:${i.id}`))
    // Each page is one query per source, each bounded: with a limit of 1 a page still holds the newest item only.
    expect((await shop.customers.timeline(anna.id, { limit: 1 })).items.map((i) => i.kind)).toEqual(['task'])
  })
})
