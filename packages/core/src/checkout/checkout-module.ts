import { z } from 'zod'
import { channelOf } from '../cart/contact-schema.js'
import type { CartInternal } from '../cart/cart-module.js'
import type { CartQuote } from '../cart/cart-module.js'
import { OrdoError } from '../errors.js'
import type { InventoryInternal } from '../inventory/inventory-module.js'
import type { Order, OrderInternal } from '../order/index.js'
import type { PriceBreakdown } from '../pricing/index.js'
import type { PricingInternal } from '../pricing/pricing-module.js'
import type { LoyaltyInternal } from '../loyalty/loyalty-module.js'
import type { PromotionsInternal } from '../promotions/promotions-module.js'
import type { PaymentInternal } from '../payment/payment-module.js'
import type { DeliveryInternal } from '../delivery/delivery-module.js'
import type { DeliveryChoice } from '../delivery/delivery-types.js'
import type { Runtime } from '../runtime.js'
import { newId } from '../storage/ids.js'
import { runInTransaction } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import { OrderNumbers } from './order-number.js'

export { checkoutMigrations, type CheckoutTables } from './order-number.js'

/** Options of `shop.checkout.placeOrder()`. */
export interface PlaceOrderOptions {
  /**
   * The client's key for this attempt: retrying with the same key returns the
   * order the first attempt placed (one order, however many retries).
   */
  idempotencyKey: string
  /** Place the order even if prices changed since the customer last saw the cart. @default false */
  acceptPriceChanges?: boolean
}

/** One line whose price moved between what the customer saw and checkout. */
export interface PriceChange {
  sku: string
  before: { unitPrice: number; total: number } | null
  after: { unitPrice: number; total: number } | null
}

/** `shop.checkout`: turning a cart into an order. */
export interface CheckoutApi {
  /**
   * Places the order in one transaction: checks the cart is complete,
   * re-prices it and compares with what the customer saw (`PRICE_CHANGED`
   * with the diff unless `acceptPriceChanges`), reserves stock for every line
   * (`OUT_OF_STOCK` naming the SKU and what is available), snapshots lines,
   * prices, discounts, contact, address and attribution, assigns a human
   * order number, counts promotion usage, marks the cart converted and emits
   * `order.placed`.
   *
   * @example
   * ```ts
   * const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey: crypto.randomUUID() })
   * console.log(order.number) // '100001'
   * ```
   */
  placeOrder(cartId: string, options: PlaceOrderOptions): Promise<Order>
}

interface CheckoutDeps {
  payments: Pick<PaymentInternal, 'whyNotOffered' | 'method'>
  delivery: DeliveryInternal
  carts: CartInternal
  orders: OrderInternal
  pricing: PricingInternal
  inventory: InventoryInternal
  promotions: PromotionsInternal
  loyalty: Pick<LoyaltyInternal, 'redeemed' | 'hold'>
}

const cartIdSchema = z.string().min(1).max(64)
export const optionsSchema = z.strictObject({
  idempotencyKey: z.string().trim().min(8, 'use a random key of at least 8 characters (e.g. a UUID)').max(191),
  acceptPriceChanges: z.boolean().optional(),
})

/** A cart with no payment method chosen becomes a "pay later" order: payment is arranged after confirmation. */
const PAY_LATER = 'pay_later'

/** Creates the checkout module. */
export function createCheckoutModule(runtime: Runtime, deps: CheckoutDeps): { api: CheckoutApi } {
  const numbers = new OrderNumbers(runtime, {
    start: runtime.config.orders?.numberStart ?? 100001,
    blockSize: runtime.storage.capabilities.concurrentWriters ? 20 : 100,
  })

  /** The order a key already placed: the same cart gets it back, another cart is an error. */
  function replay(existing: Order, cartId: string, key: string): Order {
    if (existing.cartId !== cartId) {
      throw new OrdoError('IDEMPOTENCY_MISMATCH', `The idempotency key "${key}" already placed order ${existing.number} from another cart.`, {
        details: { idempotencyKey: key, orderId: existing.id, cartId: existing.cartId },
      })
    }
    return existing
  }

  async function placeOrder(cartIdInput: string, input: PlaceOrderOptions): Promise<Order> {
    const cartId = parseInput('checkout.placeOrder', cartIdSchema, cartIdInput)
    const options = parseInput('checkout.placeOrder', optionsSchema, input)
    const key = options.idempotencyKey
    // A retry finds its cart converted (or its key taken) inside the transaction and gets the first order back
    // from the catch below; looking the key up first would cost every checkout a query.
    const number = await numbers.next()
    try {
      return await runInTransaction(runtime, async (uow) => {
        const { row, items } = await deps.carts.rows(uow.db, cartId)
        if (row.status !== 'active') {
          throw new OrdoError('CART_CLOSED', `Cart "${cartId}" is ${row.status === 'converted' ? 'already an order' : 'merged into another cart'}.`, {
            details: { cartId, status: row.status, convertedTo: row.converted_to },
          })
        }
        if (items.length === 0) throw incomplete(cartId, 'the cart is empty', 'items')
        if (!row.contact_phone && !row.contact_email) {
          throw incomplete(cartId, 'the customer left neither a phone nor an e-mail (carts.setContact)', 'contact')
        }

        const delivery = row.delivery === null ? null : (JSON.parse(row.delivery) as DeliveryChoice)
        if (delivery === null && deps.delivery.enabled) {
          throw incomplete(cartId, 'no delivery is chosen (delivery.quote, then carts.setDelivery)', 'delivery')
        }
        const context = deps.carts.pricingContext(row, uow.now)
        const { breakdown, variants } = await deps.pricing.priceCartWithVariants(uow.db, {
          lines: items.map((i) => ({ lineId: i.id, variantId: i.variant_id, quantity: Number(i.quantity) })),
          context,
          delivery: delivery === null ? null : { amount: delivery.price, label: delivery.name },
          pointsRedeemed: row.customer_id === null ? 0 : Number(row.points_redeemed ?? 0),
          paymentMethod: row.payment_method,
        })
        const archived = breakdown.lines.filter((l) => variants.get(l.variantId)?.status !== 'active')
        if (archived.length > 0) {
          throw new OrdoError('SKU_ARCHIVED', `No longer sold: ${archived.map((l) => `"${l.name}" (${l.sku})`).join(', ')}; remove it from the cart.`, {
            details: { skus: archived.map((l) => l.sku) },
          })
        }
        if (row.payment_method !== null) {
          const why = deps.payments.whyNotOffered(row.payment_method, { amount: breakdown.total, region: row.region, deliveryType: delivery?.methodType ?? null })
          if (why) {
            throw new OrdoError('PAYMENT_METHOD_UNAVAILABLE', `Payment method "${row.payment_method}" cannot pay for this order: ${why}. Choose another with carts.setPayment().`, {
              details: { method: row.payment_method, reason: why },
            })
          }
        }
        if (!options.acceptPriceChanges) comparePrices(row.quote === null ? null : (JSON.parse(row.quote) as CartQuote), breakdown)

        const paymentType = row.payment_method === null ? null : (deps.payments.method(row.payment_method)?.type ?? null)
        if (delivery) await deps.delivery.book(uow, delivery, paymentType)
        const orderId = newId()
        const allocations = await deps.inventory.reserve(uow, {
          ownerType: 'order',
          ownerId: orderId,
          lines: breakdown.lines.filter((l) => !l.gift || variants.has(l.variantId)).map((l) => ({ variantId: l.variantId, quantity: l.quantity })),
          // The order's own expiry rule cancels it and releases these (orders.expireReservations).
          expiresAt: null,
          region: row.region,
        })
        const order = await deps.orders.create(uow, {
          id: orderId,
          number,
          cartId,
          customerId: row.customer_id,
          contact: { name: row.contact_name, phone: row.contact_phone, email: row.contact_email },
          shippingAddress: row.shipping_address === null ? null : JSON.parse(row.shipping_address),
          notes: row.notes,
          currency: context.currency,
          region: row.region,
          channel: channelOf(row),
          pricingContext: context,
          breakdown,
          lines: breakdown.lines.map((l) => {
            const variant = variants.get(l.variantId)
            return {
              lineId: l.lineId,
              variantId: l.variantId,
              productId: l.productId,
              sku: l.sku,
              name: l.name,
              quantity: l.quantity,
              costPrice: variant?.costPrice ?? null,
              paymentSubject: variant?.paymentSubject ?? 'commodity',
              weightGrams: variant?.weightGrams ?? null,
            }
          }),
          paymentMethod: row.payment_method ?? PAY_LATER,
          delivery,
          idempotencyKey: key,
        })
        const points = deps.loyalty.redeemed(breakdown)
        // Held in this transaction, with the balance checked again under the customer's lock.
        if (points > 0 && row.customer_id !== null) await deps.loyalty.hold(uow, { customerId: row.customer_id, orderId, points })
        if (delivery) await deps.delivery.planShipments(uow, order, allocations, delivery, paymentType === 'cash_on_delivery')
        const applied = breakdown.coupons.filter((c) => c.applied).map((c) => c.code)
        if (breakdown.appliedPromotionIds.length > 0 || applied.length > 0) {
          await deps.promotions.recordUsage(uow, {
            orderId,
            customerKey: row.customer_id ?? row.contact_phone ?? row.contact_email,
            promotionIds: breakdown.appliedPromotionIds,
            couponCodes: applied,
          })
        }
        if (!(await deps.carts.markConverted(uow, cartId, orderId))) {
          throw new OrdoError('CART_CLOSED', `Cart "${cartId}" was placed as an order by another request.`, { details: { cartId } })
        }
        return order
      })
    } catch (error) {
      // A concurrent retry with the same key may have won the race: its order is the answer.
      const winner = await deps.orders.findByIdempotencyKey(runtime.db, key).catch(() => undefined)
      if (winner) return replay(winner, cartId, key)
      throw error
    }
  }

  return { api: { placeOrder } }
}

function incomplete(cartId: string, what: string, missing: string): OrdoError {
  return new OrdoError('CART_INCOMPLETE', `Cart "${cartId}" cannot be placed yet: ${what}.`, { details: { cartId, missing } })
}

/** Throws `PRICE_CHANGED` with the diff when what the customer saw differs from the price now. */
function comparePrices(seen: CartQuote | null, now: PriceBreakdown): void {
  const changes: PriceChange[] = []
  const seenLines = seen?.lines ?? {}
  for (const line of now.lines) {
    const before = seenLines[line.lineId]
    if (!before || before.unitPrice !== line.unitPrice || before.total !== line.total) {
      changes.push({ sku: line.sku, before: before ? { unitPrice: before.unitPrice, total: before.total } : null, after: { unitPrice: line.unitPrice, total: line.total } })
    }
  }
  for (const [lineId, before] of Object.entries(seenLines)) {
    if (!now.lines.some((l) => l.lineId === lineId)) changes.push({ sku: before.sku, before: { unitPrice: before.unitPrice, total: before.total }, after: null })
  }
  if (changes.length === 0 && seen?.total === now.total) return
  throw new OrdoError(
    'PRICE_CHANGED',
    `Prices changed since the customer last saw the cart: total ${seen?.total ?? '—'} → ${now.total}. Show the new prices and place again with acceptPriceChanges: true.`,
    { details: { before: seen?.total ?? null, after: now.total, changes } },
  )
}
