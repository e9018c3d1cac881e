/**
 * Notifications through the real SMS adapters against the loopback fakes of
 * their vendors: a crash between the gateway call and the commit, delivery
 * callbacks and status polling moving message statuses.
 *
 * SMS.ru has no client message id, so a send repeated after a crash (the
 * gateway took the SMS, our commit never happened) is a second SMS there; the
 * engine only guarantees that a message once recorded as `sent` is never
 * handed over again. SMSC takes our message id and de-duplicates by it.
 */
import type { Commerce, SmsGateway } from '@ordo/core'
import { smsc } from '@ordo/sms-smsc'
import { smsru } from '@ordo/sms-smsru'
import { describeEachDialect, startSmscFake, startSmsRuFake, type SmscFake, type SmsRuFake } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import { placeOrder } from './fixtures/order-fixture.js'
import { seededShop } from './fixtures/shop-fixture.js'

const PHONE = '+79161234567'

async function settle(shop: Commerce): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const relayed = await shop.events.relay()
    const ran = await shop.jobs.runDue()
    if (relayed.delivered + relayed.retried + relayed.parked + ran.completed + ran.retried + ran.failed === 0) return
  }
  throw new Error('the shop did not settle')
}

/** The process "dies" right after the gateway took the message: the gateway call succeeded, the commit never happens. */
function crashingOnce(gateway: SmsGateway): SmsGateway & { crashes: number } {
  let armed = true
  const wrapper = {
    ...gateway,
    id: gateway.id,
    crashes: 0,
    async send(message: Parameters<SmsGateway['send']>[0]) {
      const result = await gateway.send(message)
      if (armed) {
        armed = false
        wrapper.crashes++
        throw new Error('process killed between the gateway call and the commit')
      }
      return result
    },
  }
  return wrapper
}

describeEachDialect('notifications through SMS.ru and SMSC', ({ database }) => {
  const shops: Commerce[] = []
  const fakes: (SmscFake | SmsRuFake)[] = []
  afterEach(async () => {
    await Promise.all(shops.splice(0).map((s) => s.close()))
    await Promise.all(fakes.splice(0).map((f) => f.close()))
  })

  async function smscShop(options: { crash?: boolean; fallbackToEmail?: boolean } = {}) {
    const fake = await startSmscFake({ login: 'shop', password: 'secret' })
    fakes.push(fake)
    const real = smsc({ login: 'shop', password: 'secret', baseUrl: fake.url, timeoutMs: 2_000 })
    const sms = options.crash ? crashingOnce(real) : real
    const db = await database()
    const { shop, clock } = await seededShop(db.storage, { config: { notify: { sms }, worker: { backoffMs: 1000 } } })
    shops.push(shop)
    return { shop, clock, fake, sms }
  }

  test('SMSC: a send repeated after a crash between the gateway call and the commit is one SMS; the message ends sent once', async () => {
    const { shop, clock, fake, sms } = await smscShop({ crash: true })
    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    await settle(shop)
    const [message] = await shop.notify.messages({ orderId: order.id })
    expect(message).toMatchObject({ template: 'order_placed', status: 'queued', attempts: 1 })
    expect((sms as { crashes: number }).crashes).toBe(1)
    expect(fake.control.sent()).toHaveLength(1)

    clock.advance(1000)
    await settle(shop)
    const sent = (await shop.notify.get(message!.id))!
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, gateway: 'smsc' })
    // The retry carried the same message id: SMSC found it and sent nothing new.
    expect(fake.control.sent()).toHaveLength(1)
    expect(sent.providerMessageId).toBe(fake.control.sent()[0]!.providerMessageId)
    expect(fake.control.sent()[0]!.text).toBe(sent.text)

    // A stray second job for a message already sent hands nothing over.
    await shop.jobs.schedule('notify.send-sms', { messageId: message!.id })
    await settle(shop)
    expect(fake.control.sent()).toHaveLength(1)
  })

  test('SMSC: an answer lost on the wire is retried under the same id and sends one SMS', async () => {
    const { shop, clock, fake } = await smscShop()
    fake.control.failNext('answer_lost')
    const message = await shop.notify.send({ to: { phone: PHONE }, text: 'Ваш заказ готов к выдаче' })
    await settle(shop)
    expect(await shop.notify.get(message.id)).toMatchObject({ status: 'queued', attempts: 1 })
    clock.advance(1000)
    await settle(shop)
    expect(await shop.notify.get(message.id)).toMatchObject({ status: 'sent', attempts: 2 })
    expect(fake.control.sent().map((m) => m.text)).toEqual(['Ваш заказ готов к выдаче'])
  })

  test('SMSC: delivery callbacks and status polling move message statuses; a forged callback is refused', async () => {
    const { shop, fake } = await smscShop()
    const first = await shop.notify.send({ to: { phone: PHONE }, text: 'Первое' })
    const second = await shop.notify.send({ to: { phone: '+79031234567' }, text: 'Второе' })
    await settle(shop)
    const a = (await shop.notify.get(first.id))!
    const b = (await shop.notify.get(second.id))!
    expect([a.status, b.status]).toEqual(['sent', 'sent'])

    await fake.control.deliver(a.providerMessageId!, 'delivered')
    const forged = await shop.notify.handleCallback('smsc', await fake.control.forgedCallback!(b.providerMessageId!))
    expect(forged.outcome).toBe('rejected')
    expect((await shop.notify.get(second.id))!.status).toBe('sent')
    const applied = await shop.notify.handleCallback('smsc', await fake.control.callback!(a.providerMessageId!))
    expect(applied).toMatchObject({ outcome: 'applied', applied: 1, unknown: 0 })
    expect((await shop.notify.get(first.id))!.status).toBe('delivered')
    // The same report again changes nothing.
    expect(await shop.notify.handleCallback('smsc', await fake.control.callback!(a.providerMessageId!))).toMatchObject({ outcome: 'applied', applied: 0, ignored: 1 })

    await fake.control.deliver(b.providerMessageId!, 'expired')
    expect(await shop.notify.syncStatuses()).toEqual({ checked: 1, applied: 1 })
    expect(await shop.notify.get(second.id)).toMatchObject({ status: 'expired' })
    expect(await shop.notify.syncStatuses()).toEqual({ checked: 0, applied: 0 })
    expect((await shop.notify.messages({ status: 'delivered' })).map((m) => m.id)).toEqual([first.id])
  })

  test('SMS.ru: callbacks verified against the status API move messages to delivered and failed', async () => {
    const fake = await startSmsRuFake({ apiId: 'api-1' })
    fakes.push(fake)
    const db = await database()
    const { shop } = await seededShop(db.storage, { config: { notify: { sms: smsru({ apiId: 'api-1', baseUrl: fake.url, timeoutMs: 2_000 }) } } })
    shops.push(shop)
    const ok = await shop.notify.send({ to: { phone: '8 916 123-45-67' }, text: 'Заказ передан в доставку' })
    const bad = await shop.notify.send({ to: { phone: '+79031234567' }, text: 'Заказ отменён' })
    await settle(shop)
    expect(fake.messages().map((m) => m.phone).sort()).toEqual(['79031234567', '79161234567'])
    // SMS.ru cannot de-duplicate: the status guard is what keeps a stray second job from sending again.
    await shop.jobs.schedule('notify.send-sms', { messageId: ok.id })
    await settle(shop)
    expect(fake.messages()).toHaveLength(2)
    const okRow = (await shop.notify.get(ok.id))!
    const badRow = (await shop.notify.get(bad.id))!
    await fake.control.deliver(okRow.providerMessageId!, 'delivered')
    await fake.control.deliver(badRow.providerMessageId!, 'failed')
    for (const row of [okRow, badRow]) {
      const result = await shop.notify.handleCallback('smsru', await fake.control.callback!(row.providerMessageId!))
      expect(result).toMatchObject({ outcome: 'applied', applied: 1, response: { status: 200 } })
    }
    expect((await shop.notify.get(ok.id))!.status).toBe('delivered')
    expect(await shop.notify.get(bad.id)).toMatchObject({ status: 'failed', error: expect.any(String) })
    expect((await shop.notify.handleCallback('smsru', await fake.control.forgedCallback!(okRow.providerMessageId!))).outcome).toBe('rejected')
    await expect(shop.notify.handleCallback('smsc', { headers: {}, rawBody: '' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  test('SMS.ru: a call that hangs is aborted after notify.timeoutMs and retried; one SMS in the end', async () => {
    const fake = await startSmsRuFake({ apiId: 'api-1' })
    fakes.push(fake)
    const db = await database()
    // The adapter alone would wait 10 s; the engine's signal ends the call first.
    const sms = smsru({ apiId: 'api-1', baseUrl: fake.url, timeoutMs: 10_000 })
    const { shop, clock } = await seededShop(db.storage, { config: { notify: { sms, timeoutMs: 300 }, worker: { backoffMs: 1000 } } })
    shops.push(shop)
    fake.control.failNext('hang')
    const message = await shop.notify.send({ to: { phone: PHONE }, text: 'Заказ собран' })
    const started = Date.now()
    await settle(shop)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(await shop.notify.get(message.id)).toMatchObject({ status: 'queued', attempts: 1, error: expect.stringMatching(/300 ms|abort/i) })
    expect(fake.messages()).toHaveLength(0)
    clock.advance(1000)
    await settle(shop)
    expect(await shop.notify.get(message.id)).toMatchObject({ status: 'sent', attempts: 2, gateway: 'smsru' })
    expect(fake.messages().map((m) => m.text)).toEqual(['Заказ собран'])
  })

  test('a gateway that ignores the signal is still cut off after notify.timeoutMs; the signal it got is aborted', async () => {
    const db = await database()
    const signals: (AbortSignal | undefined)[] = []
    const gateway: SmsGateway = {
      id: 'deaf',
      send(_message, options) {
        signals.push(options?.signal)
        return new Promise(() => {})
      },
    }
    const { shop } = await seededShop(db.storage, { config: { notify: { sms: gateway, timeoutMs: 200 } } })
    shops.push(shop)
    const message = await shop.notify.send({ to: { phone: PHONE }, text: 'Код 1234' })
    await settle(shop)
    expect(signals).toHaveLength(1)
    expect(signals[0]?.aborted).toBe(true)
    expect(await shop.notify.get(message.id)).toMatchObject({ status: 'queued', attempts: 1, error: expect.stringContaining('notify.timeoutMs') })
  })

  test('notify.timeoutMs must be below worker.leaseMs', async () => {
    const db = await database()
    const sms: SmsGateway = { id: 'x', send: async (m) => ({ providerMessageId: m.idempotencyKey }) }
    await expect(seededShop(db.storage, { config: { notify: { sms, timeoutMs: 60_000 }, worker: { leaseMs: 60_000 } } })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      details: { key: 'notify.timeoutMs' },
    })
  })

  test('SMSC: a signed STOP reply posted to the callback URL withdraws marketing consent; a forged one is refused', async () => {
    const fake = await startSmscFake({ login: 'shop', password: 'secret', callbackSecret: 'handler-secret' })
    fakes.push(fake)
    const db = await database()
    const sms = smsc({ login: 'shop', password: 'secret', baseUrl: fake.url, callbackSecret: 'handler-secret' })
    const { shop } = await seededShop(db.storage, { config: { notify: { sms, quietHours: null, templates: { promo: { ru: { sms: 'Акция' } } } } } })
    shops.push(shop)
    await shop.notify.setConsent({ phone: PHONE }, { marketingSms: true })
    const forged = await shop.notify.handleCallback('smsc', await fake.control.forgedReply!(PHONE, 'STOP'))
    expect(forged.outcome).toBe('rejected')
    expect((await shop.notify.campaign({ template: 'promo', recipients: [{ phone: PHONE }], dryRun: true })).queued).toBe(1)
    const result = await shop.notify.handleCallback('smsc', await fake.control.reply!(PHONE, 'СТОП'))
    expect(result).toMatchObject({ outcome: 'applied', applied: 0, unsubscribed: 1, response: { status: 200, body: 'OK' } })
    expect(await shop.notify.campaign({ template: 'promo', recipients: [{ phone: PHONE }], dryRun: true })).toMatchObject({ queued: 0, skipped: { noConsent: 1 } })
  })

  test('a STOP reply reported with a callback withdraws marketing consent', async () => {
    const db = await database()
    const sent: string[] = []
    const gateway: SmsGateway = {
      id: 'replies',
      capabilities: { senderNames: false, statusQuery: false, statusCallbacks: true },
      async send(message) {
        sent.push(message.text)
        return { providerMessageId: `p-${message.idempotencyKey}` }
      },
      async parseCallback(request) {
        const body = JSON.parse(request.rawBody) as { from: string; text: string }
        return { ok: true, reports: [], replies: [body], response: { status: 200, body: 'OK', contentType: 'text/plain' } }
      },
    }
    const { shop } = await seededShop(db.storage, { config: { notify: { sms: gateway, quietHours: null, templates: { promo: { ru: { sms: 'Акция' } } } } } })
    shops.push(shop)
    await shop.notify.setConsent({ phone: PHONE }, { marketingSms: true })
    expect((await shop.notify.campaign({ template: 'promo', recipients: [{ phone: PHONE }], dryRun: true })).queued).toBe(1)
    const result = await shop.notify.handleCallback('replies', { headers: {}, rawBody: JSON.stringify({ from: '89161234567', text: 'STOP' }) })
    expect(result).toMatchObject({ outcome: 'applied', unsubscribed: 1 })
    expect(await shop.notify.campaign({ template: 'promo', recipients: [{ phone: PHONE }], dryRun: true })).toMatchObject({ queued: 0, skipped: { noConsent: 1 } })
    const events = await shop.run(async (uow) => uow.db.selectFrom('ordo_event').select(['type', 'payload']).where('type', '=', 'notify.unsubscribed').execute())
    expect(events.map((e) => JSON.parse(e.payload))).toEqual([{ address: PHONE, channel: 'sms', via: 'reply' }])
  })
})
