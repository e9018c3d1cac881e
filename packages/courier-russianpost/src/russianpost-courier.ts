import {
  CourierError,
  type CarrierStatusUpdate,
  type Courier,
  type CourierCallContext,
  type CourierQuoteRequest,
  type CourierShipmentCreated,
  type CourierShipmentRef,
  type CourierShipmentRequest,
  type CourierTariff,
  type DeliveryMethodType,
  type Parcel,
  type PickupPoint,
  type PickupPointQuery,
  type VatRate,
} from '@ordo/core'
import { z } from 'zod'
import { OtpravkaClient, throwIfAborted } from './russianpost-client.js'
import { resolveRussianPostConfig, RUSSIAN_POST_POST_MAIL_TYPES, type ResolvedRussianPostConfig, type RussianPostConfig } from './russianpost-config.js'
import { russianPostRawStatus, russianPostStatus } from './russianpost-statuses.js'
import { RUSSIAN_POST_MAX_TICKET_ITEMS, TrackingClient, type TrackingOperation } from './russianpost-tracking.js'

/** Mail type of ECOM parcels (to a pickup point or a parcel locker). */
const ECOM = 'ECOM'
/** Country code of Russia in `mail-direct`. */
const RUSSIA = 643
/** Raw status reported for a parcel registered in a batch that the tracking service has no operation for yet (the batch's own status). */
export const RUSSIAN_POST_REGISTERED_RAW_STATUS = 'CREATED'

const kopecks = z.number().int().nonnegative()

const tariffSchema = z.looseObject({
  'total-rate': kopecks,
  'total-vat': kopecks.optional(),
  'delivery-time': z.looseObject({ 'min-days': z.number().int().nonnegative().optional(), 'max-days': z.number().int().nonnegative() }).optional(),
})

const flag = z.union([z.boolean(), z.string(), z.number()]).optional()
const pointSchema = z.looseObject({
  id: z.union([z.number(), z.string()]).optional(),
  'delivery-point-index': z.union([z.number(), z.string()]),
  'delivery-point-type': z.string().optional(),
  'brand-name': z.string().nullable().optional(),
  'legal-short-name': z.string().nullable().optional(),
  address: z
    .looseObject({
      index: z.union([z.number(), z.string()]).nullable().optional(),
      region: z.string().nullable().optional(),
      place: z.string().nullable().optional(),
      street: z.string().nullable().optional(),
      house: z.string().nullable().optional(),
      manualInput: z.union([z.string(), z.boolean()]).nullable().optional(),
    })
    .optional(),
  latitude: z.union([z.number(), z.string()]).nullable().optional(),
  longitude: z.union([z.number(), z.string()]).nullable().optional(),
  'work-time': z.array(z.string()).nullable().optional(),
  'weight-limit': z.union([z.number(), z.string()]).nullable().optional(),
  'card-payment': flag,
  'cash-payment': flag,
  'with-fitting': flag,
  'partial-redemption': flag,
  closed: flag,
  'temporary-closed': flag,
})
type DeliveryPoint = z.infer<typeof pointSchema>

const orderSchema = z.looseObject({ id: z.union([z.number(), z.string()]), 'order-num': z.string().optional(), barcode: z.string().nullable().optional() })
const ordersSchema = z.array(orderSchema)
const errorEntrySchema = z.looseObject({
  'error-code': z.string().optional(),
  'error-codes': z.array(z.looseObject({ code: z.string(), description: z.string().optional(), details: z.string().optional() })).optional(),
  position: z.number().int().optional(),
})
const resultSchema = z.looseObject({ 'result-ids': z.array(z.union([z.number(), z.string()])).optional(), errors: z.array(errorEntrySchema).optional() })
type ResultErrors = z.infer<typeof resultSchema>['errors']

/** Codes of the otpravka API the adapter acts on (enums-errors of the specification). */
const ERROR_CODES = {
  /** An order with this `order-num` exists already (the wording of the code is unverified: any code naming a duplicate is treated so). */
  DUPLICATE: /DUPLICATE/i,
  NOT_FOUND: /NOT_FOUND/i,
} as const

/** VAT codes of goods items (`vat-rate`): -1 without VAT, 0, 10, 20; 22 from 2026. */
const VAT_CODES: Record<VatRate, number> = { none: -1, vat0: 0, vat10: 10, vat20: 20, vat22: 22 }

/** 54-FZ payment method attribute of an item (`payattr`): 1 full prepayment, 4 full payment on receipt (COD). */
const PAYATTR_PREPAID = 1
const PAYATTR_ON_RECEIPT = 4

function truthy(value: boolean | string | number | undefined): boolean {
  return value === true || value === 1 || value === 'true' || value === '1'
}

function firstCode(errors: ResultErrors): string | null {
  const entry = errors?.[0]
  return entry?.['error-codes']?.[0]?.code ?? entry?.['error-code'] ?? null
}

function describeCodes(errors: ResultErrors): string {
  return (errors ?? [])
    .flatMap((entry) => entry['error-codes']?.map((code) => `${code.code}${code.description ? ` (${code.description})` : ''}`) ?? [entry['error-code'] ?? 'unknown'])
    .join(', ')
}

/** `"г. Санкт-Петербург"` → `"Санкт-Петербург"`: the settlement type prefix the otpravka addresses carry. */
export function russianPostCityName(place: string): string {
  return place.replace(/^\s*(?:г\.|г\s|город\s)\s*/i, '').trim()
}

function sameCity(a: string, b: string): boolean {
  const norm = (text: string) => russianPostCityName(text).toLowerCase().replace(/ё/g, 'е')
  return norm(a) === norm(b)
}

function coordinate(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null
  const number = typeof value === 'number' ? value : Number(value)
  return Number.isFinite(number) ? number : null
}

function isLocker(point: DeliveryPoint): boolean {
  return /POSTAMAT|LOCKER|ПОСТАМАТ|ПОЧТОМАТ/i.test(point['delivery-point-type'] ?? '')
}

function toPickupPoint(point: DeliveryPoint, carrier: string): PickupPoint {
  const locker = isLocker(point)
  const address = point.address ?? {}
  const city = russianPostCityName(address.place ?? address.region ?? '')
  const manual = typeof address.manualInput === 'string' ? address.manualInput : ''
  const line = [address.street, address.house].filter((part): part is string => typeof part === 'string' && part.length > 0).join(', ') || manual || city
  const weightKg = coordinate(point['weight-limit'])
  const id = String(point['delivery-point-index'])
  return {
    id,
    carrier,
    type: locker ? 'parcel_locker' : 'pickup_point',
    name: point['brand-name'] ?? point['legal-short-name'] ?? (locker ? `Почтомат ${id}` : `Пункт выдачи ${id}`),
    address: { country: 'RU', city, postalCode: address.index === null || address.index === undefined ? null : String(address.index), line },
    lat: coordinate(point.latitude),
    lon: coordinate(point.longitude),
    workingHours: point['work-time'] && point['work-time'].length > 0 ? point['work-time'].join('; ') : null,
    services: {
      cod: truthy(point['cash-payment']) || truthy(point['card-payment']),
      card: truthy(point['card-payment']),
      // Lockers have no staff: nothing can be tried on or partly refused there.
      tryOn: !locker && truthy(point['with-fitting']),
      partialBuyout: !locker && truthy(point['partial-redemption']),
    },
    // `weight-limit` is in kilograms (verify against the specification's delivery point object).
    maxWeightGrams: weightKg !== null && weightKg > 0 ? Math.round(weightKg * 1000) : null,
    maxDimensionsCm: null,
  }
}

function latest(operations: TrackingOperation[]): TrackingOperation {
  // Stable: operations with the same minute keep the service's (chronological) order.
  return operations
    .map((operation, index) => ({ operation, index }))
    .sort((a, b) => a.operation.date.getTime() - b.operation.date.getTime() || a.index - b.index)
    .at(-1)!.operation
}

async function inPool<T, R>(items: T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await run(items[index]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker))
  return results
}

function rubOnly(currency: string): void {
  if (currency !== 'RUB') throw new CourierError(`Russian Post quotes and collects rubles only, not ${currency}`, { retryable: false })
}

function postalCodeOf(value: string | undefined, what: string): number {
  if (value === undefined || !/^\d{6}$/.test(value)) throw new CourierError(`Russian Post needs the 6-digit postal code of the ${what}`, { retryable: false })
  return Number(value)
}

interface FoundOrder {
  id: string
  barcode: string | null
  inBatch: boolean
}

/**
 * The Russian Post courier (Почта России), speaking the otpravka API and the
 * batch tracking service over `fetch`:
 *
 * - `quote`: `POST /1.0/tariff` for post-office delivery (`post`, the
 *   configured mail type) and, with ECOM, pickup points and parcel lockers;
 *   prices are the tariff plus VAT, in kopecks as the API gives them;
 * - `listPickupPoints`: the ECOM points (`GET /1.0/delivery-point/findAll`,
 *   kept in memory for `pickupPointsTtlMs`) filtered by city;
 * - `createShipment`: finds an order with the same `order-num` first (so a
 *   retry, even from another process, registers nothing twice), else
 *   `PUT /1.0/user/backlog`; then puts it in a batch (`POST /1.0/user/shipment`)
 *   so it gets its barcode, which is the tracking number;
 * - `cancelShipment`: removes the order from its batch or from the backlog;
 *   refused once the post office has accepted the batch;
 * - `getLabel`: the order's print forms (`GET /1.0/forms/{id}/forms`, PDF);
 * - `track`: batch tracking, a ticket for up to 3,000 barcodes and then its
 *   answer; parcels the tracking service knows nothing of yet but that sit in
 *   a batch are `registered`;
 * - no status webhooks: the engine polls `track`.
 *
 * Money is integer kopecks throughout (`payment`, `insr-value`,
 * `declared-value`, `total-rate`), exactly what core uses.
 *
 * @example
 * ```ts
 * import { russianPost } from '@ordo/courier-russianpost'
 *
 * const courier = russianPost({
 *   accessToken: process.env.POCHTA_TOKEN!,
 *   login: process.env.POCHTA_LOGIN!,
 *   password: process.env.POCHTA_PASSWORD!,
 *   fromPostalCode: '101000',
 *   trackingLogin: process.env.POCHTA_TRACKING_LOGIN!,
 *   trackingPassword: process.env.POCHTA_TRACKING_PASSWORD!,
 * })
 * const tariffs = await courier.quote(request, { signal: AbortSignal.timeout(10_000) })
 * ```
 */
export function russianPost(config: RussianPostConfig): Courier {
  const resolved: ResolvedRussianPostConfig = resolveRussianPostConfig(config)
  const api = new OtpravkaClient(resolved)
  const tracking = new TrackingClient(resolved)
  let pointsCache: { at: number; points: DeliveryPoint[] } | null = null

  async function tariff(body: Record<string, unknown>, signal: AbortSignal) {
    return (await api.json(tariffSchema, 'POST', '/1.0/tariff', { signal, body }))!
  }

  async function quoteOne(
    request: CourierQuoteRequest,
    mailType: string,
    signal: AbortSignal,
  ): Promise<{ price: number; minDays: number; maxDays: number }> {
    const indexTo = postalCodeOf(request.to.postalCode, 'destination')
    const answers = await Promise.all(
      request.parcels.map((parcel: Parcel, index) => {
        // The declared value goes with the first parcel only, so it is insured once.
        const declared = index === 0 && request.declaredValue > 0
        return tariff(
          {
            'index-from': resolved.fromPostalCode,
            'index-to': String(indexTo).padStart(6, '0'),
            'mail-category': declared ? 'WITH_DECLARED_VALUE' : 'ORDINARY',
            'mail-type': mailType,
            mass: parcel.weightGrams,
            dimension: { length: parcel.lengthCm, width: parcel.widthCm, height: parcel.heightCm },
            fragile: false,
            ...(declared ? { 'declared-value': request.declaredValue } : {}),
          },
          signal,
        )
      }),
    )
    let price = 0
    let minDays = 0
    let maxDays = 0
    for (const answer of answers) {
      price += answer['total-rate'] + (answer['total-vat'] ?? 0)
      const max = answer['delivery-time']?.['max-days'] ?? 0
      minDays = Math.max(minDays, answer['delivery-time']?.['min-days'] ?? max)
      maxDays = Math.max(maxDays, max)
    }
    if (!Number.isSafeInteger(price)) throw new CourierError('Russian Post answered with a price out of range', { retryable: false })
    return { price, minDays: Math.min(minDays, maxDays), maxDays }
  }

  async function deliveryPoints(signal: AbortSignal): Promise<DeliveryPoint[]> {
    if (pointsCache && Date.now() - pointsCache.at < resolved.pickupPointsTtlMs) return pointsCache.points
    const points = (await api.json(z.array(pointSchema), 'GET', '/1.0/delivery-point/findAll', { signal }))!
    pointsCache = { at: Date.now(), points }
    return points
  }

  async function findOrder(reference: string, signal: AbortSignal): Promise<FoundOrder | null> {
    const query = encodeURIComponent(reference)
    const inBatch = (await api.json(ordersSchema, 'GET', `/1.0/shipment/search?query=${query}`, { signal, notFoundIsNull: true })) ?? []
    const batched = inBatch.find((order) => order['order-num'] === reference)
    if (batched) return { id: String(batched.id), barcode: batched.barcode ?? null, inBatch: true }
    const backlog = (await api.json(ordersSchema, 'GET', `/1.0/backlog/search?query=${query}`, { signal, notFoundIsNull: true })) ?? []
    const waiting = backlog.find((order) => order['order-num'] === reference)
    return waiting ? { id: String(waiting.id), barcode: waiting.barcode ?? null, inBatch: false } : null
  }

  function orderBody(request: CourierShipmentRequest): Record<string, unknown> {
    rubOnly(request.currency)
    if (request.parcels.length !== 1) {
      throw new CourierError(`Russian Post registers one parcel per order; split the shipment (got ${request.parcels.length} parcels)`, { retryable: false })
    }
    const parcel = request.parcels[0]!
    const ecom = request.methodType === 'pickup_point' || request.methodType === 'parcel_locker'
    if (!ecom && request.methodType !== 'post') {
      throw new CourierError(`Russian Post does not deliver by "${request.methodType}"; use post, pickup_point or parcel_locker`, { retryable: false })
    }
    if (ecom && !resolved.ecom) throw new CourierError('ECOM delivery is turned off in this russianPost() config', { retryable: false })
    if (ecom && !request.pickupPointId) throw new CourierError('Russian Post ECOM delivery needs the pickup point id', { retryable: false })
    if (request.methodType === 'parcel_locker' && (request.services.tryOn || request.services.partialBuyout)) {
      throw new CourierError('A parcel locker allows neither try-on nor partial buyout', { retryable: false })
    }
    if (!ecom && (request.services.tryOn || request.services.partialBuyout)) {
      throw new CourierError('Russian Post offers try-on and partial buyout at ECOM pickup points only', { retryable: false })
    }
    let cod = request.codDelivery
    for (const item of parcel.items) cod += item.codPerUnit * item.quantity
    if (!Number.isSafeInteger(cod) || cod < 0) throw new CourierError('The cash on delivery total is not a whole number of kopecks', { retryable: false })
    // The cash to collect may not exceed the declared value.
    const insured = Math.max(request.declaredValue, cod)
    const category = cod > 0 ? 'WITH_DECLARED_VALUE_AND_CASH_ON_DELIVERY' : insured > 0 && request.services.insurance ? 'WITH_DECLARED_VALUE' : 'ORDINARY'
    const mailType = ecom ? ECOM : (RUSSIAN_POST_POST_MAIL_TYPES as readonly string[]).includes(request.tariffCode) ? request.tariffCode : resolved.mailType
    const [givenName, ...rest] = request.recipient.name.trim().split(/\s+/)
    const phone = request.recipient.phone.replace(/\D/g, '')
    const services = ecom
      ? [...(request.services.tryOn ? ['WITH_FITTING'] : []), ...(request.services.partialBuyout ? ['PARTIAL_REDEMPTION'] : [])]
      : []
    return {
      'order-num': request.reference,
      'mail-type': mailType,
      'mail-category': category,
      'mail-direct': RUSSIA,
      'postoffice-code': resolved.fromPostalCode,
      mass: parcel.weightGrams,
      dimension: { length: parcel.lengthCm, width: parcel.widthCm, height: parcel.heightCm },
      fragile: false,
      'address-type-to': 'DEFAULT',
      ...(request.to.postalCode ? { 'index-to': postalCodeOf(request.to.postalCode, 'recipient') } : {}),
      'region-to': request.to.region ?? request.to.city,
      'place-to': request.to.city,
      'street-to': request.to.line ?? '',
      'recipient-name': request.recipient.name,
      'given-name': givenName ?? request.recipient.name,
      surname: rest.join(' ') || (givenName ?? request.recipient.name),
      ...(phone.length > 0 ? { 'tel-address': Number(phone) } : {}),
      ...(category === 'ORDINARY' ? {} : { 'insr-value': insured }),
      ...(cod > 0 ? { payment: cod } : {}),
      ...(request.comment ? { comment: request.comment } : {}),
      ...(ecom ? { 'ecom-data': { 'delivery-point-index': request.pickupPointId, services: services.length > 0 ? services : ['WITHOUT_SERVICE'] } } : {}),
      goods: {
        items: parcel.items.map((item) => ({
          description: item.name,
          quantity: item.quantity,
          value: item.unitPrice,
          'insr-value': item.unitPrice,
          'item-number': item.sku,
          'vat-rate': VAT_CODES[item.vatRate],
          weight: item.weightGrams,
          lineattr: 1,
          payattr: item.codPerUnit > 0 ? PAYATTR_ON_RECEIPT : PAYATTR_PREPAID,
          ...(item.markingCode ? { code: item.markingCode } : {}),
        })),
      },
    }
  }

  async function putInBatch(id: string, signal: AbortSignal): Promise<void> {
    const result = (await api.json(resultSchema, 'POST', '/1.0/user/shipment', { signal, body: [Number(id)] }))!
    if (result['result-ids']?.some((value) => String(value) === id)) return
    throw new CourierError(`Russian Post could not put order ${id} in a batch: ${describeCodes(result.errors) || 'no result'}`, {
      retryable: false,
      status: 200,
      vendorCode: firstCode(result.errors),
    })
  }

  async function remove(path: string, id: string, signal: AbortSignal): Promise<'removed' | 'not_found'> {
    const result = (await api.json(resultSchema, 'DELETE', path, { signal, body: [Number(id)] }))!
    if (result['result-ids']?.some((value) => String(value) === id)) return 'removed'
    const code = firstCode(result.errors)
    if (code !== null && ERROR_CODES.NOT_FOUND.test(code)) return 'not_found'
    throw new CourierError(`Russian Post refused to cancel order ${id}: ${describeCodes(result.errors) || 'no result'}`, { retryable: false, status: 200, vendorCode: code })
  }

  const courier: Courier = {
    id: resolved.id,
    name: 'Почта России',
    capabilities: Object.freeze({
      supportsTryOn: resolved.ecom,
      // The tracking service reports a partial delivery (operation 48) but not which items were kept.
      supportsPartialBuyout: false,
      supportsLockers: resolved.ecom,
      supportsWebhooks: false,
      supportsCod: true,
      supportsLabels: true,
      maxTrackBatch: RUSSIAN_POST_MAX_TICKET_ITEMS,
    }),

    async quote(request: CourierQuoteRequest, context: CourierCallContext): Promise<CourierTariff[]> {
      throwIfAborted(context.signal, 'Russian Post tariff')
      rubOnly(request.currency)
      const wanted = new Set<DeliveryMethodType>(request.methodTypes ?? ['post', 'pickup_point', 'parcel_locker'])
      const tariffs: CourierTariff[] = []
      const ecomWanted = resolved.ecom && (wanted.has('pickup_point') || wanted.has('parcel_locker'))
      const [post, ecom] = await Promise.all([
        wanted.has('post') ? quoteOne(request, resolved.mailType, context.signal) : null,
        ecomWanted ? quoteOne(request, ECOM, context.signal) : null,
      ])
      if (post) {
        tariffs.push({
          tariffCode: resolved.mailType,
          name: 'Почта России: посылка до отделения',
          methodType: 'post',
          ...post,
          services: { cod: true, card: true, tryOn: false, partialBuyout: false },
        })
      }
      if (ecom && wanted.has('pickup_point')) {
        tariffs.push({
          tariffCode: ECOM,
          name: 'Почта России: ЕКОМ до пункта выдачи',
          methodType: 'pickup_point',
          ...ecom,
          services: { cod: true, card: true, tryOn: true, partialBuyout: false },
        })
      }
      if (ecom && wanted.has('parcel_locker')) {
        tariffs.push({
          tariffCode: ECOM,
          name: 'Почта России: ЕКОМ до почтомата',
          methodType: 'parcel_locker',
          ...ecom,
          services: { cod: true, card: true, tryOn: false, partialBuyout: false },
        })
      }
      return tariffs
    },

    async listPickupPoints(query: PickupPointQuery, context: CourierCallContext): Promise<PickupPoint[]> {
      throwIfAborted(context.signal, 'Russian Post delivery points')
      if (!resolved.ecom) return []
      if (query.country !== undefined && query.country !== 'RU') return []
      const types = new Set(query.types ?? ['pickup_point', 'parcel_locker'])
      const all = await deliveryPoints(context.signal)
      const result: PickupPoint[] = []
      for (const raw of all) {
        if (truthy(raw.closed) || truthy(raw['temporary-closed'])) continue
        const point = toPickupPoint(raw, resolved.id)
        if (!types.has(point.type)) continue
        if (query.city !== undefined) {
          if (!sameCity(point.address.city, query.city)) continue
        } else if (query.postalCode !== undefined && point.address.postalCode !== query.postalCode) {
          continue
        }
        result.push(point)
      }
      return result
    },

    async createShipment(request: CourierShipmentRequest, context: CourierCallContext): Promise<CourierShipmentCreated> {
      const { signal } = context
      const body = orderBody(request)
      throwIfAborted(signal, 'Russian Post create order')
      // Asked first, so a retry after a lost answer (even from another process) finds the order instead of registering a twin.
      let found = await findOrder(request.reference, signal)
      if (!found) {
        const created = (await api.json(resultSchema, 'PUT', '/1.0/user/backlog', { signal, body: [body] }))!
        const id = created['result-ids']?.[0]
        if (id !== undefined) {
          found = { id: String(id), barcode: null, inBatch: false }
        } else {
          const code = firstCode(created.errors)
          if (code === null || !ERROR_CODES.DUPLICATE.test(code)) {
            throw new CourierError(`Russian Post rejected order ${request.reference}: ${describeCodes(created.errors) || 'no result'}`, {
              retryable: false,
              status: 200,
              vendorCode: code,
            })
          }
          found = await findOrder(request.reference, signal)
          if (!found) throw new CourierError(`Russian Post reports order ${request.reference} as a duplicate but does not find it`, { retryable: true, vendorCode: code })
        }
      }
      if (!found.inBatch) await putInBatch(found.id, signal)
      let barcode = found.barcode
      if (barcode === null || !found.inBatch) {
        const order = await api.json(orderSchema, 'GET', `/1.0/shipment/${encodeURIComponent(found.id)}`, { signal, notFoundIsNull: true })
        barcode = order?.barcode ?? null
      }
      return { carrierShipmentId: found.id, trackingNumber: barcode, rawStatus: RUSSIAN_POST_REGISTERED_RAW_STATUS }
    },

    async cancelShipment(ref: CourierShipmentRef, context: CourierCallContext): Promise<void> {
      const id = ref.carrierShipmentId
      if (!/^\d+$/.test(id)) throw new CourierError(`"${id}" is not a Russian Post order id`, { retryable: false })
      if ((await remove('/1.0/shipment', id, context.signal)) === 'removed') return
      // Not in a batch: an order left in the backlog (its batch was never made), or one already gone.
      await remove('/1.0/backlog', id, context.signal)
    },

    async getLabel(ref: CourierShipmentRef, context: CourierCallContext): Promise<Uint8Array> {
      const id = ref.carrierShipmentId
      if (!/^\d+$/.test(id)) throw new CourierError(`"${id}" is not a Russian Post order id`, { retryable: false })
      const { bytes } = await api.bytes(`/1.0/forms/${id}/forms`, context)
      if (bytes.byteLength < 5 || Buffer.from(bytes.subarray(0, 4)).toString('latin1') !== '%PDF') {
        throw new CourierError(`Russian Post answered the print forms of order ${id} with something that is not a PDF`, { retryable: false, status: 200 })
      }
      return bytes
    },

    async track(refs: CourierShipmentRef[], context: CourierCallContext): Promise<CarrierStatusUpdate[]> {
      const { signal } = context
      if (refs.length === 0) return []
      if (refs.length > RUSSIAN_POST_MAX_TICKET_ITEMS) {
        throw new CourierError(`track takes at most ${RUSSIAN_POST_MAX_TICKET_ITEMS} shipments per call, got ${refs.length}`, { retryable: false })
      }
      throwIfAborted(signal, 'Russian Post tracking')
      const byBarcode = new Map<string, CourierShipmentRef>()
      const updates: CarrierStatusUpdate[] = []
      // A ref without a barcode: ask otpravka for it (the batch gives it one).
      const withoutBarcode = refs.filter((ref) => ref.trackingNumber === null)
      await inPool(withoutBarcode, 8, async (ref) => {
        if (!/^\d+$/.test(ref.carrierShipmentId)) return
        const order = await api.json(orderSchema, 'GET', `/1.0/shipment/${ref.carrierShipmentId}`, { signal, notFoundIsNull: true })
        if (order?.barcode) byBarcode.set(order.barcode, ref)
      })
      for (const ref of refs) if (ref.trackingNumber !== null) byBarcode.set(ref.trackingNumber, ref)

      const answers = await tracking.track([...byBarcode.keys()], signal)
      const unknown: string[] = []
      for (const answer of answers) {
        const ref = byBarcode.get(answer.barcode)!
        if (answer.operations === null) {
          unknown.push(answer.barcode)
          continue
        }
        const operation = latest(answer.operations)
        updates.push({
          carrierShipmentId: ref.carrierShipmentId,
          trackingNumber: answer.barcode,
          reference: null,
          status: russianPostStatus(operation.type, operation.attribute),
          rawStatus: russianPostRawStatus(operation.type, operation.attribute),
          occurredAt: operation.date,
          description: operation.name,
        })
      }
      // No operation yet: still registered if the order sits in a batch; otherwise unknown (or cancelled) and left out.
      const registered = await inPool(unknown, 8, async (barcode) => {
        const orders = (await api.json(ordersSchema, 'GET', `/1.0/shipment/search?query=${encodeURIComponent(barcode)}`, { signal, notFoundIsNull: true })) ?? []
        return orders.find((order) => order.barcode === barcode) ?? null
      })
      registered.forEach((order, index) => {
        if (!order) return
        const barcode = unknown[index]!
        updates.push({
          carrierShipmentId: byBarcode.get(barcode)!.carrierShipmentId,
          trackingNumber: barcode,
          reference: order['order-num'] ?? null,
          status: 'registered',
          rawStatus: RUSSIAN_POST_REGISTERED_RAW_STATUS,
          // The batch service keeps no date for a parcel it has not seen; the time of the check is the best known.
          occurredAt: new Date(),
        })
      })
      return updates
    },

    async parseWebhook() {
      return {
        ok: false,
        reason: 'Russian Post sends no status webhooks; its shipments are tracked by polling',
        response: { status: 404, body: '', contentType: 'text/plain; charset=utf-8' },
      }
    },
  }
  return courier
}
