import { OrdoError } from '../errors.js'
import type { CourierTariff, DeliveryServices } from './courier.js'
import { addWorkingDays, isIsoDate, isWorkingDay, parseLocalTime, type DeliveryCalendar } from './delivery-dates.js'

/**
 * One delivery zone of the shop's own couriers: where it applies (cities or
 * postal code ranges), what it costs and how long it takes.
 *
 * @example
 * ```ts
 * const moscow: OwnCourierZone = {
 *   code: 'msk',
 *   name: 'Москва в пределах МКАД',
 *   cities: ['Москва'],
 *   postalCodes: [['101000', '129999']],
 *   price: 35_000,
 *   pricePerExtraKg: 5_000,
 *   freeFrom: 500_000,
 *   days: { min: 1, max: 2 },
 * }
 * ```
 */
export interface OwnCourierZone {
  /** Stable code of the zone, unique in the config (the tariff code of its option). */
  code: string
  /** Shown to customers. */
  name: string
  /** Matches when the destination city is one of these (case-insensitive, ё=е). */
  cities?: string[]
  /** Matches when the destination postal code is within one of these inclusive ranges (['101000','129999']). */
  postalCodes?: [string, string][]
  /** Price, VAT included, minor units, for parcels up to includedWeightGrams. */
  price: number
  /** Weight the base price covers, grams. @default 5000 */
  includedWeightGrams?: number
  /** Added per started kilogram above includedWeightGrams, minor units. @default 0 */
  pricePerExtraKg?: number
  /** Delivery is free when the goods total (after discounts) is at least this, minor units. */
  freeFrom?: number
  /** Working days after shipping. */
  days: { min: number; max: number }
}

/** A delivery time window the shop's couriers offer each working day. */
export interface OwnCourierSlot {
  /** 'HH:mm' local start. */
  from: string
  /** 'HH:mm' local end. */
  to: string
  /** Orders per slot per day. */
  capacity: number
}

/**
 * The shop's own couriers (built into core, no adapter): zones, prices and
 * time slots.
 *
 * @example
 * ```ts
 * const ownCourier: OwnCourierConfig = {
 *   zones: [moscow],
 *   slots: [{ from: '10:00', to: '14:00', capacity: 20 }, { from: '14:00', to: '18:00', capacity: 20 }],
 *   services: { partialBuyout: false },
 * }
 * ```
 */
export interface OwnCourierConfig {
  /** Shown to customers. @default 'Курьер магазина' */
  name?: string
  /** Checked in order; the first that matches the destination wins. */
  zones: OwnCourierZone[]
  /** Time slots offered each working day; none: no slots. */
  slots?: OwnCourierSlot[]
  /** How many working days ahead slots are offered. @default 5 */
  slotDaysAhead?: number
  /** What the shop's couriers do at the door. @default { cod: true, card: true, tryOn: true, partialBuyout: true } */
  services?: Partial<DeliveryServices>
}

/** The name of the shop's own courier when the config gives none. */
export const DEFAULT_OWN_COURIER_NAME = 'Курьер магазина'
/** Weight a zone's base price covers when it names none, grams. */
export const DEFAULT_INCLUDED_WEIGHT_GRAMS = 5000
/** How many working days ahead slots are offered when the config does not say. */
export const DEFAULT_SLOT_DAYS_AHEAD = 5
/** What the shop's own couriers do when the config does not say: everything. */
export const DEFAULT_OWN_COURIER_SERVICES: Readonly<DeliveryServices> = Object.freeze({ cod: true, card: true, tryOn: true, partialBuyout: true })

/**
 * The zone serving a destination: the first zone (in config order) whose
 * cities contain the destination city, or whose postal code ranges contain
 * its postal code; null when none does.
 *
 * Cities compare case-insensitively, with ё read as е, surrounding and
 * repeated spaces ignored and a leading `г.` dropped. Postal codes compare
 * as digit strings of the range's length, so `'101000'` is inside
 * `['101000', '129999']` but `'10100'` and `'1010000'` are not.
 *
 * @example
 * ```ts
 * matchZone(config, { city: 'г. Москва' })?.code // 'msk'
 * matchZone(config, { city: 'Химки', postalCode: '141400' }) // null
 * ```
 */
export function matchZone(config: OwnCourierConfig, to: { city: string; postalCode?: string | undefined }): OwnCourierZone | null {
  const city = normalizeCity(to.city)
  const postalCode = to.postalCode?.replace(/\s+/g, '') ?? ''
  for (const zone of config.zones) {
    if (city !== '' && zone.cities?.some((c) => normalizeCity(c) === city)) return zone
    if (/^\d+$/.test(postalCode) && zone.postalCodes?.some(([lo, hi]) => inRange(postalCode, lo, hi))) return zone
  }
  return null
}

/**
 * The price of delivering a parcel in a zone, VAT included, minor units: the
 * zone's price, plus `pricePerExtraKg` for each started kilogram above
 * `includedWeightGrams`; 0 when the goods total reaches `freeFrom`.
 *
 * @throws {OrdoError} `VALIDATION` for a negative or non-integer weight; `INVALID_AMOUNT` for a non-integer total or a price beyond safe integers.
 * @example
 * ```ts
 * // 7.2 kg with 5 kg included: 3 started extra kilograms
 * ownCourierPrice({ ...moscow, price: 35_000, pricePerExtraKg: 5_000 }, { weightGrams: 7200, goodsTotal: 120_000 }) // 50_000
 * ```
 */
export function ownCourierPrice(zone: OwnCourierZone, input: { weightGrams: number; goodsTotal: number }): number {
  const { weightGrams, goodsTotal } = input
  if (!Number.isSafeInteger(weightGrams) || weightGrams < 0) {
    throw new OrdoError('VALIDATION', `Invalid parcel weight for own courier zone "${zone.code}": expected non-negative integer grams, got ${String(weightGrams)}`, {
      details: { issues: [{ path: 'weightGrams', message: 'expected non-negative integer grams' }] },
    })
  }
  if (!Number.isSafeInteger(goodsTotal)) {
    throw new OrdoError('INVALID_AMOUNT', `Goods total ${String(goodsTotal)} is not an integer number of minor units`, { details: { amount: goodsTotal } })
  }
  if (zone.freeFrom !== undefined && goodsTotal >= zone.freeFrom) return 0
  const included = zone.includedWeightGrams ?? DEFAULT_INCLUDED_WEIGHT_GRAMS
  const extraKg = weightGrams > included ? Math.ceil((weightGrams - included) / 1000) : 0
  const price = zone.price + extraKg * (zone.pricePerExtraKg ?? 0)
  if (!Number.isSafeInteger(price)) {
    throw new OrdoError('INVALID_AMOUNT', `Own courier price for zone "${zone.code}" overflows`, { details: { zone: zone.code, weightGrams } })
  }
  return price
}

/**
 * The zone as a tariff, the shape carriers' quotes have, so the delivery
 * module can list the shop's own couriers next to them (`courier_door`,
 * tariff code = zone code, days = the zone's working days after shipping).
 *
 * @example
 * ```ts
 * const zone = matchZone(config, { city: 'Москва' })
 * if (zone) tariffs.push(ownCourierTariff(config, zone, { weightGrams: 1200, goodsTotal: 450_000 }))
 * ```
 */
export function ownCourierTariff(config: OwnCourierConfig, zone: OwnCourierZone, input: { weightGrams: number; goodsTotal: number }): CourierTariff {
  return {
    tariffCode: zone.code,
    name: `${config.name ?? DEFAULT_OWN_COURIER_NAME}: ${zone.name}`,
    methodType: 'courier_door',
    price: ownCourierPrice(zone, input),
    minDays: zone.days.min,
    maxDays: zone.days.max,
    services: ownCourierServices(config),
  }
}

/** What the shop's own couriers do: the config's services over {@link DEFAULT_OWN_COURIER_SERVICES}. */
export function ownCourierServices(config: OwnCourierConfig): DeliveryServices {
  const s = config.services ?? {}
  return {
    cod: s.cod ?? DEFAULT_OWN_COURIER_SERVICES.cod,
    card: s.card ?? DEFAULT_OWN_COURIER_SERVICES.card,
    tryOn: s.tryOn ?? DEFAULT_OWN_COURIER_SERVICES.tryOn,
    partialBuyout: s.partialBuyout ?? DEFAULT_OWN_COURIER_SERVICES.partialBuyout,
  }
}

/** One delivery slot on one date, as offered to a customer. */
export interface DeliverySlot {
  /** `${date}@${from}-${to}`, e.g. `2026-03-10@10:00-14:00`; read it back with {@link parseSlotId}. */
  id: string
  /** 'YYYY-MM-DD' local. */
  date: string
  /** 'HH:mm' local start. */
  from: string
  /** 'HH:mm' local end. */
  to: string
  /** Orders the slot takes on that date. */
  capacity: number
}

/**
 * The slots offered on `slotDaysAhead` working days counted from `firstDate`
 * (itself included when it is a working day), by date then start time. The
 * caller passes the first date a courier can come (for example the estimate's
 * delivery `from`) and subtracts the bookings it has from `capacity`.
 *
 * @throws {OrdoError} `VALIDATION` when `firstDate` is not a 'YYYY-MM-DD' date.
 * @example
 * ```ts
 * slotsFrom(config, '2026-03-06', { timeZone: 'Europe/Moscow', holidays: ['2026-03-09'] })
 * // 2026-03-06@10:00-14:00, 2026-03-06@14:00-18:00, 2026-03-10@10:00-14:00, …
 * ```
 */
export function slotsFrom(config: OwnCourierConfig, firstDate: string, calendar: DeliveryCalendar): DeliverySlot[] {
  const slots = [...(config.slots ?? [])].sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to))
  const daysAhead = config.slotDaysAhead ?? DEFAULT_SLOT_DAYS_AHEAD
  if (!isIsoDate(firstDate)) {
    throw new OrdoError('VALIDATION', `Invalid first slot date: expected 'YYYY-MM-DD', got ${JSON.stringify(firstDate)}`, {
      details: { issues: [{ path: 'firstDate', message: "expected a date 'YYYY-MM-DD'" }] },
    })
  }
  const result: DeliverySlot[] = []
  if (slots.length === 0 || daysAhead <= 0) return result
  let date = isWorkingDay(firstDate, calendar) ? firstDate : addWorkingDays(firstDate, 1, calendar)
  for (let day = 0; day < daysAhead; day++) {
    if (day > 0) date = addWorkingDays(date, 1, calendar)
    for (const slot of slots) {
      result.push({ id: slotId(date, slot.from, slot.to), date, from: slot.from, to: slot.to, capacity: slot.capacity })
    }
  }
  return result
}

/**
 * Reads a slot id back into its date and times; null when it is not a valid
 * `YYYY-MM-DD@HH:mm-HH:mm` with a real date and start before end.
 *
 * @example
 * ```ts
 * parseSlotId('2026-03-10@10:00-14:00') // { date: '2026-03-10', from: '10:00', to: '14:00' }
 * parseSlotId('2026-02-30@10:00-14:00') // null
 * ```
 */
export function parseSlotId(id: string): { date: string; from: string; to: string } | null {
  const m = /^(\d{4}-\d{2}-\d{2})@(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(id)
  if (!m) return null
  const [, date, from, to] = m as unknown as [string, string, string, string]
  const start = parseLocalTime(from)
  const end = parseLocalTime(to)
  if (!isIsoDate(date) || start === null || end === null || start >= end) return null
  return { date, from, to }
}

function slotId(date: string, from: string, to: string): string {
  return `${date}@${from}-${to}`
}

function normalizeCity(city: string): string {
  return city
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^г\.\s*/, '')
}

function inRange(code: string, lo: string, hi: string): boolean {
  // Same-length digit strings order lexicographically as numbers do, and
  // leading zeros (Kazakh and Belarusian codes) survive.
  return code.length === lo.length && code.length === hi.length && lo <= code && code <= hi
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
