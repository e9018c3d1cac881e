import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { CourierError, OrdoError, type CarrierStatus, type Courier, type CourierShipmentRequest } from '@ordo/core'
import { startCdekFake, testClock, type CdekFake, type TestClock } from '@ordo/testing'
import { cdek, cdekCarrierStatus, CDEK_OFFICE_TARIFFS, type CdekConfig } from '@ordo/courier-cdek'

const ctx = () => ({ signal: AbortSignal.timeout(10_000) })

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

function shipment(overrides: Partial<CourierShipmentRequest> = {}): CourierShipmentRequest {
  return {
    reference: `R-${randomUUID().slice(0, 8)}`,
    tariffCode: '139',
    methodType: 'courier_door',
    from: { country: 'RU', city: 'Москва', postalCode: '101000', line: 'ул. Мясницкая, 1' },
    to: { country: 'RU', city: 'Санкт-Петербург', postalCode: '190000', line: 'Невский пр., 10, кв. 5' },
    pickupPointId: null,
    recipient: { name: 'Анна Смирнова', phone: '+79110000000', email: null },
    parcels: [
      {
        weightGrams: 900,
        lengthCm: 30,
        widthCm: 20,
        heightCm: 10,
        items: [
          { sku: 'DRESS-S', name: 'Платье, S', quantity: 3, unitPrice: 123_457, vatRate: 'vat20', weightGrams: 200, codPerUnit: 123_457 },
          { sku: 'BELT', name: 'Ремень', quantity: 1, unitPrice: 29, vatRate: 'none', weightGrams: 100, codPerUnit: 29 },
        ],
      },
    ],
    declaredValue: 370_400,
    codDelivery: 35_050,
    currency: 'RUB',
    services: { tryOn: true, partialBuyout: true, insurance: false, callBefore: false },
    comment: 'Позвонить за час',
    ...overrides,
  }
}

let fake: CdekFake
let clock: TestClock
let courier: Courier
const sent: { url: string; method: string; body: unknown }[] = []

function make(overrides: Partial<CdekConfig> = {}): Courier {
  return cdek({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    baseUrl: fake.url,
    clock,
    labelPollIntervalMs: 5,
    fetch: async (input, init) => {
      const body = typeof init?.body === 'string' && init.body.startsWith('{') ? (JSON.parse(init.body) as unknown) : (init?.body ?? null)
      sent.push({ url: String(input), method: init?.method ?? 'GET', body })
      return fetch(input, init)
    },
    ...overrides,
  })
}

beforeEach(async () => {
  clock = testClock('2026-02-01T09:00:00Z')
  fake = await startCdekFake({ clock, tokenTtlSeconds: 3600 })
  sent.length = 0
  courier = make()
})

afterEach(async () => {
  await fake.close()
})

describe('OAuth token', () => {
  test('one token serves many calls until shortly before it expires, then a new one is fetched', async () => {
    const to = { country: 'RU', city: 'Санкт-Петербург', postalCode: '190000' }
    await courier.listPickupPoints(to, ctx())
    await courier.listPickupPoints(to, ctx())
    await courier.track([], ctx())
    expect(fake.tokensIssued()).toBe(1)
    const form = new URLSearchParams(String(sent.find((s) => s.url.endsWith('/oauth/token'))!.body))
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'client_credentials', client_id: fake.clientId, client_secret: fake.clientSecret })

    clock.advance(3_600_000 - 120_000)
    await courier.listPickupPoints(to, ctx())
    expect(fake.tokensIssued()).toBe(1)
    // Inside the last minute the cached token is no longer trusted.
    clock.advance(90_000)
    await courier.listPickupPoints(to, ctx())
    expect(fake.tokensIssued()).toBe(2)
    expect(fake.requests().every((r) => r.authorized)).toBe(true)
  })

  test('a 401 with a cached token fetches a new token once and repeats the call', async () => {
    const to = { country: 'RU', city: 'Санкт-Петербург', postalCode: '190000' }
    await courier.listPickupPoints(to, ctx())
    fake.revokeTokens()
    const points = await courier.listPickupPoints(to, ctx())
    expect(points.length).toBeGreaterThan(0)
    expect(fake.tokensIssued()).toBe(2)
    expect(fake.requests().map((r) => r.authorized)).toEqual([true, false, true])
  })

  test('wrong credentials are a non-retryable error', async () => {
    const wrong = make({ clientSecret: 'not-the-secret' })
    const error = await caught(wrong.listPickupPoints({ postalCode: '190000' }, ctx()))
    expect(error).toBeInstanceOf(CourierError)
    expect((error as CourierError).retryable).toBe(false)
    expect((error as CourierError).status).toBe(401)
    expect((error as CourierError).vendorCode).toBe('invalid_client')
  })
})

describe('money', () => {
  test('tariff prices in rubles become exact kopecks', async () => {
    const tariffs = await courier.quote(
      {
        from: { country: 'RU', city: 'Москва', postalCode: '101000' },
        to: { country: 'RU', city: 'Санкт-Петербург', postalCode: '190000' },
        parcels: [{ weightGrams: 1_200, lengthCm: 30, widthCm: 20, heightCm: 10 }],
        declaredValue: 100_000,
        currency: 'RUB',
      },
      ctx(),
    )
    // The fake prices tariff 139 at 542.50 ₽ + 2 zones × 70.15 ₽ + 2 extra half-kilos × 40.50 ₽ = 763.80 ₽.
    expect(tariffs.map((t) => [t.tariffCode, t.methodType])).toEqual([
      ['138', 'pickup_point'],
      ['139', 'courier_door'],
      ['366', 'parcel_locker'],
    ])
    expect(tariffs.find((t) => t.tariffCode === '139')).toMatchObject({ price: 76_380, minDays: 5, maxDays: 7 })
    expect(tariffs.find((t) => t.tariffCode === '366')!.services).toEqual({ cod: false, card: false, tryOn: false, partialBuyout: false })
  })

  test('cash on delivery per unit, VAT, declared cost and the delivery charge reach CDEK exactly', async () => {
    const request = shipment()
    await courier.createShipment(request, ctx())
    const order = fake.orders().find((o) => o.number === request.reference)!
    expect(order.items).toEqual([
      expect.objectContaining({ wareKey: 'DRESS-S', amount: 3, paymentValue: 123_457, cost: 123_457, vatRate: 20 }),
      expect.objectContaining({ wareKey: 'BELT', amount: 1, paymentValue: 29, cost: 29, vatRate: null }),
    ])
    expect(order.deliveryRecipientCost).toBe(35_050)
    expect(order.services.sort()).toEqual(['PART_DELIV', 'TRYING_ON'])
    expect(fake.control.received(request.reference)).toEqual({ codTotal: 3 * 123_457 + 29 + 35_050 })

    const body = sent.find((s) => s.method === 'POST' && s.url.endsWith('/v2/orders'))!.body as {
      packages: { items: { payment: Record<string, unknown> }[] }[]
      comment: string
      from_location: Record<string, unknown>
    }
    // VAT inside 1 234.57 ₽ at 20 %: 205.76 ₽ (20/120, half up); no VAT fields for "без НДС".
    expect(body.packages[0]!.items[0]!.payment).toEqual({ value: 1234.57, vat_rate: 20, vat_sum: 205.76 })
    expect(body.packages[0]!.items[1]!.payment).toEqual({ value: 0.29 })
    expect(body.comment).toBe('Позвонить за час')
    expect(body.from_location).toMatchObject({ postal_code: '101000', country_code: 'RU', city: 'Москва' })
  })
})

describe('status mapping', () => {
  const table: [string, CarrierStatus][] = [
    ['CREATED', 'registered'],
    ['RECEIVED_AT_SHIPMENT_WAREHOUSE', 'handed_over'],
    ['READY_TO_SHIP_AT_SENDING_OFFICE', 'handed_over'],
    ['RETURNED_TO_SENDER_CITY_WAREHOUSE', 'handed_over'],
    ['SENT_TO_TRANSIT_CITY', 'in_transit'],
    ['SENT_TO_RECIPIENT_CITY', 'in_transit'],
    ['ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE', 'in_transit'],
    ['TAKEN_BY_COURIER', 'in_transit'],
    ['ACCEPTED_AT_PICK_UP_POINT', 'at_pickup_point'],
    ['POSTOMAT_POSTED', 'at_pickup_point'],
    ['DELIVERED', 'delivered'],
    ['POSTOMAT_RECEIVED', 'delivered'],
    ['NOT_DELIVERED', 'refused'],
    ['INVALID', 'cancelled'],
    ['REMOVED', 'cancelled'],
  ]

  test.each(table)('%s is tracked as %s, with the raw code kept', async (code, status) => {
    const created = await courier.createShipment(shipment(), ctx())
    fake.setStatus(created.carrierShipmentId, code)
    const [update] = await courier.track([{ carrierShipmentId: created.carrierShipmentId, trackingNumber: created.trackingNumber }], ctx())
    expect(update).toMatchObject({ carrierShipmentId: created.carrierShipmentId, status, rawStatus: code })
  })

  test('a code the adapter does not know falls back to the latest known one', async () => {
    const created = await courier.createShipment(shipment(), ctx())
    fake.setStatus(created.carrierShipmentId, 'SENT_TO_RECIPIENT_CITY')
    fake.setStatus(created.carrierShipmentId, 'SOMETHING_CDEK_ADDS_LATER')
    const [update] = await courier.track([{ carrierShipmentId: created.carrierShipmentId, trackingNumber: null }], ctx())
    expect(update).toMatchObject({ status: 'in_transit', rawStatus: 'SENT_TO_RECIPIENT_CITY' })
  })

  test('a return order is returning until it is delivered back to the shop', () => {
    expect(cdekCarrierStatus('CREATED', true)).toBe('returning')
    expect(cdekCarrierStatus('SENT_TO_RECIPIENT_CITY', true)).toBe('returning')
    expect(cdekCarrierStatus('DELIVERED', true)).toBe('returned')
    expect(cdekCarrierStatus('ACCEPTED', false)).toBe('registered')
    expect(cdekCarrierStatus('NO_SUCH_CODE', false)).toBeNull()
  })

  test('a partial delivery reports what the customer kept, by SKU', async () => {
    const created = await courier.createShipment(shipment(), ctx())
    const ref = { carrierShipmentId: created.carrierShipmentId, trackingNumber: created.trackingNumber }
    await fake.control.advance(ref, 'partially_delivered', { kept: [{ sku: 'DRESS-S', quantity: 2 }] })
    const [update] = await courier.track([ref], ctx())
    expect(update).toMatchObject({ status: 'partially_delivered', rawStatus: 'DELIVERED', kept: [{ sku: 'DRESS-S', quantity: 2 }] })
  })
})

describe('duplicate number', () => {
  test('a second create with the same reference, from a fresh adapter, returns the first order', async () => {
    const request = shipment()
    const first = await courier.createShipment(request, ctx())
    expect(first.trackingNumber).toMatch(/^\d+$/)
    const again = await make().createShipment(request, ctx())
    expect(again).toEqual(first)
    expect(fake.control.registrations(request.reference)).toBe(1)
    const posts = sent.filter((s) => s.method === 'POST' && s.url.endsWith('/v2/orders'))
    expect(posts).toHaveLength(2)
    expect(sent.some((s) => s.method === 'GET' && s.url.includes(`im_number=${request.reference}`))).toBe(true)
  })

  test('a validation error that is not a duplicate stays an error', async () => {
    const error = await caught(courier.createShipment(shipment({ methodType: 'pickup_point', tariffCode: '138', pickupPointId: 'NOPE1' }), ctx()))
    expect(error).toBeInstanceOf(CourierError)
    expect((error as CourierError).retryable).toBe(false)
    expect((error as CourierError).vendorCode).toBe('v2_entity_not_found')
  })
})

describe('pickup points', () => {
  test('flags become services; lockers carry their biggest cell and weight limit; a city name alone is resolved', async () => {
    const points = await courier.listPickupPoints({ city: 'Санкт-Петербург', country: 'RU' }, ctx())
    expect(sent.some((s) => s.url.includes('/v2/location/cities'))).toBe(true)
    const byId = new Map(points.map((p) => [p.id, p]))
    expect(byId.get('SPB3')).toMatchObject({ type: 'pickup_point', services: { cod: true, card: true, tryOn: true, partialBuyout: true }, maxDimensionsCm: null, maxWeightGrams: 30_000 })
    expect(byId.get('SPB118')!.services.cod).toBe(false)
    expect(byId.get('SPB47')!.services.tryOn).toBe(false)
    expect(byId.get('SPB2071')).toMatchObject({ type: 'parcel_locker', maxDimensionsCm: [60, 40, 38], maxWeightGrams: 20_000, workingHours: 'Пн-Вс 00:00-23:59' })
    expect(points.every((p) => p.address.city === 'Санкт-Петербург')).toBe(true)

    const byCode = await courier.listPickupPoints({ carrierCityCode: '44', types: ['pickup_point'] }, ctx())
    expect(byCode.map((p) => p.id).sort()).toEqual(['MSK12', 'MSK305'])
    expect(await courier.listPickupPoints({ city: 'Санкт-Петербург', types: ['post'] }, ctx())).toEqual([])
  })
})

describe('webhooks', () => {
  test('the reported status is the one CDEK confirms, not the one the webhook claims', async () => {
    const created = await courier.createShipment(shipment(), ctx())
    const ref = { carrierShipmentId: created.carrierShipmentId, trackingNumber: created.trackingNumber }
    await fake.control.advance(ref, 'in_transit')
    const claimsDelivered = await fake.control.webhook!(ref, 'delivered')
    expect(JSON.parse(claimsDelivered.rawBody)).toMatchObject({ type: 'ORDER_STATUS', uuid: ref.carrierShipmentId, attributes: { status_code: 'DELIVERED' } })
    const parsed = await courier.parseWebhook(claimsDelivered)
    expect(parsed.ok && parsed.updates).toEqual([expect.objectContaining({ carrierShipmentId: ref.carrierShipmentId, status: 'in_transit', rawStatus: 'SENT_TO_RECIPIENT_CITY' })])
  })

  test('a return order webhook updates the direct shipment', async () => {
    const request = shipment()
    const created = await courier.createShipment(request, ctx())
    const ref = { carrierShipmentId: created.carrierShipmentId, trackingNumber: created.trackingNumber }
    await fake.control.advance(ref, 'refused')
    await fake.control.advance(ref, 'returning')
    const webhook = await fake.control.webhook!(ref, 'returning')
    expect(JSON.parse(webhook.rawBody).uuid).not.toBe(ref.carrierShipmentId)
    const parsed = await courier.parseWebhook(webhook)
    expect(parsed.ok && parsed.updates).toEqual([
      expect.objectContaining({ carrierShipmentId: ref.carrierShipmentId, trackingNumber: created.trackingNumber, reference: request.reference, status: 'returning' }),
    ])
  })

  test('other webhook types are acknowledged without updates', async () => {
    const parsed = await courier.parseWebhook({ headers: {}, rawBody: JSON.stringify({ type: 'PRINT_FORM', uuid: randomUUID(), attributes: {} }) })
    expect(parsed).toMatchObject({ ok: true, updates: [], response: { status: 200 } })
  })
})

describe('labels, cancel and errors', () => {
  test('the waybill is polled until ready and downloaded as a PDF', async () => {
    const created = await courier.createShipment(shipment(), ctx())
    const pdf = await courier.getLabel({ carrierShipmentId: created.carrierShipmentId, trackingNumber: created.trackingNumber }, ctx())
    expect(Buffer.from(pdf).toString('latin1')).toMatch(/^%PDF-1\.4[\s\S]*%%EOF\n$/)
    expect(Buffer.from(pdf).toString('latin1')).toContain(created.trackingNumber!)
    expect(fake.requests().filter((r) => r.method === 'GET' && /^\/v2\/print\/orders\/[0-9a-f-]{36}$/.test(r.path))).toHaveLength(2)
  })

  test('cancel deletes the order', async () => {
    const created = await courier.createShipment(shipment(), ctx())
    await courier.cancelShipment({ carrierShipmentId: created.carrierShipmentId, trackingNumber: null }, ctx())
    expect(fake.orders().find((o) => o.uuid === created.carrierShipmentId)!.statuses.at(-1)!.code).toBe('REMOVED')
  })

  test('429 is retryable, 400 is not, and an unknown order is left out of tracking', async () => {
    fake.failNextWith(429, { code: 'v2_too_many_requests', message: 'Too many requests' })
    const throttled = await caught(courier.listPickupPoints({ postalCode: '190000' }, ctx()))
    expect(throttled).toMatchObject({ retryable: true, status: 429, vendorCode: 'v2_too_many_requests' })
    expect(await courier.track([{ carrierShipmentId: randomUUID(), trackingNumber: null }], ctx())).toEqual([])
  })

  test('track looks orders up with limited concurrency and keeps every known one', async () => {
    const refs = []
    for (let i = 0; i < 7; i++) {
      const created = await courier.createShipment(shipment(), ctx())
      refs.push({ carrierShipmentId: created.carrierShipmentId, trackingNumber: created.trackingNumber })
    }
    const limited = make({ trackConcurrency: 2 })
    const updates = await limited.track(refs, ctx())
    expect(updates.map((u) => u.carrierShipmentId)).toEqual(refs.map((r) => r.carrierShipmentId))
  })
})

describe('config', () => {
  test('an office shipment point sends shipment_point and offers the office tariffs', async () => {
    const office = make({ shipmentPoint: 'MSK12' })
    const tariffs = await office.quote(
      {
        from: { country: 'RU', city: 'Москва', postalCode: '101000' },
        to: { country: 'RU', city: 'Санкт-Петербург', postalCode: '190000' },
        parcels: [{ weightGrams: 500, lengthCm: 10, widthCm: 10, heightCm: 10 }],
        declaredValue: 1_000,
        currency: 'RUB',
      },
      ctx(),
    )
    expect(tariffs.map((t) => Number(t.tariffCode))).toEqual([...CDEK_OFFICE_TARIFFS])
    const request = shipment({ tariffCode: '136', methodType: 'pickup_point', pickupPointId: 'SPB3' })
    await office.createShipment(request, ctx())
    expect(fake.orders().find((o) => o.number === request.reference)).toMatchObject({ shipmentPoint: 'MSK12', deliveryPoint: 'SPB3', tariffCode: 136 })
  })

  test('a bad config is refused naming the key', () => {
    expect(() => cdek({ clientId: '', clientSecret: 'x' })).toThrow(OrdoError)
    expect(() => cdek({ clientId: 'a', clientSecret: 'b', tariffs: [] })).toThrow(/tariffs/)
    const courier = cdek({ clientId: 'a', clientSecret: 'b' })
    expect(courier).toMatchObject({ id: 'cdek', name: 'СДЭК' })
  })
})
