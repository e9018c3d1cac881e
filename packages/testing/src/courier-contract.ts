import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import {
  CARRIER_STATUSES,
  CourierError,
  DELIVERY_METHOD_TYPES,
  type CarrierStatus,
  type CarrierStatusUpdate,
  type Courier,
  type CourierCallContext,
  type CourierLocation,
  type CourierShipmentRef,
  type CourierShipmentRequest,
  type DeliveryMethodType,
  type PickupPoint,
  type WebhookRequest,
} from '@ordo/core'

/**
 * How the courier contract suite drives a loopback fake of a carrier's API:
 * it moves parcels along their way, reads back what the carrier received,
 * produces the carrier's webhooks and injects failures. Each courier fake in
 * `@ordo/testing` (and any fake an adapter author writes) exposes one.
 */
export interface CourierFakeControl {
  /**
   * Moves a registered shipment to `status`, recording the carrier's own raw
   * code for it (the one the adapter must map back to `status`). `kept` is
   * what the customer kept on a partial delivery.
   */
  advance(ref: CourierShipmentRef, status: CarrierStatus, options?: { kept?: { sku: string; quantity: number }[] }): Promise<void>
  /** How many shipments the carrier created with this reference (our number); 0 when none. */
  registrations(reference: string): number
  /** What the carrier received for the shipment with this reference, in minor units; null when it has none. */
  received(reference: string): { codTotal: number } | null
  /** A correctly shaped (and signed, where the carrier signs) webhook about the shipment's current state; absent when the carrier has no webhooks. */
  webhook?(ref: CourierShipmentRef, status: CarrierStatus): Promise<WebhookRequest>
  /** A webhook that must be rejected: a bad signature, or (for carriers verified by re-fetch) one about a shipment the API does not know. */
  forgedWebhook?(ref: CourierShipmentRef): Promise<WebhookRequest>
  /**
   * The next API call fails: `network` drops the connection, `server` answers
   * a 5xx, `client` answers the carrier's documented 4xx validation error.
   */
  failNext(kind: 'network' | 'server' | 'client'): void
  /** A reference to a shipment the carrier does not know, shaped like a real one. @default a random uuid and no tracking number */
  unknownRef?(): CourierShipmentRef
}

/** The places the contract cases ship between; override them when the fake knows other ones. */
export interface CourierContractPlaces {
  /** The shop's warehouse. @default Moscow, 101000 */
  from: CourierLocation
  /** The customer's address. @default Saint Petersburg, 190000 */
  to: CourierLocation
}

/** What the setup function of {@link describeCourierContract} returns for each test. */
export interface CourierContractSetup {
  /** The adapter under test, pointed at the fake. */
  courier: Courier
  /** The fake's controls. */
  control: CourierFakeControl
  /** Stops the fake (and anything else the setup started). */
  close(): Promise<void>
  /**
   * A second adapter instance with the same configuration and fake, sharing
   * no memory with `courier` (a restarted process): the suite retries a
   * registration through it, so "already exists" must be handled by asking
   * the carrier, not by a local cache. @default courier
   */
  restarted?: Courier
  /** Places the fake knows. @default {@link CourierContractPlaces} defaults */
  places?: Partial<CourierContractPlaces>
}

const DEFAULT_PLACES: CourierContractPlaces = {
  from: { country: 'RU', city: 'Москва', postalCode: '101000', line: 'ул. Мясницкая, д. 1' },
  to: { country: 'RU', city: 'Санкт-Петербург', postalCode: '190000', line: 'Невский пр., д. 10, кв. 5' },
}

function context(): CourierCallContext {
  return { signal: AbortSignal.timeout(10_000) }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the courier call to be rejected, but it succeeded')
}

function expectCourierError(error: unknown, retryable: boolean): void {
  expect(error).toBeInstanceOf(CourierError)
  expect((error as CourierError).retryable).toBe(retryable)
}

function sameShipment(update: CarrierStatusUpdate, ref: CourierShipmentRef, reference: string): boolean {
  return (
    (update.carrierShipmentId !== null && update.carrierShipmentId === ref.carrierShipmentId) ||
    (update.trackingNumber !== null && ref.trackingNumber !== null && update.trackingNumber === ref.trackingNumber) ||
    update.reference === reference
  )
}

/**
 * The courier contract: every behaviour core relies on, run against an
 * adapter pointed at a loopback fake of its carrier's API. Cases a capability
 * flag declares unsupported are skipped. `setup` runs before each case and
 * `close` after it, so cases never share state.
 *
 * @example
 * ```ts
 * import { describeCourierContract, startCdekFake } from '@ordo/testing'
 * import { cdek } from '@ordo/courier-cdek'
 *
 * describeCourierContract('cdek', async () => {
 *   const fake = await startCdekFake()
 *   const config = { clientId: fake.clientId, clientSecret: fake.clientSecret, baseUrl: fake.url }
 *   return { courier: cdek(config), restarted: cdek(config), control: fake.control, close: () => fake.close() }
 * })
 * ```
 */
export function describeCourierContract(name: string, setup: () => Promise<CourierContractSetup>): void {
  describe(`courier contract: ${name}`, () => {
    let current: CourierContractSetup | null = null
    const env = (): CourierContractSetup => {
      if (!current) throw new Error('courier contract: setup did not run')
      return current
    }
    const places = (): CourierContractPlaces => ({ ...DEFAULT_PLACES, ...env().places })
    beforeEach(async () => {
      current = await setup()
    })
    afterEach(async () => {
      await current?.close()
      current = null
    })

    /** A shipment of two parcels' worth of goods; door delivery unless a point is given. */
    function shipmentRequest(overrides: Partial<CourierShipmentRequest> = {}): CourierShipmentRequest {
      const { from, to } = places()
      return {
        reference: `C-${randomUUID().slice(0, 8)}`,
        tariffCode: '',
        methodType: 'courier_door',
        from,
        to,
        pickupPointId: null,
        recipient: { name: 'Иван Петров', phone: '+79001234567', email: 'buyer@example.com' },
        parcels: [
          {
            weightGrams: 1_200,
            lengthCm: 30,
            widthCm: 20,
            heightCm: 10,
            items: [
              { sku: 'TSHIRT-BLUE-M', name: 'Футболка синяя, M', quantity: 2, unitPrice: 149_950, vatRate: 'vat20', weightGrams: 300, codPerUnit: 0 },
              { sku: 'CAP-RED', name: 'Кепка красная', quantity: 1, unitPrice: 89_900, vatRate: 'vat20', weightGrams: 200, codPerUnit: 0 },
            ],
          },
        ],
        declaredValue: 389_800,
        codDelivery: 0,
        currency: 'RUB',
        services: { tryOn: false, partialBuyout: false, insurance: true, callBefore: false },
        comment: null,
        ...overrides,
      }
    }

    /** A tariff code of the wanted method type from a real quote, so the shipment is one the carrier accepts. */
    async function tariffFor(methodType: DeliveryMethodType): Promise<string | null> {
      const { courier } = env()
      const { from, to } = places()
      const tariffs = await courier.quote(
        { from, to, parcels: [{ weightGrams: 1_200, lengthCm: 30, widthCm: 20, heightCm: 10 }], declaredValue: 389_800, currency: 'RUB' },
        context(),
      )
      return tariffs.find((tariff) => tariff.methodType === methodType)?.tariffCode ?? null
    }

    async function doorShipment(overrides: Partial<CourierShipmentRequest> = {}) {
      const tariffCode = (await tariffFor('courier_door')) ?? (await tariffFor('post'))
      if (tariffCode === null) throw new Error('courier contract: the quote offered neither door nor post delivery')
      const methodType: DeliveryMethodType = (await tariffFor('courier_door')) !== null ? 'courier_door' : 'post'
      const request = shipmentRequest({ tariffCode, methodType, ...overrides })
      const created = await env().courier.createShipment(request, context())
      const ref: CourierShipmentRef = { carrierShipmentId: created.carrierShipmentId, trackingNumber: created.trackingNumber }
      return { request, created, ref }
    }

    async function trackOne(ref: CourierShipmentRef, reference: string): Promise<CarrierStatusUpdate> {
      const updates = await env().courier.track([ref], context())
      const update = updates.find((candidate) => sameShipment(candidate, ref, reference))
      if (!update) throw new Error(`courier contract: track left out the known shipment ${ref.carrierShipmentId}`)
      return update
    }

    test('quote: tariffs with positive integer prices, known method types and day ranges', async () => {
      const { courier } = env()
      const { from, to } = places()
      const request = { from, to, parcels: [{ weightGrams: 1_500, lengthCm: 30, widthCm: 20, heightCm: 15 }], declaredValue: 500_000, currency: 'RUB' as const }
      const tariffs = await courier.quote(request, context())
      expect(tariffs.length).toBeGreaterThan(0)
      for (const tariff of tariffs) {
        expect(tariff.tariffCode.length).toBeGreaterThan(0)
        expect(tariff.name.length).toBeGreaterThan(0)
        expect(DELIVERY_METHOD_TYPES).toContain(tariff.methodType)
        expect(Number.isSafeInteger(tariff.price)).toBe(true)
        expect(tariff.price).toBeGreaterThan(0)
        expect(Number.isInteger(tariff.minDays)).toBe(true)
        expect(Number.isInteger(tariff.maxDays)).toBe(true)
        expect(tariff.minDays).toBeGreaterThanOrEqual(0)
        expect(tariff.maxDays).toBeGreaterThanOrEqual(tariff.minDays)
        expect(tariff.services).toEqual({ cod: expect.any(Boolean), card: expect.any(Boolean), tryOn: expect.any(Boolean), partialBuyout: expect.any(Boolean) })
        if (tariff.methodType === 'parcel_locker') expect(tariff.services.tryOn).toBe(false)
      }

      // Asking for one method type returns only that type.
      const wanted = tariffs[0]!.methodType
      const only = await courier.quote({ ...request, methodTypes: [wanted] }, context())
      expect(only.length).toBeGreaterThan(0)
      expect(only.every((tariff) => tariff.methodType === wanted)).toBe(true)
    })

    test('pickup points: filtered by city; lockers carry their size or weight limits', async () => {
      const { courier } = env()
      const { to, from } = places()
      const points = await courier.listPickupPoints({ city: to.city, postalCode: to.postalCode, carrierCityCode: to.carrierCityCode, country: to.country }, context())
      expect(points.length).toBeGreaterThan(0)
      const check = (point: PickupPoint) => {
        expect(point.id.length).toBeGreaterThan(0)
        expect(point.carrier).toBe(courier.id)
        expect(['pickup_point', 'parcel_locker', 'post']).toContain(point.type)
        expect(point.address.line.length).toBeGreaterThan(0)
        expect(point.services).toEqual({ cod: expect.any(Boolean), card: expect.any(Boolean), tryOn: expect.any(Boolean), partialBuyout: expect.any(Boolean) })
        if (point.maxWeightGrams !== null) {
          expect(Number.isSafeInteger(point.maxWeightGrams)).toBe(true)
          expect(point.maxWeightGrams).toBeGreaterThan(0)
        }
        if (point.maxDimensionsCm !== null) {
          const [a, b, c] = point.maxDimensionsCm
          expect(a).toBeGreaterThanOrEqual(b)
          expect(b).toBeGreaterThanOrEqual(c)
          expect(c).toBeGreaterThan(0)
        }
      }
      for (const point of points) {
        check(point)
        expect(point.address.city).toBe(to.city)
      }
      // Another city's points are other points.
      const elsewhere = await courier.listPickupPoints({ city: from.city, postalCode: from.postalCode, carrierCityCode: from.carrierCityCode, country: from.country }, context())
      for (const point of elsewhere) expect(point.address.city).toBe(from.city)
      const here = new Set(points.map((point) => point.id))
      expect(elsewhere.some((point) => here.has(point.id))).toBe(false)

      if (courier.capabilities.supportsLockers) {
        const lockers = points.filter((point) => point.type === 'parcel_locker')
        expect(lockers.length).toBeGreaterThan(0)
        for (const locker of lockers) {
          expect(locker.maxDimensionsCm !== null || locker.maxWeightGrams !== null).toBe(true)
          expect(locker.services.tryOn).toBe(false)
        }
        const onlyLockers = await courier.listPickupPoints({ city: to.city, postalCode: to.postalCode, carrierCityCode: to.carrierCityCode, country: to.country, types: ['parcel_locker'] }, context())
        expect(onlyLockers.length).toBe(lockers.length)
        expect(onlyLockers.every((point) => point.type === 'parcel_locker')).toBe(true)
      }
    })

    test('createShipment: a retry with the same reference registers once and returns the same shipment', async () => {
      const { courier, control } = env()
      const again = env().restarted ?? courier
      const { request, created } = await doorShipment()
      expect(created.carrierShipmentId.length).toBeGreaterThan(0)
      expect(control.registrations(request.reference)).toBe(1)

      const retried = await again.createShipment(request, context())
      expect(retried.carrierShipmentId).toBe(created.carrierShipmentId)
      if (created.trackingNumber !== null && retried.trackingNumber !== null) expect(retried.trackingNumber).toBe(created.trackingNumber)
      expect(control.registrations(request.reference)).toBe(1)

      const other = await courier.createShipment({ ...request, reference: `${request.reference}-2` }, context())
      expect(other.carrierShipmentId).not.toBe(created.carrierShipmentId)
      expect(control.registrations(`${request.reference}-2`)).toBe(1)
    })

    test('createShipment to a pickup point: the chosen point is used', async (ctx) => {
      const { courier, control } = env()
      const tariffCode = await tariffFor('pickup_point')
      if (tariffCode === null) return ctx.skip()
      const { to } = places()
      const points = await courier.listPickupPoints({ city: to.city, postalCode: to.postalCode, carrierCityCode: to.carrierCityCode, country: to.country, types: ['pickup_point'] }, context())
      const point = points[0]
      if (!point) throw new Error('courier contract: the quote offers pickup points but none is listed in the destination city')
      const request = shipmentRequest({ tariffCode, methodType: 'pickup_point', pickupPointId: point.id })
      const created = await courier.createShipment(request, context())
      expect(created.carrierShipmentId.length).toBeGreaterThan(0)
      expect(control.registrations(request.reference)).toBe(1)
    })

    test('cash on delivery: the exact total of items and delivery reaches the carrier', async (ctx) => {
      const { courier, control } = env()
      if (!courier.capabilities.supportsCod) return ctx.skip()
      // Kopecks that do not survive a float round trip (3 × 1 234.57 ₽ + 350.50 ₽) catch float drift.
      const base = shipmentRequest()
      const parcel = base.parcels[0]!
      const items = [
        { ...parcel.items[0]!, quantity: 3, unitPrice: 123_457, codPerUnit: 123_457 },
        { ...parcel.items[1]!, quantity: 1, unitPrice: 89_900, codPerUnit: 89_900 },
      ]
      const { request } = await doorShipment({ parcels: [{ ...parcel, items }], declaredValue: 3 * 123_457 + 89_900, codDelivery: 35_050 })
      expect(control.received(request.reference)).toEqual({ codTotal: 3 * 123_457 + 89_900 + 35_050 })

      // A prepaid shipment collects nothing.
      const prepaid = await doorShipment()
      expect(control.received(prepaid.request.reference)).toEqual({ codTotal: 0 })
    })

    test('cancel: before handover the shipment is cancelled; after handover cancel is refused', async () => {
      const { courier, control } = env()
      const { request, ref } = await doorShipment()
      await courier.cancelShipment(ref, context())
      const after = await courier.track([ref], context())
      const update = after.find((candidate) => sameShipment(candidate, ref, request.reference))
      // Carriers either report the shipment cancelled or forget it.
      if (update) expect(update.status).toBe('cancelled')

      const handed = await doorShipment()
      await control.advance(handed.ref, 'handed_over')
      const refused = await rejection(courier.cancelShipment(handed.ref, context()))
      expectCourierError(refused, false)
      expect((await trackOne(handed.ref, handed.request.reference)).status).toBe('handed_over')
    })

    test('label: PDF bytes', async (ctx) => {
      const { courier } = env()
      if (!courier.capabilities.supportsLabels) return ctx.skip()
      const { ref } = await doorShipment()
      const label = await courier.getLabel(ref, context())
      expect(label).toBeInstanceOf(Uint8Array)
      expect(label.byteLength).toBeGreaterThan(4)
      expect(Buffer.from(label.subarray(0, 4)).toString('latin1')).toBe('%PDF')
    })

    test('track: a batch maps each status with its raw code; unknown shipments are left out', async () => {
      const { courier, control } = env()
      expect(courier.capabilities.maxTrackBatch).toBeGreaterThanOrEqual(1)
      const registered = await doorShipment()
      const moving = await doorShipment()
      const done = await doorShipment()
      await control.advance(moving.ref, 'handed_over')
      await control.advance(moving.ref, 'in_transit')
      await control.advance(done.ref, 'handed_over')
      await control.advance(done.ref, 'in_transit')
      await control.advance(done.ref, 'delivered')
      const unknown = control.unknownRef?.() ?? { carrierShipmentId: randomUUID(), trackingNumber: null }

      const refs = [registered.ref, moving.ref, done.ref, unknown]
      const updates: CarrierStatusUpdate[] = []
      for (let start = 0; start < refs.length; start += courier.capabilities.maxTrackBatch) {
        updates.push(...(await courier.track(refs.slice(start, start + courier.capabilities.maxTrackBatch), context())))
      }
      const expected: [typeof registered, CarrierStatus][] = [
        [registered, 'registered'],
        [moving, 'in_transit'],
        [done, 'delivered'],
      ]
      for (const [shipment, status] of expected) {
        const found = updates.filter((update) => sameShipment(update, shipment.ref, shipment.request.reference))
        expect(found).toHaveLength(1)
        expect(found[0]!.status).toBe(status)
        expect(found[0]!.rawStatus.length).toBeGreaterThan(0)
        expect(found[0]!.occurredAt).toBeInstanceOf(Date)
        expect(Number.isNaN(found[0]!.occurredAt.getTime())).toBe(false)
      }
      expect(updates).toHaveLength(3)
      expect(updates.every((update) => CARRIER_STATUSES.includes(update.status))).toBe(true)
      // Different carrier states are told apart by their raw codes.
      expect(new Set(updates.map((update) => update.rawStatus)).size).toBe(3)
      expect(await courier.track([], context())).toEqual([])
    })

    test('track: every stage of a parcel way maps back to the status the carrier reported', async () => {
      const { courier, control } = env()
      const toPoint = await doorShipment()
      const way: CarrierStatus[] = ['handed_over', 'in_transit', 'at_pickup_point', 'delivered']
      for (const status of way) {
        await control.advance(toPoint.ref, status)
        expect((await trackOne(toPoint.ref, toPoint.request.reference)).status).toBe(status)
      }
      const back = await doorShipment()
      for (const status of ['handed_over', 'in_transit', 'refused', 'returning', 'returned'] as const) {
        await control.advance(back.ref, status)
        const update = await trackOne(back.ref, back.request.reference)
        expect(update.status).toBe(status)
        expect(update.rawStatus.length).toBeGreaterThan(0)
      }
    })

    test('track: a partial delivery reports what the customer kept', async (ctx) => {
      const { courier, control } = env()
      if (!courier.capabilities.supportsPartialBuyout) return ctx.skip()
      const { request, ref } = await doorShipment({ services: { tryOn: courier.capabilities.supportsTryOn, partialBuyout: true, insurance: false, callBefore: true } })
      await control.advance(ref, 'handed_over')
      await control.advance(ref, 'in_transit')
      const kept = [{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]
      await control.advance(ref, 'partially_delivered', { kept })
      const update = await trackOne(ref, request.reference)
      expect(update.status).toBe('partially_delivered')
      expect(update.kept).toEqual(kept)
    })

    test('webhook: a carrier status notification parses into the shipment update', async (ctx) => {
      const { courier, control } = env()
      if (!courier.capabilities.supportsWebhooks || !control.webhook) return ctx.skip()
      const { request, ref } = await doorShipment()
      await control.advance(ref, 'handed_over')
      await control.advance(ref, 'in_transit')
      const parsed = await courier.parseWebhook(await control.webhook(ref, 'in_transit'))
      if (!parsed.ok) throw new Error(`webhook rejected: ${parsed.reason}`)
      const update = parsed.updates.find((candidate) => sameShipment(candidate, ref, request.reference))
      expect(update).toBeDefined()
      expect(update!.status).toBe('in_transit')
      expect(update!.rawStatus.length).toBeGreaterThan(0)
      expect(parsed.response.status).toBeGreaterThanOrEqual(200)
      expect(parsed.response.status).toBeLessThan(300)
    })

    test('webhook: a forged or malformed notification is rejected', async (ctx) => {
      const { courier, control } = env()
      if (!courier.capabilities.supportsWebhooks) return ctx.skip()
      const { ref } = await doorShipment()
      const malformed = await courier.parseWebhook({ headers: { 'content-type': 'application/json' }, rawBody: '{"not":"a carrier notification"' })
      expect(malformed.ok).toBe(false)
      if (control.forgedWebhook) {
        const forged = await courier.parseWebhook(await control.forgedWebhook(ref))
        expect(forged.ok).toBe(false)
        if (forged.ok) return
        expect(forged.reason.length).toBeGreaterThan(0)
        expect(forged.response.contentType.length).toBeGreaterThan(0)
      }
    })

    test('errors: a 5xx and a dropped connection are retryable; the retry registers once', async () => {
      const { courier, control } = env()
      const tariffCode = (await tariffFor('courier_door')) ?? (await tariffFor('post'))
      const methodType: DeliveryMethodType = (await tariffFor('courier_door')) !== null ? 'courier_door' : 'post'
      const request = shipmentRequest({ tariffCode: tariffCode ?? '', methodType })

      control.failNext('server')
      const serverError = await rejection(courier.createShipment(request, context()))
      expectCourierError(serverError, true)
      expect((serverError as CourierError).status).toBeGreaterThanOrEqual(500)

      control.failNext('network')
      expectCourierError(await rejection(courier.createShipment(request, context())), true)

      const created = await courier.createShipment(request, context())
      expect(created.carrierShipmentId.length).toBeGreaterThan(0)
      expect(control.registrations(request.reference)).toBe(1)
    })

    test('errors: a validation error is not retryable', async () => {
      const { courier, control } = env()
      const { from, to } = places()
      control.failNext('client')
      const error = await rejection(
        courier.quote({ from, to, parcels: [{ weightGrams: 1_000, lengthCm: 10, widthCm: 10, heightCm: 10 }], declaredValue: 100_000, currency: 'RUB' }, context()),
      )
      expectCourierError(error, false)
      const status = (error as CourierError).status
      expect(status).not.toBeNull()
      expect(status!).toBeGreaterThanOrEqual(400)
      expect(status!).toBeLessThan(500)
    })

    test('abort: an aborted signal stops the call before anything is registered', async () => {
      const { courier, control } = env()
      const tariffCode = (await tariffFor('courier_door')) ?? (await tariffFor('post'))
      const methodType: DeliveryMethodType = (await tariffFor('courier_door')) !== null ? 'courier_door' : 'post'
      const request = shipmentRequest({ tariffCode: tariffCode ?? '', methodType })
      const controller = new AbortController()
      controller.abort(new Error('engine timeout'))
      const error = await rejection(courier.createShipment(request, { signal: controller.signal }))
      expect(error).toBeInstanceOf(Error)
      expect(control.registrations(request.reference)).toBe(0)
      const { from } = places()
      await expect(
        courier.quote({ from, to: request.to, parcels: [{ weightGrams: 500, lengthCm: 10, widthCm: 10, heightCm: 10 }], declaredValue: 1_000, currency: 'RUB' }, { signal: controller.signal }),
      ).rejects.toBeInstanceOf(Error)
    })
  })
}
