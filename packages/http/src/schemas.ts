// Request schemas of the routes. Where the engine exports its own schema it is
// used as is; the others mirror the engine's input types (the `satisfies`
// checks keep them in step) and the engine validates every command again.
import {
  addressSchema,
  CALL_DIRECTIONS,
  CALL_OUTCOMES,
  DELIVERY_METHOD_TYPES,
  MESSAGE_STATUSES,
  REPORT_GROUPINGS,
  SHIPMENT_STATUSES,
  type CartContact,
  type CreateCartInput,
  type DeliveryDestination,
  type ListProductsInput,
  type LoyaltyAdjustInput,
  type PickupPointsQuery,
  type QuoteOptions,
  type RecordOutcomeInput,
  type SetDeliveryInput,
} from '@ordo/core'
import { z } from 'zod'
import { RequestValidationError } from './problem.js'

/** An id, code, SKU or handle. */
export const key = z.string().min(1).max(191)
/** Idempotency keys clients send in the `Idempotency-Key` header. */
export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{8,128}$/)

/** The 400 answer for a missing or malformed header. */
export function headerProblem(name: string, message: string): RequestValidationError {
  return new RequestValidationError([{ path: `header.${name}`, message }])
}

const boolString = z.enum(['true', 'false']).transform((v) => v === 'true')
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)
const address = addressSchema.unwrap().meta({ id: 'Address', description: 'A delivery address.' })

export const productQuery = z.strictObject({
  categoryId: key.optional(),
  includeSubcategories: boolString.optional(),
  search: z.string().max(200).optional(),
  attributes: z
    .string()
    .max(2000)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as ListProductsInput['attributes']
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected a JSON object such as {"color":["red","blue"],"size":"M"}' })
        return z.NEVER
      }
    })
    .optional()
    .describe('Attribute filters as JSON: `{"color":["red","blue"],"weight":{"min":100}}`.'),
  limit: int(1, 200).optional(),
  cursor: z.string().max(500).optional(),
})

const channel = z.strictObject({
  source: z.string().max(255).nullable().optional(),
  medium: z.string().max(255).nullable().optional(),
  campaign: z.string().max(255).nullable().optional(),
  landingPage: z.string().max(2000).nullable().optional(),
  referrer: z.string().max(2000).nullable().optional(),
})
export const createCartBody = z
  .strictObject({ region: z.string().min(1).max(100).nullable().optional(), channel: channel.optional() })
  .optional() satisfies z.ZodType<Omit<CreateCartInput, 'customerId' | 'customerGroups' | 'currency'> | undefined>

export const addItemBody = z.strictObject({ sku: z.string().trim().min(1).max(100), quantity: z.number().int().min(1) })
export const quantityBody = z.strictObject({ quantity: z.number().int().min(1) })
export const couponBody = z.strictObject({ code: z.string().trim().min(1).max(64) })
export const pointsBody = z.strictObject({ points: z.number().int().min(0) })
export const contactBody = z.strictObject({
  name: z.string().max(255).nullable().optional(),
  phone: z.string().max(50).nullable().optional(),
  email: z.string().max(255).nullable().optional(),
}) satisfies z.ZodType<Partial<CartContact>>
export const addressBody = addressSchema
export const notesBody = z.strictObject({ notes: z.string().max(2000).nullable() })

const destination = z
  .strictObject({
    country: z.string().regex(/^[A-Z]{2}$/).optional(),
    city: z.string().trim().min(1).max(255),
    postalCode: z.string().max(20).optional(),
    region: z.string().max(255).optional(),
    carrierCityCodes: z.record(z.string(), z.string()).optional(),
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
  })
  .meta({ id: 'DeliveryDestination' }) satisfies z.ZodType<DeliveryDestination>
export const quoteBody = z.strictObject({
  destination,
  options: z.strictObject({ sort: z.enum(['cheapest', 'fastest']).optional(), methodTypes: z.array(z.enum(DELIVERY_METHOD_TYPES)).optional() }).optional() satisfies z.ZodType<QuoteOptions | undefined>,
})
export const deliveryBody = z
  .strictObject({
    optionId: key,
    destination,
    pickupPointId: key.optional(),
    address: address.optional(),
    slot: key.optional(),
    tryOn: z.boolean().optional(),
    callBefore: z.boolean().optional(),
  })
  .nullable() satisfies z.ZodType<SetDeliveryInput | null>
export const paymentBody = z.strictObject({ method: key.nullable() })
export const checkoutBody = z.strictObject({ acceptPriceChanges: z.boolean().optional() }).optional()
export const lookupBody = z.strictObject({ number: z.string().trim().min(1).max(32), phone: z.string().trim().min(5).max(40) })
export const tokenQuery = z.strictObject({ token: z.string().max(200).optional().describe('The order access token, when not sent as `x-order-token`.') })
export const startPaymentBody = z.strictObject({ method: key, returnUrl: z.url().max(2000).optional() })
export const codeBody = z.strictObject({ code: z.string().trim().min(1).max(16) })

export const pickupPointsQuery = z.strictObject({
  carrier: key.optional(),
  city: z.string().max(255).optional(),
  postalCode: z.string().max(20).optional(),
  lat: z.coerce.number().min(-90).max(90).optional(),
  lon: z.coerce.number().min(-180).max(180).optional(),
  radiusKm: z.coerce.number().positive().max(500).optional(),
  cod: boolString.optional(),
  card: boolString.optional(),
  tryOn: boolString.optional(),
  partialBuyout: boolString.optional(),
  locker: boolString.optional(),
  limit: int(1, 500).optional(),
})

/** The engine's pickup-point query from the flat query string. */
export function toPickupPointsQuery(query: z.output<typeof pickupPointsQuery>): PickupPointsQuery {
  const { lat, lon, radiusKm, ...rest } = query
  return { ...rest, ...(lat !== undefined && lon !== undefined ? { near: { lat, lon, ...(radiusKm !== undefined ? { radiusKm } : {}) } } : {}) }
}

// Admin
export const versioned = { expectedVersion: z.number().int().min(1).optional() }
export const orderListQuery = z.strictObject({
  status: z.string().max(500).optional().describe('One status, or several separated by commas.'),
  group: key.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  phone: z.string().max(40).optional(),
  email: z.string().max(255).optional(),
  managerId: key.optional(),
  source: z.string().max(255).optional(),
  number: z.string().max(32).optional(),
  limit: int(1, 500).optional(),
  cursor: z.string().max(500).optional(),
})
export const transitionBody = z.strictObject({ reason: z.string().trim().min(1).max(191).optional(), note: z.string().max(2000).optional(), ...versioned }).optional()
export const confirmBody = z.strictObject({ channel: z.enum(['call', 'sms']).default('call'), note: z.string().max(2000).optional(), ...versioned }).optional()
export const cancelBody = z.strictObject({ reason: z.string().trim().min(1).max(100), note: z.string().max(2000).optional(), ...versioned })
export const callBody = z.strictObject({ outcome: z.enum(CALL_OUTCOMES), note: z.string().max(2000).optional() })
export const addLineBody = z.strictObject({ sku: z.string().trim().min(1).max(100), quantity: z.number().int().min(1), ...versioned })
export const lineQuantityBody = z.strictObject({ quantity: z.number().int().min(1), ...versioned })
export const versionBody = z.strictObject({ ...versioned }).optional()
export const substituteBody = z.strictObject({ sku: z.string().trim().min(1).max(100), quantity: z.number().int().min(1).optional(), ...versioned })
export const assignBody = z.strictObject({ managerId: key.nullable(), ...versioned })

export const shipmentListQuery = z.strictObject({
  status: z.enum(SHIPMENT_STATUSES).optional(),
  carrier: key.optional(),
  direction: z.enum(['outbound', 'return']).optional(),
  limit: int(1, 500).optional(),
})
export const packBody = z.strictObject({ weightGrams: z.number().int().positive().optional(), boxes: z.number().int().positive().optional() }).optional()
export const shipmentTransitionBody = z.strictObject({ reason: z.string().max(255).optional(), storageUntil: z.iso.datetime({ offset: true }).optional() }).optional()
const outcomeLine = z.strictObject({ lineId: key, quantity: z.number().int().min(1) })
export const outcomeBody = z.strictObject({
  kept: z.array(outcomeLine).max(500),
  refused: z.array(outcomeLine).max(500),
  reason: z.string().max(255).optional(),
  idempotencyKey: z.string().min(1).max(128).optional(),
}) satisfies z.ZodType<Omit<RecordOutcomeInput, 'actor'>>
export const receiveReturnBody = z.strictObject({ locationId: key.optional() }).optional()

export const captureBody = z.strictObject({ amount: z.number().int().positive().optional(), idempotencyKey: z.string().min(1).max(128) })
export const refundBody = z.strictObject({
  amount: z.number().int().positive().optional(),
  lines: z.array(outcomeLine).max(500).optional(),
  reason: z.string().min(1).max(255),
  idempotencyKey: z.string().min(1).max(128),
})
export const cashBody = z.strictObject({ amount: z.number().int().positive(), method: key.optional(), idempotencyKey: z.string().min(1).max(128).optional() })

export const adjustBody = z.strictObject({
  points: z.number().int().refine((n) => n !== 0, 'must not be 0'),
  reason: z.string().min(1).max(255),
  externalId: z.string().min(1).max(128),
}) satisfies z.ZodType<LoyaltyAdjustInput>
export const statementQuery = z.strictObject({ limit: int(1, 500).optional(), cursor: z.string().max(500).optional() })

export const customerListQuery = z.strictObject({
  query: z.string().max(255).optional().describe('Part of a name, phone or e-mail.'),
  group: key.optional(),
  tag: key.optional(),
  managerId: key.optional(),
  limit: int(1, 500).optional(),
  after: z.string().max(500).optional(),
})
export const timelineQuery = z.strictObject({ limit: int(1, 200).optional(), before: z.iso.datetime({ offset: true }).optional() })
export const noteBody = z.strictObject({ body: z.string().trim().min(1).max(4000), orderId: key.optional() })
export const crmCallBody = z.strictObject({
  direction: z.enum(CALL_DIRECTIONS),
  outcome: z.string().min(1).max(64),
  orderId: key.optional(),
  startedAt: z.iso.datetime({ offset: true }).optional().describe('@default now'),
  durationSeconds: z.number().int().min(0).optional(),
  recordingUrl: z.url().max(2000).optional(),
  note: z.string().max(2000).optional(),
})
export const REPORTS = ['sales', 'cancellations', 'cross-sell', 'retention', 'acquisition', 'couriers', 'managers'] as const
export const reportQuery = z.strictObject({
  from: z.union([z.iso.datetime({ offset: true }), z.iso.date()]),
  to: z.union([z.iso.datetime({ offset: true }), z.iso.date()]),
  timeZone: z.string().max(64).optional(),
  groupBy: z.enum(REPORT_GROUPINGS).optional(),
  format: z.enum(['json', 'csv']).optional().describe('`csv`: the rows as a CSV file.'),
})

export const messagesQuery = z.strictObject({
  orderId: key.optional(),
  customerId: key.optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  limit: int(1, 500).optional(),
})
