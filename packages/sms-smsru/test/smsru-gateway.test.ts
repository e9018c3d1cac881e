import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { OrdoError, SmsGatewayError, type SmsStatus } from '@ordo/core'
import { startSmsRuFake, type SmsRuFake } from '@ordo/testing'
import { smsru, smsruStatus, SMSRU_STATUS_CODES, type SmsRuConfig, type SmsRuGateway } from '@ordo/sms-smsru'

async function caught(promise: Promise<unknown>): Promise<SmsGatewayError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(SmsGatewayError)
    return error as SmsGatewayError
  }
  throw new Error('expected a rejection')
}

/** A fetch that answers every call with this SMS.ru body (HTTP 200), for codes the fake has no reason to produce. */
function answering(body: unknown): typeof fetch {
  return async () => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })
}

let fake: SmsRuFake
let sms: SmsRuGateway
const gateway = (overrides: Partial<SmsRuConfig> = {}) => smsru({ apiId: fake.apiId, baseUrl: fake.url, ...overrides })

beforeEach(async () => {
  fake = await startSmsRuFake({ apiId: 'unit-api-id', approvedSenders: ['OrdoShop', 'Shop2'] })
  sms = gateway()
})
afterEach(async () => {
  await fake.close()
})

describe('send', () => {
  test('posts api_id, the phone without +, the UTF-8 text and json=1', async () => {
    const sent = await sms.send({ to: '+79161234567', text: 'Ваш код: 1234', idempotencyKey: 'k1' })
    const request = fake.requests().at(-1)!
    expect(request.method).toBe('POST')
    expect(request.path).toBe('/sms/send')
    expect(request.params).toEqual({ api_id: 'unit-api-id', to: '79161234567', msg: 'Ваш код: 1234', json: '1' })
    expect(fake.messages()).toMatchObject([{ smsId: sent.providerMessageId, phone: '79161234567', text: 'Ваш код: 1234', sender: null, test: false }])
  })

  test('the message sender wins over the configured one; test mode sends test=1 and is not charged', async () => {
    const configured = gateway({ sender: 'Shop2', test: true })
    await configured.send({ to: '+79161234567', text: 'a', idempotencyKey: 'k1' })
    await configured.send({ to: '+79161234567', text: 'b', idempotencyKey: 'k2', sender: 'OrdoShop' })
    expect(fake.requests().map((r) => [r.params['from'], r.params['test']])).toEqual([
      ['Shop2', '1'],
      ['OrdoShop', '1'],
    ])
    expect(fake.balance()).toBe(412_256)
    await sms.send({ to: '+79161234567', text: 'c', idempotencyKey: 'k3' })
    expect(fake.balance()).toBe(412_256 - 350)
  })

  test('vendor error codes map to vendorCode and retryable', async () => {
    const senderRefused = await caught(sms.send({ to: '+79161234567', text: 'x', idempotencyKey: 'k', sender: 'Unknown' }))
    expect([senderRefused.vendorCode, senderRefused.retryable]).toEqual(['204', false])
    const tooLong = await caught(sms.send({ to: '+79161234567', text: 'я'.repeat(67 * 8 + 1), idempotencyKey: 'k' }))
    expect([tooLong.vendorCode, tooLong.retryable]).toEqual(['205', false])
    const badPhone = await caught(sms.send({ to: '+74951234567', text: 'x', idempotencyKey: 'k' }))
    expect([badPhone.vendorCode, badPhone.retryable]).toEqual(['202', false])
    const wrongKey = await caught(gateway({ apiId: 'nope' }).send({ to: '+79161234567', text: 'x', idempotencyKey: 'k' }))
    expect([wrongKey.vendorCode, wrongKey.retryable, wrongKey.status]).toEqual(['200', false, 200])
    expect(fake.messages()).toHaveLength(0)

    const cases: [number, boolean][] = [
      [201, false],
      [206, true],
      [207, false],
      [209, false],
      [220, true],
      [231, true],
      [500, true],
    ]
    for (const [code, retryable] of cases) {
      const topLevel = await caught(gateway({ fetch: answering({ status: 'ERROR', status_code: code, status_text: 't' }) }).send({ to: '+79161234567', text: 'x', idempotencyKey: 'k' }))
      expect([topLevel.vendorCode, topLevel.retryable]).toEqual([String(code), retryable])
      const perPhone = await caught(
        gateway({ fetch: answering({ status: 'OK', status_code: 100, sms: { '79161234567': { status: 'ERROR', status_code: code, status_text: 't' } } }) }).send({
          to: '+79161234567',
          text: 'x',
          idempotencyKey: 'k',
        }),
      )
      expect([perPhone.vendorCode, perPhone.retryable]).toEqual([String(code), retryable])
    }
  })

  test('an answer that is not SMS.ru JSON is not retryable; one without the phone entry neither', async () => {
    const html = await caught(gateway({ fetch: async () => new Response('<html>maintenance</html>', { status: 200 }) }).send({ to: '+79161234567', text: 'x', idempotencyKey: 'k' }))
    expect(html.retryable).toBe(false)
    const missing = await caught(gateway({ fetch: answering({ status: 'OK', status_code: 100, sms: {} }) }).send({ to: '+79161234567', text: 'x', idempotencyKey: 'k' }))
    expect(missing.retryable).toBe(false)
  })
})

describe('status mapping', () => {
  const table: [number, SmsStatus][] = [
    [100, 'sent'],
    [101, 'sent'],
    [102, 'sent'],
    [103, 'delivered'],
    [104, 'expired'],
    [105, 'failed'],
    [106, 'failed'],
    [107, 'failed'],
    [108, 'failed'],
    [110, 'delivered'],
    [150, 'failed'],
  ]

  test('every documented code, through /sms/status', async () => {
    const ids: string[] = []
    for (const [code] of table) {
      const { providerMessageId } = await sms.send({ to: '+79161234567', text: `code ${code}`, idempotencyKey: `k${code}` })
      fake.setStatus(providerMessageId, code)
      ids.push(providerMessageId)
    }
    const reports = await sms.getStatus([...ids, '000000-0000000'])
    expect(reports.map((r) => [Number(r.rawStatus), r.status])).toEqual(table)
    expect(reports.map((r) => r.providerMessageId)).toEqual(ids)
    for (const report of reports) {
      if (report.status === 'failed' || report.status === 'expired') expect(report.error).toBe(SMSRU_STATUS_CODES[Number(report.rawStatus)]!.text)
      else expect(report.error).toBeUndefined()
    }
    expect(fake.requests().at(-1)!.params['sms_id']).toBe([...ids, '000000-0000000'].join(','))
  })

  test('an unknown code never ends a message', () => {
    expect(smsruStatus(199)).toBe('sent')
    expect(smsruStatus(-1)).toBe('sent')
  })
})

describe('callbacks', () => {
  const post = (entries: string[]) => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    rawBody: new URLSearchParams(entries.map((entry, i): [string, string] => [`data[${i}]`, entry])).toString(),
  })

  test('several records in one post; a late intermediate status is acknowledged and dropped; other record types are ignored', async () => {
    const a = (await sms.send({ to: '+79161234567', text: 'a', idempotencyKey: 'a' })).providerMessageId
    const b = (await sms.send({ to: '+79031112233', text: 'b', idempotencyKey: 'b' })).providerMessageId
    await fake.control.deliver(a, 'delivered')
    await fake.control.deliver(b, 'expired')
    const parsed = await sms.parseCallback(
      post([`sms_status\n${a}\n102\n1700000000`, `sms_status\n${a}\n103\n1700000060`, `callcheck_status\n201937-1000003\n401\n1700000000`, `sms_status\n${b}\n104\n1700000120`]),
    )
    expect(parsed).toEqual({
      ok: true,
      reports: [
        { providerMessageId: a, status: 'delivered', rawStatus: '103', at: new Date(1_700_000_060_000) },
        { providerMessageId: b, status: 'expired', rawStatus: '104', at: new Date(1_700_000_120_000), error: 'not delivered: lifetime expired' },
      ],
      response: { status: 200, body: '100', contentType: 'text/plain; charset=utf-8' },
    })
  })

  test('a post without data[] or with a malformed record is rejected without an API call', async () => {
    const before = fake.requests().length
    expect((await sms.parseCallback({ headers: {}, rawBody: 'foo=bar' })).ok).toBe(false)
    expect((await sms.parseCallback(post(['sms_status\n\nabc']))).ok).toBe(false)
    expect(fake.requests()).toHaveLength(before)
  })

  test('when SMS.ru cannot be asked, the callback is not acknowledged (a retryable error, so SMS.ru posts again)', async () => {
    const { providerMessageId } = await sms.send({ to: '+79161234567', text: 'a', idempotencyKey: 'a' })
    fake.control.failNext('server_error')
    const error = await caught(sms.parseCallback(post([`sms_status\n${providerMessageId}\n100\n1700000000`])))
    expect(error.retryable).toBe(true)
  })
})

test('config is validated and frozen', () => {
  const invalid = (config: unknown) => {
    try {
      smsru(config as SmsRuConfig)
    } catch (error) {
      return error
    }
    throw new Error('expected a config error')
  }
  expect(invalid({ apiId: '' })).toMatchObject({ code: 'INVALID_CONFIG', details: { key: 'apiId' } })
  expect(invalid({ apiId: 'x', sender: 'ThisIsLongerThan11' })).toMatchObject({ code: 'INVALID_CONFIG', details: { key: 'sender' } })
  expect(invalid({ apiId: 'x', apiKey: 'y' })).toBeInstanceOf(OrdoError)
  expect(Object.isFrozen(sms)).toBe(true)
  expect(sms.id).toBe('smsru')
  expect(sms.capabilities).toEqual({ senderNames: true, statusQuery: true, statusCallbacks: true, deduplicatesByKey: false })
})
