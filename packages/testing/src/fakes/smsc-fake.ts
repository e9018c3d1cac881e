import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { SmsCallbackRequest, SmsFakeControl, SmsFakeFault, SmsFakeOutcome, SmsFakeSentMessage } from '../sms-contract.js'

/** Options of {@link startSmscFake}. */
export interface SmscFakeOptions {
  /** The login the fake accepts. @default 'ordo-test' */
  login?: string
  /** The password (`psw`) the fake accepts. @default 'test-password' */
  password?: string
  /** Sender names approved for the account; any other `sender` is refused with error 6. @default ['OrdoShop'] */
  approvedSenders?: readonly string[]
  /** The secret incoming-SMS callbacks are signed with (`md5` of `phone:mes:to:secret`). @default 'test-callback-secret' */
  callbackSecret?: string
  /** The account's dedicated number that receives incoming SMS (digits). @default '79300000000' */
  receivingNumber?: string
}

/** One message held by the SMSC fake. */
export interface SmscFakeMessage {
  /** The message id: the client's `id`, or one the fake assigned. */
  id: string
  /** The recipient as the request carried it. */
  phone: string
  /** The recipient's digits after SMSC's formatting (`79161234567`). */
  digits: string
  text: string
  sender: string | null
  /** The charset the text was decoded with. */
  charset: string
  /** The current SMSC status code (−1 waiting, 0 passed to operator, 1 delivered, 3 expired, 20 undeliverable…). */
  status: number
  /** The SMSC error code of a failed status (`err`), 0 otherwise. */
  err: number
  /** When the status last changed. */
  changedAt: Date
}

/** A request the fake received: path and the decoded parameters (query and form body together). */
export interface SmscFakeRequest {
  method: string
  path: string
  params: Record<string, string>
}

/** A running SMSC fake; see {@link startSmscFake}. */
export interface SmscFake {
  /** The API origin, to pass as the adapter's `baseUrl`, e.g. `http://127.0.0.1:53121`. */
  readonly url: string
  /** The login the fake accepts. */
  readonly login: string
  /** The password the fake accepts. */
  readonly password: string
  /** The secret incoming-SMS callbacks are signed with. */
  readonly callbackSecret: string
  /** The controls the SMS contract suite drives. Provider message ids are `<id>:<phone digits>`. */
  readonly control: SmscFakeControl
  /** Every message the fake holds, oldest first. */
  messages(): SmscFakeMessage[]
  /** Every API request the fake received, oldest first. */
  requests(): SmscFakeRequest[]
  /** Stops the server. */
  close(): Promise<void>
}

/** {@link SmsFakeControl} plus an SMSC-specific outcome: the exact status code and error code to report. */
export interface SmscFakeControl extends SmsFakeControl {
  /** Sets a message's SMSC status code (and `err`) directly, e.g. 22 (wrong number) or 25 (unavailable number). */
  setStatus(providerMessageId: string, status: number, err?: number): void
}

/** SMSC error codes of `send.php` and `status.php` with the descriptions the fake answers with. */
const ERRORS: Record<number, string> = {
  1: 'parameters error',
  2: 'authorise error',
  3: 'no money',
  4: 'IP is blocked',
  5: 'invalid date format',
  6: 'message is denied',
  7: 'invalid number',
  8: 'cannot deliver',
  9: 'duplicate request, wait a minute',
}

/** Status and `err` the fake reports for each outcome (20 undeliverable with err 1 "subscriber does not exist", 3 expired). */
const OUTCOMES: Record<SmsFakeOutcome, { status: number; err: number }> = {
  delivered: { status: 1, err: 0 },
  failed: { status: 20, err: 1 },
  expired: { status: 3, err: 0 },
}
const FINAL_STATUSES = new Set([1, 2, 3, 4, 20, 22, 23, 24, 25])
const ID_PATTERN = /^[A-Za-z0-9._-]{1,40}$/

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

/** Splits `a=b&c=d` into raw (still percent-encoded) pairs. */
function rawPairs(encoded: string): [string, string][] {
  return encoded
    .split('&')
    .filter((part) => part.length > 0)
    .map((part) => {
      const at = part.indexOf('=')
      return at < 0 ? [part, ''] : [part.slice(0, at), part.slice(at + 1)]
    })
}

/** Percent-decodes to bytes, then reads them in `charset`, as SMSC does with its `charset` parameter. */
function decodeComponent(value: string, charset: string): string {
  const bytes: number[] = []
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!
    if (c === '+') bytes.push(0x20)
    else if (c === '%' && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16))
      i += 2
    } else bytes.push(...Buffer.from(c, 'utf8'))
  }
  return new TextDecoder(charset).decode(Uint8Array.from(bytes))
}

function formatDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(date.getDate())}.${two(date.getMonth() + 1)}.${date.getFullYear()} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
}

/**
 * Starts a loopback fake of the SMSC.ru HTTP API on 127.0.0.1 (a free port),
 * built from SMSC's public documentation:
 *
 * - `GET|POST /sys/send.php` with `login`, `psw`, `phones`, `mes`, `sender`,
 *   `id` (the client's message id: up to 40 of `A-Z a-z 0-9 . - _`), `charset`
 *   (windows-1251 unless `utf-8` or `koi8-r` is given: a UTF-8 text sent
 *   without `charset=utf-8` arrives garbled, as at SMSC) and `fmt=3` →
 *   `{ id, cnt }` or `{ error, error_code }` (HTTP 200 either way);
 * - `GET|POST /sys/status.php` with `login`, `psw`, `phone`, `id`, `fmt=3` →
 *   `{ status, last_date, last_timestamp, err? }`, status −3 when unknown;
 * - error codes 1 parameters, 2 credentials, 6 sender not approved, 7 invalid
 *   number, 9 the same send request repeated within a minute;
 * - numbers without `+` are auto-formatted (a leading 8 of a Russian number
 *   becomes 7); with `+` they are taken as written;
 * - delivery callbacks as form posts of `id`, `phone`, `status`, `time`, `ts`, `err`;
 * - incoming SMS (replies to the account's dedicated number) as form posts of
 *   `id`, `phone` (the sender), `mes`, `to` (the dedicated number), `sent`,
 *   `time` and `md5` = md5 of `phone:mes:to:<callback secret>`.
 *
 * SMSC does not refuse a second message with an id it has seen: the same id
 * to the same phone sends again, and its status then reports the last one.
 *
 * @example
 * ```ts
 * const fake = await startSmscFake({ login: 'shop', password: 'secret' })
 * const sms = smsc({ login: 'shop', password: 'secret', baseUrl: fake.url })
 * const { providerMessageId } = await sms.send({ to: '+79161234567', text: 'Привет', idempotencyKey: 'k1' })
 * await fake.control.deliver(providerMessageId, 'delivered')
 * await fake.close()
 * ```
 */
export async function startSmscFake(options: SmscFakeOptions = {}): Promise<SmscFake> {
  const login = options.login ?? 'ordo-test'
  const password = options.password ?? 'test-password'
  const approvedSenders = new Set(options.approvedSenders ?? ['OrdoShop'])
  const callbackSecret = options.callbackSecret ?? 'test-callback-secret'
  const receivingNumber = options.receivingNumber ?? '79300000000'
  let incomingCounter = 0

  const messages: SmscFakeMessage[] = []
  const log: SmscFakeRequest[] = []
  const recentSends = new Map<string, number>()
  const faults: SmsFakeFault[] = []
  let losingNextSend = 0
  let counter = 0

  const keyOf = (id: string, digits: string) => `${id}:${digits}`
  const lastOf = (id: string, digits: string) => messages.filter((m) => m.id === id && m.digits === digits).at(-1)

  function find(providerMessageId: string): SmscFakeMessage {
    const at = providerMessageId.lastIndexOf(':')
    const found = at < 0 ? undefined : lastOf(providerMessageId.slice(0, at), providerMessageId.slice(at + 1))
    if (!found) throw new Error(`SMSC fake: no message ${providerMessageId}`)
    return found
  }

  function digitsOf(phone: string): string | null {
    const trimmed = phone.trim()
    let digits = trimmed.replace(/^\+/, '')
    if (!/^\d+$/.test(digits)) return null
    // Without "+", SMSC's auto-formatting fixes a domestic 8-prefix.
    if (!trimmed.startsWith('+') && digits.length === 11 && digits.startsWith('8')) digits = `7${digits.slice(1)}`
    if (digits.length < 11 || digits.length > 15) return null
    if (digits.startsWith('7') && !(digits.length === 11 && digits.startsWith('79'))) return null
    return digits
  }

  type Reply = Record<string, unknown>
  const error = (code: number): Reply => ({ error: ERRORS[code], error_code: code })

  function send(params: Record<string, string>, charset: string): { reply: Reply; sent: boolean } {
    const phones = (params['phones'] ?? '').split(/[,;]/).map((p) => p.trim()).filter((p) => p.length > 0)
    const text = params['mes'] ?? ''
    if (phones.length === 0 || text.length === 0) return { reply: error(1), sent: false }
    const id = params['id'] ?? ''
    if (id.length > 0 && !ID_PATTERN.test(id)) return { reply: error(1), sent: false }
    const sender = params['sender'] !== undefined && params['sender'].length > 0 ? params['sender'] : null
    if (sender !== null && !approvedSenders.has(sender)) return { reply: error(6), sent: false }
    const digits = phones.map(digitsOf)
    if (digits.some((d) => d === null)) return { reply: error(7), sent: false }

    // SMSC refuses the same send request repeated within a minute (error 9).
    const fingerprint = JSON.stringify(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)))
    const previous = recentSends.get(fingerprint)
    if (previous !== undefined && Date.now() - previous < 60_000) return { reply: error(9), sent: false }
    recentSends.set(fingerprint, Date.now())

    const messageId = id.length > 0 ? id : String(++counter)
    phones.forEach((phone, index) => {
      messages.push({ id: messageId, phone, digits: digits[index]!, text, sender, charset, status: -1, err: 0, changedAt: new Date() })
    })
    const parts = /[^\u0000-\u007f]/.test(text) ? Math.ceil([...text].length / 67) || 1 : Math.ceil(text.length / 153) || 1
    return { reply: { id: id.length > 0 ? messageId : Number(messageId), cnt: parts * phones.length }, sent: true }
  }

  function status(params: Record<string, string>): Reply {
    const id = params['id'] ?? ''
    // A number no message could have been sent to is simply not found.
    const digits = digitsOf(params['phone'] ?? '') ?? (params['phone'] ?? '').replace(/^\+/, '')
    if (id.length === 0 || !/^\d+$/.test(digits)) return error(1)
    const found = lastOf(id, digits)
    if (!found) return { status: -3, last_date: '', last_timestamp: 0 }
    return {
      status: found.status,
      last_date: formatDate(found.changedAt),
      last_timestamp: Math.floor(found.changedAt.getTime() / 1000),
      ...(found.err !== 0 ? { err: found.err } : {}),
    }
  }

  function answer(response: ServerResponse, params: Record<string, string>, reply: Reply): void {
    if (params['fmt'] === '3') {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(reply))
      return
    }
    // The default fmt=0 answer is a line of text.
    const text =
      reply['error_code'] !== undefined
        ? `ERROR = ${String(reply['error_code'])} (${String(reply['error'])})`
        : reply['cnt'] !== undefined
          ? `OK - ${String(reply['cnt'])} SMS, ID - ${String(reply['id'])}`
          : `Status = ${String(reply['status'])}`
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(text)
  }

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://fake')
      const body = await readBody(request)
      const type = (request.headers['content-type'] ?? '').toLowerCase()
      const pairs = [...rawPairs(url.search.slice(1))]
      if (body.length > 0 && type.startsWith('application/x-www-form-urlencoded')) pairs.push(...rawPairs(body.toString('latin1')))
      const declared = pairs.find(([key]) => decodeComponent(key, 'utf-8') === 'charset')
      const charsetParam = declared ? decodeComponent(declared[1], 'utf-8').toLowerCase() : 'windows-1251'
      const charset = ['utf-8', 'koi8-r', 'windows-1251'].includes(charsetParam) ? charsetParam : 'windows-1251'
      const params: Record<string, string> = {}
      for (const [key, value] of pairs) params[decodeComponent(key, charset)] = decodeComponent(value, charset)
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

      if (url.pathname !== '/sys/send.php' && url.pathname !== '/sys/status.php') {
        response.writeHead(404, { 'content-type': 'text/html' }).end('<html><body><h1>404 Not Found</h1></body></html>')
        return
      }
      if (params['login'] !== login || params['psw'] !== password) return answer(response, params, error(2))
      if (url.pathname === '/sys/status.php') return answer(response, params, status(params))
      const { reply, sent } = send(params, charset)
      if (sent && losingNextSend > 0) {
        losingNextSend--
        return void request.socket.destroy()
      }
      return answer(response, params, reply)
    })().catch((failure: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(failure))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  function callbackFor(id: string, digits: string, statusCode: number, err: number, at: Date): SmsCallbackRequest {
    const ts = Math.floor(at.getTime() / 1000)
    const form = new URLSearchParams({ id, phone: digits, status: String(statusCode), time: String(ts), ts: String(ts), err: String(err) })
    return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: form.toString(), remoteAddress: '212.24.33.196' }
  }

  function incomingFor(from: string, text: string, secret: string): SmsCallbackRequest {
    const phone = from.replace(/^\+/, '')
    const ts = String(Math.floor(Date.now() / 1000))
    const md5 = createHash('md5').update(`${phone}:${text}:${receivingNumber}:${secret}`, 'utf8').digest('hex')
    const form = new URLSearchParams({ id: String(++incomingCounter), phone, mes: text, to: receivingNumber, sent: ts, time: ts, md5 })
    return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: form.toString(), remoteAddress: '212.24.33.196' }
  }

  const control: SmscFakeControl = {
    async deliver(providerMessageId, outcome) {
      const found = find(providerMessageId)
      if (FINAL_STATUSES.has(found.status)) throw new Error(`SMSC fake: message ${providerMessageId} already ended with ${found.status}`)
      found.status = OUTCOMES[outcome].status
      found.err = OUTCOMES[outcome].err
      found.changedAt = new Date()
    },
    setStatus(providerMessageId, statusCode, err = 0) {
      const found = find(providerMessageId)
      found.status = statusCode
      found.err = err
      found.changedAt = new Date()
    },
    sent() {
      return messages.map(
        (m): SmsFakeSentMessage => ({ providerMessageId: keyOf(m.id, m.digits), phone: m.phone, e164: `+${m.digits}`, text: m.text, sender: m.sender }),
      )
    },
    async callback(providerMessageId) {
      const found = find(providerMessageId)
      return callbackFor(found.id, found.digits, found.status, found.err, found.changedAt)
    },
    async forgedCallback(providerMessageId) {
      // A claim status.php will not confirm: delivered for what is not, undeliverable for what is.
      const at = providerMessageId.lastIndexOf(':')
      const id = at < 0 ? providerMessageId : providerMessageId.slice(0, at)
      const digits = at < 0 ? '79160000000' : providerMessageId.slice(at + 1)
      const found = lastOf(id, digits)
      return found?.status === 1 ? callbackFor(id, digits, 20, 1, new Date()) : callbackFor(id, digits, 1, 0, new Date())
    },
    async reply(from, text) {
      return incomingFor(from, text, callbackSecret)
    },
    async forgedReply(from, text) {
      // Signed with a secret that is not the account's.
      return incomingFor(from, text, `not-${callbackSecret}`)
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
    login,
    password,
    callbackSecret,
    control,
    messages: () => messages.map((m) => ({ ...m })),
    requests: () => log.map((r) => ({ ...r, params: { ...r.params } })),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((failure) => (failure ? reject(failure) : resolve()))
        server.closeAllConnections()
      }),
  }
}
