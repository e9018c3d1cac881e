import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { systemClock, type CarrierStatus, type Clock, type CourierShipmentRef, type WebhookRequest } from '@ordo/core'
import type { CourierFakeControl } from '../courier-contract.js'

/** Options of {@link startCdekFake}. */
export interface CdekFakeOptions {
  /** The `client_id` (account) the fake accepts. @default 'test_client_id' */
  clientId?: string
  /** The `client_secret` (secure password) the fake accepts. @default 'test_client_secret' */
  clientSecret?: string
  /** `expires_in` of issued tokens, seconds. @default 3600 */
  tokenTtlSeconds?: number
  /** The fake's time: token expiry and status dates. Pass a test clock to expire tokens. @default systemClock */
  clock?: Clock
}

/** One item of an order the fake holds; amounts in kopecks. */
export interface CdekFakeItem {
  wareKey: string
  name: string
  /** Units sent. */
  amount: number
  /** Units the recipient took (`delivery_amount`), after a delivery. */
  deliveredAmount: number
  /** `payment.value`: cash to collect per unit, kopecks. */
  paymentValue: number
  /** `payment.vat_rate` as sent (null: without VAT). */
  vatRate: number | null
  /** `cost`: declared value per unit, kopecks. */
  cost: number
}

/** A snapshot of one order held by the fake. */
export interface CdekFakeOrder {
  uuid: string
  /** The shop's number (`number`, searched by `im_number`). */
  number: string
  cdekNumber: string
  tariffCode: number
  deliveryMode: number
  isReturn: boolean
  /** The direct order a return order belongs to. */
  directUuid: string | null
  /** Status codes, oldest first. */
  statuses: { code: string; dateTime: string }[]
  deliveryPoint: string | null
  shipmentPoint: string | null
  services: string[]
  /** `delivery_recipient_cost.value`, kopecks. */
  deliveryRecipientCost: number
  items: CdekFakeItem[]
  /** The `recipient` object exactly as sent. */
  recipient: unknown
}

/** A running CDEK fake; see {@link startCdekFake}. */
export interface CdekFake {
  /** The API base to pass as the adapter's `baseUrl`, e.g. `http://127.0.0.1:53121/v2`. */
  readonly url: string
  /** The `client_id` the fake accepts. */
  readonly clientId: string
  /** The `client_secret` the fake accepts. */
  readonly clientSecret: string
  /** The controls the courier contract suite drives. */
  readonly control: CourierFakeControl
  /** Every order (direct and return) the fake holds, oldest first. */
  orders(): CdekFakeOrder[]
  /** Sets an order's status to a raw CDEK code (e.g. `POSTOMAT_POSTED`), for status mapping tests. */
  setStatus(uuid: string, code: string): void
  /** How many tokens `POST /v2/oauth/token` issued. */
  tokensIssued(): number
  /** Revokes every issued token, as if they had expired: the next call with one answers 401. */
  revokeTokens(): void
  /** Every API request: method, path with query, whether it carried a valid bearer token. */
  requests(): { method: string; path: string; authorized: boolean }[]
  /** The next API call answers this status and CDEK error body (429, 500, 400…). */
  failNextWith(status: number, error?: { code: string; message: string }): void
  /** An `ORDER_STATUS` webhook about an order's current state, as CDEK posts it. */
  orderStatusWebhook(uuid: string): WebhookRequest
  /** Stops the server. */
  close(): Promise<void>
}

interface City {
  code: number
  city: string
  region: string
  countryCode: string
  postalCodes: string[]
  /** A rough distance zone from Moscow, for prices and periods. */
  zone: number
}

interface Point {
  code: string
  name: string
  type: 'PVZ' | 'POSTAMAT'
  cityCode: number
  postalCode: string
  address: string
  workTime: string
  lat: number
  lon: number
  haveCash: boolean
  haveCashless: boolean
  isDressingRoom: boolean
  allowedCod: boolean
  /** kg, as CDEK reports them. */
  weightMin: number
  weightMax: number
  dimensions: { width: number; height: number; depth: number }[] | null
}

interface Tariff {
  code: number
  name: string
  mode: number
  /** Base price, kopecks, for the first 500 g in zone 0. */
  base: number
  /** Each further 500 g, kopecks. */
  perHalfKg: number
  days: [number, number]
}

interface OrderRecord {
  uuid: string
  number: string
  cdekNumber: string
  tariffCode: number
  deliveryMode: number
  isReturn: boolean
  directUuid: string | null
  returnUuid: string | null
  statuses: { code: string; name: string; dateTime: string; city: string }[]
  deliveryPoint: string | null
  shipmentPoint: string | null
  fromLocation: unknown
  toLocation: unknown
  services: { code: string; parameter?: string }[]
  deliveryRecipientCost: number
  items: CdekFakeItem[]
  packages: unknown
  recipient: unknown
  comment: string | null
  createdAt: string
}

interface PrintRecord {
  uuid: string
  orderUuids: string[]
  /** Status reads before the form is READY, like CDEK's asynchronous print queue. */
  pendingReads: number
  createdAt: string
}

interface Reply {
  status: number
  body: unknown
  contentType?: string
}

/** CDEK's error answer: `{ requests: [{ state: 'INVALID', errors }] }` for entity operations, `{ errors }` otherwise. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestType: string | null = null,
  ) {
    super(message)
  }
}

const CITIES: readonly City[] = [
  { code: 44, city: 'Москва', region: 'Москва', countryCode: 'RU', postalCodes: ['101000', '119002', '125009'], zone: 0 },
  { code: 137, city: 'Санкт-Петербург', region: 'Санкт-Петербург', countryCode: 'RU', postalCodes: ['190000', '191186', '197198'], zone: 1 },
  { code: 270, city: 'Новосибирск', region: 'Новосибирская область', countryCode: 'RU', postalCodes: ['630000', '630099'], zone: 3 },
]

const POINTS: readonly Point[] = [
  point('MSK12', 'На Мясницкой', 'PVZ', 44, '101000', 'ул. Мясницкая, 24/7, стр. 1', 55.7636, 37.6386, { dressing: true }),
  point('MSK305', 'Тверская', 'PVZ', 44, '125009', 'ул. Тверская, 12', 55.7644, 37.6056, {}),
  point('MSK2241', 'Постамат Арбат', 'POSTAMAT', 44, '119002', 'ул. Арбат, 30', 55.7494, 37.5898, { locker: true }),
  point('SPB3', 'На Невском', 'PVZ', 137, '191186', 'Невский пр., 28', 59.9357, 30.3259, { dressing: true }),
  point('SPB47', 'Петроградская', 'PVZ', 137, '197198', 'Большой пр. П.С., 33', 59.9596, 30.3023, {}),
  point('SPB118', 'Садовая', 'PVZ', 137, '190000', 'ул. Садовая, 11', 59.9361, 30.3353, { noCod: true }),
  point('SPB2071', 'Постамат Гостиный двор', 'POSTAMAT', 137, '191186', 'Невский пр., 35', 59.9343, 30.3331, { locker: true }),
  point('SPB2090', 'Постамат Сенная', 'POSTAMAT', 137, '190000', 'Сенная пл., 1', 59.927, 30.3198, { locker: true }),
  point('NSK9', 'На Красном', 'PVZ', 270, '630099', 'Красный пр., 25', 55.0302, 82.9204, {}),
]

function point(
  code: string,
  name: string,
  type: 'PVZ' | 'POSTAMAT',
  cityCode: number,
  postalCode: string,
  address: string,
  lat: number,
  lon: number,
  flags: { dressing?: boolean; locker?: boolean; noCod?: boolean },
): Point {
  const locker = flags.locker === true
  return {
    code,
    name,
    type,
    cityCode,
    postalCode,
    address,
    workTime: locker ? 'Пн-Вс 00:00-23:59' : 'Пн-Пт 10:00-21:00, Сб-Вс 10:00-18:00',
    lat,
    lon,
    haveCash: !locker && flags.noCod !== true,
    haveCashless: true,
    isDressingRoom: flags.dressing === true,
    allowedCod: !locker && flags.noCod !== true,
    weightMin: 0,
    weightMax: locker ? 20 : 30,
    // Lockers publish their cell sizes; the biggest limits a parcel.
    dimensions: locker
      ? [
          { width: 40, height: 8, depth: 60 },
          { width: 40, height: 18.5, depth: 60 },
          { width: 40, height: 38, depth: 60 },
        ]
      : null,
  }
}

/** Tariffs of the online-shop contract (type 1), by delivery mode: 1 door-door, 2 door-PVZ, 3 PVZ-door, 4 PVZ-PVZ, 6 door-postamat, 7 PVZ-postamat. */
const TARIFFS: readonly Tariff[] = [
  { code: 136, name: 'Посылка склад-склад', mode: 4, base: 30_990, perHalfKg: 4_050, days: [2, 4] },
  { code: 137, name: 'Посылка склад-дверь', mode: 3, base: 41_235, perHalfKg: 4_050, days: [2, 4] },
  { code: 138, name: 'Посылка дверь-склад', mode: 2, base: 43_990, perHalfKg: 4_050, days: [3, 5] },
  { code: 139, name: 'Посылка дверь-дверь', mode: 1, base: 54_250, perHalfKg: 4_050, days: [3, 5] },
  { code: 366, name: 'Посылка дверь-постамат', mode: 6, base: 39_990, perHalfKg: 3_500, days: [3, 6] },
  { code: 368, name: 'Посылка склад-постамат', mode: 7, base: 27_990, perHalfKg: 3_500, days: [2, 5] },
]

/** Modes whose parcel the shop hands in at a CDEK office (`shipment_point`); the others are collected from `from_location`. */
const FROM_OFFICE_MODES = new Set([3, 4, 7])
const TO_PVZ_MODES = new Set([2, 4])
const TO_POSTAMAT_MODES = new Set([6, 7])

const STATUS_NAMES: Record<string, string> = {
  ACCEPTED: 'Принят',
  CREATED: 'Создан',
  RECEIVED_AT_SHIPMENT_WAREHOUSE: 'Принят на склад отправителя',
  READY_TO_SHIP_AT_SENDING_OFFICE: 'Выдан на отправку в г. отправителе',
  SENT_TO_TRANSIT_CITY: 'Отправлен в г. транзит',
  SENT_TO_RECIPIENT_CITY: 'Отправлен в г. получатель',
  ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE: 'Принят на склад доставки',
  ACCEPTED_AT_PICK_UP_POINT: 'Принят на склад до востребования',
  TAKEN_BY_COURIER: 'Выдан на доставку',
  POSTOMAT_POSTED: 'Заложен в постамат',
  POSTOMAT_SEIZED: 'Изъят из постамата курьером',
  POSTOMAT_RECEIVED: 'Изъят из постамата клиентом',
  DELIVERED: 'Вручен',
  NOT_DELIVERED: 'Не вручен',
  RETURNED_TO_SENDER_CITY_WAREHOUSE: 'Возвращен на склад отправителя',
  INVALID: 'Некорректный заказ',
  REMOVED: 'Удален',
}

/** Codes after which CDEK no longer deletes an order: the parcel is in its hands. */
const DELETABLE = new Set(['ACCEPTED', 'CREATED'])

const VAT_RATES = new Set([0, 5, 7, 10, 12, 20, 22])

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** CDEK's decimal rubles (a JSON number such as 1234.57) → kopecks, exactly; null when it has more than two decimals. */
function kopecksOf(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return null
  // String(x) of a JSON-parsed number is its shortest round-trip decimal, so "1234.57" stays "1234.57".
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(value))
  if (!match) return null
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
}

/** Kopecks → CDEK's decimal rubles as a JSON number. */
function rublesOf(kopecks: number): number {
  return Number(`${Math.trunc(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')}`)
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

/** A one-page PDF, enough for a reader (and a `%PDF` check) to accept it. */
function pdfFor(text: string): Buffer {
  const content = `BT /F1 12 Tf 40 780 Td (${text.replace(/[()\\]/g, '')}) Tj ET`
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ]
  let body = '%PDF-1.4\n'
  const offsets: number[] = []
  objects.forEach((object, index) => {
    offsets.push(body.length)
    body += `${index + 1} 0 obj\n${object}\nendobj\n`
  })
  const xref = body.length
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(body, 'latin1')
}

/**
 * Starts a loopback fake of the CDEK API v2 on 127.0.0.1 (a free port),
 * built from CDEK's public documentation:
 *
 * - `POST /v2/oauth/token` (form body `grant_type=client_credentials`,
 *   `client_id`, `client_secret`) → `access_token`, `expires_in`; every other
 *   call needs `Authorization: Bearer …` (401 when missing, unknown or expired);
 * - `POST /v2/calculator/tarifflist` and `/v2/calculator/tariff` (rubles as
 *   decimal numbers, `period_min`/`period_max`, `delivery_mode`);
 * - `GET /v2/location/cities`, `GET /v2/deliverypoints` (PVZ and POSTAMAT with
 *   `have_cash`, `have_cashless`, `is_dressing_room`, `allowed_cod`,
 *   `weight_min`/`weight_max` in kg and postamat cell `dimensions` in cm);
 * - `POST /v2/orders` (type 1) → 202 `{ entity: { uuid }, requests }`, a second
 *   order with the same `number` is refused; `GET /v2/orders/{uuid}`,
 *   `GET /v2/orders?im_number=`, `DELETE /v2/orders/{uuid}` (only before the
 *   parcel is handed in);
 * - `POST /v2/print/orders`, `GET /v2/print/orders/{uuid}` (ready after one
 *   poll) and the PDF at its `url`;
 * - `ORDER_STATUS` webhooks (`type`, `date_time`, `uuid`, `attributes`);
 * - errors as `{ requests: [{ state: 'INVALID', errors: [{ code, message }] }] }`
 *   or `{ errors: [{ code, message }] }`.
 *
 * Refusals, returns (a return order with `is_return: true` linked through
 * `related_entities`) and partial delivery (`delivery_amount` per item) are
 * modelled as CDEK reports them.
 *
 * @example
 * ```ts
 * const fake = await startCdekFake()
 * const courier = cdek({ clientId: fake.clientId, clientSecret: fake.clientSecret, baseUrl: fake.url })
 * const created = await courier.createShipment(request, { signal })
 * await fake.control.advance({ carrierShipmentId: created.carrierShipmentId, trackingNumber: null }, 'delivered')
 * await fake.close()
 * ```
 */
export async function startCdekFake(options: CdekFakeOptions = {}): Promise<CdekFake> {
  const clientId = options.clientId ?? 'test_client_id'
  const clientSecret = options.clientSecret ?? 'test_client_secret'
  const ttl = options.tokenTtlSeconds ?? 3600
  const clock = options.clock ?? systemClock

  const tokens = new Map<string, number>()
  let issued = 0
  const orders = new Map<string, OrderRecord>()
  const prints = new Map<string, PrintRecord>()
  const log: { method: string; path: string; authorized: boolean }[] = []
  const failures: ({ kind: 'network' } | { kind: 'status'; status: number; error: { code: string; message: string } })[] = []
  let cdekSequence = 1_100_000_000
  let lastStatusTime = 0
  let origin = ''

  /** Status times strictly increase, so "latest" is never ambiguous even under a frozen test clock. */
  function statusTime(): string {
    const now = Math.max(clock.now().getTime(), lastStatusTime + 1_000)
    lastStatusTime = now
    return new Date(now).toISOString().replace('Z', '+0000')
  }

  function cityBy(query: { code?: unknown; postalCode?: unknown; city?: unknown }): City | null {
    if (query.code !== undefined && query.code !== null && query.code !== '') {
      return CITIES.find((c) => String(c.code) === String(query.code)) ?? null
    }
    if (typeof query.postalCode === 'string' && query.postalCode !== '') {
      return CITIES.find((c) => c.postalCodes.includes(query.postalCode as string)) ?? null
    }
    if (typeof query.city === 'string' && query.city !== '') {
      return CITIES.find((c) => c.city.toLowerCase() === (query.city as string).toLowerCase()) ?? null
    }
    return null
  }

  function locationCity(input: unknown, field: string): City {
    if (!isRecord(input)) throw new ApiError(400, 'v2_field_is_empty', `Field is empty: ${field}`)
    const city = cityBy({ code: input['code'], postalCode: input['postal_code'], city: input['city'] })
    if (!city) throw new ApiError(400, 'v2_entity_not_found', `Location not found: ${field}`)
    return city
  }

  function parcelWeight(packages: unknown): number {
    if (!Array.isArray(packages) || packages.length === 0) throw new ApiError(400, 'v2_field_is_empty', 'Field is empty: packages')
    let total = 0
    packages.forEach((pkg: unknown, index) => {
      const weight = isRecord(pkg) ? pkg['weight'] : undefined
      if (typeof weight !== 'number' || !Number.isInteger(weight) || weight <= 0) {
        throw new ApiError(400, 'v2_field_is_invalid', `Invalid value: packages[${index}].weight (grams, a positive integer)`)
      }
      total += weight
    })
    return total
  }

  function quoteOf(tariff: Tariff, from: City, to: City, weight: number) {
    const zone = Math.abs(to.zone - from.zone) + (from.code === to.code ? 0 : 1)
    const halfKgs = Math.max(0, Math.ceil(weight / 500) - 1)
    const sum = tariff.base + zone * 7_015 + halfKgs * tariff.perHalfKg
    return {
      tariff_code: tariff.code,
      tariff_name: tariff.name,
      tariff_description: tariff.name,
      delivery_mode: tariff.mode,
      delivery_sum: rublesOf(sum),
      period_min: tariff.days[0] + zone,
      period_max: tariff.days[1] + zone,
      calendar_min: tariff.days[0] + zone,
      calendar_max: tariff.days[1] + zone + 2,
    }
  }

  function tariffList(body: Record<string, unknown>): Reply {
    const from = locationCity(body['from_location'], 'from_location')
    const to = locationCity(body['to_location'], 'to_location')
    const weight = parcelWeight(body['packages'])
    return { status: 200, body: { tariff_codes: TARIFFS.map((tariff) => quoteOf(tariff, from, to, weight)) } }
  }

  function tariffOne(body: Record<string, unknown>): Reply {
    const tariff = TARIFFS.find((t) => t.code === body['tariff_code'])
    if (!tariff) throw new ApiError(400, 'v2_entity_not_found', 'Tariff not found: tariff_code')
    const quote = quoteOf(tariff, locationCity(body['from_location'], 'from_location'), locationCity(body['to_location'], 'to_location'), parcelWeight(body['packages']))
    return {
      status: 200,
      body: { delivery_sum: quote.delivery_sum, period_min: quote.period_min, period_max: quote.period_max, weight_calc: parcelWeight(body['packages']), services: [], total_sum: quote.delivery_sum, currency: 'RUB' },
    }
  }

  function pointJson(p: Point): Record<string, unknown> {
    const city = CITIES.find((c) => c.code === p.cityCode)!
    return {
      code: p.code,
      name: p.name,
      uuid: `00000000-0000-4000-8000-${p.code.padStart(12, '0').slice(-12).replace(/[^0-9a-f]/gi, '0')}`,
      location: {
        country_code: city.countryCode,
        region_code: city.code,
        region: city.region,
        city_code: city.code,
        city: city.city,
        postal_code: p.postalCode,
        longitude: p.lon,
        latitude: p.lat,
        address: p.address,
        address_full: `${city.countryCode === 'RU' ? 'Россия' : city.countryCode}, ${city.region}, ${city.city}, ${p.address}`,
      },
      work_time: p.workTime,
      type: p.type,
      owner_code: 'cdek',
      take_only: false,
      is_handout: true,
      is_reception: p.type === 'PVZ',
      is_dressing_room: p.isDressingRoom,
      have_cashless: p.haveCashless,
      have_cash: p.haveCash,
      allowed_cod: p.allowedCod,
      weight_min: p.weightMin,
      weight_max: p.weightMax,
      ...(p.dimensions === null ? {} : { dimensions: p.dimensions.map((d) => ({ ...d })) }),
    }
  }

  function deliveryPoints(query: URLSearchParams): Reply {
    let list = [...POINTS]
    const cityCode = query.get('city_code')
    const postalCode = query.get('postal_code')
    if (cityCode !== null) list = list.filter((p) => String(p.cityCode) === cityCode)
    if (postalCode !== null) {
      // CDEK treats postal_code as the city's: every point of the city it belongs to.
      const city = cityBy({ postalCode })
      list = city ? list.filter((p) => p.cityCode === city.code) : []
    }
    const type = query.get('type')
    if (type !== null && type !== 'ALL') list = list.filter((p) => p.type === type)
    const country = query.get('country_code')
    if (country !== null) list = list.filter((p) => CITIES.find((c) => c.code === p.cityCode)?.countryCode === country)
    const code = query.get('code')
    if (code !== null) list = list.filter((p) => p.code === code)
    if (query.get('allowed_cod') === 'true') list = list.filter((p) => p.allowedCod)
    if (query.get('is_dressing_room') === 'true') list = list.filter((p) => p.isDressingRoom)
    return { status: 200, body: list.map(pointJson) }
  }

  function cities(query: URLSearchParams): Reply {
    const name = query.get('city')
    const postal = query.get('postal_code')
    const code = query.get('code')
    const countries = query.get('country_codes')?.split(',')
    const list = CITIES.filter(
      (c) =>
        (name === null || c.city.toLowerCase() === name.toLowerCase()) &&
        (postal === null || c.postalCodes.includes(postal)) &&
        (code === null || String(c.code) === code) &&
        (countries === undefined || countries.includes(c.countryCode)),
    )
    return { status: 200, body: list.map((c) => ({ code: c.code, city: c.city, country_code: c.countryCode, region: c.region, postal_codes: [...c.postalCodes] })) }
  }

  function invalid(field: string, requestType = 'CREATE'): never {
    throw new ApiError(400, 'v2_field_is_invalid', `Invalid value: ${field}`, requestType)
  }

  function parseItems(packages: unknown[]): CdekFakeItem[] {
    const items: CdekFakeItem[] = []
    packages.forEach((pkg, p) => {
      if (!isRecord(pkg)) invalid(`packages[${p}]`)
      if (typeof pkg['number'] !== 'string' || pkg['number'] === '') throw new ApiError(400, 'v2_field_is_empty', `Field is empty: packages[${p}].number`, 'CREATE')
      for (const dim of ['length', 'width', 'height']) {
        const value = pkg[dim]
        if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)) invalid(`packages[${p}].${dim}`)
      }
      const list = pkg['items']
      if (!Array.isArray(list) || list.length === 0) throw new ApiError(400, 'v2_field_is_empty', `Field is empty: packages[${p}].items`, 'CREATE')
      list.forEach((raw: unknown, i) => {
        const at = `packages[${p}].items[${i}]`
        if (!isRecord(raw)) invalid(at)
        if (typeof raw['name'] !== 'string' || raw['name'] === '') invalid(`${at}.name`)
        if (typeof raw['ware_key'] !== 'string' || raw['ware_key'] === '') invalid(`${at}.ware_key`)
        const amount = raw['amount']
        if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0) invalid(`${at}.amount`)
        const weight = raw['weight']
        if (typeof weight !== 'number' || !Number.isInteger(weight) || weight <= 0) invalid(`${at}.weight`)
        const cost = kopecksOf(raw['cost'])
        if (cost === null) invalid(`${at}.cost`)
        const payment = raw['payment']
        if (!isRecord(payment)) throw new ApiError(400, 'v2_field_is_empty', `Field is empty: ${at}.payment`, 'CREATE')
        const value = kopecksOf(payment['value'])
        if (value === null) invalid(`${at}.payment.value`)
        const vatRate = payment['vat_rate'] ?? null
        if (vatRate !== null && (typeof vatRate !== 'number' || !VAT_RATES.has(vatRate))) invalid(`${at}.payment.vat_rate`)
        if (vatRate !== null && kopecksOf(payment['vat_sum']) === null) invalid(`${at}.payment.vat_sum`)
        items.push({ wareKey: raw['ware_key'] as string, name: raw['name'] as string, amount, deliveredAmount: 0, paymentValue: value, vatRate: vatRate as number | null, cost })
      })
    })
    return items
  }

  function liveDirectByNumber(number: string): OrderRecord | undefined {
    return [...orders.values()].find((o) => !o.isReturn && o.number === number && currentCode(o) !== 'REMOVED')
  }

  function createOrder(body: Record<string, unknown>): Reply {
    if (body['type'] !== undefined && body['type'] !== 1) invalid('type (this contract serves online shops: type 1)')
    const number = body['number']
    if (typeof number !== 'string' || number === '') throw new ApiError(400, 'v2_field_is_empty', 'Field is empty: number', 'CREATE')
    const tariff = TARIFFS.find((t) => t.code === body['tariff_code'])
    if (!tariff) throw new ApiError(400, 'v2_entity_not_found', 'Tariff not found: tariff_code', 'CREATE')
    if (FROM_OFFICE_MODES.has(tariff.mode)) {
      const shipment = body['shipment_point']
      if (typeof shipment !== 'string' || !POINTS.some((p) => p.code === shipment && p.type === 'PVZ')) {
        throw new ApiError(400, 'v2_field_is_empty', `Field is empty: shipment_point (tariff ${tariff.code} starts at a CDEK office)`, 'CREATE')
      }
    } else {
      locationCity(body['from_location'], 'from_location')
    }
    let deliveryPoint: string | null = null
    if (TO_PVZ_MODES.has(tariff.mode) || TO_POSTAMAT_MODES.has(tariff.mode)) {
      const code = body['delivery_point']
      const wanted = TO_PVZ_MODES.has(tariff.mode) ? 'PVZ' : 'POSTAMAT'
      const found = POINTS.find((p) => p.code === code)
      if (typeof code !== 'string' || !found) throw new ApiError(400, 'v2_entity_not_found', `Delivery point not found: delivery_point`, 'CREATE')
      if (found.type !== wanted) throw new ApiError(400, 'v2_field_is_invalid', `Tariff ${tariff.code} delivers to a ${wanted}, ${code} is a ${found.type}`, 'CREATE')
      deliveryPoint = code
    } else {
      const to = body['to_location']
      locationCity(to, 'to_location')
      if (!isRecord(to) || typeof to['address'] !== 'string' || to['address'] === '') throw new ApiError(400, 'v2_field_is_empty', 'Field is empty: to_location.address', 'CREATE')
    }
    const recipient = body['recipient']
    if (!isRecord(recipient) || typeof recipient['name'] !== 'string' || recipient['name'] === '') throw new ApiError(400, 'v2_field_is_empty', 'Field is empty: recipient.name', 'CREATE')
    const phones = recipient['phones']
    if (!Array.isArray(phones) || phones.length === 0 || !phones.every((p: unknown) => isRecord(p) && typeof p['number'] === 'string' && /^\+?\d{10,15}$/.test(p['number']))) {
      throw new ApiError(400, 'v2_field_is_invalid', 'Invalid value: recipient.phones', 'CREATE')
    }
    parcelWeight(body['packages'])
    const items = parseItems(body['packages'] as unknown[])
    const services: { code: string; parameter?: string }[] = []
    const rawServices = body['services'] ?? []
    if (!Array.isArray(rawServices)) invalid('services')
    for (const service of rawServices as unknown[]) {
      if (!isRecord(service) || typeof service['code'] !== 'string') invalid('services')
      const code = service['code'] as string
      if (!['TRYING_ON', 'PART_DELIV', 'INSURANCE', 'CALL', 'SMS', 'NOTIFY_ORDER_CREATED'].includes(code)) invalid(`services.code ${code}`)
      if (TO_POSTAMAT_MODES.has(tariff.mode) && (code === 'TRYING_ON' || code === 'PART_DELIV')) {
        throw new ApiError(400, 'v2_service_not_available', `Service ${code} is not available for delivery to a postamat`, 'CREATE')
      }
      services.push(typeof service['parameter'] === 'string' ? { code, parameter: service['parameter'] } : { code })
    }
    let deliveryRecipientCost = 0
    if (body['delivery_recipient_cost'] !== undefined) {
      const cost = body['delivery_recipient_cost']
      const value = isRecord(cost) ? kopecksOf(cost['value']) : null
      if (value === null) invalid('delivery_recipient_cost.value')
      deliveryRecipientCost = value
    }
    if (liveDirectByNumber(number)) {
      throw new ApiError(400, 'v2_entity_already_exists', `Order with number ${number} already exists`, 'CREATE')
    }
    const now = statusTime()
    const record: OrderRecord = {
      uuid: randomUUID(),
      number,
      cdekNumber: String(cdekSequence++),
      tariffCode: tariff.code,
      deliveryMode: tariff.mode,
      isReturn: false,
      directUuid: null,
      returnUuid: null,
      statuses: [
        { code: 'ACCEPTED', name: STATUS_NAMES['ACCEPTED']!, dateTime: now, city: '' },
        { code: 'CREATED', name: STATUS_NAMES['CREATED']!, dateTime: statusTime(), city: '' },
      ],
      deliveryPoint,
      shipmentPoint: typeof body['shipment_point'] === 'string' ? body['shipment_point'] : null,
      fromLocation: body['from_location'] ?? null,
      toLocation: body['to_location'] ?? null,
      services,
      deliveryRecipientCost,
      items,
      packages: body['packages'],
      recipient,
      comment: typeof body['comment'] === 'string' ? body['comment'] : null,
      createdAt: now,
    }
    orders.set(record.uuid, record)
    return { status: 202, body: { entity: { uuid: record.uuid }, requests: [{ request_uuid: randomUUID(), type: 'CREATE', date_time: now, state: 'ACCEPTED' }] } }
  }

  function currentCode(order: OrderRecord): string {
    return order.statuses[order.statuses.length - 1]!.code
  }

  function orderJson(order: OrderRecord): Record<string, unknown> {
    const delivered = ['DELIVERED', 'POSTOMAT_RECEIVED'].includes(currentCode(order))
    const related: Record<string, unknown>[] = []
    if (order.returnUuid) related.push({ type: 'return_order', uuid: order.returnUuid })
    if (order.directUuid) related.push({ type: 'direct_order', uuid: order.directUuid })
    const codTaken = order.items.reduce((sum, item) => sum + item.paymentValue * item.deliveredAmount, 0) + (delivered ? order.deliveryRecipientCost : 0)
    return {
      entity: {
        uuid: order.uuid,
        type: 1,
        is_return: order.isReturn,
        is_reverse: false,
        number: order.number,
        cdek_number: order.cdekNumber,
        tariff_code: order.tariffCode,
        delivery_mode: String(order.deliveryMode),
        ...(order.comment === null ? {} : { comment: order.comment }),
        ...(order.shipmentPoint === null ? {} : { shipment_point: order.shipmentPoint }),
        ...(order.deliveryPoint === null ? {} : { delivery_point: order.deliveryPoint }),
        ...(order.toLocation === null ? {} : { to_location: order.toLocation }),
        delivery_recipient_cost: { value: rublesOf(order.deliveryRecipientCost) },
        recipient: order.recipient,
        services: order.services.map((s) => ({ ...s })),
        packages: [
          {
            number: '1',
            items: order.items.map((item) => ({
              name: item.name,
              ware_key: item.wareKey,
              payment: { value: rublesOf(item.paymentValue), ...(item.vatRate === null ? {} : { vat_rate: item.vatRate }) },
              cost: rublesOf(item.cost),
              amount: item.amount,
              ...(delivered ? { delivery_amount: item.deliveredAmount } : {}),
            })),
          },
        ],
        // Newest first, as CDEK lists them.
        statuses: [...order.statuses].reverse().map((s) => ({ code: s.code, name: s.name, date_time: s.dateTime, city: s.city })),
        ...(delivered ? { delivery_detail: { date: order.statuses[order.statuses.length - 1]!.dateTime.slice(0, 10), payment_sum: rublesOf(codTaken) } } : {}),
      },
      requests: [{ request_uuid: randomUUID(), type: 'CREATE', date_time: order.createdAt, state: 'SUCCESSFUL' }],
      ...(related.length > 0 ? { related_entities: related } : {}),
    }
  }

  function orderOr404(uuid: string, requestType: string | null = null): OrderRecord {
    const order = orders.get(uuid)
    if (!order) throw new ApiError(404, 'v2_entity_not_found', `Entity is not found with uuid=${uuid}`, requestType)
    return order
  }

  function deleteOrder(uuid: string): Reply {
    const order = orderOr404(uuid, 'DELETE')
    const code = currentCode(order)
    if (!DELETABLE.has(code)) {
      throw new ApiError(400, 'v2_order_is_not_removable', `Order ${order.cdekNumber} cannot be deleted in status ${code}`, 'DELETE')
    }
    pushStatus(order, 'REMOVED')
    return { status: 202, body: { entity: { uuid }, requests: [{ request_uuid: randomUUID(), type: 'DELETE', date_time: statusTime(), state: 'ACCEPTED' }] } }
  }

  function createPrint(body: Record<string, unknown>): Reply {
    const list = body['orders']
    if (!Array.isArray(list) || list.length === 0) throw new ApiError(400, 'v2_field_is_empty', 'Field is empty: orders', 'CREATE')
    const uuids = list.map((entry: unknown, index) => {
      const uuid = isRecord(entry) ? (entry['order_uuid'] ?? null) : null
      if (typeof uuid !== 'string') invalid(`orders[${index}].order_uuid`)
      const order = orderOr404(uuid, 'CREATE')
      if (currentCode(order) === 'REMOVED') throw new ApiError(400, 'v2_order_removed', `Order ${uuid} is removed`, 'CREATE')
      return uuid
    })
    const record: PrintRecord = { uuid: randomUUID(), orderUuids: uuids, pendingReads: 1, createdAt: statusTime() }
    prints.set(record.uuid, record)
    return { status: 202, body: { entity: { uuid: record.uuid }, requests: [{ request_uuid: randomUUID(), type: 'CREATE', date_time: record.createdAt, state: 'ACCEPTED' }] } }
  }

  function printInfo(uuid: string): Reply {
    const print = prints.get(uuid)
    if (!print) throw new ApiError(404, 'v2_entity_not_found', `Entity is not found with uuid=${uuid}`)
    const ready = print.pendingReads <= 0
    print.pendingReads--
    const statuses = [{ code: 'ACCEPTED', name: 'Принят', date_time: print.createdAt }]
    if (ready) statuses.unshift({ code: 'READY', name: 'Сформирован', date_time: statusTime() })
    return {
      status: 200,
      body: {
        entity: {
          uuid,
          orders: print.orderUuids.map((order_uuid) => ({ order_uuid })),
          copy_count: 1,
          ...(ready ? { url: `${origin}/v2/print/orders/${uuid}.pdf` } : {}),
          statuses,
        },
      },
    }
  }

  function pushStatus(order: OrderRecord, code: string): void {
    order.statuses.push({ code, name: STATUS_NAMES[code] ?? code, dateTime: statusTime(), city: '' })
  }

  function authorized(request: IncomingMessage): boolean {
    const header = request.headers['authorization']
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false
    const expires = tokens.get(header.slice('Bearer '.length))
    return expires !== undefined && expires > clock.now().getTime()
  }

  function issueToken(raw: string, contentType: string | undefined, query: URLSearchParams): Reply {
    // CDEK documents the parameters as a form body; some clients put them in the query string, which it accepts too.
    const form = new URLSearchParams(contentType?.includes('application/x-www-form-urlencoded') ? raw : '')
    const param = (name: string) => form.get(name) ?? query.get(name)
    if (param('grant_type') !== 'client_credentials') {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' } }
    }
    if (param('client_id') !== clientId || param('client_secret') !== clientSecret) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'Bad client credentials' } }
    }
    const token = randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, '')
    tokens.set(token, clock.now().getTime() + ttl * 1000)
    issued++
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: ttl, scope: 'order:all payment:all', jti: randomUUID() } }
  }

  function api(method: string, path: string, query: URLSearchParams, body: unknown): Reply {
    const json = (): Record<string, unknown> => {
      if (!isRecord(body)) throw new ApiError(400, 'v2_bad_request', 'Request body is not a JSON object')
      return body
    }
    if (method === 'POST' && path === '/v2/calculator/tarifflist') return tariffList(json())
    if (method === 'POST' && path === '/v2/calculator/tariff') return tariffOne(json())
    if (method === 'GET' && path === '/v2/deliverypoints') return deliveryPoints(query)
    if (method === 'GET' && path === '/v2/location/cities') return cities(query)
    if (method === 'POST' && path === '/v2/orders') return createOrder(json())
    if (method === 'GET' && path === '/v2/orders') {
      const number = query.get('im_number')
      const cdekNumber = query.get('cdek_number')
      const found = [...orders.values()]
        .filter((o) => !o.isReturn && ((number !== null && o.number === number) || (cdekNumber !== null && o.cdekNumber === cdekNumber)))
        // The live one wins over a removed one with the same number.
        .sort((a, b) => Number(currentCode(a) === 'REMOVED') - Number(currentCode(b) === 'REMOVED'))[0]
      if (!found) throw new ApiError(404, 'v2_entity_not_found', `Entity is not found with im_number=${number ?? ''}`)
      return { status: 200, body: orderJson(found) }
    }
    const orderMatch = /^\/v2\/orders\/([0-9a-f-]{36})$/.exec(path)
    if (orderMatch) {
      if (method === 'GET') return { status: 200, body: orderJson(orderOr404(orderMatch[1]!)) }
      if (method === 'DELETE') return deleteOrder(orderMatch[1]!)
    }
    if (method === 'POST' && path === '/v2/print/orders') return createPrint(json())
    const printMatch = /^\/v2\/print\/orders\/([0-9a-f-]{36})$/.exec(path)
    if (method === 'GET' && printMatch) return printInfo(printMatch[1]!)
    const pdfMatch = /^\/v2\/print\/orders\/([0-9a-f-]{36})\.pdf$/.exec(path)
    if (method === 'GET' && pdfMatch) {
      const print = prints.get(pdfMatch[1]!)
      if (!print || print.pendingReads >= 0) throw new ApiError(404, 'v2_entity_not_found', 'Print form is not ready or not found')
      const numbers = print.orderUuids.map((uuid) => orders.get(uuid)?.cdekNumber ?? uuid).join(', ')
      return { status: 200, body: pdfFor(`CDEK waybill ${numbers}`), contentType: 'application/pdf' }
    }
    throw new ApiError(404, 'v2_not_found', `No handler for ${method} ${path}`)
  }

  function send(response: ServerResponse, reply: Reply): void {
    if (Buffer.isBuffer(reply.body)) {
      response.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/octet-stream' }).end(reply.body)
      return
    }
    response.writeHead(reply.status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(reply.body))
  }

  function errorReply(error: ApiError): Reply {
    const errors = [{ code: error.code, message: error.message }]
    if (error.requestType !== null) {
      return { status: error.status, body: { requests: [{ request_uuid: randomUUID(), type: error.requestType, date_time: statusTime(), state: 'INVALID', errors }] } }
    }
    return { status: error.status, body: { errors } }
  }

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://fake')
      const method = request.method ?? 'GET'
      const raw = await readBody(request)
      if (method === 'POST' && url.pathname === '/v2/oauth/token') {
        send(response, issueToken(raw, request.headers['content-type'], url.searchParams))
        return
      }
      const isAuthorized = authorized(request)
      log.push({ method, path: `${url.pathname}${url.search}`, authorized: isAuthorized })
      if (!isAuthorized) {
        send(response, { status: 401, body: { errors: [{ code: 'v2_token_expired', message: 'Access token is missing, invalid or expired' }] } })
        return
      }
      const failure = failures.shift()
      if (failure?.kind === 'network') {
        request.socket.destroy()
        return
      }
      if (failure) {
        send(response, errorReply(new ApiError(failure.status, failure.error.code, failure.error.message, url.pathname === '/v2/orders' && method === 'POST' ? 'CREATE' : null)))
        return
      }
      let body: unknown = undefined
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw)
        } catch {
          send(response, errorReply(new ApiError(400, 'v2_bad_request', 'Request body is not valid JSON')))
          return
        }
      }
      try {
        send(response, api(method, url.pathname, url.searchParams, body))
      } catch (error) {
        if (error instanceof ApiError) send(response, errorReply(error))
        else throw error
      }
    })().catch((error: unknown) => {
      if (!response.headersSent) send(response, { status: 500, body: { errors: [{ code: 'v2_internal_error', message: String(error) }] } })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  function orderOf(ref: CourierShipmentRef): OrderRecord {
    const order = orders.get(ref.carrierShipmentId) ?? [...orders.values()].find((o) => ref.trackingNumber !== null && o.cdekNumber === ref.trackingNumber)
    if (!order) throw new Error(`CDEK fake: no order ${ref.carrierShipmentId}`)
    return order
  }

  function toPostamat(order: OrderRecord): boolean {
    return TO_POSTAMAT_MODES.has(order.deliveryMode)
  }

  function returnOrderOf(order: OrderRecord): OrderRecord {
    if (order.returnUuid) return orders.get(order.returnUuid)!
    const now = statusTime()
    const back: OrderRecord = {
      ...order,
      uuid: randomUUID(),
      cdekNumber: String(cdekSequence++),
      isReturn: true,
      directUuid: order.uuid,
      returnUuid: null,
      deliveryPoint: null,
      services: [],
      deliveryRecipientCost: 0,
      items: order.items.map((item) => ({ ...item, paymentValue: 0, deliveredAmount: 0 })),
      statuses: [{ code: 'CREATED', name: STATUS_NAMES['CREATED']!, dateTime: now, city: '' }],
      createdAt: now,
    }
    orders.set(back.uuid, back)
    order.returnUuid = back.uuid
    return back
  }

  /** The raw code CDEK reports for each of our statuses, for this order. */
  function codeFor(order: OrderRecord, status: CarrierStatus): string {
    switch (status) {
      case 'registered':
        return 'CREATED'
      case 'handed_over':
        return 'RECEIVED_AT_SHIPMENT_WAREHOUSE'
      case 'in_transit':
        return 'SENT_TO_RECIPIENT_CITY'
      case 'at_pickup_point':
        return toPostamat(order) ? 'POSTOMAT_POSTED' : 'ACCEPTED_AT_PICK_UP_POINT'
      case 'delivered':
      case 'partially_delivered':
        return toPostamat(order) ? 'POSTOMAT_RECEIVED' : 'DELIVERED'
      case 'refused':
        return 'NOT_DELIVERED'
      case 'returning':
        return 'SENT_TO_RECIPIENT_CITY'
      case 'returned':
        return 'DELIVERED'
      case 'cancelled':
        return 'REMOVED'
      case 'lost':
        throw new Error('CDEK fake: CDEK reports no status for a lost parcel')
    }
  }

  const control: CourierFakeControl = {
    async advance(ref, status, advanceOptions) {
      const order = orderOf(ref)
      if (status === 'returning' || status === 'returned') {
        if (currentCode(order) !== 'NOT_DELIVERED') pushStatus(order, 'NOT_DELIVERED')
        const back = returnOrderOf(order)
        if (status === 'returned' && currentCode(back) !== 'SENT_TO_RECIPIENT_CITY') pushStatus(back, 'SENT_TO_RECIPIENT_CITY')
        pushStatus(back, codeFor(back, status))
        return
      }
      if (status === 'partially_delivered') {
        if (!order.services.some((s) => s.code === 'PART_DELIV')) throw new Error('CDEK fake: partial delivery needs the PART_DELIV service on the order')
        const kept = advanceOptions?.kept ?? []
        for (const item of order.items) {
          const entry = kept.find((k) => k.sku === item.wareKey)
          item.deliveredAmount = Math.min(item.amount, entry?.quantity ?? 0)
        }
      } else if (status === 'delivered') {
        for (const item of order.items) item.deliveredAmount = item.amount
      }
      pushStatus(order, codeFor(order, status))
    },
    registrations(reference) {
      return [...orders.values()].filter((o) => !o.isReturn && o.number === reference).length
    },
    received(reference) {
      const order = liveDirectByNumber(reference)
      if (!order) return null
      return { codTotal: order.items.reduce((sum, item) => sum + item.paymentValue * item.amount, 0) + order.deliveryRecipientCost }
    },
    async webhook(ref, status) {
      const order = orderOf(ref)
      const about = (status === 'returning' || status === 'returned') && order.returnUuid ? orders.get(order.returnUuid)! : order
      return webhookFor(about, codeFor(about, status))
    },
    async forgedWebhook(ref) {
      // No signature to forge: a notification about an order CDEK does not have, claiming delivery.
      const order = orderOf(ref)
      return webhookFor({ ...order, uuid: randomUUID() }, 'DELIVERED')
    },
    failNext(kind) {
      if (kind === 'network') failures.push({ kind: 'network' })
      else if (kind === 'server') failures.push({ kind: 'status', status: 502, error: { code: 'v2_internal_error', message: 'Internal server error' } })
      else failures.push({ kind: 'status', status: 400, error: { code: 'v2_field_is_invalid', message: 'Invalid value: packages[0].weight' } })
    },
    unknownRef() {
      return { carrierShipmentId: randomUUID(), trackingNumber: null }
    },
  }

  function webhookFor(order: OrderRecord, code: string): WebhookRequest {
    const last = order.statuses[order.statuses.length - 1]!
    const body = {
      type: 'ORDER_STATUS',
      date_time: statusTime(),
      uuid: order.uuid,
      attributes: {
        is_return: order.isReturn,
        cdek_number: order.cdekNumber,
        number: order.number,
        code,
        status_code: code,
        status_date_time: last.dateTime,
        city_name: 'Санкт-Петербург',
        city_code: '137',
      },
    }
    return { headers: { 'content-type': 'application/json' }, rawBody: JSON.stringify(body), remoteAddress: '127.0.0.1' }
  }

  return {
    url: `${origin}/v2`,
    clientId,
    clientSecret,
    control,
    orders: () =>
      [...orders.values()].map((o) => ({
        uuid: o.uuid,
        number: o.number,
        cdekNumber: o.cdekNumber,
        tariffCode: o.tariffCode,
        deliveryMode: o.deliveryMode,
        isReturn: o.isReturn,
        directUuid: o.directUuid,
        statuses: o.statuses.map((s) => ({ code: s.code, dateTime: s.dateTime })),
        deliveryPoint: o.deliveryPoint,
        shipmentPoint: o.shipmentPoint,
        services: o.services.map((s) => s.code),
        deliveryRecipientCost: o.deliveryRecipientCost,
        items: o.items.map((item) => ({ ...item })),
        recipient: o.recipient,
      })),
    setStatus(uuid, code) {
      const order = orders.get(uuid)
      if (!order) throw new Error(`CDEK fake: no order ${uuid}`)
      // Set directly, a delivery hands everything over; partial deliveries go through control.advance.
      if (code === 'DELIVERED' || code === 'POSTOMAT_RECEIVED') for (const item of order.items) item.deliveredAmount = item.amount
      pushStatus(order, code)
    },
    tokensIssued: () => issued,
    revokeTokens() {
      tokens.clear()
    },
    requests: () => log.map((entry) => ({ ...entry })),
    failNextWith(status, error = { code: status >= 500 ? 'v2_internal_error' : 'v2_bad_request', message: `HTTP ${status}` }) {
      failures.push({ kind: 'status', status, error })
    },
    orderStatusWebhook(uuid) {
      const order = orders.get(uuid)
      if (!order) throw new Error(`CDEK fake: no order ${uuid}`)
      return webhookFor(order, currentCode(order))
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
