import { randomUUID } from 'node:crypto'
import { createCommerce, type Commerce, type CommerceConfig, type EmailMessage, type EmailSender, type Message } from '@ordo/core'
import { describeEachDialect, recordingSmsGateway, testClock, type RecordingSmsGateway } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import { memoryCourier, point, services } from './delivery-fixtures/memory-courier.js'
import { failure, placeOrder } from './fixtures/order-fixture.js'
import { seededShop } from './fixtures/shop-fixture.js'
import { memoryProvider, webhook } from './payment-fixtures/memory-provider.js'

const PHONE = '+79161234567'
const EMAIL = 'anna@example.ru'

/** An e-mail sender that keeps what it was given (one per idempotency key, as a de-duplicating server would). */
function recordingEmail(): EmailSender & { messages: EmailMessage[] } {
  const messages: EmailMessage[] = []
  return {
    id: 'mailbox',
    messages,
    async send(message) {
      if (!messages.some((m) => m.idempotencyKey === message.idempotencyKey)) messages.push({ ...message })
      return { providerMessageId: `<${message.idempotencyKey}@example.ru>` }
    },
  }
}

/** Relays events and runs due jobs until nothing is left to do. */
async function settle(shop: Commerce): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const relayed = await shop.events.relay()
    const ran = await shop.jobs.runDue()
    if (relayed.delivered + relayed.retried + relayed.parked + ran.completed + ran.retried + ran.failed === 0) return
  }
  throw new Error('the shop did not settle')
}

const byTemplate = (messages: readonly Message[], channel: 'sms' | 'email') =>
  messages
    .filter((m) => m.channel === channel)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
    .map((m) => m.template)

describeEachDialect('notifications', ({ database }) => {
  const shops: Commerce[] = []
  afterEach(async () => {
    await Promise.all(shops.splice(0).map((s) => s.close()))
  })

  async function lifeShop() {
    const db = await database()
    const sms = recordingSmsGateway('recording')
    const email = recordingEmail()
    const provider = memoryProvider()
    const fast = memoryCourier({
      id: 'fast',
      name: 'Fast',
      tariffs: [{ tariffCode: 'P1', name: 'Point', methodType: 'pickup_point', price: 20_000, minDays: 3, maxDays: 4, services: services() }],
      points: [point('P-1')],
    })
    const fixture = await seededShop(db.storage, {
      config: {
        notify: { sms, email, trackingUrls: { fast: 'https://fast.example/track/{trackingNumber}' } },
        payments: { providers: [provider], methods: [{ code: 'card', type: 'card_online', provider: 'memory' }], retryBackoffMs: 1 },
        delivery: { couriers: [fast], calendar: { timeZone: 'Europe/Moscow' }, handlingDays: 1 },
      },
    })
    shops.push(fixture.shop)
    return { ...fixture, sms, email, provider, fast }
  }

  test('a full order life sends exactly the configured messages once each, by SMS and e-mail, with its numbers, links and dates', async () => {
    const { shop, sms, email, provider, clock } = await lifeShop()
    const cart = await shop.carts.create()
    await shop.carts.addItem(cart.id, { sku: 'TEE-M', quantity: 2 })
    await shop.carts.setContact(cart.id, { name: 'Анна', phone: '8 (916) 123-45-67', email: 'Anna@Example.ru' })
    await shop.carts.setPayment(cart.id, { method: 'card' })
    await shop.carts.setDelivery(cart.id, { optionId: 'fast:P1', destination: { city: 'Москва', postalCode: '101000' }, pickupPointId: 'P-1' })
    const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID() })
    expect(order.totals.total).toBe(220_000)
    await settle(shop)

    await shop.orders.confirm(order.id, { actor: 'manager:1', channel: 'call' })
    await shop.orders.transition(order.id, 'request_payment', { actor: 'manager:1' })
    const payment = await shop.payments.start(order.id, { method: 'card', returnUrl: 'https://shop.example/back', idempotencyKey: randomUUID() })
    provider.pay(payment.providerPaymentId!)
    await shop.payments.handleWebhook('memory', webhook(`ev-${payment.id}`, payment.providerPaymentId!, 'captured'))
    await settle(shop)
    await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:1' })
    const [shipment] = await shop.shipments.forOrder(order.id)
    await shop.shipments.pack(shipment!.id, { actor: 'manager:1' })
    const registered = await shop.shipments.register(shipment!.id)
    const ref = { carrierShipmentId: registered.carrierShipmentId, trackingNumber: registered.trackingNumber, reference: null }
    await shop.shipments.applyUpdates('fast', [{ ...ref, status: 'handed_over', rawStatus: 'ACCEPTED', occurredAt: new Date('2026-03-11T10:00:00Z') }])
    await settle(shop)
    await shop.shipments.applyUpdates('fast', [
      { ...ref, status: 'at_pickup_point', rawStatus: 'AT_POINT', occurredAt: new Date('2026-03-13T10:00:00Z'), storageUntil: new Date('2026-03-20T20:59:00Z') },
    ])
    await settle(shop)
    await shop.shipments.applyUpdates('fast', [{ ...ref, status: 'delivered', rawStatus: 'DELIVERED', occurredAt: new Date('2026-03-14T10:00:00Z') }])
    await settle(shop)
    await shop.payments.refund(payment.id, { amount: 50_050, reason: 'goodwill', idempotencyKey: randomUUID() })
    await settle(shop)
    clock.advance({ hours: 1 })
    await settle(shop)

    const messages = await shop.notify.messages({ orderId: order.id })
    const expected = ['order_placed', 'order_confirmed', 'order_paid', 'shipment_handed_over', 'shipment_ready_for_pickup', 'order_delivered', 'refund_done']
    expect(byTemplate(messages, 'sms')).toEqual(expected)
    expect(byTemplate(messages, 'email')).toEqual(expected)
    expect(messages.every((m) => m.status === 'sent' && m.attempts === 1 && m.kind === 'transactional')).toBe(true)
    expect(new Set(messages.filter((m) => m.channel === 'sms').map((m) => m.recipient))).toEqual(new Set([PHONE]))
    expect(new Set(messages.filter((m) => m.channel === 'email').map((m) => m.recipient))).toEqual(new Set([EMAIL]))

    // Each message reached its gateway once, keyed by our message id.
    expect(sms.messages.map((m) => m.idempotencyKey).sort()).toEqual(messages.filter((m) => m.channel === 'sms').map((m) => m.id).sort())
    expect(email.messages).toHaveLength(expected.length)
    const text = (template: string) => messages.find((m) => m.channel === 'sms' && m.template === template)!.text
    const plain = (value: string) => value.replace(/\s/g, ' ')
    expect(plain(text('order_placed'))).toBe(`Заказ ${order.number} принят, сумма 2 200 ₽. Мы свяжемся с вами для подтверждения.`)
    expect(text('shipment_handed_over')).toBe(`Заказ ${order.number} передан в службу доставки Fast. Отследить: https://fast.example/track/${registered.trackingNumber}`)
    expect(text('shipment_ready_for_pickup')).toBe(`Заказ ${order.number} ждёт вас в пункте выдачи: Москва, ул. Тестовая, P-1. Срок хранения до 20 марта.`)
    expect(plain(text('refund_done'))).toBe(`Возврат 500,50 ₽ по заказу ${order.number} оформлен.`)
    const mail = email.messages.find((m) => m.subject === `Заказ ${order.number} принят`)!
    expect(mail).toMatchObject({ to: EMAIL })
    expect(mail.text).toContain('Здравствуйте, Анна!')

    // Nothing is sent twice: the relay and jobs have nothing left, replaying changes nothing.
    const sent = sms.messages.length
    await settle(shop)
    expect(sms.messages).toHaveLength(sent)
    expect((await shop.notify.messages({ orderId: order.id })).length).toBe(messages.length)
  })

  test('a cancelled order says why in the customer\'s words; the confirmation code SMS is stored masked and sent in clear', async () => {
    const db = await database()
    const sms = recordingSmsGateway()
    const { shop } = await seededShop(db.storage, { config: { notify: { sms, locale: 'en', events: { 'order.placed': false } } } })
    shops.push(shop)
    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    await shop.orders.requestConfirmationCode(order.id)
    await shop.orders.cancel(order.id, { actor: 'manager:1', reason: 'out_of_stock' })
    await settle(shop)
    const messages = await shop.notify.messages({ orderId: order.id })
    expect(byTemplate(messages, 'sms')).toEqual(['confirmation_code', 'order_cancelled'])
    const code = messages.find((m) => m.template === 'confirmation_code')!
    expect(code.text).toBe(`Confirmation code for order ${order.number}: ****`)
    const sentCode = sms.messages.find((m) => m.idempotencyKey === code.id)!
    expect(sentCode.text).toMatch(new RegExp(`^Confirmation code for order ${order.number}: \\d{4}$`))
    expect(messages.find((m) => m.template === 'order_cancelled')!.text).toBe(`Order ${order.number} was cancelled: the goods are out of stock.`)
  })

  test('quiet hours delay marketing until morning in the recipient\'s zone, but not transactional messages', async () => {
    const db = await database()
    const sms = recordingSmsGateway()
    // 23:30 in Moscow.
    const clock = testClock('2026-03-10T20:30:00Z')
    const { shop } = await seededShop(db.storage, { clock, config: { notify: { sms, templates: { sale: { ru: { sms: 'Скидка {percent}% до пятницы. Отписаться: {unsubscribeUrl}' } } }, unsubscribeUrl: 'https://shop.example/u/{token}' } } })
    shops.push(shop)
    const consent = await shop.notify.setConsent({ phone: PHONE }, { marketingSms: true })
    await shop.notify.setConsent({ phone: '+79031112233' }, { marketingSms: true })
    const campaign = await shop.notify.campaign({
      template: 'sale',
      recipients: [
        { phone: PHONE, variables: { percent: '20' } },
        // Novosibirsk: 03:30 local, quiet until 09:00 there (02:00 UTC).
        { phone: '+79031112233', timeZone: 'Asia/Novosibirsk', variables: { percent: '20' } },
      ],
    })
    expect(campaign).toMatchObject({ queued: 2, skipped: { noConsent: 0, noAddress: 0, invalidAddress: 0 } })
    const urgent = await shop.notify.send({ to: { phone: PHONE }, text: 'Ваш курьер будет через 10 минут' })
    await settle(shop)
    expect(sms.messages.map((m) => m.text)).toEqual(['Ваш курьер будет через 10 минут'])
    expect((await shop.notify.get(urgent.id))!.status).toBe('sent')
    const queued = await shop.notify.messages({ status: 'queued' })
    expect(queued.map((m) => [m.recipient, m.notBefore!.toISOString()]).sort()).toEqual([
      ['+79031112233', '2026-03-11T02:00:00.000Z'],
      [PHONE, '2026-03-11T06:00:00.000Z'],
    ])
    expect(queued.every((m) => m.kind === 'marketing')).toBe(true)

    clock.set('2026-03-11T02:00:00Z')
    await settle(shop)
    expect(sms.messages.map((m) => m.to)).toEqual([PHONE, '+79031112233'])
    clock.set('2026-03-11T06:00:00Z')
    await settle(shop)
    const sale = sms.messages.at(-1)!
    expect(sale).toMatchObject({ to: PHONE, text: `Скидка 20% до пятницы. Отписаться: https://shop.example/u/${consent.sms!.unsubscribeToken}` })
  })

  test('marketing needs opt-in; an unsubscribe link withdraws it, also for messages already queued; dry runs only count', async () => {
    const db = await database()
    const sms = recordingSmsGateway()
    const email = recordingEmail()
    const clock = testClock('2026-03-10T09:00:00Z')
    const { shop } = await seededShop(db.storage, { clock, config: { notify: { sms, email, quietHours: null, templates: { news: { ru: { sms: 'Новинки недели', subject: 'Новинки', email: 'Новинки недели, {name}' } } } } } })
    shops.push(shop)
    await shop.notify.setConsent({ phone: PHONE, email: EMAIL }, { marketingSms: true, marketingEmail: false })
    const recipients = [
      { phone: PHONE, email: EMAIL, name: 'Анна' },
      { phone: '+79035556677' },
      { phone: '12' },
      { email: 'nobody' },
      { customerId: 'c-1' },
    ]
    const dry = await shop.notify.campaign({ template: 'news', recipients, dryRun: true })
    expect(dry).toMatchObject({ dryRun: true, campaignId: null, total: 5, queued: 1, skipped: { noConsent: 1, invalidAddress: 2, noAddress: 1 } })
    expect(await shop.notify.messages()).toEqual([])
    const byEmail = await shop.notify.campaign({ template: 'news', channel: 'email', recipients: [{ email: EMAIL, name: 'Анна' }] })
    expect(byEmail).toMatchObject({ queued: 0, skipped: { noConsent: 1 } })
    expect((await failure(shop.notify.send({ to: { email: EMAIL }, template: 'news', kind: 'marketing' }))).code).toBe('NOT_ALLOWED_IN_STATE')

    const real = await shop.notify.campaign({ template: 'news', recipients, throttlePerMinute: 1 })
    expect(real.queued).toBe(1)
    // STOP by link before the message went: it is never sent.
    const consent = await shop.notify.setConsent({ phone: PHONE }, {})
    expect(await shop.notify.unsubscribe(consent.sms!.unsubscribeToken)).toEqual({ address: PHONE, channel: 'sms' })
    expect(await shop.notify.unsubscribe(consent.sms!.unsubscribeToken)).toEqual({ address: PHONE, channel: 'sms' })
    await settle(shop)
    expect(sms.messages).toEqual([])
    const [message] = await shop.notify.messages()
    expect(message).toMatchObject({ status: 'failed', error: 'opted_out', kind: 'marketing' })
    expect((await shop.notify.campaign({ template: 'news', recipients, dryRun: true })).skipped.noConsent).toBe(2)
    expect((await failure(shop.notify.unsubscribe('no-such-token'))).code).toBe('NOT_FOUND')
    // Transactional messages still go.
    await shop.notify.send({ to: { phone: PHONE }, text: 'Заказ готов' })
    await settle(shop)
    expect(sms.messages.map((m) => m.text)).toEqual(['Заказ готов'])
  })

  test('campaigns are throttled per minute and check their template variables', async () => {
    const db = await database()
    const sms = recordingSmsGateway()
    const { shop, clock } = await seededShop(db.storage, { config: { notify: { sms, quietHours: null, templates: { points: { ru: { sms: '{name}, у вас {points} баллов' } } } } } })
    shops.push(shop)
    const phones = ['+79160000001', '+79160000002', '+79160000003', '+79160000004', '+79160000005']
    for (const phone of phones) await shop.notify.setConsent({ phone }, { marketingSms: true })
    const missing = await failure(shop.notify.campaign({ template: 'points', recipients: [{ phone: phones[0], name: 'Анна' }] }))
    expect(missing).toMatchObject({ code: 'VALIDATION' })
    expect(missing.message).toContain('{points}')
    const result = await shop.notify.campaign({ template: 'points', throttlePerMinute: 2, recipients: phones.map((phone, i) => ({ phone, name: `К${i}`, variables: { points: String(100 * i) } })) })
    expect(result.queued).toBe(5)
    expect(result.lastAt!.getTime() - result.firstAt!.getTime()).toBe(2 * 60_000)
    await settle(shop)
    expect(sms.messages).toHaveLength(2)
    clock.advance({ minutes: 1 })
    await settle(shop)
    expect(sms.messages).toHaveLength(4)
    clock.advance({ minutes: 1 })
    await settle(shop)
    expect(sms.messages.map((m) => m.text)).toEqual(['К0, у вас 0 баллов', 'К1, у вас 100 баллов', 'К2, у вас 200 баллов', 'К3, у вас 300 баллов', 'К4, у вас 400 баллов'])
  })

  test('loyalty and custom events are routed by name: their payload fields fill the template', async () => {
    const db = await database()
    const sms = recordingSmsGateway()
    const { shop } = await seededShop(db.storage, {
      config: {
        notify: {
          sms,
          templates: { gift: { ru: { sms: 'Подарок {gift} к заказу {number}' } } },
          events: { 'acme.gift_added': { template: 'gift', channels: ['sms'] } },
        },
      },
    })
    shops.push(shop)
    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }], { phone: '+79035550011' })
    await settle(shop)
    await shop.run(async (uow) => {
      uow.emit({ type: 'loyalty.points_earned', aggregateId: null, data: { customerId: null, orderId: order.id, points: 500, balance: 1200 } } as never)
      uow.emit({ type: 'loyalty.points_expiring', aggregateId: null, data: { orderId: order.id, points: 300, expiresAt: '2026-04-01T09:00:00Z' } } as never)
      uow.emit({ type: 'acme.gift_added', aggregateId: order.id, data: { orderId: order.id, gift: 'носки' } } as never)
    })
    await settle(shop)
    const texts = (await shop.notify.messages({ orderId: order.id })).filter((m) => m.template !== 'order_placed').map((m) => m.text).sort()
    expect(texts).toEqual([`Начислено 500 баллов за заказ ${order.number}.`, `Подарок носки к заказу ${order.number}`, '300 баллов сгорят 1 апреля. Успейте потратить!'].sort())
    expect(sms.messages.every((m) => m.to === '+79035550011')).toBe(true)
  })

  test('templates are checked at start-up: an unknown variable or a missing template is INVALID_CONFIG', async () => {
    const db = await database()
    const base = { storage: db.storage, currency: 'RUB' } as const satisfies Partial<CommerceConfig>
    const sms = recordingSmsGateway()
    const unknown = await failure(createCommerce({ ...base, notify: { sms, templates: { order_placed: { ru: { sms: 'Заказ {number} на {sum}' } } } } }))
    expect(unknown).toMatchObject({ code: 'INVALID_CONFIG', details: { variable: 'sum', key: 'notify.templates.order_placed.ru.sms' } })
    const shared = await failure(createCommerce({ ...base, notify: { sms, events: { 'order.confirmed': { template: 'order_paid' } } } }))
    expect(shared).toMatchObject({ code: 'INVALID_CONFIG', details: { variable: 'total' } })
    const missing = await failure(createCommerce({ ...base, notify: { sms, events: { 'order.paid': { template: 'nope' } } } }))
    expect(missing).toMatchObject({ code: 'INVALID_CONFIG', details: { key: 'notify.events.order.paid' } })
    const badHours = await failure(createCommerce({ ...base, notify: { sms, quietHours: { from: '25:00', to: '09:00' } } }))
    expect(badHours).toMatchObject({ code: 'INVALID_CONFIG', details: { key: 'notify.quietHours.from' } })
  })

  test('a failing SMS is retried with backoff, then fails and falls back to e-mail when enabled; invalid phones are refused', async () => {
    const db = await database()
    const sms: RecordingSmsGateway = recordingSmsGateway()
    const email = recordingEmail()
    const { shop, clock } = await seededShop(db.storage, { config: { notify: { sms, email, fallbackToEmail: true, maxAttempts: 3 }, worker: { backoffMs: 1000 } } })
    shops.push(shop)
    sms.failNext(3)
    const message = await shop.notify.send({ to: { phone: '8 916 123 45 67', email: EMAIL }, template: 'order_delivered', variables: { number: '100500' } })
    expect(message).toMatchObject({ recipient: PHONE, status: 'queued', text: 'Заказ 100500 получен. Спасибо за покупку!' })
    await settle(shop)
    expect(await shop.notify.get(message.id)).toMatchObject({ status: 'queued', attempts: 1, error: expect.stringContaining('simulated failure') })
    clock.advance(1000)
    await settle(shop)
    expect((await shop.notify.get(message.id))!.attempts).toBe(2)
    clock.advance(2000)
    await settle(shop)
    expect(await shop.notify.get(message.id)).toMatchObject({ status: 'failed', attempts: 3 })
    const [fallback] = (await shop.notify.messages()).filter((m) => m.fallbackOf === message.id)
    expect(fallback).toMatchObject({ channel: 'email', recipient: EMAIL, status: 'sent', subject: 'Заказ 100500 получен' })
    expect(email.messages.map((m) => m.subject)).toEqual(['Заказ 100500 получен'])
    expect(sms.messages).toEqual([])
    expect((await failure(shop.notify.send({ to: { phone: '+7 123' }, text: 'x' }))).code).toBe('VALIDATION')
  })
})
