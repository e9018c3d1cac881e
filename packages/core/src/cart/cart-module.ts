import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { CatalogInternal, VariantSummary } from '../catalog/catalog-module.js'
import { OrdoError } from '../errors.js'
import type { InventoryInternal } from '../inventory/inventory-module.js'
import { isCurrencyCode, type CurrencyCode } from '../money/index.js'
import type { PriceBreakdown, PricingContext } from '../pricing/index.js'
import type { PricingInternal } from '../pricing/pricing-module.js'
import type { LoyaltyInternal } from '../loyalty/loyalty-module.js'
import type { PromotionsInternal } from '../promotions/promotions-module.js'
import type { PaymentInternal } from '../payment/payment-module.js'
import type { DeliveryInternal } from '../delivery/delivery-module.js'
import type { DeliveryChoice, SetDeliveryInput } from '../delivery/delivery-types.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import type { CartItemTable, CartTable } from './cart-schema.js'
import type { AbandonedCart, Address, Cart, CartContact, CreateCartInput } from './cart-types.js'
import { addressSchema, channelOf, MAX_TEXT, toE164 } from './contact-schema.js'
import { isDirect, type TrackingInternal } from '../tracking/tracking-module.js'
import { affected } from '../storage/sql-helpers.js'

export { cartMigrations, type CartTables } from './cart-schema.js'

declare module '../events/domain-events.js' {
  interface DomainEventMap {
    /** A cart was created (with its attribution). */
    'cart.created': { cartId: string; customerId: string | null; channelSource: string | null }
    /** A cart's lines changed: added, quantity changed, removed or cleared. */
    'cart.items_changed': { cartId: string; sku: string | null; quantity: number; change: 'added' | 'quantity_set' | 'removed' | 'cleared' }
    /** The customer left contact details: the cart is now a lead. */
    'cart.contact_set': { cartId: string; phone: string | null; email: string | null }
    /** A guest cart was merged into a customer's cart on sign-in. */
    'cart.merged': { cartId: string; intoCartId: string; customerId: string | null }
  }
}

/** `shop.carts`: the cart aggregate and its commands. Every command returns the cart with a fresh breakdown. */
export interface CartApi {
  /** Creates an empty cart for a guest or a customer, recording where the visitor came from. */
  create(input?: CreateCartInput): Promise<Cart>
  /** The cart with a breakdown priced now. */
  get(cartId: string): Promise<Cart>
  /** Adds `quantity` of a SKU (added to the line if it is already there). */
  addItem(cartId: string, input: { sku: string; quantity: number }): Promise<Cart>
  /** Sets a line's quantity (≥ 1; use `removeItem` to drop it). */
  setQuantity(cartId: string, input: { lineId?: string; sku?: string; quantity: number }): Promise<Cart>
  /** Drops a line, named by its line id or its SKU. */
  removeItem(cartId: string, input: { lineId?: string; sku?: string }): Promise<Cart>
  /** Drops every line; contact, address and coupons stay. */
  clear(cartId: string): Promise<Cart>
  /** Sets contact details; the phone is normalised to E.164 (`8 916 123-45-67` → `+79161234567`). */
  setContact(cartId: string, contact: Partial<CartContact>): Promise<Cart>
  /** Sets (or, with null, clears) the address to deliver to. */
  setShippingAddress(cartId: string, address: Address | null): Promise<Cart>
  /** The customer's comment on the order, e.g. "call before delivery". */
  setNotes(cartId: string, notes: string | null): Promise<Cart>
  /** Attaches the cart to a signed-in customer (their groups drive group prices and promotions). */
  setCustomer(cartId: string, customer: { customerId: string; customerGroups?: string[] }): Promise<Cart>
  /** Chooses how the customer pays (a configured method code, e.g. `card`, `cod`); null goes back to paying later. Refused when the method is not offered for this cart's total and region. */
  setPayment(cartId: string, input: { method: string | null }): Promise<Cart>
  /**
   * Chooses how the cart is delivered: an option from `shop.delivery.quote()`,
   * the pickup point, address or time slot it needs. Validated (the point
   * takes the cart's payment method, the locker fits the parcel, the slot has
   * room) and priced into the breakdown. Changing the lines afterwards drops
   * the choice: quote again.
   */
  setDelivery(cartId: string, input: SetDeliveryInput | null): Promise<Cart>
  /** Applies a coupon code (any case); refuses unknown, expired, used-up or not-applicable codes with the reason. */
  applyCoupon(cartId: string, code: string): Promise<Cart>
  /**
   * Redeems the customer's active points on this cart (0 removes them): a
   * discount allocated to the lines, capped at the shop's share of the goods
   * total (`loyalty.maxRedeemBasisPoints`). Refused for a guest cart and
   * with `LOYALTY_INSUFFICIENT` above the active balance. Checkout holds the
   * points; they are spent when the order completes and come back if it is
   * cancelled.
   */
  redeemPoints(cartId: string, points: number): Promise<Cart>
  /** Takes a coupon code (any case) off the cart. */
  removeCoupon(cartId: string, code: string): Promise<Cart>
  /** Merges a guest cart into a customer's cart on sign-in: quantities add up, coupons and contact carry over. */
  merge(guestCartId: string, intoCartId: string): Promise<Cart>
  /** Active carts with items and a phone or e-mail, idle since before `before`, oldest first. */
  abandoned(options: { before: Date; limit?: number; cursor?: string }): Promise<{ items: AbandonedCart[]; nextCursor: string | null }>
}

/** What other modules (checkout) call inside their unit of work. */
export interface CartInternal {
  /** A cart's row and its items, oldest line first (`NOT_FOUND` when there is no such cart). */
  rows(db: Kysely<Database>, cartId: string): Promise<{ row: CartTable; items: CartItemTable[] }>
  /** Marks an active cart converted into `orderId`; false when it was no longer active (someone else converted it). */
  markConverted(uow: UnitOfWork, cartId: string, orderId: string): Promise<boolean>
  /** The pricing context a cart is priced in. */
  pricingContext(row: CartTable, at: Date): PricingContext
  /** Moves every cart of `fromCustomerId` to `toCustomerId` (a CRM merge); returns how many moved. */
  moveCustomer(uow: UnitOfWork, fromCustomerId: string, toCustomerId: string): Promise<number>
}

const id = z.string().min(1).max(64)
const sku = z.string().trim().min(1).max(100)
const quantity = z.number().int()
const channelSchema = z
  .strictObject({
    source: z.string().max(255).nullable().optional(),
    medium: z.string().max(255).nullable().optional(),
    campaign: z.string().max(255).nullable().optional(),
    landingPage: z.string().max(MAX_TEXT).nullable().optional(),
    referrer: z.string().max(MAX_TEXT).nullable().optional(),
  })
  .optional()
export const createSchema = z
  .strictObject({
    customerId: id.nullable().optional(),
    customerGroups: z.array(z.string().min(1).max(100)).max(50).optional(),
    region: z.string().min(1).max(100).nullable().optional(),
    currency: z.string().refine(isCurrencyCode, 'expected an ISO 4217 code such as RUB').optional(),
    channel: channelSchema,
    sessionId: z.string().trim().min(1).max(64).nullable().optional(),
  })
  .optional()
const lineRef = z
  .strictObject({ lineId: id.optional(), sku: sku.optional() })
  .refine((v) => (v.lineId === undefined) !== (v.sku === undefined), 'pass exactly one of lineId or sku')
export const contactSchema = z.strictObject({
  name: z.string().trim().max(255).nullable().optional(),
  phone: z.string().trim().max(40).nullable().optional(),
  email: z.email().max(255).nullable().optional(),
})
export const couponSchema = z.string().trim().min(1).max(64)
export const addItemSchema = z.strictObject({ sku, quantity })
export const setQuantitySchema = z.strictObject({ lineId: id.optional(), sku: sku.optional(), quantity })
const setCustomerSchema = z.strictObject({ customerId: id, customerGroups: z.array(z.string().min(1).max(100)).max(50).optional() })
export const setPaymentSchema = z.strictObject({ method: z.string().trim().min(1).max(50).nullable() })
export const notesSchema = z.string().max(MAX_TEXT).nullable()
export const redeemPointsSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
export const setDeliverySchema = z.strictObject({
  optionId: z.string().trim().min(1).max(200),
  destination: z.strictObject({
    country: z.string().length(2).optional(),
    city: z.string().trim().min(1).max(191),
    postalCode: z.string().trim().min(1).max(20).optional(),
    region: z.string().trim().max(191).optional(),
    carrierCityCodes: z.record(z.string().max(64), z.string().max(64)).optional(),
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
  }),
  pickupPointId: z.string().trim().min(1).max(100).optional(),
  address: addressSchema.unwrap().optional(),
  slot: z.string().trim().min(1).max(64).optional(),
  tryOn: z.boolean().optional(),
  callBefore: z.boolean().optional(),
})


interface CartDeps {
  payments: Pick<PaymentInternal, 'whyNotOffered' | 'method'>
  delivery: DeliveryInternal
  catalog: CatalogInternal
  inventory: InventoryInternal
  pricing: PricingInternal
  promotions: PromotionsInternal
  loyalty: LoyaltyInternal
  /** Channel of carts created with a `sessionId`. */
  tracking: Pick<TrackingInternal, 'attribution'>
}

/** Creates the cart module on the engine's runtime. */
export function createCartModule(runtime: Runtime, deps: CartDeps): { api: CartApi; internal: CartInternal } {
  const maxQuantity = runtime.config.cart?.maxQuantityPerLine ?? 999
  const maxLines = runtime.config.cart?.maxLines ?? 200
  const defaultCountry = runtime.config.cart?.defaultCountry ?? 'RU'

  function pricingContext(row: CartTable, at: Date): PricingContext {
    return {
      currency: row.currency as CurrencyCode,
      region: row.region,
      channel: row.channel_source || row.channel_medium || row.channel_campaign
        ? { source: row.channel_source, medium: row.channel_medium, campaign: row.channel_campaign }
        : null,
      customerId: row.customer_id,
      customerGroups: JSON.parse(row.customer_groups) as string[],
      // No order module has counted this customer's orders yet: every customer is on their first order.
      orderCount: 0,
      at,
      couponCodes: JSON.parse(row.coupon_codes) as string[],
    }
  }

  async function loadCart(db: Kysely<Database>, cartId: string): Promise<CartTable> {
    const row = await db.selectFrom('ordo_cart').selectAll().where('id', '=', cartId).executeTakeFirst()
    if (!row) throw new OrdoError('NOT_FOUND', `No cart "${cartId}".`, { details: { cartId } })
    return row
  }

  function loadItems(db: Kysely<Database>, cartId: string): Promise<CartItemTable[]> {
    return db.selectFrom('ordo_cart_item').selectAll().where('cart_id', '=', cartId).orderBy('added_at').orderBy('id').execute()
  }

  async function loadRows(db: Kysely<Database>, cartId: string) {
    const row = await loadCart(db, cartId)
    return { row, items: await loadItems(db, cartId) }
  }

  async function view(db: Kysely<Database>, row: CartTable, items: CartItemTable[], at: Date, variants?: ReadonlyMap<string, VariantSummary>): Promise<Cart> {
    const delivery = row.delivery === null ? null : (JSON.parse(row.delivery) as DeliveryChoice)
    const breakdown = await deps.pricing.priceCart(db, {
      lines: items.map((i) => ({ lineId: i.id, variantId: i.variant_id, quantity: Number(i.quantity) })),
      context: pricingContext(row, at),
      pointsRedeemed: row.customer_id === null ? 0 : Number(row.points_redeemed ?? 0),
      delivery: delivery === null ? null : { amount: delivery.price, label: delivery.name },
      paymentMethod: row.payment_method,
      ...(variants ? { variants } : {}),
    })
    const names = new Map(breakdown.lines.map((l) => [l.lineId, l.name]))
    return {
      id: row.id,
      status: row.status,
      customerId: row.customer_id,
      customerGroups: JSON.parse(row.customer_groups),
      region: row.region,
      currency: row.currency as CurrencyCode,
      channel: channelOf(row),
      sessionId: row.session_id ?? null,
      contact: { name: row.contact_name, phone: row.contact_phone, email: row.contact_email },
      shippingAddress: row.shipping_address === null ? null : JSON.parse(row.shipping_address),
      notes: row.notes,
      couponCodes: JSON.parse(row.coupon_codes),
      paymentMethod: row.payment_method,
      delivery,
      items: items.map((i) => ({ lineId: i.id, variantId: i.variant_id, sku: i.sku, name: names.get(i.id) ?? i.sku, quantity: Number(i.quantity) })),
      breakdown,
      version: Number(row.version),
      createdAt: new Date(Number(row.created_at)),
      updatedAt: new Date(Number(row.updated_at)),
      convertedTo: row.converted_to,
      pointsRedeemed: deps.loyalty.redeemed(breakdown),
    }
  }


  /**
   * Runs a change to an active cart and returns the cart priced after it, in
   * one pricing. `linesChange: false` skips re-reading lines the change did not
   * touch; `check` vetoes the change on the priced result (e.g. a coupon that
   * does not apply) before anything is written; `readAt` is the cart as the
   * caller read it before the transaction (its version and lines): a cart
   * that changed since is `CONFLICT`, and its lines are not read again. A
   * change that keeps `scratch.items` up to date with what it wrote saves the
   * re-read of the lines, and the variant summaries it read in this unit of
   * work (`scratch.variants`) are not read again to price.
   */
  async function change(
    command: string,
    cartId: unknown,
    fn: (uow: UnitOfWork, row: CartTable, items: CartItemTable[], scratch: ChangeScratch) => Promise<Partial<CartTable> | void>,
    options: { linesChange?: boolean; check?: (priced: Cart) => void; readAt?: { version: number; items: CartItemTable[] } } = {},
  ): Promise<Cart> {
    const cart = parseInput(command, id, cartId)
    return runInTransaction(runtime, async (uow) => {
      const row = await loadCart(uow.db, cart)
      if (row.status !== 'active') {
        throw new OrdoError('CART_CLOSED', `Cart "${cart}" is ${row.status === 'converted' ? 'already an order' : 'merged into another cart'}; it can no longer change.`, {
          details: { cartId: cart, status: row.status, convertedTo: row.converted_to },
        })
      }
      const { readAt } = options
      if (readAt && Number(row.version) !== readAt.version) {
        throw new OrdoError('CONFLICT', `Cart "${cart}" changed while ${command} was being prepared (version ${readAt.version}, now ${Number(row.version)}); read it and try again.`, {
          details: { cartId: cart, expectedVersion: readAt.version, version: Number(row.version) },
        })
      }
      // Lines change only with the cart's version (every line command bumps it).
      const items = readAt ? readAt.items : await loadItems(uow.db, cart)
      const scratch: ChangeScratch = {}
      const patch = (await fn(uow, row, items, scratch)) ?? {}
      // A delivery was priced for the parcel and the goods total: new lines need a new quote.
      if (options.linesChange !== false && row.delivery !== null) patch.delivery = null
      const next: CartTable = { ...row, ...patch, version: Number(row.version) + 1, updated_at: uow.now.getTime() }
      const fresh = options.linesChange === false ? items : (scratch.items ?? (await loadItems(uow.db, cart)))
      const priced = await view(uow.db, next, fresh, uow.now, scratch.variants)
      options.check?.(priced)
      next.quote = JSON.stringify(quoteOf(priced.breakdown))
      await uow.db
        .updateTable('ordo_cart')
        .set({ ...patch, version: next.version, updated_at: next.updated_at, quote: next.quote })
        .where('id', '=', cart)
        .execute()
      return { ...priced, version: next.version }
    })
  }

  /**
   * Checks a SKU can go in this cart at this quantity; returns the variant id.
   * The summaries of the cart's other lines are read in the same query and
   * kept in `scratch.variants` for pricing.
   */
  async function checkLine(uow: UnitOfWork, row: CartTable, skuCode: string, wanted: number, items: readonly CartItemTable[], scratch: ChangeScratch): Promise<string> {
    if (wanted < 1) {
      throw new OrdoError('VALIDATION', `Quantity of "${skuCode}" must be at least 1 (use removeItem to drop a line).`, {
        details: { sku: skuCode, quantity: wanted },
      })
    }
    if (wanted > maxQuantity) {
      throw new OrdoError('QUANTITY_LIMIT', `At most ${maxQuantity} of "${skuCode}" fit in one cart line; ${wanted} were asked for.`, {
        details: { sku: skuCode, quantity: wanted, max: maxQuantity },
      })
    }
    const summaries = await deps.catalog.variantsBySku(uow.db, [skuCode, ...items.map((i) => i.sku)])
    scratch.variants = new Map([...summaries.values()].map((v) => [v.variantId, v]))
    const variant = summaries.get(skuCode)
    if (!variant) throw new OrdoError('NOT_FOUND', `No product has SKU "${skuCode}".`, { details: { sku: skuCode } })
    if (variant.status !== 'active') {
      throw new OrdoError('SKU_ARCHIVED', `"${variant.name}" (SKU ${skuCode}) is no longer sold.`, { details: { sku: skuCode } })
    }
    const stock = (await deps.inventory.availability(uow.db, [variant.variantId], { region: row.region })).get(variant.variantId)
    const available = stock?.available ?? 0
    if (!stock?.unlimited && wanted > available) {
      throw new OrdoError('OUT_OF_STOCK', `Only ${available} of "${variant.name}" (SKU ${skuCode}) available; ${wanted} were asked for.`, {
        details: { sku: skuCode, variantId: variant.variantId, requested: wanted, available },
      })
    }
    return variant.variantId
  }

  function findLine(items: CartItemTable[], ref: { lineId?: string | undefined; sku?: string | undefined }, cartId: string): CartItemTable {
    const line = items.find((i) => (ref.lineId !== undefined ? i.id === ref.lineId : i.sku === ref.sku))
    if (!line) {
      throw new OrdoError('NOT_FOUND', `Cart "${cartId}" has no line ${ref.lineId !== undefined ? `"${ref.lineId}"` : `with SKU "${ref.sku}"`}.`, {
        details: { cartId, ...ref },
      })
    }
    return line
  }

  function normalisePhone(phone: string): string {
    const e164 = toE164(phone, defaultCountry)
    if (!e164) {
      throw new OrdoError('VALIDATION', `"${phone}" is not a valid phone number (numbers without a country code are read as ${defaultCountry}).`, {
        details: { command: 'carts.setContact', issues: [{ path: 'phone', message: 'invalid phone number' }] },
      })
    }
    return e164
  }

  async function couponFailure(db: Kysely<Database>, row: CartTable, code: string, at: Date): Promise<never | void> {
    const check = await deps.promotions.checkCoupon(db, code, { customerId: row.customer_id, at })
    if (!check.ok) {
      throw new OrdoError('COUPON_REJECTED', check.message, { details: { code, reason: check.reason } })
    }
  }

  const api: CartApi = {
    async create(input) {
      const data = parseInput('carts.create', createSchema, input) ?? {}
      // Without a source of its own, a cart of a tracked session takes the channel attribution credits.
      const touch = data.sessionId && !data.channel?.source ? await deps.tracking.attribution(data.sessionId, runtime.clock.now()) : null
      if (touch) {
        data.channel = {
          // Direct traffic is stored as no source, as for carts made without a session.
          source: isDirect(touch.source) ? undefined : touch.source,
          medium: touch.medium,
          campaign: touch.campaign,
          landingPage: data.channel?.landingPage ?? touch.landing,
          referrer: data.channel?.referrer ?? touch.referrer,
        }
      }
      return runInTransaction(runtime, async (uow) => {
        const now = uow.now.getTime()
        const row: CartTable = {
          id: newId(),
          status: 'active',
          customer_id: data.customerId ?? null,
          customer_groups: JSON.stringify(data.customerGroups ?? []),
          region: data.region ?? null,
          currency: data.currency ?? runtime.currency,
          channel_source: data.channel?.source ?? null,
          channel_medium: data.channel?.medium ?? null,
          channel_campaign: data.channel?.campaign ?? null,
          landing_page: data.channel?.landingPage ?? null,
          referrer: data.channel?.referrer ?? null,
          contact_name: null,
          contact_phone: null,
          contact_email: null,
          shipping_address: null,
          notes: null,
          coupon_codes: '[]',
          version: 1,
          created_at: now,
          updated_at: now,
          converted_to: null,
          payment_method: null,
          quote: null,
          delivery: null,
          session_id: data.sessionId ?? null,
        }
        await uow.db.insertInto('ordo_cart').values(row).execute()
        uow.emit({ type: 'cart.created', aggregateId: row.id, data: { cartId: row.id, customerId: row.customer_id, channelSource: row.channel_source } })
        return view(uow.db, row, [], uow.now)
      })
    },

    async get(cartId) {
      const { row, items } = await loadRows(runtime.db, parseInput('carts.get', id, cartId))
      return view(runtime.db, row, items, runtime.clock.now())
    },

    async addItem(cartId, input) {
      const data = parseInput('carts.addItem', addItemSchema, input)
      return change('carts.addItem', cartId, async (uow, row, items, scratch) => {
        const existing = items.find((i) => i.sku === data.sku)
        if (data.quantity < 1) {
          throw new OrdoError('VALIDATION', `Quantity to add must be at least 1; got ${data.quantity}.`, { details: { sku: data.sku, quantity: data.quantity } })
        }
        if (!existing && items.length >= maxLines) {
          throw new OrdoError('QUANTITY_LIMIT', `A cart holds at most ${maxLines} lines.`, { details: { max: maxLines } })
        }
        const total = (existing ? Number(existing.quantity) : 0) + data.quantity
        const variantId = await checkLine(uow, row, data.sku, total, items, scratch)
        if (existing) {
          await uow.db.updateTable('ordo_cart_item').set({ quantity: total }).where('id', '=', existing.id).execute()
          scratch.items = items.map((i) => (i === existing ? { ...i, quantity: total } : i))
        } else {
          const item: CartItemTable = { id: newId(), cart_id: row.id, variant_id: variantId, sku: data.sku, quantity: total, added_at: uow.now.getTime() }
          await uow.db.insertInto('ordo_cart_item').values(item).execute()
          scratch.items = [...items, item].sort(byAddedAt)
        }
        uow.emit({ type: 'cart.items_changed', aggregateId: row.id, data: { cartId: row.id, sku: data.sku, quantity: total, change: 'added' } })
      })
    },

    async setQuantity(cartId, input) {
      const data = parseInput('carts.setQuantity', setQuantitySchema, input)
      const ref = parseInput('carts.setQuantity', lineRef, { lineId: data.lineId, sku: data.sku })
      return change('carts.setQuantity', cartId, async (uow, row, items, scratch) => {
        const line = findLine(items, ref, row.id)
        await checkLine(uow, row, line.sku, data.quantity, items, scratch)
        await uow.db.updateTable('ordo_cart_item').set({ quantity: data.quantity }).where('id', '=', line.id).execute()
        scratch.items = items.map((i) => (i === line ? { ...i, quantity: data.quantity } : i))
        uow.emit({ type: 'cart.items_changed', aggregateId: row.id, data: { cartId: row.id, sku: line.sku, quantity: data.quantity, change: 'quantity_set' } })
      })
    },

    async removeItem(cartId, input) {
      const ref = parseInput('carts.removeItem', lineRef, input)
      return change('carts.removeItem', cartId, async (uow, row, items, scratch) => {
        const line = findLine(items, ref, row.id)
        await uow.db.deleteFrom('ordo_cart_item').where('id', '=', line.id).execute()
        scratch.items = items.filter((i) => i !== line)
        uow.emit({ type: 'cart.items_changed', aggregateId: row.id, data: { cartId: row.id, sku: line.sku, quantity: 0, change: 'removed' } })
      })
    },

    async clear(cartId) {
      return change('carts.clear', cartId, async (uow, row) => {
        await uow.db.deleteFrom('ordo_cart_item').where('cart_id', '=', row.id).execute()
        uow.emit({ type: 'cart.items_changed', aggregateId: row.id, data: { cartId: row.id, sku: null, quantity: 0, change: 'cleared' } })
      })
    },

    async setContact(cartId, contact) {
      const data = parseInput('carts.setContact', contactSchema, contact)
      return change('carts.setContact', cartId, async (uow, row) => {
        const patch: Partial<CartTable> = {}
        if (data.name !== undefined) patch.contact_name = data.name || null
        if (data.phone !== undefined) patch.contact_phone = data.phone ? normalisePhone(data.phone) : null
        if (data.email !== undefined) patch.contact_email = data.email ? data.email.toLowerCase() : null
        const phone = patch.contact_phone !== undefined ? patch.contact_phone : row.contact_phone
        const email = patch.contact_email !== undefined ? patch.contact_email : row.contact_email
        uow.emit({ type: 'cart.contact_set', aggregateId: row.id, data: { cartId: row.id, phone, email } })
        return patch
      }, { linesChange: false })
    },

    async setShippingAddress(cartId, address) {
      const data = parseInput('carts.setShippingAddress', addressSchema, address)
      return change('carts.setShippingAddress', cartId, async () => ({ shipping_address: data === null ? null : JSON.stringify(data) }), { linesChange: false })
    },

    async setNotes(cartId, notes) {
      const data = parseInput('carts.setNotes', notesSchema, notes)
      return change('carts.setNotes', cartId, async () => ({ notes: data || null }), { linesChange: false })
    },

    async setCustomer(cartId, customer) {
      const data = parseInput('carts.setCustomer', setCustomerSchema, customer)
      return change('carts.setCustomer', cartId, async () => ({
        customer_id: data.customerId,
        ...(data.customerGroups ? { customer_groups: JSON.stringify(data.customerGroups) } : {}),
      }), { linesChange: false })
    },

    async setPayment(cartId, input) {
      const data = parseInput('carts.setPayment', setPaymentSchema, input)
      return change('carts.setPayment', cartId, async () => ({ payment_method: data.method }), {
        linesChange: false,
        check(priced) {
          if (data.method === null) return
          const type = deps.payments.method(data.method)?.type
          const payable = priced.delivery && type ? deps.delivery.whyNotPayable(priced.delivery, type) : null
          if (payable) {
            throw new OrdoError('PAYMENT_METHOD_UNAVAILABLE', `Payment method "${data.method}" cannot be used with the chosen delivery: ${payable}.`, {
              details: { method: data.method, reason: payable },
            })
          }
          const why = deps.payments.whyNotOffered(data.method, { amount: priced.breakdown.total, region: priced.region, deliveryType: priced.delivery?.methodType ?? null })
          if (why) {
            throw new OrdoError('PAYMENT_METHOD_UNAVAILABLE', `Payment method "${data.method}" cannot be used for this cart: ${why}.`, {
              details: { method: data.method, reason: why },
            })
          }
        },
      })
    },

    async setDelivery(cartId, input) {
      const cart = parseInput('carts.setDelivery', id, cartId)
      if (input === null) return change('carts.setDelivery', cart, async () => ({ delivery: null }), { linesChange: false })
      const data = parseInput('carts.setDelivery', setDeliverySchema, input) as SetDeliveryInput
      // Couriers are asked outside the transaction; the cart must not change meanwhile.
      const { row, items } = await loadRows(runtime.db, cart)
      const paymentType = row.payment_method === null ? null : (deps.payments.method(row.payment_method)?.type ?? null)
      const choice = await deps.delivery.choose(row, items, data, paymentType)
      return change(
        'carts.setDelivery',
        cart,
        async () => ({ delivery: JSON.stringify(choice), ...(choice.address ? { shipping_address: JSON.stringify(choice.address) } : {}) }),
        // Couriers quoted these lines: a cart changed meanwhile is CONFLICT (quote and choose again).
        { linesChange: false, readAt: { version: Number(row.version), items } },
      )
    },

    async applyCoupon(cartId, code) {
      const normalised = parseInput('carts.applyCoupon', couponSchema, code).toUpperCase()
      return change(
        'carts.applyCoupon',
        cartId,
        async (uow, row) => {
          await couponFailure(uow.db, row, normalised, uow.now)
          const codes: string[] = JSON.parse(row.coupon_codes)
          return codes.includes(normalised) ? {} : { coupon_codes: JSON.stringify([...codes, normalised]) }
        },
        {
          linesChange: false,
          // Priced with the coupon: one that does not apply to this cart is refused with the reason.
          check(priced) {
            const result = priced.breakdown.coupons.find((c) => c.code === normalised)
            if (result && !result.applied) {
              throw new OrdoError('COUPON_REJECTED', `Coupon ${normalised} does not apply to this cart: ${result.reason ?? 'its conditions are not met'}.`, {
                details: { code: normalised, reason: 'not_applicable', explanation: result.reason },
              })
            }
          },
        },
      )
    },

    async redeemPoints(cartId, points) {
      const wanted = parseInput('carts.redeemPoints', redeemPointsSchema, points)
      return change(
        'carts.redeemPoints',
        cartId,
        async (uow, row) => {
          if (wanted > 0) await deps.loyalty.checkRedemption(uow.db, row.customer_id, wanted, uow.now)
          return { points_redeemed: wanted }
        },
        {
          linesChange: false,
          check(priced) {
            if (wanted > 0 && deps.loyalty.settings?.notCombinableWithCoupons && priced.breakdown.coupons.some((c) => c.applied)) {
              throw new OrdoError('VALIDATION', 'Points cannot be redeemed together with a coupon in this shop; remove the coupon first.', {
                details: { command: 'carts.redeemPoints', issues: [{ path: 'points', message: 'not combinable with coupons' }] },
              })
            }
          },
        },
      )
    },

    async removeCoupon(cartId, code) {
      const normalised = parseInput('carts.removeCoupon', couponSchema, code).toUpperCase()
      return change('carts.removeCoupon', cartId, async (_uow, row) => {
        const codes: string[] = JSON.parse(row.coupon_codes)
        return { coupon_codes: JSON.stringify(codes.filter((c) => c !== normalised)) }
      }, { linesChange: false })
    },

    async merge(guestCartId, intoCartId) {
      const guestId = parseInput('carts.merge', id, guestCartId)
      return change('carts.merge', intoCartId, async (uow, into, intoItems) => {
        if (guestId === into.id) throw new OrdoError('VALIDATION', 'A cart cannot be merged into itself.', { details: { cartId: guestId } })
        const guest = await loadRows(uow.db, guestId)
        if (guest.row.status !== 'active') {
          throw new OrdoError('CART_CLOSED', `Cart "${guestId}" is ${guest.row.status}; only an active cart can be merged.`, { details: { cartId: guestId } })
        }
        if (guest.row.currency !== into.currency) {
          throw new OrdoError('CURRENCY_MISMATCH', `Cart "${guestId}" is in ${guest.row.currency} and cart "${into.id}" in ${into.currency}; they cannot be merged.`, {
            details: { from: guest.row.currency, into: into.currency },
          })
        }
        const byVariant = new Map(intoItems.map((i) => [i.variant_id, i]))
        for (const item of guest.items) {
          const existing = byVariant.get(item.variant_id)
          const total = Math.min(maxQuantity, (existing ? Number(existing.quantity) : 0) + Number(item.quantity))
          if (existing) {
            await uow.db.updateTable('ordo_cart_item').set({ quantity: total }).where('id', '=', existing.id).execute()
          } else {
            await uow.db.updateTable('ordo_cart_item').set({ cart_id: into.id }).where('id', '=', item.id).execute()
          }
        }
        await uow.db.deleteFrom('ordo_cart_item').where('cart_id', '=', guestId).execute()
        await uow.db
          .updateTable('ordo_cart')
          .set({ status: 'merged', converted_to: into.id, version: Number(guest.row.version) + 1, updated_at: uow.now.getTime() })
          .where('id', '=', guestId)
          .execute()
        uow.emit({ type: 'cart.merged', aggregateId: guestId, data: { cartId: guestId, intoCartId: into.id, customerId: into.customer_id } })
        const codes = [...new Set([...JSON.parse(into.coupon_codes), ...JSON.parse(guest.row.coupon_codes)])]
        return {
          coupon_codes: JSON.stringify(codes),
          contact_name: into.contact_name ?? guest.row.contact_name,
          contact_phone: into.contact_phone ?? guest.row.contact_phone,
          contact_email: into.contact_email ?? guest.row.contact_email,
          shipping_address: into.shipping_address ?? guest.row.shipping_address,
          channel_source: into.channel_source ?? guest.row.channel_source,
          channel_medium: into.channel_medium ?? guest.row.channel_medium,
          channel_campaign: into.channel_campaign ?? guest.row.channel_campaign,
          landing_page: into.landing_page ?? guest.row.landing_page,
          referrer: into.referrer ?? guest.row.referrer,
          session_id: into.session_id ?? guest.row.session_id ?? null,
        }
      })
    },

    async abandoned(options) {
      const data = parseInput(
        'carts.abandoned',
        z.strictObject({ before: z.date(), limit: z.number().int().min(1).max(1000).optional(), cursor: z.string().max(200).optional() }),
        options,
      )
      let query = runtime.db
        .selectFrom('ordo_cart as c')
        .innerJoin('ordo_cart_item as i', 'i.cart_id', 'c.id')
        .select(['c.id', 'c.customer_id', 'c.contact_name', 'c.contact_phone', 'c.contact_email', 'c.updated_at'])
        .select((eb) => eb.fn.countAll<number>().as('item_count'))
        .where('c.status', '=', 'active')
        .where('c.updated_at', '<', data.before.getTime())
        .where((eb) => eb.or([eb('c.contact_phone', 'is not', null), eb('c.contact_email', 'is not', null)]))
        .groupBy(['c.id', 'c.customer_id', 'c.contact_name', 'c.contact_phone', 'c.contact_email', 'c.updated_at'])
        .orderBy('c.updated_at')
        .orderBy('c.id')
        .limit((data.limit ?? 100) + 1)
      if (data.cursor) {
        const [at, afterId] = decodeCursor(data.cursor)
        query = query.where((eb) => eb.or([eb('c.updated_at', '>', at), eb.and([eb('c.updated_at', '=', at), eb('c.id', '>', afterId)])]))
      }
      const rows = await query.execute()
      const limit = data.limit ?? 100
      const page = rows.slice(0, limit)
      const last = page[page.length - 1]
      return {
        items: page.map((r) => ({
          cartId: r.id,
          customerId: r.customer_id,
          contact: { name: r.contact_name, phone: r.contact_phone, email: r.contact_email },
          itemCount: Number(r.item_count),
          lastActivityAt: new Date(Number(r.updated_at)),
        })),
        nextCursor: rows.length > limit && last ? encodeCursor(Number(last.updated_at), last.id) : null,
      }
    },
  }

  const internal: CartInternal = {
    rows: loadRows,
    pricingContext,
    async markConverted(uow, cartId, orderId) {
      const result = await uow.db
        .updateTable('ordo_cart')
        .set({ status: 'converted', converted_to: orderId, updated_at: uow.now.getTime() })
        .where('id', '=', cartId)
        .where('status', '=', 'active')
        .executeTakeFirst()
      return affected(result) === 1
    },
    async moveCustomer(uow, fromCustomerId, toCustomerId) {
      const result = await uow.db
        .updateTable('ordo_cart')
        .set({ customer_id: toCustomerId, updated_at: uow.now.getTime() })
        .where('customer_id', '=', fromCustomerId)
        .executeTakeFirst()
      return affected(result)
    },
  }

  return { api, internal }
}

/** What the customer was shown: the grand total and each line's unit price and total. */
export interface CartQuote {
  total: number
  lines: Record<string, { sku: string; unitPrice: number; total: number }>
}

/** The compact form of a breakdown kept on the cart, to tell later whether prices changed. */
export function quoteOf(breakdown: PriceBreakdown): CartQuote {
  const lines: CartQuote['lines'] = {}
  for (const line of breakdown.lines) lines[line.lineId] = { sku: line.sku, unitPrice: line.unitPrice, total: line.total }
  return { total: breakdown.total, lines }
}

function encodeCursor(at: number, id: string): string {
  return Buffer.from(`${at}:${id}`).toString('base64url')
}

function decodeCursor(cursor: string): [number, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split(':')
  if (!at || !id || !Number.isFinite(Number(at))) {
    throw new OrdoError('VALIDATION', 'The cursor is not one this query returned.', { details: { cursor } })
  }
  return [Number(at), id]
}

/** What a change hands back to {@link createCartModule}'s `change` besides its patch. */
interface ChangeScratch {
  /** The cart's lines after the change, when the change kept track of them. */
  items?: CartItemTable[]
  /** Variant summaries read in this unit of work, by variant id. */
  variants?: ReadonlyMap<string, VariantSummary>
}

/** The order lines are read in: oldest first, then by id. */
function byAddedAt(a: CartItemTable, b: CartItemTable): number {
  return Number(a.added_at) - Number(b.added_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}
