import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { CarrierStatus, CourierShipmentRef } from '@ordo/core'
// The tracking service's batch mode is SOAP: the fake reads and writes its XML
// with fast-xml-parser (maintained, dependency-free) instead of by hand, so
// namespace prefixes, escaping and repeated elements behave as in real XML.
import { XMLBuilder, XMLParser } from 'fast-xml-parser'
import type { CourierFakeControl } from '../courier-contract.js'

/** An ECOM delivery point as `GET /1.0/delivery-point/findAll` lists it. */
export interface RussianPostFakeDeliveryPoint {
  id: number
  'delivery-point-index': string
  /** `DELIVERY_POINT` (ПВЗ) or `POSTAMAT` (parcel locker). */
  'delivery-point-type': 'DELIVERY_POINT' | 'POSTAMAT'
  'brand-name': string
  address: { addressType: 'DEFAULT'; index: string; region: string; place: string; street: string; house: string }
  latitude: string
  longitude: string
  'work-time': string[]
  'card-payment': boolean
  'cash-payment': boolean
  'contents-checking': boolean
  'with-fitting': boolean
  'partial-redemption': boolean
  /** Kilograms. */
  'weight-limit': number
  closed: boolean
  'temporary-closed': boolean
}

/** Options of {@link startRussianPostFake}. */
export interface RussianPostFakeOptions {
  /** The application token the fake accepts (`Authorization: AccessToken …`). @default 'test-access-token' */
  accessToken?: string
  /** The otpravka login (`X-User-Authorization: Basic base64(login:password)`). @default 'shop@example.com' */
  login?: string
  /** The otpravka password. @default 'test-password' */
  password?: string
  /** The tracking service login. @default 'tracking-login' */
  trackingLogin?: string
  /** The tracking service password. @default 'tracking-password' */
  trackingPassword?: string
  /** The ECOM points the fake lists. @default points in Москва and Санкт-Петербург, each city with pickup points and a locker */
  deliveryPoints?: RussianPostFakeDeliveryPoint[]
}

/** One order the fake holds, as a test sees it (money in kopecks). */
export interface RussianPostFakeOrder {
  id: number
  orderNum: string
  state: 'backlog' | 'batch' | 'deleted'
  barcode: string | null
  batchName: string | null
  mailType: string
  mailCategory: string
  /** Cash on delivery (`payment`), 0 when none. */
  payment: number
  /** Declared value (`insr-value`), 0 when none. */
  insrValue: number
  /** The post office accepted it (an operation after registration exists). */
  accepted: boolean
  /** The order exactly as the client sent it. */
  body: Record<string, unknown>
  /** Tracking operations, oldest first. */
  operations: { type: number; attribute: number; name: string; date: Date }[]
  /** What the customer kept on a partial delivery, as the test reported it. */
  kept: { sku: string; quantity: number }[] | null
}

/** The fake's controls: the courier contract's, plus tracking-service knobs. */
export interface RussianPostFakeControl extends CourierFakeControl {
  /** Every ticket issued from now on answers "not ready yet" (error 6) this many times before its answer. @default 0 */
  delayTickets(times: number): void
  /** Every ticket issued so far answers "expired" (error 17) from now on. */
  expireTickets(): void
}

/** A running Russian Post fake; see {@link startRussianPostFake}. */
export interface RussianPostFake {
  /** The otpravka API base, to pass as the adapter's `baseUrl` (paths start with `/1.0/`). */
  readonly url: string
  /** The batch tracking endpoint, to pass as the adapter's `trackingUrl`. */
  readonly trackingUrl: string
  /** The token the fake accepts. */
  readonly accessToken: string
  /** The otpravka login the fake accepts. */
  readonly login: string
  /** The otpravka password the fake accepts. */
  readonly password: string
  /** The tracking login the fake accepts. */
  readonly trackingLogin: string
  /** The tracking password the fake accepts. */
  readonly trackingPassword: string
  /** The controls the courier contract suite drives. */
  readonly control: RussianPostFakeControl
  /** Every order ever created, oldest first. */
  orders(): RussianPostFakeOrder[]
  /** Every request received: method, path (with query) and the parsed JSON body, if any. */
  requests(): { method: string; path: string; body: unknown }[]
  /** Every ticket issued, oldest first, with the barcodes it asked about. */
  tickets(): { ticket: string; barcodes: string[] }[]
  /**
   * Registers `count` orders straight into a batch (as if created through the
   * API) and returns their refs; with `status`, each is advanced to it.
   */
  seedParcels(count: number, options?: { status?: CarrierStatus }): CourierShipmentRef[]
  /** Stops the server. */
  close(): Promise<void>
}

interface OrderRecord {
  id: number
  orderNum: string
  state: 'backlog' | 'batch' | 'deleted'
  barcode: string | null
  batchName: string | null
  mailType: string
  mailCategory: string
  payment: number
  insrValue: number
  accepted: boolean
  body: Record<string, unknown>
  operations: { type: number; attribute: number; name: string; date: Date; postalCode: string }[]
  kept: { sku: string; quantity: number }[] | null
}

interface Reply {
  status: number
  body: unknown
}

const MAIL_TYPES = new Set(['POSTAL_PARCEL', 'ONLINE_PARCEL', 'ONLINE_COURIER', 'EMS', 'EMS_OPTIMAL', 'PARCEL_CLASS_1', 'LETTER', 'BANDEROL', 'ECOM'])
const MAIL_CATEGORIES = new Set([
  'SIMPLE',
  'ORDERED',
  'ORDINARY',
  'WITH_DECLARED_VALUE',
  'WITH_DECLARED_VALUE_AND_CASH_ON_DELIVERY',
  'WITH_DECLARED_VALUE_AND_COMPULSORY_PAYMENT',
  'WITH_COMPULSORY_PAYMENT',
])
const WITH_DECLARED_VALUE = new Set(['WITH_DECLARED_VALUE', 'WITH_DECLARED_VALUE_AND_CASH_ON_DELIVERY', 'WITH_DECLARED_VALUE_AND_COMPULSORY_PAYMENT'])
const ECOM_SERVICES = new Set(['WITH_FITTING', 'WITHOUT_SERVICE', 'WITHOUT_OPENING', 'COURIER_DELIVERY', 'CONTENTS_CHECKING', 'PARTIAL_REDEMPTION', 'FUNCTIONALITY_CHECKING'])
const VAT_RATES = new Set([-1, 0, 10, 20, 22, 110, 120])
const MAX_TICKET_ITEMS = 3000

/** The tracking operation (OperTypeID, OperCtgID, OperName) the fake records for each status a test moves a parcel to. */
const STATUS_OPERATIONS: Record<Exclude<CarrierStatus, 'registered'>, [number, number, string]> = {
  handed_over: [1, 1, 'Прием'],
  in_transit: [8, 0, 'Обработка'],
  at_pickup_point: [8, 2, 'Обработка'],
  delivered: [2, 1, 'Вручение'],
  partially_delivered: [48, 0, 'Частичное вручение'],
  refused: [12, 6, 'Неудачная попытка вручения'],
  returning: [3, 4, 'Возврат'],
  returned: [2, 2, 'Вручение'],
  lost: [5, 1, 'Невручение'],
  cancelled: [26, 1, 'Отмена'],
}

const TRACKING_ERROR_NAMES: Record<number, string> = {
  2: 'Формат данных запроса не соответствует установленному настоящим протоколом',
  3: 'Неуспешная авторизация клиента при вызове метода',
  6: 'Ответ по билету ещё не готов',
  12: 'Информация о заданном идентификаторе отправления отсутствует',
  16: 'Внутренняя ошибка работы Сервиса отслеживания',
  17: 'Время хранения ответа по билету истекло, ответ был удален с сервера',
  18: 'Превышено максимально допустимое количество отправлений в запросе',
  21: 'Длина одного или нескольких из запрошенных идентификаторов отправлений превышает максимальный размер',
}

function point(
  id: number,
  index: string,
  type: 'DELIVERY_POINT' | 'POSTAMAT',
  region: string,
  street: string,
  house: string,
  lat: string,
  lon: string,
  options: { fitting?: boolean; partial?: boolean; closed?: boolean } = {},
): RussianPostFakeDeliveryPoint {
  const locker = type === 'POSTAMAT'
  return {
    id,
    'delivery-point-index': index,
    'delivery-point-type': type,
    'brand-name': locker ? 'Почтомат' : 'Пункт выдачи Почты России',
    address: { addressType: 'DEFAULT', index: index.slice(0, 6), region, place: region, street, house },
    latitude: lat,
    longitude: lon,
    'work-time': locker ? ['пн-вс, открыто: 00:00 - 24:00'] : ['пн-пт, открыто: 09:00 - 20:00', 'сб, открыто: 10:00 - 18:00'],
    'card-payment': true,
    'cash-payment': !locker,
    'contents-checking': !locker,
    'with-fitting': !locker && (options.fitting ?? true),
    'partial-redemption': !locker && (options.partial ?? true),
    'weight-limit': locker ? 15 : 30,
    closed: options.closed ?? false,
    'temporary-closed': false,
  }
}

/** Points in Москва and Санкт-Петербург: pickup points and a locker in each, and one closed point. */
export const RUSSIAN_POST_FAKE_DELIVERY_POINTS: readonly RussianPostFakeDeliveryPoint[] = Object.freeze([
  point(1, '190031', 'DELIVERY_POINT', 'г. Санкт-Петербург', 'Невский пр-кт', '28', '59.935700', '30.325900'),
  point(2, '190068', 'DELIVERY_POINT', 'г. Санкт-Петербург', 'ул. Садовая', '55', '59.922800', '30.303300', { fitting: false }),
  point(3, '190000920', 'POSTAMAT', 'г. Санкт-Петербург', 'ул. Гороховая', '4', '59.936100', '30.313700'),
  point(4, '190005', 'DELIVERY_POINT', 'г. Санкт-Петербург', 'Измайловский пр-кт', '9', '59.913300', '30.307600', { closed: true }),
  point(5, '101000', 'DELIVERY_POINT', 'г. Москва', 'ул. Мясницкая', '26', '55.764700', '37.637200'),
  point(6, '101000910', 'POSTAMAT', 'г. Москва', 'ул. Маросейка', '2', '55.756900', '37.633400'),
])

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}

function isKopecks(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function postalCode(value: unknown): string | null {
  const text = typeof value === 'number' ? String(value).padStart(6, '0') : value
  return typeof text === 'string' && /^\d{6}$/.test(text) ? text : null
}

/** The body Spring answers errors with: `{ timestamp, status, error, message, path }`. */
function springError(status: number, message: string, path: string): Reply {
  return { status, body: { timestamp: new Date().toISOString(), status, error: STATUS_CODES[status] ?? 'Error', message, path } }
}

/** `DD.MM.YYYY HH:mm:ss` in Moscow time, as the tracking service writes DateOper. */
function moscowTime(date: Date): string {
  const shifted = new Date(date.getTime() + 3 * 3600_000)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(shifted.getUTCDate())}.${two(shifted.getUTCMonth() + 1)}.${shifted.getUTCFullYear()} ${two(shifted.getUTCHours())}:${two(shifted.getUTCMinutes())}:${two(shifted.getUTCSeconds())}`
}

/** A domestic 14-digit barcode: office index (6), month code (2), serial (5), check digit (1). */
function makeBarcode(officeIndex: string, serial: number, month: number): string {
  const body = `${officeIndex}${String(month).padStart(2, '0')}${String(serial % 100_000).padStart(5, '0')}`
  let sum = 0
  for (let i = 0; i < body.length; i++) sum += Number(body[i]) * (i % 2 === 0 ? 3 : 1)
  return `${body}${(10 - (sum % 10)) % 10}`
}

function pdfFor(order: OrderRecord): Buffer {
  const text = `F7p ${order.barcode ?? order.orderNum}`.replace(/[()\\]/g, '')
  const stream = `BT /F1 12 Tf 20 380 Td (${text}) Tj ET`
  return Buffer.from(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n` +
      `3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 298 420]/Contents 4 0 R>>endobj\n` +
      `4 0 obj<</Length ${stream.length}>>stream\n${stream}\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
    'latin1',
  )
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === 'Item',
})
const xmlBuilder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true })

function soapEnvelope(body: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${xmlBuilder.build({
    'S:Envelope': { '@_xmlns:S': 'http://schemas.xmlsoap.org/soap/envelope/', 'S:Body': body },
  })}`
}

function soapFault(code: string, text: string): string {
  return soapEnvelope({ 'S:Fault': { faultcode: `S:${code}`, faultstring: text } })
}

/**
 * Starts a loopback fake of the Russian Post APIs on 127.0.0.1 (a free port),
 * built from their public documentation:
 *
 * - otpravka (`/1.0/…`), with both headers checked on every call
 *   (`Authorization: AccessToken …`, `X-User-Authorization: Basic …`; a 401
 *   otherwise): `POST /1.0/tariff` (kopecks, VAT apart, delivery days),
 *   `GET /1.0/delivery-point/findAll`, `PUT /1.0/user/backlog` (per-order
 *   `errors[].error-codes[]`, a duplicate `order-num` refused with
 *   `DUPLICATE_ORDER_NUM`), `GET /1.0/backlog/search`, `GET /1.0/backlog/{id}`,
 *   `DELETE /1.0/backlog`, `POST /1.0/user/shipment` (a batch; each order gets
 *   its 14-digit barcode), `GET /1.0/shipment/search`, `GET /1.0/shipment/{id}`,
 *   `DELETE /1.0/shipment` (refused once the post office accepted the parcel),
 *   `GET /1.0/forms/{id}/forms` (PDF);
 * - batch tracking (`POST /fc`, SOAP 1.1): `getTicket` for up to 3,000
 *   barcodes, `getResponseByTicket` with the documented `ErrorTypeID`s
 *   (3 bad credentials, 6 not ready, 12 nothing known, 17 expired, 18 too many).
 *
 * Error codes the public docs do not spell out (duplicate order number,
 * refusal to delete an accepted order) are the fake's own, marked so in its
 * source.
 *
 * @example
 * ```ts
 * const fake = await startRussianPostFake()
 * const courier = russianPost({
 *   accessToken: fake.accessToken, login: fake.login, password: fake.password, fromPostalCode: '101000',
 *   baseUrl: fake.url, trackingUrl: fake.trackingUrl, trackingLogin: fake.trackingLogin, trackingPassword: fake.trackingPassword,
 * })
 * const created = await courier.createShipment(request, { signal })
 * await fake.control.advance(created, 'handed_over')
 * await fake.close()
 * ```
 */
export async function startRussianPostFake(options: RussianPostFakeOptions = {}): Promise<RussianPostFake> {
  const accessToken = options.accessToken ?? 'test-access-token'
  const login = options.login ?? 'shop@example.com'
  const password = options.password ?? 'test-password'
  const trackingLogin = options.trackingLogin ?? 'tracking-login'
  const trackingPassword = options.trackingPassword ?? 'tracking-password'
  const points = (options.deliveryPoints ?? RUSSIAN_POST_FAKE_DELIVERY_POINTS).map((p) => structuredClone(p))
  const expectedToken = `AccessToken ${accessToken}`
  const expectedUser = `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`

  const orders: OrderRecord[] = []
  const registrations = new Map<string, number>()
  const tickets = new Map<string, { barcodes: string[]; notReadyLeft: number; expired: boolean; answer: Record<string, unknown> | null }>()
  const ticketLog: { ticket: string; barcodes: string[] }[] = []
  const log: { method: string; path: string; body: unknown }[] = []
  const failures: ('network' | 'server' | 'client')[] = []
  let nextId = 700_000_001
  let nextSerial = 1
  let nextBatch = 1
  let ticketDelay = 0
  let lastTicketMs = 0

  function orderJson(order: OrderRecord): Record<string, unknown> {
    return {
      ...order.body,
      id: order.id,
      ...(order.barcode === null ? {} : { barcode: order.barcode }),
      ...(order.batchName === null ? {} : { 'batch-name': order.batchName, 'batch-status': order.accepted ? 'ACCEPTED' : 'CREATED' }),
    }
  }

  function liveOrder(id: number, state: 'backlog' | 'batch'): OrderRecord | undefined {
    return orders.find((order) => order.id === id && order.state === state)
  }

  /** Checks one order of `PUT /1.0/user/backlog`; returns the error codes, empty when it is acceptable. */
  function validateOrder(order: unknown): { code: string; description: string; details?: string }[] {
    const errors: { code: string; description: string; details?: string }[] = []
    if (!isRecord(order)) return [{ code: 'ILLEGAL_REQUEST', description: 'Order must be a JSON object' }]
    const orderNum = order['order-num']
    if (typeof orderNum !== 'string' || orderNum.length === 0 || orderNum.length > 50) errors.push({ code: 'EMPTY_ORDER_NUM', description: 'Не задан номер заказа' })
    const mailType = order['mail-type']
    if (typeof mailType !== 'string' || !MAIL_TYPES.has(mailType)) errors.push({ code: 'ILLEGAL_MAIL_TYPE', description: 'Недопустимый вид РПО', details: String(mailType) })
    const category = order['mail-category']
    if (typeof category !== 'string' || !MAIL_CATEGORIES.has(category)) errors.push({ code: 'ILLEGAL_MAIL_CATEGORY', description: 'Недопустимая категория РПО', details: String(category) })
    if (!isCount(order['mass'])) errors.push({ code: 'EMPTY_MASS', description: 'Не задан вес (граммы, целое число)' })
    if (order['mail-direct'] !== 643) errors.push({ code: 'ILLEGAL_MAIL_DIRECT', description: 'Код страны назначения должен быть 643' })
    if (typeof order['recipient-name'] !== 'string' || order['recipient-name'].length === 0) errors.push({ code: 'EMPTY_RECIPIENT_NAME', description: 'Не задано наименование получателя' })
    if (typeof order['given-name'] !== 'string' || order['given-name'].length === 0) errors.push({ code: 'EMPTY_GIVEN_NAME', description: 'Не задано имя получателя' })
    if (typeof order['surname'] !== 'string' || order['surname'].length === 0) errors.push({ code: 'EMPTY_SURNAME', description: 'Не задана фамилия получателя' })
    if (order['address-type-to'] !== 'DEFAULT') errors.push({ code: 'ILLEGAL_ADDRESS_TYPE_TO', description: 'Тип адреса должен быть DEFAULT' })
    const tel = order['tel-address']
    if (tel !== undefined && !(typeof tel === 'number' && Number.isSafeInteger(tel) && tel > 0)) errors.push({ code: 'ILLEGAL_TEL_ADDRESS', description: 'Телефон — только цифры' })
    if (order['dimension'] !== undefined) {
      const d = order['dimension']
      if (!isRecord(d) || !isCount(d['length']) || !isCount(d['width']) || !isCount(d['height'])) {
        errors.push({ code: 'ILLEGAL_DIMENSION', description: 'Габариты — целые сантиметры' })
      }
    }
    if (mailType === 'ECOM') {
      const ecom = order['ecom-data']
      const index = isRecord(ecom) ? ecom['delivery-point-index'] : undefined
      const target = points.find((p) => p['delivery-point-index'] === index)
      if (!target || target.closed || target['temporary-closed']) {
        errors.push({ code: 'ILLEGAL_DELIVERY_POINT_INDEX', description: 'Пункт выдачи не найден или закрыт', details: String(index) })
      }
      const services = isRecord(ecom) ? ecom['services'] : undefined
      if (!Array.isArray(services) || services.some((service) => typeof service !== 'string' || !ECOM_SERVICES.has(service))) {
        errors.push({ code: 'ILLEGAL_ECOM_SERVICES', description: 'Недопустимые сервисы ЕКОМ' })
      } else if (target) {
        if (services.includes('WITH_FITTING') && !target['with-fitting']) errors.push({ code: 'ILLEGAL_ECOM_SERVICES', description: 'Пункт выдачи не предоставляет примерку' })
        if (services.includes('PARTIAL_REDEMPTION') && !target['partial-redemption']) errors.push({ code: 'ILLEGAL_ECOM_SERVICES', description: 'Пункт выдачи не предоставляет частичный выкуп' })
      }
    } else {
      if (postalCode(order['index-to']) === null) errors.push({ code: 'EMPTY_INDEX_TO', description: 'Не задан индекс получателя' })
      if (typeof order['place-to'] !== 'string' || order['place-to'].length === 0) errors.push({ code: 'EMPTY_PLACE_TO', description: 'Не задан населенный пункт получателя' })
      if (typeof order['region-to'] !== 'string' || order['region-to'].length === 0) errors.push({ code: 'EMPTY_REGION_TO', description: 'Не задан регион получателя' })
    }
    const insr = order['insr-value']
    const payment = order['payment']
    if (typeof category === 'string' && WITH_DECLARED_VALUE.has(category)) {
      if (!isCount(insr)) errors.push({ code: 'EMPTY_INSR_VALUE', description: 'Не задана объявленная ценность (копейки)' })
    } else if (insr !== undefined) {
      errors.push({ code: 'ILLEGAL_INSR_VALUE', description: 'Объявленная ценность не допускается для этой категории' })
    }
    if (category === 'WITH_DECLARED_VALUE_AND_CASH_ON_DELIVERY') {
      if (!isCount(payment)) errors.push({ code: 'EMPTY_PAYMENT', description: 'Не задана сумма наложенного платежа (копейки)' })
      // (The fake's own code.) The cash to collect may not exceed the declared value.
      else if (isCount(insr) && payment > insr) errors.push({ code: 'ILLEGAL_PAYMENT', description: 'Наложенный платеж больше объявленной ценности' })
    } else if (payment !== undefined) {
      errors.push({ code: 'ILLEGAL_PAYMENT', description: 'Наложенный платеж не допускается для этой категории' })
    }
    const goods = order['goods']
    if (goods !== undefined) {
      const items = isRecord(goods) ? goods['items'] : undefined
      if (!Array.isArray(items) || items.length === 0) {
        errors.push({ code: 'ILLEGAL_GOODS', description: 'goods.items должен быть непустым массивом' })
      } else {
        items.forEach((item: unknown, index) => {
          const at = `goods.items[${index}]`
          if (!isRecord(item) || typeof item['description'] !== 'string' || item['description'].length === 0) errors.push({ code: 'ILLEGAL_GOODS', description: 'Не задано описание вложения', details: at })
          else if (!isCount(item['quantity'])) errors.push({ code: 'ILLEGAL_GOODS', description: 'Количество — целое положительное', details: at })
          else if (item['value'] !== undefined && !isKopecks(item['value'])) errors.push({ code: 'ILLEGAL_GOODS', description: 'Цена — целые копейки', details: at })
          else if (item['insr-value'] !== undefined && !isKopecks(item['insr-value'])) errors.push({ code: 'ILLEGAL_GOODS', description: 'Оценка — целые копейки', details: at })
          else if (item['vat-rate'] !== undefined && !(typeof item['vat-rate'] === 'number' && VAT_RATES.has(item['vat-rate']))) errors.push({ code: 'ILLEGAL_GOODS', description: 'Недопустимая ставка НДС', details: at })
        })
      }
    }
    if (errors.length === 0 && orders.some((o) => o.orderNum === orderNum && o.state !== 'deleted')) {
      // (The fake's own code.) The public docs do not name the duplicate-number error.
      errors.push({ code: 'DUPLICATE_ORDER_NUM', description: 'Заказ с таким номером уже существует', details: String(orderNum) })
    }
    return errors
  }

  function createOrders(body: unknown): Reply {
    if (!Array.isArray(body)) return springError(400, 'Request body must be a JSON array of orders', '/1.0/user/backlog')
    const resultIds: number[] = []
    const errors: { 'error-codes': { code: string; description: string; details?: string }[]; position: number }[] = []
    body.forEach((raw: unknown, position) => {
      const problems = validateOrder(raw)
      if (problems.length > 0) {
        errors.push({ 'error-codes': problems, position })
        return
      }
      const order = raw as Record<string, unknown>
      const record: OrderRecord = {
        id: nextId++,
        orderNum: order['order-num'] as string,
        state: 'backlog',
        barcode: null,
        batchName: null,
        mailType: order['mail-type'] as string,
        mailCategory: order['mail-category'] as string,
        payment: isCount(order['payment']) ? order['payment'] : 0,
        insrValue: isCount(order['insr-value']) ? order['insr-value'] : 0,
        accepted: false,
        body: structuredClone(order),
        operations: [],
        kept: null,
      }
      orders.push(record)
      registrations.set(record.orderNum, (registrations.get(record.orderNum) ?? 0) + 1)
      resultIds.push(record.id)
    })
    return { status: 200, body: { ...(resultIds.length > 0 ? { 'result-ids': resultIds } : {}), ...(errors.length > 0 ? { errors } : {}) } }
  }

  function idsOf(body: unknown, path: string): number[] | Reply {
    if (!Array.isArray(body) || body.some((id) => typeof id !== 'number' || !Number.isSafeInteger(id))) {
      return springError(400, 'Request body must be a JSON array of order ids', path)
    }
    return body as number[]
  }

  function toBatch(order: OrderRecord, batchName: string): void {
    order.state = 'batch'
    order.batchName = batchName
    const office = postalCode(order.body['postoffice-code']) ?? '101000'
    order.barcode = makeBarcode(office, nextSerial++, 51)
  }

  function makeBatch(body: unknown): Reply {
    const ids = idsOf(body, '/1.0/user/shipment')
    if (!Array.isArray(ids)) return ids
    const batchName = String(nextBatch++)
    const resultIds: number[] = []
    const errors: { 'error-code': string; position: number }[] = []
    ids.forEach((id, position) => {
      const order = liveOrder(id, 'backlog')
      if (!order) return errors.push({ 'error-code': 'NOT_FOUND', position })
      toBatch(order, batchName)
      resultIds.push(id)
    })
    const batches =
      resultIds.length === 0
        ? []
        : [{ 'batch-name': batchName, 'batch-status': 'CREATED', 'list-number-date': new Date().toISOString().slice(0, 10), 'shipment-count': resultIds.length }]
    return { status: 200, body: { batches, 'result-ids': resultIds, ...(errors.length > 0 ? { errors } : {}) } }
  }

  function remove(body: unknown, state: 'backlog' | 'batch', path: string): Reply {
    const ids = idsOf(body, path)
    if (!Array.isArray(ids)) return ids
    const resultIds: number[] = []
    const errors: { 'error-code': string; position: number }[] = []
    ids.forEach((id, position) => {
      const order = liveOrder(id, state)
      if (!order) return errors.push({ 'error-code': 'NOT_FOUND', position })
      // (The fake's own code.) A parcel the post office accepted can no longer be taken out of its batch.
      if (order.accepted) return errors.push({ 'error-code': 'ILLEGAL_BATCH_STATUS', position })
      order.state = 'deleted'
      resultIds.push(id)
    })
    return { status: 200, body: { 'result-ids': resultIds, ...(errors.length > 0 ? { errors } : {}) } }
  }

  function tariff(body: unknown): Reply {
    const path = '/1.0/tariff'
    if (!isRecord(body)) return springError(400, 'Request body must be a JSON object', path)
    const from = postalCode(body['index-from'])
    const to = postalCode(body['index-to'])
    if (from === null) return springError(400, 'index-from: 6-digit postal code required', path)
    if (to === null) return springError(400, 'index-to: 6-digit postal code required', path)
    const mailType = body['mail-type']
    const category = body['mail-category']
    if (typeof mailType !== 'string' || !MAIL_TYPES.has(mailType)) return springError(400, `mail-type: unknown value ${String(mailType)}`, path)
    if (typeof category !== 'string' || !MAIL_CATEGORIES.has(category)) return springError(400, `mail-category: unknown value ${String(category)}`, path)
    const mass = body['mass']
    if (!isCount(mass)) return springError(400, 'mass: grams, a positive integer', path)
    const declared = body['declared-value']
    if (WITH_DECLARED_VALUE.has(category) && !isCount(declared)) return springError(400, 'declared-value: kopecks, required for this mail-category', path)
    if (!WITH_DECLARED_VALUE.has(category) && declared !== undefined) return springError(400, 'declared-value: not allowed for this mail-category', path)
    const dimension = body['dimension']
    if (dimension !== undefined && (!isRecord(dimension) || !isCount(dimension['length']) || !isCount(dimension['width']) || !isCount(dimension['height']))) {
      return springError(400, 'dimension: length, width, height in whole centimetres', path)
    }
    const zone = Math.abs(Number(from[0]) - Number(to[0])) + (from.slice(0, 3) === to.slice(0, 3) ? 0 : 1)
    const baseGround = 24_000 + Math.ceil(mass / 100) * 1_200 + zone * 3_000
    const ground = mailType === 'ECOM' ? Math.floor((baseGround * 4) / 5) : baseGround
    const insurance = isCount(declared) ? Math.floor((declared * 4 + 99) / 100) : 0
    const rate = ground + insurance
    const minDays = 2 + zone + (mailType === 'ECOM' ? 1 : 0)
    return {
      status: 200,
      body: {
        'total-rate': rate,
        'total-vat': Math.floor(rate / 5),
        'ground-rate': { rate: ground, vat: Math.floor(ground / 5) },
        ...(insurance > 0 ? { 'insurance-rate': { rate: insurance, vat: Math.floor(insurance / 5) } } : {}),
        'delivery-time': { 'min-days': minDays, 'max-days': minDays + 3 },
        'payment-method': 'CASHLESS',
        'notice-payment-method': 'CASHLESS',
      },
    }
  }

  function otpravka(method: string, url: URL, body: unknown): Reply | { pdf: Buffer } {
    const path = url.pathname
    if (path === '/1.0/tariff' && method === 'POST') return tariff(body)
    if (path === '/1.0/delivery-point/findAll' && method === 'GET') return { status: 200, body: points }
    if (path === '/1.0/user/backlog' && method === 'PUT') return createOrders(body)
    if (path === '/1.0/backlog' && method === 'DELETE') return remove(body, 'backlog', path)
    if (path === '/1.0/user/shipment' && method === 'POST') return makeBatch(body)
    if (path === '/1.0/shipment' && method === 'DELETE') return remove(body, 'batch', path)
    if ((path === '/1.0/backlog/search' || path === '/1.0/shipment/search') && method === 'GET') {
      const query = url.searchParams.get('query') ?? ''
      const state = path === '/1.0/backlog/search' ? 'backlog' : 'batch'
      const found = orders.filter((o) => o.state === state && (o.orderNum === query || (o.barcode !== null && o.barcode === query)))
      return { status: 200, body: found.map(orderJson) }
    }
    let match = /^\/1\.0\/(backlog|shipment)\/(\d+)$/.exec(path)
    if (match && method === 'GET') {
      const order = liveOrder(Number(match[2]), match[1] === 'backlog' ? 'backlog' : 'batch')
      if (!order) return { status: 404, body: { code: 'NOT_FOUND', 'sub-code': 'ORDER_NOT_FOUND', desc: `Order ${match[2]} not found` } }
      return { status: 200, body: orderJson(order) }
    }
    match = /^\/1\.0\/forms\/(\d+)\/forms$/.exec(path)
    if (match && method === 'GET') {
      const id = Number(match[1])
      const order = orders.find((o) => o.id === id && o.state !== 'deleted')
      if (!order) return { status: 404, body: { code: 'NOT_FOUND', 'sub-code': 'ORDER_NOT_FOUND', desc: `Order ${id} not found` } }
      return { pdf: pdfFor(order) }
    }
    return springError(404, 'No handler found', path)
  }

  function trackingError(code: number): Record<string, unknown> {
    return { '@_ErrorTypeID': String(code), '@_ErrorName': TRACKING_ERROR_NAMES[code] ?? 'Ошибка' }
  }

  function answerFor(barcodes: string[]): Record<string, unknown> {
    const items = barcodes.map((barcode) => {
      const order = orders.find((o) => o.barcode === barcode && o.state === 'batch')
      if (!order || order.operations.length === 0) return { '@_Barcode': barcode, 'ns3:Error': trackingError(12) }
      return {
        '@_Barcode': barcode,
        'ns3:Operation': order.operations.map((op) => ({
          '@_OperTypeID': String(op.type),
          '@_OperCtgID': String(op.attribute),
          '@_OperName': op.name,
          '@_DateOper': moscowTime(op.date),
          '@_IndexOper': op.postalCode,
        })),
      }
    })
    return { '@_FileName': '', '@_FileTypeID': '2', '@_FileNumber': '1', '@_RecipientID': '1', '@_DatePreparation': moscowTime(new Date()), 'ns3:Item': items }
  }

  function trackingCall(raw: string): { status: number; xml: string } {
    let doc: unknown
    try {
      doc = xmlParser.parse(raw, true)
    } catch {
      return { status: 500, xml: soapFault('Client', 'Unmarshalling Error: the request is not XML') }
    }
    const envelope = isRecord(doc) ? doc['Envelope'] : undefined
    const body = isRecord(envelope) ? envelope['Body'] : undefined
    if (!isRecord(body)) return { status: 500, xml: soapFault('Client', 'No SOAP Body') }
    const ns = { '@_xmlns:ns2': 'http://fclient.russianpost.org/postserver', '@_xmlns:ns3': 'http://fclient.russianpost.org' }
    const ticketRequest = body['ticketRequest']
    if (isRecord(ticketRequest)) {
      const reply = (content: Record<string, unknown>) => ({ status: 200, xml: soapEnvelope({ 'ns2:ticketResponse': { ...ns, ...content } }) })
      if (failures[0] === 'client') {
        failures.shift()
        return reply({ error: trackingError(2) })
      }
      if (ticketRequest['login'] !== trackingLogin || ticketRequest['password'] !== trackingPassword) return reply({ error: trackingError(3) })
      const request = ticketRequest['request']
      const items = isRecord(request) && Array.isArray(request['Item']) ? (request['Item'] as unknown[]) : []
      const barcodes = items.map((item) => (isRecord(item) && typeof item['Barcode'] === 'string' ? item['Barcode'] : ''))
      if (barcodes.length === 0 || barcodes.some((barcode) => barcode.length === 0)) return reply({ error: trackingError(2) })
      if (barcodes.length > MAX_TICKET_ITEMS) return reply({ error: trackingError(18) })
      if (barcodes.some((barcode) => barcode.length > 14)) return reply({ error: trackingError(21) })
      const language = ticketRequest['language']
      if (language !== undefined && language !== 'RUS' && language !== 'ENG') return reply({ error: trackingError(20) })
      lastTicketMs = Math.max(Date.now(), lastTicketMs + 1)
      const at = new Date(lastTicketMs + 3 * 3600_000).toISOString().replace(/\D/g, '').slice(0, 17)
      const ticket = `${at}${trackingLogin.toUpperCase()}`
      tickets.set(ticket, { barcodes, notReadyLeft: ticketDelay, expired: false, answer: null })
      ticketLog.push({ ticket, barcodes: [...barcodes] })
      return reply({ value: ticket })
    }
    const answerRequest = body['answerByTicketRequest']
    if (isRecord(answerRequest)) {
      const reply = (content: Record<string, unknown>) => ({ status: 200, xml: soapEnvelope({ 'ns2:answerByTicketResponse': { ...ns, ...content } }) })
      if (failures[0] === 'client') {
        failures.shift()
        return reply({ error: trackingError(2) })
      }
      if (answerRequest['login'] !== trackingLogin || answerRequest['password'] !== trackingPassword) return reply({ error: trackingError(3) })
      const entry = typeof answerRequest['ticket'] === 'string' ? tickets.get(answerRequest['ticket']) : undefined
      if (!entry || entry.expired) return reply({ error: trackingError(17) })
      if (entry.notReadyLeft > 0) {
        entry.notReadyLeft--
        return reply({ error: trackingError(6) })
      }
      // The answer is prepared once, when the ticket becomes ready, and kept as it was.
      entry.answer ??= answerFor(entry.barcodes)
      return reply({ value: entry.answer })
    }
    return { status: 500, xml: soapFault('Client', 'Cannot find dispatch method') }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake')
    const method = request.method ?? 'GET'
    const raw = await readBody(request)

    if (url.pathname === '/fc') {
      log.push({ method, path: `${url.pathname}${url.search}`, body: raw })
      const failure = failures[0]
      if (failure === 'network' || failure === 'server') {
        failures.shift()
        if (failure === 'network') return void request.socket.destroy()
        response.writeHead(500, { 'content-type': 'text/xml;charset=utf-8' }).end(soapFault('Server', 'Simulated internal error'))
        return
      }
      if (method !== 'POST') {
        response.writeHead(405, { allow: 'POST' }).end()
        return
      }
      const { status, xml } = trackingCall(raw)
      response.writeHead(status, { 'content-type': 'text/xml;charset=utf-8' }).end(xml)
      return
    }

    let body: unknown = undefined
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw)
      } catch {
        body = raw
      }
    }
    log.push({ method, path: `${url.pathname}${url.search}`, body })
    const send = (reply: Reply) => response.writeHead(reply.status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(reply.body))

    const failure = failures.shift()
    if (failure === 'network') return void request.socket.destroy()
    if (failure === 'server') return void send(springError(500, 'Simulated internal error', url.pathname))
    if (failure === 'client') return void send(springError(400, 'Simulated validation error: request does not match the specification', url.pathname))

    if (request.headers.authorization !== expectedToken || request.headers['x-user-authorization'] !== expectedUser) {
      return void send(springError(401, 'Full authentication is required to access this resource', url.pathname))
    }
    if (raw.length > 0) {
      const type = request.headers['content-type'] ?? ''
      if (!type.toLowerCase().startsWith('application/json')) return void send(springError(415, `Content type '${type}' not supported`, url.pathname))
      if (typeof body === 'string') return void send(springError(400, 'JSON parse error', url.pathname))
    }
    const reply = otpravka(method, url, body)
    if ('pdf' in reply) {
      response.writeHead(200, { 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename=forms.pdf' }).end(reply.pdf)
      return
    }
    send(reply)
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ status: 500, error: 'Internal Server Error', message: String(error) }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  function orderOf(ref: CourierShipmentRef): OrderRecord {
    const order = orders.find(
      (o) => o.state !== 'deleted' && (String(o.id) === ref.carrierShipmentId || (ref.trackingNumber !== null && o.barcode === ref.trackingNumber)),
    )
    if (!order) throw new Error(`Russian Post fake: no order ${ref.carrierShipmentId}`)
    return order
  }

  function advance(order: OrderRecord, status: CarrierStatus, kept?: { sku: string; quantity: number }[]): void {
    if (status === 'registered') return
    if (order.state !== 'batch' || order.barcode === null) throw new Error(`Russian Post fake: order ${order.id} has no barcode yet (not in a batch)`)
    const [type, attribute, name] = STATUS_OPERATIONS[status]
    const last = order.operations.at(-1)?.date.getTime() ?? 0
    // Operations are a minute apart at least, so their order survives DateOper's one-second precision.
    const date = new Date(Math.max(Date.now() - 3_600_000, last + 60_000))
    const office = status === 'handed_over' ? (postalCode(order.body['postoffice-code']) ?? '101000') : (postalCode(order.body['index-to']) ?? '190000')
    order.operations.push({ type, attribute, name, date, postalCode: office })
    if (status !== 'cancelled') order.accepted = true
    if (kept !== undefined) order.kept = kept.map((line) => ({ ...line }))
  }

  const control: RussianPostFakeControl = {
    async advance(ref, status, options) {
      advance(orderOf(ref), status, options?.kept)
    },
    registrations(reference) {
      return registrations.get(reference) ?? 0
    },
    received(reference) {
      const order = orders.filter((o) => o.orderNum === reference).at(-1)
      return order ? { codTotal: order.payment } : null
    },
    failNext(kind) {
      failures.push(kind)
    },
    unknownRef() {
      return { carrierShipmentId: '699999999', trackingNumber: makeBarcode('101000', 99_999, 50) }
    },
    delayTickets(times) {
      ticketDelay = times
    },
    expireTickets() {
      for (const entry of tickets.values()) entry.expired = true
    },
  }

  return {
    url: origin,
    trackingUrl: `${origin}/fc`,
    accessToken,
    login,
    password,
    trackingLogin,
    trackingPassword,
    control,
    orders: () =>
      orders.map((o) => ({
        id: o.id,
        orderNum: o.orderNum,
        state: o.state,
        barcode: o.barcode,
        batchName: o.batchName,
        mailType: o.mailType,
        mailCategory: o.mailCategory,
        payment: o.payment,
        insrValue: o.insrValue,
        accepted: o.accepted,
        body: structuredClone(o.body),
        operations: o.operations.map((op) => ({ type: op.type, attribute: op.attribute, name: op.name, date: new Date(op.date) })),
        kept: o.kept === null ? null : o.kept.map((line) => ({ ...line })),
      })),
    requests: () => log.map((entry) => ({ ...entry })),
    tickets: () => ticketLog.map((entry) => ({ ticket: entry.ticket, barcodes: [...entry.barcodes] })),
    seedParcels(count, seedOptions) {
      const batchName = String(nextBatch++)
      const refs: CourierShipmentRef[] = []
      for (let i = 0; i < count; i++) {
        const record: OrderRecord = {
          id: nextId++,
          orderNum: `SEED-${batchName}-${i + 1}`,
          state: 'backlog',
          barcode: null,
          batchName: null,
          mailType: 'POSTAL_PARCEL',
          mailCategory: 'ORDINARY',
          payment: 0,
          insrValue: 0,
          accepted: false,
          body: { 'order-num': `SEED-${batchName}-${i + 1}`, 'mail-type': 'POSTAL_PARCEL', 'mail-category': 'ORDINARY', 'index-to': 190000, 'postoffice-code': '101000' },
          operations: [],
          kept: null,
        }
        orders.push(record)
        registrations.set(record.orderNum, (registrations.get(record.orderNum) ?? 0) + 1)
        toBatch(record, batchName)
        if (seedOptions?.status !== undefined) advance(record, seedOptions.status)
        refs.push({ carrierShipmentId: String(record.id), trackingNumber: record.barcode })
      }
      return refs
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
