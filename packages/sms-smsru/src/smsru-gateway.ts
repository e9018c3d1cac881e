import {
  SmsGatewayError,
  type ParsedSmsCallback,
  type SmsGateway,
  type SmsGatewayCapabilities,
  type SmsMessage,
  type SmsStatusReport,
} from '@ordo/core'
import { z } from 'zod'
import { resolveSmsRuConfig, type ResolvedSmsRuConfig, type SmsRuConfig } from './smsru-config.js'
import { SMSRU_FINAL_CODES, SMSRU_RETRYABLE_CODES, SMSRU_STATUS_CODES, smsruStatus } from './smsru-codes.js'

/** Per-call options of an {@link SmsRuGateway} (the port's `SmsGatewayCallOptions`). */
export interface SmsRuCallOptions {
  /** Aborts the HTTP request; the call then rejects with a retryable `SmsGatewayError`. */
  signal?: AbortSignal | undefined
}

/** The `SmsGateway` {@link smsru} returns: every optional part implemented, and calls that take an abort signal. */
export interface SmsRuGateway extends SmsGateway {
  /** `senderNames`, `statusQuery` and `statusCallbacks` are true; `deduplicatesByKey` is false (SMS.ru has no client message id). */
  readonly capabilities: SmsGatewayCapabilities
  /** Sends one message through `/sms/send`. */
  send(message: SmsMessage, options?: SmsRuCallOptions): Promise<{ providerMessageId: string }>
  /** Reads statuses through `/sms/status`; ids SMS.ru does not know (code −1) are left out of the result. */
  getStatus(providerMessageIds: string[], options?: SmsRuCallOptions): Promise<SmsStatusReport[]>
  /** Reads an SMS.ru callback post, confirming each claim with `/sms/status`. */
  parseCallback(request: { headers: Record<string, string | undefined>; rawBody: string; remoteAddress?: string | null }): Promise<ParsedSmsCallback>
}

const E164 = /^\+[1-9]\d{6,14}$/
const TEXT = 'text/plain; charset=utf-8'

const entrySchema = z.looseObject({
  status: z.string(),
  status_code: z.coerce.number(),
  status_text: z.string().optional(),
  sms_id: z.string().optional(),
})

const answerSchema = z.looseObject({
  status: z.string(),
  status_code: z.coerce.number(),
  status_text: z.string().optional(),
  sms: z.record(z.string(), entrySchema).optional(),
})

type Entry = z.infer<typeof entrySchema>

function vendorError(what: string, entry: { status_code: number; status_text?: string | undefined }): SmsGatewayError {
  const code = entry.status_code
  return new SmsGatewayError(`${what}: SMS.ru code ${code}${entry.status_text ? ` (${entry.status_text})` : ''}`, {
    retryable: SMSRU_RETRYABLE_CODES.has(code),
    status: 200,
    vendorCode: String(code),
  })
}

function reject(reason: string): ParsedSmsCallback {
  return { ok: false, reason, response: { status: 400, body: '', contentType: TEXT } }
}

class SmsRuClient {
  readonly #config: ResolvedSmsRuConfig

  constructor(config: ResolvedSmsRuConfig) {
    this.#config = config
  }

  /** POSTs a form to an SMS.ru method with `api_id` and `json=1`; resolves with an answer whose top level is OK. */
  async call(method: '/sms/send' | '/sms/status', fields: Record<string, string>, signal: AbortSignal | undefined) {
    const what = `SMS.ru ${method}`
    const timeout = AbortSignal.timeout(this.#config.timeoutMs)
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
    const body = new URLSearchParams({ api_id: this.#config.apiId, ...fields, json: '1' })
    let response: Response
    let text: string
    try {
      combined.throwIfAborted()
      response = await this.#config.fetch(`${this.#config.baseUrl}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        signal: combined,
      })
      text = await response.text()
    } catch (error) {
      // Network failure, timeout or abort: whether SMS.ru took the message is unknown.
      throw new SmsGatewayError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { retryable: true, cause: error })
    }
    if (!response.ok) {
      throw new SmsGatewayError(`${what}: HTTP ${response.status}`, {
        retryable: response.status >= 500 || response.status === 429,
        status: response.status,
      })
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (error) {
      throw new SmsGatewayError(`${what}: the answer is not JSON`, { retryable: false, status: response.status, cause: error })
    }
    const parsed = answerSchema.safeParse(json)
    if (!parsed.success) {
      throw new SmsGatewayError(`${what}: unexpected answer shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
        retryable: false,
        status: response.status,
        cause: parsed.error,
      })
    }
    if (parsed.data.status !== 'OK') throw vendorError(what, parsed.data)
    return parsed.data
  }
}

/**
 * The SMS.ru gateway, speaking its HTTP API (`/sms/send`, `/sms/status`,
 * `json=1`) over `fetch`.
 *
 * - Phones go out as SMS.ru writes them: the E.164 digits without `+`
 *   (`79161234567`); a number that is not E.164 is refused before any call.
 * - The sender is the message's `sender`, else the config's, else the
 *   account's default; SMS.ru refuses names it has not approved.
 * - **Idempotency**: SMS.ru has no client message id, so a repeated
 *   `idempotencyKey` cannot be recognised, and `capabilities.deduplicatesByKey`
 *   is false: the engine never sends a message it recorded `sent` again, but a
 *   retry after a lost answer (timeout, crash before its commit) may send a
 *   second SMS.
 * - Incoming SMS: SMS.ru's callbacks carry only delivery statuses
 *   (`sms_status`) and call-check statuses (`callcheck_status`); it documents
 *   no callback for replies, so `parseCallback` never returns `replies`.
 * - Errors: HTTP 5xx/429, network errors, timeouts, aborts and SMS.ru codes
 *   220, 500, 206 and 230–233 are retryable; other codes (200 wrong api_id,
 *   202 bad number, 204 sender not approved…) are not. The code is the
 *   error's `vendorCode`.
 * - Status mapping (see {@link SMSRU_STATUS_CODES}): 100–102 `sent`, 103 and
 *   110 `delivered`, 104 `expired`, 105–108 and 150 `failed`.
 * - Callbacks: SMS.ru posts `data[N]` fields of `sms_status\n<id>\n<code>\n<unix time>`
 *   and expects the answer `100`. The post carries no signature this adapter
 *   can check, so each claim is confirmed with `/sms/status`: a claim the API
 *   contradicts, or about an unknown message, rejects the whole post; an
 *   outdated intermediate status is acknowledged and dropped.
 *
 * `send` and `getStatus` honour the port's optional `{ signal }` and are also
 * bounded by `timeoutMs`.
 *
 * @example
 * ```ts
 * import { createCommerce } from '@ordo/core'
 * import { smsru } from '@ordo/sms-smsru'
 *
 * const sms = smsru({ apiId: process.env.SMSRU_API_ID!, sender: 'MyShop' })
 * const shop = await createCommerce({ storage, currency: 'RUB', notify: { sms } })
 * ```
 */
export function smsru(config: SmsRuConfig): SmsRuGateway {
  const resolved = resolveSmsRuConfig(config)
  const client = new SmsRuClient(resolved)

  async function fetchEntries(ids: readonly string[], signal: AbortSignal | undefined): Promise<Map<string, Entry>> {
    const entries = new Map<string, Entry>()
    // SMS.ru takes up to 100 ids per status request.
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100)
      const answer = await client.call('/sms/status', { sms_id: chunk.join(',') }, signal)
      for (const id of chunk) {
        const entry = answer.sms?.[id]
        if (entry) entries.set(id, entry)
      }
    }
    return entries
  }

  const gateway: SmsRuGateway = {
    id: resolved.id,
    capabilities: Object.freeze({ senderNames: true, statusQuery: true, statusCallbacks: true, deduplicatesByKey: false }),

    async send(message, options) {
      if (!E164.test(message.to)) {
        throw new SmsGatewayError(`SMS.ru: "${message.to}" is not a phone number in E.164 (+79161234567)`, { retryable: false })
      }
      if (message.text.length === 0) throw new SmsGatewayError('SMS.ru: the message text is empty', { retryable: false })
      const phone = message.to.slice(1)
      const sender = message.sender ?? resolved.sender
      const fields: Record<string, string> = { to: phone, msg: message.text }
      if (sender !== null) fields['from'] = sender
      if (resolved.test) fields['test'] = '1'
      const answer = await client.call('/sms/send', fields, options?.signal)
      const entry = answer.sms?.[phone]
      if (!entry) throw new SmsGatewayError(`SMS.ru /sms/send: the answer has no entry for ${phone}`, { retryable: false, status: 200 })
      if (entry.status !== 'OK') throw vendorError(`SMS.ru /sms/send to ${phone}`, entry)
      if (!entry.sms_id) throw new SmsGatewayError('SMS.ru /sms/send: the answer has no sms_id', { retryable: false, status: 200 })
      return { providerMessageId: entry.sms_id }
    },

    async getStatus(providerMessageIds, options) {
      const entries = await fetchEntries(providerMessageIds, options?.signal)
      const reports: SmsStatusReport[] = []
      for (const id of providerMessageIds) {
        const entry = entries.get(id)
        if (!entry || entry.status !== 'OK') continue
        reports.push(toReport(id, entry.status_code, null))
      }
      return reports
    },

    async parseCallback(request) {
      const form = new URLSearchParams(request.rawBody)
      const data = [...form].filter(([key]) => /^data\[\d*\]$/.test(key)).map(([, value]) => value)
      if (data.length === 0) return reject('the post has no data[] fields')
      const claims: { id: string; code: number; at: Date | null }[] = []
      for (const entry of data) {
        const lines = entry.replace(/\r/g, '').split('\n')
        // Other record types (e.g. call checks) are not about SMS delivery.
        if (lines[0] !== 'sms_status') continue
        const id = lines[1] ?? ''
        const code = Number(lines[2])
        if (id.length === 0 || !Number.isInteger(code)) return reject(`malformed sms_status record: ${JSON.stringify(entry)}`)
        const seconds = Number(lines[3])
        claims.push({ id, code, at: Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : null })
      }
      const ok = (reports: SmsStatusReport[]): ParsedSmsCallback => ({ ok: true, reports, response: { status: 200, body: '100', contentType: TEXT } })
      if (claims.length === 0) return ok([])

      const entries = await fetchEntries([...new Set(claims.map((c) => c.id))], undefined)
      const reports: SmsStatusReport[] = []
      for (const claim of claims) {
        const entry = entries.get(claim.id)
        if (!entry || entry.status !== 'OK') return reject(`message ${claim.id} is unknown to SMS.ru`)
        if (entry.status_code === claim.code) {
          reports.push(toReport(claim.id, claim.code, claim.at))
          continue
        }
        // A late intermediate status is genuine but outdated; a final claim the API contradicts is not genuine.
        if (!SMSRU_FINAL_CODES.has(claim.code)) continue
        return reject(`callback claims code ${claim.code} for ${claim.id}, SMS.ru reports ${entry.status_code}`)
      }
      return ok(reports)
    },
  }
  return Object.freeze(gateway)
}

function toReport(providerMessageId: string, code: number, at: Date | null): SmsStatusReport {
  const status = smsruStatus(code)
  return {
    providerMessageId,
    status,
    rawStatus: String(code),
    at,
    ...(status === 'failed' || status === 'expired' ? { error: SMSRU_STATUS_CODES[code]?.text ?? `SMS.ru status ${code}` } : {}),
  }
}
