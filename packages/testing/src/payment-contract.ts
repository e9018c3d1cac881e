import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import {
  PaymentProviderError,
  type CreatePaymentRequest,
  type FiscalReceipt,
  type PaymentProvider,
  type ProviderCallContext,
  type WebhookRequest,
} from '@ordo/core'

/**
 * How the contract suite drives a loopback fake of a vendor's API: it plays
 * the customer and the bank, produces the vendor's notifications and injects
 * failures. Each fake in `@ordo/testing` (and any fake an adapter author
 * writes) exposes one.
 */
export interface PaymentFakeControl {
  /** The customer completes the provider's confirmation page: the payment becomes authorized (two-stage) or captured (one-stage). */
  approve(providerPaymentId: string): Promise<void>
  /** The customer's bank declines. */
  decline(providerPaymentId: string): Promise<void>
  /** A webhook request exactly as the vendor would send it about this payment's current state (signed where the vendor signs). */
  webhookFor(providerPaymentId: string): Promise<WebhookRequest>
  /** A webhook that must be rejected: a bad signature, or (refetch vendors) a claim the API does not confirm. */
  forgedWebhookFor(providerPaymentId: string): Promise<WebhookRequest>
  /** The next `count` API calls answer with this HTTP status (e.g. 500) without doing anything. */
  failNext(count: number, status: number): void
  /** Every API request the fake received: method, path, idempotency key header value. */
  requests(): { method: string; path: string; idempotencyKey: string | null }[]
}

/** What the setup function of {@link describePaymentProviderContract} returns for each test. */
export interface PaymentContractSetup {
  /** The adapter under test, pointed at the fake. */
  provider: PaymentProvider
  /** The fake's controls. */
  fake: PaymentFakeControl
  /** Stops the fake (and anything else the setup started). */
  close(): Promise<void>
}

/** The amount every contract case pays, in minor units (1 500.00 in a two-decimal currency). */
const AMOUNT = 150_000
const CURRENCY = 'RUB' as const

function context(idempotencyKey: string = randomUUID()): ProviderCallContext {
  return { signal: AbortSignal.timeout(10_000), idempotencyKey }
}

function readContext(): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(10_000) }
}

function createRequest(overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest {
  return {
    amount: AMOUNT,
    currency: CURRENCY,
    orderNumber: `C-${randomUUID().slice(0, 8)}`,
    description: 'Contract suite order',
    returnUrl: 'https://shop.example/orders/return',
    capture: true,
    method: null,
    receipt: null,
    metadata: { ordoPaymentId: `pay_${randomUUID()}` },
    ...overrides,
  }
}

/**
 * A receipt for `total` whose first line has a quantity of 3 and a unit
 * price that does not divide it evenly (the last-kopeck correction lives in
 * the line's `amount`), so an adapter must keep Σ lines = total exactly.
 */
function receiptFor(total: number, kind: FiscalReceipt['kind'] = 'income'): FiscalReceipt {
  const delivery = 10_000
  const goods = total - delivery
  const unitPrice = Math.floor(goods / 3)
  return {
    kind,
    customer: { email: 'buyer@example.com', phone: null },
    lines: [
      {
        description: 'T-shirt, blue, M',
        quantity: 3,
        unitPrice,
        amount: goods,
        vatRate: 'vat20',
        paymentSubject: 'commodity',
        paymentMode: 'full_payment',
      },
      {
        description: 'Courier delivery',
        quantity: 1,
        unitPrice: delivery,
        amount: delivery,
        vatRate: 'vat20',
        paymentSubject: 'service',
        paymentMode: 'full_payment',
      },
    ],
    total,
    currency: CURRENCY,
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the provider call to be rejected, but it succeeded')
}

/**
 * The payment provider contract: every behaviour core relies on, run against
 * a provider pointed at a loopback fake of its vendor's API. Cases that a
 * capability flag declares unsupported are skipped. `setup` runs before each
 * case and `close` after it, so cases never share state.
 *
 * @example
 * ```ts
 * import { describePaymentProviderContract, startYooKassaFake } from '@ordo/testing'
 * import { yookassa } from '@ordo/payment-yookassa'
 *
 * describePaymentProviderContract('yookassa', async () => {
 *   const fake = await startYooKassaFake({ shopId: '1', secretKey: 'test_key' })
 *   const provider = yookassa({ shopId: '1', secretKey: 'test_key', baseUrl: fake.url })
 *   return { provider, fake: fake.control, close: () => fake.close() }
 * })
 * ```
 */
export function describePaymentProviderContract(name: string, setup: () => Promise<PaymentContractSetup>): void {
  describe(`payment provider contract: ${name}`, () => {
    let current: PaymentContractSetup | null = null
    const env = (): PaymentContractSetup => {
      if (!current) throw new Error('payment contract: setup did not run')
      return current
    }
    beforeEach(async () => {
      current = await setup()
    })
    afterEach(async () => {
      await current?.close()
      current = null
    })

    async function approvedPayment(overrides: Partial<CreatePaymentRequest> = {}) {
      const { provider, fake } = env()
      const created = await provider.createPayment(createRequest(overrides), context())
      await fake.approve(created.providerPaymentId)
      return created
    }

    test('one-stage: create asks for the customer, approve captures the full amount', async () => {
      const { provider, fake } = env()
      const request = createRequest({ capture: true })
      const created = await provider.createPayment(request, context())
      expect(created.providerPaymentId).toEqual(expect.any(String))
      expect(created.providerPaymentId.length).toBeGreaterThan(0)
      expect(created.status).toBe('requires_action')
      expect(created.confirmationUrl).toMatch(/^https?:\/\//)
      expect(created.amount).toBe(AMOUNT)
      expect(created.currency).toBe(CURRENCY)
      expect(created.capturedAmount).toBe(0)

      await fake.approve(created.providerPaymentId)
      const state = await provider.getPayment(created.providerPaymentId, readContext())
      expect(state).toMatchObject({
        providerPaymentId: created.providerPaymentId,
        status: 'captured',
        amount: AMOUNT,
        currency: CURRENCY,
        capturedAmount: AMOUNT,
        refundedAmount: 0,
        failureReason: null,
      })
      expect(state.metadata).toMatchObject(request.metadata)
    })

    test('two-stage: approve authorizes, capture (partial when supported) captures', async (ctx) => {
      const { provider } = env()
      if (!provider.capabilities.supportsTwoStage) return ctx.skip()
      const created = await approvedPayment({ capture: false })
      const held = await provider.getPayment(created.providerPaymentId, readContext())
      expect(held.status).toBe('authorized')
      expect(held.amount).toBe(AMOUNT)
      expect(held.capturedAmount).toBe(0)

      const captureAmount = provider.capabilities.supportsPartialCapture ? AMOUNT - 25_000 : AMOUNT
      const captureKey = randomUUID()
      const captured = await provider.capture(
        { providerPaymentId: created.providerPaymentId, amount: captureAmount, currency: CURRENCY, receipt: null },
        context(captureKey),
      )
      expect(captured.status).toBe('captured')
      expect(captured.capturedAmount).toBe(captureAmount)

      // Core retries a capture that timed out with the same key: it must not fail or capture twice.
      const retried = await provider.capture(
        { providerPaymentId: created.providerPaymentId, amount: captureAmount, currency: CURRENCY, receipt: null },
        context(captureKey),
      )
      expect(retried.status).toBe('captured')
      expect(retried.capturedAmount).toBe(captureAmount)
      const state = await provider.getPayment(created.providerPaymentId, readContext())
      expect(state.status).toBe('captured')
      expect(state.capturedAmount).toBe(captureAmount)
    })

    test('two-stage: void of a hold cancels it and nothing is captured', async (ctx) => {
      const { provider } = env()
      if (!provider.capabilities.supportsTwoStage) return ctx.skip()
      const created = await approvedPayment({ capture: false })
      const voided = await provider.void({ providerPaymentId: created.providerPaymentId }, context())
      expect(voided.status).toBe('canceled')
      expect(voided.capturedAmount).toBe(0)
      const state = await provider.getPayment(created.providerPaymentId, readContext())
      expect(state.status).toBe('canceled')
      expect(state.capturedAmount).toBe(0)
    })

    test('refund: partial (when supported) then the rest; more than captured is rejected, not retryable', async () => {
      const { provider } = env()
      const created = await approvedPayment({ capture: true })
      const id = created.providerPaymentId

      const tooMuch = await rejection(provider.refund({ providerPaymentId: id, amount: AMOUNT + 1, currency: CURRENCY, receipt: null }, context()))
      expect(tooMuch).toBeInstanceOf(PaymentProviderError)
      expect((tooMuch as PaymentProviderError).retryable).toBe(false)

      let refunded = 0
      if (provider.capabilities.supportsPartialRefund) {
        const first = await provider.refund({ providerPaymentId: id, amount: 40_000, currency: CURRENCY, receipt: null }, context())
        expect(first.amount).toBe(40_000)
        expect(['pending', 'succeeded']).toContain(first.status)
        expect(first.providerRefundId.length).toBeGreaterThan(0)
        refunded += 40_000
        const partly = await provider.getPayment(id, readContext())
        expect(partly.refundedAmount).toBe(refunded)
      }
      const rest = await provider.refund({ providerPaymentId: id, amount: AMOUNT - refunded, currency: CURRENCY, receipt: null }, context())
      expect(rest.amount).toBe(AMOUNT - refunded)
      expect(['pending', 'succeeded']).toContain(rest.status)

      const state = await provider.getPayment(id, readContext())
      expect(state.refundedAmount).toBe(AMOUNT)

      const again = await rejection(provider.refund({ providerPaymentId: id, amount: 1, currency: CURRENCY, receipt: null }, context()))
      expect(again).toBeInstanceOf(PaymentProviderError)
      expect((again as PaymentProviderError).retryable).toBe(false)
    })

    test('idempotency: a retried create with the same key returns the same payment', async () => {
      const { provider, fake } = env()
      const key = randomUUID()
      const request = createRequest()
      const first = await provider.createPayment(request, context(key))
      const retry = await provider.createPayment(request, context(key))
      expect(retry.providerPaymentId).toBe(first.providerPaymentId)
      expect(retry.amount).toBe(first.amount)

      // Both attempts reached the vendor with the same key (no client-side cache hides a duplicate).
      const withKey = fake.requests().filter((r) => r.method === 'POST' && r.idempotencyKey === key)
      expect(withKey).toHaveLength(2)

      const other = await provider.createPayment(createRequest(), context())
      expect(other.providerPaymentId).not.toBe(first.providerPaymentId)
    })

    test('a 5xx or 429 from the API surfaces as a retryable PaymentProviderError; the retry then succeeds', async () => {
      const { provider, fake } = env()
      const key = randomUUID()
      const request = createRequest()

      fake.failNext(1, 500)
      const serverError = await rejection(provider.createPayment(request, context(key)))
      expect(serverError).toBeInstanceOf(PaymentProviderError)
      expect((serverError as PaymentProviderError).retryable).toBe(true)
      expect((serverError as PaymentProviderError).status).toBe(500)

      fake.failNext(1, 429)
      const throttled = await rejection(provider.createPayment(request, context(key)))
      expect(throttled).toBeInstanceOf(PaymentProviderError)
      expect((throttled as PaymentProviderError).retryable).toBe(true)

      const created = await provider.createPayment(request, context(key))
      expect(created.status).toBe('requires_action')
      const state = await provider.getPayment(created.providerPaymentId, readContext())
      expect(state.amount).toBe(AMOUNT)
    })

    test('decline: the payment ends failed or canceled with a reason', async () => {
      const { provider, fake } = env()
      const created = await provider.createPayment(createRequest(), context())
      await fake.decline(created.providerPaymentId)
      const state = await provider.getPayment(created.providerPaymentId, readContext())
      expect(['failed', 'canceled']).toContain(state.status)
      expect(state.capturedAmount).toBe(0)
      expect(state.failureReason).toEqual(expect.any(String))
      expect(state.failureReason!.length).toBeGreaterThan(0)
    })

    test('webhook: the vendor notification parses to a verified event about the payment', async () => {
      const { provider, fake } = env()
      const created = await approvedPayment({ capture: true })
      const request = await fake.webhookFor(created.providerPaymentId)
      const parsed = await provider.parseWebhook(request)
      if (!parsed.ok) throw new Error(`webhook rejected: ${parsed.reason}`)
      expect(parsed.event.providerPaymentId).toBe(created.providerPaymentId)
      expect(parsed.event.kind).toBe('payment')
      expect(parsed.event.eventId).toEqual(expect.any(String))
      expect(parsed.event.eventId.length).toBeGreaterThan(0)
      expect([null, 'captured']).toContain(parsed.event.claimedStatus)
      expect(parsed.response.status).toBeGreaterThanOrEqual(200)
      expect(parsed.response.status).toBeLessThan(300)

      // A redelivery of the same notification carries the same event id, so core de-duplicates it.
      const again = await provider.parseWebhook(await fake.webhookFor(created.providerPaymentId))
      expect(again.ok && again.event.eventId).toBe(parsed.event.eventId)
    })

    test('webhook: a forged notification is rejected with the answer the vendor expects', async () => {
      const { provider, fake } = env()
      const created = await approvedPayment({ capture: true })
      const genuine = await provider.parseWebhook(await fake.webhookFor(created.providerPaymentId))
      expect(genuine.ok).toBe(true)

      const forged = await provider.parseWebhook(await fake.forgedWebhookFor(created.providerPaymentId))
      expect(forged.ok).toBe(false)
      if (forged.ok) return
      expect(forged.reason).toEqual(expect.any(String))
      expect(forged.reason.length).toBeGreaterThan(0)
      expect(forged.response.status).toEqual(expect.any(Number))
      expect(typeof forged.response.body).toBe('string')
      expect(forged.response.contentType.length).toBeGreaterThan(0)
      // The vendor must be able to tell the rejection from an acknowledgement.
      expect(forged.response.status !== genuine.response.status || forged.response.body !== genuine.response.body).toBe(true)
    })

    test('receipts: passed through on create, capture and refund; lines must sum to the amount', async (ctx) => {
      const { provider, fake } = env()
      if (!provider.capabilities.supportsReceipts) return ctx.skip()

      const broken = receiptFor(AMOUNT)
      broken.lines[0] = { ...broken.lines[0]!, amount: broken.lines[0]!.amount - 100, unitPrice: broken.lines[0]!.unitPrice - 50 }
      const mismatch = await rejection(provider.createPayment(createRequest({ receipt: broken }), context()))
      expect(mismatch).toBeInstanceOf(Error)
      if (mismatch instanceof PaymentProviderError) expect(mismatch.retryable).toBe(false)

      const twoStage = provider.capabilities.supportsTwoStage
      const created = await provider.createPayment(createRequest({ capture: !twoStage, receipt: receiptFor(AMOUNT) }), context())
      await fake.approve(created.providerPaymentId)
      let captured = AMOUNT
      if (twoStage) {
        captured = provider.capabilities.supportsPartialCapture ? AMOUNT - 20_000 : AMOUNT
        const state = await provider.capture(
          { providerPaymentId: created.providerPaymentId, amount: captured, currency: CURRENCY, receipt: receiptFor(captured) },
          context(),
        )
        expect(state.capturedAmount).toBe(captured)
      }
      const refundAmount = provider.capabilities.supportsPartialRefund ? 30_000 : captured
      const refund = await provider.refund(
        { providerPaymentId: created.providerPaymentId, amount: refundAmount, currency: CURRENCY, receipt: receiptFor(refundAmount, 'refund') },
        context(),
      )
      expect(refund.amount).toBe(refundAmount)

      // A refund receipt that does not add up to the refund is refused as well.
      const badRefund = await rejection(
        provider.refund(
          { providerPaymentId: created.providerPaymentId, amount: refundAmount, currency: CURRENCY, receipt: receiptFor(refundAmount + 5_000, 'refund') },
          context(),
        ),
      )
      expect(badRefund).toBeInstanceOf(Error)
    })
  })
}
