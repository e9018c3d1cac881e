import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { SmsGatewayError, type SmsGateway, type SmsGatewayCallOptions, type SmsMessage } from '@ordo/core'

/** A delivery-report request as a provider posts it, in the shape `SmsGateway.parseCallback` reads. */
export type SmsCallbackRequest = Parameters<NonNullable<SmsGateway['parseCallback']>>[0]

/**
 * Per-call options of an SMS gateway.
 * @deprecated The port has them now: use `SmsGatewayCallOptions` from `@ordo/core`.
 */
export type SmsCallOptions = SmsGatewayCallOptions

/**
 * An `SmsGateway`; the port's `send` and `getStatus` take `{ signal }` now,
 * and the contract checks that it is honoured.
 * @deprecated Use `SmsGateway` from `@ordo/core`.
 */
export type SignalAwareSmsGateway = SmsGateway

/** How a message ends at the fake's operator: delivered, refused by the network or the phone, or never answered in time. */
export type SmsFakeOutcome = 'delivered' | 'failed' | 'expired'

/**
 * A failure a fake injects: into its next API request, `server_error` (HTTP
 * 502), `rate_limited` (HTTP 429), `network` (the connection is dropped
 * without an answer) or `hang` (no answer until the client gives up); or
 * `answer_lost`: the next request that sends an SMS is carried out, then the
 * connection is dropped before the answer (the case idempotency exists for).
 */
export type SmsFakeFault = 'server_error' | 'rate_limited' | 'network' | 'hang' | 'answer_lost'

/** One SMS a fake accepted, as it arrived. */
export interface SmsFakeSentMessage {
  /** The id the fake answered with, as the adapter should report it. */
  providerMessageId: string
  /** The recipient exactly as the request carried it (`79161234567` for SMS.ru, `+79161234567` for SMSC). */
  phone: string
  /** The same recipient read back into E.164 by the vendor's rules. */
  e164: string
  /** The text after decoding the request with the charset the client declared. */
  text: string
  /** The sender name the request carried, or null. */
  sender: string | null
}

/**
 * How the SMS contract suite drives a loopback fake of a vendor's API: it
 * plays the operator (delivery outcomes), produces the vendor's callbacks and
 * injects failures.
 */
export interface SmsFakeControl {
  /** The operator reports the final outcome of a message. */
  deliver(providerMessageId: string, outcome: SmsFakeOutcome): Promise<void>
  /** Every SMS the fake accepted, oldest first (a replayed request that sent nothing is not listed). */
  sent(): SmsFakeSentMessage[]
  /** The delivery-report request the vendor would post about the message's current state. */
  callback?(providerMessageId: string): Promise<SmsCallbackRequest>
  /** A delivery-report request that must be rejected: a claim the vendor's API does not confirm, or a bad signature. */
  forgedCallback?(providerMessageId: string): Promise<SmsCallbackRequest>
  /** The request the vendor posts when the phone `from` (E.164) sends `text` to the account (a reply); only for vendors that forward incoming SMS. */
  reply?(from: string, text: string): Promise<SmsCallbackRequest>
  /** An incoming-SMS request that must be rejected (not signed by the vendor). */
  forgedReply?(from: string, text: string): Promise<SmsCallbackRequest>
  /** The next `count` API requests fail this way. @default count 1 */
  failNext(kind: SmsFakeFault, count?: number): void
}

/** What the setup function of {@link describeSmsGatewayContract} returns for each case. */
export interface SmsContractSetup {
  /** The adapter under test, pointed at the fake. */
  gateway: SmsGateway
  /** The same adapter with credentials the fake refuses. */
  unauthorized: SmsGateway
  /** The fake's controls. */
  control: SmsFakeControl
  /**
   * What the gateway's `capabilities.deduplicatesByKey` must say; the suite
   * reads the capability itself and only checks that the two agree.
   * @deprecated Declare `capabilities.deduplicatesByKey` on the gateway instead.
   */
  deduplicatesByKey?: boolean | undefined
  /** Stops the fake (and anything else the setup started). */
  close(): Promise<void>
}

const PHONE = '+79161234567'
const TEXT = 'Код подтверждения заказа №A-1001: 4821. Ёлки-палки, «кавычки» и эмодзи 🙂 остаются целыми'
const SENDER = 'OrdoShop'

function message(overrides: Partial<SmsMessage> = {}): SmsMessage {
  return { to: PHONE, text: TEXT, idempotencyKey: `sms-${randomUUID()}`, ...overrides }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the gateway call to be rejected, but it succeeded')
}

function expectGatewayError(error: unknown, retryable: boolean): SmsGatewayError {
  expect(error).toBeInstanceOf(SmsGatewayError)
  const gatewayError = error as SmsGatewayError
  expect(gatewayError.retryable).toBe(retryable)
  expect(gatewayError.message.length).toBeGreaterThan(0)
  return gatewayError
}

/**
 * The SMS gateway contract: every behaviour the engine relies on, run against
 * an adapter pointed at a loopback fake of its vendor's API. Cases a
 * capability flag (`capabilities.deduplicatesByKey` among them) declares
 * unsupported are skipped, as are the reply cases of fakes without `reply`. `setup` runs before each case and `close` after it.
 *
 * @example
 * ```ts
 * import { describeSmsGatewayContract, startSmscFake } from '@ordo/testing'
 * import { smsc } from '@ordo/sms-smsc'
 *
 * describeSmsGatewayContract('smsc', async () => {
 *   const fake = await startSmscFake({ login: 'shop', password: 'secret' })
 *   return {
 *     gateway: smsc({ login: 'shop', password: 'secret', baseUrl: fake.url }),
 *     unauthorized: smsc({ login: 'shop', password: 'wrong', baseUrl: fake.url }),
 *     control: fake.control,
 *     close: () => fake.close(),
 *   }
 * })
 * ```
 */
export function describeSmsGatewayContract(name: string, setup: () => Promise<SmsContractSetup>): void {
  describe(`sms gateway contract: ${name}`, () => {
    let current: SmsContractSetup | null = null
    const env = (): SmsContractSetup => {
      if (!current) throw new Error('sms contract: setup did not run')
      return current
    }
    beforeEach(async () => {
      current = await setup()
    })
    afterEach(async () => {
      await current?.close()
      current = null
    })

    test('send: returns the provider id; the vendor got the E.164 phone and the text intact', async () => {
      const { gateway, control } = env()
      const sent = await gateway.send(message())
      expect(sent.providerMessageId).toEqual(expect.any(String))
      expect(sent.providerMessageId.length).toBeGreaterThan(0)

      const received = control.sent()
      expect(received).toHaveLength(1)
      expect(received[0]!.providerMessageId).toBe(sent.providerMessageId)
      expect(received[0]!.e164).toBe(PHONE)
      expect(received[0]!.text).toBe(TEXT)
      expect(received[0]!.sender).toBeNull()

      const other = await gateway.send(message({ to: '+79031112233', text: 'Второе сообщение' }))
      expect(other.providerMessageId).not.toBe(sent.providerMessageId)
      expect(control.sent().map((m) => m.e164)).toEqual([PHONE, '+79031112233'])
    })

    test('send: a sender name is passed through when given', async (ctx) => {
      const { gateway, control } = env()
      if (!gateway.capabilities?.senderNames) return ctx.skip()
      await gateway.send(message({ sender: SENDER }))
      expect(control.sent().at(-1)!.sender).toBe(SENDER)
    })

    test('capabilities: deduplicatesByKey is declared (and agrees with the setup, if it says)', () => {
      const { gateway, deduplicatesByKey } = env()
      expect(typeof gateway.capabilities?.deduplicatesByKey).toBe('boolean')
      if (deduplicatesByKey !== undefined) expect(gateway.capabilities?.deduplicatesByKey).toBe(deduplicatesByKey)
    })

    test('send: the same idempotency key twice sends one SMS', async (ctx) => {
      const { gateway, control } = env()
      // Without a client message id at the vendor, the engine's job keyed by the message id is the only guard.
      if (!gateway.capabilities?.deduplicatesByKey) return ctx.skip()
      const key = `sms-${randomUUID()}`
      const first = await gateway.send(message({ idempotencyKey: key }))
      const retry = await gateway.send(message({ idempotencyKey: key }))
      expect(retry.providerMessageId).toBe(first.providerMessageId)
      expect(control.sent()).toHaveLength(1)

      // The retry after a lost answer: the first attempt reached the vendor, the answer never came back.
      const lostKey = `sms-${randomUUID()}`
      control.failNext('answer_lost')
      expectGatewayError(await rejection(gateway.send(message({ idempotencyKey: lostKey }))), true)
      expect(control.sent()).toHaveLength(2)
      const again = await gateway.send(message({ idempotencyKey: lostKey }))
      expect(again.providerMessageId).toBe(control.sent()[1]!.providerMessageId)
      expect(control.sent()).toHaveLength(2)

      const other = await gateway.send(message())
      expect(other.providerMessageId).not.toBe(first.providerMessageId)
      expect(other.providerMessageId).not.toBe(again.providerMessageId)
      expect(control.sent()).toHaveLength(3)
    })

    test('getStatus: maps delivered, failed and expired and keeps the raw codes', async (ctx) => {
      const { gateway, control } = env()
      if (!gateway.capabilities?.statusQuery || !gateway.getStatus) return ctx.skip()
      const delivered = (await gateway.send(message())).providerMessageId
      const failed = (await gateway.send(message({ to: '+79031112233' }))).providerMessageId
      const expired = (await gateway.send(message({ to: '+79057654321' }))).providerMessageId

      const before = await gateway.getStatus([delivered])
      expect(before).toHaveLength(1)
      expect(before[0]!.providerMessageId).toBe(delivered)
      expect(['queued', 'sent']).toContain(before[0]!.status)

      await control.deliver(delivered, 'delivered')
      await control.deliver(failed, 'failed')
      await control.deliver(expired, 'expired')
      const reports = await gateway.getStatus([delivered, failed, expired])
      const byId = new Map(reports.map((r) => [r.providerMessageId, r]))
      expect(byId.get(delivered)?.status).toBe('delivered')
      expect(byId.get(failed)?.status).toBe('failed')
      expect(byId.get(expired)?.status).toBe('expired')
      const raw = [delivered, failed, expired].map((id) => byId.get(id)!.rawStatus)
      for (const code of raw) expect(code.length).toBeGreaterThan(0)
      expect(new Set(raw).size).toBe(3)
      expect(raw).not.toContain(before[0]!.rawStatus)
    })

    test('callback: a delivery report parses into reports the engine applies', async (ctx) => {
      const { gateway, control } = env()
      if (!gateway.capabilities?.statusCallbacks || !gateway.parseCallback || !control.callback) return ctx.skip()
      const sent = await gateway.send(message())
      await control.deliver(sent.providerMessageId, 'delivered')
      const parsed = await gateway.parseCallback(await control.callback(sent.providerMessageId))
      if (!parsed.ok) throw new Error(`callback rejected: ${parsed.reason}`)
      const report = parsed.reports.find((r) => r.providerMessageId === sent.providerMessageId)
      expect(report).toBeDefined()
      expect(report!.status).toBe('delivered')
      expect(report!.rawStatus.length).toBeGreaterThan(0)
      expect(parsed.response.status).toBeGreaterThanOrEqual(200)
      expect(parsed.response.status).toBeLessThan(300)

      const failed = await gateway.send(message({ to: '+79031112233' }))
      await control.deliver(failed.providerMessageId, 'failed')
      const second = await gateway.parseCallback(await control.callback(failed.providerMessageId))
      expect(second.ok && second.reports.find((r) => r.providerMessageId === failed.providerMessageId)?.status).toBe('failed')
    })

    test('callback: a forged report is rejected with an answer the vendor can tell apart', async (ctx) => {
      const { gateway, control } = env()
      if (!gateway.capabilities?.statusCallbacks || !gateway.parseCallback || !control.callback || !control.forgedCallback) return ctx.skip()
      const sent = await gateway.send(message())
      await control.deliver(sent.providerMessageId, 'failed')
      const genuine = await gateway.parseCallback(await control.callback(sent.providerMessageId))
      expect(genuine.ok).toBe(true)

      const forged = await gateway.parseCallback(await control.forgedCallback(sent.providerMessageId))
      expect(forged.ok).toBe(false)
      if (forged.ok) return
      expect(forged.reason.length).toBeGreaterThan(0)
      expect(forged.response.contentType.length).toBeGreaterThan(0)
      expect(forged.response.status !== genuine.response.status || forged.response.body !== genuine.response.body).toBe(true)

      const unknown = await gateway.parseCallback(await control.forgedCallback('no-such-message'))
      expect(unknown.ok).toBe(false)
    })

    test('callback: an incoming STOP reply parses into replies; an unsigned one is rejected', async (ctx) => {
      const { gateway, control } = env()
      if (!gateway.parseCallback || !control.reply) return ctx.skip()
      const parsed = await gateway.parseCallback(await control.reply('+79031112233', 'СТОП'))
      if (!parsed.ok) throw new Error(`reply rejected: ${parsed.reason}`)
      expect(parsed.replies).toEqual([{ from: '+79031112233', text: 'СТОП' }])
      expect(parsed.reports).toEqual([])
      expect(parsed.response.status).toBeGreaterThanOrEqual(200)
      expect(parsed.response.status).toBeLessThan(300)
      expect(control.sent()).toHaveLength(0)

      if (!control.forgedReply) return
      const forged = await gateway.parseCallback(await control.forgedReply('+79031112233', 'STOP'))
      expect(forged.ok).toBe(false)
    })

    test('an invalid phone is refused, not retryable, and nothing is sent', async () => {
      const { gateway, control } = env()
      // Not E.164 at all: the adapter refuses it before calling the vendor.
      expectGatewayError(await rejection(gateway.send(message({ to: '8 (916) 123-45-67' }))), false)
      // Well-formed E.164 the vendor refuses (a Russian number has 11 digits).
      expectGatewayError(await rejection(gateway.send(message({ to: '+7916123456789' }))), false)
      expect(control.sent()).toHaveLength(0)
    })

    test('wrong credentials surface as a non-retryable SmsGatewayError', async () => {
      const { gateway, unauthorized, control } = env()
      const error = expectGatewayError(await rejection(unauthorized.send(message())), false)
      expect(error.vendorCode).not.toBeNull()
      expect(control.sent()).toHaveLength(0)
      if (unauthorized.getStatus) {
        const sent = await gateway.send(message())
        expectGatewayError(await rejection(unauthorized.getStatus([sent.providerMessageId])), false)
      }
    })

    test('a 5xx, a 429 or a dropped connection is retryable; the retry then sends', async () => {
      const { gateway, control } = env()
      const key = `sms-${randomUUID()}`
      control.failNext('server_error')
      const serverError = expectGatewayError(await rejection(gateway.send(message({ idempotencyKey: key }))), true)
      expect(serverError.status).toBeGreaterThanOrEqual(500)

      control.failNext('rate_limited')
      const throttled = expectGatewayError(await rejection(gateway.send(message({ idempotencyKey: key }))), true)
      expect(throttled.status).toBe(429)

      control.failNext('network')
      const dropped = expectGatewayError(await rejection(gateway.send(message({ idempotencyKey: key }))), true)
      expect(dropped.status).toBeNull()

      expect(control.sent()).toHaveLength(0)
      const sent = await gateway.send(message({ idempotencyKey: key }))
      expect(control.sent().map((m) => m.providerMessageId)).toEqual([sent.providerMessageId])
    })

    test('abort: the signal ends a hanging call with a retryable error; an aborted signal sends nothing', async () => {
      const { gateway, control } = env()
      control.failNext('hang')
      const started = Date.now()
      const hung = await rejection(gateway.send(message(), { signal: AbortSignal.timeout(200) }))
      expectGatewayError(hung, true)
      expect(Date.now() - started).toBeLessThan(5_000)

      const controller = new AbortController()
      controller.abort()
      expectGatewayError(await rejection(gateway.send(message(), { signal: controller.signal })), true)
      expect(control.sent()).toHaveLength(0)

      if (gateway.getStatus) {
        const sent = await gateway.send(message())
        control.failNext('hang')
        expectGatewayError(await rejection(gateway.getStatus([sent.providerMessageId], { signal: AbortSignal.timeout(200) })), true)
      }
    })
  })
}
