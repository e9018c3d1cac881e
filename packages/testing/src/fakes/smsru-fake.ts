import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { SmsCallbackRequest, SmsFakeControl, SmsFakeFault, SmsFakeOutcome, SmsFakeSentMessage } from '../sms-contract.js'

/** Options of {@link startSmsRuFake}. */
export interface SmsRuFakeOptions {
  /** The `api_id` the fake accepts. @default 'test-api-id' */
  apiId?: string
  /** Sender names approved for the account; any other `from` is refused with code 204. @default ['OrdoShop'] */
  approvedSenders?: readonly string[]
  /** The account balance in kopecks, reported after each send. @default 412_256 */
  balance?: number
  /** The price of one SMS part in kopecks. @default 350 */
  pricePerPart?: number
}

/** One message held by the SMS.ru fake. */
export interface SmsRuFakeMessage {
  /** The `sms_id` SMS.ru answered with (`000000-1000001`). */
  smsId: string
  /** The recipient as SMS.ru received it (digits, no `+`). */
  phone: string
  text: string
  sender: string | null
  /** The current SMS.ru status code (100 queued … 103 delivered, 104 expired, 106 phone failure…). */
  statusCode: number
  /** Sent with `test=1`: accepted, not delivered, not charged. */
  test: boolean
  /** When the status last changed. */
  changedAt: Date
}

/** A request the fake received: path and the decoded parameters (query and form body together). */
export interface SmsRuFakeRequest {
  method: string
  path: string
  params: Record<string, string>
}

/** A running SMS.ru fake; see {@link startSmsRuFake}. */
export interface SmsRuFake {
  /** The API origin, to pass as the adapter's `baseUrl`, e.g. `http://127.0.0.1:53121`. */
  readonly url: string
  /** The `api_id` the fake accepts. */
  readonly apiId: string
  /** The controls the SMS contract suite drives. */
  readonly control: SmsFakeControl
  /** Sets a message's SMS.ru status code directly, e.g. 105 (deleted by the operator) or 150 (no route). */
  setStatus(smsId: string, statusCode: number): void
  /** Every message the fake holds, oldest first. */
  messages(): SmsRuFakeMessage[]
  /** Every API request the fake received, oldest first. */
  requests(): SmsRuFakeRequest[]
  /** The balance in kopecks. */
  balance(): number
  /** Stops the server. */
  close(): Promise<void>
}

/** SMS.ru status texts as its status method reports them. */
const STATUS_TEXTS: Record<number, string> = {
  [-1]: 'Сообщение не найдено',
  100: 'Сообщение находится в нашей очереди',
  101: 'Сообщение передается оператору',
  102: 'Сообщение отправлено (в пути)',
  103: 'Сообщение доставлено',
  104: 'Не может быть доставлено: время жизни истекло',
  105: 'Не может быть доставлено: удалено оператором',
  106: 'Не может быть доставлено: сбой в телефоне',
  107: 'Не может быть доставлено: неизвестная причина',
  108: 'Не может быть доставлено: отклонено',
  200: 'Неправильный api_id',
  202: 'Неправильно указан номер телефона получателя, либо на него нет маршрута',
  203: 'Нет текста сообщения',
  204: 'Имя отправителя не согласовано с администрацией',
  205: 'Сообщение слишком длинное (превышает 8 СМС)',
  210: 'Используется GET, где необходимо использовать POST',
  211: 'Метод не найден',
}

const OUTCOME_CODES: Record<SmsFakeOutcome, number> = { delivered: 103, failed: 106, expired: 104 }
const FINAL_CODES = new Set([103, 104, 105, 106, 107, 108])

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

/** SMS.ru counts 70 characters per part for Cyrillic (UCS-2), 67 per part of a long one; 160/153 for plain Latin. */
function partsOf(text: string): number {
  const ucs2 = /[^\u0000-\u007f]/.test(text)
  const [single, multi] = ucs2 ? [70, 67] : [160, 153]
  const length = [...text].length
  return length <= single ? 1 : Math.ceil(length / multi)
}

function rubles(kopecks: number): number {
  // SMS.ru's JSON carries money as a number of rubles with two decimals; built from integers, so exact to print.
  return Number(`${Math.trunc(kopecks / 100)}.${String(Math.abs(kopecks) % 100).padStart(2, '0')}`)
}

/**
 * Starts a loopback fake of the SMS.ru HTTP API on 127.0.0.1 (a free port),
 * built from SMS.ru's public documentation:
 *
 * - `POST|GET /sms/send` with `api_id`, `to` (comma list) and `msg`, or
 *   `multi[phone]=text` / `to[phone]=text`, `from`, `test`, `json=1` →
 *   `{ status, status_code, sms: { phone: { status, status_code, sms_id | status_text } }, balance }`;
 * - `POST|GET /sms/status` with `api_id`, `sms_id` (comma list), `json=1`;
 * - top-level errors (`200` wrong api_id, `203` no text, `211` unknown
 *   method) and per-phone errors (`202` bad recipient, `204` sender not
 *   approved, `205` text longer than 8 parts) with `status_text`; HTTP 200
 *   always, as SMS.ru answers;
 * - delivery callbacks as SMS.ru posts them: form fields `data[N]` holding
 *   `sms_status\n<sms_id>\n<status code>\n<unix time>`, answered with `100`.
 *
 * Russian numbers must have 11 digits and start with 79 (mobile); others
 * 11–15 digits.
 *
 * @example
 * ```ts
 * const fake = await startSmsRuFake({ apiId: 'test-api-id' })
 * const sms = smsru({ apiId: 'test-api-id', baseUrl: fake.url })
 * const { providerMessageId } = await sms.send({ to: '+79161234567', text: 'Привет', idempotencyKey: 'k1' })
 * await fake.control.deliver(providerMessageId, 'delivered')
 * await fake.close()
 * ```
 */
export async function startSmsRuFake(options: SmsRuFakeOptions = {}): Promise<SmsRuFake> {
  const apiId = options.apiId ?? 'test-api-id'
  const approvedSenders = new Set(options.approvedSenders ?? ['OrdoShop'])
  const pricePerPart = options.pricePerPart ?? 350
  let balance = options.balance ?? 412_256

  const messages = new Map<string, SmsRuFakeMessage>()
  const log: SmsRuFakeRequest[] = []
  const faults: SmsFakeFault[] = []
  let losingNextSend = 0
  let counter = 0

  function nextSmsId(): string {
    counter++
    return `${String(202_600 + counter).padStart(6, '0')}-${String(1_000_000 + counter * 7).padStart(7, '0')}`
  }

  function validPhone(digits: string): boolean {
    if (!/^\d{11,15}$/.test(digits)) return false
    if (digits.startsWith('7')) return digits.length === 11 && digits.startsWith('79')
    return true
  }

  function phoneError(code: number): Record<string, unknown> {
    return { status: 'ERROR', status_code: code, status_text: STATUS_TEXTS[code] }
  }

  function send(params: Record<string, string>): { body: Record<string, unknown>; sentAny: boolean } {
    const recipients: [string, string][] = []
    for (const [key, value] of Object.entries(params)) {
      const match = /^(?:multi|to)\[(.+)\]$/.exec(key)
      if (match) recipients.push([match[1]!, value])
    }
    if (recipients.length === 0) {
      const text = params['msg'] ?? ''
      for (const phone of (params['to'] ?? '').split(',').map((p) => p.trim()).filter((p) => p.length > 0)) recipients.push([phone, text])
    }
    if (recipients.length === 0) return { body: phoneError(202), sentAny: false }
    if (recipients.every(([, text]) => text.length === 0)) return { body: phoneError(203), sentAny: false }
    const from = params['from'] !== undefined && params['from'].length > 0 ? params['from'] : null
    const test = params['test'] === '1'
    const sms: Record<string, Record<string, unknown>> = {}
    let sentAny = false
    for (const [phone, text] of recipients) {
      if (!validPhone(phone)) sms[phone] = phoneError(202)
      else if (text.length === 0) sms[phone] = phoneError(203)
      else if (from !== null && !approvedSenders.has(from)) sms[phone] = phoneError(204)
      else if (partsOf(text) > 8) sms[phone] = phoneError(205)
      else {
        const smsId = nextSmsId()
        messages.set(smsId, { smsId, phone, text, sender: from, statusCode: 100, test, changedAt: new Date() })
        if (!test) balance -= partsOf(text) * pricePerPart
        sms[phone] = { status: 'OK', status_code: 100, sms_id: smsId }
        sentAny = true
      }
    }
    return { body: { status: 'OK', status_code: 100, sms, balance: rubles(balance) }, sentAny }
  }

  function status(params: Record<string, string>): Record<string, unknown> {
    const ids = (params['sms_id'] ?? '').split(',').map((id) => id.trim()).filter((id) => id.length > 0)
    const sms: Record<string, Record<string, unknown>> = {}
    for (const id of ids) {
      const found = messages.get(id)
      sms[id] = found
        ? {
            status: 'OK',
            status_code: found.statusCode,
            cost: found.test ? 0 : rubles(partsOf(found.text) * pricePerPart),
            status_text: STATUS_TEXTS[found.statusCode],
          }
        : { status: 'ERROR', status_code: -1, status_text: STATUS_TEXTS[-1] }
    }
    return { status: 'OK', status_code: 100, sms, balance: rubles(balance) }
  }

  function answer(response: ServerResponse, params: Record<string, string>, body: Record<string, unknown>): void {
    if (params['json'] === '1') {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body))
      return
    }
    // Without json=1 SMS.ru answers with lines: the code, then per-recipient ids or codes, then the balance.
    const lines = [String(body['status_code'])]
    const sms = body['sms'] as Record<string, Record<string, unknown>> | undefined
    for (const entry of Object.values(sms ?? {})) lines.push(String(entry['sms_id'] ?? entry['status_code']))
    if (body['balance'] !== undefined) lines.push(`balance=${String(body['balance'])}`)
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(lines.join('\n'))
  }

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://fake')
      const raw = await readBody(request)
      const params: Record<string, string> = {}
      for (const [key, value] of url.searchParams) params[key] = value
      const type = request.headers['content-type'] ?? ''
      if (raw.length > 0 && type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
        for (const [key, value] of new URLSearchParams(raw)) params[key] = value
      }
      const method = request.method ?? 'GET'
      log.push({ method, path: url.pathname, params: { ...params } })

      const fault = faults.shift()
      if (fault === 'network') return void request.socket.destroy()
      if (fault === 'hang') return
      if (fault === 'server_error') {
        response.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>')
        return
      }
      if (fault === 'rate_limited') {
        response.writeHead(429, { 'content-type': 'text/html', 'retry-after': '1' }).end('<html><body><h1>429 Too Many Requests</h1></body></html>')
        return
      }

      if (params['api_id'] !== apiId) return answer(response, params, phoneError(200))
      if (url.pathname === '/sms/send') {
        const { body, sentAny } = send(params)
        if (sentAny && losingNextSend > 0) {
          losingNextSend--
          return void request.socket.destroy()
        }
        return answer(response, params, body)
      }
      if (url.pathname === '/sms/status') return answer(response, params, status(params))
      return answer(response, params, phoneError(211))
    })().catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  function callbackFor(smsId: string, code: number, at: Date): SmsCallbackRequest {
    const entry = ['sms_status', smsId, String(code), String(Math.floor(at.getTime() / 1000))].join('\n')
    return {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: new URLSearchParams({ 'data[0]': entry }).toString(),
      remoteAddress: '94.103.91.10',
    }
  }

  const control: SmsFakeControl = {
    async deliver(providerMessageId, outcome) {
      const found = messages.get(providerMessageId)
      if (!found) throw new Error(`SMS.ru fake: no message ${providerMessageId}`)
      if (FINAL_CODES.has(found.statusCode)) throw new Error(`SMS.ru fake: message ${providerMessageId} already ended with ${found.statusCode}`)
      found.statusCode = OUTCOME_CODES[outcome]
      found.changedAt = new Date()
    },
    sent() {
      return [...messages.values()].map(
        (m): SmsFakeSentMessage => ({ providerMessageId: m.smsId, phone: m.phone, e164: `+${m.phone}`, text: m.text, sender: m.sender }),
      )
    },
    async callback(providerMessageId) {
      const found = messages.get(providerMessageId)
      if (!found) throw new Error(`SMS.ru fake: no message ${providerMessageId}`)
      return callbackFor(found.smsId, found.statusCode, found.changedAt)
    },
    async forgedCallback(providerMessageId) {
      // A claim the status method will not confirm: delivered for what is not, a phone failure for what is.
      const found = messages.get(providerMessageId)
      return callbackFor(providerMessageId, found?.statusCode === 103 ? 106 : 103, new Date())
    },
    failNext(kind, count = 1) {
      for (let i = 0; i < count; i++) {
        if (kind === 'answer_lost') losingNextSend++
        else faults.push(kind)
      }
    },
  }

  return {
    url,
    apiId,
    control,
    setStatus(smsId, statusCode) {
      const found = messages.get(smsId)
      if (!found) throw new Error(`SMS.ru fake: no message ${smsId}`)
      found.statusCode = statusCode
      found.changedAt = new Date()
    },
    messages: () => [...messages.values()].map((m) => ({ ...m })),
    requests: () => log.map((r) => ({ ...r, params: { ...r.params } })),
    balance: () => balance,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
