// Request schemas of the routes. JSON bodies are the engine's own command
// schemas (`cartSchemas`, `orderSchemas`, … of @ordo/core), narrowed with
// `.pick()`/`.omit()`/`.extend()` where the route fills a field itself (the
// id from the path, the actor from the API key, the idempotency key from its
// header) or where the storefront must not let a visitor set it. Query
// strings are this layer's own: every value arrives as text and is coerced
// here before the engine sees it. The engine validates every command again.
import {
  cartSchemas,
  checkoutSchemas,
  crmSchemas,
  deliverySchemas,
  loyaltySchemas,
  MESSAGE_STATUSES,
  orderSchemas,
  paymentSchemas,
  REPORT_GROUPINGS,
  SHIPMENT_STATUSES,
  shipmentSchemas,
  type ListProductsInput,
  type PickupPointsQuery,
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
const address = cartSchemas.setShippingAddress.unwrap().meta({ id: 'Address', description: 'A delivery address.' })

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

// A visitor creates a guest cart: the customer, their groups and the currency are the shop's to set (sign-in, config).
export const createCartBody = cartSchemas.create.unwrap().omit({ customerId: true, customerGroups: true, currency: true, sessionId: true }).optional()
// The engine refuses a quantity below 1 too; checked here it is a 400 naming the field.
export const addItemBody = cartSchemas.addItem.extend({ quantity: cartSchemas.addItem.shape.quantity.min(1) })
export const quantityBody = cartSchemas.setQuantity.pick({ quantity: true }).extend({ quantity: cartSchemas.setQuantity.shape.quantity.min(1) })
export const couponBody = z.strictObject({ code: cartSchemas.couponCode })
export const pointsBody = z.strictObject({ points: cartSchemas.redeemPoints })
export const contactBody = cartSchemas.setContact
export const addressBody = cartSchemas.setShippingAddress
export const notesBody = z.strictObject({ notes: cartSchemas.setNotes })

const destination = deliverySchemas.destination.meta({ id: 'DeliveryDestination' })
export const quoteBody = z.strictObject({ destination, options: deliverySchemas.quoteOptions })
// The same destination as a quote's (one named schema in the document), the address as `Address`.
export const deliveryBody = cartSchemas.setDelivery.extend({ destination, address: address.optional() }).nullable()
export const paymentBody = cartSchemas.setPayment
// The idempotency key comes in its header.
export const checkoutBody = checkoutSchemas.placeOrder.pick({ acceptPriceChanges: true }).optional()
// Only the route's: the engine has no look-up command (it lists orders by number and phone).
export const lookupBody = z.strictObject({ number: z.string().trim().min(1).max(32), phone: z.string().trim().min(5).max(40) })
export const tokenQuery = z.strictObject({ token: z.string().max(200).optional().describe('The order access token, when not sent as `x-order-token`.') })
// A customer picks the method and where to come back; the amount is what the order owes and the key comes in its header.
export const startPaymentBody = paymentSchemas.start.pick({ method: true, returnUrl: true })
export const codeBody = z.strictObject({ code: orderSchemas.confirmationCode })

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
// Admin bodies: the actor is the API key's, ids come from the path.
export const transitionBody = orderSchemas.transition.omit({ actor: true }).optional()
// `auto` is the engine's own (prepaid orders); a manager confirms after a call or an SMS.
export const confirmBody = orderSchemas.confirm.omit({ actor: true }).extend({ channel: orderSchemas.confirm.shape.channel.exclude(['auto']).default('call') }).optional()
export const cancelBody = orderSchemas.cancel.omit({ actor: true })
export const callBody = orderSchemas.logCall.omit({ manager: true, actor: true })
export const addLineBody = orderSchemas.addLine.omit({ actor: true })
export const lineQuantityBody = orderSchemas.changeQuantity.omit({ actor: true, lineId: true })
export const versionBody = orderSchemas.removeLine.omit({ actor: true, lineId: true }).optional()
export const substituteBody = orderSchemas.substituteVariant.omit({ actor: true, lineId: true })
export const assignBody = orderSchemas.assignManager.omit({ actor: true })

export const shipmentListQuery = z.strictObject({
  status: z.enum(SHIPMENT_STATUSES).optional(),
  carrier: key.optional(),
  direction: z.enum(['outbound', 'return']).optional(),
  limit: int(1, 500).optional(),
})
export const packBody = shipmentSchemas.pack.omit({ actor: true }).optional()
// JSON has no dates: the storage deadline is an ISO timestamp here.
export const shipmentTransitionBody = shipmentSchemas.transition.omit({ actor: true }).extend({ storageUntil: z.iso.datetime({ offset: true }).optional() }).optional()
export const outcomeBody = shipmentSchemas.recordOutcome.omit({ actor: true })
export const receiveReturnBody = shipmentSchemas.receiveReturn.omit({ actor: true }).optional()

export const captureBody = paymentSchemas.capture
// The engine's refinement (an amount or lines, not both) stays with the engine: a refined object cannot be narrowed.
export const refundBody = z.strictObject(paymentSchemas.refund.shape).omit({ actor: true })
export const cashBody = paymentSchemas.recordCash.omit({ actor: true })

// The route appends ` (<actor>)` to the reason (actors are at most 191 characters): the engine's 500 must still hold.
export const adjustBody = loyaltySchemas.adjust.extend({ reason: z.string().trim().min(1).max(500 - 194) })
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
export const noteBody = crmSchemas.addNote.omit({ customerId: true, author: true })
export const crmCallBody = crmSchemas.logCall.omit({ customerId: true, managerId: true }).extend({
  startedAt: z.iso.datetime({ offset: true }).optional().describe('@default now'),
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
