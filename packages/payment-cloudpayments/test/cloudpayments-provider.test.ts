import { createHmac, randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { OrdoError, PaymentProviderError, type CreatePaymentRequest, type FiscalReceipt, type WebhookRequest } from '@ordo/core'
import { startCloudPaymentsFake, type CloudPaymentsFake } from '@ordo/testing'
import { cloudpayments, mapCloudPaymentsStatus } from '@ordo/payment-cloudpayments'

const ctx = (key: string = randomUUID()) => ({ signal: AbortSignal.timeout(10_000), idempotencyKey: key })
const read = () => ({ signal: AbortSignal.timeout(10_000) })
const request = (overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest => ({
  amount: 100_000,
  currency: 'RUB',
  orderNumber: 'A-1001',
  description: 'Order A-1001',
  returnUrl: 'https://shop.example/return',
  capture: false,
  method: null,
  receipt: null,
  metadata: { ordoPaymentId: 'pay_1' },
  ...overrides,
})

let fake: CloudPaymentsFake
let sent: { url: string; body: Record<string, unknown> }[]
const provider = () =>
  cloudpayments({
    publicId: fake.publicId,
    apiSecret: fake.apiSecret,
    baseUrl: fake.url,
    fetch: async (input, init) => {
      sent.push({ url: String(input), body: JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown> })
      return fetch(input, init)
    },
  })

beforeEach(async () => {
  fake = await startCloudPaymentsFake({ publicId: 'pk_test', apiSecret: 'secret_1' })
  sent = []
})
afterEach(async () => {
  await fake.close()
})

async function paid(capture: boolean) {
  const p = provider()
  const created = await p.createPayment(request({ capture }), ctx())
  await fake.control.approve(created.providerPaymentId)
  return { p, id: created.providerPaymentId }
}

describe('config', () => {
  test('a bad config is an INVALID_CONFIG error naming the key', () => {
    const attempt = (config: unknown) => {
      try {
        cloudpayments(config as never)
      } catch (error) {
        return error
      }
      throw new Error('expected a throw')
    }
    expect(attempt({ publicId: '', apiSecret: 's' })).toMatchObject({ code: 'INVALID_CONFIG', details: { key: 'publicId' } })
    expect(attempt({ publicId: 'pk', apiSecret: 's', baseUrl: 'not a url' })).toMatchObject({ code: 'INVALID_CONFIG', details: { key: 'baseUrl' } })
    expect(attempt({ publicId: 'pk', apiSecret: 's', taxationSystem: 9 })).toMatchObject({ code: 'INVALID_CONFIG', details: { key: 'taxationSystem' } })
    expect(attempt({ publicId: 'pk', apiSecret: 's', shopId: 'x' })).toBeInstanceOf(OrdoError)
    expect(attempt({ publicId: 'pk', apiSecret: 's', shopId: 'x' })).toMatchObject({ details: { key: 'shopId' } })
  })
})

describe('status mapping', () => {
  test('every CloudPayments status maps to core words; unknown ones to null', () => {
    expect(mapCloudPaymentsStatus('AwaitingAuthentication')).toBe('requires_action')
    expect(mapCloudPaymentsStatus('Authorized')).toBe('authorized')
    expect(mapCloudPaymentsStatus('Completed')).toBe('captured')
    expect(mapCloudPaymentsStatus('Cancelled')).toBe('canceled')
    expect(mapCloudPaymentsStatus('Declined')).toBe('failed')
    expect(mapCloudPaymentsStatus('toString')).toBeNull()
    expect(mapCloudPaymentsStatus('Refunded')).toBeNull()
  })

  test('a declined payment reports the bank reason and code; the customer may then pay again', async () => {
    const p = provider()
    const created = await p.createPayment(request({ capture: true }), ctx())
    await fake.control.decline(created.providerPaymentId)
    const declined = await p.getPayment(created.providerPaymentId, read())
    expect(declined.status).toBe('failed')
    expect(declined.failureReason).toBe('InsufficientFunds (5051)')
    await fake.control.approve(created.providerPaymentId)
    expect((await p.getPayment(created.providerPaymentId, read())).status).toBe('captured')
  })
})

describe('two-stage', () => {
  test('partial confirm captures less than the hold and sends Amount in major units', async () => {
    const { p, id } = await paid(false)
    const state = await p.capture({ providerPaymentId: id, amount: 60_050, currency: 'RUB', receipt: null }, ctx())
    expect(state).toMatchObject({ status: 'captured', amount: 100_000, capturedAmount: 60_050 })
    expect(sent.find((s) => s.url.endsWith('/payments/confirm'))?.body).toMatchObject({ Amount: 600.5 })
  })

  test('confirming more than the hold is refused and not retryable', async () => {
    const { p, id } = await paid(false)
    const error = await p.capture({ providerPaymentId: id, amount: 100_001, currency: 'RUB', receipt: null }, ctx()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PaymentProviderError)
    expect(error).toMatchObject({ retryable: false })
    expect((await p.getPayment(id, read())).status).toBe('authorized')
  })

  test('capture of a payment the customer has not paid is refused', async () => {
    const p = provider()
    const created = await p.createPayment(request(), ctx())
    await expect(p.capture({ providerPaymentId: created.providerPaymentId, amount: 1, currency: 'RUB', receipt: null }, ctx())).rejects.toMatchObject({
      retryable: false,
      vendorCode: 'not_paid',
    })
  })
})

describe('refund limits', () => {
  test('refunds are limited to the confirmed amount minus earlier refunds', async () => {
    const { p, id } = await paid(false)
    await p.capture({ providerPaymentId: id, amount: 70_000, currency: 'RUB', receipt: null }, ctx())
    await expect(p.refund({ providerPaymentId: id, amount: 70_001, currency: 'RUB', receipt: null }, ctx())).rejects.toMatchObject({ retryable: false })
    const first = await p.refund({ providerPaymentId: id, amount: 50_000, currency: 'RUB', receipt: null }, ctx())
    expect(first).toMatchObject({ status: 'succeeded', amount: 50_000 })
    await expect(p.refund({ providerPaymentId: id, amount: 20_001, currency: 'RUB', receipt: null }, ctx())).rejects.toBeInstanceOf(PaymentProviderError)
    await p.refund({ providerPaymentId: id, amount: 20_000, currency: 'RUB', receipt: null }, ctx())
    expect(await p.getPayment(id, read())).toMatchObject({ capturedAmount: 70_000, refundedAmount: 70_000 })
  })

  test('a refund in another currency is refused before any call', async () => {
    const { p, id } = await paid(true)
    const before = fake.control.requests().length
    await expect(p.refund({ providerPaymentId: id, amount: 100, currency: 'USD', receipt: null }, ctx())).rejects.toMatchObject({ code: 'CURRENCY_MISMATCH' })
    expect(fake.control.requests()).toHaveLength(before)
  })

  test('a hold cannot be refunded, only voided', async () => {
    const { p, id } = await paid(false)
    await expect(p.refund({ providerPaymentId: id, amount: 100, currency: 'RUB', receipt: null }, ctx())).rejects.toMatchObject({ retryable: false })
  })
})

describe('HTTP failures', () => {
  test('wrong credentials are a non-retryable 401; network errors are retryable', async () => {
    const wrong = cloudpayments({ publicId: 'pk_test', apiSecret: 'nope', baseUrl: fake.url })
    await expect(wrong.createPayment(request(), ctx())).rejects.toMatchObject({ retryable: false, status: 401 })
    const down = cloudpayments({ publicId: 'pk_test', apiSecret: 'secret_1', baseUrl: 'http://127.0.0.1:9' })
    await expect(down.createPayment(request(), ctx())).rejects.toMatchObject({ name: 'PaymentProviderError', retryable: true, status: null })
  })

  test('every call carries HTTP Basic PublicId:ApiSecret and mutations carry X-Request-ID', async () => {
    const { p, id } = await paid(false)
    const key = randomUUID()
    await p.capture({ providerPaymentId: id, amount: 100_000, currency: 'RUB', receipt: null }, ctx(key))
    const confirm = fake.control.requests().filter((r) => r.path === '/payments/confirm')
    expect(confirm).toEqual([{ method: 'POST', path: '/payments/confirm', idempotencyKey: key }])
    expect(fake.control.requests().filter((r) => r.path === '/payments/find').every((r) => r.idempotencyKey === null)).toBe(true)
  })
})

describe('receipts', () => {
  const receipt: FiscalReceipt = {
    kind: 'income',
    customer: { email: 'buyer@example.com', phone: '+79161234567' },
    lines: [
      { description: 'Book', quantity: 3, unitPrice: 33_333, amount: 100_000, vatRate: 'vat10', paymentSubject: 'commodity', paymentMode: 'full_prepayment' },
    ],
    total: 100_000,
    currency: 'RUB',
  }

  test('the receipt goes to CloudKassir as JsonData.CloudPayments.CustomerReceipt with CloudKassir codes', async () => {
    const p = cloudpayments({
      publicId: fake.publicId,
      apiSecret: fake.apiSecret,
      baseUrl: fake.url,
      taxationSystem: 1,
      fetch: async (input, init) => {
        sent.push({ url: String(input), body: JSON.parse(String(init?.body)) as Record<string, unknown> })
        return fetch(input, init)
      },
    })
    await p.createPayment(request({ receipt }), ctx())
    const body = sent.find((s) => s.url.endsWith('/orders/create'))!.body
    expect(body).toMatchObject({ Amount: 1000, Currency: 'RUB', RequireConfirmation: true, Email: 'buyer@example.com', Phone: '+79161234567' })
    expect(body.JsonData).toEqual({
      ordo: { ordoPaymentId: 'pay_1' },
      CloudPayments: {
        CustomerReceipt: {
          Items: [{ label: 'Book', price: 333.33, quantity: 3, amount: 1000, vat: 110, method: 1, object: 1 }],
          taxationSystem: 1,
          email: 'buyer@example.com',
          phone: '+79161234567',
          amounts: { electronic: 1000, advancePayment: 0, credit: 0, provision: 0 },
        },
      },
    })
  })

  test('an unknown payment subject is refused before any call', async () => {
    const p = provider()
    const bad = { ...receipt, lines: [{ ...receipt.lines[0]!, paymentSubject: 'spaceship' }] }
    await expect(p.createPayment(request({ receipt: bad }), ctx())).rejects.toMatchObject({ code: 'VALIDATION' })
    expect(fake.control.requests()).toHaveLength(0)
  })
})

describe('webhooks', () => {
  const sign = (body: string, secret: string) => createHmac('sha256', secret).update(body).digest('base64')

  test('a genuine Pay notification parses and is acknowledged with {"code":0}', async () => {
    const { p, id } = await paid(false)
    const parsed = await p.parseWebhook(await fake.control.webhookFor(id))
    expect(parsed).toMatchObject({ ok: true, event: { kind: 'payment', providerPaymentId: id, claimedStatus: 'authorized' }, response: { status: 200, body: '{"code":0}' } })
  })

  test('a body changed by one byte is rejected', async () => {
    const { p, id } = await paid(true)
    const genuine = await fake.control.webhookFor(id)
    const tampered = genuine.rawBody.replace('Amount=1000.00', 'Amount=1000.01')
    expect(tampered).not.toBe(genuine.rawBody)
    const parsed = await p.parseWebhook({ ...genuine, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-hmac': genuine.headers['content-hmac'] }, rawBody: tampered })
    expect(parsed).toMatchObject({ ok: false, response: { status: 200, body: '{"code":13}' } })
  })

  test('a body signed with another secret is rejected', async () => {
    const { p, id } = await paid(true)
    const forged = await fake.control.forgedWebhookFor(id)
    expect((await p.parseWebhook(forged)).ok).toBe(false)
    const other = cloudpayments({ publicId: 'pk_test', apiSecret: 'other', baseUrl: fake.url })
    expect((await other.parseWebhook(await fake.control.webhookFor(id))).ok).toBe(false)
  })

  test('a notification without a signature header is rejected, whatever it claims', async () => {
    const { p, id } = await paid(true)
    const genuine = await fake.control.webhookFor(id)
    const parsed = await p.parseWebhook({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: genuine.rawBody })
    expect(parsed).toMatchObject({ ok: false, reason: 'missing Content-HMAC header' })
  })

  test('X-Content-HMAC (over the URL-decoded body) is accepted when Content-HMAC is absent', async () => {
    const { p, id } = await paid(true)
    const genuine = await fake.control.webhookFor(id)
    const onlyX: WebhookRequest = { headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Content-HMAC': genuine.headers['x-content-hmac'] }, rawBody: genuine.rawBody }
    expect((await p.parseWebhook(onlyX)).ok).toBe(true)
  })

  test('JSON notifications are verified and parsed too', async () => {
    const p = provider()
    const created = await p.createPayment(request({ capture: true }), ctx())
    const body = JSON.stringify({ TransactionId: 42, Amount: 1000, Currency: 'RUB', InvoiceId: created.providerPaymentId, Status: 'Completed', OperationType: 'Payment' })
    const parsed = await p.parseWebhook({ headers: { 'content-type': 'application/json', 'content-hmac': sign(body, 'secret_1') }, rawBody: body })
    expect(parsed).toMatchObject({ ok: true, event: { eventId: '42:Captured', claimedStatus: 'captured' } })
  })

  test('Fail, Cancel and Refund notifications map to failed, canceled and a refund event', async () => {
    const p = provider()
    const failed = await p.createPayment(request({ capture: true }), ctx())
    await fake.control.decline(failed.providerPaymentId)
    expect(await p.parseWebhook(await fake.control.webhookFor(failed.providerPaymentId))).toMatchObject({ ok: true, event: { claimedStatus: 'failed' } })

    const held = await paid(false)
    await held.p.void({ providerPaymentId: held.id }, ctx())
    expect(await p.parseWebhook(await fake.control.webhookFor(held.id))).toMatchObject({ ok: true, event: { claimedStatus: 'canceled', kind: 'payment' } })

    const captured = await paid(true)
    const refund = await captured.p.refund({ providerPaymentId: captured.id, amount: 25_050, currency: 'RUB', receipt: null }, ctx())
    expect(await p.parseWebhook(await fake.control.webhookFor(captured.id))).toMatchObject({
      ok: true,
      event: { kind: 'refund', providerPaymentId: captured.id, refund: { providerRefundId: refund.providerRefundId, amount: 25_050 }, eventId: `${refund.providerRefundId}:Refund` },
    })
  })

  test('a correctly signed notification about an invoice this adapter did not create is rejected', async () => {
    const p = provider()
    const body = new URLSearchParams({ TransactionId: '1', Amount: '10.00', InvoiceId: 'someone-else-42', Status: 'Completed' }).toString()
    const parsed = await p.parseWebhook({ headers: { 'content-hmac': sign(body, 'secret_1') }, rawBody: body })
    expect(parsed.ok).toBe(false)
  })
})
