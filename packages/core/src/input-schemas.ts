// The zod schemas the engine's commands check their input with, grouped by the
// engine namespace they belong to. Transports (HTTP routes, RPC, forms) reuse
// them instead of keeping copies that drift: derive a narrower shape with
// `.pick()`, `.omit()` or `.extend()` where a transport fills a field itself.
import { addItemSchema, contactSchema, couponSchema, createSchema, notesSchema, redeemPointsSchema, setDeliverySchema, setPaymentSchema, setQuantitySchema } from './cart/cart-module.js'
import { addressSchema } from './cart/contact-schema.js'
import { optionsSchema as placeOrderSchema } from './checkout/checkout-module.js'
import { logCallSchema as crmLogCallSchema, noteSchema } from './crm/crm-module.js'
import { destinationSchema, quoteOptionsSchema } from './delivery/delivery-module.js'
import { outcomeSchema, packSchema, receiveReturnSchema, transitionSchema as shipmentTransitionSchema } from './delivery/shipment-module.js'
import { adjustSchema } from './loyalty/loyalty-module.js'
import {
  addLineSchema,
  assignManagerSchema,
  cancelSchema,
  changeQuantitySchema,
  confirmationCodeSchema,
  confirmSchema,
  logCallSchema,
  removeLineSchema,
  substituteVariantSchema,
  transitionSchema,
} from './order/order-module.js'
import { captureSchema, recordCashSchema, refundSchema, startSchema } from './payment/payment-module.js'

/**
 * Input schemas of the cart commands (`shop.carts.*`), keyed by command. Bad
 * input to a command is refused with `OrdoError('VALIDATION')`; parsing with
 * the same schema first lets a transport answer before calling the engine.
 *
 * @example
 * ```ts
 * import { cartSchemas } from '@ordo/core'
 *
 * // A storefront form: the visitor may not set the customer, groups or currency.
 * const newCart = cartSchemas.create.unwrap().omit({ customerId: true, customerGroups: true, currency: true })
 * const line = cartSchemas.addItem.parse(await request.json())
 * ```
 */
export const cartSchemas = {
  /** `carts.create(input?)`: customer, groups, region, currency, channel attribution and tracking session; optional. */
  create: createSchema,
  /** `carts.addItem(cartId, input)`: `{ sku, quantity }` (the command also refuses a quantity below 1). */
  addItem: addItemSchema,
  /** `carts.setQuantity(cartId, input)`: `{ lineId | sku, quantity }`. */
  setQuantity: setQuantitySchema,
  /** `carts.setContact(cartId, contact)`: name, phone and e-mail, each nullable and optional. */
  setContact: contactSchema,
  /** `carts.setShippingAddress(cartId, address)`: an address or null. */
  setShippingAddress: addressSchema,
  /** `carts.setNotes(cartId, notes)`: the customer's comment, or null. */
  setNotes: notesSchema,
  /** `carts.setPayment(cartId, input)`: `{ method }`, null for "pay after confirmation". */
  setPayment: setPaymentSchema,
  /** `carts.setDelivery(cartId, input)`: a quoted option with its destination and choices (null clears it; not part of the schema). */
  setDelivery: setDeliverySchema,
  /** The `code` argument of `carts.applyCoupon` and `carts.removeCoupon` (compared case-insensitively). */
  couponCode: couponSchema,
  /** The `points` argument of `carts.redeemPoints` (0 removes the redemption). */
  redeemPoints: redeemPointsSchema,
}

/**
 * Input schemas of checkout (`shop.checkout.*`), keyed by command.
 *
 * @example
 * ```ts
 * const fromClient = checkoutSchemas.placeOrder.pick({ acceptPriceChanges: true })
 * ```
 */
export const checkoutSchemas = {
  /** `checkout.placeOrder(cartId, options)`: `{ idempotencyKey, acceptPriceChanges? }`. */
  placeOrder: placeOrderSchema,
}

/**
 * Input schemas of the delivery quotes (`shop.delivery.quote`).
 *
 * @example
 * ```ts
 * const body = z.strictObject({ destination: deliverySchemas.destination, options: deliverySchemas.quoteOptions })
 * ```
 */
export const deliverySchemas = {
  /** The `destination` argument of `delivery.quote`: city (required), country, postal code, region, carriers' city codes, coordinates. */
  destination: destinationSchema,
  /** The `options` argument of `delivery.quote`: sort and method types; optional. */
  quoteOptions: quoteOptionsSchema,
}

/**
 * Input schemas of the order commands (`shop.orders.*`), keyed by command.
 * Commands that change an order take `actor` and an optional
 * `expectedVersion`; a transport that knows the caller fills `actor` itself
 * and drops it from what the client sends (`.omit({ actor: true })`).
 *
 * @example
 * ```ts
 * const cancelBody = orderSchemas.cancel.omit({ actor: true })
 * await shop.orders.cancel(orderId, { ...cancelBody.parse(body), actor: `manager:${user.id}` })
 * ```
 */
export const orderSchemas = {
  /** `orders.transition(orderId, transition, options)`: actor, reason, note, expected version. */
  transition: transitionSchema,
  /** `orders.confirm(orderId, options)`: actor, channel (`call`, `sms`, `auto`), note, expected version. */
  confirm: confirmSchema,
  /** `orders.cancel(orderId, options)`: actor, reason (one of the machine's cancellation reasons, checked by the command), note, expected version. */
  cancel: cancelSchema,
  /** `orders.logCall(orderId, input)`: manager, outcome, note, actor. */
  logCall: logCallSchema,
  /** `orders.assignManager(orderId, input)`: actor, manager id or null, expected version. */
  assignManager: assignManagerSchema,
  /** `orders.addLine(orderId, input)`: actor, SKU, quantity, expected version. */
  addLine: addLineSchema,
  /** `orders.changeQuantity(orderId, input)`: actor, line id, quantity, expected version. */
  changeQuantity: changeQuantitySchema,
  /** `orders.removeLine(orderId, input)`: actor, line id, expected version. */
  removeLine: removeLineSchema,
  /** `orders.substituteVariant(orderId, input)`: actor, line id, SKU, quantity (default: the line's), expected version. */
  substituteVariant: substituteVariantSchema,
  /** The `code` argument of `orders.confirmByCode`: the 4–8 digits the customer received by SMS. */
  confirmationCode: confirmationCodeSchema,
}

/**
 * Input schemas of the payment commands (`shop.payments.*`), keyed by command.
 * `refund` carries a refinement (an amount or lines, not both): build a
 * narrower shape from its `.shape` rather than calling `.omit()` on it.
 *
 * @example
 * ```ts
 * const refundBody = z.strictObject(paymentSchemas.refund.shape).omit({ actor: true })
 * ```
 */
export const paymentSchemas = {
  /** `payments.start(orderId, input)`: method, return URL, idempotency key, amount, currency, tracking number. */
  start: startSchema,
  /** `payments.capture(paymentId, input)`: amount (default: what the order owes), idempotency key, currency. */
  capture: captureSchema,
  /** `payments.refund(paymentId, input)`: an amount or lines, reason, purpose, idempotency key, actor, currency. */
  refund: refundSchema,
  /** `payments.recordCash(orderId, input)`: amount, actor, method, idempotency key, currency. */
  recordCash: recordCashSchema,
}

/**
 * Input schemas of the shipment commands (`shop.shipments.*`), keyed by command.
 *
 * @example
 * ```ts
 * const packBody = shipmentSchemas.pack.omit({ actor: true })
 * ```
 */
export const shipmentSchemas = {
  /** `shipments.pack(shipmentId, input)`: weight in grams, boxes, actor. */
  pack: packSchema,
  /** `shipments.transition(shipmentId, transition, options)`: actor, reason, storage deadline (a `Date`). */
  transition: shipmentTransitionSchema,
  /** `shipments.recordOutcome(shipmentId, input)`: the lines kept and refused, reason, actor, idempotency key. */
  recordOutcome: outcomeSchema,
  /** `shipments.receiveReturn(shipmentId, options)`: actor, the location the goods return to. */
  receiveReturn: receiveReturnSchema,
}

/**
 * Input schemas of the loyalty commands (`shop.loyalty.*`), keyed by command.
 *
 * @example
 * ```ts
 * const entry = await shop.loyalty.adjust(customerId, loyaltySchemas.adjust.parse(body))
 * ```
 */
export const loyaltySchemas = {
  /** `loyalty.adjust(customerId, input)`: points (not 0), reason, external id (the idempotency key). */
  adjust: adjustSchema,
}

/**
 * Input schemas of the CRM commands (`shop.crm.*`), keyed by command.
 *
 * @example
 * ```ts
 * const noteBody = crmSchemas.addNote.omit({ customerId: true, author: true })
 * ```
 */
export const crmSchemas = {
  /** `crm.logCall(input)`: customer, order, direction, manager, start (a `Date`), duration, outcome, recording URL, note. */
  logCall: crmLogCallSchema,
  /** `crm.addNote(input)`: customer, body, author, order. */
  addNote: noteSchema,
}
