import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { EmailSenderError, OrdoError } from '@ordo/core'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { isRetryableSmtpFailure, smtpEmail } from '../src/index.js'
import { bodyText, decodeWords, PASS, startSmtpSink, USER, type SmtpSink } from './smtp-sink.js'

async function rejection(promise: Promise<unknown>): Promise<EmailSenderError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(EmailSenderError)
    return error as EmailSenderError
  }
  throw new Error('expected the send to be rejected')
}

describe('smtpEmail against a local SMTP server', () => {
  let sink: SmtpSink
  beforeEach(async () => {
    sink = await startSmtpSink()
  })
  afterEach(async () => {
    await sink.close()
  })
  const sender = (overrides: Partial<Parameters<typeof smtpEmail>[0]> = {}) =>
    smtpEmail({ host: '127.0.0.1', port: sink.port, auth: { user: USER, pass: PASS }, from: '"Магазин" <shop@example.ru>', timeoutMs: 2_000, ...overrides })

  test('logs in and delivers subject, text and HTML in UTF-8, with a Message-ID derived from the idempotency key', async () => {
    const email = sender()
    const result = await email.send({
      to: 'anna@example.ru',
      subject: 'Заказ 100245 принят',
      text: 'Здравствуйте, Анна!\n\nВаш заказ 100245 на сумму 13 000 ₽ принят.',
      html: '<p>Заказ <b>100245</b> принят</p>',
      idempotencyKey: '01936f0e-aaaa-7bbb-8ccc-000000000001',
    })
    expect(result.providerMessageId).toBe('<01936f0e-aaaa-7bbb-8ccc-000000000001@example.ru>')
    expect(sink.logins).toBe(1)
    expect(sink.messages).toHaveLength(1)
    const [message] = sink.messages
    expect(message!.from).toBe('shop@example.ru')
    expect(message!.to).toEqual(['anna@example.ru'])
    expect(message!.headers.get('message-id')).toBe(result.providerMessageId)
    expect(decodeWords(message!.headers.get('subject')!)).toBe('Заказ 100245 принят')
    expect(decodeWords(message!.headers.get('from')!)).toContain('Магазин')
    expect(bodyText(message!.raw)).toBe('Здравствуйте, Анна!\n\nВаш заказ 100245 на сумму 13 000 ₽ принят.')
    expect(bodyText(message!.raw, 'text/html')).toBe('<p>Заказ <b>100245</b> принят</p>')
    expect(message!.headers.has('list-unsubscribe')).toBe(false)
  })

  test('marketing messages carry one-click List-Unsubscribe headers', async () => {
    await sender().send({ to: 'anna@example.ru', subject: 'Sale', text: 'Everything -20 %', idempotencyKey: 'm-1', unsubscribeUrl: 'https://shop.example/u?token=abc' })
    const headers = sink.messages[0]!.headers
    expect(headers.get('list-unsubscribe')).toContain('<https://shop.example/u?token=abc>')
    expect(headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click')
  })

  test('a refused login is permanent; a refused mailbox (550) is permanent; a busy mailbox (451) is retryable', async () => {
    const auth = await rejection(sender({ auth: { user: USER, pass: 'wrong' } }).send({ to: 'anna@example.ru', subject: 's', text: 't', idempotencyKey: 'k1' }))
    expect(auth).toMatchObject({ retryable: false, responseCode: 535 })
    const unknown = await rejection(sender().send({ to: 'nobody@example.ru', subject: 's', text: 't', idempotencyKey: 'k2' }))
    expect(unknown).toMatchObject({ retryable: false, responseCode: 550 })
    const busy = await rejection(sender().send({ to: 'busy@example.ru', subject: 's', text: 't', idempotencyKey: 'k3' }))
    expect(busy).toMatchObject({ retryable: true, responseCode: 451 })
    expect(sink.messages).toEqual([])
  })

  test('no server listening and a server that never answers are retryable; an abort signal ends the wait', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer()
      probe.listen(0, '127.0.0.1', () => {
        const port = (probe.address() as AddressInfo).port
        probe.close(() => resolve(port))
      })
    })
    expect(await rejection(sender({ port: closed }).send({ to: 'anna@example.ru', subject: 's', text: 't', idempotencyKey: 'k4' }))).toMatchObject({ retryable: true })

    // A server that accepts the connection and never says hello.
    const silent: Server = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const started = Date.now()
      const timedOut = await rejection(sender({ port: (silent.address() as AddressInfo).port, timeoutMs: 300 }).send({ to: 'anna@example.ru', subject: 's', text: 't', idempotencyKey: 'k5' }))
      expect(timedOut.retryable).toBe(true)
      expect(Date.now() - started).toBeLessThan(3_000)
    } finally {
      silent.close()
    }

    const controller = new AbortController()
    const pending = sender({ timeoutMs: 10_000 }).send({ to: 'hang@example.ru', subject: 's', text: 't', idempotencyKey: 'k6' }, { signal: controller.signal })
    setTimeout(() => controller.abort(), 100)
    const started = Date.now()
    expect(await rejection(pending)).toMatchObject({ retryable: true })
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  test('the config is checked; failures are classified by reply code and nodemailer code', () => {
    expect(() => smtpEmail({ host: '127.0.0.1', from: 'not an address' })).toThrow(OrdoError)
    expect(() => smtpEmail({ host: '', from: 'shop@example.ru' })).toThrow(/host/)
    expect(isRetryableSmtpFailure({ responseCode: 421 })).toBe(true)
    expect(isRetryableSmtpFailure({ responseCode: 554 })).toBe(false)
    expect(isRetryableSmtpFailure({ code: 'ECONNECTION' })).toBe(true)
    expect(isRetryableSmtpFailure({ code: 'EAUTH' })).toBe(false)
  })
})
