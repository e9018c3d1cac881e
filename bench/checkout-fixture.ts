// Shared by the checkout scenarios (checkout.placeOrder.*, checkout.flow.*):
// the shop they seed, the storefront flow a shop's code drives, and the raw-SQL
// baselines (one order's rows written with the raw driver; a hand-written
// storefront flow) on Ordo's own schema.
import Database from 'better-sqlite3'
import pg from 'pg'
import type { Commerce, CommerceConfig } from '@ordo/core'
import { newId } from '@ordo/core'
import { latencySummary, perSecond, startTimer } from './harness.js'
import { statementBreakdown, type StatementCounter } from './counting-storage.js'
import type { BenchProvider } from './bench-payment-provider.js'

/** Where PostgreSQL runs; a fresh schema per run is created and dropped there. */
export const PG_URL = process.env.ORDO_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Variants in the catalog, one product each, all stocked in one warehouse. */
export const SKUS = 200
/** Units received per variant: no order ever runs out. */
export const STOCK = 100_000_000
/** Lines per cart. */
export const LINES = 3
/** Flows at the end of a flow warm-up whose statements are counted per step and per table. */
export const WARM_SAMPLE = 50

export const sku = (i: number) => `SKU-${String(i).padStart(4, '0')}`

/** The 3 distinct SKUs of cart `i` (spread over the catalog, so concurrent orders rarely share a stock row). */
export function cartSkus(i: number): string[] {
  return Array.from({ length: LINES }, (_, k) => sku((i * 7 + k * 67) % SKUS))
}

export const CONTACT = { name: 'Иван Петров', phone: '+7 916 123-45-67', email: 'Ivan.Petrov@example.com' }
export const ADDRESS = {
  country: 'RU',
  region: 'Москва',
  city: 'Москва',
  postalCode: '125009',
  street: 'Тверская',
  house: '7',
  apartment: '12',
  comment: 'Домофон 12',
}

/** What the storefront flow does, in order (the whole flow). */
export const FLOW_STEPS = [
  'carts.create',
  `carts.addItem x${LINES}`,
  'carts.setContact',
  'carts.setShippingAddress',
  'delivery.quote (own courier zone, no network)',
  'carts.setDelivery (own courier)',
  'carts.setPayment (card, in-process provider)',
  'checkout.placeOrder',
  'payments.start (card: the provider answers at once with a confirmation URL)',
  'payments.handleWebhook (the provider reports the payment captured)',
] as const

/** Where the own couriers deliver, as the storefront passes it to `delivery.quote`. */
export const DESTINATION = { city: ADDRESS.city, postalCode: ADDRESS.postalCode }
/** The option the shopper chooses: the own courier's Moscow zone. */
export const OWN_COURIER_OPTION = 'own:msk'
/** The shopper's payment method: a one-stage card through the bench provider. */
export const CARD_METHOD = 'card'

/**
 * The config of the shop the flow scenarios run: an own-courier zone for
 * Moscow (no courier adapter, no network), a card method through the
 * in-process bench provider and cash on delivery.
 */
export function flowShopConfig(storage: CommerceConfig['storage'], provider: BenchProvider): CommerceConfig {
  return {
    storage,
    currency: 'RUB',
    payments: {
      providers: [provider],
      methods: [
        { code: CARD_METHOD, type: 'card_online', provider: provider.id },
        { code: 'cod', type: 'cash_on_delivery' },
      ],
    },
    delivery: {
      ownCourier: { zones: [{ code: 'msk', name: 'Москва', cities: ['Москва'], price: 35_000, freeFrom: 1_000_000, days: { min: 1, max: 2 } }] },
    },
  }
}

export const positiveInt = (name: string, fallback: number): number => {
  const raw = process.env[name]
  const value = raw === undefined ? fallback : Number(raw)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`)
  return value
}

/** Imports the catalog (one base price each) and receives {@link STOCK} of every SKU at one warehouse. */
export async function seedShop(shop: Commerce): Promise<{ locationId: string }> {
  await shop.catalog.import(
    Array.from({ length: SKUS }, (_, i) => ({
      handle: `product-${i}`,
      name: `Футболка ${i}`,
      vatRate: 'vat22' as const,
      paymentSubject: 'commodity' as const,
      sku: sku(i),
      variantName: `Вариант ${i}`,
      weightGrams: 200 + i,
      costPrice: 40_000 + i * 10,
      prices: [{ priceList: 'base-RUB', amount: 99_000 + i * 100 }],
    })),
  )
  const location = await shop.inventory.createLocation({ code: 'main', name: 'Main warehouse', type: 'warehouse' })
  for (let i = 0; i < SKUS; i++) {
    const variant = await shop.catalog.getVariantBySku(sku(i))
    await shop.inventory.receive({ variantId: variant!.id, locationId: location.id, delta: STOCK, key: `seed-${i}` })
  }
  return { locationId: location.id }
}

/** The flow up to (not including) placeOrder: returns the cart id. */
export async function fillCart(shop: Commerce, i: number): Promise<string> {
  const cart = await shop.carts.create({ channel: { source: 'bench', medium: 'cpc', campaign: 'checkout' } })
  for (const code of cartSkus(i)) await shop.carts.addItem(cart.id, { sku: code, quantity: 1 + (i % 2) })
  await shop.carts.setContact(cart.id, CONTACT)
  await shop.carts.setShippingAddress(cart.id, ADDRESS)
  return cart.id
}

export const idempotencyKey = (tag: string, i: number) => `bench-${tag}-${i}-${'x'.repeat(8)}`

/** Names of the steps {@link runFlow} reports, in order. */
export const STEP_NAMES = [
  'create',
  'addItem',
  'setContact',
  'setShippingAddress',
  'quoteDelivery',
  'setDelivery',
  'setPayment',
  'placeOrder',
  'startPayment',
  'paymentWebhook',
] as const
export type StepName = (typeof STEP_NAMES)[number]

const zeroSteps = () => Object.fromEntries(STEP_NAMES.map((s) => [s, 0])) as Record<StepName, number>

/** Per-step totals over many flows: ms and statements. */
export class StepTotals {
  readonly ms: Record<StepName, number> = zeroSteps()
  readonly statements: Record<StepName, number> = zeroSteps()
  perOrder(orders: number, what: 'ms' | 'statements'): Record<string, number> {
    const digits = what === 'ms' ? 1000 : 100
    return Object.fromEntries(STEP_NAMES.map((s) => [s, Math.round((this[what][s] / orders) * digits) / digits]))
  }
}

/** The whole storefront flow for shopper `i`, as a shop's code drives it; returns the order id. */
export async function runFlow(shop: Commerce, provider: BenchProvider, i: number, tag: string, counter: StatementCounter, totals: StepTotals): Promise<string> {
  const step = async <T>(name: StepName, fn: () => Promise<T>): Promise<T> => {
    const before = counter.count
    const timer = startTimer()
    const result = await fn()
    totals.ms[name] += timer.ms()
    totals.statements[name] += counter.count - before
    return result
  }
  const cart = await step('create', () => shop.carts.create({ channel: { source: 'bench', medium: 'cpc', campaign: 'checkout' } }))
  for (const code of cartSkus(i)) await step('addItem', () => shop.carts.addItem(cart.id, { sku: code, quantity: 1 + (i % 2) }))
  await step('setContact', () => shop.carts.setContact(cart.id, CONTACT))
  await step('setShippingAddress', () => shop.carts.setShippingAddress(cart.id, ADDRESS))
  const quote = await step('quoteDelivery', () => shop.delivery.quote(cart.id, DESTINATION))
  const option = quote.options.find((o) => o.id === OWN_COURIER_OPTION)
  if (!option) throw new Error(`flow: no ${OWN_COURIER_OPTION} option in the quote (${quote.options.map((o) => o.id).join(', ')})`)
  await step('setDelivery', () => shop.carts.setDelivery(cart.id, { optionId: option.id, destination: DESTINATION }))
  await step('setPayment', () => shop.carts.setPayment(cart.id, { method: CARD_METHOD }))
  const order = await step('placeOrder', () => shop.checkout.placeOrder(cart.id, { idempotencyKey: idempotencyKey(tag, i) }))
  const payment = await step('startPayment', () =>
    shop.payments.start(order.id, { method: CARD_METHOD, returnUrl: 'https://shop.example/return', idempotencyKey: idempotencyKey(`${tag}-pay`, i) }),
  )
  if (payment.status !== 'requires_action' || !payment.providerPaymentId) throw new Error(`flow: payment ${payment.id} is ${payment.status}`)
  // The customer pays on the provider's page; the provider tells the shop.
  provider.pay(payment.providerPaymentId)
  const answer = await step('paymentWebhook', () => shop.payments.handleWebhook(provider.id, provider.webhook(payment.providerPaymentId!)))
  if (answer.outcome !== 'applied') throw new Error(`flow: the capture webhook of payment ${payment.id} was ${answer.outcome}`)
  return order.id
}

// ------------------------------------------------------------------ raw SQL

/** A transaction of the raw driver: statements with `?` placeholders. */
export interface RawTx {
  /** Runs a write; returns the rows it changed. */
  run(sql: string, params: readonly unknown[]): Promise<number>
  /** Runs a read. */
  all<R = Record<string, unknown>>(sql: string, params: readonly unknown[]): Promise<R[]>
}

/** The raw driver the baselines use: prepared statements, one transaction per command. */
export interface RawDb {
  transaction<T>(fn: (tx: RawTx) => Promise<T>): Promise<T>
  /** Statements run, BEGIN and COMMIT included (the same way the counting storage counts Ordo's). */
  statements: number
  close(): Promise<void>
}

/**
 * better-sqlite3 with Ordo's pragmas and a prepared-statement cache. One
 * transaction at a time (callers run sequentially).
 */
export function rawSqlite(filename: string): RawDb {
  const db = new Database(filename, { timeout: 5000 })
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  const cache = new Map<string, Database.Statement>()
  const prepared = (sql: string) => {
    let statement = cache.get(sql)
    if (!statement) cache.set(sql, (statement = db.prepare(sql)))
    return statement
  }
  const begin = db.prepare('begin immediate')
  const commit = db.prepare('commit')
  const rollback = db.prepare('rollback')
  let busy = false
  const raw: RawDb = {
    statements: 0,
    async transaction(fn) {
      if (busy) throw new Error('rawSqlite: one transaction at a time')
      busy = true
      raw.statements++
      begin.run()
      try {
        const result = await fn(tx)
        raw.statements++
        commit.run()
        return result
      } catch (error) {
        if (db.inTransaction) rollback.run()
        throw error
      } finally {
        busy = false
      }
    },
    async close() {
      db.close()
    },
  }
  const tx: RawTx = {
    async run(sql, params) {
      raw.statements++
      return prepared(sql).run(...params).changes
    },
    async all<R>(sql: string, params: readonly unknown[]) {
      raw.statements++
      return prepared(sql).all(...params) as R[]
    },
  }
  return raw
}

/** `pg` with named (server-side prepared) statements; each transaction takes a client from a pool of `connections`. */
export function rawPostgres(schema: string, connections: number): RawDb {
  const pool = new pg.Pool({ connectionString: PG_URL, max: connections, options: `-c search_path=${schema}` })
  const names = new Map<string, { name: string; text: string }>()
  const statement = (sql: string) => {
    let named = names.get(sql)
    if (!named) {
      let n = 0
      named = { name: `b${names.size}`, text: sql.replace(/\?/g, () => `$${++n}`) }
      names.set(sql, named)
    }
    return named
  }
  const raw: RawDb = {
    statements: 0,
    async transaction(fn) {
      const client = await pool.connect()
      try {
        raw.statements++
        await client.query('begin')
        const tx: RawTx = {
          async run(sql, params) {
            raw.statements++
            const result = await client.query({ ...statement(sql), values: params as unknown[] })
            return result.rowCount ?? 0
          },
          async all<R>(sql: string, params: readonly unknown[]) {
            raw.statements++
            const result = await client.query({ ...statement(sql), values: params as unknown[] })
            return result.rows as R[]
          },
        }
        const result = await fn(tx)
        raw.statements++
        await client.query('commit')
        return result
      } catch (error) {
        await client.query('rollback').catch(() => undefined)
        throw error
      } finally {
        client.release()
      }
    },
    async close() {
      await pool.end()
    },
  }
  return raw
}

// ------------------------------------------------- one placed order's rows

type Row = Record<string, unknown>

/** The rows Ordo wrote for one placed order, read back to be copied by the raw baselines. */
export interface OrderTemplate {
  order: Row
  lines: Row[]
  reservations: Row[]
  transitions: Row[]
  events: Row[]
  deliveries: Row[]
  /** The order's shipments and their lines (none when the shop has no delivery configured). */
  shipments?: Row[]
  shipmentLines?: Row[]
}

/** Events the settlement of a payment emits on the order: not part of placing it. */
const SETTLEMENT_EVENTS = ['order.paid']

/** Reads every row `orderId`'s placement wrote (the cart update aside). */
export async function readOrderTemplate(db: RawDb, orderId: string): Promise<OrderTemplate> {
  return db.transaction(async (tx) => {
    const [order] = await tx.all('select * from ordo_order where id = ?', [orderId])
    if (!order) throw new Error(`no order ${orderId} to copy`)
    const shipments = await tx.all('select * from ordo_shipment where order_id = ? order by number', [orderId])
    const shipmentLines = shipments.length === 0 ? [] : await tx.all(`select * from ordo_shipment_line where shipment_id in (${shipments.map(() => '?').join(', ')}) order by shipment_id, id`, shipments.map((s) => s.id))
    const aggregates = [orderId, ...shipments.map((s) => String(s.id))]
    const events = (await tx.all(`select * from ordo_event where aggregate_id in (${aggregates.map(() => '?').join(', ')}) order by id`, aggregates)).filter(
      (e) => !SETTLEMENT_EVENTS.includes(String(e.type)),
    )
    const deliveries = events.length === 0 ? [] : await tx.all(`select * from ordo_event_delivery where event_id in (${events.map(() => '?').join(', ')})`, events.map((e) => e.id))
    return {
      order,
      lines: await tx.all('select * from ordo_order_line where order_id = ? order by line_no', [orderId]),
      reservations: await tx.all('select * from ordo_stock_reservation where owner_id = ? order by id', [orderId]),
      transitions: await tx.all('select * from ordo_transition where entity_id = ? order by id', [orderId]),
      events,
      deliveries,
      shipments,
      shipmentLines,
    }
  })
}

/** A cart as the raw baseline sees it: its id and its lines' variants and quantities. */
export interface RawCart {
  cartId: string
  lines: { variantId: string; quantity: number }[]
}

/** The carts (with their lines) of the given ids, read with the raw driver. */
export async function readCarts(db: RawDb, cartIds: readonly string[]): Promise<RawCart[]> {
  const byCart = new Map<string, RawCart>(cartIds.map((id) => [id, { cartId: id, lines: [] }]))
  await db.transaction(async (tx) => {
    for (let i = 0; i < cartIds.length; i += 500) {
      const part = cartIds.slice(i, i + 500)
      const rows = await tx.all<{ cart_id: string; variant_id: string; quantity: number }>(
        `select cart_id, variant_id, quantity from ordo_cart_item where cart_id in (${part.map(() => '?').join(', ')}) order by cart_id, added_at, id`,
        part,
      )
      for (const r of rows) byCart.get(r.cart_id)!.lines.push({ variantId: r.variant_id, quantity: Number(r.quantity) })
    }
  })
  return cartIds.map((id) => byCart.get(id)!)
}

const insertSql = (table: string, columns: readonly string[], rows: number) =>
  `insert into ${table} (${columns.join(', ')}) values ${Array.from({ length: rows }, () => `(${columns.map(() => '?').join(', ')})`).join(', ')}`

/** See {@link orderWriter}. */
export interface OrderWriter {
  /** Writes the order of `cart` in a transaction of its own; returns the order id. */
  place(cart: RawCart, n: number): Promise<string>
  /** Writes the order of `cart` inside the caller's transaction; returns the order id. */
  write(tx: RawTx, cart: RawCart, n: number): Promise<string>
}

/**
 * Writes, in one transaction, the rows a placed order writes: the order row,
 * its lines (one multi-row insert), one conditional stock-level update per
 * line, the reservations, the history row, the events (and deliveries, if
 * Ordo wrote any) and the cart's conversion — copied from `template` with
 * fresh ids, this cart's variants and quantities. No reads, no pricing, no
 * validation: the floor of placing an order on this schema.
 */
export function orderWriter(db: RawDb, template: OrderTemplate, locationId: string): OrderWriter {
  const orderColumns = Object.keys(template.order)
  const lineColumns = Object.keys(template.lines[0]!)
  const reservationColumns = Object.keys(template.reservations[0]!)
  const transitionColumns = Object.keys(template.transitions[0] ?? {})
  const eventColumns = Object.keys(template.events[0]!)
  const deliveryColumns = Object.keys(template.deliveries[0] ?? {})
  const shipments = template.shipments ?? []
  const shipmentLines = template.shipmentLines ?? []
  const shipmentColumns = Object.keys(shipments[0] ?? {})
  const shipmentLineColumns = Object.keys(shipmentLines[0] ?? {})
  const reserve =
    'update ordo_stock_level set reserved = reserved + ?, updated_at = ? where variant_id = ? and location_id = ? and on_hand - reserved >= ?'
  const convert = "update ordo_cart set status = 'converted', converted_to = ?, updated_at = ? where id = ? and status = 'active'"
  const values = (columns: readonly string[], row: Row, patch: Row) => columns.map((c) => (c in patch ? patch[c] : row[c]))

  const write = async (tx: RawTx, cart: RawCart, n: number): Promise<string> => {
      const now = Date.now()
      const orderId = newId()
      await tx.run(
        insertSql('ordo_order', orderColumns, 1),
        values(orderColumns, template.order, {
          id: orderId,
          number: String(900_000_000 + n),
          cart_id: cart.cartId,
          idempotency_key: `raw-${n}-${orderId}`,
          placed_at: now,
          updated_at: now,
          reservation_expires_at: now + 86_400_000,
        }),
      )
      const lines = cart.lines.map((l, i) => ({ ...l, template: template.lines[i % template.lines.length]! }))
      const lineIds = lines.map(() => newId())
      await tx.run(
        insertSql('ordo_order_line', lineColumns, lines.length),
        lines.flatMap((l, i) => values(lineColumns, l.template, { id: lineIds[i], order_id: orderId, line_no: i + 1, variant_id: l.variantId, quantity: l.quantity })),
      )
      for (const l of [...cart.lines].sort((a, b) => (a.variantId < b.variantId ? -1 : 1))) {
        const changed = await tx.run(reserve, [l.quantity, now, l.variantId, locationId, l.quantity])
        if (changed !== 1) throw new Error(`raw baseline: out of stock for ${l.variantId}`)
      }
      await tx.run(
        insertSql('ordo_stock_reservation', reservationColumns, cart.lines.length),
        cart.lines.flatMap((l, i) =>
          values(reservationColumns, template.reservations[i % template.reservations.length]!, {
            id: newId(),
            owner_id: orderId,
            variant_id: l.variantId,
            location_id: locationId,
            quantity: l.quantity,
            created_at: now,
          }),
        ),
      )
      for (const t of template.transitions) await tx.run(insertSql('ordo_transition', transitionColumns, 1), values(transitionColumns, t, { id: newId(), entity_id: orderId, at: now }))
      // Shipments: one per template shipment, carrying this order's lines (one multi-row insert of lines each).
      const aggregate = new Map<unknown, string>([[template.order.id, orderId]])
      for (const [k, shipment] of shipments.entries()) {
        const shipmentId = newId()
        aggregate.set(shipment.id, shipmentId)
        await tx.run(
          insertSql('ordo_shipment', shipmentColumns, 1),
          values(shipmentColumns, shipment, { id: shipmentId, order_id: orderId, order_number: String(900_000_000 + n), number: `${900_000_000 + n}-${k + 1}`, created_at: now, updated_at: now }),
        )
        const ofShipment = shipmentLines.filter((l) => l.shipment_id === shipment.id)
        if (ofShipment.length === 0) continue
        await tx.run(
          insertSql('ordo_shipment_line', shipmentLineColumns, lines.length),
          lines.flatMap((l, i) =>
            values(shipmentLineColumns, ofShipment[i % ofShipment.length]!, { id: newId(), shipment_id: shipmentId, order_line_id: lineIds[i], variant_id: l.variantId, quantity: l.quantity }),
          ),
        )
      }
      const eventIds = template.events.map(() => newId())
      await tx.run(
        insertSql('ordo_event', eventColumns, template.events.length),
        template.events.flatMap((e, i) => values(eventColumns, e, { id: eventIds[i], aggregate_id: aggregate.get(e.aggregate_id) ?? orderId, occurred_at: now })),
      )
      if (template.deliveries.length > 0) {
        const eventIndex = new Map(template.events.map((e, i) => [e.id, i]))
        await tx.run(
          insertSql('ordo_event_delivery', deliveryColumns, template.deliveries.length),
          template.deliveries.flatMap((d) => values(deliveryColumns, d, { id: newId(), event_id: eventIds[eventIndex.get(d.event_id)!], next_attempt_at: now })),
        )
      }
      if ((await tx.run(convert, [orderId, now, cart.cartId])) !== 1) throw new Error(`raw baseline: cart ${cart.cartId} was not active`)
      return orderId
  }
  return {
    place: (cart: RawCart, n: number): Promise<string> => db.transaction((tx) => write(tx, cart, n)),
    write,
  }
}

// ------------------------------------------- a hand-written storefront flow

/** The rows Ordo wrote to settle the first flow's payment, read back to be copied by the raw flow. */
export interface PaymentTemplate {
  payment: Row
  /** The provider call's `create` operation. */
  operation: Row
  /** The log row of the provider call. */
  attempt: Row
  /** The payment's history: `pending → requires_action`, then `→ captured`. */
  transitions: Row[]
  /** `payment.created`, `payment.status_changed` ×2, `payment.captured`, then `order.paid`, in the order they were emitted. */
  events: Row[]
  deliveries: Row[]
  webhook: Row
  receipt: Row
}

/** Reads the rows the payment of `orderId` wrote (start + the captured webhook). */
export async function readPaymentTemplate(db: RawDb, orderId: string): Promise<PaymentTemplate> {
  return db.transaction(async (tx) => {
    const [payment] = await tx.all('select * from ordo_payment where order_id = ?', [orderId])
    if (!payment) throw new Error(`no payment of order ${orderId} to copy`)
    const one = async (sql: string, params: unknown[]) => {
      const [row] = await tx.all(sql, params)
      if (!row) throw new Error(`raw flow: nothing for ${sql}`)
      return row
    }
    const events = await tx.all("select * from ordo_event where aggregate_id = ? or (aggregate_id = ? and type = 'order.paid') order by id", [payment.id, orderId])
    return {
      payment,
      operation: await one('select * from ordo_payment_operation where payment_id = ?', [payment.id]),
      attempt: await one('select * from ordo_payment_attempt where payment_id = ?', [payment.id]),
      transitions: await tx.all('select * from ordo_transition where entity_id = ? order by id', [payment.id]),
      events,
      deliveries: await tx.all(`select * from ordo_event_delivery where event_id in (${events.map(() => '?').join(', ')})`, events.map((e) => e.id)),
      webhook: await one('select * from ordo_payment_webhook where payment_id = ?', [payment.id]),
      receipt: await one('select * from ordo_fiscal_receipt where payment_id = ?', [payment.id]),
    }
  })
}

/** What {@link rawFlow} needs: the base price list, the warehouse, a cart row to copy, the order writer and the payment rows to copy. */
export interface RawFlowContext {
  priceListId: string
  locationId: string
  cartTemplate: Row
  orders: OrderWriter
  payment: PaymentTemplate
  provider: BenchProvider
}

/** Reads what {@link rawFlow} needs from a seeded database (a cart row to copy from `cartId`, the payment rows of its order). */
export async function rawFlowContext(db: RawDb, cartId: string, orders: OrderWriter, locationId: string, provider: BenchProvider): Promise<RawFlowContext> {
  const base = await db.transaction(async (tx) => {
    const [list] = await tx.all<{ id: string }>("select id from ordo_price_list where code = 'base-RUB'", [])
    const [cart] = await tx.all('select * from ordo_cart where id = ?', [cartId])
    if (!list || !cart) throw new Error('raw flow: seed the shop and place one order first')
    return { priceListId: list.id, cartTemplate: cart }
  })
  const payment = await readPaymentTemplate(db, String(base.cartTemplate.converted_to))
  return { ...base, locationId, orders, payment, provider }
}

/** Zone price of the own courier in {@link flowShopConfig}, free from 1 000 000 of goods. */
const ownCourierPrice = (goods: number) => (goods >= 1_000_000 ? 0 : 35_000)

/**
 * The storefront flow hand-written on Ordo's schema with the raw driver: the
 * same commands, one transaction each, writing the rows Ordo writes (cart,
 * lines, the quote on the cart, an event per command as Ordo emits them, the
 * delivery and payment choices, the order's rows and shipment, the payment,
 * its operation, provider-call log, history, webhook, receipt and events) with
 * the fewest reads a correct implementation needs: the variant and its base
 * price by SKU, its free stock, the cart's lines with prices for the quote,
 * the cart at checkout, the order's total when the payment starts, the payment
 * and the order's lines (for the receipt) when the webhook arrives. No pricing
 * engine (base price × quantity, VAT included), no promotions, no validation
 * library, no state machine.
 */
export async function rawFlow(db: RawDb, ctx: RawFlowContext, i: number): Promise<void> {
  const now = () => Date.now()
  const event = (tx: RawTx, type: string, aggregateId: string, data: unknown) =>
    tx.run('insert into ordo_event (id, type, aggregate_id, payload, occurred_at) values (?, ?, ?, ?, ?)', [newId(), type, aggregateId, JSON.stringify(data), now()])
  let deliveryPrice: number | null = null
  const quote = async (tx: RawTx, cartId: string) => {
    const rows = await tx.all<{ id: string; variant_id: string; sku: string; quantity: number; amount: number; weight_grams: number | null }>(
      'select i.id, i.variant_id, i.sku, i.quantity, p.amount, v.weight_grams from ordo_cart_item i join ordo_price p on p.variant_id = i.variant_id and p.price_list_id = ? join ordo_variant v on v.id = i.variant_id where i.cart_id = ? order by i.added_at, i.id',
      [ctx.priceListId, cartId],
    )
    const lines: Record<string, { sku: string; unitPrice: number; total: number }> = {}
    let goods = 0
    for (const r of rows) {
      const line = { sku: r.sku, unitPrice: Number(r.amount), total: Number(r.amount) * Number(r.quantity) }
      lines[r.id] = line
      goods += line.total
    }
    const json = (delivery: number | null) => JSON.stringify({ total: goods + (delivery ?? 0), lines })
    return { rows, goods, json: json(deliveryPrice), with: json }
  }

  const cartId = newId()
  await db.transaction(async (tx) => {
    const columns = Object.keys(ctx.cartTemplate)
    const row: Row = { ...ctx.cartTemplate, id: cartId, status: 'active', version: 1, created_at: now(), updated_at: now(), converted_to: null, quote: null }
    for (const c of ['contact_name', 'contact_phone', 'contact_email', 'shipping_address', 'delivery', 'payment_method']) row[c] = null
    await tx.run(insertSql('ordo_cart', columns, 1), columns.map((c) => row[c]))
    await event(tx, 'cart.created', cartId, { cartId, customerId: null, channelSource: row.channel_source })
  })
  let version = 1
  for (const code of cartSkus(i)) {
    const quantity = 1 + (i % 2)
    await db.transaction(async (tx) => {
      const [variant] = await tx.all<{ id: string; status: string; amount: number }>(
        'select v.id, v.status, p.amount from ordo_variant v join ordo_price p on p.variant_id = v.id and p.price_list_id = ? where v.sku = ?',
        [ctx.priceListId, code],
      )
      if (!variant || variant.status !== 'active') throw new Error(`raw flow: no active SKU ${code}`)
      const [stock] = await tx.all<{ available: number }>('select on_hand - reserved as available from ordo_stock_level where variant_id = ? and location_id = ?', [variant.id, ctx.locationId])
      if (!stock || Number(stock.available) < quantity) throw new Error(`raw flow: out of stock ${code}`)
      await tx.run('insert into ordo_cart_item (id, cart_id, variant_id, sku, quantity, added_at) values (?, ?, ?, ?, ?, ?)', [newId(), cartId, variant.id, code, quantity, now()])
      const { json } = await quote(tx, cartId)
      await tx.run('update ordo_cart set version = ?, updated_at = ?, quote = ? where id = ?', [++version, now(), json, cartId])
      await event(tx, 'cart.items_changed', cartId, { cartId, sku: code, quantity, change: 'added' })
    })
  }
  await db.transaction(async (tx) => {
    const phone = '+79161234567'
    const email = CONTACT.email.toLowerCase()
    await tx.run('update ordo_cart set contact_name = ?, contact_phone = ?, contact_email = ?, version = ?, updated_at = ? where id = ?', [CONTACT.name, phone, email, ++version, now(), cartId])
    await event(tx, 'cart.contact_set', cartId, { cartId, phone, email })
  })
  await db.transaction(async (tx) => {
    await tx.run('update ordo_cart set shipping_address = ?, version = ?, updated_at = ? where id = ?', [JSON.stringify(ADDRESS), ++version, now(), cartId])
  })
  // Delivery: the quote reads the priced lines with their weights (the zone's price depends on the goods total);
  // choosing prices them again in the write transaction and stores the choice with the new quote.
  const offered = await db.transaction(async (tx) => ownCourierPrice((await quote(tx, cartId)).goods))
  await db.transaction(async (tx) => {
    const priced = await quote(tx, cartId)
    deliveryPrice = ownCourierPrice(priced.goods)
    if (deliveryPrice !== offered) throw new Error('raw flow: the delivery price changed since the quote')
    const json = priced.with(deliveryPrice)
    const choice = { ...(JSON.parse(String(ctx.cartTemplate.delivery)) as Row), price: deliveryPrice, carrierPrice: deliveryPrice, address: ADDRESS }
    const changed = await tx.run("update ordo_cart set delivery = ?, shipping_address = ?, version = ?, updated_at = ?, quote = ? where id = ? and status = 'active'", [
      JSON.stringify(choice),
      JSON.stringify(ADDRESS),
      ++version,
      now(),
      json,
      cartId,
    ])
    if (changed !== 1) throw new Error('raw flow: cart not active')
  })
  await db.transaction(async (tx) => {
    const changed = await tx.run("update ordo_cart set payment_method = ?, version = ?, updated_at = ? where id = ? and status = 'active'", [CARD_METHOD, ++version, now(), cartId])
    if (changed !== 1) throw new Error('raw flow: cart not active')
  })
  // Checkout: read the cart and its priced lines, compare with the quote, then the same writes as the placeOrder floor.
  const orderId = await db.transaction(async (tx) => {
    const [row] = await tx.all<{ status: string; quote: string; contact_phone: string | null; delivery: string | null; payment_method: string | null }>(
      'select status, quote, contact_phone, delivery, payment_method from ordo_cart where id = ?',
      [cartId],
    )
    if (!row || row.status !== 'active' || !row.contact_phone || !row.delivery || !row.payment_method) throw new Error('raw flow: cart not ready')
    const { rows, json } = await quote(tx, cartId)
    if (json !== row.quote) throw new Error('raw flow: prices changed')
    return ctx.orders.write(tx, { cartId, lines: rows.map((r) => ({ variantId: r.variant_id, quantity: Number(r.quantity) })) }, i)
  })
  await rawSettle(db, ctx, orderId, i)
}

/** Starts the card payment of `orderId` and applies the provider's "captured" webhook, writing the rows Ordo writes. */
async function rawSettle(db: RawDb, ctx: RawFlowContext, orderId: string, i: number): Promise<void> {
  const t = ctx.payment
  const values = (row: Row, patch: Row) => {
    const columns = Object.keys(row)
    return { columns, values: columns.map((c) => (c in patch ? patch[c] : row[c])) }
  }
  const insert = (tx: RawTx, table: string, row: Row, patch: Row) => {
    const v = values(row, patch)
    return tx.run(insertSql(table, v.columns, 1), v.values)
  }
  const [created, requiresAction, captured, capturedEvent, paid] = t.events
  const paymentId = newId()
  const operationId = newId()
  const providerKey = `ordo-${paymentId}-create-${operationId.slice(-12)}`
  const start = now()
  // payments.start: the order's amount due, the payment and its pending operation (the key is stored before the call).
  const payment = await db.transaction(async (tx) => {
    const [order] = await tx.all<{ number: string; total: number; currency: string; taken: number }>(
      "select o.number, o.total, o.currency, (select coalesce(sum(p.amount), 0) from ordo_payment p where p.order_id = o.id and p.status not in ('voided', 'failed', 'canceled')) as taken from ordo_order o where o.id = ?",
      [orderId],
    )
    if (!order) throw new Error(`raw flow: no order ${orderId}`)
    const amount = Number(order.total) - Number(order.taken)
    if (amount <= 0) throw new Error('raw flow: nothing due')
    const at = now()
    await insert(tx, 'ordo_payment', t.payment, {
      id: paymentId, order_id: orderId, order_number: order.number, provider_payment_id: null, status: 'pending', amount, captured: 0, confirmation_url: null,
      idempotency_key: idempotencyKey(`raw-pay-${start}`, i), version: 1, created_at: at, updated_at: at,
    })
    await insert(tx, 'ordo_payment_operation', t.operation, { id: operationId, payment_id: paymentId, status: 'pending', amount, provider_key: providerKey, provider_ref: null, created_at: at, updated_at: at })
    await insert(tx, 'ordo_event', created!, { id: newId(), aggregate_id: paymentId, occurred_at: at })
    return { amount, number: order.number, currency: order.currency }
  })
  const request = {
    amount: payment.amount, currency: payment.currency as 'RUB', orderNumber: payment.number, description: `Заказ ${payment.number}`, returnUrl: 'https://shop.example/return',
    capture: true, method: null, receipt: null, metadata: { paymentId, orderId },
  }
  const called = now()
  const state = await ctx.provider.createPayment(request, { signal: new AbortController().signal, idempotencyKey: providerKey })
  await db.transaction(async (tx) => {
    const at = now()
    await insert(tx, 'ordo_payment_attempt', t.attempt, {
      id: newId(), operation_id: operationId, payment_id: paymentId, at: called, duration_ms: at - called, request: JSON.stringify(request), response: JSON.stringify(state),
    })
    await tx.run("update ordo_payment_operation set status = 'succeeded', updated_at = ?, provider_ref = ? where id = ? and status = 'pending'", [at, state.providerPaymentId, operationId])
    await insert(tx, 'ordo_transition', t.transitions[0]!, { id: newId(), entity_id: paymentId, at })
    const changed = await tx.run('update ordo_payment set provider_payment_id = ?, confirmation_url = ?, status = ?, version = 2, updated_at = ? where id = ? and version = 1', [
      state.providerPaymentId, state.confirmationUrl, state.status, at, paymentId,
    ])
    if (changed !== 1) throw new Error('raw flow: payment changed')
    await insert(tx, 'ordo_event', requiresAction!, { id: newId(), aggregate_id: paymentId, occurred_at: at })
  })
  // The customer pays; the provider's webhook arrives.
  ctx.provider.pay(state.providerPaymentId)
  const parsed = await ctx.provider.parseWebhook(ctx.provider.webhook(state.providerPaymentId))
  if (!parsed.ok) throw new Error(`raw flow: webhook rejected (${parsed.reason})`)
  await db.transaction(async (tx) => {
    const [row] = await tx.all<{ id: string; order_id: string; amount: number; version: number }>(
      'select id, order_id, amount, version from ordo_payment where provider_id = ? and provider_payment_id = ?',
      [ctx.provider.id, parsed.event.providerPaymentId],
    )
    if (!row) throw new Error('raw flow: unknown payment')
    const at = now()
    const fresh = await tx.run('insert into ordo_payment_webhook (id, provider_id, event_id, payment_id, received_at) values (?, ?, ?, ?, ?) on conflict do nothing', [
      newId(), ctx.provider.id, parsed.event.eventId, row.id, at,
    ])
    if (fresh !== 1) return
    const lines = await tx.all<{ name: string; quantity: number; total: number; vat_rate: string; payment_subject: string; delivery_total: number; contact_email: string | null; contact_phone: string | null }>(
      'select l.name, l.quantity, l.total, l.vat_rate, l.payment_subject, o.delivery_total, o.contact_email, o.contact_phone from ordo_order_line l join ordo_order o on o.id = l.order_id where l.order_id = ? order by l.line_no',
      [row.order_id],
    )
    const amount = Number(row.amount)
    const shipping = JSON.parse(String(t.receipt.receipt)) as { lines: { description: string; vatRate: string; paymentSubject: string }[] }
    const deliveryLine = shipping.lines.find((l) => l.paymentSubject === 'service')!
    const receiptLines = lines.map((l) => ({
      description: l.name, quantity: Number(l.quantity), unitPrice: Math.round(Number(l.total) / Number(l.quantity)), amount: Number(l.total), vatRate: l.vat_rate, paymentSubject: l.payment_subject, paymentMode: 'full_prepayment',
    }))
    const delivery = Number(lines[0]?.delivery_total ?? 0)
    if (delivery > 0) receiptLines.push({ description: deliveryLine.description, quantity: 1, unitPrice: delivery, amount: delivery, vatRate: deliveryLine.vatRate, paymentSubject: 'service', paymentMode: 'full_prepayment' })
    const receipt = { kind: 'income', customer: { email: lines[0]?.contact_email ?? null, phone: lines[0]?.contact_phone ?? null }, lines: receiptLines, total: amount, currency: 'RUB' }
    await insert(tx, 'ordo_transition', t.transitions[1]!, { id: newId(), entity_id: row.id, at })
    const changed = await tx.run("update ordo_payment set status = 'captured', captured = ?, version = ?, updated_at = ? where id = ? and version = ?", [amount, Number(row.version) + 1, at, row.id, row.version])
    if (changed !== 1) throw new Error('raw flow: payment changed')
    await insert(tx, 'ordo_fiscal_receipt', t.receipt, { id: newId(), payment_id: row.id, order_id: row.order_id, total: amount, receipt: JSON.stringify(receipt), created_at: at })
    const events = [captured!, capturedEvent!, paid!]
    const ids = events.map(() => newId())
    const eventColumns = Object.keys(captured!)
    await tx.run(
      insertSql('ordo_event', eventColumns, events.length),
      events.flatMap((e, k) => values(e, { id: ids[k], aggregate_id: e === paid ? row.order_id : row.id, occurred_at: at }).values),
    )
    const deliveries = t.deliveries.filter((d) => events.some((e) => e.id === d.event_id))
    if (deliveries.length > 0) {
      const deliveryColumns = Object.keys(deliveries[0]!)
      await tx.run(
        insertSql('ordo_event_delivery', deliveryColumns, deliveries.length),
        deliveries.flatMap((d) => values(d, { id: newId(), event_id: ids[events.findIndex((e) => e.id === d.event_id)], next_attempt_at: at }).values),
      )
    }
  })
}

const now = () => Date.now()

// ------------------------------------------------ flow: Ordo vs hand-written

/** The outcome of {@link compareFlows}: Ordo's and the baseline's flows, measured the same way. */
export interface FlowComparison {
  orders: number
  concurrency: number
  /**
   * `stepStatements`, `placeOrderStatements` and `breakdown` come from the last
   * `sampled` flows of the sequential warm-up (exact per step, every SKU seen
   * before: the process's caches are warm); the rest from the measured rounds.
   */
  ordo: { ms: number; p50: number; p95: number; statements: number; stepMs: StepTotals; stepStatements: StepTotals; sampled: number; breakdown: Record<string, number> }
  baseline: { ms: number; p50: number; p95: number; statements: number }
}

/** Runs `count` tasks `fn(from..from+count-1)` on `concurrency` lanes; returns each task's ms and the wall time. */
export async function lanes(from: number, count: number, concurrency: number, fn: (i: number) => Promise<unknown>) {
  const samples: number[] = []
  let next = from
  const timer = startTimer()
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < from + count) {
        const i = next++
        const t = startTimer()
        await fn(i)
        samples.push(t.ms())
      }
    }),
  )
  return { ms: timer.ms(), samples }
}

/**
 * The Ordo side of {@link compareFlows}: the flows run in this process
 * ({@link localFlows}) or in a process of their own (checkout.flow.sqlite).
 */
export interface OrdoFlows {
  /**
   * Flows `0..count-1` one after another, the statements of the last
   * `sampled` of them logged: the order ids, statements per step (totals)
   * and per table (per order).
   */
  warm(count: number, sampled: number): Promise<{ orderIds: string[]; stepStatements: StepTotals; breakdown: Record<string, number> }>
  /** Flows `from..from+count-1`, `concurrency` at a time, ms per step added to `stepMs`: the wall time, each flow's ms and the statements sent. */
  round(from: number, count: number, tag: string, concurrency: number, stepMs: StepTotals): Promise<{ ms: number; samples: number[]; statements: number }>
}

/** {@link OrdoFlows} on `shop` in this process, counting statements with `counter`. */
export function localFlows(shop: Commerce, provider: BenchProvider, counter: StatementCounter): OrdoFlows {
  return {
    async warm(count, sampled) {
      const stepStatements = new StepTotals()
      const orderIds: string[] = []
      try {
        for (let i = 0; i < count; i++) {
          if (i === count - sampled) {
            counter.reset()
            counter.logging = true
          }
          // Steps before the sample are counted into totals that are thrown away.
          orderIds.push(await runFlow(shop, provider, i, 'warm', counter, i < count - sampled ? new StepTotals() : stepStatements))
        }
      } finally {
        counter.logging = false
      }
      const breakdown = statementBreakdown(counter.log, sampled)
      counter.reset()
      return { orderIds, stepStatements, breakdown }
    },
    async round(from, count, tag, concurrency, stepMs) {
      counter.reset()
      const { ms, samples } = await lanes(from, count, concurrency, (i) => runFlow(shop, provider, i, tag, counter, stepMs))
      return { ms, samples, statements: counter.count }
    },
  }
}

/**
 * Runs `warmup` flows one after another on each side (Ordo's statements
 * logged: per-step and per-table counts), builds the baseline's context from
 * the first order Ordo placed (read through `openReader`, a raw connection to
 * Ordo's database), then `rounds` rounds alternating Ordo and the baseline,
 * `orders` flows in all per side, `concurrency` shoppers at a time.
 */
export async function compareFlows(options: {
  ordo: OrdoFlows
  /** The provider the baseline's card payments go through (another instance of the shop's bench provider). */
  provider: BenchProvider
  baselineDb: RawDb
  openReader: () => RawDb
  locationId: string
  orders: number
  warmup: number
  rounds: number
  concurrency: number
  log: (line: string) => void
}): Promise<FlowComparison> {
  const { ordo: side, provider, baselineDb, orders, warmup, rounds, concurrency } = options

  // Warm-up, sequential: exact statements per step.
  // The sample: the last flows of the warm-up, once every SKU has been in a cart (the catalog cache is warm, as in a running shop).
  const sampled = Math.min(WARM_SAMPLE, warmup)
  const { orderIds: warmOrderIds, stepStatements, breakdown } = await side.warm(warmup, sampled)
  const reader = options.openReader()
  let ctx: RawFlowContext
  try {
    const template = await readOrderTemplate(reader, warmOrderIds[0]!)
    ctx = await rawFlowContext(reader, String(template.order.cart_id), orderWriter(baselineDb, template, options.locationId), options.locationId, provider)
  } finally {
    await reader.close()
  }
  for (let i = 0; i < warmup; i++) await rawFlow(baselineDb, ctx, i)

  const ordoSamples: number[] = []
  const baseSamples: number[] = []
  const stepMs = new StepTotals()
  const sum = { ordoMs: 0, baseMs: 0, ordoStatements: 0, baseStatements: 0 }
  let done = 0
  for (let round = 1; round <= rounds; round++) {
    const count = round < rounds ? Math.ceil(orders / rounds) : orders - done
    const from = warmup + done
    const ordo = await side.round(from, count, `r${round}`, concurrency, stepMs)
    baselineDb.statements = 0
    const base = await lanes(from, count, concurrency, (i) => rawFlow(baselineDb, ctx, i))
    done += count
    ordoSamples.push(...ordo.samples)
    baseSamples.push(...base.samples)
    sum.ordoMs += ordo.ms
    sum.baseMs += base.ms
    sum.ordoStatements += ordo.statements
    sum.baseStatements += baselineDb.statements
    options.log(`  round ${round}: ordo ${Math.round(perSecond(count, ordo.ms))} orders/s, baseline ${Math.round(perSecond(count, base.ms))} orders/s`)
  }
  const check = options.openReader()
  await expectFlowRows(check, warmup + orders, 'flow (Ordo)').finally(() => check.close())
  await expectFlowRows(baselineDb, warmup + orders, 'flow (baseline)')
  return {
    orders,
    concurrency,
    ordo: { ms: sum.ordoMs, ...latencySummary(ordoSamples), statements: sum.ordoStatements, stepMs, stepStatements, sampled, breakdown },
    baseline: { ms: sum.baseMs, ...latencySummary(baseSamples), statements: sum.baseStatements },
  }
}

/** The figure's extras for a {@link FlowComparison}. */
export function flowExtras(result: FlowComparison): Record<string, unknown> {
  const { orders, ordo, baseline } = result
  const round = (n: number, digits = 1000) => Math.round(n * digits) / digits
  return {
    orders,
    concurrentShoppers: result.concurrency,
    steps: FLOW_STEPS,
    p50Ms: round(ordo.p50),
    p95Ms: round(ordo.p95),
    baselineP50Ms: round(baseline.p50),
    baselineP95Ms: round(baseline.p95),
    statementsPerOrder: round(ordo.statements / orders, 100),
    placeOrderStatementsPerOrder: round(ordo.stepStatements.statements.placeOrder / ordo.sampled, 100),
    baselineStatementsPerOrder: round(baseline.statements / orders, 100),
    statementsPerStep: ordo.stepStatements.perOrder(ordo.sampled, 'statements'),
    msPerStep: ordo.stepMs.perOrder(orders, 'ms'),
    statementsByTable: ordo.breakdown,
  }
}

// ------------------------------------------------------ PostgreSQL schemas

/** A fresh schema name for one run. */
export const pgSchemaName = (tag: string) => `ordo_bench_${tag}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`

/** Drops schemas (and everything in them). */
export async function dropPgSchemas(schemas: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`)
  } finally {
    await client.end()
  }
}

/**
 * Copies every Ordo table's rows from schema `from` into schema `to` (both
 * migrated by Ordo, so the tables have the same columns in the same order),
 * foreign-key triggers off for the copy.
 */
export async function copyPgSchema(from: string, to: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    const { rows } = await client.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' and table_name like 'ordo\\_%' and table_name not like 'ordo\\_migration%'",
      [from],
    )
    await client.query('begin')
    await client.query('set local session_replication_role = replica')
    for (const { table_name: table } of rows) {
      await client.query(`delete from "${to}"."${table}"`)
      await client.query(`insert into "${to}"."${table}" select * from "${from}"."${table}"`)
    }
    await client.query('commit')
    for (const { table_name: table } of rows) await client.query(`analyze "${to}"."${table}"`)
  } finally {
    await client.end()
  }
}

/** Throws unless the database holds `expected` orders (a run that placed fewer, or replayed, is not a measurement). */
export async function expectOrders(db: RawDb, expected: number, what: string): Promise<void> {
  const [row] = await db.transaction((tx) => tx.all<{ n: number | string }>('select count(*) as n from ordo_order', []))
  if (Number(row?.n) !== expected) throw new Error(`${what}: expected ${expected} orders in the database, found ${row?.n}`)
}

/**
 * Throws unless the database holds `expected` settled flows: as many orders,
 * shipments, captured payments (captured = amount) with a succeeded create
 * operation, webhooks and income receipts — so Ordo and the baseline are
 * shown to have written the same rows.
 */
export async function expectFlowRows(db: RawDb, expected: number, what: string): Promise<void> {
  await expectOrders(db, expected, what)
  const counts = await db.transaction(async (tx) => {
    const count = async (sql: string) => Number((await tx.all<{ n: number | string }>(sql, []))[0]?.n)
    return {
      shipments: await count('select count(*) as n from ordo_shipment'),
      shipmentLines: await count('select count(*) as n from ordo_shipment_line'),
      capturedPayments: await count("select count(*) as n from ordo_payment where status = 'captured' and captured = amount and provider_payment_id is not null"),
      paymentsCoveringOrders: await count('select count(*) as n from ordo_payment p join ordo_order o on o.id = p.order_id where p.captured = o.total'),
      succeededOperations: await count("select count(*) as n from ordo_payment_operation where kind = 'create' and status = 'succeeded'"),
      webhooks: await count('select count(*) as n from ordo_payment_webhook'),
      receipts: await count("select count(*) as n from ordo_fiscal_receipt where kind = 'income'"),
      orderLines: await count('select count(*) as n from ordo_order_line'),
    }
  })
  const want = { shipments: expected, shipmentLines: expected * LINES, capturedPayments: expected, paymentsCoveringOrders: expected, succeededOperations: expected, webhooks: expected, receipts: expected, orderLines: expected * LINES }
  const wrong = Object.entries(want).filter(([k, v]) => counts[k as keyof typeof counts] !== v)
  if (wrong.length > 0) throw new Error(`${what}: expected ${JSON.stringify(want)}, found ${JSON.stringify(counts)}`)
}
