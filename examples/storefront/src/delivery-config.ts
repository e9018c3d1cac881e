import type { CarrierStatus, Clock, Courier, DeliveryConfig, Shipment, WebhookRequest } from '@ordo/core'
import { cdek } from '@ordo/courier-cdek'
import { russianPost } from '@ordo/courier-russianpost'
import { startCdekFake, startRussianPostFake, type CdekFake, type RussianPostFake } from '@ordo/testing'

/** The Moscow warehouse carriers collect parcels from (stock location `msk-main` in the seed). */
export const WAREHOUSE_ADDRESS = { country: 'RU', city: 'Москва', postalCode: '101000', line: 'ул. Мясницкая, 13, стр. 2' }

/** The demo shop's delivery, given the couriers it works with. */
export function deliveryConfig(couriers: Courier[]): DeliveryConfig {
  return {
    couriers,
    ownCourier: {
      name: 'Курьер магазина',
      zones: [{ code: 'msk', name: 'Москва', cities: ['Москва'], price: 35_000, freeFrom: 500_000, days: { min: 1, max: 2 } }],
      slots: [
        { from: '10:00', to: '14:00', capacity: 10 },
        { from: '14:00', to: '18:00', capacity: 10 },
      ],
    },
    showroomPickup: {
      locations: [{ code: 'showroom', name: 'Шоурум на Покровке', city: 'Москва', postalCode: '101000', address: 'ул. Покровка, 17', workingHours: 'Ежедневно 11:00–21:00' }],
    },
    calendar: {
      timeZone: 'Europe/Moscow',
      // Public holidays of 2026–2027 (the weekends in between are days off anyway).
      holidays: [
        '2026-01-01', '2026-01-02', '2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09',
        '2026-02-23', '2026-03-09', '2026-05-01', '2026-05-11', '2026-06-12', '2026-11-04', '2026-12-31',
        '2027-01-01', '2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08',
        '2027-02-23', '2027-03-08', '2027-05-03', '2027-05-10', '2027-06-14', '2027-11-04',
      ],
    },
    from: WAREHOUSE_ADDRESS,
  }
}

/** What the customer kept of a parcel at the (fake) carrier, by SKU: a partial buyout. */
export interface DemoKept {
  sku: string
  quantity: number
}

/** The carriers of the demo shop, and in demo mode the fakes they talk to. */
export interface DemoCouriers {
  couriers: Courier[]
  /**
   * Demo mode: moves a carrier's shipment on at the fake carrier (as if the
   * parcel travelled); undefined with real carriers. Returns the status webhook
   * the carrier would post, for carriers that push them (CDEK), else null.
   * With `partially_delivered`, `kept` says what the customer kept.
   */
  advance?: (shipment: Shipment, status: CarrierStatus, kept?: DemoKept[]) => Promise<WebhookRequest | null>
  /** Where the fakes listen, for the start-up message; empty with real carriers. */
  fakeOrigins: string[]
  close(): Promise<void>
}

/**
 * CDEK and Russian Post: the real APIs when their credentials are in the
 * environment (CDEK_CLIENT_ID/CDEK_CLIENT_SECRET, RUSSIANPOST_TOKEN/
 * RUSSIANPOST_LOGIN/RUSSIANPOST_PASSWORD), otherwise loopback fakes of their
 * APIs started here. The fakes list pickup points and parcel lockers in
 * Moscow and Saint Petersburg.
 */
export async function startCouriers(env: Record<string, string | undefined>, options: { clock?: Clock } = {}): Promise<DemoCouriers> {
  const clock = options.clock ? { clock: options.clock } : {}
  let cdekFake: CdekFake | undefined
  let postFake: RussianPostFake | undefined
  const couriers: Courier[] = []

  if (env.CDEK_CLIENT_ID && env.CDEK_CLIENT_SECRET) {
    couriers.push(cdek({ clientId: env.CDEK_CLIENT_ID, clientSecret: env.CDEK_CLIENT_SECRET, ...(env.CDEK_API_URL ? { baseUrl: env.CDEK_API_URL } : {}) }))
  } else {
    cdekFake = await startCdekFake(clock)
    couriers.push(cdek({ clientId: cdekFake.clientId, clientSecret: cdekFake.clientSecret, baseUrl: cdekFake.url, labelPollIntervalMs: 10, ...clock }))
  }
  if (env.RUSSIANPOST_TOKEN && env.RUSSIANPOST_LOGIN && env.RUSSIANPOST_PASSWORD) {
    couriers.push(russianPost({ accessToken: env.RUSSIANPOST_TOKEN, login: env.RUSSIANPOST_LOGIN, password: env.RUSSIANPOST_PASSWORD, fromPostalCode: WAREHOUSE_ADDRESS.postalCode }))
  } else {
    postFake = await startRussianPostFake()
    couriers.push(
      russianPost({
        accessToken: postFake.accessToken,
        login: postFake.login,
        password: postFake.password,
        trackingLogin: postFake.trackingLogin,
        trackingPassword: postFake.trackingPassword,
        fromPostalCode: WAREHOUSE_ADDRESS.postalCode,
        baseUrl: postFake.url,
        trackingUrl: postFake.trackingUrl,
        ticketPollIntervalMs: 50,
      }),
    )
  }

  const fakes: Record<string, CdekFake | RussianPostFake> = {}
  if (cdekFake) fakes.cdek = cdekFake
  if (postFake) fakes.russianpost = postFake
  return {
    couriers,
    fakeOrigins: Object.values(fakes).map((f) => new URL(f.url).origin),
    ...(Object.keys(fakes).length > 0
      ? {
          advance: async (shipment: Shipment, status: CarrierStatus, kept?: DemoKept[]) => {
            const fake = fakes[shipment.carrier]
            if (!fake || !shipment.carrierShipmentId) throw new Error(`Shipment ${shipment.number} is not at a demo carrier.`)
            await fake.control.advance({ carrierShipmentId: shipment.carrierShipmentId, trackingNumber: shipment.trackingNumber }, status, kept ? { kept } : undefined)
            return fake === cdekFake ? cdekFake.orderStatusWebhook(shipment.carrierShipmentId) : null
          },
        }
      : {}),
    async close() {
      await cdekFake?.close()
      await postFake?.close()
    },
  }
}
