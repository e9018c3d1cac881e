import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { CourierError, OrdoError, type Courier, type CourierShipmentRequest } from '@ordo/core'
import { startRussianPostFake, type RussianPostFake } from '@ordo/testing'
import { parseOperationDate, russianPost, russianPostStatus, type RussianPostConfig } from '@ordo/courier-russianpost'

const ctx = () => ({ signal: AbortSignal.timeout(20_000) })

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

let fake: RussianPostFake
let courier: Courier

function config(overrides: Partial<RussianPostConfig> = {}): RussianPostConfig {
  return {
    accessToken: fake.accessToken,
    login: fake.login,
    password: fake.password,
    fromPostalCode: '101000',
    baseUrl: fake.url,
    trackingUrl: fake.trackingUrl,
    trackingLogin: fake.trackingLogin,
    trackingPassword: fake.trackingPassword,
    ticketPollIntervalMs: 5,
    ...overrides,
  }
}

function shipment(overrides: Partial<CourierShipmentRequest> = {}): CourierShipmentRequest {
  return {
    reference: `R-${Math.random().toString(36).slice(2, 10)}`,
    tariffCode: 'POSTAL_PARCEL',
    methodType: 'post',
    from: { country: 'RU', city: 'Москва', postalCode: '101000' },
    to: { country: 'RU', city: 'Санкт-Петербург', postalCode: '190000', region: 'г. Санкт-Петербург', line: 'Невский пр., д. 10, кв. 5' },
    pickupPointId: null,
    recipient: { name: 'Иван Петров', phone: '+7 (900) 123-45-67', email: null },
    parcels: [
      {
        weightGrams: 1_200,
        lengthCm: 30,
        widthCm: 20,
        heightCm: 10,
        items: [
          { sku: 'TSHIRT-M', name: 'Футболка', quantity: 3, unitPrice: 123_457, vatRate: 'vat20', weightGrams: 300, codPerUnit: 123_457 },
          { sku: 'CAP', name: 'Кепка', quantity: 1, unitPrice: 89_900, vatRate: 'none', weightGrams: 200, codPerUnit: 0 },
        ],
      },
    ],
    declaredValue: 3 * 123_457 + 89_900,
    codDelivery: 35_050,
    currency: 'RUB',
    services: { tryOn: false, partialBuyout: false, insurance: true, callBefore: false },
    comment: 'Позвонить заранее',
    ...overrides,
  }
}

beforeEach(async () => {
  fake = await startRussianPostFake()
  courier = russianPost(config())
})
afterEach(async () => {
  await fake.close()
})

describe('config', () => {
  test('a bad postal code or an unknown key is an INVALID_CONFIG naming the key', () => {
    const bad = caughtSync(() => russianPost(config({ fromPostalCode: '1010' })))
    expect(bad).toBeInstanceOf(OrdoError)
    expect((bad as OrdoError).code).toBe('INVALID_CONFIG')
    expect((bad as OrdoError).details).toEqual({ key: 'fromPostalCode' })
    const unknown = caughtSync(() => russianPost({ ...config(), apiKey: 'x' } as RussianPostConfig))
    expect((unknown as OrdoError).details).toEqual({ key: 'apiKey' })
  })

  test('identity and capabilities', () => {
    expect(courier.id).toBe('russianpost')
    expect(courier.name).toBe('Почта России')
    expect(courier.capabilities).toEqual({
      supportsTryOn: true,
      supportsPartialBuyout: false,
      supportsLockers: true,
      supportsWebhooks: false,
      supportsCod: true,
      supportsLabels: true,
      maxTrackBatch: 3000,
    })
    expect(russianPost(config({ ecom: false, id: 'pochta-2' })).capabilities.supportsLockers).toBe(false)
  })
})

function caughtSync(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('quote', () => {
  test('price is total-rate plus total-vat in kopecks; the request carries kopecks and grams', async () => {
    const tariffs = await courier.quote(
      {
        from: { country: 'RU', city: 'Москва', postalCode: '101000' },
        to: { country: 'RU', city: 'Санкт-Петербург', postalCode: '190000' },
        parcels: [{ weightGrams: 1_500, lengthCm: 30, widthCm: 20, heightCm: 15 }],
        declaredValue: 500_000,
        currency: 'RUB',
      },
      ctx(),
    )
    // The fake: ground 24 000 + 15 × 1 200 + 3 000 (one zone) = 45 000; insurance 4 % of 500 000 = 20 000; VAT 20 %.
    const post = tariffs.find((tariff) => tariff.methodType === 'post')!
    expect(post).toMatchObject({ tariffCode: 'POSTAL_PARCEL', price: 65_000 + 13_000, minDays: 3, maxDays: 6 })
    // ECOM ground is 4/5 of it: 36 000 + 20 000 = 56 000, + 11 200 VAT.
    const point = tariffs.find((tariff) => tariff.methodType === 'pickup_point')!
    expect(point).toMatchObject({ tariffCode: 'ECOM', price: 67_200, minDays: 4, maxDays: 7 })
    expect(tariffs.find((tariff) => tariff.methodType === 'parcel_locker')!.services.tryOn).toBe(false)

    const sent = fake.requests().filter((entry) => entry.path === '/1.0/tariff').map((entry) => entry.body)
    expect(sent).toContainEqual({
      'index-from': '101000',
      'index-to': '190000',
      'mail-category': 'WITH_DECLARED_VALUE',
      'mail-type': 'POSTAL_PARCEL',
      mass: 1_500,
      dimension: { length: 30, width: 20, height: 15 },
      fragile: false,
      'declared-value': 500_000,
    })
  })

  test('several parcels are priced one by one and summed; the value is declared once', async () => {
    const request = {
      from: { country: 'RU', city: 'Москва', postalCode: '101000' },
      to: { country: 'RU', city: 'Москва', postalCode: '101000' },
      parcels: [
        { weightGrams: 100, lengthCm: 10, widthCm: 10, heightCm: 10 },
        { weightGrams: 100, lengthCm: 10, widthCm: 10, heightCm: 10 },
      ],
      declaredValue: 1_000,
      currency: 'RUB' as const,
      methodTypes: ['post' as const],
    }
    const [tariff] = await courier.quote(request, ctx())
    // Same city: zone 0. Parcel 1: 25 200 + 40 insurance; parcel 2: 25 200 without; each plus 20 % VAT (rounded down).
    expect(tariff!.price).toBe(25_240 + 5_048 + 25_200 + 5_040)
    expect(fake.requests().filter((entry) => entry.path === '/1.0/tariff')).toHaveLength(2)
  })

  test('an answer in anything but whole kopecks is refused, not rounded', async () => {
    const fractional = russianPost(
      config({
        fetch: async (input, init) => {
          const response = await fetch(input, init)
          if (!String(input).endsWith('/1.0/tariff')) return response
          const body = (await response.json()) as Record<string, unknown>
          return new Response(JSON.stringify({ ...body, 'total-rate': 650.5 }), { status: 200, headers: { 'content-type': 'application/json' } })
        },
      }),
    )
    const error = await caught(
      fractional.quote(
        { from: { country: 'RU', city: 'Москва' }, to: { country: 'RU', city: 'Москва', postalCode: '101000' }, parcels: [{ weightGrams: 100, lengthCm: 1, widthCm: 1, heightCm: 1 }], declaredValue: 0, currency: 'RUB', methodTypes: ['post'] },
        ctx(),
      ),
    )
    expect(error).toBeInstanceOf(CourierError)
    expect((error as CourierError).retryable).toBe(false)
  })

  test('other currencies, and wrong credentials (401), are refused without retry', async () => {
    const base = { from: { country: 'RU', city: 'Москва' }, to: { country: 'RU', city: 'Москва', postalCode: '101000' }, parcels: [{ weightGrams: 100, lengthCm: 1, widthCm: 1, heightCm: 1 }], declaredValue: 0 }
    const eur = await caught(courier.quote({ ...base, currency: 'EUR' }, ctx()))
    expect((eur as CourierError).retryable).toBe(false)
    expect(fake.requests()).toHaveLength(0)

    const wrong = russianPost(config({ accessToken: 'not-the-token' }))
    const unauthorized = await caught(wrong.quote({ ...base, currency: 'RUB' }, ctx()))
    expect(unauthorized).toBeInstanceOf(CourierError)
    expect((unauthorized as CourierError).status).toBe(401)
    expect((unauthorized as CourierError).retryable).toBe(false)
  })
})

describe('pickup points', () => {
  test('city names lose their "г." prefix; closed points are left out; lockers have no try-on and a weight limit', async () => {
    const points = await courier.listPickupPoints({ city: 'санкт-петербург' }, ctx())
    expect(points.map((point) => point.id).sort()).toEqual(['190000920', '190031', '190068'])
    const locker = points.find((point) => point.type === 'parcel_locker')!
    expect(locker).toMatchObject({ carrier: 'russianpost', maxWeightGrams: 15_000, maxDimensionsCm: null })
    expect(locker.services).toEqual({ cod: true, card: true, tryOn: false, partialBuyout: false })
    const office = points.find((point) => point.id === '190031')!
    expect(office.address).toEqual({ country: 'RU', city: 'Санкт-Петербург', postalCode: '190031', line: 'Невский пр-кт, 28' })
    expect(office.lat).toBeCloseTo(59.9357)
    expect(office.services).toEqual({ cod: true, card: true, tryOn: true, partialBuyout: true })
    expect(points.find((point) => point.id === '190068')!.services.tryOn).toBe(false)

    expect(await courier.listPickupPoints({ postalCode: '101000', types: ['pickup_point'] }, ctx())).toHaveLength(1)
    expect(await courier.listPickupPoints({ city: 'Москва', types: ['post'] }, ctx())).toEqual([])
    expect(await courier.listPickupPoints({ city: 'Москва', country: 'KZ' }, ctx())).toEqual([])
    // The nationwide list is fetched once and kept.
    expect(fake.requests().filter((entry) => entry.path === '/1.0/delivery-point/findAll')).toHaveLength(1)
  })
})

describe('createShipment', () => {
  test('cash on delivery: the order carries exact kopecks, a declared value covering it, and the goods', async () => {
    const request = shipment()
    const created = await courier.createShipment(request, ctx())
    expect(created.trackingNumber).toMatch(/^\d{14}$/)
    const order = fake.orders().find((candidate) => candidate.orderNum === request.reference)!
    expect(order.state).toBe('batch')
    expect(String(order.id)).toBe(created.carrierShipmentId)
    expect(order.barcode).toBe(created.trackingNumber)
    const cod = 3 * 123_457 + 35_050
    expect(order.body).toMatchObject({
      'mail-type': 'POSTAL_PARCEL',
      'mail-category': 'WITH_DECLARED_VALUE_AND_CASH_ON_DELIVERY',
      payment: cod,
      'insr-value': 3 * 123_457 + 89_900,
      'index-to': 190000,
      'place-to': 'Санкт-Петербург',
      'tel-address': 79001234567,
      'given-name': 'Иван',
      surname: 'Петров',
      'postoffice-code': '101000',
      comment: 'Позвонить заранее',
    })
    expect((order.body['goods'] as { items: unknown[] }).items).toEqual([
      { description: 'Футболка', quantity: 3, value: 123_457, 'insr-value': 123_457, 'item-number': 'TSHIRT-M', 'vat-rate': 20, weight: 300, lineattr: 1, payattr: 4 },
      { description: 'Кепка', quantity: 1, value: 89_900, 'insr-value': 89_900, 'item-number': 'CAP', 'vat-rate': -1, weight: 200, lineattr: 1, payattr: 1 },
    ])

    // The cash to collect may not exceed the declared value: a smaller declared value is raised to it.
    const low = shipment({ declaredValue: 1_000 })
    await courier.createShipment(low, ctx())
    expect(fake.orders().find((candidate) => candidate.orderNum === low.reference)!.body).toMatchObject({ payment: cod, 'insr-value': cod })
  })

  test('a prepaid, uninsured parcel is ORDINARY with no payment or declared value', async () => {
    const base = shipment()
    const parcel = base.parcels[0]!
    const request = shipment({
      codDelivery: 0,
      services: { ...base.services, insurance: false },
      parcels: [{ ...parcel, items: parcel.items.map((item) => ({ ...item, codPerUnit: 0 })) }],
    })
    await courier.createShipment(request, ctx())
    const order = fake.orders().find((candidate) => candidate.orderNum === request.reference)!
    expect(order.body['mail-category']).toBe('ORDINARY')
    expect(order.body).not.toHaveProperty('payment')
    expect(order.body).not.toHaveProperty('insr-value')
  })

  test('duplicate order number: a twin registered between our search and our create is found and returned', async () => {
    let raced = false
    const racing = russianPost(
      config({
        fetch: async (input, init) => {
          if (!raced && init?.method === 'PUT' && String(input).endsWith('/1.0/user/backlog')) {
            raced = true
            // Another process registers the same reference first.
            await fetch(input, init)
          }
          return fetch(input, init)
        },
      }),
    )
    const request = shipment()
    const created = await racing.createShipment(request, ctx())
    expect(raced).toBe(true)
    expect(fake.control.registrations(request.reference)).toBe(1)
    const orders = fake.orders().filter((order) => order.orderNum === request.reference)
    expect(orders).toHaveLength(1)
    expect(String(orders[0]!.id)).toBe(created.carrierShipmentId)
    expect(orders[0]!.state).toBe('batch')
  })

  test('an order left in the backlog by a failed batch call is batched by the retry, not registered again', async () => {
    let dropped = false
    const flaky = russianPost(
      config({
        fetch: async (input, init) => {
          if (!dropped && String(input).endsWith('/1.0/user/shipment')) {
            dropped = true
            throw new TypeError('fetch failed')
          }
          return fetch(input, init)
        },
      }),
    )
    const request = shipment()
    const error = await caught(flaky.createShipment(request, ctx()))
    expect((error as CourierError).retryable).toBe(true)
    expect(fake.orders().find((order) => order.orderNum === request.reference)!.state).toBe('backlog')
    const created = await flaky.createShipment(request, ctx())
    expect(fake.control.registrations(request.reference)).toBe(1)
    expect(created.trackingNumber).toBe(fake.orders().find((order) => order.orderNum === request.reference)!.barcode)
  })

  test('ECOM to a pickup point sends the point and the services; a locker refuses try-on before any call', async () => {
    const request = shipment({
      tariffCode: 'ECOM',
      methodType: 'pickup_point',
      pickupPointId: '190031',
      services: { tryOn: true, partialBuyout: true, insurance: true, callBefore: false },
    })
    await courier.createShipment(request, ctx())
    const order = fake.orders().find((candidate) => candidate.orderNum === request.reference)!
    expect(order.body['mail-type']).toBe('ECOM')
    expect(order.body['ecom-data']).toEqual({ 'delivery-point-index': '190031', services: ['WITH_FITTING', 'PARTIAL_REDEMPTION'] })

    const before = fake.requests().length
    const locker = await caught(courier.createShipment({ ...request, reference: `${request.reference}-L`, methodType: 'parcel_locker', pickupPointId: '190000920' }, ctx()))
    expect((locker as CourierError).retryable).toBe(false)
    expect(fake.requests()).toHaveLength(before)

    // A point without fitting: the carrier's own validation error comes back, not retryable.
    const rejected = await caught(courier.createShipment({ ...request, reference: `${request.reference}-N`, pickupPointId: '190068' }, ctx()))
    expect(rejected).toBeInstanceOf(CourierError)
    expect((rejected as CourierError).vendorCode).toBe('ILLEGAL_ECOM_SERVICES')
    expect((rejected as CourierError).retryable).toBe(false)
  })

  test('door delivery and several parcels are refused', async () => {
    expect(((await caught(courier.createShipment(shipment({ methodType: 'courier_door' }), ctx()))) as CourierError).retryable).toBe(false)
    const parcel = shipment().parcels[0]!
    expect(((await caught(courier.createShipment(shipment({ parcels: [parcel, parcel] }), ctx()))) as CourierError).retryable).toBe(false)
    expect(fake.requests()).toHaveLength(0)
  })
})

describe('cancel and label', () => {
  test('cancel is idempotent; after acceptance the carrier refuses it', async () => {
    const created = await courier.createShipment(shipment(), ctx())
    const ref = { carrierShipmentId: created.carrierShipmentId, trackingNumber: created.trackingNumber }
    await courier.cancelShipment(ref, ctx())
    await courier.cancelShipment(ref, ctx())
    expect(fake.orders().find((order) => String(order.id) === created.carrierShipmentId)!.state).toBe('deleted')

    const handed = await courier.createShipment(shipment(), ctx())
    const handedRef = { carrierShipmentId: handed.carrierShipmentId, trackingNumber: handed.trackingNumber }
    await fake.control.advance(handedRef, 'handed_over')
    const refused = await caught(courier.cancelShipment(handedRef, ctx()))
    expect(refused).toBeInstanceOf(CourierError)
    expect((refused as CourierError).retryable).toBe(false)
    expect((refused as CourierError).vendorCode).toBe('ILLEGAL_BATCH_STATUS')
  })

  test('label: the print forms PDF; an unknown order is a non-retryable 404', async () => {
    const created = await courier.createShipment(shipment(), ctx())
    const pdf = await courier.getLabel({ carrierShipmentId: created.carrierShipmentId, trackingNumber: created.trackingNumber }, ctx())
    expect(Buffer.from(pdf).toString('latin1')).toContain(created.trackingNumber!)
    const missing = await caught(courier.getLabel({ carrierShipmentId: '123', trackingNumber: null }, ctx()))
    expect((missing as CourierError).status).toBe(404)
    expect((missing as CourierError).retryable).toBe(false)
  })
})

describe('track', () => {
  test('status mapping table (operation type / attribute)', () => {
    const table: [number, number, string][] = [
      [1, 1, 'handed_over'],
      [8, 0, 'in_transit'],
      [8, 4, 'in_transit'],
      [8, 2, 'at_pickup_point'],
      [8, 9, 'at_pickup_point'],
      [6, 3, 'at_pickup_point'],
      [2, 1, 'delivered'],
      [2, 3, 'delivered'],
      [21, 2, 'delivered'],
      [2, 2, 'returned'],
      [2, 4, 'returned'],
      [48, 0, 'partially_delivered'],
      [12, 6, 'refused'],
      [42, 6, 'refused'],
      [12, 1, 'in_transit'],
      [3, 4, 'returning'],
      [3, 1, 'returning'],
      [5, 1, 'lost'],
      [5, 3, 'in_transit'],
      [18, 0, 'lost'],
      [16, 0, 'lost'],
      [26, 1, 'cancelled'],
      [14, 1, 'in_transit'],
      [99, 0, 'in_transit'],
    ]
    for (const [type, attribute, status] of table) expect([type, attribute, russianPostStatus(type, attribute)]).toEqual([type, attribute, status])
  })

  test('DateOper is read as Moscow time', () => {
    expect(parseOperationDate('17.09.2015 17:20:48')?.toISOString()).toBe('2015-09-17T14:20:48.000Z')
    expect(parseOperationDate('2015-09-17')).toBeNull()
  })

  test('3,000 parcels go in one ticket; 3,001 are refused before any call', async () => {
    const moving = fake.seedParcels(2_995, { status: 'in_transit' })
    const waiting = fake.seedParcels(5)
    const refs = [...moving, ...waiting]
    const updates = await courier.track(refs, ctx())
    expect(fake.tickets()).toHaveLength(1)
    expect(fake.tickets()[0]!.barcodes).toHaveLength(3_000)
    expect(updates).toHaveLength(3_000)
    expect(updates.filter((update) => update.status === 'in_transit')).toHaveLength(2_995)
    const registered = updates.filter((update) => update.status === 'registered')
    expect(registered.map((update) => update.trackingNumber).sort()).toEqual(waiting.map((ref) => ref.trackingNumber).sort())
    expect(registered.every((update) => update.rawStatus === 'CREATED' && update.reference !== null)).toBe(true)
    const first = updates.find((update) => update.trackingNumber === moving[0]!.trackingNumber)!
    expect(first).toMatchObject({ carrierShipmentId: moving[0]!.carrierShipmentId, rawStatus: '8/0', description: 'Обработка' })

    const before = fake.requests().length
    const tooMany = await caught(courier.track([...refs, fake.seedParcels(1)[0]!], ctx()))
    expect((tooMany as CourierError).retryable).toBe(false)
    expect(fake.requests()).toHaveLength(before)
  })

  test('a ticket not ready yet is a retryable error; the next call asks the same ticket', async () => {
    const [ref] = fake.seedParcels(1, { status: 'handed_over' })
    fake.control.delayTickets(5)
    const error = await caught(courier.track([ref!], ctx()))
    expect(error).toBeInstanceOf(CourierError)
    expect((error as CourierError).retryable).toBe(true)
    expect((error as CourierError).vendorCode).toBe('6')
    const [update] = await courier.track([ref!], ctx())
    expect(update!.status).toBe('handed_over')
    expect(fake.tickets()).toHaveLength(1)
  })

  test('an expired ticket is replaced by a new one within the same call', async () => {
    const [ref] = fake.seedParcels(1, { status: 'at_pickup_point' })
    const adapter = russianPost(config({ ticketPollAttempts: 1 }))
    fake.control.delayTickets(1)
    expect(((await caught(adapter.track([ref!], ctx()))) as CourierError).retryable).toBe(true)
    fake.control.expireTickets()
    fake.control.delayTickets(0)
    const [update] = await adapter.track([ref!], ctx())
    expect(update).toMatchObject({ status: 'at_pickup_point', rawStatus: '8/2' })
    expect(fake.tickets()).toHaveLength(2)
  })

  test('a ref without a tracking number is looked up in otpravka; the latest operation wins', async () => {
    const created = await courier.createShipment(shipment(), ctx())
    const ref = { carrierShipmentId: created.carrierShipmentId, trackingNumber: created.trackingNumber }
    for (const status of ['handed_over', 'in_transit', 'at_pickup_point', 'delivered'] as const) await fake.control.advance(ref, status)
    const [update] = await courier.track([{ carrierShipmentId: created.carrierShipmentId, trackingNumber: null }], ctx())
    expect(update).toMatchObject({ carrierShipmentId: created.carrierShipmentId, trackingNumber: created.trackingNumber, status: 'delivered', rawStatus: '2/1' })
    const operations = fake.orders().find((order) => String(order.id) === created.carrierShipmentId)!.operations
    expect(update!.occurredAt.getTime()).toBe(Math.floor(operations.at(-1)!.date.getTime() / 1000) * 1000)
  })

  test('bad tracking credentials (error 3) are not retryable; an abort while waiting stops the call', async () => {
    const [ref] = fake.seedParcels(1, { status: 'handed_over' })
    const wrong = russianPost(config({ trackingPassword: 'nope' }))
    const error = await caught(wrong.track([ref!], ctx()))
    expect((error as CourierError).vendorCode).toBe('3')
    expect((error as CourierError).retryable).toBe(false)

    fake.control.delayTickets(10)
    const slow = russianPost(config({ ticketPollIntervalMs: 10_000 }))
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('engine timeout')), 100)
    const started = Date.now()
    const aborted = await caught(slow.track([ref!], { signal: controller.signal }))
    expect(aborted).toBeInstanceOf(CourierError)
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})

test('parseWebhook: Russian Post has no webhooks', async () => {
  const parsed = await courier.parseWebhook({ headers: {}, rawBody: '{}' })
  expect(parsed.ok).toBe(false)
  expect(parsed.response.status).toBe(404)
})
