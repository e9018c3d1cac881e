import type { Commerce, CommerceConfig } from '@ordo/core'
import { describeEachDialect, recordingSmsGateway } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import { available, failure, placeOrder } from './fixtures/order-fixture.js'
import { seededShop } from './fixtures/shop-fixture.js'

const PHONE = '+79161234567'

describeEachDialect('orders: confirmation, calls and reservation expiry', ({ database }) => {
  const shops: Commerce[] = []
  afterEach(async () => {
    await Promise.all(shops.splice(0).map((s) => s.close()))
  })
  async function setup(config: Partial<CommerceConfig> = {}) {
    const db = await database()
    const sms = recordingSmsGateway()
    const fixture = await seededShop(db.storage, { config: { notify: { sms }, ...config } })
    shops.push(fixture.shop)
    return { ...fixture, sms }
  }
  const codeIn = (text: string) => text.match(/(\d+)$/)![1]!

  test('the customer confirms with the SMS code; a wrong code counts an attempt; a used code is spent', async () => {
    const { shop, sms } = await setup()
    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    const request = await shop.orders.requestConfirmationCode(order.id)
    expect(request).toMatchObject({ orderId: order.id, phone: PHONE })
    expect(sms.messages).toEqual([])
    await shop.jobs.runDue({ names: ['notify.send-sms'] })
    const message = sms.lastTo(PHONE)!
    expect(message.text).toContain(order.number)
    const code = codeIn(message.text)
    expect(code).toMatch(/^\d{4}$/)
    const events = await shop.events.forAggregate(order.id)
    expect(JSON.stringify(events)).not.toContain(`: ${code}`)

    const wrong = code === '0000' ? '1111' : '0000'
    expect(await shop.orders.confirmByCode(order.id, wrong)).toEqual({ ok: false, reason: 'wrong_code', attemptsLeft: 4 })
    const confirmed = await shop.orders.confirmByCode(order.id, code)
    expect(confirmed.ok && confirmed.order.status).toBe('confirmed')
    const history = (await shop.orders.view(order.id)).history.at(-1)!
    expect(history).toMatchObject({ transition: 'confirm', actor: 'customer', reason: 'sms' })
    expect(await shop.orders.confirmByCode(order.id, code)).toMatchObject({ ok: false, reason: 'no_code' })
    expect((await failure(shop.orders.confirmByCode(order.id, '12'))).code).toBe('VALIDATION')
  })

  test('after the last allowed wrong attempt even the right code is refused; an old code expires', async () => {
    const { shop, sms, clock } = await setup({ orders: { confirmationCode: { length: 6, maxAttempts: 2, ttlMinutes: 5 } } })
    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    await shop.orders.requestConfirmationCode(order.id)
    await shop.jobs.runDue({ names: ['notify.send-sms'] })
    const code = codeIn(sms.lastTo(PHONE)!.text)
    expect(code).toMatch(/^\d{6}$/)
    const wrong = code === '000000' ? '111111' : '000000'
    expect(await shop.orders.confirmByCode(order.id, wrong)).toEqual({ ok: false, reason: 'wrong_code', attemptsLeft: 1 })
    expect(await shop.orders.confirmByCode(order.id, wrong)).toEqual({ ok: false, reason: 'too_many_attempts', attemptsLeft: 0 })
    expect(await shop.orders.confirmByCode(order.id, code)).toEqual({ ok: false, reason: 'too_many_attempts', attemptsLeft: 0 })

    await shop.orders.requestConfirmationCode(order.id)
    await shop.jobs.runDue({ names: ['notify.send-sms'] })
    const fresh = codeIn(sms.lastTo(PHONE)!.text)
    clock.advance({ minutes: 6 })
    expect(await shop.orders.confirmByCode(order.id, fresh)).toMatchObject({ ok: false, reason: 'expired' })
    expect((await shop.orders.get(order.id))!.status).toBe('awaiting_confirmation')
  })

  test('codes need an SMS gateway and a status that can be confirmed', async () => {
    const db = await database()
    const { shop } = await seededShop(db.storage)
    shops.push(shop)
    const order = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    expect(await failure(shop.orders.requestConfirmationCode(order.id))).toMatchObject({ code: 'INVALID_CONFIG', details: { key: 'notify.sms' } })
    await shop.orders.confirm(order.id, { actor: 'manager:7', channel: 'call' })
    const { shop: withSms } = await setup()
    const other = await placeOrder(withSms, [{ sku: 'SOCKS', quantity: 1 }])
    await withSms.orders.confirm(other.id, { actor: 'manager:7', channel: 'call' })
    expect(await failure(withSms.orders.requestConfirmationCode(other.id))).toMatchObject({ code: 'NOT_ALLOWED_IN_STATE', details: { capability: 'confirmable' } })
    expect((await failure(withSms.orders.confirm(other.id, { actor: 'system', channel: 'auto' }))).code).toBe('VALIDATION')
  })

  test('calls are logged; "confirmed" confirms, and the N-th "no answer" cancels and frees the stock', async () => {
    const { shop, variantIds } = await setup({ orders: { autoCancelAfterNoAnswer: 2 } })
    const ok = await placeOrder(shop, [{ sku: 'SOCKS', quantity: 1 }])
    const answered = await shop.orders.logCall(ok.id, { manager: '7', outcome: 'confirmed', note: 'all fine' })
    expect(answered.order.status).toBe('confirmed')
    expect(answered.call).toMatchObject({ manager: '7', outcome: 'confirmed', note: 'all fine' })

    const silent = await placeOrder(shop, [{ sku: 'TEE-L', quantity: 2 }])
    expect(await available(shop, variantIds['TEE-L']!)).toBe(0)
    expect((await shop.orders.logCall(silent.id, { manager: '7', outcome: 'no_answer' })).order.status).toBe('awaiting_confirmation')
    expect((await shop.orders.logCall(silent.id, { manager: '7', outcome: 'call_back_later', note: 'after 18:00' })).order.status).toBe('awaiting_confirmation')
    const second = await shop.orders.logCall(silent.id, { manager: '8', outcome: 'no_answer' })
    expect(second.order).toMatchObject({ status: 'cancelled', cancelReason: 'no_answer' })
    expect(await available(shop, variantIds['TEE-L']!)).toBe(2)
    const view = await shop.orders.view(silent.id)
    expect(view.calls.map((c) => c.outcome)).toEqual(['no_answer', 'call_back_later', 'no_answer'])
    expect(view.history.at(-1)).toMatchObject({ transition: 'cancel', actor: 'system', reason: 'no_answer' })
    expect((await failure(shop.orders.logCall(silent.id, { manager: '7', outcome: 'hung_up' as never }))).code).toBe('VALIDATION')
  })

  test('the expiry job cancels orders left unconfirmed past the TTL and stock returns; confirmed orders stay', async () => {
    const { shop, variantIds, clock } = await setup({ orders: { reservationTtlMinutes: 30 } })
    const forgotten = await placeOrder(shop, [{ sku: 'TEE-M', quantity: 2 }])
    const kept = await placeOrder(shop, [{ sku: 'TEE-M', quantity: 1 }])
    await shop.orders.confirm(kept.id, { actor: 'manager:7', channel: 'call' })
    expect(await available(shop, variantIds['TEE-M']!)).toBe(2)

    clock.advance({ minutes: 29 })
    await shop.jobs.runDue({ names: ['orders.expire-reservations'] })
    expect((await shop.orders.get(forgotten.id))!.status).toBe('awaiting_confirmation')

    clock.advance({ minutes: 2 })
    await shop.jobs.runDue({ names: ['orders.expire-reservations'] })
    expect(await shop.orders.get(forgotten.id)).toMatchObject({ status: 'cancelled', cancelReason: 'reservation_expired' })
    expect((await shop.orders.get(kept.id))!.status).toBe('confirmed')
    expect(await available(shop, variantIds['TEE-M']!)).toBe(4)
    const history = (await shop.orders.view(forgotten.id)).history.at(-1)
    expect(history).toMatchObject({ transition: 'cancel', actor: 'system', reason: 'reservation_expired' })
    expect(await shop.orders.expireReservations()).toBe(0)
  })
})
