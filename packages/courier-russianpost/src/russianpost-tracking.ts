import { CourierError } from '@ordo/core'
// The batch tracking service speaks SOAP 1.1 only. XML is read and written
// with fast-xml-parser (a maintained, dependency-free parser and builder)
// rather than by hand: namespace prefixes vary between answers, attribute
// values need escaping and unescaping, and a hand-rolled regex parser breaks
// on the first answer shaped a little differently.
import { XMLBuilder, XMLParser } from 'fast-xml-parser'
import { networkError, throwIfAborted } from './russianpost-client.js'
import type { ResolvedRussianPostConfig } from './russianpost-config.js'

const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/'
const POSTSERVER_NS = 'http://fclient.russianpost.org/postserver'
const FCLIENT_NS = 'http://fclient.russianpost.org'

/** Most parcels one ticket may ask about (getTicket, "до 3000 идентификаторов"). */
export const RUSSIAN_POST_MAX_TICKET_ITEMS = 3000

/** Ticket answers are kept by the service for 32 hours; a pending ticket older than this is asked for anew. */
const TICKET_LIFETIME_MS = 30 * 3600_000

/** Error codes of the batch service (ErrorTypeID) the adapter acts on. */
const TRACKING_ERRORS = {
  BAD_FORMAT: 2,
  UNAUTHORIZED: 3,
  NOT_READY: 6,
  NO_DATA: 12,
  INTERNAL: 16,
  EXPIRED: 17,
  TOO_MANY: 18,
} as const

/** One operation in a parcel's history, as the batch service reports it. */
export interface TrackingOperation {
  type: number
  attribute: number
  name: string
  /** `DateOper`, the local time of the post office, read as Moscow time (UTC+3). */
  date: Date
  postalCode: string | null
}

/** What one ticket answered for one barcode: its operations, or nothing known. */
export type TrackingAnswer = { barcode: string; operations: TrackingOperation[] } | { barcode: string; operations: null; errorCode: number }

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  // Tickets and barcodes are digit strings that must not turn into numbers.
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === 'Item' || name === 'Operation',
})

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true })

type XmlNode = Record<string, unknown>

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function envelope(body: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build({
    'soapenv:Envelope': {
      '@_xmlns:soapenv': SOAP_ENV,
      '@_xmlns:pos': POSTSERVER_NS,
      '@_xmlns:fcl': FCLIENT_NS,
      'soapenv:Header': '',
      'soapenv:Body': body,
    },
  })}`
}

/** `"17.09.2015 17:20:48"` (post office local time) → a Date, read as Moscow time; null when malformed. */
export function parseOperationDate(text: string): Date | null {
  const match = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim())
  if (!match) return null
  const [, day, month, year, hour, minute, second] = match
  // The service gives no zone; most of the network is within a few hours of Moscow, the zone of its own timestamps.
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second ?? '00'}+03:00`)
  return Number.isNaN(date.getTime()) ? null : date
}

function bodyOf(xml: string, what: string, status: number): XmlNode {
  let doc: unknown
  try {
    doc = parser.parse(xml)
  } catch (error) {
    throw new CourierError(`${what}: HTTP ${status} with a body that is not XML`, { retryable: status >= 500, status, cause: error })
  }
  const env = isNode(doc) ? doc['Envelope'] : undefined
  const body = isNode(env) ? env['Body'] : undefined
  if (!isNode(body)) throw new CourierError(`${what}: HTTP ${status} without a SOAP body`, { retryable: status >= 500, status })
  const fault = body['Fault']
  if (isNode(fault)) {
    const reason = typeof fault['faultstring'] === 'string' ? fault['faultstring'] : 'SOAP fault'
    throw new CourierError(`${what}: ${reason}`, { retryable: status >= 500 || status === 429, status, vendorCode: typeof fault['faultcode'] === 'string' ? fault['faultcode'] : null })
  }
  return body
}

function errorOf(node: XmlNode): { code: number; name: string } | null {
  const error = node['error']
  if (!isNode(error)) return null
  return { code: Number(error['ErrorTypeID']), name: typeof error['ErrorName'] === 'string' ? error['ErrorName'] : '' }
}

function serviceError(what: string, error: { code: number; name: string }): CourierError {
  const retryable = error.code === TRACKING_ERRORS.INTERNAL || error.code === TRACKING_ERRORS.NOT_READY
  return new CourierError(`${what}: error ${error.code}${error.name ? ` ${error.name}` : ''}`, { retryable, status: 200, vendorCode: String(error.code) })
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * The batch mode of the Russian Post tracking service: a ticket for up to
 * 3,000 barcodes (getTicket), then the answer by ticket (getResponseByTicket).
 * A ticket whose answer is not ready yet is kept in memory and asked again by
 * the next call about the same parcels (or fewer), as the service asks
 * clients to do instead of taking a new ticket each time.
 */
export class TrackingClient {
  readonly #config: ResolvedRussianPostConfig
  readonly #pending: { ticket: string; barcodes: Set<string>; issuedAt: number }[] = []

  constructor(config: ResolvedRussianPostConfig) {
    this.#config = config
  }

  /** The operations of each barcode (at most {@link RUSSIAN_POST_MAX_TICKET_ITEMS}). */
  async track(barcodes: string[], signal: AbortSignal): Promise<TrackingAnswer[]> {
    if (barcodes.length === 0) return []
    if (barcodes.length > RUSSIAN_POST_MAX_TICKET_ITEMS) {
      throw new CourierError(`Russian Post tracking takes at most ${RUSSIAN_POST_MAX_TICKET_ITEMS} parcels per ticket, got ${barcodes.length}`, { retryable: false })
    }
    const now = Date.now()
    for (let i = this.#pending.length - 1; i >= 0; i--) if (now - this.#pending[i]!.issuedAt > TICKET_LIFETIME_MS) this.#pending.splice(i, 1)
    let pending = this.#pending.find((entry) => barcodes.every((barcode) => entry.barcodes.has(barcode)))
    if (!pending) {
      pending = { ticket: await this.#getTicket(barcodes, signal), barcodes: new Set(barcodes), issuedAt: Date.now() }
      this.#pending.push(pending)
    }
    let renewed = false
    for (let attempt = 0; attempt < this.#config.ticketPollAttempts; attempt++) {
      if (attempt > 0) {
        try {
          await sleep(this.#config.ticketPollIntervalMs, signal)
        } catch (error) {
          throw networkError('Russian Post tracking', error)
        }
      }
      const answer = await this.#getResponse(pending.ticket, signal)
      if (answer === 'not_ready') continue
      this.#pending.splice(this.#pending.indexOf(pending), 1)
      if (answer === 'expired') {
        if (renewed) {
          throw new CourierError('Russian Post tracking: a fresh ticket expired at once', { retryable: true, status: 200, vendorCode: String(TRACKING_ERRORS.EXPIRED) })
        }
        // A fresh ticket gets its own asks: the expired one told nothing about readiness.
        renewed = true
        pending = { ticket: await this.#getTicket(barcodes, signal), barcodes: new Set(barcodes), issuedAt: Date.now() }
        this.#pending.push(pending)
        attempt--
        continue
      }
      const wanted = new Set(barcodes)
      return answer.filter((item) => wanted.has(item.barcode))
    }
    throw new CourierError(`Russian Post tracking: the answer to ticket ${pending.ticket} is not ready yet`, {
      retryable: true,
      status: 200,
      vendorCode: String(TRACKING_ERRORS.NOT_READY),
    })
  }

  async #call(xml: string, what: string, signal: AbortSignal): Promise<XmlNode> {
    throwIfAborted(signal, what)
    let response: Response
    let text: string
    try {
      response = await this.#config.fetch(this.#config.trackingUrl, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""', accept: 'text/xml' },
        body: xml,
        signal,
      })
      text = await response.text()
    } catch (error) {
      throw networkError(what, error)
    }
    const body = bodyOf(text, what, response.status)
    if (!response.ok) throw new CourierError(`${what}: HTTP ${response.status}`, { retryable: response.status >= 500 || response.status === 429, status: response.status })
    return body
  }

  async #getTicket(barcodes: string[], signal: AbortSignal): Promise<string> {
    const what = 'Russian Post tracking getTicket'
    const xml = envelope({
      'pos:ticketRequest': {
        request: { 'fcl:Item': barcodes.map((barcode) => ({ '@_Barcode': barcode })) },
        login: this.#config.trackingLogin,
        password: this.#config.trackingPassword,
        language: 'RUS',
      },
    })
    const body = await this.#call(xml, what, signal)
    const response = body['ticketResponse']
    if (!isNode(response)) throw new CourierError(`${what}: no ticketResponse in the answer`, { retryable: false, status: 200 })
    const error = errorOf(response)
    if (error) throw serviceError(what, error)
    const ticket = response['value']
    if (typeof ticket !== 'string' || ticket.length === 0) throw new CourierError(`${what}: no ticket in the answer`, { retryable: false, status: 200 })
    return ticket
  }

  async #getResponse(ticket: string, signal: AbortSignal): Promise<TrackingAnswer[] | 'not_ready' | 'expired'> {
    const what = 'Russian Post tracking getResponseByTicket'
    const xml = envelope({
      'pos:answerByTicketRequest': { ticket, login: this.#config.trackingLogin, password: this.#config.trackingPassword },
    })
    const body = await this.#call(xml, what, signal)
    const response = body['answerByTicketResponse']
    if (!isNode(response)) throw new CourierError(`${what}: no answerByTicketResponse in the answer`, { retryable: false, status: 200 })
    const error = errorOf(response)
    if (error?.code === TRACKING_ERRORS.NOT_READY) return 'not_ready'
    if (error?.code === TRACKING_ERRORS.EXPIRED) return 'expired'
    if (error) throw serviceError(what, error)
    const value = response['value']
    const items = isNode(value) && Array.isArray(value['Item']) ? (value['Item'] as unknown[]) : []
    const answers: TrackingAnswer[] = []
    for (const item of items) {
      if (!isNode(item) || typeof item['Barcode'] !== 'string') continue
      const barcode = item['Barcode']
      const itemError = item['Error']
      if (isNode(itemError) || (Array.isArray(itemError) && itemError.length > 0)) {
        const first = Array.isArray(itemError) ? itemError[0] : itemError
        answers.push({ barcode, operations: null, errorCode: Number(isNode(first) ? first['ErrorTypeID'] : NaN) })
        continue
      }
      const operations: TrackingOperation[] = []
      for (const raw of Array.isArray(item['Operation']) ? (item['Operation'] as unknown[]) : []) {
        if (!isNode(raw)) continue
        const type = Number(raw['OperTypeID'])
        const attribute = raw['OperCtgID'] === undefined || raw['OperCtgID'] === '' ? 0 : Number(raw['OperCtgID'])
        const date = typeof raw['DateOper'] === 'string' ? parseOperationDate(raw['DateOper']) : null
        if (!Number.isInteger(type) || !Number.isInteger(attribute) || date === null) continue
        operations.push({
          type,
          attribute,
          name: typeof raw['OperName'] === 'string' ? raw['OperName'] : '',
          date,
          postalCode: typeof raw['IndexOper'] === 'string' && raw['IndexOper'].length > 0 ? raw['IndexOper'] : null,
        })
      }
      answers.push(operations.length === 0 ? { barcode, operations: null, errorCode: TRACKING_ERRORS.NO_DATA } : { barcode, operations })
    }
    return answers
  }
}
