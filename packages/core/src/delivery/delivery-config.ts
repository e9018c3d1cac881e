import { z } from 'zod'
import { isIsoDate, parseLocalTime } from './delivery-dates.js'

const isoDate = z.string().refine(isIsoDate, { message: "expected a date 'YYYY-MM-DD' such as 2026-05-01" })
const localTime = z.string().refine((v) => parseLocalTime(v) !== null, { message: "expected a local time 'HH:mm' from 00:00 to 23:59" })
const money = z.number().int().nonnegative()
const grams = z.number().int().nonnegative()
const dayCount = z.number().int().min(0).max(365)
const dayRange = z
  .strictObject({ min: dayCount, max: dayCount })
  .refine((d) => d.min <= d.max, { message: 'min must not be greater than max', path: ['max'] })
const postalCode = z.string().regex(/^\d{3,10}$/, 'expected a postal code of digits, such as 101000')
const postalRange = z
  .tuple([postalCode, postalCode])
  .refine(([from, to]) => from.length === to.length, { message: 'both ends of a postal code range need the same number of digits' })
  .refine(([from, to]) => from.length !== to.length || from <= to, { message: 'a postal code range must run from the lower code to the higher' })
const centimetres = z.number().positive().finite().max(1000)
const millimetres = z.number().positive().finite().max(10_000)

function isTimeZone(value: string): boolean {
  if (value.trim() === '') return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value })
    return true
  } catch {
    return false
  }
}

function noDuplicates<T>(key: (value: T) => string, what: string) {
  return (values: T[], ctx: z.core.$RefinementCtx<T[]>) => {
    const seen = new Set<string>()
    values.forEach((value, i) => {
      const k = key(value)
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate ${what} ${JSON.stringify(k)}` })
      seen.add(k)
    })
  }
}

/**
 * @internal Validates a `DeliveryCalendar`: a time zone `Intl` knows, ISO
 * weekdays 1–7 without repeats, real 'YYYY-MM-DD' dates, and no date both a
 * holiday and a working weekend.
 *
 * @example
 * ```ts
 * const calendar = deliveryCalendarSchema.parse({ timeZone: 'Europe/Moscow', holidays: ['2026-05-01'] })
 * ```
 */
export const deliveryCalendarSchema = z
  .strictObject({
    timeZone: z.string().refine(isTimeZone, { message: 'expected an IANA time zone such as Europe/Moscow' }),
    workingDays: z
      .array(z.number().int().min(1).max(7))
      .min(1, 'the warehouse must work at least one weekday')
      .superRefine(noDuplicates(String, 'weekday'))
      .optional(),
    holidays: z.array(isoDate).max(5000).optional(),
    workingWeekends: z.array(isoDate).max(5000).optional(),
  })
  .superRefine((calendar, ctx) => {
    const holidays = new Set(calendar.holidays ?? [])
    calendar.workingWeekends?.forEach((date, i) => {
      if (holidays.has(date)) ctx.addIssue({ code: 'custom', path: ['workingWeekends', i], message: `${date} is also listed in holidays` })
    })
  })

const ownCourierZoneSchema = z
  .strictObject({
    code: z.string().trim().min(1).max(64),
    name: z.string().trim().min(1).max(255),
    cities: z.array(z.string().trim().min(1).max(255)).optional(),
    postalCodes: z.array(postalRange).optional(),
    price: money,
    includedWeightGrams: grams.optional(),
    pricePerExtraKg: money.optional(),
    freeFrom: money.optional(),
    days: dayRange,
  })
  .refine((zone) => (zone.cities?.length ?? 0) + (zone.postalCodes?.length ?? 0) > 0, {
    message: 'a zone needs cities or postal code ranges to match destinations',
    path: ['cities'],
  })

const ownCourierSlotSchema = z
  .strictObject({ from: localTime, to: localTime, capacity: z.number().int().positive() })
  .refine(
    (slot) => {
      const from = parseLocalTime(slot.from)
      const to = parseLocalTime(slot.to)
      // A malformed time is reported on its own field already.
      return from === null || to === null || from < to
    },
    { message: 'a slot must end after it starts', path: ['to'] },
  )

/**
 * @internal Validates an `OwnCourierConfig`: at least one zone, unique zone codes,
 * each zone matching by cities or postal code ranges (digits, equal length,
 * lower end first), integer minor units, `days.min ≤ days.max`, slots
 * 'HH:mm' that end after they start, no slot listed twice.
 *
 * @example
 * ```ts
 * const ownCourier = ownCourierSchema.parse({
 *   zones: [{ code: 'msk', name: 'Москва', cities: ['Москва'], price: 35_000, days: { min: 1, max: 2 } }],
 *   slots: [{ from: '10:00', to: '14:00', capacity: 20 }],
 * })
 * ```
 */
export const ownCourierSchema = z.strictObject({
  name: z.string().trim().min(1).max(255).optional(),
  zones: z
    .array(ownCourierZoneSchema)
    .min(1, 'the shop’s own courier needs at least one zone')
    .superRefine(noDuplicates((zone) => zone.code, 'zone code')),
  slots: z
    .array(ownCourierSlotSchema)
    .superRefine(noDuplicates((slot) => `${slot.from}-${slot.to}`, 'slot'))
    .optional(),
  slotDaysAhead: z.number().int().min(1).max(60).optional(),
  services: z
    .strictObject({ cod: z.boolean().optional(), card: z.boolean().optional(), tryOn: z.boolean().optional(), partialBuyout: z.boolean().optional() })
    .optional(),
})

const packagingBoxSchema = z
  .strictObject({
    code: z.string().trim().min(1).max(64),
    lengthCm: centimetres,
    widthCm: centimetres,
    heightCm: centimetres,
    weightGrams: grams,
    maxWeightGrams: z.number().int().positive(),
  })
  .refine((box) => box.maxWeightGrams > box.weightGrams, { message: 'a box must take more than its own weight', path: ['maxWeightGrams'] })

/**
 * @internal Validates a `PackagingRule`: at least one box when `boxes` is given,
 * unique box codes, positive sizes, integer grams, each box taking more than
 * its own weight.
 *
 * @example
 * ```ts
 * const packaging = packagingRuleSchema.parse({
 *   boxes: [{ code: 'M', lengthCm: 30, widthCm: 20, heightCm: 15, weightGrams: 150, maxWeightGrams: 15_000 }],
 * })
 * ```
 */
export const packagingRuleSchema = z.strictObject({
  boxes: z
    .array(packagingBoxSchema)
    .min(1, 'give at least one box, or leave boxes out for the default one')
    .superRefine(noDuplicates((box) => box.code, 'box code'))
    .optional(),
  defaultItemWeightGrams: grams.optional(),
  defaultItemDimensionsMm: z.strictObject({ lengthMm: millimetres, widthMm: millimetres, heightMm: millimetres }).optional(),
})
