import {
  CourierError,
  vatFromGross,
  type CarrierStatus,
  type CarrierStatusUpdate,
  type Courier,
  type CourierLocation,
  type CourierShipmentRef,
  type CourierShipmentRequest,
  type CourierTariff,
  type DeliveryMethodType,
  type DeliveryServices,
  type ParsedCourierWebhook,
  type PickupPoint,
  type VatRate,
} from '@ordo/core'
import { z } from 'zod'
import { CdekClient } from './cdek-client.js'
import { resolveCdekConfig, type CdekConfig, type CdekLocation, type ResolvedCdekConfig } from './cdek-config.js'
import { fromCdekRubles, gramsFromKilograms, toCdekRubles } from './cdek-money.js'
import { CDEK_DELIVERY_MODES, cdekCarrierStatus } from './cdek-status.js'

const decimal = z.union([z.number(), z.string()])

const tariffListSchema = z.looseObject({
  tariff_codes: z.array(
    z.looseObject({
      tariff_code: z.number(),
      tariff_name: z.string(),
      delivery_mode: z.union([z.number(), z.string()]),
      delivery_sum: decimal,
      period_min: z.number(),
      period_max: z.number(),
    }),
  ),
})

const deliveryPointSchema = z.looseObject({
  code: z.string().min(1),
  name: z.string().optional(),
  type: z.string(),
  location: z.looseObject({
    country_code: z.string().optional(),
    city: z.string().optional(),
    postal_code: z.string().nullable().optional(),
    address: z.string().optional(),
    address_full: z.string().optional(),
    latitude: z.number().nullable().optional(),
    longitude: z.number().nullable().optional(),
  }),
  work_time: z.string().nullable().optional(),
  have_cash: z.boolean().optional(),
  have_cashless: z.boolean().optional(),
  is_dressing_room: z.boolean().optional(),
  allowed_cod: z.boolean().optional(),
  weight_max: decimal.nullable().optional(),
  dimensions: z.array(z.looseObject({ width: z.number(), height: z.number(), depth: z.number() })).nullable().optional(),
})
type CdekDeliveryPoint = z.infer<typeof deliveryPointSchema>

const citySchema = z.array(z.looseObject({ code: z.number(), city: z.string().optional() }))

const entityAnswerSchema = z.looseObject({
  entity: z.looseObject({ uuid: z.string().min(1) }).optional(),
  requests: z.array(z.looseObject({ state: z.string().optional() })).optional(),
})

const orderSchema = z.looseObject({
  entity: z.looseObject({
    uuid: z.string().min(1),
    is_return: z.boolean().optional(),
    number: z.string().nullable().optional(),
    cdek_number: z.union([z.string(), z.number()]).nullable().optional(),
    statuses: z.array(z.looseObject({ code: z.string(), name: z.string().optional(), date_time: z.string() })).optional(),
    packages: z
      .array(
        z.looseObject({
          items: z
            .array(z.looseObject({ ware_key: z.string().optional(), amount: z.number().optional(), delivery_amount: z.number().nullable().optional() }))
            .optional(),
        }),
      )
      .optional(),
  }),
  related_entities: z.array(z.looseObject({ type: z.string(), uuid: z.string().optional() })).optional(),
})
type CdekOrder = z.infer<typeof orderSchema>

const printSchema = z.looseObject({
  entity: z.looseObject({
    url: z.string().optional(),
    statuses: z.array(z.looseObject({ code: z.string() })).optional(),
  }),
})

const webhookSchema = z.looseObject({
  type: z.string(),
  uuid: z.string().min(1).optional(),
  attributes: z.looseObject({ status_code: z.string().optional(), code: z.string().optional(), number: z.string().optional() }).optional(),
})

const EMPTY_TEXT = 'text/plain; charset=utf-8'

/** CDEK's `vat_rate` for our rate: `null` is "без НДС". */
function cdekVatRate(rate: VatRate): number | null {
  switch (rate) {
    case 'none':
      return null
    case 'vat0':
      return 0
    case 'vat10':
      return 10
    case 'vat20':
      return 20
    case 'vat22':
      return 22
  }
}

function servicesFor(methodType: DeliveryMethodType): DeliveryServices {
  // Lockers take prepaid parcels only and have no fitting room; couriers and offices take cash and cards.
  if (methodType === 'parcel_locker') return { cod: false, card: false, tryOn: false, partialBuyout: false }
  return { cod: true, card: true, tryOn: true, partialBuyout: true }
}

function cdekLocation(location: CourierLocation | CdekLocation): Record<string, unknown> {
  if ('address' in location) {
    return {
      ...(location.code === undefined ? {} : { code: location.code }),
      ...(location.postalCode === undefined ? {} : { postal_code: location.postalCode }),
      country_code: location.countryCode ?? 'RU',
      ...(location.city === undefined ? {} : { city: location.city }),
      address: location.address,
    }
  }
  const code = location.carrierCityCode !== undefined && /^\d+$/.test(location.carrierCityCode) ? Number(location.carrierCityCode) : undefined
  return {
    ...(code === undefined ? {} : { code }),
    ...(location.postalCode ? { postal_code: location.postalCode } : {}),
    country_code: location.country,
    city: location.city,
    ...(location.line ? { address: location.line } : {}),
    ...(location.lat !== undefined && location.lon !== undefined ? { latitude: location.lat, longitude: location.lon } : {}),
  }
}

/** CDEK writes `2024-03-01T12:00:00+0000`; `Date` wants a colon in the offset. */
function parseCdekDate(text: string): Date {
  const normalized = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')
  const date = new Date(normalized)
  if (Number.isNaN(date.getTime())) throw new CourierError(`CDEK answered with an invalid date "${text}"`, { retryable: false })
  return date
}

function rubles(kopecks: number): number {
  return toCdekRubles(kopecks)
}

function kopecks(value: number | string, what: string): number {
  const minor = fromCdekRubles(value)
  if (minor === null) throw new CourierError(`CDEK answered with an invalid amount for ${what}: "${String(value)}"`, { retryable: false })
  return minor
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new CourierError('CDEK call aborted', { retryable: true, cause: signal.reason }))
      return
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(new CourierError('CDEK call aborted', { retryable: true, cause: signal.reason }))
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Runs `task` over `inputs` with at most `limit` in flight, keeping the input order. */
async function mapLimited<I, O>(inputs: readonly I[], limit: number, task: (input: I) => Promise<O>): Promise<O[]> {
  const results: O[] = new Array(inputs.length)
  let next = 0
  const worker = async () => {
    while (next < inputs.length) {
      const index = next++
      results[index] = await task(inputs[index]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker))
  return results
}

function isNotFound(error: unknown): boolean {
  return error instanceof CourierError && error.status === 404
}

/**
 * The CDEK (СДЭК) courier, speaking API v2 over `fetch`: tariffs from the
 * calculator, pickup points and parcel lockers with their limits, shipments
 * of an online shop (type 1) with cash on delivery per item, try-on and
 * partial delivery, waybill PDFs, tracking by order look-ups and
 * `ORDER_STATUS` webhooks verified by re-fetching the order (CDEK signs
 * nothing).
 *
 * A shipment's `reference` is sent as the CDEK order `number`; when CDEK
 * refuses a second order with that number, the adapter finds the first one by
 * `im_number` and returns it, so a retried registration never ships twice.
 *
 * @example
 * ```ts
 * import { cdek } from '@ordo/courier-cdek'
 *
 * const courier = cdek({
 *   clientId: process.env.CDEK_CLIENT_ID!,
 *   clientSecret: process.env.CDEK_CLIENT_SECRET!,
 *   shipmentPoint: 'MSK12',
 * })
 * const tariffs = await courier.quote(request, { signal: AbortSignal.timeout(10_000) })
 * ```
 */
export function cdek(config: CdekConfig): Courier {
  const resolved: ResolvedCdekConfig = resolveCdekConfig(config)
  const client = new CdekClient(resolved)

  async function order(uuid: string, signal: AbortSignal): Promise<CdekOrder | null> {
    try {
      return await client.request(orderSchema, 'GET', `/orders/${encodeURIComponent(uuid)}`, { signal })
    } catch (error) {
      if (isNotFound(error)) return null
      throw error
    }
  }

  async function orderByQuery(query: Record<string, string>, signal: AbortSignal): Promise<CdekOrder | null> {
    try {
      return await client.request(orderSchema, 'GET', '/orders', { signal, query })
    } catch (error) {
      if (isNotFound(error)) return null
      throw error
    }
  }

  function latestStatus(found: CdekOrder): { code: string; name: string | undefined; at: Date } | null {
    const statuses = (found.entity.statuses ?? []).map((status, index) => ({ ...status, index, at: parseCdekDate(status.date_time) }))
    // CDEK lists the newest first; sort by time and keep that order for equal times.
    statuses.sort((a, b) => b.at.getTime() - a.at.getTime() || a.index - b.index)
    const isReturn = found.entity.is_return === true
    const known = statuses.find((status) => cdekCarrierStatus(status.code, isReturn) !== null)
    return known ? { code: known.code, name: known.name, at: known.at } : null
  }

  /** What the customer kept, when CDEK reports fewer units handed over than sent. */
  function keptItems(found: CdekOrder): { sku: string; quantity: number }[] | null {
    const items = (found.entity.packages ?? []).flatMap((pkg) => pkg.items ?? [])
    if (items.length === 0 || items.some((item) => item.delivery_amount === undefined || item.delivery_amount === null)) return null
    const partial = items.some((item) => (item.delivery_amount ?? 0) < (item.amount ?? 0))
    if (!partial) return null
    const kept = new Map<string, number>()
    for (const item of items) {
      const quantity = item.delivery_amount ?? 0
      if (quantity > 0 && item.ware_key) kept.set(item.ware_key, (kept.get(item.ware_key) ?? 0) + quantity)
    }
    // Nothing handed over under a "delivered" code says nothing about a partial delivery; report it as delivered.
    return kept.size === 0 ? null : [...kept].map(([sku, quantity]) => ({ sku, quantity }))
  }

  /** One status update for the direct order `found` (following it to its return order when there is one). */
  async function updateFor(found: CdekOrder, signal: AbortSignal): Promise<CarrierStatusUpdate | null> {
    let source = found
    let direct = found
    if (found.entity.is_return === true) {
      const directUuid = found.related_entities?.find((entity) => entity.type === 'direct_order')?.uuid
      const fetched = directUuid ? await order(directUuid, signal) : null
      if (fetched) direct = fetched
    } else {
      const returnUuid = found.related_entities?.find((entity) => entity.type === 'return_order')?.uuid
      const back = returnUuid ? await order(returnUuid, signal) : null
      if (back && latestStatus(back) !== null) source = back
    }
    const latest = latestStatus(source)
    if (!latest) return null
    let status: CarrierStatus = cdekCarrierStatus(latest.code, source.entity.is_return === true)!
    let kept: { sku: string; quantity: number }[] | undefined
    if (status === 'delivered') {
      const partial = keptItems(source)
      if (partial) {
        status = 'partially_delivered'
        kept = partial
      }
    }
    const cdekNumber = direct.entity.cdek_number
    return {
      carrierShipmentId: direct.entity.uuid,
      trackingNumber: cdekNumber === undefined || cdekNumber === null || cdekNumber === '' ? null : String(cdekNumber),
      reference: direct.entity.number ?? null,
      status,
      rawStatus: latest.code,
      occurredAt: latest.at,
      ...(kept ? { kept } : {}),
      ...(latest.name ? { description: source === direct ? latest.name : `Возврат: ${latest.name}` } : {}),
    }
  }

  function toPickupPoint(point: CdekDeliveryPoint): PickupPoint | null {
    const type = point.type === 'PVZ' ? 'pickup_point' : point.type === 'POSTAMAT' ? 'parcel_locker' : null
    if (type === null) return null
    const cells = (point.dimensions ?? []).map((cell) => [cell.width, cell.height, cell.depth].sort((a, b) => b - a) as [number, number, number])
    // The biggest cell by volume is the largest parcel the locker takes.
    const biggest = cells.sort((a, b) => b[0] * b[1] * b[2] - a[0] * a[1] * a[2])[0] ?? null
    const weight = point.weight_max === undefined || point.weight_max === null ? null : gramsFromKilograms(point.weight_max)
    return {
      id: point.code,
      carrier: resolved.id,
      type,
      name: point.name ?? point.code,
      address: {
        country: point.location.country_code ?? 'RU',
        city: point.location.city ?? '',
        postalCode: point.location.postal_code ?? null,
        line: point.location.address ?? point.location.address_full ?? '',
      },
      lat: point.location.latitude ?? null,
      lon: point.location.longitude ?? null,
      workingHours: point.work_time ?? null,
      services: {
        cod: point.allowed_cod === true,
        card: point.have_cashless === true,
        tryOn: type === 'pickup_point' && point.is_dressing_room === true,
        partialBuyout: type === 'pickup_point',
      },
      maxWeightGrams: weight !== null && weight > 0 ? weight : null,
      maxDimensionsCm: biggest,
    }
  }

  function orderBody(request: CourierShipmentRequest): Record<string, unknown> {
    const toPoint = request.methodType === 'pickup_point' || request.methodType === 'parcel_locker'
    if (toPoint && !request.pickupPointId) {
      throw new CourierError(`CDEK ${request.methodType} delivery needs a pickupPointId`, { retryable: false })
    }
    if (!/^\d+$/.test(request.tariffCode)) throw new CourierError(`"${request.tariffCode}" is not a CDEK tariff code`, { retryable: false })
    if (request.currency !== 'RUB') throw new CourierError(`CDEK shipments are in RUB, not ${request.currency}`, { retryable: false })
    const services: { code: string }[] = []
    if (request.services.tryOn) services.push({ code: 'TRYING_ON' })
    if (request.services.partialBuyout) services.push({ code: 'PART_DELIV' })
    return {
      type: 1,
      number: request.reference,
      tariff_code: Number(request.tariffCode),
      ...(request.comment ? { comment: request.comment } : {}),
      ...(resolved.shipmentPoint !== null ? { shipment_point: resolved.shipmentPoint } : { from_location: cdekLocation(resolved.fromLocation ?? request.from) }),
      ...(toPoint ? { delivery_point: request.pickupPointId } : { to_location: cdekLocation(request.to) }),
      ...(request.codDelivery > 0 ? { delivery_recipient_cost: { value: rubles(request.codDelivery) } } : {}),
      recipient: {
        name: request.recipient.name,
        ...(request.recipient.email ? { email: request.recipient.email } : {}),
        phones: [{ number: request.recipient.phone }],
      },
      packages: request.parcels.map((parcel, index) => ({
        number: String(index + 1),
        weight: parcel.weightGrams,
        length: parcel.lengthCm,
        width: parcel.widthCm,
        height: parcel.heightCm,
        items: parcel.items.map((item) => {
          const rate = cdekVatRate(item.vatRate)
          return {
            name: item.name,
            ware_key: item.sku,
            // Cash collected per unit (0 when prepaid), with the VAT inside it for the courier's receipt.
            payment: {
              value: rubles(item.codPerUnit),
              ...(rate === null ? {} : { vat_rate: rate, vat_sum: rubles(vatFromGross(item.codPerUnit, item.vatRate).vat) }),
            },
            cost: rubles(item.unitPrice),
            weight: item.weightGrams,
            amount: item.quantity,
            ...(item.markingCode ? { marking: item.markingCode } : {}),
          }
        }),
      })),
      ...(services.length > 0 ? { services } : {}),
    }
  }

  /** The live (not removed) order CDEK holds under our number, if any. */
  async function existing(reference: string, signal: AbortSignal): Promise<CdekOrder | null> {
    const found = await orderByQuery({ im_number: reference }, signal)
    if (!found || found.entity.is_return === true) return null
    const latest = latestStatus(found)
    return latest && (latest.code === 'REMOVED' || latest.code === 'INVALID') ? null : found
  }

  function created(found: CdekOrder) {
    const cdekNumber = found.entity.cdek_number
    return {
      carrierShipmentId: found.entity.uuid,
      trackingNumber: cdekNumber === undefined || cdekNumber === null || cdekNumber === '' ? null : String(cdekNumber),
      rawStatus: latestStatus(found)?.code ?? null,
    }
  }

  return Object.freeze({
    id: resolved.id,
    name: resolved.name,
    capabilities: Object.freeze({
      supportsTryOn: true,
      supportsPartialBuyout: true,
      supportsLockers: true,
      supportsWebhooks: true,
      supportsCod: true,
      supportsLabels: true,
      // No batch call in the API: `track` looks orders up one by one, trackConcurrency at a time.
      maxTrackBatch: 100,
    }),

    async quote(request, { signal }) {
      if (request.currency !== 'RUB') throw new CourierError(`CDEK quotes in RUB, not ${request.currency}`, { retryable: false })
      const answer = await client.request(tariffListSchema, 'POST', '/calculator/tarifflist', {
        signal,
        body: {
          type: 1,
          currency: 1,
          from_location: cdekLocation(resolved.fromLocation ?? request.from),
          to_location: cdekLocation(request.to),
          packages: request.parcels.map((parcel) => ({ weight: parcel.weightGrams, length: parcel.lengthCm, width: parcel.widthCm, height: parcel.heightCm })),
        },
      })
      const wanted = request.methodTypes ? new Set(request.methodTypes) : null
      const tariffs: CourierTariff[] = []
      for (const code of resolved.tariffs) {
        const tariff = answer.tariff_codes.find((candidate) => candidate.tariff_code === code)
        if (!tariff) continue
        const methodType = CDEK_DELIVERY_MODES[String(tariff.delivery_mode)]
        if (!methodType || (wanted && !wanted.has(methodType))) continue
        tariffs.push({
          tariffCode: String(tariff.tariff_code),
          name: tariff.tariff_name,
          methodType,
          price: kopecks(tariff.delivery_sum, `tariff ${code} delivery_sum`),
          minDays: tariff.period_min,
          maxDays: Math.max(tariff.period_min, tariff.period_max),
          services: servicesFor(methodType),
        })
      }
      return tariffs
    },

    async listPickupPoints(query, { signal }) {
      const types = query.types ?? ['pickup_point', 'parcel_locker']
      const pvz = types.includes('pickup_point')
      const postamat = types.includes('parcel_locker')
      if (!pvz && !postamat) return []
      const params: Record<string, string | undefined> = {
        type: pvz && postamat ? 'ALL' : pvz ? 'PVZ' : 'POSTAMAT',
        ...(query.country ? { country_code: query.country } : {}),
      }
      if (query.carrierCityCode) params['city_code'] = query.carrierCityCode
      else if (query.postalCode) params['postal_code'] = query.postalCode
      else if (query.city) {
        const cities = await client.request(citySchema, 'GET', '/location/cities', {
          signal,
          query: { city: query.city, ...(query.country ? { country_codes: query.country } : {}) },
        })
        const city = cities.find((candidate) => candidate.city?.toLowerCase() === query.city!.toLowerCase()) ?? cities[0]
        if (!city) return []
        params['city_code'] = String(city.code)
      } else {
        throw new CourierError('CDEK pickup points need a city, a postal code or a CDEK city code', { retryable: false })
      }
      const points = await client.request(z.array(deliveryPointSchema), 'GET', '/deliverypoints', { signal, query: params })
      const city = query.city?.toLowerCase()
      return points
        .map(toPickupPoint)
        .filter((point): point is PickupPoint => point !== null && types.includes(point.type))
        .filter((point) => city === undefined || point.address.city.toLowerCase() === city)
    },

    async createShipment(request, { signal }) {
      const body = orderBody(request)
      let answer: z.infer<typeof entityAnswerSchema>
      try {
        answer = await client.request(entityAnswerSchema, 'POST', '/orders', { signal, body })
      } catch (error) {
        // "Already exists" (a retry after a lost answer): the order CDEK holds under our number is the result.
        if (error instanceof CourierError && !error.retryable && error.status !== null && error.status >= 400 && error.status < 500) {
          const found = await existing(request.reference, signal)
          if (found) return created(found)
        }
        throw error
      }
      const uuid = answer.entity?.uuid
      if (!uuid || answer.requests?.some((r) => r.state === 'INVALID')) {
        const found = await existing(request.reference, signal)
        if (found) return created(found)
        throw new CourierError(`CDEK refused order ${request.reference}`, { retryable: false, status: 202 })
      }
      // CDEK assigns its number a moment after accepting the order; read it back once, best effort.
      try {
        const found = await order(uuid, signal)
        if (found) return created(found)
      } catch (error) {
        if (signal.aborted) throw error
      }
      return { carrierShipmentId: uuid, trackingNumber: null, rawStatus: null }
    },

    async cancelShipment(ref, { signal }) {
      await client.request(entityAnswerSchema, 'DELETE', `/orders/${encodeURIComponent(ref.carrierShipmentId)}`, { signal })
    },

    async getLabel(ref, { signal }) {
      const print = await client.request(entityAnswerSchema, 'POST', '/print/orders', {
        signal,
        body: { orders: [{ order_uuid: ref.carrierShipmentId }], copy_count: 1 },
      })
      const printUuid = print.entity?.uuid
      if (!printUuid) throw new CourierError('CDEK accepted the print request without a uuid', { retryable: true })
      // The form is built asynchronously: poll until it has a url (the engine's signal bounds the wait).
      for (;;) {
        const state = await client.request(printSchema, 'GET', `/print/orders/${encodeURIComponent(printUuid)}`, { signal })
        if (state.entity.url) return client.download(state.entity.url, signal)
        const codes = (state.entity.statuses ?? []).map((status) => status.code)
        if (codes.includes('INVALID') || codes.includes('REMOVED')) {
          throw new CourierError(`CDEK could not build the waybill for ${ref.carrierShipmentId}`, { retryable: false })
        }
        await sleep(resolved.labelPollIntervalMs, signal)
      }
    },

    async track(refs, { signal }) {
      const updates = await mapLimited(refs, resolved.trackConcurrency, async (ref) => {
        const found = ref.carrierShipmentId
          ? await order(ref.carrierShipmentId, signal)
          : ref.trackingNumber
            ? await orderByQuery({ cdek_number: ref.trackingNumber }, signal)
            : null
        return found ? updateFor(found, signal) : null
      })
      return updates.filter((update): update is CarrierStatusUpdate => update !== null)
    },

    async parseWebhook(request): Promise<ParsedCourierWebhook> {
      let json: unknown
      try {
        json = JSON.parse(request.rawBody)
      } catch {
        return reject('the webhook body is not JSON')
      }
      const parsed = webhookSchema.safeParse(json)
      if (!parsed.success) return reject('the body is not a CDEK webhook')
      // Other subscriptions (PRINT_FORM, …) carry no parcel status: acknowledge them so CDEK stops resending.
      if (parsed.data.type !== 'ORDER_STATUS') return accept([])
      if (!parsed.data.uuid || !parsed.data.attributes) return reject('an ORDER_STATUS webhook without uuid or attributes')
      // CDEK signs nothing: the order is re-fetched and its status, not the claim, is reported.
      const signal = AbortSignal.timeout(resolved.webhookTimeoutMs)
      let found: CdekOrder | null
      try {
        found = await order(parsed.data.uuid, signal)
      } catch (error) {
        // CDEK retries a webhook that is not answered 200: let it, the outage is ours.
        return { ok: false, reason: `re-fetching order ${parsed.data.uuid} failed: ${error instanceof Error ? error.message : String(error)}`, response: { status: 503, body: '', contentType: EMPTY_TEXT } }
      }
      if (!found) return reject(`CDEK does not know order ${parsed.data.uuid}`)
      const update = await updateFor(found, signal).catch(() => null)
      if (!update) return reject(`order ${parsed.data.uuid} has no status this adapter knows`)
      return accept([update])
    },
  } satisfies Courier)
}

function accept(updates: CarrierStatusUpdate[]): ParsedCourierWebhook {
  return { ok: true, updates, response: { status: 200, body: '', contentType: EMPTY_TEXT } }
}

function reject(reason: string): ParsedCourierWebhook {
  return { ok: false, reason, response: { status: 400, body: '', contentType: EMPTY_TEXT } }
}
