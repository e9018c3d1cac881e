import { createHash, randomInt, timingSafeEqual } from 'node:crypto'
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import { z } from 'zod'
import type { Address, ChannelAttribution } from '../cart/cart-types.js'
import type { CatalogInternal } from '../catalog/catalog-module.js'
import { OrdoError } from '../errors.js'
import type { InventoryInternal } from '../inventory/inventory-module.js'
import type { JobDefinition } from '../jobs/job-types.js'
import { availableTransitions, can, canTransition, sourceStates, stateGroup, statesInGroup, statesWithCapability, type AvailableTransition, type Machine } from '../machine/index.js'
import type { CurrencyCode } from '../money/index.js'
import { queueConfirmationCode } from '../notify/notify-module.js'
import type { PriceBreakdown, PricingContext } from '../pricing/index.js'
import { loyaltySettings } from '../loyalty/loyalty-config.js'
import { redeemedPoints } from '../loyalty/loyalty-pricing.js'
import type { PricingInternal } from '../pricing/pricing-module.js'
import type { PromotionsInternal } from '../promotions/promotions-module.js'
import type { Runtime } from '../runtime.js'
import { addressSchema, MAX_TEXT, toE164 } from '../cart/contact-schema.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { affected } from '../storage/sql-helpers.js'
import { runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import './order-events.js'
import { ORDER_CAPABILITIES, ORDER_EFFECTS, ORDER_TRANSITIONS, type OrderGuardContext } from './order-machine.js'
import { decodeCursor, encodeCursor, findRow, loadLines, parseContext, serializeContext, toOrder, toSummary, totalsOf, totalsOfRow } from './order-rows.js'
import type { OrderLineTable, OrderTable } from './order-schema.js'
import {
  CALL_OUTCOMES,
  CONFIRMATION_CHANNELS,
  type AddLineInput,
  type AssignManagerInput,
  type CancelOrderOptions,
  type ChangeAddressInput,
  type ChangeDeliveryInput,
  type ChangeQuantityInput,
  type ConfirmByCodeResult,
  type ConfirmationCodeRequest,
  type ConfirmOrderOptions,
  type ListOrdersInput,
  type LogCallInput,
  type Order,
  type OrderBoard,
  type OrderCall,
  type OrderChange,
  type OrderChangeKind,
  type OrderCommandOptions,
  type OrderPage,
  type OrderView,
  type RemoveLineInput,
  type SubstituteVariantInput,
  type TransitionOrderOptions,
} from './order-types.js'

export { orderMigrations, type OrderTables } from './order-schema.js'

/**
 * What checkout hands to {@link OrderInternal.create}: the order's snapshot,
 * priced and reserved by checkout.
 */
export interface OrderDraft {
  id: string
  number: string
  cartId: string | null
  customerId: string | null
  contact: { name: string | null; phone: string | null; email: string | null }
  shippingAddress: Address | null
  notes: string | null
  currency: CurrencyCode
  region: string | null
  channel: ChannelAttribution
  pricingContext: PricingContext
  breakdown: PriceBreakdown
  /** One per breakdown line; `lineId` is the breakdown's line id. */
  lines: {
    lineId: string
    variantId: string
    productId: string
    sku: string
    name: string
    quantity: number
    costPrice: number | null
    paymentSubject: string
    weightGrams: number | null
  }[]
  paymentMethod: string
  delivery: unknown | null
  idempotencyKey: string | null
}

/**
 * `shop.orders`: the order aggregate, its status machine, confirmation,
 * edits before packing, cancellation and back-office queries.
 *
 * Every command validates its input and commits all its writes or none; every
 * command takes `expectedVersion` and refuses a stale one with `CONFLICT`.
 * What a status allows is decided by its capabilities (`edit_lines`,
 * `cancellable`, `expires`…), never by its name.
 *
 * @example
 * ```ts
 * const order = await shop.checkout.placeOrder(cart.id, { idempotencyKey })
 * await shop.orders.confirm(order.id, { actor: 'manager:7', channel: 'call' })
 * await shop.orders.changeQuantity(order.id, { lineId: order.lines[0]!.id, quantity: 3, actor: 'manager:7' })
 * await shop.orders.transition(order.id, 'start_picking', { actor: 'manager:7' })
 * ```
 */
export interface OrderApi {
  /** The order by id or by number, or undefined. */
  get(idOrNumber: string): Promise<Order | undefined>
  /** The order with its history, changes, calls and reservations; `NOT_FOUND` when there is none. */
  view(orderId: string): Promise<OrderView>
  /** Orders matching the filter, newest first, a page at a time. */
  list(filter?: ListOrdersInput): Promise<OrderPage>
  /** Counts per status and per group, for a board. */
  board(): Promise<OrderBoard>
  /** Takes a transition of the order machine (a button in the back office). */
  transition(orderId: string, transition: string, options: TransitionOrderOptions): Promise<Order>
  /**
   * The transitions that apply to the order's status now, each allowed or refused by the guards:
   * one button each in the back office. The same as {@link OrderApi.allowedTransitionsMany} for one id.
   *
   * @throws OrdoError `NOT_FOUND` when there is no order with this id.
   */
  allowedTransitions(orderId: string): Promise<AvailableTransition[]>
  /**
   * {@link OrderApi.allowedTransitions} for many orders at once (a board's columns): the orders and
   * their lines are read in one query per table whatever the number of ids, then the order machine's
   * guards (those of plugins and config included) run for each order exactly as for one. Keyed by
   * order id, in the order the ids were given; a repeated id appears once; no ids, an empty map.
   * Like the single form it only asks the machine: plugins' `transition` hooks run when a
   * transition is taken, not here.
   *
   * @throws OrdoError `NOT_FOUND` when any id names no order (`details.orderIds` lists every unknown
   * one, `details.orderId` the first): a board passes ids it has just listed, so a missing one is a
   * mistake to surface, not a button to leave out. `VALIDATION` for more than 500 ids.
   *
   * @example
   * ```ts
   * const { items } = await shop.orders.list({ group: 'approval', limit: 20 })
   * const buttons = await shop.orders.allowedTransitionsMany(items.map((o) => o.id))
   * for (const order of items) render(order, buttons.get(order.id)!)
   * ```
   */
  allowedTransitionsMany(orderIds: readonly string[]): Promise<Map<string, AvailableTransition[]>>
  /** Confirms the order (a manager's call, an SMS code, or `auto` for prepaid orders when `orders.autoConfirmPrepaid` is on). */
  confirm(orderId: string, options: ConfirmOrderOptions): Promise<Order>
  /** Sends a short numeric code to the order's phone (after commit, through the SMS gateway); only its hash is stored. */
  requestConfirmationCode(orderId: string): Promise<ConfirmationCodeRequest>
  /** Confirms the order when `code` matches; a wrong code counts an attempt and is answered, not thrown. */
  confirmByCode(orderId: string, code: string): Promise<ConfirmByCodeResult>
  /** Logs a call; `confirmed` confirms the order, the N-th `no_answer` may cancel it (`orders.autoCancelAfterNoAnswer`). */
  logCall(orderId: string, input: LogCallInput): Promise<{ call: OrderCall; order: Order }>
  /** Assigns (or, with null, unassigns) the manager in charge. */
  assignManager(orderId: string, input: AssignManagerInput): Promise<Order>
  /** Cancels with a reason: stock and promotion uses are released, `order.cancelled` is emitted. */
  cancel(orderId: string, options: CancelOrderOptions): Promise<Order>
  /** Changes a line's quantity (status must allow `edit_lines`): re-priced, stock re-reserved. */
  changeQuantity(orderId: string, input: ChangeQuantityInput): Promise<Order>
  /** Removes a line (not the last one: cancel the order instead). */
  removeLine(orderId: string, input: RemoveLineInput): Promise<Order>
  /** Adds a SKU (up-sell, cross-sell); a SKU already on the order adds to its line. */
  addLine(orderId: string, input: AddLineInput): Promise<Order>
  /** Replaces a line's variant by another SKU (e.g. the first is out of stock). */
  substituteVariant(orderId: string, input: SubstituteVariantInput): Promise<Order>
  /** Changes the shipping address (status must allow `edit_address`). */
  changeAddress(orderId: string, input: ChangeAddressInput): Promise<Order>
  /** Changes the delivery choice and its price (status must allow `edit_delivery`): re-priced. */
  changeDelivery(orderId: string, input: ChangeDeliveryInput): Promise<Order>
  /** Cancels every order past its reservation TTL in a status with the `expires` capability; returns how many. The job `orders.expire-reservations` does this every minute. */
  expireReservations(): Promise<number>
}

/** What other core modules (checkout) call inside their unit of work. */
export interface OrderInternal {
  /**
   * Inserts the order and its lines (multi-row insert), in status =
   * machine.initial, then takes the machine's automatic transitions
   * (`meta.auto`, e.g. new → awaiting_confirmation via `submit` by
   * `system`); emits `order.placed`. Returns the Order.
   */
  create(uow: UnitOfWork, draft: OrderDraft): Promise<Order>
  /** The order with this idempotency key, if any. */
  findByIdempotencyKey(db: Kysely<Database>, key: string): Promise<Order | undefined>
  /** The order with this id, if any. */
  get(db: Kysely<Database>, id: string): Promise<Order | undefined>
  /**
   * Takes a transition of the order machine inside the caller's unit of work
   * (payments moving a paid order on), exactly as `shop.orders.transition`
   * does: guards, history, effects, automatic transitions, version bump.
   */
  transition(uow: UnitOfWork, orderId: string, transition: string, request: { actor: string; reason?: string | null; note?: string | null }): Promise<Order>
  /** Adds to the goods value the customer refused at delivery (shipments' partial buyout); payments compare against total − refused. */
  addRefused(uow: UnitOfWork, orderId: string, amount: number): Promise<Order>
  /** Attaches a guest order to a customer (CRM); false when the order already has one (it keeps it) or does not exist. */
  setCustomer(uow: UnitOfWork, orderId: string, customerId: string): Promise<boolean>
  /** Moves every order of `fromCustomerId` to `toCustomerId` (a CRM merge); returns how many moved. */
  moveCustomer(uow: UnitOfWork, fromCustomerId: string, toCustomerId: string): Promise<number>
  /** A customer's orders placed before `before` (epoch ms), newest first, at most `limit`: what a CRM timeline shows. */
  forTimeline(db: Kysely<Database>, customerId: string, options: { before: number | null; limit: number }): Promise<OrderTimelineRow[]>
  /** Sets the order's manager inside the caller's unit of work, exactly as `shop.orders.assignManager` does (change record, `order.changed`); a no-op when it is already theirs. */
  assignManager(uow: UnitOfWork, orderId: string, managerId: string | null, actor: string): Promise<Order>
  /**
   * A subquery of every customer with orders: `orders_count`, `spend` (Σ total − refused) and
   * `last_order_at` over their orders not in the `cancel` group (0 / null when all were cancelled).
   * CRM segments and RFM join it, so a page of members is one SQL query.
   */
  customerStatsQuery(db: Kysely<Database>): SelectQueryBuilder<any, any, CustomerOrderStatsRow>
  /** A subquery of the customers who bought (in an order not in the `cancel` group) any of the products `productIds` selects. */
  buyersQuery(db: Kysely<Database>, productIds: SelectQueryBuilder<any, any, { product_id: string }>): SelectQueryBuilder<any, any, { customer_id: string | null }>
}

/** A row of {@link OrderInternal.customerStatsQuery}; aggregates come back as strings on some databases. */
export interface CustomerOrderStatsRow {
  customer_id: string
  orders_count: number | string
  spend: number | string | null
  last_order_at: number | string | null
}

/** An order as a customer's timeline shows it. */
export interface OrderTimelineRow {
  id: string
  number: string
  status: string
  total: number
  currency: string
  /** Epoch ms. */
  placedAt: number
}

interface OrderDeps {
  inventory: InventoryInternal
  promotions: PromotionsInternal
  pricing: PricingInternal
  catalog: CatalogInternal
}

const idSchema = z.string().min(1).max(64)
const actor = z.string().trim().min(1).max(191)
const expectedVersion = z.number().int().min(1).optional()
const commandBase = { actor, expectedVersion }
const skuSchema = z.string().trim().min(1).max(100)
const transitionNameSchema = z.string().min(1).max(100)
export const assignManagerSchema = z.strictObject({ ...commandBase, managerId: z.string().trim().min(1).max(64).nullable() })
export const changeQuantitySchema = z.strictObject({ ...commandBase, lineId: idSchema, quantity: z.number().int().min(1) })
export const removeLineSchema = z.strictObject({ ...commandBase, lineId: idSchema })
export const addLineSchema = z.strictObject({ ...commandBase, sku: skuSchema, quantity: z.number().int().min(1) })
export const transitionSchema = z.strictObject({ ...commandBase, reason: z.string().trim().min(1).max(191).optional(), note: z.string().max(MAX_TEXT).optional() })
export const confirmSchema = z.strictObject({ ...commandBase, channel: z.enum(CONFIRMATION_CHANNELS), note: z.string().max(MAX_TEXT).optional() })
export const cancelSchema = z.strictObject({ ...commandBase, reason: z.string().trim().min(1).max(100), note: z.string().max(MAX_TEXT).optional() })
export const logCallSchema = z.strictObject({ manager: z.string().trim().min(1).max(191), outcome: z.enum(CALL_OUTCOMES), note: z.string().max(MAX_TEXT).optional(), actor: actor.optional() })
export const substituteVariantSchema = z.strictObject({ ...commandBase, lineId: idSchema, sku: skuSchema, quantity: z.number().int().min(1).optional() })
export const confirmationCodeSchema = z.string().trim().regex(/^\d{4,8}$/, 'expected the 4–8 digit code from the SMS')
const changeAddressSchema = z.strictObject({ ...commandBase, address: addressSchema })

const ORDER_OWNER = 'order'
const MAX_AUTO_STEPS = 10
/** The group whose statuses mean the goods reached the customer (`order.completed`). */
const COMPLETE_GROUP = 'complete'
const EXPIRY_BATCH = 100
/** The most ids `orders.allowedTransitionsMany` takes at once: a few board columns, well inside every database's parameter limit. */
const MAX_TRANSITIONS_BATCH = 500

/** Creates the order module on the engine's runtime. Its machine must already be registered as `order`. */
export function createOrderModule(
  runtime: Runtime,
  deps: OrderDeps,
): { api: OrderApi; internal: OrderInternal; jobs: Record<string, JobDefinition<any>> } {
  const settings = runtime.config.orders ?? {}
  const ttlMs = (settings.reservationTtlMinutes ?? 24 * 60) * 60_000
  const codeLength = settings.confirmationCode?.length ?? 4
  const codeTtlMs = (settings.confirmationCode?.ttlMinutes ?? 10) * 60_000
  const pointValue = runtime.config.loyalty ? loyaltySettings(runtime.config.loyalty).pointValue : null
  const maxAttempts = settings.confirmationCode?.maxAttempts ?? 5
  const noAnswerLimit = settings.autoCancelAfterNoAnswer ?? null
  const maxQuantity = runtime.config.cart?.maxQuantityPerLine ?? 999
  const defaultCountry = (runtime.config.cart?.defaultCountry ?? 'RU')
  const owner = (orderId: string) => ({ ownerType: ORDER_OWNER, ownerId: orderId })

  /** Read at each call: plugins extend the machine after the module is created. */
  function machine(): Machine<OrderGuardContext> {
    const registered = runtime.machines.get('order')
    if (!registered) throw new OrdoError('INTERNAL', 'The order machine is not registered.')
    return registered.machine
  }

  // ---------------------------------------------------------------- loading

  async function loadOrder(db: Kysely<Database>, orderId: string, options: { expectedVersion?: number | undefined } = {}) {
    const row = await db.selectFrom('ordo_order').selectAll().where('id', '=', orderId).executeTakeFirst()
    if (!row) throw new OrdoError('NOT_FOUND', `No order "${orderId}".`, { details: { orderId } })
    checkVersion(row, options.expectedVersion)
    const lines = (await loadLines(db, [row.id])).get(row.id) ?? []
    return { row, lines }
  }

  /**
   * The transitions each order's status offers, allowed or refused by the guards: one query for the
   * orders and one for their lines, whatever the number of ids; the machine is read once, so every
   * order is judged by the same one. `NOT_FOUND` when any id names no order.
   */
  async function transitionsOf(db: Kysely<Database>, orderIds: readonly string[]): Promise<Map<string, AvailableTransition[]>> {
    const ids = [...new Set(orderIds)]
    const result = new Map<string, AvailableTransition[]>()
    if (ids.length === 0) return result
    const rows = await db.selectFrom('ordo_order').selectAll().where('id', 'in', ids).execute()
    const byId = new Map(rows.map((row) => [row.id, row]))
    const missing = ids.filter((id) => !byId.has(id))
    if (missing.length > 0) {
      const names = missing.map((id) => `"${id}"`).join(', ')
      throw new OrdoError('NOT_FOUND', missing.length === 1 ? `No order ${names}.` : `No orders ${names}.`, {
        details: { orderId: missing[0], orderIds: missing },
      })
    }
    const lines = await loadLines(db, ids)
    const m = machine()
    for (const id of ids) {
      const row = byId.get(id)!
      result.set(id, availableTransitions(m, row.status, { order: toOrder(m, row, lines.get(id) ?? []) }))
    }
    return result
  }

  /** Sets the order's manager: the change record and `order.manager_assigned`, for the command and for CRM's assignment alike. */
  async function assignIn(uow: UnitOfWork, row: OrderTable, lines: OrderLineTable[], managerId: string | null, actor: string): Promise<Order> {
    const saved = await saveRow(uow, row, { manager_id: managerId })
    const totals = totalsOfRow(row)
    await recordChange(uow, saved, 'manager_assigned', { from: row.manager_id, to: managerId }, totals, totals, actor)
    uow.emit({ type: 'order.manager_assigned', aggregateId: row.id, data: { orderId: row.id, managerId, previousManagerId: row.manager_id, actor } })
    return toOrder(machine(), saved, lines)
  }

  function checkVersion(row: OrderTable, expected: number | undefined): void {
    if (expected !== undefined && expected !== Number(row.version)) throw conflict(row.id, expected, Number(row.version))
  }

  function conflict(orderId: string, expected: number, actual: number | null): OrdoError {
    return new OrdoError(
      'CONFLICT',
      `Order "${orderId}" changed since version ${expected}${actual === null ? '' : ` (it is at version ${actual})`}; reload it and apply your change again.`,
      { details: { orderId, expectedVersion: expected, actualVersion: actual } },
    )
  }

  function requireCapability(row: OrderTable, capability: string, what: string): void {
    if (can(machine(), row.status, capability)) return
    const allowedIn = statesWithCapability(machine(), capability)
    throw new OrdoError(
      'NOT_ALLOWED_IN_STATE',
      `Order ${row.number} is "${row.status}", which does not allow ${what} (capability "${capability}"; allowed in: ${allowedIn.join(', ') || 'no status'}).`,
      { details: { orderId: row.id, state: row.status, capability, allowedIn } },
    )
  }

  /** Writes the row's new fields with the version check; 0 rows means someone else changed it first. */
  async function saveRow(uow: UnitOfWork, row: OrderTable, patch: Partial<OrderTable>): Promise<OrderTable> {
    const version = Number(row.version)
    const next = { ...patch, version: version + 1, updated_at: uow.now.getTime() }
    const result = await uow.db.updateTable('ordo_order').set(next).where('id', '=', row.id).where('version', '=', version).executeTakeFirst()
    if (affected(result) !== 1) throw conflict(row.id, version, null)
    return { ...row, ...next }
  }

  // ------------------------------------------------------------ transitions

  /**
   * Takes one transition: the machine decides, `uow.transition` records
   * history, runs plugin hooks and emits `order.status_changed`; then the
   * status is saved with the version check and the transition's effects run.
   * Automatic transitions (`meta.auto`) from the new status follow.
   */
  async function move(
    uow: UnitOfWork,
    row: OrderTable,
    lines: readonly OrderLineTable[],
    transition: string,
    request: { actor: string; reason?: string | null | undefined; note?: string | null | undefined },
  ): Promise<OrderTable> {
    let current = row
    let name = transition
    let by = request
    for (let step = 0; step < MAX_AUTO_STEPS; step++) {
      const outcome = await uow.transition<OrderGuardContext>('order', {
        entityId: current.id,
        state: current.status,
        transition: name,
        actor: by.actor,
        reason: by.reason ?? null,
        note: by.note ?? null,
        context: { order: toOrder(machine(), current, lines) },
      })
      const effects = outcome.effects.map((e) => e.type)
      const cancelled = effects.includes(ORDER_EFFECTS.cancelled)
      current = await saveRow(uow, current, { status: outcome.to, ...(cancelled ? { cancel_reason: by.reason ?? null } : {}) })
      if (stateGroup(machine(), outcome.to) === COMPLETE_GROUP && stateGroup(machine(), outcome.from) !== COMPLETE_GROUP) {
        uow.emit({ type: 'order.completed', aggregateId: current.id, data: { orderId: current.id, status: outcome.to, actor: by.actor } })
      }
      for (const effect of effects) {
        if (effect === ORDER_EFFECTS.releaseStock) await deps.inventory.release(uow, owner(current.id))
        else if (effect === ORDER_EFFECTS.releasePromotionUsage) await deps.promotions.releaseUsage(uow, current.id)
        else if (effect === ORDER_EFFECTS.cancelled) {
          uow.emit({ type: 'order.cancelled', aggregateId: current.id, data: { orderId: current.id, reason: by.reason ?? 'other', actor: by.actor } })
        }
      }
      const next = autoTransition(current, lines)
      if (!next) return current
      name = next
      by = { actor: 'system' }
    }
    return current
  }

  /** The automatic transition (`meta.auto`) that applies to the order's status and its guards allow, if any. */
  function autoTransition(row: OrderTable, lines: readonly OrderLineTable[]): string | undefined {
    const m = machine()
    for (const [name, definition] of Object.entries(m.transitions)) {
      if (definition.meta?.auto !== true) continue
      if (!sourceStates(m, name).includes(row.status)) continue
      if (canTransition(m, row.status, name, { order: toOrder(m, row, lines) }).ok) return name
    }
    return undefined
  }

  async function transitionCommand(command: string, orderId: unknown, name: string, options: { actor: string; reason?: string | undefined; note?: string | undefined; expectedVersion?: number | undefined }) {
    return runInTransaction(runtime, async (uow) => {
      const { row, lines } = await loadOrder(uow.db, orderId as string, options)
      const saved = await move(uow, row, lines, name, options)
      return toOrder(machine(), saved, lines)
    })
  }

  // ----------------------------------------------------------------- edits

  interface DesiredLine {
    id: string
    lineNo: number
    variantId: string
    quantity: number
    costPrice: number | null
    paymentSubject: string
    weightGrams: number | null
  }

  interface EditPlan {
    lines?: DesiredLine[]
    patch?: Partial<OrderTable>
    delivery?: { amount: number; label?: string } | null
    details: Record<string, unknown>
  }

  /**
   * One content change: checks version and capability, re-prices with the
   * order's pricing context and coupons, re-reserves changed variants, writes
   * the lines, the order (version check) and a versioned change record, and
   * emits `order.changed` with the amount due delta.
   */
  async function edit(
    orderId: string,
    options: OrderCommandOptions,
    capability: string,
    what: string,
    kind: OrderChangeKind,
    plan: (uow: UnitOfWork, row: OrderTable, current: DesiredLine[]) => Promise<EditPlan>,
  ): Promise<Order> {
    return runInTransaction(runtime, async (uow) => {
      const { row, lines } = await loadOrder(uow.db, orderId, options)
      requireCapability(row, capability, what)
      const stored = JSON.parse(row.breakdown) as PriceBreakdown
      const gifts = new Set(stored.lines.filter((l) => l.gift).map((l) => l.lineId))
      const current: DesiredLine[] = lines
        .filter((l) => !gifts.has(l.id))
        .map((l) => ({
          id: l.id,
          lineNo: Number(l.line_no),
          variantId: l.variant_id,
          quantity: Number(l.quantity),
          costPrice: l.cost_price === null ? null : Number(l.cost_price),
          paymentSubject: l.payment_subject,
          weightGrams: l.weight === null ? null : Number(l.weight),
        }))
      const change = await plan(uow, row, current)
      const desired = change.lines ?? current
      const delivery = change.delivery !== undefined ? change.delivery : stored.delivery ? { amount: stored.delivery.amount } : null

      // The order's own uses are given back first, so its single-use coupon still applies when re-priced.
      const context = parseContext(row.pricing_context)
      await deps.promotions.releaseUsage(uow, row.id)
      // Points the order redeemed stay redeemed, capped again on the new goods; loyalty gives back what the cap cuts off (`order.changed`).
      const pointsRedeemed = pointValue === null ? 0 : redeemedPoints(stored, pointValue)
      const { breakdown: priced, variants } = await deps.pricing.priceCartWithVariants(uow.db, {
        lines: desired.map((l) => ({ lineId: l.id, variantId: l.variantId, quantity: l.quantity })),
        context,
        delivery,
        pointsRedeemed,
        paymentMethod: row.payment_method,
      })
      const applied = priced.coupons.filter((c) => c.applied).map((c) => c.code)
      if (priced.appliedPromotionIds.length > 0 || applied.length > 0) {
        await deps.promotions.recordUsage(uow, {
          orderId: row.id,
          customerKey: row.customer_id ?? row.contact_phone ?? row.contact_email,
          promotionIds: priced.appliedPromotionIds,
          couponCodes: applied,
        })
      }

      // Gift lines keep their row when the same gift comes back.
      const oldGifts = new Map(lines.filter((l) => gifts.has(l.id)).map((l) => [l.variant_id, l]))
      let nextNo = Math.max(0, ...lines.map((l) => Number(l.line_no)), ...desired.map((l) => l.lineNo))
      const byId = new Map(desired.map((l) => [l.id, l]))
      const breakdown: PriceBreakdown = {
        ...priced,
        lines: priced.lines.map((l) => (l.gift ? { ...l, lineId: oldGifts.get(l.variantId)?.id ?? newId() } : l)),
      }
      const lineRows: OrderLineTable[] = breakdown.lines.map((l) => {
        const mine = byId.get(l.lineId)
        const oldGift = l.gift ? oldGifts.get(l.variantId) : undefined
        const variant = variants.get(l.variantId)
        return {
          id: l.lineId,
          order_id: row.id,
          line_no: mine?.lineNo ?? (oldGift ? Number(oldGift.line_no) : ++nextNo),
          variant_id: l.variantId,
          product_id: l.productId,
          sku: l.sku,
          name: l.name,
          quantity: l.quantity,
          unit_price: l.unitPrice,
          discount_total: l.discountTotal,
          total: l.total,
          vat_rate: l.vatRate,
          vat_amount: l.vatAmount,
          discounts: JSON.stringify(l.discounts),
          cost_price: mine ? mine.costPrice : oldGift ? oldGift.cost_price : (variant?.costPrice ?? null),
          payment_subject: mine?.paymentSubject ?? oldGift?.payment_subject ?? variant?.paymentSubject ?? 'commodity',
          weight: mine ? mine.weightGrams : oldGift ? oldGift.weight : (variant?.weightGrams ?? null),
        }
      })

      // Stock: release and re-reserve each variant whose quantity changed, in this unit of work.
      const before = quantities(lines.map((l) => ({ variantId: l.variant_id, quantity: Number(l.quantity) })))
      const after = quantities(lineRows.map((l) => ({ variantId: l.variant_id, quantity: l.quantity })))
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter((v) => before.get(v) !== after.get(v)).sort()
      for (const variantId of changed) await deps.inventory.release(uow, { ...owner(row.id), variantId })
      const toReserve = changed.filter((v) => (after.get(v) ?? 0) > 0).map((variantId) => ({ variantId, quantity: after.get(variantId)! }))
      if (toReserve.length > 0) {
        // No expiry on the hold itself: the order's own expiry rule cancels it and releases the stock.
        await deps.inventory.reserve(uow, { ...owner(row.id), lines: toReserve, expiresAt: null, region: row.region })
      }

      const totalsBefore = totalsOfRow(row)
      const totalsAfter = totalsOf(breakdown)
      const saved = await saveRow(uow, row, {
        ...change.patch,
        subtotal: totalsAfter.subtotal,
        discount_total: totalsAfter.discountTotal,
        delivery_total: totalsAfter.deliveryTotal,
        vat_total: totalsAfter.vatTotal,
        total: totalsAfter.total,
        breakdown: JSON.stringify(breakdown),
      })
      // Order-level discounts are re-allocated over every line, so every line is rewritten.
      await uow.db.deleteFrom('ordo_order_line').where('order_id', '=', row.id).execute()
      await uow.db.insertInto('ordo_order_line').values(lineRows).execute()
      await recordChange(uow, saved, kind, change.details, totalsBefore, totalsAfter, options.actor)
      return toOrder(machine(), saved, lineRows)
    })
  }

  async function recordChange(
    uow: UnitOfWork,
    saved: OrderTable,
    kind: OrderChangeKind,
    details: Record<string, unknown>,
    totalsBefore: OrderChange['totalsBefore'],
    totalsAfter: OrderChange['totalsAfter'],
    by: string,
  ): Promise<void> {
    const delta = totalsAfter.total - totalsBefore.total
    await uow.db
      .insertInto('ordo_order_change')
      .values({
        id: newId(),
        order_id: saved.id,
        version: Number(saved.version),
        kind,
        summary: JSON.stringify({ details, totalsBefore, totalsAfter }),
        amount_due_delta: delta,
        actor: by,
        at: uow.now.getTime(),
      })
      .execute()
    uow.emit({
      type: 'order.changed',
      aggregateId: saved.id,
      data: { orderId: saved.id, version: Number(saved.version), kind, totalBefore: totalsBefore.total, totalAfter: totalsAfter.total, amountDueDelta: delta, actor: by },
    })
  }

  function checkQuantity(quantity: number, sku: string): void {
    if (quantity > maxQuantity) {
      throw new OrdoError('QUANTITY_LIMIT', `At most ${maxQuantity} of "${sku}" fit in one order line; ${quantity} were asked for.`, {
        details: { sku, quantity, max: maxQuantity },
      })
    }
  }

  function findLine(row: OrderTable, current: DesiredLine[], lineId: string): DesiredLine {
    const line = current.find((l) => l.id === lineId)
    if (!line) {
      throw new OrdoError('NOT_FOUND', `Order ${row.number} has no editable line "${lineId}" (gift lines follow their promotion).`, {
        details: { orderId: row.id, lineId },
      })
    }
    return line
  }

  async function variantForSku(uow: UnitOfWork, sku: string) {
    const variant = (await deps.catalog.variantsBySku(uow.db, [sku])).get(sku)
    if (!variant) throw new OrdoError('NOT_FOUND', `No product has SKU "${sku}".`, { details: { sku } })
    if (variant.status !== 'active') throw new OrdoError('SKU_ARCHIVED', `"${variant.name}" (SKU ${sku}) is no longer sold.`, { details: { sku } })
    return variant
  }

  // -------------------------------------------------------------- expiry

  async function expireDue(uow: UnitOfWork): Promise<number> {
    const m = machine()
    const expiring = statesWithCapability(m, ORDER_CAPABILITIES.expires)
    if (expiring.length === 0) return 0
    const rows = await uow.db
      .selectFrom('ordo_order')
      .selectAll()
      .where('status', 'in', expiring)
      .where('reservation_expires_at', '<=', uow.now.getTime())
      .orderBy('reservation_expires_at')
      .orderBy('id')
      .limit(EXPIRY_BATCH)
      .execute()
    const lines = await loadLines(uow.db, rows.map((r) => r.id))
    let cancelled = 0
    for (const row of rows) {
      const orderLines = lines.get(row.id) ?? []
      const check = canTransition(m, row.status, ORDER_TRANSITIONS.cancel, { order: toOrder(m, row, orderLines) })
      if (!check.ok) {
        runtime.logger.warn('An expired order cannot be cancelled; it keeps its reservation.', { orderId: row.id, status: row.status, reason: check.reason })
        continue
      }
      await move(uow, row, orderLines, ORDER_TRANSITIONS.cancel, { actor: 'system', reason: 'reservation_expired', note: 'not confirmed or paid in time' })
      cancelled++
    }
    return cancelled
  }

  // ------------------------------------------------------------ internal

  const internal: OrderInternal = {
    async create(uow, draft) {
      const m = machine()
      const now = uow.now.getTime()
      const lineIds = new Map(draft.lines.map((l) => [l.lineId, newId()]))
      const breakdown: PriceBreakdown = {
        ...draft.breakdown,
        lines: draft.breakdown.lines.map((l) => ({ ...l, lineId: lineIds.get(l.lineId) ?? newId() })),
      }
      const lineRows: OrderLineTable[] = draft.lines.map((line, index) => {
        const priced = draft.breakdown.lines.find((l) => l.lineId === line.lineId)
        if (!priced) throw new OrdoError('INTERNAL', `Order draft line "${line.lineId}" is not in its breakdown.`, { details: { lineId: line.lineId } })
        return {
          id: lineIds.get(line.lineId)!,
          order_id: draft.id,
          line_no: index + 1,
          variant_id: line.variantId,
          product_id: line.productId,
          sku: line.sku,
          name: line.name,
          quantity: line.quantity,
          unit_price: priced.unitPrice,
          discount_total: priced.discountTotal,
          total: priced.total,
          vat_rate: priced.vatRate,
          vat_amount: priced.vatAmount,
          discounts: JSON.stringify(priced.discounts),
          cost_price: line.costPrice,
          payment_subject: line.paymentSubject,
          weight: line.weightGrams,
        }
      })
      const totals = totalsOf(breakdown)
      let row: OrderTable = {
        id: draft.id,
        number: draft.number,
        status: m.initial,
        version: 1,
        cart_id: draft.cartId,
        customer_id: draft.customerId,
        contact_name: draft.contact.name,
        contact_phone: draft.contact.phone,
        contact_email: draft.contact.email?.toLowerCase() ?? null,
        shipping_address: draft.shippingAddress === null ? null : JSON.stringify(draft.shippingAddress),
        notes: draft.notes,
        currency: draft.currency,
        region: draft.region,
        channel_source: draft.channel.source,
        channel_medium: draft.channel.medium,
        channel_campaign: draft.channel.campaign,
        landing_page: draft.channel.landingPage,
        referrer: draft.channel.referrer,
        pricing_context: serializeContext(draft.pricingContext),
        subtotal: totals.subtotal,
        discount_total: totals.discountTotal,
        delivery_total: totals.deliveryTotal,
        vat_total: totals.vatTotal,
        total: totals.total,
        breakdown: JSON.stringify(breakdown),
        delivery: draft.delivery === null || draft.delivery === undefined ? null : JSON.stringify(draft.delivery),
        payment_method: draft.paymentMethod,
        manager_id: null,
        cancel_reason: null,
        idempotency_key: draft.idempotencyKey,
        placed_at: now,
        updated_at: now,
        reservation_expires_at: now + ttlMs,
        refused_total: 0,
      }
      // The automatic path is decided before the insert, so the row is written once, in its final status.
      const steps: { transition: string; from: string }[] = []
      let status = row.status
      for (let i = 0; i < MAX_AUTO_STEPS; i++) {
        const next = autoTransition({ ...row, status }, lineRows)
        if (!next) break
        steps.push({ transition: next, from: status })
        status = m.transitions[next]!.to
      }
      const placedStatus = status
      row = { ...row, status }
      await uow.db.insertInto('ordo_order').values(row).execute()
      if (lineRows.length > 0) await uow.db.insertInto('ordo_order_line').values(lineRows).execute()
      for (const step of steps) {
        await uow.transition<OrderGuardContext>('order', {
          entityId: row.id,
          state: step.from,
          transition: step.transition,
          actor: 'system',
          context: { order: toOrder(m, { ...row, status: step.from }, lineRows) },
        })
      }
      uow.emit({
        type: 'order.placed',
        aggregateId: row.id,
        data: {
          orderId: row.id,
          number: row.number,
          status: placedStatus,
          total: totals.total,
          currency: row.currency,
          customerId: row.customer_id,
          channelSource: row.channel_source,
        },
      })
      return toOrder(m, row, lineRows)
    },
    async findByIdempotencyKey(db, key) {
      const row = await db.selectFrom('ordo_order').selectAll().where('idempotency_key', '=', key).executeTakeFirst()
      if (!row) return undefined
      return toOrder(machine(), row, (await loadLines(db, [row.id])).get(row.id) ?? [])
    },
    async transition(uow, orderId, name, request) {
      const { row, lines } = await loadOrder(uow.db, orderId)
      const saved = await move(uow, row, lines, name, request)
      return toOrder(machine(), saved, lines)
    },
    async addRefused(uow, orderId, amount) {
      const { row, lines } = await loadOrder(uow.db, orderId)
      const saved = await saveRow(uow, row, { refused_total: Number(row.refused_total) + amount })
      return toOrder(machine(), saved, lines)
    },
    async get(db, id) {
      const row = await db.selectFrom('ordo_order').selectAll().where('id', '=', id).executeTakeFirst()
      if (!row) return undefined
      return toOrder(machine(), row, (await loadLines(db, [row.id])).get(row.id) ?? [])
    },
    async setCustomer(uow, orderId, customerId) {
      // Conditional: an order that has a customer keeps it, and no other column is touched.
      const result = await uow.db
        .updateTable('ordo_order')
        .set({ customer_id: customerId, updated_at: uow.now.getTime() })
        .where('id', '=', orderId)
        .where('customer_id', 'is', null)
        .executeTakeFirst()
      return affected(result) === 1
    },
    async moveCustomer(uow, fromCustomerId, toCustomerId) {
      const result = await uow.db
        .updateTable('ordo_order')
        .set({ customer_id: toCustomerId, updated_at: uow.now.getTime() })
        .where('customer_id', '=', fromCustomerId)
        .executeTakeFirst()
      return affected(result)
    },
    async forTimeline(db, customerId, options) {
      let query = db
        .selectFrom('ordo_order')
        .select(['id', 'number', 'status', 'total', 'currency', 'placed_at'])
        .where('customer_id', '=', customerId)
        .orderBy('placed_at', 'desc')
        .orderBy('id', 'desc')
        .limit(options.limit)
      if (options.before !== null) query = query.where('placed_at', '<', options.before)
      const rows = await query.execute()
      return rows.map((r) => ({ id: r.id, number: r.number, status: r.status, total: Number(r.total), currency: r.currency, placedAt: Number(r.placed_at) }))
    },
    async assignManager(uow, orderId, managerId, actor) {
      const { row, lines } = await loadOrder(uow.db, orderId)
      if (row.manager_id === managerId) return toOrder(machine(), row, lines)
      return assignIn(uow, row, lines, managerId, actor)
    },
    customerStatsQuery(db) {
      const cancelled = statesInGroup(machine(), 'cancel')
      const live = (column: string) =>
        cancelled.length === 0 ? sql.ref(column) : sql`case when status in (${sql.join(cancelled)}) then null else ${sql.ref(column)} end`
      return db
        .selectFrom('ordo_order')
        .where('customer_id', 'is not', null)
        .groupBy('customer_id')
        .select([
          sql<string>`customer_id`.as('customer_id'),
          sql<number | string>`count(${live('id')})`.as('orders_count'),
          sql<number | string | null>`sum(${live('total')} - ${live('refused_total')})`.as('spend'),
          sql<number | string | null>`max(${live('placed_at')})`.as('last_order_at'),
        ])
    },
    buyersQuery(db, productIds) {
      const cancelled = statesInGroup(machine(), 'cancel')
      let query = db
        .selectFrom('ordo_order_line')
        .innerJoin('ordo_order', 'ordo_order.id', 'ordo_order_line.order_id')
        .select('ordo_order.customer_id')
        .where('ordo_order.customer_id', 'is not', null)
        .where('ordo_order_line.product_id', 'in', productIds)
      if (cancelled.length > 0) query = query.where('ordo_order.status', 'not in', cancelled)
      return query
    },
  }

  // ------------------------------------------------------------------ api

  const listSchema = z
    .strictObject({
      status: z.union([z.string().min(1).max(100), z.array(z.string().min(1).max(100)).min(1).max(100)]).optional(),
      group: z.string().min(1).max(100).optional(),
      from: z.date().optional(),
      to: z.date().optional(),
      phone: z.string().trim().min(1).max(40).optional(),
      email: z.string().trim().min(1).max(255).optional(),
      managerId: z.string().min(1).max(64).optional(),
      source: z.string().min(1).max(255).optional(),
      number: z.string().min(1).max(32).optional(),
      limit: z.number().int().min(1).max(500).optional(),
      cursor: z.string().max(200).nullable().optional(),
    })
    .optional()

  const api: OrderApi = {
    async get(idOrNumber) {
      const key = parseInput('orders.get', idSchema, idOrNumber)
      const row = await findRow(runtime.db, key)
      if (!row) return undefined
      return toOrder(machine(), row, (await loadLines(runtime.db, [row.id])).get(row.id) ?? [])
    },

    async view(orderId) {
      const id = parseInput('orders.view', idSchema, orderId)
      const db = runtime.db
      const { row, lines } = await loadOrder(db, id)
      const [history, changes, calls, reservations] = await Promise.all([
        db
          .selectFrom('ordo_transition')
          .selectAll()
          .where('machine', '=', 'order')
          .where('entity_id', '=', id)
          .orderBy('at')
          .orderBy('id')
          .execute(),
        db.selectFrom('ordo_order_change').selectAll().where('order_id', '=', id).orderBy('version').execute(),
        db.selectFrom('ordo_order_call').selectAll().where('order_id', '=', id).orderBy('at').orderBy('id').execute(),
        deps.inventory.reservationsFor(db, owner(id)),
      ])
      return {
        order: toOrder(machine(), row, lines),
        history: history.map((h) => ({
          transition: h.transition,
          from: h.from_state,
          to: h.to_state,
          actor: h.actor,
          reason: h.reason,
          note: h.note,
          at: new Date(Number(h.at)),
        })),
        changes: changes.map((c) => {
          const summary = JSON.parse(c.summary) as Pick<OrderChange, 'details' | 'totalsBefore' | 'totalsAfter'>
          return {
            id: c.id,
            version: Number(c.version),
            kind: c.kind as OrderChangeKind,
            details: summary.details,
            totalsBefore: summary.totalsBefore,
            totalsAfter: summary.totalsAfter,
            amountDueDelta: Number(c.amount_due_delta),
            actor: c.actor,
            at: new Date(Number(c.at)),
          }
        }),
        calls: calls.map(toCall),
        reservations,
      }
    },

    async list(filter) {
      const data = parseInput('orders.list', listSchema, filter) ?? {}
      const m = machine()
      const limit = data.limit ?? 50
      let query = runtime.db
        .selectFrom('ordo_order')
        .select([
          'id', 'number', 'status', 'version', 'cart_id', 'customer_id', 'contact_name', 'contact_phone', 'contact_email',
          'shipping_address', 'notes', 'currency', 'region', 'channel_source', 'channel_medium', 'channel_campaign',
          'landing_page', 'referrer', 'subtotal', 'discount_total', 'delivery_total', 'vat_total', 'total', 'delivery',
          'payment_method', 'manager_id', 'cancel_reason', 'idempotency_key', 'placed_at', 'updated_at', 'reservation_expires_at', 'refused_total',
        ])
        .orderBy('placed_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
      const statuses = data.status === undefined ? undefined : Array.isArray(data.status) ? data.status : [data.status]
      if (statuses) query = query.where('status', 'in', statuses)
      if (data.group !== undefined) {
        const inGroup = statesInGroup(m, data.group)
        if (inGroup.length === 0) return { items: [], nextCursor: null }
        query = query.where('status', 'in', inGroup)
      }
      if (data.from) query = query.where('placed_at', '>=', data.from.getTime())
      if (data.to) query = query.where('placed_at', '<', data.to.getTime())
      if (data.phone) query = query.where('contact_phone', '=', normalisePhone(data.phone))
      if (data.email) query = query.where('contact_email', '=', data.email.toLowerCase())
      if (data.managerId) query = query.where('manager_id', '=', data.managerId)
      if (data.source) query = query.where('channel_source', '=', data.source)
      if (data.number) query = query.where('number', '=', data.number)
      if (data.cursor) {
        const decoded = decodeCursor(data.cursor)
        if (!decoded) throw new OrdoError('VALIDATION', 'The cursor is not one orders.list returned.', { details: { command: 'orders.list', issues: [{ path: 'cursor', message: 'unknown cursor' }] } })
        const [at, afterId] = decoded
        query = query.where((eb) => eb.or([eb('placed_at', '<', at), eb.and([eb('placed_at', '=', at), eb('id', '<', afterId)])]))
      }
      const rows = await query.execute()
      const page = rows.slice(0, limit)
      const last = page[page.length - 1]
      return {
        items: page.map((r) => toSummary(m, r)),
        nextCursor: rows.length > limit && last ? encodeCursor(Number(last.placed_at), last.id) : null,
      }
    },

    async board() {
      const m = machine()
      const rows = await runtime.db
        .selectFrom('ordo_order')
        .select(['status'])
        .select((eb) => eb.fn.countAll().as('count'))
        .groupBy('status')
        .execute()
      const counts = new Map(rows.map((r) => [r.status, Number(r.count)]))
      const statuses = Object.entries(m.states).map(([status, state]) => ({
        status,
        label: state.label ?? status,
        group: state.group ?? null,
        count: counts.get(status) ?? 0,
      }))
      // Statuses a config removed may still have orders: they are counted, with no group.
      for (const [status, count] of counts) {
        if (!Object.hasOwn(m.states, status)) statuses.push({ status, label: status, group: null, count })
      }
      const groups = (m.groups ?? []).map((group) => ({
        group,
        count: statuses.filter((s) => s.group === group).reduce((sum, s) => sum + s.count, 0),
      }))
      return { statuses, groups }
    },

    async transition(orderId, transition, options) {
      const id = parseInput('orders.transition', idSchema, orderId)
      const name = parseInput('orders.transition', transitionNameSchema, transition)
      const data = parseInput('orders.transition', transitionSchema, options)
      return transitionCommand('orders.transition', id, name, data)
    },

    async allowedTransitions(orderId) {
      const id = parseInput('orders.allowedTransitions', idSchema, orderId)
      return (await transitionsOf(runtime.db, [id])).get(id)!
    },

    async allowedTransitionsMany(orderIds) {
      const ids = parseInput('orders.allowedTransitionsMany', z.array(idSchema).max(MAX_TRANSITIONS_BATCH), orderIds)
      return transitionsOf(runtime.db, ids)
    },

    async confirm(orderId, options) {
      const id = parseInput('orders.confirm', idSchema, orderId)
      const data = parseInput(
        'orders.confirm',
        confirmSchema,
        options,
      )
      if (data.channel === 'auto' && settings.autoConfirmPrepaid !== true) {
        throw new OrdoError('VALIDATION', 'Automatic confirmation is off; turn on orders.autoConfirmPrepaid in the config, or confirm by call or SMS.', {
          details: { command: 'orders.confirm', issues: [{ path: 'channel', message: 'auto confirmation is off' }] },
        })
      }
      return runInTransaction(runtime, async (uow) => {
        const { row, lines } = await loadOrder(uow.db, id, data)
        const saved = await confirmOrder(uow, row, lines, data.actor, data.channel, data.note)
        return toOrder(machine(), saved, lines)
      })
    },

    async requestConfirmationCode(orderId) {
      const id = parseInput('orders.requestConfirmationCode', idSchema, orderId)
      const gateway = runtime.config.notify?.sms
      if (!gateway) {
        throw new OrdoError('INVALID_CONFIG', 'No SMS gateway is configured; pass notify: { sms } to createCommerce() to send confirmation codes.', {
          details: { key: 'notify.sms' },
        })
      }
      return runInTransaction(runtime, async (uow) => {
        const { row } = await loadOrder(uow.db, id)
        requireCapability(row, ORDER_CAPABILITIES.confirmable, 'confirmation')
        if (!row.contact_phone) {
          throw new OrdoError('VALIDATION', `Order ${row.number} has no phone number to send a code to.`, {
            details: { command: 'orders.requestConfirmationCode', issues: [{ path: 'phone', message: 'the order has no phone' }] },
          })
        }
        const code = String(randomInt(0, 10 ** codeLength)).padStart(codeLength, '0')
        const expiresAt = uow.now.getTime() + codeTtlMs
        await uow.db.deleteFrom('ordo_order_confirmation_code').where('order_id', '=', row.id).execute()
        await uow.db
          .insertInto('ordo_order_confirmation_code')
          .values({ order_id: row.id, code_hash: hashCode(row.id, code), expires_at: expiresAt, attempts: 0, used_at: null })
          .execute()
        await queueConfirmationCode(runtime, uow, { orderId: row.id, customerId: row.customer_id, phone: row.contact_phone, number: row.number, code })
        uow.emit({
          type: 'order.confirmation_code_requested',
          aggregateId: row.id,
          data: { orderId: row.id, phone: row.contact_phone, expiresAt: new Date(expiresAt).toISOString() },
        })
        return { orderId: row.id, phone: row.contact_phone, expiresAt: new Date(expiresAt) }
      })
    },

    async confirmByCode(orderId, code) {
      const id = parseInput('orders.confirmByCode', idSchema, orderId)
      const given = parseInput('orders.confirmByCode', confirmationCodeSchema, code)
      return runInTransaction(runtime, async (uow): Promise<ConfirmByCodeResult> => {
        const { row, lines } = await loadOrder(uow.db, id)
        const stored = await uow.db.selectFrom('ordo_order_confirmation_code').selectAll().where('order_id', '=', row.id).executeTakeFirst()
        if (!stored || stored.used_at !== null) return { ok: false, reason: 'no_code', attemptsLeft: 0 }
        const attempts = Number(stored.attempts)
        if (attempts >= maxAttempts) return { ok: false, reason: 'too_many_attempts', attemptsLeft: 0 }
        if (Number(stored.expires_at) <= uow.now.getTime()) return { ok: false, reason: 'expired', attemptsLeft: maxAttempts - attempts }
        const expected = Buffer.from(stored.code_hash, 'hex')
        const actual = Buffer.from(hashCode(row.id, given), 'hex')
        if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
          // Conditional, so parallel guesses cannot exceed the limit.
          const counted = await uow.db
            .updateTable('ordo_order_confirmation_code')
            .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
            .where('order_id', '=', row.id)
            .where('attempts', '<', maxAttempts)
            .executeTakeFirst()
          if (affected(counted) !== 1) return { ok: false, reason: 'too_many_attempts', attemptsLeft: 0 }
          const left = maxAttempts - attempts - 1
          return left > 0 ? { ok: false, reason: 'wrong_code', attemptsLeft: left } : { ok: false, reason: 'too_many_attempts', attemptsLeft: 0 }
        }
        await uow.db.updateTable('ordo_order_confirmation_code').set({ used_at: uow.now.getTime() }).where('order_id', '=', row.id).execute()
        const saved = await confirmOrder(uow, row, lines, 'customer', 'sms', null)
        return { ok: true, order: toOrder(machine(), saved, lines) }
      })
    },

    async logCall(orderId, input) {
      const id = parseInput('orders.logCall', idSchema, orderId)
      const data = parseInput(
        'orders.logCall',
        logCallSchema,
        input,
      )
      return runInTransaction(runtime, async (uow) => {
        const { row, lines } = await loadOrder(uow.db, id)
        const by = data.actor ?? `manager:${data.manager}`
        const call = { id: newId(), order_id: row.id, manager: data.manager, outcome: data.outcome, note: data.note ?? null, at: uow.now.getTime() }
        await uow.db.insertInto('ordo_order_call').values(call).execute()
        uow.emit({ type: 'order.call_logged', aggregateId: row.id, data: { orderId: row.id, manager: data.manager, outcome: data.outcome } })
        let saved = row
        if (data.outcome === 'confirmed' && can(machine(), row.status, ORDER_CAPABILITIES.confirmable)) {
          saved = await confirmOrder(uow, row, lines, by, 'call', data.note ?? null)
        } else if (data.outcome === 'no_answer' && noAnswerLimit !== null && can(machine(), row.status, ORDER_CAPABILITIES.cancellable)) {
          const counted = await uow.db
            .selectFrom('ordo_order_call')
            .select((eb) => eb.fn.countAll().as('count'))
            .where('order_id', '=', row.id)
            .where('outcome', '=', 'no_answer')
            .executeTakeFirstOrThrow()
          const count = Number(counted.count)
          if (count >= noAnswerLimit) {
            saved = await move(uow, row, lines, ORDER_TRANSITIONS.cancel, { actor: 'system', reason: 'no_answer', note: `${count} calls without an answer` })
          }
        }
        return { call: toCall(call), order: toOrder(machine(), saved, lines) }
      })
    },

    async assignManager(orderId, input) {
      const id = parseInput('orders.assignManager', idSchema, orderId)
      const data = parseInput('orders.assignManager', assignManagerSchema, input)
      return runInTransaction(runtime, async (uow) => {
        const { row, lines } = await loadOrder(uow.db, id, data)
        return assignIn(uow, row, lines, data.managerId, data.actor)
      })
    },

    async cancel(orderId, options) {
      const id = parseInput('orders.cancel', idSchema, orderId)
      const data = parseInput(
        'orders.cancel',
        cancelSchema,
        options,
      )
      const reasons = machine().transitions[ORDER_TRANSITIONS.cancel]?.reasons
      if (reasons && !reasons.includes(data.reason)) {
        throw new OrdoError('VALIDATION', `Invalid input to orders.cancel: reason "${data.reason}" is not one of: ${reasons.join(', ')}.`, {
          details: { command: 'orders.cancel', issues: [{ path: 'reason', message: `expected one of ${reasons.join(', ')}` }] },
        })
      }
      return transitionCommand('orders.cancel', id, ORDER_TRANSITIONS.cancel, data)
    },

    async changeQuantity(orderId, input) {
      const id = parseInput('orders.changeQuantity', idSchema, orderId)
      const data = parseInput('orders.changeQuantity', changeQuantitySchema, input)
      return edit(id, data, ORDER_CAPABILITIES.editLines, 'changing lines', 'quantity_changed', async (_uow, row, current) => {
        const line = findLine(row, current, data.lineId)
        checkQuantity(data.quantity, line.variantId)
        return {
          lines: current.map((l) => (l.id === line.id ? { ...l, quantity: data.quantity } : l)),
          details: { lineId: line.id, variantId: line.variantId, from: line.quantity, to: data.quantity },
        }
      })
    },

    async removeLine(orderId, input) {
      const id = parseInput('orders.removeLine', idSchema, orderId)
      const data = parseInput('orders.removeLine', removeLineSchema, input)
      return edit(id, data, ORDER_CAPABILITIES.editLines, 'changing lines', 'line_removed', async (_uow, row, current) => {
        const line = findLine(row, current, data.lineId)
        if (current.length === 1) {
          throw new OrdoError('VALIDATION', `Line "${line.id}" is the last line of order ${row.number}; cancel the order instead.`, {
            details: { command: 'orders.removeLine', issues: [{ path: 'lineId', message: 'the last line cannot be removed' }] },
          })
        }
        return { lines: current.filter((l) => l.id !== line.id), details: { lineId: line.id, variantId: line.variantId, quantity: line.quantity } }
      })
    },

    async addLine(orderId, input) {
      const id = parseInput('orders.addLine', idSchema, orderId)
      const data = parseInput('orders.addLine', addLineSchema, input)
      return edit(id, data, ORDER_CAPABILITIES.editLines, 'changing lines', 'line_added', async (uow, _row, current) => {
        const variant = await variantForSku(uow, data.sku)
        const existing = current.find((l) => l.variantId === variant.variantId)
        if (existing) {
          checkQuantity(existing.quantity + data.quantity, data.sku)
          return {
            lines: current.map((l) => (l === existing ? { ...l, quantity: l.quantity + data.quantity } : l)),
            details: { lineId: existing.id, sku: data.sku, added: data.quantity, quantity: existing.quantity + data.quantity },
          }
        }
        checkQuantity(data.quantity, data.sku)
        const line: DesiredLine = {
          id: newId(),
          lineNo: Math.max(0, ...current.map((l) => l.lineNo)) + 1,
          variantId: variant.variantId,
          quantity: data.quantity,
          costPrice: variant.costPrice,
          paymentSubject: variant.paymentSubject,
          weightGrams: variant.weightGrams,
        }
        return { lines: [...current, line], details: { lineId: line.id, sku: data.sku, added: data.quantity, quantity: data.quantity } }
      })
    },

    async substituteVariant(orderId, input) {
      const id = parseInput('orders.substituteVariant', idSchema, orderId)
      const data = parseInput(
        'orders.substituteVariant',
        substituteVariantSchema,
        input,
      )
      return edit(id, data, ORDER_CAPABILITIES.editLines, 'changing lines', 'variant_substituted', async (uow, row, current) => {
        const line = findLine(row, current, data.lineId)
        const variant = await variantForSku(uow, data.sku)
        const quantity = data.quantity ?? line.quantity
        checkQuantity(quantity, data.sku)
        const other = current.find((l) => l.variantId === variant.variantId && l.id !== line.id)
        if (other) {
          throw new OrdoError('VALIDATION', `SKU ${data.sku} is already on order ${row.number}; change that line's quantity and remove this one instead.`, {
            details: { command: 'orders.substituteVariant', issues: [{ path: 'sku', message: 'already on the order' }] },
          })
        }
        return {
          lines: current.map((l) =>
            l.id === line.id
              ? { ...l, variantId: variant.variantId, quantity, costPrice: variant.costPrice, paymentSubject: variant.paymentSubject, weightGrams: variant.weightGrams }
              : l,
          ),
          details: { lineId: line.id, fromVariantId: line.variantId, toVariantId: variant.variantId, sku: data.sku, fromQuantity: line.quantity, toQuantity: quantity },
        }
      })
    },

    async changeAddress(orderId, input) {
      const id = parseInput('orders.changeAddress', idSchema, orderId)
      const data = parseInput('orders.changeAddress', changeAddressSchema, input)
      return edit(id, data, ORDER_CAPABILITIES.editAddress, 'changing the address', 'address_changed', async (_uow, row) => ({
        patch: { shipping_address: data.address === null ? null : JSON.stringify(data.address) },
        details: { from: row.shipping_address === null ? null : JSON.parse(row.shipping_address), to: data.address },
      }))
    },

    async changeDelivery(orderId, input) {
      const id = parseInput('orders.changeDelivery', idSchema, orderId)
      const data = parseInput(
        'orders.changeDelivery',
        z.strictObject({
          ...commandBase,
          delivery: z.record(z.string(), z.unknown()).nullable(),
          price: z.strictObject({ amount: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), label: z.string().max(255).optional() }).nullable(),
        }),
        input,
      )
      return edit(id, data, ORDER_CAPABILITIES.editDelivery, 'changing the delivery', 'delivery_changed', async (_uow, row) => ({
        patch: { delivery: data.delivery === null ? null : JSON.stringify(data.delivery) },
        delivery: data.price === null ? null : { amount: data.price.amount, ...(data.price.label !== undefined ? { label: data.price.label } : {}) },
        details: { from: row.delivery === null ? null : JSON.parse(row.delivery), to: data.delivery, price: data.price },
      }))
    },

    expireReservations: () => runInTransaction(runtime, (uow) => expireDue(uow)),
  }

  async function confirmOrder(
    uow: UnitOfWork,
    row: OrderTable,
    lines: readonly OrderLineTable[],
    by: string,
    channel: (typeof CONFIRMATION_CHANNELS)[number],
    note: string | null | undefined,
  ): Promise<OrderTable> {
    const saved = await move(uow, row, lines, ORDER_TRANSITIONS.confirm, { actor: by, reason: channel, note })
    uow.emit({ type: 'order.confirmed', aggregateId: row.id, data: { orderId: row.id, channel, actor: by } })
    return saved
  }

  function normalisePhone(phone: string): string {
    return toE164(phone, defaultCountry) ?? phone
  }

  const jobs: Record<string, JobDefinition<any>> = {
    'orders.expire-reservations': {
      every: 60_000,
      run: async (_payload, { uow }) => {
        await expireDue(uow)
      },
    },
  }

  return { api, internal, jobs }
}

function quantities(lines: readonly { variantId: string; quantity: number }[]): Map<string, number> {
  const map = new Map<string, number>()
  for (const line of lines) map.set(line.variantId, (map.get(line.variantId) ?? 0) + line.quantity)
  return map
}

function hashCode(orderId: string, code: string): string {
  return createHash('sha256').update(`${orderId}:${code}`).digest('hex')
}

function toCall(row: { id: string; manager: string; outcome: string; note: string | null; at: number }): OrderCall {
  return { id: row.id, manager: row.manager, outcome: row.outcome as OrderCall['outcome'], note: row.note, at: new Date(Number(row.at)) }
}
