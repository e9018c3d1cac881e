import { createHash, timingSafeEqual } from 'node:crypto'
import {
  SmsGatewayError,
  type ParsedSmsCallback,
  type SmsGateway,
  type SmsGatewayCapabilities,
  type SmsMessage,
  type SmsStatusReport,
} from '@ordo/core'
import { z } from 'zod'
import { resolveSmscConfig, type ResolvedSmscConfig, type SmscConfig } from './smsc-config.js'
import { SMSC_FINAL_CODES, SMSC_RETRYABLE_ERRORS, SMSC_STATUS_CODES, smscMessageId, smscStatus } from './smsc-codes.js'

/** Per-call options of an {@link SmscGateway} (the port's `SmsGatewayCallOptions`). */
export interface SmscCallOptions {
  /** Aborts the HTTP request; the call then rejects with a retryable `SmsGatewayError`. */
  signal?: AbortSignal | undefined
}

/** The `SmsGateway` {@link smsc} returns: every optional part implemented, and calls that take an abort signal. */
export interface SmscGateway extends SmsGateway {
  /** `senderNames`, `statusQuery`, `statusCallbacks` and `deduplicatesByKey` are all true. */
  readonly capabilities: SmsGatewayCapabilities
  /** Sends one message through `send.php` under an id derived from its idempotency key, unless SMSC already has it. */
  send(message: SmsMessage, options?: SmscCallOptions): Promise<{ providerMessageId: string }>
  /** Reads statuses through `status.php`; ids SMSC does not know (status −3) are left out of the result. */
  getStatus(providerMessageIds: string[], options?: SmscCallOptions): Promise<SmsStatusReport[]>
  /** Reads an SMSC callback: a delivery report, confirmed with `status.php`, or an incoming SMS, checked by its `md5` signature. */
  parseCallback(request: { headers: Record<string, string | undefined>; rawBody: string; remoteAddress?: string | null }): Promise<ParsedSmsCallback>
}

const E164 = /^\+[1-9]\d{6,14}$/
const TEXT = 'text/plain; charset=utf-8'

const errorSchema = z.looseObject({ error: z.string().optional(), error_code: z.coerce.number() })
const sendSchema = z.looseObject({ id: z.union([z.string(), z.number()]), cnt: z.coerce.number() })
const statusSchema = z.looseObject({
  status: z.coerce.number(),
  last_timestamp: z.coerce.number().optional(),
  err: z.coerce.number().optional(),
})
type StatusAnswer = z.infer<typeof statusSchema>

function reject(reason: string): ParsedSmsCallback {
  return { ok: false, reason, response: { status: 400, body: '', contentType: TEXT } }
}

/** `<id>:<phone digits>` → its parts; SMSC needs both to find a message. */
function splitId(providerMessageId: string): { id: string; digits: string } | null {
  const at = providerMessageId.lastIndexOf(':')
  if (at <= 0) return null
  const id = providerMessageId.slice(0, at)
  const digits = providerMessageId.slice(at + 1)
  return /^\d{7,15}$/.test(digits) ? { id, digits } : null
}

class SmscClient {
  readonly #config: ResolvedSmscConfig

  constructor(config: ResolvedSmscConfig) {
    this.#config = config
  }

  /** POSTs a form to `/sys/<method>` with credentials, `fmt=3` and `charset=utf-8`; resolves with a JSON answer that is not an error. */
  async call<T>(schema: z.ZodType<T>, method: 'send.php' | 'status.php', fields: Record<string, string>, signal: AbortSignal | undefined): Promise<T> {
    const what = `SMSC ${method}`
    const timeout = AbortSignal.timeout(this.#config.timeoutMs)
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
    const body = new URLSearchParams({ login: this.#config.login, psw: this.#config.password, ...fields, fmt: '3', charset: 'utf-8' })
    let response: Response
    let text: string
    try {
      combined.throwIfAborted()
      response = await this.#config.fetch(`${this.#config.baseUrl}/sys/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'application/json' },
        body: body.toString(),
        signal: combined,
      })
      text = await response.text()
    } catch (error) {
      // Network failure, timeout or abort: whether SMSC took the message is unknown.
      throw new SmsGatewayError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { retryable: true, cause: error })
    }
    if (!response.ok) {
      throw new SmsGatewayError(`${what}: HTTP ${response.status}`, { retryable: response.status >= 500 || response.status === 429, status: response.status })
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (error) {
      throw new SmsGatewayError(`${what}: the answer is not JSON`, { retryable: false, status: response.status, cause: error })
    }
    const failure = errorSchema.safeParse(json)
    if (failure.success) {
      const code = failure.data.error_code
      throw new SmsGatewayError(`${what}: SMSC error ${code}${failure.data.error ? ` (${failure.data.error})` : ''}`, {
        retryable: SMSC_RETRYABLE_ERRORS.has(code),
        status: response.status,
        vendorCode: String(code),
      })
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      throw new SmsGatewayError(`${what}: unexpected answer shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
        retryable: false,
        status: response.status,
        cause: parsed.error,
      })
    }
    return parsed.data
  }
}

/**
 * The SMSC.ru gateway, speaking its HTTP API (`/sys/send.php`,
 * `/sys/status.php`, `fmt=3`, `charset=utf-8`) over `fetch`.
 *
 * - Phones go out in E.164 with the `+` (`+79161234567`), which turns SMSC's
 *   number auto-correction off; a number that is not E.164 is refused before
 *   any call.
 * - **Idempotency**: every message is sent under our own SMSC `id`, derived
 *   from its `idempotencyKey` ({@link smscMessageId}). SMSC itself sends a
 *   repeated id again, so before sending the gateway asks `status.php` for
 *   that id and phone: if SMSC has it, the earlier message's id is returned
 *   and nothing is sent. A retry after a lost answer therefore does not send
 *   twice; two calls with one key racing each other can (SMSC's own
 *   duplicate guard, error 9, catches identical requests within a minute).
 * - The provider message id is `<SMSC id>:<phone digits>`, because
 *   `status.php` needs both.
 * - Errors: HTTP 5xx/429, network errors, timeouts, aborts and SMSC errors 4
 *   and 9 are retryable; the others (2 credentials, 6 denied, 7 invalid
 *   number…) are not. The code is the error's `vendorCode`.
 * - Status mapping (see {@link SMSC_STATUS_CODES}): −1 and 0 `sent`; 1, 2
 *   and 4 `delivered`; 3 `expired`; 20, 22–25 `failed`, with SMSC's `err`
 *   code in the report's `error`.
 * - Callbacks: SMSC posts `id`, `phone`, `status`, `err` and the time to the
 *   URL set in the account. This adapter confirms the claim with
 *   `status.php` (a contradicted final status or an unknown message is
 *   rejected; an outdated intermediate one is acknowledged and dropped).
 * - Incoming SMS: SMSC also posts SMS received on the account's dedicated
 *   numbers to that URL (`phone`, `mes`, `to`, `md5`). With `callbackSecret`
 *   set, a post whose `md5` matches becomes a reply (`STOP` withdraws
 *   marketing consent); without it, or with a wrong `md5`, it is refused.
 *
 * `send` and `getStatus` honour the port's optional `{ signal }` and are also
 * bounded by `timeoutMs`.
 *
 * @example
 * ```ts
 * import { createCommerce } from '@ordo/core'
 * import { smsc } from '@ordo/sms-smsc'
 *
 * const sms = smsc({ login: process.env.SMSC_LOGIN!, password: process.env.SMSC_PASSWORD!, sender: 'MyShop' })
 * const shop = await createCommerce({ storage, currency: 'RUB', notify: { sms } })
 * ```
 */
export function smsc(config: SmscConfig): SmscGateway {
  const resolved = resolveSmscConfig(config)
  const client = new SmscClient(resolved)

  const lookup = (id: string, digits: string, signal: AbortSignal | undefined): Promise<StatusAnswer> =>
    client.call(statusSchema, 'status.php', { id, phone: digits }, signal)

  const gateway: SmscGateway = {
    id: resolved.id,
    capabilities: Object.freeze({ senderNames: true, statusQuery: true, statusCallbacks: true, deduplicatesByKey: true }),

    async send(message, options) {
      if (!E164.test(message.to)) {
        throw new SmsGatewayError(`SMSC: "${message.to}" is not a phone number in E.164 (+79161234567)`, { retryable: false })
      }
      if (message.text.length === 0) throw new SmsGatewayError('SMSC: the message text is empty', { retryable: false })
      const digits = message.to.slice(1)
      const id = smscMessageId(message.idempotencyKey)
      const known = await lookup(id, digits, options?.signal)
      if (known.status !== -3) return { providerMessageId: `${id}:${digits}` }

      const sender = message.sender ?? resolved.sender
      const fields: Record<string, string> = { phones: message.to, mes: message.text, id }
      if (sender !== null) fields['sender'] = sender
      const sent = await client.call(sendSchema, 'send.php', fields, options?.signal)
      return { providerMessageId: `${String(sent.id)}:${digits}` }
    },

    async getStatus(providerMessageIds, options) {
      const reports: SmsStatusReport[] = []
      for (const providerMessageId of providerMessageIds) {
        const parts = splitId(providerMessageId)
        if (parts === null) {
          throw new SmsGatewayError(`SMSC: "${providerMessageId}" is not a message id of this gateway (<id>:<phone digits>)`, { retryable: false })
        }
        const answer = await lookup(parts.id, parts.digits, options?.signal)
        if (answer.status === -3) continue
        const at = answer.last_timestamp ? new Date(answer.last_timestamp * 1000) : null
        reports.push(toReport(providerMessageId, answer.status, answer.err ?? 0, at))
      }
      return reports
    },

    async parseCallback(request) {
      const form = new URLSearchParams(request.rawBody)
      if (form.has('mes')) return incoming(form)
      const id = form.get('id') ?? ''
      const digits = (form.get('phone') ?? '').replace(/^\+/, '')
      const claimed = Number(form.get('status'))
      if (id.length === 0 || !/^\d{7,15}$/.test(digits) || form.get('status') === null || !Number.isInteger(claimed)) {
        return reject('the post is not an SMSC status callback (id, phone, status)')
      }
      const answer = await lookup(id, digits, undefined)
      if (answer.status === -3) return reject(`message ${id} to ${digits} is unknown to SMSC`)
      const providerMessageId = `${id}:${digits}`
      const ok = (reports: SmsStatusReport[]): ParsedSmsCallback => ({ ok: true, reports, response: { status: 200, body: 'OK', contentType: TEXT } })
      if (answer.status === claimed) {
        const seconds = Number(form.get('ts') ?? form.get('time'))
        const at = Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : null
        return ok([toReport(providerMessageId, claimed, Number(form.get('err') ?? 0) || 0, at)])
      }
      // A late intermediate status is genuine but outdated; a final claim the API contradicts is not genuine.
      if (!SMSC_FINAL_CODES.has(claimed)) return ok([])
      return reject(`callback claims status ${claimed} for ${providerMessageId}, SMSC reports ${answer.status}`)
    },
  }
  /** An incoming SMS (a reply to a dedicated number): `phone` sent `mes` to `to`, signed with `md5`. */
  function incoming(form: URLSearchParams): ParsedSmsCallback {
    const phone = form.get('phone') ?? ''
    const mes = form.get('mes') ?? ''
    const to = form.get('to') ?? ''
    const digits = phone.replace(/^\+/, '')
    if (!/^\d{7,15}$/.test(digits)) return reject('the incoming SMS has no sender phone')
    if (resolved.callbackSecret === null) return reject('an incoming SMS cannot be verified: set callbackSecret')
    const expected = createHash('md5').update(`${phone}:${mes}:${to}:${resolved.callbackSecret}`, 'utf8').digest()
    const given = Buffer.from((form.get('md5') ?? '').toLowerCase(), 'hex')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reject('the incoming SMS has no valid md5 signature')
    return { ok: true, reports: [], replies: [{ from: `+${digits}`, text: mes }], response: { status: 200, body: 'OK', contentType: TEXT } }
  }

  return Object.freeze(gateway)
}

function toReport(providerMessageId: string, code: number, err: number, at: Date | null): SmsStatusReport {
  const status = smscStatus(code)
  const failed = status === 'failed' || status === 'expired'
  const text = SMSC_STATUS_CODES[code]?.text ?? `SMSC status ${code}`
  return {
    providerMessageId,
    status,
    rawStatus: String(code),
    at,
    ...(failed ? { error: err !== 0 ? `${text} (SMSC err ${err})` : text } : {}),
  }
}
