import type { CarrierStatus, Commerce, Cart, Clock, DeliveryChoice, DeliveryQuote, LoyaltyBalance, LoyaltyConfig, Shipment } from '@ordo/core'
import { CALL_OUTCOMES, CARRIER_STATUSES, isOrdoError, OWN_COURIER, SHOWROOM, type CallOutcome, type Payment } from '@ordo/core'
import { Hono, type Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { rub } from './format.js'
import { attributeLabel, groupLabel, languages, optionLabel, paymentLabel, statusLabel, t } from './i18n.js'
import { PaymentsPanel, REASON_LABELS, TransitionButtons } from './admin-views.js'
import { InvoiceBuyerFields, InvoiceDocument, OrderInvoices } from './invoice-views.js'
import { Layout } from './layout.js'
import { ChosenDelivery, DeliveryPicker, ShipmentPanel, ShipmentsForCustomer, userMessage } from './delivery-views.js'
import { settle } from './background.js'
import { registerCustomerPages } from './customer-pages.js'
import { registerReportPages } from './reports-page.js'
import type { SmsCallback } from './sms-config.js'
import type { DemoKept } from './delivery-config.js'
import { CartPoints, isPoints, MessagesPanel, OrderPoints, points, pointsDiscount, pointsError, Statement } from './loyalty-views.js'

const CART_COOKIE = 'ordo_cart'
/** The storefront session: renewed by every page view, it ends after half an hour without one. */
const SESSION_COOKIE = 'ordo_session'
const SESSION_SECONDS = 30 * 60
/** The visitor across sessions, for attribution and experiments: kept a year. */
const VISITOR_COOKIE = 'ordo_visitor'
const VISITOR_SECONDS = 365 * 86_400
/** Requests that are not storefront page views: the back office, providers' webhooks, the payment return hop. */
const UNTRACKED = /^\/(admin|webhooks|payment)(\/|$)/


/** Options of {@link createApp}. */
export interface AppOptions {
  /** Where customers reach the shop (for the payment provider's return link). @default http://localhost:3000 */
  publicUrl?: string
  /** Demo mode: deliver the payment provider's notification about a payment (a fake cannot call us). */
  deliverDemoNotification?: (providerPaymentId: string) => Promise<void>
  /** Demo mode: move a carrier's shipment on at the (fake) carrier, as if the parcel travelled; `kept` is what the customer kept on a partial buyout. */
  advanceDemoShipment?: (shipment: Shipment, status: CarrierStatus, kept?: DemoKept[]) => Promise<void>
  /** The points programme the shop runs (the `loyalty` object given to `createCommerce`), to show its rules; without it the pages show no points. */
  loyalty?: LoyaltyConfig
  /**
   * Demo mode: the SMS operator reports the outcome of an SMS at the (fake)
   * gateway; returns the delivery callback the gateway would post, which the
   * app hands to `shop.notify.handleCallback()`.
   */
  reportDemoSms?: (providerMessageId: string, outcome: 'delivered' | 'failed') => Promise<SmsCallback>
  /** Demo mode: the shop's clock (the one given to `createCommerce`), which the back office may move forward. */
  demoClock?: Clock & { advance(ms: number): unknown }
}

/** A confirmation call's outcome as the back office reads it. */
const CALL_OUTCOME_LABELS: Record<CallOutcome, string> = {
  confirmed: 'подтвердил заказ',
  no_answer: 'не ответил',
  call_back_later: 'просил перезвонить',
}

/** A form the back office cannot act on (a missing amount): shown on the page like an engine's refusal. */
class FormError extends Error {}

const DAY = 86_400_000
/** How far the back office's demo button moves the clock: past the 14-day return window. */
const DEMO_CLOCK_DAYS = 15

/** The example shop's web app: catalog, product pages, cart, checkout, order pages and a back office. */
export function createApp(shop: Commerce, options: AppOptions = {}): Hono {
  const app = new Hono()
  app.use(...languages())
  const publicUrl = options.publicUrl ?? 'http://localhost:3000'
  const now = () => options.demoClock?.now() ?? new Date()

  // The session (and visitor) of each request, once its cookies are read or set.
  const sessions = new WeakMap<Request, string>()
  function sessionOf(c: Context): string {
    const known = sessions.get(c.req.raw)
    if (known) return known
    const sessionId = getCookie(c, SESSION_COOKIE) || crypto.randomUUID()
    setCookie(c, SESSION_COOKIE, sessionId, { path: '/', httpOnly: true, sameSite: 'Lax', maxAge: SESSION_SECONDS })
    if (!getCookie(c, VISITOR_COOKIE)) setCookie(c, VISITOR_COOKIE, crypto.randomUUID(), { path: '/', httpOnly: true, sameSite: 'Lax', maxAge: VISITOR_SECONDS })
    sessions.set(c.req.raw, sessionId)
    return sessionId
  }
  /** The UTM tags of the request's address, or undefined when it has none. */
  function utm(c: Context) {
    const source = c.req.query('utm_source')
    if (!source) return undefined
    return { source, medium: c.req.query('utm_medium') ?? null, campaign: c.req.query('utm_campaign') ?? null }
  }
  // Every storefront page shown is a visit (the engine queues them and writes them in batches).
  app.use(async (c, next) => {
    if (c.req.method !== 'GET' || UNTRACKED.test(c.req.path)) return next()
    const sessionId = sessionOf(c)
    await next()
    if (c.res.status !== 200 || !c.res.headers.get('content-type')?.startsWith('text/html')) return
    const referrer = c.req.header('referer')
    const external = referrer && URL.canParse(referrer) && new URL(referrer).host !== new URL(c.req.url).host ? referrer : null
    const channel = utm(c)
    await shop.tracking.visit({
      sessionId,
      visitorId: getCookie(c, VISITOR_COOKIE) ?? null,
      landing: c.req.path,
      referrer: external,
      ...(channel ? { channel } : {}),
    })
  })

  async function currentCart(c: Context, create: boolean): Promise<Cart | undefined> {
    const id = getCookie(c, CART_COOKIE)
    if (id) {
      const cart = await shop.carts.get(id).catch(() => undefined)
      if (cart && cart.status === 'active') return cart
    }
    if (!create) return undefined
    // The cart takes its channel from the session's visits (the engine credits the last non-direct one).
    const channel = utm(c)
    const cart = await shop.carts.create({
      sessionId: sessionOf(c),
      ...(channel ? { channel: { ...channel, landingPage: c.req.path, referrer: c.req.header('referer') ?? null } } : {}),
    })
    setCookie(c, CART_COOKIE, cart.id, { path: '/', httpOnly: true, sameSite: 'Lax' })
    return cart
  }
  const count = (cart: Cart | undefined) => cart?.items.reduce((n, i) => n + i.quantity, 0) ?? 0
  const carrierNames = (): Record<string, string> => ({
    [OWN_COURIER]: t('carrier.own'),
    [SHOWROOM]: t('carrier.showroom'),
    ...Object.fromEntries(shop.delivery.couriers().map((c) => [c.id, c.name])),
  })
  const cartLink = (params: Record<string, string | undefined>) => {
    const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => Boolean(e[1])))
    return `/cart${query.size > 0 ? `?${query}` : ''}`
  }

  app.get('/', async (c) => {
    const [tree, attributes] = await Promise.all([shop.catalog.categoryTree(), shop.catalog.attributes()])
    const categoryId = c.req.query('category') || undefined
    // Every filterable option attribute is a filter; several values of one attribute mean "any of them".
    const filters = attributes.filter((a) => a.filterable && a.type === 'option')
    const chosen: Record<string, string[]> = {}
    for (const attribute of filters) {
      const values = (c.req.queries(attribute.code) ?? []).filter((v) => attribute.options.includes(v))
      if (values.length > 0) chosen[attribute.code] = values
    }
    const page = await shop.catalog.listProducts({
      ...(categoryId ? { categoryId, includeSubcategories: true } : {}),
      ...(Object.keys(chosen).length > 0 ? { attributes: chosen } : {}),
      limit: 60,
    })
    const skus = page.items.flatMap((p) => p.variants.filter((v) => v.status === 'active').map((v) => v.sku))
    const prices = skus.length ? await shop.catalog.resolvePrices(skus, { currency: 'RUB' }) : []
    const priceBySku = new Map(prices.map((p) => [p.sku, p]))
    const cart = await currentCart(c, false)
    const filterQuery = new URLSearchParams(Object.entries(chosen).flatMap(([code, values]) => values.map((v): [string, string] => [code, v])))
    const categoryLink = (id: string | null) => {
      const query = new URLSearchParams(filterQuery)
      if (id) query.set('category', id)
      return `/${query.size > 0 ? `?${query}` : ''}`
    }
    const current = (id: string) => (id === categoryId ? 'current' : undefined)
    return c.html(
      <Layout title={t('catalog.title')} cartCount={count(cart)}>
        <h1>{t('catalog.title')}</h1>
        <nav class="categories" data-categories>
          <a href={categoryLink(null)} class={categoryId ? undefined : 'current'}>
            {t('catalog.all')}
          </a>
          {tree.map((node) => (
            <span class="category-group">
              <a href={categoryLink(node.id)} class={current(node.id)} data-category={node.slug}>
                <strong>{node.name}</strong>
              </a>
              {node.children.map((child) => (
                <a href={categoryLink(child.id)} class={current(child.id)} data-category={child.slug}>
                  {child.name}
                </a>
              ))}
            </span>
          ))}
        </nav>
        <form method="get" class="filters" data-filters>
          {categoryId ? <input type="hidden" name="category" value={categoryId} /> : null}
          {filters.map((attribute) => (
            <fieldset data-filter={attribute.code}>
              <legend>{attributeLabel(attribute)}</legend>
              {attribute.options.map((value) => (
                <label>
                  <input type="checkbox" name={attribute.code} value={value} checked={chosen[attribute.code]?.includes(value) ?? false} /> {optionLabel(attribute.code, value)}
                </label>
              ))}
            </fieldset>
          ))}
          <button>{t('catalog.show')}</button> {Object.keys(chosen).length > 0 ? <a href={categoryId ? `/?category=${categoryId}` : '/'}>{t('catalog.reset')}</a> : null}
        </form>
        <p class="muted" data-found={page.items.length}>
          {page.items.length === 0 ? t('catalog.empty') : t('catalog.found', { n: page.items.length })}
        </p>
        <div class="grid">
          {page.items.map((product) => {
            const offers = product.variants.flatMap((v) => {
              const p = priceBySku.get(v.sku)
              return p && p.amount !== null ? [{ amount: p.amount, compareAt: p.compareAt }] : []
            })
            const cheapest = offers.sort((a, b) => a.amount - b.amount)[0]
            return (
              <div class="card" data-product={product.handle}>
                <a href={`/p/${product.handle}`}>
                  <strong>{product.name}</strong>
                </a>
                <div class="muted">{t('catalog.variants', { n: product.variants.length })}</div>
                {cheapest ? (
                  <div>
                    <span class="price">{t('catalog.from', { price: rub(cheapest.amount) })}</span>
                    {cheapest.compareAt ? <span class="old">{rub(cheapest.compareAt)}</span> : null}
                  </div>
                ) : (
                  <div class="muted">{t('catalog.noPrice')}</div>
                )}
              </div>
            )
          })}
        </div>
      </Layout>,
    )
  })

  app.get('/p/:handle', async (c) => {
    const product = await shop.catalog.getProduct(c.req.param('handle'))
    if (!product) return c.notFound()
    const active = product.variants.filter((v) => v.status === 'active')
    const [prices, stock] = await Promise.all([
      shop.catalog.resolvePrices(active.map((v) => v.sku), { currency: 'RUB' }),
      shop.inventory.availability(active.map((v) => v.id)),
    ])
    const priceBySku = new Map(prices.map((p) => [p.sku, p]))
    const stockById = new Map(stock.map((s) => [s.variantId, s]))
    const cart = await currentCart(c, false)
    return c.html(
      <Layout title={product.name} cartCount={count(cart)}>
        <h1>{product.name}</h1>
        {product.description ? <p>{product.description}</p> : null}
        <table>
          <thead>
            <tr>
              <th>{t('product.variant')}</th>
              <th>{t('product.sku')}</th>
              <th class="num">{t('product.price')}</th>
              <th class="num">{t('product.stock')}</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {active.map((variant) => {
              const price = priceBySku.get(variant.sku)
              const s = stockById.get(variant.id)
              return (
                <tr>
                  <td>{variant.name ?? product.name}</td>
                  <td class="muted">{variant.sku}</td>
                  <td class="num">
                    {price?.amount != null ? rub(price.amount) : '—'}
                    {price?.compareAt ? <span class="old">{rub(price.compareAt)}</span> : null}
                  </td>
                  <td class="num">{s?.unlimited ? t('product.toOrder') : (s?.available ?? 0)}</td>
                  <td>
                    <form class="inline" method="post" action="/cart/add">
                      <input type="hidden" name="sku" value={variant.sku} />
                      <input type="number" name="quantity" value="1" min="1" style="width:70px" />{' '}
                      <button>{t('product.add')}</button>
                    </form>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </Layout>,
    )
  })

  app.post('/cart/add', async (c) => {
    const form = await c.req.parseBody()
    const cart = await currentCart(c, true)
    try {
      await shop.carts.addItem(cart!.id, { sku: String(form.sku), quantity: Number(form.quantity ?? 1) })
    } catch (error) {
      if (!isOrdoError(error)) throw error
      return c.redirect(`/cart?error=${encodeURIComponent(error.message)}`)
    }
    return c.redirect('/cart')
  })

  app.post('/cart/remove', async (c) => {
    const form = await c.req.parseBody()
    const cart = await currentCart(c, false)
    if (cart) await shop.carts.removeItem(cart.id, { lineId: String(form.lineId) })
    return c.redirect('/cart')
  })

  app.post('/cart/coupon', async (c) => {
    const form = await c.req.parseBody()
    const cart = await currentCart(c, true)
    try {
      await shop.carts.applyCoupon(cart!.id, String(form.code ?? ''))
    } catch (error) {
      if (!isOrdoError(error)) throw error
      return c.redirect(`/cart?error=${encodeURIComponent(error.message)}`)
    }
    return c.redirect('/cart')
  })

  /**
   * The customer owning this phone (E.164), created with the name given when
   * nobody does. The demo has no accounts: the phone is the customer, so the
   * same phone on the next order finds its points and its history. A real
   * shop would confirm the phone (an SMS code) before showing or spending points.
   */
  async function customerFor(contact: Cart['contact'] & { phone: string }): Promise<string> {
    const { phone, name, email } = contact
    const found = await shop.customers.findByContact({ phone })
    if (found) {
      // Known by the phone alone so far (points looked up in the cart): checkout gives the name.
      if (found.name === null && name) await shop.customers.update(found.id, { name, actor: 'customer' })
      return found.id
    }
    try {
      return (await shop.customers.create({ phones: [phone], ...(email ? { emails: [email] } : {}), ...(name ? { name } : {}), actor: 'customer' })).id
    } catch (error) {
      if (!isOrdoError(error, 'DUPLICATE')) throw error
      // Another request made them a moment ago, or the e-mail is someone else's: the phone decides.
      const owner = await shop.customers.findByContact({ phone })
      if (owner) return owner.id
      return (await shop.customers.create({ phones: [phone], ...(name ? { name } : {}), actor: 'customer' })).id
    }
  }
  // The cart belongs to the customer who gave its phone.
  async function attachCustomer(cart: Cart): Promise<Cart> {
    const phone = cart.contact.phone
    const customerId = phone ? await customerFor({ ...cart.contact, phone }) : null
    if (!customerId || customerId === cart.customerId) return cart
    return shop.carts.setCustomer(cart.id, { customerId })
  }

  app.post('/cart/customer', async (c) => {
    const form = await c.req.parseBody()
    const cart = await currentCart(c, false)
    if (!cart) return c.redirect('/cart')
    try {
      await attachCustomer(await shop.carts.setContact(cart.id, { phone: String(form.phone ?? '').trim() || null }))
    } catch (error) {
      if (!isOrdoError(error)) throw error
      return c.redirect(`/cart?error=${encodeURIComponent(error.message)}`)
    }
    return c.redirect('/cart')
  })

  app.post('/cart/points', async (c) => {
    const form = await c.req.parseBody()
    const cart = await currentCart(c, false)
    if (!cart) return c.redirect('/cart')
    const wanted = Number(String(form.points ?? '').trim() || 0)
    if (!Number.isInteger(wanted) || wanted < 0) return c.redirect(`/cart?error=${encodeURIComponent(t('points.wholeNumber'))}`)
    try {
      await shop.carts.redeemPoints(cart.id, wanted)
    } catch (error) {
      if (!isOrdoError(error)) throw error
      return c.redirect(`/cart?error=${encodeURIComponent(pointsError(error))}`)
    }
    return c.redirect('/cart')
  })

  app.get('/cart', async (c) => {
    const cart = await currentCart(c, false)
    const error = c.req.query('error')
    const b = cart?.breakdown
    const methods = cart && b ? await shop.payments.methods({ amount: b.total, region: cart.region }) : []
    const city = c.req.query('city') ?? cart?.delivery?.destination.city ?? ''
    const postalCode = c.req.query('postalCode') ?? cart?.delivery?.destination.postalCode ?? ''
    const balance: LoyaltyBalance | null = cart?.customerId && options.loyalty ? await shop.loyalty.balance(cart.customerId) : null
    let quote: DeliveryQuote | null = null
    let quoteError: string | null = null
    if (cart && cart.items.length > 0 && city.trim()) {
      try {
        quote = await shop.delivery.quote(cart.id, { city: city.trim(), ...(postalCode.trim() ? { postalCode: postalCode.trim() } : {}) })
      } catch (error) {
        if (!isOrdoError(error)) throw error
        quoteError = userMessage(error)
      }
    }
    return c.html(
      <Layout title={t('cart.title')} cartCount={count(cart)}>
        <h1>{t('cart.title')}</h1>
        {error ? <p class="error">{error}</p> : null}
        {!cart || cart.items.length === 0 || !b ? (
          <p>
            {t('cart.empty')} <a href="/">{t('cart.toCatalog')}</a>
          </p>
        ) : (
          <>
            <table>
              <thead>
                <tr>
                  <th>{t('cart.item')}</th>
                  <th class="num">{t('cart.price')}</th>
                  <th class="num">{t('cart.qty')}</th>
                  <th>{t('cart.discounts')}</th>
                  <th class="num">{t('cart.vat')}</th>
                  <th class="num">{t('cart.sum')}</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {b.lines.map((line) => (
                  <tr>
                    <td>
                      {line.name} <span class="muted">{line.sku}</span>
                    </td>
                    <td class="num">{rub(line.unitPrice)}</td>
                    <td class="num">{line.quantity}</td>
                    <td>
                      {line.discounts.map((d) => (
                        <div class="muted">
                          {isPoints(d.source) ? t('points.discountLabel') : d.source.name}: −{rub(d.amount)}
                        </div>
                      ))}
                    </td>
                    <td class="num">{rub(line.vatAmount)}</td>
                    <td class="num">{rub(line.total)}</td>
                    <td>
                      {line.gift ? null : (
                        <form class="inline" method="post" action="/cart/remove">
                          <input type="hidden" name="lineId" value={line.lineId} />
                          <button>×</button>
                        </form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <td colspan={5}>{t('cart.goods')}</td>
                  <td class="num">{rub(b.subtotal)}</td>
                  <td></td>
                </tr>
                <tr>
                  <td colspan={5}>{t('cart.discounts')}</td>
                  <td class="num">−{rub(b.discountTotal)}</td>
                  <td></td>
                </tr>
                {cart.pointsRedeemed > 0 ? (
                  <tr data-points-discount={pointsDiscount(cart)}>
                    <td colspan={5}>{t('points.paidInCart', { points: points(cart.pointsRedeemed) })}</td>
                    <td class="num">−{rub(pointsDiscount(cart))}</td>
                    <td></td>
                  </tr>
                ) : null}
                {b.delivery ? (
                  <tr data-delivery-total={b.delivery.total}>
                    <td colspan={5}>
                      {t('cart.delivery')}
                      {cart.delivery ? ` (${cart.delivery.carrierName})` : ''}
                    </td>
                    <td class="num">{b.delivery.total === 0 ? t('cart.free') : rub(b.delivery.total)}</td>
                    <td></td>
                  </tr>
                ) : null}
                <tr>
                  <td colspan={5}>{t('cart.vatIncluded')}</td>
                  <td class="num">{rub(b.vatTotal)}</td>
                  <td></td>
                </tr>
                <tr>
                  <th colspan={5}>{t('cart.total')}</th>
                  <th class="num">{rub(b.total)}</th>
                  <td></td>
                </tr>
              </tfoot>
            </table>
            {b.adjustments.length ? (
              <ul>
                {b.adjustments.map((a) => (
                  <li>{isPoints(a.source) ? t('points.spentLine', { points: points(cart.pointsRedeemed), amount: rub(a.amount) }) : a.explanation}</li>
                ))}
              </ul>
            ) : null}
          </>
        )}
        <form method="post" action="/cart/coupon" style="margin-top:16px">
          <input name="code" placeholder={t('cart.coupon')} /> <button>{t('cart.apply')}</button>
          {cart?.couponCodes.length ? <span class="muted"> {t('cart.applied', { codes: cart.couponCodes.join(', ') })}</span> : null}
        </form>
        {cart && cart.items.length > 0 && options.loyalty ? <CartPoints cart={cart} balance={balance} loyalty={options.loyalty} /> : null}
        {cart && cart.items.length > 0 ? (
          <>
            {quoteError ? <p class="error">{quoteError}</p> : null}
            <DeliveryPicker
              quote={quote}
              city={city}
              postalCode={postalCode}
              street={cart.shippingAddress?.street ?? ''}
              chosen={cart.delivery}
              carrierNames={carrierNames()}
            />
          </>
        ) : null}
        {cart && cart.items.length > 0 ? (
          <form method="post" action="/checkout" class="card" style="margin-top:24px;display:grid;gap:8px;max-width:520px">
            <h2 style="margin:0">{t('checkout.title')}</h2>
            <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
            <input name="name" placeholder={t('checkout.name')} value={cart.contact.name ?? ''} required />
            <input name="phone" placeholder={t('checkout.phone')} value={cart.contact.phone ?? ''} required />
            <input name="email" type="email" placeholder={t('checkout.email')} value={cart.contact.email ?? ''} />
            {cart.delivery ? (
              <ChosenDelivery choice={cart.delivery} />
            ) : quote ? (
              <p class="muted" style="margin:0">{t('checkout.chooseDelivery')}</p>
            ) : (
              <>
                <input name="city" placeholder={t('checkout.city')} value={cart.shippingAddress?.city ?? 'Москва'} required />
                <input name="street" placeholder={t('checkout.street')} value={cart.shippingAddress?.street ?? ''} required />
              </>
            )}
            <textarea name="notes" placeholder={t('checkout.notes')}>{cart.notes ?? ''}</textarea>
            <label>
              {t('checkout.payment')}{' '}
              <select name="payment">
                {methods.map((m) => (
                  <option value={m.code}>{m.label}</option>
                ))}
              </select>
            </label>
            {methods.some((m) => m.type === 'bank_invoice') ? <InvoiceBuyerFields /> : null}
            <p class="muted" style="margin:0">{t('checkout.call')}</p>
            <button>{t('checkout.place', { total: rub(cart.breakdown.total) })}</button>
          </form>
        ) : null}
      </Layout>,
    )
  })

  app.post('/cart/delivery', async (c) => {
    const form = await c.req.parseBody()
    const cart = await currentCart(c, false)
    if (!cart) return c.redirect('/cart')
    const text = (key: string) => String(form[key] ?? '').trim()
    const city = text('city')
    const postalCode = text('postalCode')
    const destination = { city, ...(postalCode ? { postalCode } : {}) }
    try {
      await shop.carts.setDelivery(cart.id, {
        optionId: text('optionId'),
        destination,
        ...(text('pickupPointId') ? { pickupPointId: text('pickupPointId') } : {}),
        ...(text('street') ? { address: { country: 'RU', ...destination, street: text('street') } } : {}),
        ...(text('slot') ? { slot: text('slot') } : {}),
        ...(text('tryOn') ? { tryOn: true } : {}),
      })
    } catch (error) {
      if (!isOrdoError(error)) throw error
      return c.redirect(`${cartLink({ city, postalCode, error: userMessage(error) })}#delivery`)
    }
    return c.redirect(`${cartLink({ city, postalCode })}#delivery`)
  })

  app.post('/checkout', async (c) => {
    const form = await c.req.parseBody()
    const cart = await currentCart(c, false)
    if (!cart) return c.redirect('/cart')
    const text = (key: string) => String(form[key] ?? '').trim()
    try {
      await attachCustomer(await shop.carts.setContact(cart.id, { name: text('name') || null, phone: text('phone') || null, email: text('email') || null }))
      // A chosen delivery already carries its address (or a point); otherwise the form asks for one.
      if (!cart.delivery && text('city')) await shop.carts.setShippingAddress(cart.id, { country: 'RU', city: text('city'), street: text('street') })
      if (text('notes')) await shop.carts.setNotes(cart.id, text('notes'))
      if (text('payment')) await shop.carts.setPayment(cart.id, { method: text('payment') })
      const key = text('idempotencyKey') || crypto.randomUUID()
      const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey: key })
      const method = (await shop.payments.methods(order.id)).find((m) => m.code === order.paymentMethod)
      if (method?.type === 'bank_invoice') {
        // The order stands either way; a buyer the engine refuses (an ИНН with a typo) can try again on the order page.
        const refused = await issueInvoice(order.id, form)
        return c.redirect(`/orders/${order.id}${refused ? `?error=${encodeURIComponent(refused)}` : ''}`)
      }
      if (method?.providerId) {
        const payment = await shop.payments.start(order.id, {
          method: method.code,
          idempotencyKey: `${key}:payment`,
          returnUrl: `${publicUrl}/payment/return?order=${order.id}`,
        })
        if (payment.confirmationUrl) return c.redirect(payment.confirmationUrl)
      }
      return c.redirect(`/orders/${order.id}`)
    } catch (error) {
      if (!isOrdoError(error)) throw error
      const destination = cart.delivery?.destination
      const message = isOrdoError(error, 'LOYALTY_INSUFFICIENT') ? pointsError(error) : userMessage(error)
      return c.redirect(cartLink({ city: destination?.city, postalCode: destination?.postalCode, error: message }))
    }
  })


  /** Issues the bank invoice for an order to the buyer in the form; returns why the engine refused, or null. */
  async function issueInvoice(orderId: string, form: Record<string, string | File>): Promise<string | null> {
    const text = (key: string) => String(form[key] ?? '').trim()
    try {
      await shop.payments.issueInvoice(orderId, {
        buyer: { name: text('buyerName'), taxId: text('buyerTaxId'), ...(text('buyerKpp') ? { kpp: text('buyerKpp') } : {}) },
        actor: 'customer',
      })
      return null
    } catch (error) {
      if (!isOrdoError(error)) throw error
      return userMessage(error)
    }
  }

  app.post('/orders/:id/invoice', async (c) => {
    const order = await shop.orders.get(c.req.param('id'))
    if (!order) return c.notFound()
    const refused = await issueInvoice(order.id, await c.req.parseBody())
    return c.redirect(`/orders/${order.id}${refused ? `?error=${encodeURIComponent(refused)}` : ''}`)
  })

  // The invoice as a document to print or save.
  app.get('/orders/:id/invoices/:invoiceId', async (c) => {
    const invoice = (await shop.payments.invoices(c.req.param('id'))).find((i) => i.id === c.req.param('invoiceId'))
    if (!invoice) return c.notFound()
    return c.html(<InvoiceDocument invoice={invoice} />)
  })

  // The customer comes back from the payment provider's page.
  app.get('/payment/return', async (c) => {
    const orderId = c.req.query('order') ?? ''
    const { payments } = await shop.payments.forOrder(orderId)
    if (options.deliverDemoNotification) {
      for (const payment of payments) if (payment.providerPaymentId) await options.deliverDemoNotification(payment.providerPaymentId)
    }
    return c.redirect(`/orders/${orderId}`)
  })

  // Payment provider notifications: the raw body is kept byte-exact for signature checks.
  app.post('/webhooks/:provider', async (c) => {
    const rawBody = await c.req.text()
    const { response } = await shop.payments.handleWebhook(c.req.param('provider'), {
      headers: Object.fromEntries(c.req.raw.headers),
      rawBody,
      remoteAddress: c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ?? null,
    })
    return c.body(response.body, response.status as 200, { 'content-type': response.contentType })
  })

  app.get('/orders/:id', async (c) => {
    const { order, history } = await shop.orders.view(c.req.param('id'))
    const [paid, invoices, methods, shipments] = await Promise.all([shop.payments.forOrder(order.id), shop.payments.invoices(order.id), shop.payments.methods(), shop.shipments.forOrder(order.id)])
    const byInvoice = methods.find((m) => m.code === order.paymentMethod)?.type === 'bank_invoice'
    const error = c.req.query('error')
    const tracked = await Promise.all(shipments.map(async (shipment) => ({ shipment, history: await shop.shipments.history(shipment.id) })))
    const machine = shop.machines.get('order')
    const label = (status: string) => statusLabel(machine, status)
    const customerId = options.loyalty ? order.customerId : null
    const [balance, statement] = customerId ? await Promise.all([shop.loyalty.balance(customerId), shop.loyalty.statement(customerId, { limit: 500 })]) : [null, null]
    const finalTotal = order.totals.total - order.refusedTotal
    return c.html(
      <Layout title={t('order.title', { number: order.number })}>
        <h1>{t('order.title', { number: order.number })}</h1>
        {error ? <p class="error">{error}</p> : null}
        <p>
          {t('order.status')}: <strong data-status={order.status}>{label(order.status)}</strong>
          {order.cancelReason ? <span class="muted"> ({order.cancelReason})</span> : null}
        </p>
        <p>
          {t('order.payment')}: <strong data-payment={paid.state.status}>{paymentLabel(paid.state.status)}</strong>
          {paid.state.captured > 0 ? <span class="muted"> ({t('order.received', { amount: rub(paid.state.captured) })})</span> : null}
        </p>
        <table>
          <thead>
            <tr>
              <th>{t('order.item')}</th>
              <th class="num">{t('order.qty')}</th>
              <th class="num">{t('order.sum')}</th>
            </tr>
          </thead>
          <tbody>
            {order.lines.map((line) => (
              <tr data-line-total={line.total}>
                <td>{line.name}</td>
                <td class="num">{line.quantity}</td>
                <td class="num">{rub(line.total)}</td>
              </tr>
            ))}
            <tr data-order-delivery={order.totals.deliveryTotal}>
              <td colspan={2}>{t('order.delivery')}</td>
              <td class="num">{order.totals.deliveryTotal === 0 ? t('cart.free') : rub(order.totals.deliveryTotal)}</td>
            </tr>
          </tbody>
          <tfoot>
            <tr>
              <th colspan={2}>{t('order.total')}</th>
              <th class="num">{rub(order.totals.total)}</th>
            </tr>
            {order.refusedTotal > 0 ? (
              <>
                <tr data-refused={order.refusedTotal}>
                  <td colspan={2}>{t('order.refused')}</td>
                  <td class="num">−{rub(order.refusedTotal)}</td>
                </tr>
                <tr>
                  <th colspan={2}>{t('order.final')}</th>
                  <th class="num" data-final-total={finalTotal}>
                    {rub(finalTotal)}
                  </th>
                </tr>
              </>
            ) : null}
          </tfoot>
        </table>
        {byInvoice || invoices.length > 0 ? (
          <OrderInvoices orderId={order.id} invoices={invoices} canIssue={byInvoice && paid.state.due > 0 && !invoices.some((i) => i.status === 'issued')} />
        ) : null}
        {order.delivery ? <ChosenDelivery choice={order.delivery as DeliveryChoice} /> : null}
        {customerId && balance && statement ? (
          <OrderPoints
            order={order}
            entries={statement.items.filter((e) => e.orderId === order.id)}
            balance={balance}
            loyalty={options.loyalty!}
            statementUrl={`/customers/${encodeURIComponent(customerId)}/points`}
          />
        ) : null}
        <ShipmentsForCustomer shipments={tracked} carrierNames={carrierNames()} />
        <h2>{t('order.history')}</h2>
        <ol>
          {history.map((h) => (
            <li>
              {h.at.toLocaleString('ru-RU', { timeZone: 'Europe/Moscow' })}: {label(h.from)} → <strong>{label(h.to)}</strong>
              {h.reason ? ` (${h.reason})` : ''} <span class="muted">{h.actor}</span>
            </li>
          ))}
        </ol>
      </Layout>,
    )
  })

  // The customer's points and their history. The demo has no sign-in: whoever knows the phone sees its points.
  app.get('/customers/:id/points', async (c) => {
    const customerId = c.req.param('id')
    const [customer, balance, statement] = await Promise.all([
      shop.customers.get(customerId),
      shop.loyalty.balance(customerId),
      shop.loyalty.statement(customerId, { limit: 500 }),
    ])
    if (!customer) return c.notFound()
    const orderIds = [...new Set(statement.items.flatMap((e) => (e.orderId ? [e.orderId] : [])))]
    const orders = await Promise.all(orderIds.map((id) => shop.orders.get(id)))
    const orderNumbers = new Map(orders.flatMap((o) => (o ? [[o.id, o.number] as const] : [])))
    return c.html(
      <Layout title={t('points.pageTitle')}>
        <h1>{t('points.title')}</h1>
        <p class="muted">{customer.contacts.find((contact) => contact.kind === 'phone')?.value ?? customer.name}</p>
        <p data-balance-active={balance.active} data-balance-pending={balance.pending}>
          {t('points.available')}: <strong>{points(balance.active)}</strong>
          {balance.pending > 0 ? ` · ${t('points.afterReturn', { points: points(balance.pending) })}` : ''}
          {balance.held > 0 ? ` · ${t('points.heldColon', { points: points(balance.held) })}` : ''}
          {balance.debt > 0 ? ` · ${t('points.debt', { points: points(balance.debt) })}` : ''}
        </p>
        <Statement entries={statement.items} orderNumbers={orderNumbers} />
      </Layout>,
    )
  })

  /** Demo mode: the button that moves the shop's clock on (nothing without a demo clock). */
  function DemoClockButton(props: { back: string }) {
    if (!options.demoClock) return null
    return (
      <form method="post" action="/admin/demo/clock" class="card" style="margin-top:24px">
        <input type="hidden" name="back" value={props.back} />
        Демо-часы: {options.demoClock.now().toLocaleString('ru-RU', { timeZone: 'Europe/Moscow' })}{' '}
        <button>Перевести на {DEMO_CLOCK_DAYS} дней вперёд и выполнить задачи</button>
        <div class="muted">Так видно, как баллы становятся доступны после окончания срока возврата.</div>
      </form>
    )
  }

  // The order board: one column per status group of the order machine, each
  // order with the buttons for the transitions the machine offers from its status.
  app.get('/admin/orders', async (c) => {
    const only = c.req.query('group') || undefined
    const error = c.req.query('error')
    const board = await shop.orders.board()
    const machine = shop.machines.get('order')
    const groups = board.groups.filter((g) => !only || g.group === only)
    const pages = await Promise.all(groups.map((g) => (g.count > 0 ? shop.orders.list({ group: g.group, limit: only ? 100 : 20 }) : { items: [] })))
    const orders = pages.flatMap((p) => p.items)
    // Every card's buttons in one call: two queries for the whole board, not two per card.
    const transitions = await shop.orders.allowedTransitionsMany(orders.map((o) => o.id))
    return c.html(
      <Layout title="Заказы" admin>
        <h1>Заказы</h1>
        {error ? <p class="error">{error}</p> : null}
        <nav class="categories">
          <a href="/admin/orders" class={only ? undefined : 'current'}>
            Все
          </a>
          {board.groups.map((g) => (
            <a href={`/admin/orders?group=${g.group}`} class={g.group === only ? 'current' : undefined} data-group-link={g.group}>
              {groupLabel(g.group)} ({g.count})
            </a>
          ))}
        </nav>
        <div class="board">
          {groups.map((g, i) => (
            <section class="column" data-group={g.group}>
              <h2>
                {groupLabel(g.group)} <span class="muted">{g.count}</span>
              </h2>
              <div class="muted" style="font-size:13px">
                {board.statuses
                  .filter((s) => s.group === g.group && s.count > 0)
                  .map((s) => `${statusLabel(machine, s.status)}: ${s.count}`)
                  .join(' · ')}
              </div>
              {pages[i]!.items.map((order) => (
                <div class="card order-card" data-order={order.number}>
                  <div>
                    <a href={`/admin/orders/${order.id}`}>№ {order.number}</a> · <span data-status={order.status}>{statusLabel(machine, order.status)}</span>
                  </div>
                  <div>
                    {order.contact.name} <span class="muted">{order.contact.phone}</span>
                  </div>
                  <div class="price">{rub(order.totals.total)}</div>
                  <TransitionButtons order={order} transitions={transitions.get(order.id) ?? []} back={only ? `/admin/orders?group=${only}` : '/admin/orders'} compact />
                </div>
              ))}
            </section>
          ))}
        </div>
        <DemoClockButton back="/admin/orders" />
      </Layout>,
    )
  })

  app.post('/admin/orders/:id/transition', async (c) => {
    const form = await c.req.parseBody()
    const reason = String(form.reason ?? '').trim()
    const note = String(form.note ?? '').trim()
    const back = String(form.back ?? '')
    const page = back.startsWith('/admin/') ? back : '/admin/orders'
    try {
      await shop.orders.transition(c.req.param('id'), String(form.transition), {
        actor: 'manager:demo',
        ...(form.version ? { expectedVersion: Number(form.version) } : {}),
        ...(reason ? { reason } : {}),
        ...(note ? { note } : {}),
      })
    } catch (error) {
      if (!isOrdoError(error)) throw error
      return c.redirect(`${page}${page.includes('?') ? '&' : '?'}error=${encodeURIComponent(userMessage(error))}`)
    }
    return c.redirect(page)
  })

  // A manager's call to the customer: "confirmed" confirms the order; the engine may cancel after enough unanswered calls.
  app.post('/admin/orders/:id/call', async (c) => {
    const form = await c.req.parseBody()
    const page = `/admin/orders/${c.req.param('id')}`
    const note = String(form.note ?? '').trim()
    try {
      await shop.orders.logCall(c.req.param('id'), { manager: 'demo', outcome: String(form.outcome) as CallOutcome, ...(note ? { note } : {}) })
    } catch (error) {
      if (!isOrdoError(error)) throw error
      return c.redirect(`${page}?error=${encodeURIComponent(userMessage(error))}`)
    }
    return c.redirect(page)
  })

  app.get('/admin/orders/:id', async (c) => {
    const { order, calls, history } = await shop.orders.view(c.req.param('id'))
    const machine = shop.machines.get('order')
    const [transitions, paid, shipments, invoices, methods, messages] = await Promise.all([
      shop.orders.allowedTransitions(order.id),
      shop.payments.forOrder(order.id),
      shop.shipments.forOrder(order.id),
      shop.payments.invoices(order.id),
      shop.payments.methods(),
      shop.notify.messages({ orderId: order.id }),
    ])
    const histories = await Promise.all(shipments.map((s) => shop.shipments.history(s.id)))
    const names = carrierNames()
    const couriers = new Map(shop.delivery.couriers().map((courier) => [courier.id, courier]))
    const method = methods.find((m) => m.code === order.paymentMethod)
    const error = c.req.query('error')
    const notice = c.req.query('notice')
    const page = `/admin/orders/${order.id}`
    return c.html(
      <Layout title={`Заказ ${order.number}`} admin>
        <h1>Заказ № {order.number}</h1>
        {error ? <p class="error">{error}</p> : null}
        {notice ? <p class="card">{notice}</p> : null}
        <p>
          Статус: <strong data-status={order.status}>{statusLabel(machine, order.status)}</strong>
          {order.cancelReason ? <span class="muted"> ({REASON_LABELS[order.cancelReason] ?? order.cancelReason})</span> : null} · оплата{' '}
          {paymentLabel(paid.state.status)}
          {paid.state.due > 0 ? `, к получению ${rub(paid.state.due)}` : ''} · итого {rub(order.totals.total)}
          {order.refusedTotal > 0 ? `, отказ на ${rub(order.refusedTotal)}` : ''} · <a href={`/orders/${order.id}`}>страница клиента</a>
        </p>
        <p>
          {order.customerId ? (
            <a href={`/admin/customers/${order.customerId}`} data-customer-link>
              {order.contact.name ?? 'Клиент'}
            </a>
          ) : (
            order.contact.name
          )}{' '}
          <span class="muted">{order.contact.phone}</span>
          {method ? <span class="muted"> · {method.label}</span> : null}
        </p>
        <TransitionButtons order={order} transitions={transitions} back={page} />
        <table style="margin-top:12px" data-lines>
          <thead>
            <tr>
              <th>Товар</th>
              <th class="num">Цена</th>
              <th class="num">Кол-во</th>
              <th class="num">Скидка</th>
              <th class="num">Сумма</th>
            </tr>
          </thead>
          <tbody>
            {order.lines.map((line) => (
              <tr>
                <td>
                  {line.name} <span class="muted">{line.sku}</span>
                </td>
                <td class="num">{rub(line.unitPrice)}</td>
                <td class="num">{line.quantity}</td>
                <td class="num">{line.discountTotal > 0 ? `−${rub(line.discountTotal)}` : ''}</td>
                <td class="num">{rub(line.total)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <td colspan={4}>Товары</td>
              <td class="num">{rub(order.totals.subtotal)}</td>
            </tr>
            <tr>
              <td colspan={4}>Скидки</td>
              <td class="num">−{rub(order.totals.discountTotal)}</td>
            </tr>
            <tr>
              <td colspan={4}>Доставка</td>
              <td class="num">{rub(order.totals.deliveryTotal)}</td>
            </tr>
            <tr>
              <th colspan={4}>Итого</th>
              <th class="num">{rub(order.totals.total)}</th>
            </tr>
          </tfoot>
        </table>
        <PaymentsPanel order={order} payments={paid} invoices={invoices} offline={method !== undefined && method.providerId === null} />
        <h2>Звонки</h2>
        {calls.length === 0 ? <p class="muted">Звонков не было.</p> : null}
        <ol data-calls={calls.length}>
          {calls.map((call) => (
            <li>
              {call.at.toLocaleString('ru-RU', { timeZone: 'Europe/Moscow' })}: <strong>{CALL_OUTCOME_LABELS[call.outcome]}</strong>
              {call.note ? ` — ${call.note}` : ''} <span class="muted">{call.manager}</span>
            </li>
          ))}
        </ol>
        <form method="post" action={`/admin/orders/${order.id}/call`} class="card" data-call-form>
          Звонок клиенту {order.contact.phone}:{' '}
          <select name="outcome">
            {CALL_OUTCOMES.map((outcome) => (
              <option value={outcome}>{CALL_OUTCOME_LABELS[outcome]}</option>
            ))}
          </select>{' '}
          <input name="note" placeholder="Заметка" /> <button>Записать звонок</button>
        </form>
        {order.delivery ? <ChosenDelivery choice={order.delivery as DeliveryChoice} /> : null}
        <h2>Отправления</h2>
        <form method="post" action="/admin/track" style="margin-bottom:12px">
          <input type="hidden" name="back" value={`/admin/orders/${order.id}`} />
          <button>Опросить трекинг сейчас</button>
        </form>
        {shipments.length === 0 ? <p class="muted">Отправлений нет.</p> : null}
        {shipments.map((s, i) => (
          <ShipmentPanel
            shipment={s}
            history={histories[i]!}
            carrierName={names[s.carrier] ?? s.carrier}
            labels={couriers.get(s.carrier)?.capabilities.supportsLabels ?? false}
            demo={options.advanceDemoShipment !== undefined}
          />
        ))}
        <MessagesPanel messages={messages} demo={options.reportDemoSms !== undefined} />
        <h2>История</h2>
        <ol data-history>
          {history.map((h) => (
            <li>
              {h.at.toLocaleString('ru-RU', { timeZone: 'Europe/Moscow' })}: {statusLabel(machine, h.from)} → <strong>{statusLabel(machine, h.to)}</strong>
              {h.reason ? ` (${REASON_LABELS[h.reason] ?? h.reason})` : ''} <span class="muted">{h.actor}</span>
            </li>
          ))}
        </ol>
        <DemoClockButton back={`/admin/orders/${order.id}`} />
      </Layout>,
    )
  })

  // Back office actions on a shipment; each goes back to the order's page, with the reason when refused.
  const shipmentAction = (path: string, act: (shipment: Shipment, form: Record<string, string | File>) => Promise<string | void>) =>
    app.post(`/admin/shipments/:id/${path}`, async (c) => {
      const shipment = await shop.shipments.get(c.req.param('id'))
      if (!shipment) return c.notFound()
      const form = await c.req.parseBody()
      const page = `/admin/orders/${shipment.orderId}`
      try {
        const notice = await act(shipment, form)
        return c.redirect(notice ? `${page}?notice=${encodeURIComponent(notice)}` : page)
      } catch (error) {
        if (!isOrdoError(error)) throw error
        return c.redirect(`${page}?error=${encodeURIComponent(userMessage(error))}`)
      }
    })
  const ACTOR = 'manager:demo'
  shipmentAction('pack', async (s, form) => {
    const weightGrams = Number(form.weightGrams || 0)
    await shop.shipments.pack(s.id, { actor: ACTOR, ...(weightGrams > 0 ? { weightGrams } : {}) })
  })
  shipmentAction('register', async (s) => {
    const registered = await shop.shipments.register(s.id, { actor: ACTOR })
    return `Отправление ${registered.number} зарегистрировано, трек-номер ${registered.trackingNumber ?? 'будет позже'}.`
  })
  shipmentAction('transition', async (s, form) => {
    await shop.shipments.transition(s.id, String(form.transition), { actor: ACTOR })
  })
  shipmentAction('receive-return', async (s) => {
    await shop.shipments.receiveReturn(s.id, { actor: ACTOR })
  })
  shipmentAction('outcome', async (s, form) => {
    const kept = s.lines.map((l) => ({ lineId: l.orderLineId, quantity: Math.min(l.quantity, Math.max(0, Math.trunc(Number(form[`kept:${l.orderLineId}`] ?? l.quantity)))) }))
    const refused = s.lines.map((l, i) => ({ lineId: l.orderLineId, quantity: l.quantity - kept[i]!.quantity }))
    const reason = String(form.reason ?? '').trim()
    const result = await shop.shipments.recordOutcome(s.id, {
      kept: kept.filter((l) => l.quantity > 0),
      refused: refused.filter((l) => l.quantity > 0),
      actor: ACTOR,
      ...(reason ? { reason } : {}),
    })
    return `Отказ на ${rub(result.refusedAmount)}${result.codAmount > 0 ? `, наложенный платёж теперь ${rub(result.codAmount)}` : ''}${result.refundDue > 0 ? `, к возврату ${rub(result.refundDue)}` : ''}.`
  })
  shipmentAction('demo-advance', async (s, form) => {
    const status = String(form.status) as CarrierStatus
    if (!options.advanceDemoShipment || !CARRIER_STATUSES.includes(status)) return
    await options.advanceDemoShipment(s, status)
    return `Демо: у перевозчика посылка теперь «${status}». Нажмите «Опросить трекинг сейчас», если статус не изменился.`
  })
  // Demo mode: the carrier reports that the customer kept only part of the parcel (what, by SKU, from the form).
  shipmentAction('demo-partial', async (s, form) => {
    if (!options.advanceDemoShipment) return
    const kept = s.lines.map((l) => ({ sku: l.sku, quantity: Math.min(l.quantity, Math.max(0, Math.trunc(Number(form[`kept:${l.orderLineId}`] ?? l.quantity)))) }))
    await options.advanceDemoShipment(s, 'partially_delivered', kept)
    return 'Демо: перевозчик сообщил о частичном выкупе. Нажмите «Опросить трекинг сейчас», если статус не изменился.'
  })

  // Back office actions on a payment; each goes back to its order's page, with the reason when refused.
  const paymentAction = (path: string, act: (payment: Payment, form: Record<string, string | File>) => Promise<string>) =>
    app.post(`/admin/payments/:id/${path}`, async (c) => {
      const payment = await shop.payments.get(c.req.param('id'))
      if (!payment) return c.notFound()
      const form = await c.req.parseBody()
      const page = `/admin/orders/${payment.orderId}`
      try {
        return c.redirect(`${page}?notice=${encodeURIComponent(await act(payment, form))}`)
      } catch (error) {
        if (!isOrdoError(error) && !(error instanceof FormError)) throw error
        return c.redirect(`${page}?error=${encodeURIComponent(userMessage(error))}`)
      }
    })
  const minor = (value: unknown) => {
    const n = Number(String(value ?? '').trim() || Number.NaN)
    return Number.isInteger(n) && n > 0 ? n : undefined
  }
  paymentAction('capture', async (p, form) => {
    const amount = minor(form.amount)
    const captured = await shop.payments.capture(p.id, { idempotencyKey: `admin:${crypto.randomUUID()}`, ...(amount ? { amount } : {}) })
    return `Списано ${rub(captured.captured)}.`
  })
  paymentAction('void', async (p) => {
    await shop.payments.void(p.id, { actor: ACTOR })
    return 'Холд снят.'
  })
  paymentAction('refund', async (p, form) => {
    const amount = minor(form.amount)
    if (!amount) throw new FormError('Укажите сумму возврата в копейках.')
    const refunded = await shop.payments.refund(p.id, { amount, reason: String(form.reason ?? '').trim() || 'other', idempotencyKey: `admin:${crypto.randomUUID()}`, actor: ACTOR })
    return `Возвращено ${rub(amount)}, всего по платежу ${rub(refunded.refunded)}.`
  })
  app.post('/admin/orders/:id/cash', async (c) => {
    const form = await c.req.parseBody()
    const page = `/admin/orders/${c.req.param('id')}`
    const amount = minor(form.amount)
    try {
      if (!amount) throw new FormError('Укажите полученную сумму в копейках.')
      await shop.payments.recordCash(c.req.param('id'), { amount, actor: ACTOR })
    } catch (error) {
      if (!isOrdoError(error) && !(error instanceof FormError)) throw error
      return c.redirect(`${page}?error=${encodeURIComponent(userMessage(error))}`)
    }
    return c.redirect(`${page}?notice=${encodeURIComponent(`Записана оплата ${rub(amount)}.`)}`)
  })

  app.get('/admin/shipments/:id/label.pdf', async (c) => {
    const pdf = await shop.shipments.label(c.req.param('id'))
    return c.body(pdf.slice().buffer, 200, { 'content-type': 'application/pdf' })
  })

  app.post('/admin/track', async (c) => {
    const form = await c.req.parseBody()
    const result = await shop.shipments.track()
    const back = String(form.back ?? '')
    const notice = `Трекинг: обновлено ${result.applied}, без изменений ${result.ignored}, неизвестных ${result.unknown}.`
    return c.redirect(`${back.startsWith('/admin/') ? back : '/admin/orders'}?notice=${encodeURIComponent(notice)}`)
  })

  // Carriers' status webhooks (CDEK ORDER_STATUS); the raw body is kept for the adapter to verify.
  app.post('/webhooks/couriers/:carrier', async (c) => {
    const rawBody = await c.req.text()
    const { response } = await shop.shipments.handleWebhook(c.req.param('carrier'), {
      headers: Object.fromEntries(c.req.raw.headers),
      rawBody,
      remoteAddress: c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ?? null,
    })
    return c.body(response.body, response.status as 200, { 'content-type': response.contentType })
  })

  // Demo mode: move the clock on, deliver what the events produced and run every job now due (points activation, expiry…).
  app.post('/admin/demo/clock', async (c) => {
    const form = await c.req.parseBody()
    const back = String(form.back ?? '')
    const page = back.startsWith('/admin/') ? back : '/admin/orders'
    if (!options.demoClock) return c.redirect(page)
    options.demoClock.advance(DEMO_CLOCK_DAYS * DAY)
    const { completed } = await settle(shop)
    const now = options.demoClock.now().toLocaleString('ru-RU', { timeZone: 'Europe/Moscow' })
    return c.redirect(`${page}?notice=${encodeURIComponent(`Демо: часы переведены на ${DEMO_CLOCK_DAYS} дней вперёд, теперь ${now}. Выполнено задач: ${completed}.`)}`)
  })

  // Demo mode: the operator reports an SMS delivered (or not); the gateway's callback then moves the message.
  app.post('/admin/messages/:id/demo-report', async (c) => {
    const message = await shop.notify.get(c.req.param('id'))
    if (!message) return c.notFound()
    const page = message.orderId ? `/admin/orders/${message.orderId}` : '/admin/orders'
    const form = await c.req.parseBody()
    const outcome = form.outcome === 'failed' ? 'failed' : 'delivered'
    if (!options.reportDemoSms || !message.providerMessageId || !message.gateway) return c.redirect(page)
    const result = await shop.notify.handleCallback(message.gateway, await options.reportDemoSms(message.providerMessageId, outcome))
    const notice = result.outcome === 'applied' ? `Демо: оператор сообщил о доставке, статусов обновлено: ${result.applied}.` : `Отчёт о доставке отклонён: ${result.reason}`
    return c.redirect(`${page}?notice=${encodeURIComponent(notice)}`)
  })

  // SMS gateways' delivery reports (SMS.ru posts them to the callback URL set in its dashboard).
  app.post('/webhooks/sms/:gateway', async (c) => {
    const rawBody = await c.req.text()
    const result = await shop.notify.handleCallback(c.req.param('gateway'), {
      headers: Object.fromEntries(c.req.raw.headers),
      rawBody,
      remoteAddress: c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ?? null,
    })
    return c.body(result.response.body, result.response.status as 200, { 'content-type': result.response.contentType })
  })

  registerCustomerPages(app, shop, { loyalty: options.loyalty !== undefined, now })
  registerReportPages(app, shop, { now, carrierNames })

  app.get('/admin/engine', async (c) => {
    const [migrations, jobs] = await Promise.all([shop.storage.migrations(), shop.jobs.list({ limit: 20 })])
    return c.html(
      <Layout title="Движок" admin>
        <h1>Движок</h1>
        <p>
          Хранилище: <strong>{shop.storage.dialect}</strong>, валюта {shop.currency}, версия схемы{' '}
          <strong>{migrations[migrations.length - 1] ?? '—'}</strong>
        </p>
        <h2>Миграции</h2>
        <ol>
          {migrations.map((m) => (
            <li>{m}</li>
          ))}
        </ol>
        <h2>Машины состояний</h2>
        <ul>
          {[...shop.machines.values()].map((m) => (
            <li>
              {m.id}: {Object.keys(m.states).join(' → ')}
            </li>
          ))}
        </ul>
        <h2>Задачи</h2>
        <table>
          <tbody>
            {jobs.map((j) => (
              <tr>
                <td>{j.name}</td>
                <td>{j.status}</td>
                <td>{j.runAt.toISOString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Layout>,
    )
  })

  app.onError((error, c) => {
    if (isOrdoError(error, 'NOT_FOUND')) return c.text(error.message, 404)
    if (isOrdoError(error)) return c.text(`${error.code}: ${error.message}`, 400)
    console.error(error)
    return c.text('Internal error', 500)
  })

  return app
}
