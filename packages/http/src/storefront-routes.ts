import { OrdoError, toE164, type Clock, type Commerce, type Logger, type Order, type OrderHistoryEntry, type OrderLine, type Payment, type Product, type Shipment, type Variant } from '@ordo/core'
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { MemoryStore, rateLimiter, type Store } from 'hono-rate-limiter'
import { z } from 'zod'
import { base64url } from './api-keys.js'
import { orderAccess } from './order-access.js'
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemBody } from './problem.js'
import { RouteTable } from './route-table.js'
import { commonOptionsSchema, parseRouteOptions, defaultClientIp, mountTable, type CommonRouteOptions } from './router.js'
import * as s from './schemas.js'

/** A rate limit: at most `limit` requests per `windowMs`. */
export interface RateLimit {
  limit: number
  windowMs: number
}

/** Rate limits of the storefront's confirmation-code and order-lookup endpoints. */
export interface StorefrontRateLimits {
  /** Code requests (each sends an SMS) per order. @default 3 per 10 minutes */
  codeRequestsPerOrder?: RateLimit
  /** Code requests per client IP. @default 10 per 10 minutes */
  codeRequestsPerIp?: RateLimit
  /** Code checks per order (the engine also burns a code after `orders.confirmationCode.maxAttempts` wrong tries). @default 10 per 10 minutes */
  codeChecksPerOrder?: RateLimit
  /** Code checks and order look-ups (number + phone) per client IP. @default 30 per 10 minutes */
  checksPerIp?: RateLimit
  /**
   * Failed order look-ups per order number, from any client: many addresses
   * (a botnet) guessing the phone of one order share this allowance. Only
   * look-ups that found nothing count, so guessing cannot lock the customer
   * out of their own order.
   * @default 10 per hour
   */
  lookupsPerOrderNumber?: RateLimit
  /**
   * Failed order look-ups per phone (read as the engine reads it, in E.164, so
   * `+7…`, `8…` and an extension count together), from any client: many
   * addresses guessing the order numbers of one phone share this allowance.
   * @default 10 per hour
   */
  lookupsPerPhone?: RateLimit
  /** Delivery quotes (`POST /carts/:cartId/delivery-quotes`, each may call every courier's API) per client IP. @default 60 per minute */
  deliveryQuotesPerIp?: RateLimit
  /**
   * Where hits are counted, one store per limit (its `name`). The default
   * keeps them in this process's memory: with several processes behind a
   * balancer, pass a shared store (`RedisStore` or `UnstorageStore` of
   * `hono-rate-limiter`).
   */
  store?: (name: string) => Store
}

/** Options of {@link storefrontRoutes}. */
export interface StorefrontRouteOptions extends CommonRouteOptions {
  /**
   * The secret that signs order access tokens (at least 32 characters). A
   * customer sees their order with the token checkout answers (or that
   * `POST /orders/lookup` gives for the order number and phone); keep it the
   * same across processes and restarts.
   */
  orderTokenSecret: string
  /**
   * How long an order access token works after it is issued (checkout and
   * `POST /orders/lookup` issue them), in milliseconds. A token past it is
   * answered `401` with code `ORDER_TOKEN_EXPIRED`; the customer trades the
   * order number and phone for a new one. Tokens issued before tokens had an
   * expiry are answered the same way.
   * @default 2592000000 (30 days)
   */
  orderTokenTtlMs?: number
  /** Where order token expiry reads the time from; pass the engine's clock when tests move time. @default the system clock */
  clock?: Clock
  /**
   * How phones without a country code are read when look-ups are counted per
   * phone: the shop's `cart.defaultCountry`. @default 'RU'
   */
  defaultCountry?: string
  /** Limits of the confirmation-code, look-up and delivery-quote endpoints. */
  rateLimits?: StorefrontRateLimits
  /** Where the routes warn about their set-up (e.g. a client IP that cannot be read). @default console */
  logger?: Pick<Logger, 'warn'>
}

const TEN_MINUTES = 10 * 60_000
const HOUR = 60 * 60_000
const rateLimitSchema = z.strictObject({ limit: z.number().int().positive(), windowMs: z.number().int().positive() })
const optionsSchema = commonOptionsSchema.extend({
  orderTokenSecret: z.string().min(32, 'must be at least 32 characters'),
  // At most ten years: the token carries its expiry in seconds, in at most 12 digits.
  orderTokenTtlMs: z.number().int().positive().max(10 * 365 * 24 * 3_600_000).optional(),
  defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 country code such as RU').optional(),
  clock: z.looseObject({ now: z.function() }).optional(),
  rateLimits: z
    .looseObject({
      codeRequestsPerOrder: rateLimitSchema.optional(),
      codeRequestsPerIp: rateLimitSchema.optional(),
      codeChecksPerOrder: rateLimitSchema.optional(),
      checksPerIp: rateLimitSchema.optional(),
      lookupsPerOrderNumber: rateLimitSchema.optional(),
      lookupsPerPhone: rateLimitSchema.optional(),
      deliveryQuotesPerIp: rateLimitSchema.optional(),
    })
    .optional(),
  logger: z.looseObject({ warn: z.function() }).optional(),
})

/** A variant as the storefront shows it: no purchase cost. */
export type StorefrontVariant = Omit<Variant, 'costPrice'>

/** A product as the storefront shows it: only its active variants, without purchase costs. */
export interface StorefrontProduct extends Omit<Product, 'variants'> {
  /** The active variants in `position` order. */
  variants: StorefrontVariant[]
}

/** An order line as its customer sees it: no purchase cost. */
export type CustomerOrderLine = Omit<OrderLine, 'costPrice'>

/** The order as its customer sees it: no manager, customer id, idempotency key, pricing context or purchase costs. */
export interface CustomerOrderView {
  order: Omit<Order, 'managerId' | 'idempotencyKey' | 'pricingContext' | 'cartId' | 'customerId' | 'lines'> & { lines: CustomerOrderLine[] }
  /** Status changes, oldest first, without who made them. */
  timeline: { from: string; to: string; at: Date }[]
  shipments: Pick<Shipment, 'id' | 'number' | 'direction' | 'status' | 'methodType' | 'carrier' | 'trackingNumber' | 'pickupPoint' | 'slot' | 'storageUntil' | 'codAmount'>[]
  payments: Pick<Payment, 'id' | 'method' | 'status' | 'amount' | 'captured' | 'refunded' | 'currency'>[]
}

/**
 * The storefront API: catalog, carts, checkout, the customer's order page,
 * SMS confirmation and pickup points. Mount it where the shop's pages or
 * app call it; `GET /openapi.json` describes every route.
 *
 * A customer reaches an order with its access token (`x-order-token` header
 * or `?token=`): checkout answers it, and `POST /orders/lookup` trades the
 * order number and the phone it was placed with for it. Tokens expire
 * (`orderTokenTtlMs`, 30 days by default): an expired one is answered `401`
 * with code `ORDER_TOKEN_EXPIRED`, a wrong one `404` like a missing order.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { storefrontRoutes } from '@ordo/http'
 *
 * const app = new Hono()
 * app.route('/api/store', storefrontRoutes(shop, { orderTokenSecret: process.env.ORDER_TOKEN_SECRET! }))
 * ```
 */
export function storefrontRoutes(shop: Commerce, options: StorefrontRouteOptions): Hono {
  parseRouteOptions('storefrontRoutes', optionsSchema, options)
  const access = orderAccess(options.orderTokenSecret, { ...(options.orderTokenTtlMs ? { ttlMs: options.orderTokenTtlMs } : {}), ...(options.clock ? { clock: options.clock } : {}) })
  const clientIp = options.clientIp ?? defaultClientIp
  const defaultCountry = options.defaultCountry ?? 'RU'
  const limits = options.rateLimits ?? {}
  const logger = options.logger ?? console
  let warnedNoIp = false
  /** A limiter per key; `onlyFailures` counts only the requests answered 4xx/5xx (a look-up that found nothing). */
  const limiter = (name: string, limit: RateLimit, key: (c: Context) => string | null, onlyFailures = false): MiddlewareHandler => {
    // Built on the first request: the memory store starts a timer, which some runtimes (workers) forbid at start-up.
    let middleware: MiddlewareHandler | undefined
    return (c, next) => {
      // No key (the client's address is unknown): not counted, rather than every such client sharing one bucket.
      if (key(c) === null) return next()
      return (middleware ??= build(name, limit, (c) => key(c)!, onlyFailures))(c, next)
    }
  }
  const build = (name: string, limit: RateLimit, key: (c: Context) => string, onlyFailures: boolean): MiddlewareHandler =>
    rateLimiter({
      windowMs: limit.windowMs,
      limit: limit.limit,
      skipSuccessfulRequests: onlyFailures,
      standardHeaders: 'draft-6',
      keyGenerator: (c) => `${name}:${key(c)}`,
      store: limits.store?.(name) ?? new MemoryStore(),
      handler: (c) => {
        c.header('content-type', PROBLEM_CONTENT_TYPE)
        return c.body(
          JSON.stringify(problemBody(429, 'RATE_LIMITED', 'Too many requests; try again later.', { details: { limit: name }, instance: new URL(c.req.url).pathname })),
          429,
        )
      },
    }) as MiddlewareHandler
  const byIp = (c: Context): string | null => {
    const ip = clientIp(c)
    if (ip) return ip
    if (!warnedNoIp) {
      warnedNoIp = true
      logger.warn('storefrontRoutes: the client IP address is unknown, so per-IP rate limits are not applied; pass the clientIp option (required outside Node and behind a proxy).', { path: new URL(c.req.url).pathname })
    }
    return null
  }
  const byOrder = (c: Context) => c.req.param('orderId') ?? ''
  const requireOrder = async (c: Context, orderId: string): Promise<void> => {
    const token = c.req.header('x-order-token') ?? c.req.query('token')
    const status = await access.verify(orderId, token)
    if (status === 'valid') return
    // Only a token signed for this very order gets here: saying it expired tells its holder nothing new.
    if (status === 'expired' || status === 'legacy') {
      throw new HttpProblem(401, 'ORDER_TOKEN_EXPIRED', 'This order link has expired; look the order up again by its number and phone.', { reason: status === 'expired' ? 'expired' : 'no_expiry' }, { 'www-authenticate': 'OrderToken error="expired"' })
    }
    // The same answer for a missing order and a wrong token: ids are not to be probed.
    throw new OrdoError('NOT_FOUND', `No order ${orderId} for this token.`, { details: { orderId } })
  }
  // Before the per-order limits: a request without the order's token must not use up its customer's allowance.
  const orderToken: MiddlewareHandler = async (c, next) => {
    await requireOrder(c, c.req.param('orderId') ?? '')
    await next()
  }
  const checksPerIp = limiter('checks-per-ip', limits.checksPerIp ?? { limit: 30, windowMs: TEN_MINUTES }, byIp)
  // The look-up's number and phone, read from the body before the route's validation (which reads the same cached text).
  const lookupKeys: MiddlewareHandler = async (c, next) => {
    let number: string | null = null
    let phone: string | null = null
    try {
      const body = s.lookupBody.safeParse(JSON.parse(await c.req.text()))
      if (body.success) {
        number = body.data.number.toUpperCase()
        // The phone as the engine matches it; text that is no phone number still counts, as itself.
        phone = toE164(body.data.phone, defaultCountry) ?? body.data.phone.trim().toLowerCase()
      }
    } catch {
      // Not JSON.
    }
    // A body the route refuses (400, 415) never reaches the engine: nothing to count against the order or phone.
    c.set('lookupKeys', { number, phone })
    await next()
  }
  const lookupKey = (field: 'number' | 'phone') => (c: Context) => (c.get('lookupKeys') as { number: string | null; phone: string | null } | undefined)?.[field] ?? null
  const lookupLimits = [
    checksPerIp,
    lookupKeys,
    // Only look-ups that found nothing count per number and per phone: guessing cannot lock a customer out of their own order.
    limiter('lookups-per-order-number', limits.lookupsPerOrderNumber ?? { limit: 10, windowMs: HOUR }, lookupKey('number'), true),
    limiter('lookups-per-phone', limits.lookupsPerPhone ?? { limit: 10, windowMs: HOUR }, lookupKey('phone'), true),
  ]
  const codeRequestLimits = [
    limiter('code-requests-per-ip', limits.codeRequestsPerIp ?? { limit: 10, windowMs: TEN_MINUTES }, byIp),
    orderToken,
    limiter('code-requests-per-order', limits.codeRequestsPerOrder ?? { limit: 3, windowMs: TEN_MINUTES }, byOrder),
  ]
  const codeCheckLimits = [checksPerIp, orderToken, limiter('code-checks-per-order', limits.codeChecksPerOrder ?? { limit: 10, windowMs: TEN_MINUTES }, byOrder)]
  const quoteLimits = [limiter('delivery-quotes-per-ip', limits.deliveryQuotesPerIp ?? { limit: 60, windowMs: 60_000 }, byIp)]
  const orderHeader = { name: 'x-order-token', description: 'The order access token (or `?token=`).', required: false }
  const t = new RouteTable()

  // Catalog
  t.add(
    { method: 'get', path: '/products', operationId: 'listProducts', summary: 'Products, a page at a time', tag: 'catalog', query: s.productQuery, success: { status: 200, description: '`{ items, nextCursor }`.' } },
    async ({ query }) => {
      const page = await shop.catalog.listProducts({ ...query, status: 'active' })
      return { items: page.items.map(storefrontProduct), nextCursor: page.nextCursor }
    },
  )
  t.add(
    { method: 'get', path: '/products/:product', operationId: 'getProduct', summary: 'A product with its variants, by id or handle', tag: 'catalog', params: z.object({ product: s.key }), success: { status: 200, description: 'The product.' }, problems: [404] },
    async ({ params }) => {
      const product = await shop.catalog.getProduct(params.product)
      if (!product || product.status !== 'active') throw new OrdoError('NOT_FOUND', `No product ${params.product}.`, { details: { product: params.product } })
      return storefrontProduct(product)
    },
  )
  t.add(
    { method: 'get', path: '/categories', operationId: 'categoryTree', summary: 'Every category as a tree', tag: 'catalog', success: { status: 200, description: 'Root categories with their children.' } },
    async () => shop.catalog.categoryTree(),
  )

  // Carts
  const cartParams = z.object({ cartId: s.key })
  const cartRoute = (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, operationId: string, summary: string) =>
    ({ method, path, operationId, summary, tag: 'carts', params: cartParams, success: { status: 200 as const, description: 'The cart, priced now.' }, problems: [404, 409, 422] })
  t.add(
    { method: 'post', path: '/carts', operationId: 'createCart', summary: 'Creates a guest cart, recording where the visitor came from', tag: 'carts', body: s.createCartBody, success: { status: 201, description: 'The new cart.' }, problems: [422] },
    async ({ body }) => shop.carts.create(body ?? {}),
  )
  t.add(cartRoute('get', '/carts/:cartId', 'getCart', 'The cart with its price breakdown'), async ({ params }) => shop.carts.get(params.cartId))
  t.add({ ...cartRoute('post', '/carts/:cartId/items', 'addCartItem', 'Adds a SKU (to its line when already there)'), body: s.addItemBody }, async ({ params, body }) => shop.carts.addItem(params.cartId, body))
  t.add(
    { ...cartRoute('patch', '/carts/:cartId/items/:lineId', 'setCartItemQuantity', "Sets a line's quantity"), params: cartParams.extend({ lineId: s.key }), body: s.quantityBody },
    async ({ params, body }) => shop.carts.setQuantity(params.cartId, { lineId: params.lineId, quantity: body.quantity }),
  )
  t.add(
    { ...cartRoute('delete', '/carts/:cartId/items/:lineId', 'removeCartItem', 'Drops a line'), params: cartParams.extend({ lineId: s.key }) },
    async ({ params }) => shop.carts.removeItem(params.cartId, { lineId: params.lineId }),
  )
  t.add({ ...cartRoute('post', '/carts/:cartId/coupons', 'applyCoupon', 'Applies a coupon code'), body: s.couponBody }, async ({ params, body }) => shop.carts.applyCoupon(params.cartId, body.code))
  t.add(
    { ...cartRoute('delete', '/carts/:cartId/coupons/:code', 'removeCoupon', 'Takes a coupon off'), params: cartParams.extend({ code: s.key }) },
    async ({ params }) => shop.carts.removeCoupon(params.cartId, params.code),
  )
  t.add({ ...cartRoute('put', '/carts/:cartId/points', 'redeemPoints', 'Redeems loyalty points (0 removes them)'), body: s.pointsBody }, async ({ params, body }) => shop.carts.redeemPoints(params.cartId, body.points))
  t.add({ ...cartRoute('put', '/carts/:cartId/contact', 'setCartContact', 'Sets name, phone and e-mail'), body: s.contactBody }, async ({ params, body }) => shop.carts.setContact(params.cartId, body))
  t.add({ ...cartRoute('put', '/carts/:cartId/address', 'setCartAddress', 'Sets (or, with null, clears) the delivery address'), body: s.addressBody }, async ({ params, body }) => shop.carts.setShippingAddress(params.cartId, body))
  t.add({ ...cartRoute('put', '/carts/:cartId/notes', 'setCartNotes', "Sets the customer's comment"), body: s.notesBody }, async ({ params, body }) => shop.carts.setNotes(params.cartId, body.notes))
  t.add(
    { ...cartRoute('post', '/carts/:cartId/delivery-quotes', 'quoteDelivery', 'Delivery options for the cart to a destination, from every courier (rate limited per client)'), body: s.quoteBody, success: { status: 200, description: '`{ options, failures, parcels }`.' }, problems: [404, 409, 422, 429] },
    async ({ params, body }) => shop.delivery.quote(params.cartId, body.destination, body.options ?? {}),
    quoteLimits,
  )
  t.add({ ...cartRoute('put', '/carts/:cartId/delivery', 'setCartDelivery', 'Chooses a delivery option (null clears it)'), body: s.deliveryBody }, async ({ params, body }) => shop.carts.setDelivery(params.cartId, body))
  t.add(
    { ...cartRoute('get', '/carts/:cartId/payment-methods', 'cartPaymentMethods', "Payment methods offered for the cart's total, region and delivery"), success: { status: 200, description: 'The methods.' } },
    async ({ params }) => {
      const cart = await shop.carts.get(params.cartId)
      return shop.payments.methods({ amount: cart.breakdown.total, region: cart.region, deliveryType: cart.delivery?.methodType ?? null })
    },
  )
  t.add({ ...cartRoute('put', '/carts/:cartId/payment', 'setCartPayment', 'Chooses the payment method (null: pay after confirmation)'), body: s.paymentBody }, async ({ params, body }) => shop.carts.setPayment(params.cartId, { method: body.method }))

  // Checkout and the customer's order
  t.add(
    {
      method: 'post',
      path: '/carts/:cartId/checkout',
      operationId: 'placeOrder',
      summary: 'Places the order; a retry with the same Idempotency-Key answers the same order',
      tag: 'checkout',
      params: cartParams,
      body: s.checkoutBody,
      headers: [{ name: 'idempotency-key', description: "The client's key for this attempt (8–128 characters).", required: true }],
      success: { status: 201, description: '`{ order, accessToken }`: the order as its customer sees it and the token to see it again.' },
      problems: [404, 409, 422],
    },
    async ({ params, body, c }) => {
      const idempotencyKey = s.idempotencyKey.safeParse(c.req.header('idempotency-key'))
      if (!idempotencyKey.success) throw s.headerProblem('idempotency-key', '8 to 128 visible characters are required')
      // Scoped to the cart: a key another visitor already used cannot reach their order.
      const order = await shop.checkout.placeOrder(params.cartId, { idempotencyKey: await scopedKey(params.cartId, idempotencyKey.data, 191), acceptPriceChanges: body?.acceptPriceChanges ?? false })
      return { order: customerOrder(order), accessToken: await access.token(order.id) }
    },
  )
  t.add(
    {
      method: 'post',
      path: '/orders/lookup',
      operationId: 'lookupOrder',
      summary: "Trades an order's number and the phone it was placed with for a new access token (rate limited per client, per order number and per phone)",
      tag: 'orders',
      body: s.lookupBody,
      success: { status: 200, description: '`{ orderId, number, accessToken }`.' },
      problems: [404, 429],
    },
    async ({ body }) => {
      const { items } = await shop.orders.list({ number: body.number, phone: body.phone, limit: 1 })
      const order = items[0]
      if (!order) throw new OrdoError('NOT_FOUND', `No order ${body.number} for this phone.`, { details: { number: body.number } })
      return { orderId: order.id, number: order.number, accessToken: await access.token(order.id) }
    },
    lookupLimits,
  )
  const orderParams = z.object({ orderId: s.key })
  t.add(
    { method: 'get', path: '/orders/:orderId', operationId: 'getCustomerOrder', summary: 'The order with its timeline, shipments and payments', tag: 'orders', params: orderParams, headers: [orderHeader], query: s.tokenQuery, success: { status: 200, description: 'The order as its customer sees it.' }, problems: [401, 404] },
    async ({ params }) => {
      const [view, shipments, payments] = await Promise.all([shop.orders.view(params.orderId), shop.shipments.forOrder(params.orderId), shop.payments.forOrder(params.orderId)])
      const result: CustomerOrderView = {
        order: customerOrder(view.order),
        timeline: view.history.map((h: OrderHistoryEntry) => ({ from: h.from, to: h.to, at: h.at })),
        shipments: shipments.map((x) => ({ id: x.id, number: x.number, direction: x.direction, status: x.status, methodType: x.methodType, carrier: x.carrier, trackingNumber: x.trackingNumber, pickupPoint: x.pickupPoint, slot: x.slot, storageUntil: x.storageUntil, codAmount: x.codAmount })),
        payments: payments.payments.map((p) => ({ id: p.id, method: p.method, status: p.status, amount: p.amount, captured: p.captured, refunded: p.refunded, currency: p.currency })),
      }
      return result
    },
    [orderToken],
  )
  t.add(
    {
      method: 'post',
      path: '/orders/:orderId/payments',
      operationId: 'startPayment',
      summary: 'Starts paying the order (card: answers the provider page to send the customer to)',
      tag: 'orders',
      params: orderParams,
      headers: [orderHeader, { name: 'idempotency-key', description: "The client's key for this attempt.", required: true }],
      query: s.tokenQuery,
      body: s.startPaymentBody,
      success: { status: 201, description: 'The payment; `confirmationUrl` when the customer must go to the provider.' },
      problems: [401, 404, 409, 422, 502],
    },
    async ({ params, body, c }) => {
      const idempotencyKey = s.idempotencyKey.safeParse(c.req.header('idempotency-key'))
      if (!idempotencyKey.success) throw s.headerProblem('idempotency-key', '8 to 128 visible characters are required')
      const payment = await shop.payments.start(params.orderId, { method: body.method, ...(body.returnUrl ? { returnUrl: body.returnUrl } : {}), idempotencyKey: await scopedKey(params.orderId, idempotencyKey.data, 150) })
      return { id: payment.id, status: payment.status, amount: payment.amount, currency: payment.currency, confirmationUrl: payment.confirmationUrl }
    },
    [orderToken],
  )
  t.add(
    { method: 'post', path: '/orders/:orderId/confirmation-code', operationId: 'requestConfirmationCode', summary: "Sends an SMS code to the order's phone (rate limited per order and per client)", tag: 'orders', params: orderParams, headers: [orderHeader], query: s.tokenQuery, success: { status: 201, description: '`{ phone, expiresAt }`: where the code went and until when it works.' }, problems: [401, 404, 409, 429] },
    async ({ params }) => {
      const request = await shop.orders.requestConfirmationCode(params.orderId)
      return { phone: maskPhone(request.phone), expiresAt: request.expiresAt }
    },
    codeRequestLimits,
  )
  t.add(
    { method: 'post', path: '/orders/:orderId/confirm', operationId: 'confirmByCode', summary: 'Confirms the order with the SMS code (rate limited per order and per client)', tag: 'orders', params: orderParams, headers: [orderHeader], query: s.tokenQuery, body: s.codeBody, success: { status: 200, description: '`{ ok: true, order }`, or `{ ok: false, reason, attemptsLeft }`.' }, problems: [401, 404, 409, 429] },
    async ({ params, body }) => {
      const result = await shop.orders.confirmByCode(params.orderId, body.code)
      return result.ok ? { ok: true, order: customerOrder(result.order) } : result
    },
    codeCheckLimits,
  )

  // Pickup points
  t.add(
    { method: 'get', path: '/pickup-points', operationId: 'pickupPoints', summary: "Carriers' pickup points and lockers, and the shop's showrooms", tag: 'delivery', query: s.pickupPointsQuery, success: { status: 200, description: 'The points, nearest first with `lat`/`lon`.' } },
    async ({ query }) => shop.delivery.pickupPoints(s.toPickupPointsQuery(query)),
  )

  const app = new Hono()
  mountTable(app, t, options, { title: 'Ordo storefront API', description: 'Catalog, carts, checkout, order status and confirmation for shoppers.' }, undefined, 'public')
  return app
}

function customerOrder(order: Order): CustomerOrderView['order'] {
  const { managerId: _m, idempotencyKey: _i, pricingContext: _p, cartId: _c, customerId: _u, lines, ...rest } = order
  return { ...rest, lines: lines.map(({ costPrice: _cost, ...line }) => line) }
}

/**
 * A client's idempotency key scoped to the cart or order it is for
 * (`storefront:<id>:<key>`); when that is longer than the engine takes
 * (`max`), the client's part is replaced by its SHA-256.
 */
async function scopedKey(scope: string, key: string, max: number): Promise<string> {
  const plain = `storefront:${scope}:${key}`
  if (plain.length <= max) return plain
  return `storefront:${scope}:#${base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key))))}`
}

function storefrontProduct(product: Product): StorefrontProduct {
  const { variants, ...rest } = product
  return { ...rest, variants: variants.filter((v) => v.status === 'active').map(({ costPrice: _cost, ...variant }) => variant) }
}

function maskPhone(phone: string): string {
  return phone.length > 6 ? `${phone.slice(0, 3)}${'*'.repeat(phone.length - 5)}${phone.slice(-2)}` : phone
}

