import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { OrdoError, PaymentProviderError, type CreatePaymentRequest, type FiscalReceipt, type PaymentProvider, type WebhookRequest } from '@ordo/core'
import { startYooKassaFake, type YooKassaFake } from '@ordo/testing'
import { toYooKassaReceipt, yookassa, yookassaVatCode, YOOKASSA_NOTIFICATION_IPS, type YooKassaConfig } from '@ordo/payment-yookassa'

const ctx = (idempotencyKey: string = randomUUID()) => ({ signal: AbortSignal.timeout(10_000), idempotencyKey })
const read = () => ({ signal: AbortSignal.timeout(10_000) })

function request(overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest {
  return {
    amount: 150_000,
    currency: 'RUB',
    orderNumber: 'A-1001',
    description: 'Order A-1001',
    returnUrl: 'https://shop.example/return',
    capture: true,
    method: null,
    receipt: null,
    metadata: { ordoPaymentId: 'pay_1' },
    ...overrides,
  }
}

function receipt(lines: FiscalReceipt['lines'], overrides: Partial<FiscalReceipt> = {}): FiscalReceipt {
  return {
    kind: 'income',
    customer: { email: 'buyer@example.com', phone: null },
    lines,
    total: lines.reduce((sum, line) => sum + line.amount, 0),
    currency: 'RUB',
    ...overrides,
  }
}

const line = (overrides: Partial<FiscalReceipt['lines'][number]> = {}): FiscalReceipt['lines'][number] => ({
  description: 'T-shirt',
  quantity: 1,
  unitPrice: 150_000,
  amount: 150_000,
  vatRate: 'vat20',
  paymentSubject: 'commodity',
  paymentMode: 'full_payment',
  ...overrides,
})

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

let fake: YooKassaFake
let provider: PaymentProvider
const sent: { url: string; init: RequestInit }[] = []

function make(overrides: Partial<YooKassaConfig> = {}): PaymentProvider {
  return yookassa({
    shopId: fake.shopId,
    secretKey: fake.secretKey,
    baseUrl: fake.url,
    fetch: (input, init) => {
      sent.push({ url: String(input), init: init ?? {} })
      return fetch(input, init)
    },
    ...overrides,
  })
}

beforeEach(async () => {
  sent.length = 0
  fake = await startYooKassaFake({ shopId: '504030', secretKey: 'test_key' })
  provider = make()
})
afterEach(async () => {
  await fake.close()
})

describe('config', () => {
  test('bad config throws INVALID_CONFIG naming the key', () => {
    const base = { shopId: '1', secretKey: 's' }
    const cases: [unknown, string][] = [
      [{ secretKey: 's' }, 'shopId'],
      [{ ...base, secretKey: '' }, 'secretKey'],
      [{ ...base, baseUrl: 'not a url' }, 'baseUrl'],
      [{ ...base, allowedIps: ['185.71.76.0/27', '300.1.1.1'] }, 'allowedIps.1'],
      [{ ...base, allowedIps: ['10.0.0.0/33'] }, 'allowedIps.0'],
      [{ ...base, taxSystemCode: 7 }, 'taxSystemCode'],
      [{ ...base, shopID: '1' }, 'shopID'],
    ]
    for (const [config, key] of cases) {
      const error = (() => {
        try {
          yookassa(config as YooKassaConfig)
        } catch (e) {
          return e
        }
        return null
      })()
      expect(error, key).toBeInstanceOf(OrdoError)
      expect((error as OrdoError).code).toBe('INVALID_CONFIG')
      expect((error as OrdoError).details['key']).toBe(key)
      expect((error as OrdoError).message).not.toContain('test_key')
    }
  })

  test('the provider and its capabilities are frozen; id defaults to yookassa', () => {
    expect(provider.id).toBe('yookassa')
    expect(Object.isFrozen(provider)).toBe(true)
    expect(Object.isFrozen(provider.capabilities)).toBe(true)
    expect(provider.capabilities).toEqual({
      supportsTwoStage: true,
      supportsPartialCapture: true,
      supportsPartialRefund: true,
      supportsReceipts: true,
      webhookVerification: 'refetch',
    })
    expect(make({ id: 'yookassa-b2b' }).id).toBe('yookassa-b2b')
  })
})

describe('HTTP', () => {
  test('create sends Basic auth, the Idempotence-Key, string amounts and a redirect confirmation', async () => {
    const key = randomUUID()
    await provider.createPayment(request({ capture: false, method: 'bank_card' }), ctx(key))
    const call = sent[0]!
    expect(call.url).toBe(`${fake.url}/payments`)
    const headers = call.init.headers as Record<string, string>
    expect(headers['authorization']).toBe(`Basic ${Buffer.from('504030:test_key').toString('base64')}`)
    expect(headers['idempotence-key']).toBe(key)
    expect(JSON.parse(call.init.body as string)).toEqual({
      amount: { value: '1500.00', currency: 'RUB' },
      capture: false,
      confirmation: { type: 'redirect', return_url: 'https://shop.example/return' },
      description: 'Order A-1001',
      metadata: { ordoPaymentId: 'pay_1' },
      payment_method_data: { type: 'bank_card' },
    })
    const [stored] = fake.payments()
    expect(stored).toMatchObject({ amount: 150_000, capture: false, paymentMethodType: 'bank_card', metadata: { ordoPaymentId: 'pay_1' } })
  })

  test('wrong credentials: a non-retryable error with invalid_credentials', async () => {
    const wrong = make({ secretKey: 'nope' })
    const error = await caught(wrong.createPayment(request(), ctx()))
    expect(error).toBeInstanceOf(PaymentProviderError)
    expect(error).toMatchObject({ status: 401, vendorCode: 'invalid_credentials', retryable: false })
    expect((error as Error).message).not.toContain('nope')
  })

  test('a 202 "still processing" answer is retryable', async () => {
    fake.control.failNext(1, 202)
    const error = await caught(provider.createPayment(request(), ctx()))
    expect(error).toMatchObject({ name: 'PaymentProviderError', status: 202, retryable: true })
  })

  test('a network failure is retryable', async () => {
    const down = yookassa({ shopId: '1', secretKey: 's', baseUrl: 'http://127.0.0.1:9/v3' })
    const error = await caught(down.getPayment(randomUUID(), read()))
    expect(error).toBeInstanceOf(PaymentProviderError)
    expect((error as PaymentProviderError).retryable).toBe(true)
  })

  test('the returnUrl falls back to the config; with neither, createPayment refuses before any call', async () => {
    const error = await caught(provider.createPayment(request({ returnUrl: null }), ctx()))
    expect(error).toMatchObject({ name: 'OrdoError', code: 'VALIDATION' })
    expect(sent).toHaveLength(0)
    const withDefault = make({ returnUrl: 'https://shop.example/back' })
    await withDefault.createPayment(request({ returnUrl: null }), ctx())
    expect(JSON.parse(sent[0]!.init.body as string).confirmation.return_url).toBe('https://shop.example/back')
  })
})

describe('statuses', () => {
  test('decline → failed with the cancellation reason; void of a hold → canceled', async () => {
    const declined = await provider.createPayment(request(), ctx())
    await fake.control.decline(declined.providerPaymentId)
    expect(await provider.getPayment(declined.providerPaymentId, read())).toMatchObject({ status: 'failed', failureReason: 'insufficient_funds' })

    const held = await provider.createPayment(request({ capture: false }), ctx())
    await fake.control.approve(held.providerPaymentId)
    const voided = await provider.void({ providerPaymentId: held.providerPaymentId }, ctx())
    expect(voided).toMatchObject({ status: 'canceled', failureReason: 'canceled_by_merchant' })
  })

  test('the confirmation page: Pay captures and redirects to the return URL', async () => {
    const created = await provider.createPayment(request(), ctx())
    const page = await fetch(created.confirmationUrl!)
    const html = await page.text()
    expect(html).toContain('Pay')
    expect(html).toContain('Decline')
    expect(html).toContain('1500.00 RUB')
    const paid = await fetch(`${fake.origin}/confirm/${created.providerPaymentId}/pay`, { method: 'POST', redirect: 'manual' })
    expect(paid.status).toBe(303)
    expect(paid.headers.get('location')).toBe('https://shop.example/return')
    expect((await provider.getPayment(created.providerPaymentId, read())).status).toBe('captured')
  })
})

describe('fake: YooKassa idempotency rules', () => {
  const auth = () => `Basic ${Buffer.from(`${fake.shopId}:${fake.secretKey}`).toString('base64')}`
  const post = (key: string | null, body: unknown) =>
    fetch(`${fake.url}/payments`, {
      method: 'POST',
      headers: { authorization: auth(), 'content-type': 'application/json', ...(key === null ? {} : { 'idempotence-key': key }) },
      body: JSON.stringify(body),
    })
  const body = { amount: { value: '10.00', currency: 'RUB' }, capture: true, confirmation: { type: 'redirect', return_url: 'https://x.example' } }

  test('a POST without Idempotence-Key is a 400 naming the header', async () => {
    const response = await post(null, body)
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ type: 'error', code: 'invalid_request', parameter: 'Idempotence-Key' })
    expect(fake.payments()).toHaveLength(0)
  })

  test('same key + same body replays; same key + another body is refused', async () => {
    const first = await (await post('k-1', body)).json()
    const replay = await (await post('k-1', body)).json()
    expect(replay).toEqual(first)
    const other = await post('k-1', { ...body, amount: { value: '11.00', currency: 'RUB' } })
    expect(other.status).toBe(400)
    expect(await other.json()).toMatchObject({ code: 'invalid_request', description: 'Idempotence key duplicated', parameter: 'Idempotence-Key' })
    expect(fake.payments()).toHaveLength(1)
  })
})

describe('receipts', () => {
  test('VAT codes follow YooKassa: plain rates for payments, calculated rates for prepayments, 22% as 11/12', () => {
    expect(yookassaVatCode('none', 'full_payment')).toBe(1)
    expect(yookassaVatCode('vat0', 'full_prepayment')).toBe(2)
    expect(yookassaVatCode('vat10', 'full_payment')).toBe(3)
    expect(yookassaVatCode('vat20', 'full_payment')).toBe(4)
    expect(yookassaVatCode('vat10', 'advance')).toBe(5)
    expect(yookassaVatCode('vat20', 'full_prepayment')).toBe(6)
    expect(yookassaVatCode('vat22', 'full_payment')).toBe(11)
    expect(yookassaVatCode('vat22', 'partial_prepayment')).toBe(12)
  })

  test('mapping: customer, 128-char descriptions, unit prices, kopeck remainders split into two items', () => {
    const mapped = toYooKassaReceipt(
      receipt(
        [
          line({ description: 'x'.repeat(200), quantity: 3, unitPrice: 3333, amount: 10_000 }),
          line({ description: 'Delivery', quantity: 2, unitPrice: 25_000, amount: 50_000, paymentSubject: 'service', vatRate: 'vat22' }),
          line({ description: 'Cheese, kg', quantity: 0.35, unitPrice: 120_000, amount: 42_000, vatRate: 'vat10' }),
        ],
        { customer: { email: null, phone: '+7 (916) 123-45-67' } },
      ),
      { taxSystemCode: 2 },
    )
    expect(mapped.customer).toEqual({ phone: '79161234567' })
    expect(mapped.tax_system_code).toBe(2)
    expect(mapped.items).toEqual([
      { description: 'x'.repeat(128), quantity: 2, amount: { value: '33.33', currency: 'RUB' }, vat_code: 4, payment_subject: 'commodity', payment_mode: 'full_payment' },
      { description: 'x'.repeat(128), quantity: 1, amount: { value: '33.34', currency: 'RUB' }, vat_code: 4, payment_subject: 'commodity', payment_mode: 'full_payment' },
      { description: 'Delivery', quantity: 2, amount: { value: '250.00', currency: 'RUB' }, vat_code: 11, payment_subject: 'service', payment_mode: 'full_payment' },
      { description: 'Cheese, kg', quantity: 0.35, amount: { value: '1200.00', currency: 'RUB' }, vat_code: 3, payment_subject: 'commodity', payment_mode: 'full_payment' },
    ])
  })

  test('a receipt without e-mail or phone is refused', () => {
    expect(() => toYooKassaReceipt(receipt([line()], { customer: { email: null, phone: null } }))).toThrow(
      expect.objectContaining({ name: 'OrdoError', code: 'VALIDATION' }),
    )
  })

  test('property: Σ unit price × quantity of the items equals Σ line amounts, every unit price positive', () => {
    const lineArb = fc.record({ quantity: fc.integer({ min: 1, max: 20 }), amount: fc.integer({ min: 20, max: 10_000_000 }) })
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 8 }), (lines) => {
        const fiscal = receipt(lines.map(({ quantity, amount }) => line({ quantity, amount, unitPrice: Math.round(amount / quantity) })))
        const items = toYooKassaReceipt(fiscal).items
        const sum = items.reduce((total, item) => total + Math.round(Number(item.amount.value) * 100) * item.quantity, 0)
        expect(sum).toBe(fiscal.total)
        for (const item of items) expect(Number(item.amount.value)).toBeGreaterThan(0)
      }),
    )
  })

  test('the fake records the receipt sent with a payment and a partial capture; a partial capture without one is refused', async () => {
    const created = await provider.createPayment(
      request({ capture: false, receipt: receipt([line({ quantity: 3, unitPrice: 50_000, amount: 150_000 })]) }),
      ctx(),
    )
    await fake.control.approve(created.providerPaymentId)
    const missing = await caught(provider.capture({ providerPaymentId: created.providerPaymentId, amount: 100_000, currency: 'RUB', receipt: null }, ctx()))
    expect(missing).toMatchObject({ name: 'PaymentProviderError', status: 400, vendorCode: 'invalid_request', retryable: false })

    await provider.capture(
      { providerPaymentId: created.providerPaymentId, amount: 100_000, currency: 'RUB', receipt: receipt([line({ quantity: 2, unitPrice: 50_000, amount: 100_000 })]) },
      ctx(),
    )
    const [stored] = fake.payments()
    expect(stored!.receipts.map((r) => r.operation)).toEqual(['payment', 'capture'])
    expect(stored!.receipts[0]!.receipt).toEqual({
      customer: { email: 'buyer@example.com' },
      items: [{ description: 'T-shirt', quantity: 3, amount: { value: '500.00', currency: 'RUB' }, vat_code: 4, payment_subject: 'commodity', payment_mode: 'full_payment' }],
    })
    expect(stored!.amount).toBe(100_000)
  })
})

describe('notifications', () => {
  async function captured() {
    const created = await provider.createPayment(request(), ctx())
    await fake.control.approve(created.providerPaymentId)
    return created.providerPaymentId
  }
  const apiCalls = () => fake.control.requests().length

  test('the default allow-list is YooKassa\'s published ranges; another sender is rejected before any API call', async () => {
    expect(YOOKASSA_NOTIFICATION_IPS).toContain('185.71.76.0/27')
    const id = await captured()
    const genuine = await fake.control.webhookFor(id)
    const before = apiCalls()
    const spoofed = await provider.parseWebhook({ ...genuine, remoteAddress: '203.0.113.9' })
    expect(spoofed).toMatchObject({ ok: false, response: { status: 400 } })
    expect(apiCalls()).toBe(before)
    expect(await provider.parseWebhook({ ...genuine, remoteAddress: null })).toMatchObject({ ok: false })

    for (const sender of ['185.71.76.31', '::ffff:185.71.77.3', '77.75.156.35', '2a02:5180:0:1::10']) {
      expect((await provider.parseWebhook({ ...genuine, remoteAddress: sender })).ok, sender).toBe(true)
    }
    expect((await provider.parseWebhook({ ...genuine, remoteAddress: '185.71.76.32' })).ok).toBe(false)
  })

  test('allowedIps: null skips the address check but still re-fetches; a custom list replaces the default', async () => {
    const id = await captured()
    const genuine = await fake.control.webhookFor(id)
    const anywhere = make({ allowedIps: null })
    const before = apiCalls()
    expect((await anywhere.parseWebhook({ ...genuine, remoteAddress: '203.0.113.9' })).ok).toBe(true)
    expect(apiCalls()).toBe(before + 1)
    expect((await anywhere.parseWebhook(await fake.control.forgedWebhookFor(id))).ok).toBe(false)

    const internal = make({ allowedIps: ['10.0.0.0/8'] })
    expect((await internal.parseWebhook({ ...genuine, remoteAddress: '10.1.2.3' })).ok).toBe(true)
    expect((await internal.parseWebhook(genuine)).ok).toBe(false)
  })

  test('a genuine payment.succeeded: ok, verified by GET /v3/payments/{id}', async () => {
    const id = await captured()
    const result = await provider.parseWebhook(await fake.control.webhookFor(id))
    expect(result).toEqual({
      ok: true,
      event: { eventId: `payment.succeeded:${id}`, kind: 'payment', providerPaymentId: id, claimedStatus: 'captured', refund: null },
      response: { status: 200, body: '', contentType: expect.any(String) },
    })
    expect(fake.control.requests().at(-1)).toEqual({ method: 'GET', path: `/v3/payments/${id}`, idempotencyKey: null })
  })

  test('an unknown payment is rejected after the re-fetch answers 404', async () => {
    const unknown = randomUUID()
    const result = await provider.parseWebhook(await fake.control.forgedWebhookFor(unknown))
    expect(result.ok).toBe(false)
    expect(!result.ok && result.reason).toContain('unknown')
    expect(fake.control.requests().at(-1)).toMatchObject({ method: 'GET', path: `/v3/payments/${unknown}` })
  })

  test('a claim the API contradicts is rejected: wrong status, wrong amount, stale event acknowledged but not accepted', async () => {
    const pending = await provider.createPayment(request(), ctx())
    const claimSucceeded = await fake.control.forgedWebhookFor(pending.providerPaymentId)
    expect(JSON.parse(claimSucceeded.rawBody).event).toBe('payment.succeeded')
    expect(await provider.parseWebhook(claimSucceeded)).toMatchObject({ ok: false, response: { status: 400 } })

    const id = await captured()
    const genuine = await fake.control.webhookFor(id)
    const tampered = JSON.parse(genuine.rawBody)
    tampered.object.amount.value = '1.00'
    const withAmount: WebhookRequest = { ...genuine, rawBody: JSON.stringify(tampered) }
    const amountResult = await provider.parseWebhook(withAmount)
    expect(amountResult).toMatchObject({ ok: false, response: { status: 400 } })

    const held = await provider.createPayment(request({ capture: false }), ctx())
    await fake.control.approve(held.providerPaymentId)
    const waiting = await fake.control.webhookFor(held.providerPaymentId)
    expect(JSON.parse(waiting.rawBody).event).toBe('payment.waiting_for_capture')
    expect(await provider.parseWebhook(waiting)).toMatchObject({ ok: true, event: { claimedStatus: 'authorized' } })
    await provider.capture({ providerPaymentId: held.providerPaymentId, amount: 150_000, currency: 'RUB', receipt: null }, ctx())
    const stale = await provider.parseWebhook(waiting)
    expect(stale).toMatchObject({ ok: false, response: { status: 200 } })
  })

  test('refund.succeeded: verified by GET of the refund and its payment', async () => {
    const id = await captured()
    const refund = await provider.refund({ providerPaymentId: id, amount: 50_000, currency: 'RUB', receipt: null }, ctx())
    const webhook = fake.refundWebhookFor(refund.providerRefundId)
    const result = await provider.parseWebhook(webhook)
    expect(result).toMatchObject({
      ok: true,
      event: { eventId: `refund.succeeded:${refund.providerRefundId}`, kind: 'refund', providerPaymentId: id, refund: { providerRefundId: refund.providerRefundId, amount: 50_000 } },
    })
    const paths = fake.control.requests().slice(-2).map((r) => `${r.method} ${r.path}`)
    expect(paths).toEqual([`GET /v3/refunds/${refund.providerRefundId}`, `GET /v3/payments/${id}`])

    const other = await captured()
    const moved = JSON.parse(webhook.rawBody)
    moved.object.payment_id = other
    expect((await provider.parseWebhook({ ...webhook, rawBody: JSON.stringify(moved) })).ok).toBe(false)
    const unknown = JSON.parse(webhook.rawBody)
    unknown.object.id = randomUUID()
    expect((await provider.parseWebhook({ ...webhook, rawBody: JSON.stringify(unknown) })).ok).toBe(false)
  })

  test('bodies that are not notifications are rejected; an API outage during the re-fetch throws retryable', async () => {
    const id = await captured()
    const genuine = await fake.control.webhookFor(id)
    expect((await provider.parseWebhook({ ...genuine, rawBody: 'not json' })).ok).toBe(false)
    expect((await provider.parseWebhook({ ...genuine, rawBody: JSON.stringify({ type: 'notification', event: 'payout.succeeded', object: { id } }) })).ok).toBe(false)

    fake.control.failNext(1, 500)
    const error = await caught(provider.parseWebhook(genuine))
    expect(error).toMatchObject({ name: 'PaymentProviderError', retryable: true, status: 500 })
  })
})
