import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { SmsGatewayError, type SmsStatus } from '@ordo/core'
import { startSmscFake, type SmscFake } from '@ordo/testing'
import { smsc, smscMessageId, smscStatus, SMSC_STATUS_CODES, type SmscConfig, type SmscGateway } from '@ordo/sms-smsc'

async function caught(promise: Promise<unknown>): Promise<SmsGatewayError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(SmsGatewayError)
    return error as SmsGatewayError
  }
  throw new Error('expected a rejection')
}

let fake: SmscFake
let sms: SmscGateway
const gateway = (overrides: Partial<SmscConfig> = {}) => smsc({ login: fake.login, password: fake.password, baseUrl: fake.url, ...overrides })

beforeEach(async () => {
  fake = await startSmscFake({ login: 'unit', password: 'unit-password', approvedSenders: ['OrdoShop', 'Shop2'] })
  sms = gateway()
})
afterEach(async () => {
  await fake.close()
})

describe('send', () => {
  test('asks status.php for our id first, then posts send.php with +phone, UTF-8 text, our id, fmt=3', async () => {
    const sent = await sms.send({ to: '+79161234567', text: 'Ваш код: 1234', idempotencyKey: 'order-1.code' })
    expect(sent.providerMessageId).toBe('order-1.code:79161234567')
    const [check, post] = fake.requests()
    expect(check).toMatchObject({ method: 'POST', path: '/sys/status.php', params: { login: 'unit', psw: 'unit-password', id: 'order-1.code', phone: '79161234567', fmt: '3' } })
    expect(post).toEqual({
      method: 'POST',
      path: '/sys/send.php',
      params: { login: 'unit', psw: 'unit-password', phones: '+79161234567', mes: 'Ваш код: 1234', id: 'order-1.code', fmt: '3', charset: 'utf-8' },
    })
    expect(fake.messages()).toMatchObject([{ id: 'order-1.code', phone: '+79161234567', digits: '79161234567', text: 'Ваш код: 1234', charset: 'utf-8' }])
  })

  test('a key SMSC cannot take as an id is hashed to one; the same key to another phone is another message', async () => {
    const key = 'order-confirmation:0a8f9c52-5a0e-4b8e-9d7c-1f2e3d4c5b6a:01JD3'
    const first = await sms.send({ to: '+79161234567', text: 'a', idempotencyKey: key })
    expect(first.providerMessageId).toBe(`${smscMessageId(key)}:79161234567`)
    expect(smscMessageId(key)).toMatch(/^h[0-9a-f]{39}$/)
    const other = await sms.send({ to: '+79031112233', text: 'a', idempotencyKey: key })
    expect(other.providerMessageId).not.toBe(first.providerMessageId)
    expect(fake.messages()).toHaveLength(2)
  })

  test('the message sender wins over the configured one', async () => {
    const configured = gateway({ sender: 'Shop2' })
    await configured.send({ to: '+79161234567', text: 'a', idempotencyKey: 'k1' })
    await configured.send({ to: '+79161234567', text: 'b', idempotencyKey: 'k2', sender: 'OrdoShop' })
    expect(fake.messages().map((m) => m.sender)).toEqual(['Shop2', 'OrdoShop'])
  })

  test('two racing sends with one key: SMSC refuses the identical second request (error 9, retryable), one SMS goes out', async () => {
    const message = { to: '+79161234567', text: 'a', idempotencyKey: 'race-1' }
    const results = await Promise.allSettled([sms.send(message), sms.send(message)])
    const fulfilled = results.filter((r) => r.status === 'fulfilled')
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(fulfilled).toHaveLength(1)
    expect(rejected).toHaveLength(1)
    expect(rejected[0]!.reason).toBeInstanceOf(SmsGatewayError)
    expect((rejected[0]!.reason as SmsGatewayError).vendorCode).toBe('9')
    expect((rejected[0]!.reason as SmsGatewayError).retryable).toBe(true)
    // The engine's retry then finds the message and sends nothing.
    expect((await sms.send(message)).providerMessageId).toBe('race-1:79161234567')
    expect(fake.messages()).toHaveLength(1)
  })

  test('vendor error codes map to vendorCode and retryable', async () => {
    const denied = await caught(sms.send({ to: '+79161234567', text: 'x', idempotencyKey: 'k', sender: 'Unknown' }))
    expect([denied.vendorCode, denied.retryable]).toEqual(['6', false])
    const landline = await caught(sms.send({ to: '+74951234567', text: 'x', idempotencyKey: 'k' }))
    expect([landline.vendorCode, landline.retryable]).toEqual(['7', false])
    const login = await caught(gateway({ password: 'wrong' }).send({ to: '+79161234567', text: 'x', idempotencyKey: 'k' }))
    expect([login.vendorCode, login.retryable, login.status]).toEqual(['2', false, 200])
    expect(fake.messages()).toHaveLength(0)

    for (const [code, retryable] of [
      [1, false],
      [3, false],
      [4, true],
      [8, false],
      [9, true],
    ] as const) {
      const answering: typeof fetch = async () => new Response(JSON.stringify({ error: 'e', error_code: code }), { status: 200 })
      const error = await caught(gateway({ fetch: answering }).send({ to: '+79161234567', text: 'x', idempotencyKey: 'k' }))
      expect([error.vendorCode, error.retryable]).toEqual([String(code), retryable])
    }
  })
})

describe('status mapping', () => {
  const table: [number, number, SmsStatus][] = [
    [-1, 0, 'sent'],
    [0, 0, 'sent'],
    [1, 0, 'delivered'],
    [2, 0, 'delivered'],
    [3, 0, 'expired'],
    [4, 0, 'delivered'],
    [20, 6, 'failed'],
    [22, 0, 'failed'],
    [23, 0, 'failed'],
    [24, 0, 'failed'],
    [25, 0, 'failed'],
  ]

  test('every documented code, through status.php, with the time and the err code', async () => {
    const ids: string[] = []
    for (const [code, err] of table) {
      const { providerMessageId } = await sms.send({ to: '+79161234567', text: `code ${code}`, idempotencyKey: `k${code}` })
      fake.control.setStatus(providerMessageId, code, err)
      ids.push(providerMessageId)
    }
    const reports = await sms.getStatus([...ids, 'never-sent:79161234567'])
    expect(reports.map((r) => [Number(r.rawStatus), r.status])).toEqual(table.map(([code, , status]) => [code, status]))
    expect(reports.map((r) => r.providerMessageId)).toEqual(ids)
    for (const report of reports) expect(Math.abs(report.at!.getTime() - Date.now())).toBeLessThan(5_000)
    expect(reports.find((r) => r.rawStatus === '20')!.error).toBe('impossible to deliver (SMSC err 6)')
    expect(reports.find((r) => r.rawStatus === '22')!.error).toBe(SMSC_STATUS_CODES[22]!.text)
    expect(reports.find((r) => r.rawStatus === '1')!.error).toBeUndefined()
  })

  test('an id not made by this gateway is refused; an unknown code never ends a message', async () => {
    expect((await caught(sms.getStatus(['12345']))).retryable).toBe(false)
    expect(smscStatus(77)).toBe('sent')
  })
})

describe('callbacks', () => {
  const post = (fields: Record<string, string>) => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    rawBody: new URLSearchParams(fields).toString(),
  })

  test('a confirmed final status becomes a report with the callback time and err', async () => {
    const { providerMessageId } = await sms.send({ to: '+79161234567', text: 'a', idempotencyKey: 'cb-1' })
    fake.control.setStatus(providerMessageId, 22, 0)
    const parsed = await sms.parseCallback(post({ id: 'cb-1', phone: '79161234567', status: '22', ts: '1700000000', err: '0' }))
    expect(parsed).toEqual({
      ok: true,
      reports: [{ providerMessageId, status: 'failed', rawStatus: '22', at: new Date(1_700_000_000_000), error: 'wrong number' }],
      response: { status: 200, body: 'OK', contentType: 'text/plain; charset=utf-8' },
    })
  })

  test('a late intermediate status is acknowledged and dropped; a malformed post is rejected without an API call', async () => {
    const { providerMessageId } = await sms.send({ to: '+79161234567', text: 'a', idempotencyKey: 'cb-2' })
    await fake.control.deliver(providerMessageId, 'delivered')
    const late = await sms.parseCallback(post({ id: 'cb-2', phone: '79161234567', status: '0', ts: '1700000000' }))
    expect(late).toMatchObject({ ok: true, reports: [] })
    const before = fake.requests().length
    expect((await sms.parseCallback(post({ id: 'cb-2', status: '1' }))).ok).toBe(false)
    expect((await sms.parseCallback(post({ id: 'cb-2', phone: '79161234567', status: 'x' }))).ok).toBe(false)
    expect(fake.requests()).toHaveLength(before)
  })

  test('an incoming SMS signed with the callback secret is a reply, checked without an API call', async () => {
    const signed = gateway({ callbackSecret: fake.callbackSecret })
    const before = fake.requests().length
    const parsed = await signed.parseCallback(await fake.control.reply!('+79031112233', 'Стоп, пожалуйста'))
    expect(parsed).toEqual({
      ok: true,
      reports: [],
      replies: [{ from: '+79031112233', text: 'Стоп, пожалуйста' }],
      response: { status: 200, body: 'OK', contentType: 'text/plain; charset=utf-8' },
    })
    expect(fake.requests()).toHaveLength(before)
  })

  test('an incoming SMS with a wrong or missing md5, altered text, or without a configured secret is rejected', async () => {
    const signed = gateway({ callbackSecret: fake.callbackSecret })
    expect((await signed.parseCallback(await fake.control.forgedReply!('+79031112233', 'STOP'))).ok).toBe(false)
    const genuine = new URLSearchParams((await fake.control.reply!('+79031112233', 'STOP')).rawBody)
    const altered = new URLSearchParams(genuine)
    altered.set('mes', 'STOP ALL')
    expect((await signed.parseCallback(post(Object.fromEntries(altered)))).ok).toBe(false)
    const unsigned = new URLSearchParams(genuine)
    unsigned.delete('md5')
    expect((await signed.parseCallback(post(Object.fromEntries(unsigned)))).ok).toBe(false)
    const refused = await sms.parseCallback(post(Object.fromEntries(genuine)))
    expect(refused).toMatchObject({ ok: false, reason: expect.stringContaining('callbackSecret') })
    expect((await signed.parseCallback(post(Object.fromEntries(genuine)))).ok).toBe(true)
  })
})

test('smscMessageId: deterministic, always a valid SMSC id, distinct for distinct keys', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 200 }), fc.string({ minLength: 1, maxLength: 200 }), (a, b) => {
      expect(smscMessageId(a)).toBe(smscMessageId(a))
      expect(smscMessageId(a)).toMatch(/^[A-Za-z0-9._-]{1,40}$/)
      if (a !== b) expect(smscMessageId(a)).not.toBe(smscMessageId(b))
    }),
  )
})

test('config is validated and frozen', () => {
  expect(() => smsc({ login: '', password: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }))
  expect(() => smsc({ login: 'x', password: 'y', baseUrl: 'ftp://smsc.ru' })).toThrow(/baseUrl/)
  expect(Object.isFrozen(sms)).toBe(true)
  expect(sms.id).toBe('smsc')
  expect(sms.capabilities).toEqual({ senderNames: true, statusQuery: true, statusCallbacks: true, deduplicatesByKey: true })
})
