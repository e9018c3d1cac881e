import type { CarrierStatus, Commerce, Cart, Clock, DeliveryChoice, DeliveryQuote, LoyaltyBalance, LoyaltyConfig, Shipment } from '@ordo/core'
import { CARRIER_STATUSES, isOrdoError, OWN_COURIER, SHOWROOM } from '@ordo/core'
import { Hono, type Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { rub } from './format.js'
import { Layout } from './layout.js'
import { ChosenDelivery, DeliveryPicker, ShipmentPanel, ShipmentsForCustomer, userMessage } from './delivery-views.js'
import { settle } from './background.js'
import { customerIdFor } from './loyalty-config.js'
import type { SmsCallback } from './sms-config.js'
import { CartPoints, isPoints, MessagesPanel, OrderPoints, points, pointsDiscount, pointsError, Statement } from './loyalty-views.js'

const CART_COOKIE = 'ordo_cart'

const PAYMENT_STATUS: Record<string, string> = {
  unpaid: 'не оплачен',
  partially_paid: 'оплачен частично',
  paid: 'оплачен',
  overpaid: 'переплата',
  refund_due: 'ожидает возврата',
}

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Where customers reach the shop (for the payment provider's return link). @default http://localhost:3000 */
  publicUrl?: string
  /** Demo mode: deliver the payment provider's notification about a payment (a fake cannot call us). */
  deliverDemoNotification?: (providerPaymentId: string) => Promise<void>
  /** Demo mode: move a carrier's shipment on at the (fake) carrier, as if the parcel travelled. */
  advanceDemoShipment?: (shipment: Shipment, status: CarrierStatus) => Promise<void>
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

const DAY = 86_400_000
/** How far the back office's demo button moves the clock: past the 14-day return window. */
const DEMO_CLOCK_DAYS = 15

/** The example shop's web app: catalog, product pages, cart, checkout, order pages and a back office. */
export function createApp(shop: Commerce, options: AppOptions = {}): Hono {
  const app = new Hono()
  const publicUrl = options.publicUrl ?? 'http://localhost:3000'

  async function currentCart(c: Context, create: boolean): Promise<Cart | undefined> {
    const id = getCookie(c, CART_COOKIE)
    if (id) {
      const cart = await shop.carts.get(id).catch(() => undefined)
      if (cart && cart.status === 'active') return cart
    }
    if (!create) return undefined
    const cart = await shop.carts.create({
      channel: {
        source: c.req.query('utm_source') ?? null,
        medium: c.req.query('utm_medium') ?? null,
        campaign: c.req.query('utm_campaign') ?? null,
        landingPage: c.req.path,
        referrer: c.req.header('referer') ?? null,
      },
    })
    setCookie(c, CART_COOKIE, cart.id, { path: '/', httpOnly: true, sameSite: 'Lax' })
    return cart
  }
  const count = (cart: Cart | undefined) => cart?.items.reduce((n, i) => n + i.quantity, 0) ?? 0
  const carrierNames = (): Record<string, string> => ({
    [OWN_COURIER]: 'Курьер магазина',
    [SHOWROOM]: 'Самовывоз',
    ...Object.fromEntries(shop.delivery.couriers().map((c) => [c.id, c.name])),
  })
  const cartLink = (params: Record<string, string | undefined>) => {
    const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => Boolean(e[1])))
    return `/cart${query.size > 0 ? `?${query}` : ''}`
  }

  app.get('/', async (c) => {
    const tree = await shop.catalog.categoryTree()
    const categoryId = c.req.query('category') || undefined
    const size = c.req.query('size') || undefined
    const page = await shop.catalog.listProducts({
      ...(categoryId ? { categoryId, includeSubcategories: true } : {}),
      ...(size ? { attributes: { size } } : {}),
      limit: 60,
    })
    const skus = page.items.flatMap((p) => p.variants.filter((v) => v.status === 'active').map((v) => v.sku))
    const prices = skus.length ? await shop.catalog.resolvePrices(skus, { currency: 'RUB' }) : []
    const priceBySku = new Map(prices.map((p) => [p.sku, p]))
    const cart = await currentCart(c, false)
    return c.html(
      <Layout title="Каталог" cartCount={count(cart)}>
        <h1>Каталог</h1>
        <nav class="categories">
          <a href="/">Все</a>
          {tree.map((node) => (
            <a href={`/?category=${node.id}`}>{node.name}</a>
          ))}
        </nav>
        <form method="get" style="margin:12px 0">
          {categoryId ? <input type="hidden" name="category" value={categoryId} /> : null}
          <label>
            Размер{' '}
            <select name="size">
              <option value="">любой</option>
              {['XS', 'S', 'M', 'L', 'XL', 'XXL'].map((s) => (
                <option value={s} selected={s === size}>
                  {s}
                </option>
              ))}
            </select>
          </label>{' '}
          <button>Показать</button>
        </form>
        <div class="grid">
          {page.items.map((product) => {
            const offers = product.variants.flatMap((v) => {
              const p = priceBySku.get(v.sku)
              return p && p.amount !== null ? [{ amount: p.amount, compareAt: p.compareAt }] : []
            })
            const cheapest = offers.sort((a, b) => a.amount - b.amount)[0]
            return (
              <div class="card">
                <a href={`/p/${product.handle}`}>
                  <strong>{product.name}</strong>
                </a>
                <div class="muted">{product.variants.length} вариантов</div>
                {cheapest ? (
                  <div>
                    <span class="price">от {rub(cheapest.amount)}</span>
                    {cheapest.compareAt ? <span class="old">{rub(cheapest.compareAt)}</span> : null}
                  </div>
                ) : (
                  <div class="muted">нет цены</div>
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
              <th>Вариант</th>
              <th>Артикул</th>
              <th class="num">Цена</th>
              <th class="num">В наличии</th>
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
                  <td class="num">{s?.unlimited ? 'под заказ' : (s?.available ?? 0)}</td>
                  <td>
                    <form class="inline" method="post" action="/cart/add">
                      <input type="hidden" name="sku" value={variant.sku} />
                      <input type="number" name="quantity" value="1" min="1" style="width:70px" />{' '}
                      <button>В корзину</button>
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

  // The demo's customers are their phones (see customerIdFor): the cart belongs to whoever gave this one.
  async function attachCustomer(cart: Cart): Promise<Cart> {
    const customerId = cart.contact.phone ? customerIdFor(cart.contact.phone) : null
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
    if (!Number.isInteger(wanted) || wanted < 0) return c.redirect(`/cart?error=${encodeURIComponent('Укажите целое число баллов.')}`)
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
      <Layout title="Корзина" cartCount={count(cart)}>
        <h1>Корзина</h1>
        {error ? <p class="error">{error}</p> : null}
        {!cart || cart.items.length === 0 || !b ? (
          <p>
            Корзина пуста. <a href="/">В каталог</a>
          </p>
        ) : (
          <>
            <table>
              <thead>
                <tr>
                  <th>Товар</th>
                  <th class="num">Цена</th>
                  <th class="num">Кол-во</th>
                  <th>Скидки</th>
                  <th class="num">НДС</th>
                  <th class="num">Сумма</th>
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
                          {isPoints(d.source) ? 'Баллы' : d.source.name}: −{rub(d.amount)}
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
                  <td colspan={5}>Товары</td>
                  <td class="num">{rub(b.subtotal)}</td>
                  <td></td>
                </tr>
                <tr>
                  <td colspan={5}>Скидки</td>
                  <td class="num">−{rub(b.discountTotal)}</td>
                  <td></td>
                </tr>
                {cart.pointsRedeemed > 0 ? (
                  <tr data-points-discount={pointsDiscount(cart)}>
                    <td colspan={5}>в т. ч. оплачено баллами ({points(cart.pointsRedeemed)})</td>
                    <td class="num">−{rub(pointsDiscount(cart))}</td>
                    <td></td>
                  </tr>
                ) : null}
                {b.delivery ? (
                  <tr data-delivery-total={b.delivery.total}>
                    <td colspan={5}>Доставка{cart.delivery ? ` (${cart.delivery.carrierName})` : ''}</td>
                    <td class="num">{b.delivery.total === 0 ? 'бесплатно' : rub(b.delivery.total)}</td>
                    <td></td>
                  </tr>
                ) : null}
                <tr>
                  <td colspan={5}>в т. ч. НДС</td>
                  <td class="num">{rub(b.vatTotal)}</td>
                  <td></td>
                </tr>
                <tr>
                  <th colspan={5}>Итого</th>
                  <th class="num">{rub(b.total)}</th>
                  <td></td>
                </tr>
              </tfoot>
            </table>
            {b.adjustments.length ? (
              <ul>
                {b.adjustments.map((a) => (
                  <li>{isPoints(a.source) ? `Списано ${points(cart.pointsRedeemed)}: −${rub(a.amount)}` : a.explanation}</li>
                ))}
              </ul>
            ) : null}
          </>
        )}
        <form method="post" action="/cart/coupon" style="margin-top:16px">
          <input name="code" placeholder="Промокод" /> <button>Применить</button>
          {cart?.couponCodes.length ? <span class="muted"> Применены: {cart.couponCodes.join(', ')}</span> : null}
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
            <h2 style="margin:0">Оформление заказа</h2>
            <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
            <input name="name" placeholder="Имя" value={cart.contact.name ?? ''} required />
            <input name="phone" placeholder="Телефон, например +7 916 123-45-67" value={cart.contact.phone ?? ''} required />
            <input name="email" type="email" placeholder="E-mail (необязательно)" value={cart.contact.email ?? ''} />
            {cart.delivery ? (
              <ChosenDelivery choice={cart.delivery} />
            ) : quote ? (
              <p class="muted" style="margin:0">Выберите способ доставки выше.</p>
            ) : (
              <>
                <input name="city" placeholder="Город" value={cart.shippingAddress?.city ?? 'Москва'} required />
                <input name="street" placeholder="Улица, дом, квартира" value={cart.shippingAddress?.street ?? ''} required />
              </>
            )}
            <textarea name="notes" placeholder="Комментарий к заказу">{cart.notes ?? ''}</textarea>
            <label>
              Оплата{' '}
              <select name="payment">
                {methods.map((m) => (
                  <option value={m.code}>{m.label}</option>
                ))}
              </select>
            </label>
            <p class="muted" style="margin:0">Менеджер позвонит для подтверждения заказа.</p>
            <button>Оформить заказ на {rub(cart.breakdown.total)}</button>
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
    const paid = await shop.payments.forOrder(order.id)
    const shipments = await shop.shipments.forOrder(order.id)
    const tracked = await Promise.all(shipments.map(async (shipment) => ({ shipment, history: await shop.shipments.history(shipment.id) })))
    const machine = shop.machines.get('order')!
    const label = (status: string) => machine.states[status]?.label ?? status
    const customerId = options.loyalty ? order.customerId : null
    const [balance, statement] = customerId ? await Promise.all([shop.loyalty.balance(customerId), shop.loyalty.statement(customerId, { limit: 500 })]) : [null, null]
    return c.html(
      <Layout title={`Заказ ${order.number}`}>
        <h1>Заказ № {order.number}</h1>
        <p>
          Статус: <strong data-status={order.status}>{label(order.status)}</strong>
          {order.cancelReason ? <span class="muted"> ({order.cancelReason})</span> : null}
        </p>
        <p>
          Оплата: <strong data-payment={paid.state.status}>{PAYMENT_STATUS[paid.state.status] ?? paid.state.status}</strong>
          {paid.state.captured > 0 ? <span class="muted"> (получено {rub(paid.state.captured)})</span> : null}
        </p>
        <table>
          <thead>
            <tr>
              <th>Товар</th>
              <th class="num">Кол-во</th>
              <th class="num">Сумма</th>
            </tr>
          </thead>
          <tbody>
            {order.lines.map((line) => (
              <tr>
                <td>{line.name}</td>
                <td class="num">{line.quantity}</td>
                <td class="num">{rub(line.total)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th colspan={2}>Итого</th>
              <th class="num">{rub(order.totals.total)}</th>
            </tr>
          </tfoot>
        </table>
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
        <h2>История</h2>
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
    const [balance, statement] = await Promise.all([shop.loyalty.balance(customerId), shop.loyalty.statement(customerId, { limit: 500 })])
    const orderIds = [...new Set(statement.items.flatMap((e) => (e.orderId ? [e.orderId] : [])))]
    const orders = await Promise.all(orderIds.map((id) => shop.orders.get(id)))
    const orderNumbers = new Map(orders.flatMap((o) => (o ? [[o.id, o.number] as const] : [])))
    return c.html(
      <Layout title="Мои баллы">
        <h1>Бонусные баллы</h1>
        <p class="muted">{customerId.replace(/^phone:/, '')}</p>
        <p data-balance-active={balance.active} data-balance-pending={balance.pending}>
          Доступно: <strong>{points(balance.active)}</strong>
          {balance.pending > 0 ? ` · ожидают окончания срока возврата: ${points(balance.pending)}` : ''}
          {balance.held > 0 ? ` · зарезервировано заказами: ${points(balance.held)}` : ''}
          {balance.debt > 0 ? ` · долг: ${points(balance.debt)}` : ''}
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

  app.get('/admin/orders', async (c) => {
    const group = c.req.query('group') || undefined
    const [board, page] = await Promise.all([shop.orders.board(), shop.orders.list({ ...(group ? { group } : {}), limit: 50 })])
    const machine = shop.machines.get('order')!
    const buttons = await Promise.all(page.items.map((o) => shop.orders.allowedTransitions(o.id)))
    return c.html(
      <Layout title="Заказы">
        <h1>Заказы</h1>
        <nav class="categories">
          <a href="/admin/orders">Все</a>
          {board.groups.map((g) => (
            <a href={`/admin/orders?group=${g.group}`}>
              {g.group} ({g.count})
            </a>
          ))}
        </nav>
        <table style="margin-top:12px">
          <thead>
            <tr>
              <th>№</th>
              <th>Статус</th>
              <th>Клиент</th>
              <th class="num">Сумма</th>
              <th>Действия</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((order, i) => (
              <tr>
                <td>
                  <a href={`/admin/orders/${order.id}`}>{order.number}</a>
                </td>
                <td>{machine.states[order.status]?.label ?? order.status}</td>
                <td>
                  {order.contact.name} <span class="muted">{order.contact.phone}</span>
                </td>
                <td class="num">{rub(order.totals.total)}</td>
                <td>
                  {buttons[i]!
                    .filter((t) => t.allowed)
                    .map((t) => (
                      <form class="inline" method="post" action={`/admin/orders/${order.id}/transition`}>
                        <input type="hidden" name="transition" value={t.name} />
                        <input type="hidden" name="version" value={String(order.version)} />
                        {t.requiresReason ? (
                          <select name="reason">
                            {(t.reasons ?? ['other']).map((r) => (
                              <option value={r}>{r}</option>
                            ))}
                          </select>
                        ) : null}
                        <button>{t.label}</button>{' '}
                      </form>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <DemoClockButton back="/admin/orders" />
      </Layout>,
    )
  })

  app.post('/admin/orders/:id/transition', async (c) => {
    const form = await c.req.parseBody()
    const reason = form.reason ? String(form.reason) : undefined
    await shop.orders.transition(c.req.param('id'), String(form.transition), {
      actor: 'manager:demo',
      expectedVersion: Number(form.version),
      ...(reason ? { reason } : {}),
    })
    const back = String(form.back ?? '')
    return c.redirect(back.startsWith('/admin/') ? back : '/admin/orders')
  })

  app.get('/admin/orders/:id', async (c) => {
    const { order } = await shop.orders.view(c.req.param('id'))
    const machine = shop.machines.get('order')!
    const [transitions, paid, shipments] = await Promise.all([shop.orders.allowedTransitions(order.id), shop.payments.forOrder(order.id), shop.shipments.forOrder(order.id)])
    const histories = await Promise.all(shipments.map((s) => shop.shipments.history(s.id)))
    const messages = await shop.notify.messages({ orderId: order.id })
    const names = carrierNames()
    const couriers = new Map(shop.delivery.couriers().map((courier) => [courier.id, courier]))
    const error = c.req.query('error')
    const notice = c.req.query('notice')
    return c.html(
      <Layout title={`Заказ ${order.number}`}>
        <h1>Заказ № {order.number}</h1>
        {error ? <p class="error">{error}</p> : null}
        {notice ? <p class="card">{notice}</p> : null}
        <p>
          Статус: <strong data-status={order.status}>{machine.states[order.status]?.label ?? order.status}</strong> · оплата {PAYMENT_STATUS[paid.state.status] ?? paid.state.status}
          {paid.state.due > 0 ? `, к получению ${rub(paid.state.due)}` : ''} · итого {rub(order.totals.total)}
          {order.refusedTotal > 0 ? `, отказ на ${rub(order.refusedTotal)}` : ''} · <a href={`/orders/${order.id}`}>страница клиента</a>
        </p>
        <p>
          {order.contact.name} <span class="muted">{order.contact.phone}</span>
        </p>
        <div>
          {transitions
            .filter((t) => t.allowed)
            .map((t) => (
              <form class="inline" method="post" action={`/admin/orders/${order.id}/transition`}>
                <input type="hidden" name="transition" value={t.name} />
                <input type="hidden" name="version" value={String(order.version)} />
                <input type="hidden" name="back" value={`/admin/orders/${order.id}`} />
                {t.requiresReason ? (
                  <select name="reason">
                    {(t.reasons ?? ['other']).map((r) => (
                      <option value={r}>{r}</option>
                    ))}
                  </select>
                ) : null}
                <button>{t.label}</button>{' '}
              </form>
            ))}
        </div>
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

  app.get('/admin/engine', async (c) => {
    const [migrations, jobs] = await Promise.all([shop.storage.migrations(), shop.jobs.list({ limit: 20 })])
    return c.html(
      <Layout title="Движок">
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
