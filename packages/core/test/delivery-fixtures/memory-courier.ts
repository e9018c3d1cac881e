/**
 * An in-memory Courier written against the port, for core's delivery tests:
 * fixed tariffs and points, an optional delay (to play a courier that does
 * not answer), registrations keyed by reference like a real carrier, and a
 * status list a test sets for polling.
 */
import type { CarrierStatusUpdate, Courier, CourierCapabilities, CourierShipmentRequest, CourierTariff, PickupPoint } from '@ordo/core'

export interface MemoryCourier extends Courier {
  /** Registrations by reference (our shipment number). */
  readonly registered: Map<string, { carrierShipmentId: string; trackingNumber: string; request: CourierShipmentRequest; calls: number }>
  /** What `track` answers, by tracking number. */
  readonly statuses: Map<string, CarrierStatusUpdate[]>
  quoteCalls: number
  pointCalls: number
}

export function memoryCourier(options: {
  id: string
  name?: string
  tariffs?: CourierTariff[]
  points?: PickupPoint[]
  delayMs?: number
  capabilities?: Partial<CourierCapabilities>
}): MemoryCourier {
  const registered: MemoryCourier['registered'] = new Map()
  const statuses: MemoryCourier['statuses'] = new Map()
  const wait = (signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (!options.delayMs) return resolve()
      const timer = setTimeout(resolve, options.delayMs)
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        reject(signal.reason)
      })
    })
  const courier: MemoryCourier = {
    id: options.id,
    name: options.name ?? options.id.toUpperCase(),
    capabilities: {
      supportsTryOn: true,
      supportsPartialBuyout: true,
      supportsLockers: true,
      supportsWebhooks: false,
      supportsCod: true,
      supportsLabels: true,
      maxTrackBatch: 100,
      ...options.capabilities,
    },
    registered,
    statuses,
    quoteCalls: 0,
    pointCalls: 0,
    async quote(_request, { signal }) {
      courier.quoteCalls++
      await wait(signal)
      return options.tariffs ?? []
    },
    async listPickupPoints(query) {
      courier.pointCalls++
      return (options.points ?? []).filter((p) => !query.city || p.address.city.toLowerCase() === query.city.toLowerCase())
    },
    async createShipment(request) {
      const existing = registered.get(request.reference)
      if (existing) {
        existing.calls++
        return { carrierShipmentId: existing.carrierShipmentId, trackingNumber: existing.trackingNumber, rawStatus: 'CREATED' }
      }
      const n = registered.size + 1
      const entry = { carrierShipmentId: `${options.id}-uuid-${n}`, trackingNumber: `${options.id.toUpperCase()}${String(n).padStart(8, '0')}`, request, calls: 1 }
      registered.set(request.reference, entry)
      return { carrierShipmentId: entry.carrierShipmentId, trackingNumber: entry.trackingNumber, rawStatus: 'CREATED' }
    },
    async cancelShipment() {},
    async getLabel() {
      return new TextEncoder().encode('%PDF-1.4 memory label')
    },
    async track(refs) {
      return refs.flatMap((r) => (r.trackingNumber ? (statuses.get(r.trackingNumber) ?? []) : []))
    },
    async parseWebhook(request) {
      const body = JSON.parse(request.rawBody) as { secret?: string; updates: (Omit<CarrierStatusUpdate, 'occurredAt'> & { occurredAt: string })[] }
      if (body.secret !== 'memory-secret') return { ok: false, reason: 'bad secret', response: { status: 401, body: 'no', contentType: 'text/plain' } }
      return { ok: true, updates: body.updates.map((u) => ({ ...u, occurredAt: new Date(u.occurredAt) })), response: { status: 200, body: 'ok', contentType: 'text/plain' } }
    },
  }
  return courier
}

export const services = (over: Partial<{ cod: boolean; card: boolean; tryOn: boolean; partialBuyout: boolean }> = {}) => ({ cod: true, card: true, tryOn: true, partialBuyout: true, ...over })

export function point(id: string, over: Partial<PickupPoint> = {}): PickupPoint {
  return {
    id,
    carrier: 'fast',
    type: 'pickup_point',
    name: `Point ${id}`,
    address: { country: 'RU', city: 'Москва', postalCode: '101000', line: `ул. Тестовая, ${id}` },
    lat: 55.75,
    lon: 37.61,
    workingHours: '10:00-21:00',
    services: services(),
    maxWeightGrams: null,
    maxDimensionsCm: null,
    ...over,
  }
}
