import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { CartItemTable, CartTable } from '../cart/cart-schema.js'
import type { Address } from '../cart/cart-types.js'
import type { CatalogInternal } from '../catalog/catalog-module.js'
import { OrdoError } from '../errors.js'
import { adaptersFromPlugins } from '../plugin/adapter-plugin.js'
import type { ReservedAllocation } from '../inventory/inventory-types.js'
import type { JobDefinition } from '../jobs/job-types.js'
import type { Order } from '../order/order-types.js'
import type { PaymentMethodType } from '../payment/payment-types.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { insertIgnoringConflicts } from '../storage/sql-helpers.js'
import type { UnitOfWork } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import type { Courier, CourierLocation, CourierTariff, DeliveryServices, Parcel, PickupPoint } from './courier.js'
import { withDeadline } from './courier-client.js'
import { estimateDeliveryDates, type DeliveryCalendar } from './delivery-dates.js'
import type { ShipmentTable } from './delivery-schema.js'
import {
  OWN_COURIER,
  SHOWROOM,
  type DeliveryChoice,
  type DeliveryConfig,
  type DeliveryDestination,
  type DeliveryOption,
  type DeliveryQuote,
  type PickupPointsQuery,
  type QuoteFailure,
  type QuoteOptions,
  type SetDeliveryInput,
} from './delivery-types.js'
import { matchZone, ownCourierPrice, ownCourierServices, slotsFrom } from './own-courier.js'
import { buildParcels, whyNotFits } from './parcel.js'
import { valuePieces } from './shipment-value.js'

export { deliveryMigrations, type DeliveryTables } from './delivery-schema.js'

/** `shop.delivery`: delivery options for a cart, pickup points, the couriers the shop works with. */
export interface DeliveryApi {
  /**
   * Asks every courier and built-in method for options to deliver the cart to
   * `destination`, in parallel: a courier that fails or does not answer within
   * `quoteTimeoutMs` is reported in `failures`, the others' options stand.
   * Quotes are reused for `quoteCacheSeconds` for the same destination and parcels.
   *
   * @example
   * ```ts
   * const { options, failures } = await shop.delivery.quote(cart.id, { city: 'Москва', postalCode: '101000' })
   * await shop.carts.setDelivery(cart.id, { optionId: options[0].id, destination: { city: 'Москва' }, address })
   * ```
   */
  quote(cartId: string, destination: DeliveryDestination, options?: QuoteOptions): Promise<DeliveryQuote>
  /** Carriers' pickup points and lockers (and the shop's showrooms) by city or near a place, filtered by what they accept. */
  pickupPoints(query: PickupPointsQuery): Promise<PickupPoint[]>
  /**
   * Fetches couriers' points again: of one city, or (without a query) of the
   * cities already asked about whose points are older than
   * `pickupPointsRefreshHours` — what the `delivery.refresh-pickup-points` job
   * runs. Returns how many points were stored.
   */
  refreshPickupPoints(query?: { city: string; postalCode?: string; carrier?: string }): Promise<number>
  /** The couriers configured, with what each can do. */
  couriers(): { id: string; name: string; capabilities: Courier['capabilities'] }[]
}

/** What carts, checkout and shipments call. */
export interface DeliveryInternal {
  /** True when the shop delivers at all (some courier, own courier or showroom pickup is configured): checkout then needs a choice. */
  readonly enabled: boolean
  /** Resolves and validates a delivery choice for a cart (quotes outside any transaction). */
  choose(row: CartTable, items: CartItemTable[], input: SetDeliveryInput, paymentType: PaymentMethodType | null): Promise<DeliveryChoice>
  /** Why a payment method type cannot pay with this delivery choice, or null. */
  whyNotPayable(choice: DeliveryChoice, paymentType: PaymentMethodType): string | null
  /** At checkout, in its unit of work: re-checks the choice against the payment method and books the slot. */
  book(uow: UnitOfWork, choice: DeliveryChoice, paymentType: PaymentMethodType | null): Promise<void>
  /** At checkout: one shipment per stock location the reservation used, a supplier order per drop-ship supplier, COD expected per shipment. */
  planShipments(uow: UnitOfWork, order: Order, allocations: readonly Pick<ReservedAllocation, 'variantId' | 'locationId' | 'quantity'>[], choice: DeliveryChoice, cod: boolean): Promise<ShipmentTable[]>
  /** The courier adapter with this id. */
  courier(id: string): Courier | undefined
  /** The settings with defaults applied. */
  readonly settings: DeliverySettings
}

/** `delivery` config with its defaults applied. */
export interface DeliverySettings {
  calendar: DeliveryCalendar
  cutoff: string
  handlingDays: number
  quoteTimeoutMs: number
  quoteCacheMs: number
  pickupPointsTtlMs: number
  trackEveryMs: number
  maxAttempts: number
  completeOnDelivery: boolean
  from: CourierLocation
}

interface DeliveryDeps {
  catalog: CatalogInternal
  /** Stock locations by id (code, type, lead time), for shipments and supplier orders. */
  locations(db: Kysely<Database>, ids: string[]): Promise<Map<string, { code: string; type: string; leadTimeDays: number }>>
}

const MINUTE = 60_000
const cartIdSchema = z.string().min(1).max(64)
export const destinationSchema = z.strictObject({
  country: z.string().length(2).optional(),
  city: z.string().trim().min(1).max(191),
  postalCode: z.string().trim().min(1).max(20).optional(),
  region: z.string().trim().max(191).optional(),
  carrierCityCodes: z.record(z.string().max(64), z.string().max(64)).optional(),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
})
export const quoteOptionsSchema = z
  .strictObject({
    sort: z.enum(['cheapest', 'fastest']).optional(),
    methodTypes: z.array(z.enum(['courier_door', 'showroom_pickup', 'pickup_point', 'parcel_locker', 'post'])).optional(),
  })
  .optional()
const pointsQuerySchema = z
  .strictObject({
    carrier: z.string().min(1).max(64).optional(),
    city: z.string().trim().min(1).max(191).optional(),
    postalCode: z.string().trim().min(1).max(20).optional(),
    near: z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180), radiusKm: z.number().positive().max(1000).optional() }).optional(),
    cod: z.boolean().optional(),
    card: z.boolean().optional(),
    tryOn: z.boolean().optional(),
    partialBuyout: z.boolean().optional(),
    locker: z.boolean().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .refine((q) => q.city !== undefined || q.near !== undefined || q.postalCode !== undefined, { message: 'give a city, a postal code or near' })

/** Lower-case, ё → е, single spaces: how cities are compared and keyed. */
export function cityKey(city: string): string {
  return city.trim().toLowerCase().replaceAll('ё', 'е').replace(/\s+/g, ' ')
}

/** Creates the delivery module: quotes, pickup points, the cart's delivery choice, shipments planned at checkout. */
export function createDeliveryModule(runtime: Runtime, deps: DeliveryDeps): { api: DeliveryApi; internal: DeliveryInternal; jobs: Record<string, JobDefinition<any>> } {
  const config: DeliveryConfig = runtime.config.delivery ?? {}
  const couriers = new Map<string, Courier>()
  for (const courier of adaptersFromPlugins(runtime.plugins, 'couriers', config.couriers)) {
    if (couriers.has(courier.id) || courier.id === OWN_COURIER || courier.id === SHOWROOM) {
      throw new OrdoError('INVALID_CONFIG', `Two couriers have the id "${courier.id}" (config and plugins together; "own" and "showroom" are the built-in methods).`, { details: { key: 'delivery.couriers', carrier: courier.id } })
    }
    couriers.set(courier.id, courier)
  }
  const settings: DeliverySettings = {
    calendar: config.calendar ?? { timeZone: 'Europe/Moscow' },
    cutoff: config.cutoff ?? '14:00',
    handlingDays: config.handlingDays ?? 1,
    quoteTimeoutMs: config.quoteTimeoutMs ?? 5_000,
    quoteCacheMs: (config.quoteCacheSeconds ?? 300) * 1000,
    pickupPointsTtlMs: (config.pickupPointsRefreshHours ?? 24) * 60 * MINUTE,
    trackEveryMs: (config.trackEveryMinutes ?? 30) * MINUTE,
    maxAttempts: config.maxAttempts ?? 3,
    completeOnDelivery: config.completeOnDelivery ?? true,
    from: config.from ?? { country: 'RU', city: 'Москва' },
  }
  const enabled = couriers.size > 0 || config.ownCourier !== undefined || (config.showroomPickup?.locations.length ?? 0) > 0
  /** Couriers' answers by courier and (destination, parcels, goods total): a storefront's repeated quotes ask no one. */
  const cache = new Map<string, { at: number; tariffs: CourierTariff[] }>()
  /** Points by courier and city, read from the table at most once per quote-cache period. */
  const pointsCache = new Map<string, { at: number; points: PickupPoint[] }>()
  const CACHE_LIMIT = 2_000

  function markup(price: number): number {
    const m = config.markup
    if (!m) return price
    return price + Math.round((price * (m.basisPoints ?? 0)) / 10_000) + (m.fixed ?? 0)
  }

  async function cartParcels(db: Kysely<Database>, items: CartItemTable[]): Promise<Parcel[]> {
    const variants = await deps.catalog.variantsBySku(db, items.map((i) => i.sku))
    return buildParcels(
      items.map((i) => {
        const v = variants.get(i.sku)
        return { weightGrams: v?.weightGrams ?? null, dimensions: v?.dimensions ?? null, quantity: Number(i.quantity) }
      }),
      config.packaging,
    )
  }

  function goodsTotalOf(row: CartTable): number {
    if (row.quote === null) return 0
    const quote = JSON.parse(row.quote) as { total: number; lines: Record<string, { total: number }> }
    return Object.values(quote.lines).reduce((s, l) => s + l.total, 0)
  }

  function showroomPoints(city: string | null): PickupPoint[] {
    const key = city === null ? null : cityKey(city)
    return (config.showroomPickup?.locations ?? [])
      .filter((l) => key === null || cityKey(l.city) === key)
      .map((l) => ({
        id: l.code,
        carrier: SHOWROOM,
        type: 'pickup_point' as const,
        name: l.name ?? l.code,
        address: { country: 'RU', city: l.city, postalCode: l.postalCode ?? null, line: l.address },
        lat: l.lat ?? null,
        lon: l.lon ?? null,
        workingHours: l.workingHours ?? null,
        services: { cod: false, card: true, tryOn: true, partialBuyout: true },
        maxWeightGrams: null,
        maxDimensionsCm: null,
      }))
  }

  /** Stored points of a courier in a city; fetched from the courier when there are none or they are stale. */
  async function pointsOf(courier: Courier, city: string, postalCode: string | undefined, carrierCityCode: string | undefined, signal?: AbortSignal): Promise<PickupPoint[]> {
    const key = cityKey(city)
    const memo = pointsCache.get(`${courier.id}|${key}`)
    if (memo && runtime.clock.now().getTime() - memo.at < settings.quoteCacheMs) return memo.points
    const rows = await runtime.db.selectFrom('ordo_pickup_point').select(['data', 'refreshed_at']).where('carrier', '=', courier.id).where('city_key', '=', key).orderBy('point_id').execute()
    const fresh = rows.length > 0 && rows.every((r) => runtime.clock.now().getTime() - Number(r.refreshed_at) < settings.pickupPointsTtlMs)
    const points = fresh ? rows.map((r) => JSON.parse(r.data) as PickupPoint) : await fetchPoints(courier, { city, postalCode, carrierCityCode }, signal)
    pointsCache.set(`${courier.id}|${key}`, { at: runtime.clock.now().getTime(), points })
    return points
  }

  async function fetchPoints(courier: Courier, query: { city: string; postalCode?: string | undefined; carrierCityCode?: string | undefined }, signal?: AbortSignal): Promise<PickupPoint[]> {
    const points = await withDeadline(settings.quoteTimeoutMs, (deadline) =>
      courier.listPickupPoints({ city: query.city, postalCode: query.postalCode, carrierCityCode: query.carrierCityCode }, { signal: signal ? AbortSignal.any([signal, deadline]) : deadline }),
    )
    const key = cityKey(query.city)
    const now = runtime.clock.now().getTime()
    await runtime.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('ordo_pickup_point').where('carrier', '=', courier.id).where('city_key', '=', key).execute()
      for (let i = 0; i < points.length; i += 200) {
        const chunk = points.slice(i, i + 200)
        await trx
          .insertInto('ordo_pickup_point')
          .values(chunk.map((p) => ({ carrier: courier.id, point_id: p.id, city_key: key, postal_code: p.address.postalCode, type: p.type, lat: p.lat, lon: p.lon, data: JSON.stringify(p), refreshed_at: now })))
          .execute()
      }
    })
    return points
  }

  /** Dates only change with the local minute (cut-off, midnight): estimates and slot lists are reused within one. */
  const dateMemo = new Map<string, unknown>()
  function memo<T>(key: string, make: () => T): T {
    const minute = Math.floor(runtime.clock.now().getTime() / 60_000)
    const full = `${minute}|${key}`
    if (dateMemo.has(full)) return dateMemo.get(full) as T
    if (dateMemo.size > 1_000) dateMemo.clear()
    const value = make()
    dateMemo.set(full, value)
    return value
  }

  function estimate(minDays: number, maxDays: number, extraHandling = 0) {
    return memo(`e|${minDays}|${maxDays}|${extraHandling}`, () => estimateDates(minDays, maxDays, extraHandling))
  }

  function estimateDates(minDays: number, maxDays: number, extraHandling: number) {
    return estimateDeliveryDates({
      orderedAt: runtime.clock.now(),
      calendar: settings.calendar,
      cutoff: settings.cutoff,
      handlingDays: settings.handlingDays + extraHandling,
      transitDays: { min: minDays, max: maxDays },
    })
  }

  async function quoteCart(row: CartTable, items: CartItemTable[], destination: DeliveryDestination): Promise<DeliveryQuote> {
    if (items.length === 0) {
      throw new OrdoError('CART_INCOMPLETE', `Cart "${row.id}" is empty: there is nothing to deliver.`, { details: { cartId: row.id, missing: 'items' } })
    }
    const parcels = await cartParcels(runtime.db, items)
    const goodsTotal = goodsTotalOf(row)
    const key = JSON.stringify([destination, parcels, goodsTotal, row.currency])
    const now = runtime.clock.now().getTime()

    const weightGrams = parcels.reduce((s, p) => s + p.weightGrams, 0)
    const to: CourierLocation = {
      country: destination.country ?? 'RU',
      city: destination.city,
      postalCode: destination.postalCode,
      region: destination.region,
      lat: destination.lat,
      lon: destination.lon,
    }
    const failures: QuoteFailure[] = []
    const options: DeliveryOption[] = []

    const own = config.ownCourier
    if (own) {
      const zone = matchZone(own, { city: destination.city, postalCode: destination.postalCode })
      if (zone) {
        const price = ownCourierPrice(zone, { weightGrams, goodsTotal })
        const est = estimate(zone.days.min, zone.days.max)
        const slots = memo(`s|${est.from}`, () => slotsFrom(own, est.from, settings.calendar))
        const booked = slots.length === 0 ? [] : await runtime.db.selectFrom('ordo_delivery_slot').selectAll().where('slot_id', 'in', slots.map((s) => s.id)).execute()
        const bookedBy = new Map(booked.map((b) => [b.slot_id, Number(b.booked)]))
        options.push({
          id: `${OWN_COURIER}:${zone.code}`,
          methodType: 'courier_door',
          carrier: OWN_COURIER,
          carrierName: own.name ?? 'Курьер магазина',
          tariffCode: zone.code,
          name: zone.name,
          price,
          carrierPrice: price,
          estimate: est,
          services: ownCourierServices(own),
          ...(slots.length > 0 ? { slots: slots.map((s) => ({ id: s.id, date: s.date, from: s.from, to: s.to, left: Math.max(0, s.capacity - (bookedBy.get(s.id) ?? 0)) })) } : {}),
        })
      }
    }
    const showrooms = showroomPoints(destination.city)
    if (showrooms.length > 0) {
      const days = config.showroomPickup?.transferDays ?? 1
      options.push({
        id: `${SHOWROOM}:pickup`,
        methodType: 'showroom_pickup',
        carrier: SHOWROOM,
        carrierName: 'Самовывоз из магазина',
        tariffCode: 'pickup',
        name: 'Самовывоз',
        price: config.showroomPickup?.price ?? 0,
        carrierPrice: config.showroomPickup?.price ?? 0,
        estimate: estimate(0, days),
        services: { cod: false, card: true, tryOn: true, partialBuyout: true },
        pickupPoints: showrooms,
      })
    }

    await Promise.all(
      [...couriers.values()].map(async (courier) => {
        try {
          const cacheKey = `${courier.id}|${key}`
          const hit = cache.get(cacheKey)
          const tariffs =
            hit && now - hit.at < settings.quoteCacheMs
              ? hit.tariffs
              : await withDeadline(settings.quoteTimeoutMs, (signal) =>
                  courier.quote({ from: settings.from, to: { ...to, carrierCityCode: destination.carrierCityCodes?.[courier.id] }, parcels, declaredValue: goodsTotal, currency: row.currency as never }, { signal }),
                )
          if (hit?.tariffs !== tariffs) {
            // Only answers are kept: a courier that failed is asked again next time.
            if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!)
            cache.set(cacheKey, { at: now, tariffs })
          }
          const pointTypes = tariffs.some((t) => t.methodType === 'pickup_point' || t.methodType === 'parcel_locker')
          const points = pointTypes ? await pointsOf(courier, destination.city, destination.postalCode, destination.carrierCityCodes?.[courier.id]).catch((error: unknown) => {
            failures.push({ carrier: courier.id, reason: `pickup points: ${error instanceof Error ? error.message : String(error)}` })
            return [] as PickupPoint[]
          }) : []
          const codes = new Map<string, number>()
          for (const t of tariffs) codes.set(t.tariffCode, (codes.get(t.tariffCode) ?? 0) + 1)
          for (const t of tariffs) {
            const services = restrict(t.services, courier)
            const option: DeliveryOption = {
              // One tariff code serving two method types (a carrier's points and lockers) gets one id per type.
              id: codes.get(t.tariffCode)! > 1 ? `${courier.id}:${t.tariffCode}:${t.methodType}` : `${courier.id}:${t.tariffCode}`,
              methodType: t.methodType,
              carrier: courier.id,
              carrierName: courier.name,
              tariffCode: t.tariffCode,
              name: t.name,
              price: markup(t.price),
              carrierPrice: t.price,
              estimate: estimate(t.minDays, t.maxDays),
              services,
            }
            if (t.methodType === 'pickup_point' || t.methodType === 'parcel_locker') {
              const wanted = t.methodType === 'parcel_locker' ? 'parcel_locker' : 'pickup_point'
              option.pickupPoints = points.filter((p) => p.type === wanted && whyNotFits(parcels, p) === null)
              if (option.pickupPoints.length === 0) continue
            }
            options.push(option)
          }
        } catch (error) {
          failures.push({ carrier: courier.id, reason: error instanceof Error ? error.message : String(error) })
        }
      }),
    )
    return { options, failures, parcels }
  }

  function sortOptions(options: DeliveryOption[], sort: 'cheapest' | 'fastest'): DeliveryOption[] {
    return [...options].sort((a, b) =>
      sort === 'cheapest'
        ? a.price - b.price || a.estimate.to.localeCompare(b.estimate.to)
        : a.estimate.to.localeCompare(b.estimate.to) || a.estimate.from.localeCompare(b.estimate.from) || a.price - b.price,
    )
  }

  function whyNotPayable(choice: DeliveryChoice, paymentType: PaymentMethodType): string | null {
    const services = choice.pickupPoint?.services ?? choice.services
    if (paymentType === 'cash_on_delivery' && !services.cod) {
      return choice.pickupPoint ? `${choice.pickupPoint.name} does not take cash on delivery` : `${choice.name} does not take cash on delivery`
    }
    if (paymentType === 'courier_terminal' && !services.card) {
      return choice.pickupPoint ? `${choice.pickupPoint.name} takes no cards` : `${choice.name} takes no cards on receipt`
    }
    if (paymentType === 'pay_at_pickup' && choice.methodType !== 'showroom_pickup') return 'paying at pickup needs pickup at one of the shop\'s own locations'
    return null
  }

  function unavailable(reason: string, message: string, details: Record<string, unknown> = {}): OrdoError {
    return new OrdoError('DELIVERY_UNAVAILABLE', message, { details: { reason, ...details } })
  }

  const api: DeliveryApi = {
    async quote(cartIdInput, destinationInput, optionsInput) {
      const cartId = parseInput('delivery.quote', cartIdSchema, cartIdInput)
      const destination = parseInput('delivery.quote', destinationSchema, destinationInput) as DeliveryDestination
      const options = parseInput('delivery.quote', quoteOptionsSchema, optionsInput) ?? {}
      const row = await runtime.db.selectFrom('ordo_cart').selectAll().where('id', '=', cartId).executeTakeFirst()
      if (!row) throw new OrdoError('NOT_FOUND', `No cart "${cartId}".`, { details: { cartId } })
      const items = await runtime.db.selectFrom('ordo_cart_item').selectAll().where('cart_id', '=', cartId).orderBy('added_at').orderBy('id').execute()
      const quote = await quoteCart(row, items, destination)
      const wanted = options.methodTypes
      const filtered = wanted ? quote.options.filter((o) => wanted.includes(o.methodType)) : quote.options
      return { ...quote, options: sortOptions(filtered, options.sort ?? 'cheapest') }
    },

    async pickupPoints(queryInput) {
      const query = parseInput('delivery.pickupPoints', pointsQuerySchema, queryInput)
      const carriers = query.carrier ? [query.carrier] : [SHOWROOM, ...couriers.keys()]
      let points: PickupPoint[] = []
      for (const carrier of carriers) {
        if (carrier === SHOWROOM) {
          points.push(...showroomPoints(query.city ?? null))
          continue
        }
        const courier = couriers.get(carrier)
        if (!courier) throw new OrdoError('NOT_FOUND', `No courier "${carrier}" is configured (known: ${[...couriers.keys()].join(', ') || 'none'}).`, { details: { carrier } })
        if (query.city) {
          points.push(...(await pointsOf(courier, query.city, query.postalCode, undefined)))
        } else {
          const rows = await runtime.db.selectFrom('ordo_pickup_point').select(['data']).where('carrier', '=', carrier).$if(query.postalCode !== undefined, (q) => q.where('postal_code', '=', query.postalCode!)).limit(5_000).execute()
          points.push(...rows.map((r) => JSON.parse(r.data) as PickupPoint))
        }
      }
      points = points.filter(
        (p) =>
          (query.cod === undefined || p.services.cod === query.cod) &&
          (query.card === undefined || p.services.card === query.card) &&
          (query.tryOn === undefined || p.services.tryOn === query.tryOn) &&
          (query.partialBuyout === undefined || p.services.partialBuyout === query.partialBuyout) &&
          (query.locker === undefined || (p.type === 'parcel_locker') === query.locker),
      )
      if (query.near) {
        const { lat, lon, radiusKm } = query.near
        const withDistance = points.filter((p) => p.lat !== null && p.lon !== null).map((p) => ({ p, d: distanceKm(lat, lon, p.lat!, p.lon!) }))
        points = withDistance.filter((x) => radiusKm === undefined || x.d <= radiusKm).sort((a, b) => a.d - b.d || a.p.id.localeCompare(b.p.id)).map((x) => x.p)
      }
      return points.slice(0, query.limit ?? 100)
    },

    async refreshPickupPoints(queryInput) {
      const query = parseInput('delivery.refreshPickupPoints', z.strictObject({ city: z.string().trim().min(1).max(191), postalCode: z.string().max(20).optional(), carrier: z.string().max(64).optional() }).optional(), queryInput)
      if (!query) return refreshStale()
      let stored = 0
      for (const courier of couriers.values()) {
        if (query.carrier && courier.id !== query.carrier) continue
        stored += (await fetchPoints(courier, { city: query.city, postalCode: query.postalCode })).length
        pointsCache.delete(`${courier.id}|${cityKey(query.city)}`)
      }
      return stored
    },

    couriers: () => [...couriers.values()].map((c) => ({ id: c.id, name: c.name, capabilities: c.capabilities })),
  }

  const internal: DeliveryInternal = {
    enabled,
    settings,
    courier: (id) => couriers.get(id),
    whyNotPayable,

    async choose(row, items, input, paymentType) {
      const quote = await quoteCart(row, items, input.destination)
      const option = quote.options.find((o) => o.id === input.optionId)
      if (!option) {
        const failed = quote.failures.find((f) => input.optionId.startsWith(`${f.carrier}:`))
        throw unavailable(
          'unknown_option',
          failed
            ? `Courier "${failed.carrier}" did not answer (${failed.reason}); choose another option or try again.`
            : `No delivery option "${input.optionId}" for this cart and destination; quote again and choose one of: ${quote.options.map((o) => o.id).join(', ') || 'none'}.`,
          { optionId: input.optionId },
        )
      }
      let pickupPoint: PickupPoint | null = null
      if (option.methodType === 'pickup_point' || option.methodType === 'parcel_locker' || option.methodType === 'showroom_pickup') {
        if (!input.pickupPointId) throw unavailable('point_required', `Option "${option.id}" delivers to a point: pass pickupPointId.`, { optionId: option.id })
        pickupPoint = option.pickupPoints?.find((p) => p.id === input.pickupPointId) ?? null
        if (!pickupPoint && option.carrier !== SHOWROOM) {
          const courier = couriers.get(option.carrier)
          const all = courier ? await pointsOf(courier, input.destination.city, input.destination.postalCode, input.destination.carrierCityCodes?.[courier.id]) : []
          const known = all.find((p) => p.id === input.pickupPointId)
          if (known) {
            const why = whyNotFits(quote.parcels, known)
            throw unavailable('parcel_too_big', `${known.name} cannot take this order: ${why ?? 'it is not served by this tariff'}. Choose another point or a pickup point instead of a locker.`, {
              pickupPointId: known.id,
            })
          }
        }
        if (!pickupPoint) throw unavailable('point_unknown', `No point "${input.pickupPointId}" is served by option "${option.id}" in ${input.destination.city}.`, { pickupPointId: input.pickupPointId })
      }
      const address = input.address ?? (row.shipping_address === null ? null : (JSON.parse(row.shipping_address) as Address))
      if ((option.methodType === 'courier_door' || option.methodType === 'post') && !address) {
        throw unavailable('address_required', `Option "${option.id}" delivers to an address: pass address (or set the cart's shipping address first).`, { optionId: option.id })
      }
      let slot: DeliveryChoice['slot'] = null
      if (option.slots && option.slots.length > 0) {
        if (!input.slot) throw unavailable('slot_required', `Option "${option.id}" needs a delivery time slot: pass slot (one of ${option.slots.map((s) => s.id).join(', ')}).`, { optionId: option.id })
        const found = option.slots.find((s) => s.id === input.slot)
        if (!found) throw unavailable('slot_unknown', `No slot "${input.slot}" for option "${option.id}".`, { slot: input.slot })
        const left = await slotLeft(runtime.db, found.id)
        if (left <= 0) throw unavailable('slot_full', `The slot ${found.date} ${found.from}–${found.to} is fully booked; choose another.`, { slot: found.id })
        slot = { id: found.id, date: found.date, from: found.from, to: found.to }
      } else if (input.slot) {
        throw unavailable('slot_unknown', `Option "${option.id}" has no time slots.`, { slot: input.slot })
      }
      const services = pickupPoint?.services ?? option.services
      if (input.tryOn && !services.tryOn) throw unavailable('try_on_unsupported', `${pickupPoint?.name ?? option.name} does not offer try-on.`, { optionId: option.id })
      const choice: DeliveryChoice = {
        optionId: option.id,
        methodType: option.methodType,
        carrier: option.carrier,
        carrierName: option.carrierName,
        tariffCode: option.tariffCode,
        name: option.name,
        price: option.price,
        carrierPrice: option.carrierPrice,
        estimate: option.estimate,
        services: option.services,
        destination: input.destination,
        address: option.methodType === 'courier_door' || option.methodType === 'post' ? address : null,
        pickupPoint,
        slot,
        tryOn: input.tryOn ?? false,
        callBefore: input.callBefore ?? false,
      }
      if (paymentType) {
        const why = whyNotPayable(choice, paymentType)
        if (why) throw unavailable(paymentType === 'cash_on_delivery' ? 'cod_not_accepted' : 'payment_not_accepted', `This delivery cannot be paid the way the cart says: ${why}. Choose another point or payment method.`, { paymentType })
      }
      return choice
    },

    async book(uow, choice, paymentType) {
      if (paymentType) {
        const why = whyNotPayable(choice, paymentType)
        if (why) throw unavailable(paymentType === 'cash_on_delivery' ? 'cod_not_accepted' : 'payment_not_accepted', `This delivery cannot be paid the way the cart says: ${why}.`, { paymentType })
      }
      if (!choice.slot) return
      const capacity = slotCapacity(choice.slot.id)
      await insertIgnoringConflicts(uow.db.insertInto('ordo_delivery_slot').values({ slot_id: choice.slot.id, booked: 0 }), runtime.storage.capabilities).execute()
      const booked = await uow.db
        .updateTable('ordo_delivery_slot')
        .set((eb) => ({ booked: eb('booked', '+', 1) }))
        .where('slot_id', '=', choice.slot.id)
        .where('booked', '<', capacity)
        .executeTakeFirst()
      if (Number(booked.numUpdatedRows) !== 1) {
        throw unavailable('slot_full', `The slot ${choice.slot.date} ${choice.slot.from}–${choice.slot.to} was fully booked meanwhile; choose another with carts.setDelivery().`, { slot: choice.slot.id })
      }
    },

    async planShipments(uow, order, allocations, choice, cod) {
      const now = uow.now.getTime()
      const byLocation = new Map<string, Map<string, number>>()
      for (const a of allocations) {
        const lines = byLocation.get(a.locationId) ?? new Map<string, number>()
        lines.set(a.variantId, (lines.get(a.variantId) ?? 0) + a.quantity)
        byLocation.set(a.locationId, lines)
      }
      const locations = await deps.locations(uow.db, [...byLocation.keys()])
      // Lines with no allocation (gifts not stocked) travel with the first shipment.
      const orderLines = order.lines
      const remaining = new Map(orderLines.map((l) => [l.id, l.quantity]))
      const plans: { locationId: string | null; lines: { line: (typeof orderLines)[number]; quantity: number }[] }[] = []
      for (const [locationId, variants] of byLocation) {
        const lines: { line: (typeof orderLines)[number]; quantity: number }[] = []
        for (const [variantId, qty] of variants) {
          let left = qty
          for (const line of orderLines) {
            if (line.variantId !== variantId || left === 0) continue
            const take = Math.min(left, remaining.get(line.id) ?? 0)
            if (take === 0) continue
            lines.push({ line, quantity: take })
            remaining.set(line.id, (remaining.get(line.id) ?? 0) - take)
            left -= take
          }
        }
        if (lines.length > 0) plans.push({ locationId, lines })
      }
      const unallocated = orderLines.filter((l) => (remaining.get(l.id) ?? 0) > 0).map((l) => ({ line: l, quantity: remaining.get(l.id)! }))
      if (unallocated.length > 0) {
        if (plans[0]) {
          // A line part of which the first shipment already carries stays one shipment line.
          for (const piece of unallocated) {
            const same = plans[0].lines.find((p) => p.line.id === piece.line.id)
            if (same) same.quantity += piece.quantity
            else plans[0].lines.push(piece)
          }
        } else plans.push({ locationId: null, lines: unallocated })
      }
      // Warehouses first, so the delivery charge (and a payment method fee) rides with the shop's own parcel.
      plans.sort((a, b) => Number(locations.get(a.locationId ?? '')?.type === 'supplier') - Number(locations.get(b.locationId ?? '')?.type === 'supplier'))

      // A line split over shipments is valued over all its parts at once, so the parts add up to its total.
      // Each part keeps its value: COD, registration at the carrier and outcomes at the door all read it.
      const pieceValue = valuePieces(plans.flatMap((plan) => plan.lines))

      const shipments: ShipmentTable[] = []
      for (const [index, plan] of plans.entries()) {
        const location = plan.locationId ? locations.get(plan.locationId) : undefined
        const goods = plan.lines.reduce((s, piece) => s + pieceValue.get(piece)!, 0)
        const deliveryPart = index === 0 ? order.totals.deliveryTotal + order.totals.paymentFee : 0
        let supplierOrderId: string | null = null
        if (location?.type === 'supplier') {
          supplierOrderId = newId()
          const lines = plan.lines.map(({ line, quantity }) => ({ orderLineId: line.id, sku: line.sku, name: line.name, quantity, unitCost: line.costPrice }))
          await uow.db
            .insertInto('ordo_supplier_order')
            .values({
              id: supplierOrderId,
              order_id: order.id,
              order_number: order.number,
              location_id: plan.locationId!,
              status: 'placed',
              lines: JSON.stringify(lines),
              cost_total: lines.reduce((s, l) => s + (l.unitCost ?? 0) * l.quantity, 0),
              expected_at: now + location.leadTimeDays * 24 * 60 * MINUTE,
              created_at: now,
              updated_at: now,
            })
            .execute()
          uow.emit({ type: 'supplier_order.placed', aggregateId: supplierOrderId, data: { supplierOrderId, orderId: order.id, locationId: plan.locationId! } })
        }
        const row: ShipmentTable = {
          id: newId(),
          order_id: order.id,
          order_number: order.number,
          number: `${order.number}-${index + 1}`,
          direction: 'outbound',
          status: 'pending',
          raw_status: null,
          method_type: choice.methodType,
          carrier: choice.carrier,
          tariff_code: choice.tariffCode,
          location_id: plan.locationId,
          supplier_order_id: supplierOrderId,
          pickup_point: choice.pickupPoint === null ? null : JSON.stringify(choice.pickupPoint),
          address: choice.address === null ? null : JSON.stringify(choice.address),
          slot: choice.slot === null ? null : JSON.stringify(choice.slot),
          tracking_number: null,
          carrier_shipment_id: null,
          storage_until: null,
          cod_amount: cod ? goods + deliveryPart : 0,
          declared_value: goods,
          weight_grams: null,
          boxes: null,
          services: JSON.stringify({ tryOn: choice.tryOn, partialBuyout: choice.tryOn && (choice.pickupPoint?.services ?? choice.services).partialBuyout, callBefore: choice.callBefore }),
          related_shipment_id: null,
          last_report_at: null,
          next_poll_at: null,
          outcome_key: null,
          version: 1,
          created_at: now,
          updated_at: now,
        }
        shipments.push(row)
        await uow.db.insertInto('ordo_shipment').values(row).execute()
        await uow.db
          .insertInto('ordo_shipment_line')
          .values(
            plan.lines.map((piece) => ({
              id: newId(),
              shipment_id: row.id,
              order_line_id: piece.line.id,
              variant_id: piece.line.variantId,
              sku: piece.line.sku,
              name: piece.line.name,
              quantity: piece.quantity,
              value: pieceValue.get(piece)!,
              kept_quantity: null,
              refused_quantity: null,
            })),
          )
          .execute()
        uow.emit({ type: 'shipment.created', aggregateId: row.id, data: { shipmentId: row.id, orderId: order.id, number: row.number, carrier: row.carrier, supplierOrderId } })
      }
      return shipments
    },
  }

  function slotCapacity(slotId: string): number {
    const from = slotId.split('@')[1]?.split('-')[0]
    return config.ownCourier?.slots?.find((s) => s.from === from)?.capacity ?? 0
  }

  async function slotLeft(db: Kysely<Database>, slotId: string): Promise<number> {
    const row = await db.selectFrom('ordo_delivery_slot').select(['booked']).where('slot_id', '=', slotId).executeTakeFirst()
    return slotCapacity(slotId) - Number(row?.booked ?? 0)
  }

  let refreshing: Promise<unknown> | null = null
  /** Stale pickup points of cities already asked about are fetched again, a few cities per run. */
  async function refreshStale(): Promise<number> {
    const before = runtime.clock.now().getTime() - settings.pickupPointsTtlMs
    const stale = await runtime.db
      .selectFrom('ordo_pickup_point')
      .select(['carrier', 'city_key'])
      .select((eb) => eb.fn.max('data').as('sample'))
      .where('refreshed_at', '<', before)
      .groupBy(['carrier', 'city_key'])
      .limit(20)
      .execute()
    let stored = 0
    for (const row of stale) {
      const courier = couriers.get(row.carrier)
      if (!courier) continue
      const sample = JSON.parse(String(row.sample)) as PickupPoint
      try {
        stored += (await fetchPoints(courier, { city: sample.address.city, postalCode: sample.address.postalCode ?? undefined })).length
        pointsCache.delete(`${courier.id}|${row.city_key}`)
      } catch (error) {
        runtime.logger.warn('Refreshing pickup points failed; the next run tries again.', { carrier: row.carrier, city: row.city_key, error })
      }
    }
    return stored
  }
  const jobs: Record<string, JobDefinition<any>> = {
    'delivery.refresh-pickup-points': {
      every: 60 * MINUTE,
      run: (_payload, { uow }) => {
        // Couriers are called after this job's commit, one refresh at a time per process.
        uow.afterCommit(() => {
          if (refreshing) return
          refreshing = refreshStale()
            .catch((error) => runtime.logger.error('delivery.refresh-pickup-points failed.', { error }))
            .finally(() => (refreshing = null))
        })
      },
    },
  }

  return { api, internal, jobs }
}

function restrict(services: DeliveryServices, courier: Courier): DeliveryServices {
  return {
    cod: services.cod && courier.capabilities.supportsCod,
    card: services.card,
    tryOn: services.tryOn && courier.capabilities.supportsTryOn,
    partialBuyout: services.partialBuyout && courier.capabilities.supportsPartialBuyout,
  }
}

function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180
  const dLat = (lat2 - lat1) * rad
  const dLon = (lon2 - lon1) * rad
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2
  return 6371 * 2 * Math.asin(Math.sqrt(a))
}
