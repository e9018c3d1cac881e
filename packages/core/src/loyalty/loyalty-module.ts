import type { Kysely, SelectQueryBuilder } from 'kysely'
import { z } from 'zod'
import type { CatalogInternal } from '../catalog/catalog-module.js'
import { lineShare } from '../money/allocate.js'
import type { ShipmentInternal } from '../delivery/shipment-module.js'
import { OrdoError } from '../errors.js'
import type { EventHandler } from '../events/event-handler.js'
import type { JobDefinition } from '../jobs/job-types.js'
import type { OrderInternal } from '../order/order-module.js'
import type { Order } from '../order/order-types.js'
import type { PriceBreakdown } from '../pricing/pricing-types.js'
import type { PromotionsInternal } from '../promotions/promotions-module.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { insertIgnoringConflicts } from '../storage/sql-helpers.js'
import { runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import { parseInput, parseKey } from '../validation.js'
import { loyaltySettings, type LoyaltySettings } from './loyalty-config.js'
import { earnPoints, tierFor } from './loyalty-earn.js'
import './loyalty-events.js'
import { createLoyaltyLedger, type LoyaltyLedger } from './loyalty-ledger.js'
import { LOYALTY_DISCOUNT_SOURCE, redeemedPoints } from './loyalty-pricing.js'
import type { LoyaltyCouponTable, LoyaltyEntryTable, LoyaltyOrderTable } from './loyalty-schema.js'
import {
  PERSONAL_COUPON_REASONS,
  type IssuePersonalCouponsInput,
  type LoyaltyAdjustInput,
  type LoyaltyBalance,
  type LoyaltyEarnRule,
  type LoyaltyEntry,
  type LoyaltyEntryKind,
  type LoyaltyRunResult,
  type LoyaltyStatement,
  type LoyaltyTierStatus,
  type PersonalCoupon,
  type PersonalCouponReason,
} from './loyalty-types.js'

export { loyaltyMigrations, type LoyaltyTables } from './loyalty-schema.js'

/**
 * `shop.loyalty`: a customer's points — balance, statement, manual
 * adjustments, bonuses, tiers — and the clock-driven runs that activate and
 * expire them. Customers are the `customerId` of carts and orders: guest
 * orders (no customer id) earn and spend nothing.
 *
 * @example
 * ```ts
 * const { active, pending } = await shop.loyalty.balance('customer-42')
 * await shop.loyalty.adjust('customer-42', { points: 300, reason: 'sorry for the delay', externalId: 'ticket-981' })
 * await shop.carts.redeemPoints(cart.id, 300)
 * ```
 */
export interface LoyaltyApi {
  /** The customer's balance, derived from the ledger (zeros for a customer with no entries). */
  balance(customerId: string): Promise<LoyaltyBalance>
  /** The customer's entries, newest first, a page at a time (`limit` default 50, at most 500). */
  statement(customerId: string, options?: { limit?: number; cursor?: string | null }): Promise<LoyaltyStatement>
  /** A manual change, idempotent by `externalId`: credits are active at once and expire after `expiryDays`; debits draw earliest expiry first, the rest is debt. */
  adjust(customerId: string, input: LoyaltyAdjustInput): Promise<LoyaltyEntry>
  /** Credits the configured sign-up bonus (once per customer) or birthday bonus (once per calendar year); `INVALID_CONFIG` when that bonus is not configured. */
  awardBonus(customerId: string, kind: 'signup' | 'birthday'): Promise<LoyaltyEntry>
  /** The customer's tier as last computed (on each completed order and nightly). */
  tier(customerId: string): Promise<LoyaltyTierStatus>
  /** Activates pending points whose return window has passed by the engine's clock (the `loyalty.activate` job runs it). */
  runActivation(): Promise<LoyaltyRunResult>
  /** Warns of points expiring within `warnDaysBefore` and expires those past their date (the `loyalty.expire` job runs it). */
  runExpiry(): Promise<LoyaltyRunResult>
  /** Recomputes every customer's tier from the last 12 months of completed orders; returns how many changed (the nightly `loyalty.recompute-tiers` job runs it). */
  recomputeTiers(): Promise<number>
  /** Stores the customer's birthday, `MM-DD` (`02-29` is celebrated on 28 February in other years), or forgets it with null. */
  setBirthday(customerId: string, birthday: string | null): Promise<void>
  /**
   * Issues single-use coupons of a promotion to customers for a birthday or to
   * win them back, once per customer, reason and period; emits
   * `loyalty.coupon_issued` for each (the daily `loyalty.personal-coupons` job
   * runs it for what `personalCoupons` configures). Returns the coupons issued
   * by this call.
   *
   * @example
   * ```ts
   * await shop.loyalty.setBirthday('customer-42', '03-14')
   * const issued = await shop.loyalty.issuePersonalCoupons({ reason: 'birthday', promotionId: promo.id })
   * ```
   */
  issuePersonalCoupons(input: IssuePersonalCouponsInput): Promise<PersonalCoupon[]>
  /** Personal coupons issued to a customer, newest first. */
  personalCoupons(customerId: string): Promise<PersonalCoupon[]>
}

/** What cart and checkout call inside their unit of work. */
export interface LoyaltyInternal {
  /** The settings in force, or null when the shop has no `loyalty` config (nothing is earned or redeemed). */
  readonly settings: LoyaltySettings | null
  /** Refuses a redemption the cart cannot make (no loyalty config, a guest cart, more than the active balance). */
  checkRedemption(db: Kysely<Database>, customerId: string | null, points: number, now: Date): Promise<void>
  /** Points a priced breakdown redeems. */
  redeemed(breakdown: PriceBreakdown): number
  /** Holds the points an order redeems; `LOYALTY_INSUFFICIENT` when the balance no longer covers them. */
  hold(uow: UnitOfWork, input: { customerId: string; orderId: string; points: number }): Promise<void>
  /** The ledger itself. */
  readonly ledger: LoyaltyLedger
  /** A subquery of each customer's active (spendable) points as of `now`: what CRM segments filter on in the same SQL query. */
  balancesQuery(db: Kysely<Database>, now: Date): SelectQueryBuilder<any, any, { customer_id: string; points: number | string | null }>
  /**
   * Moves a customer's points account to another customer (a CRM merge of
   * duplicates): ledger entries with their allocations (see
   * {@link LoyaltyLedger.moveCustomer}), the orders tiers count, personal
   * coupons and the birthday when the target has none; the target's tier is
   * recomputed. Returns how many ledger entries moved.
   */
  moveCustomer(uow: UnitOfWork, fromCustomerId: string, toCustomerId: string): Promise<number>
  /** A customer's ledger entries created before `before` (epoch ms; null: now), newest first, at most `limit`: what a CRM timeline shows. */
  forTimeline(db: Kysely<Database>, customerId: string, options: { before: number | null; limit: number }): Promise<LoyaltyEntry[]>
}

interface LoyaltyDeps {
  orders: Pick<OrderInternal, 'get'>
  catalog: Pick<CatalogInternal, 'variantsBySku'>
  shipments: Pick<ShipmentInternal, 'refusedLines'>
  promotions: Pick<PromotionsInternal, 'whyNoCoupons' | 'createPersonalCoupon'>
}

const customerSchema = z.string().min(1).max(64)
export const adjustSchema = z.strictObject({
  points: z.number().int().refine((n) => n !== 0, 'must not be 0').refine((n) => Math.abs(n) <= 1_000_000_000, 'at most 1 000 000 000'),
  reason: z.string().trim().min(1).max(500),
  externalId: z.string().trim().min(1).max(120),
})
const statementSchema = z.strictObject({ limit: z.number().int().min(1).max(500).optional(), cursor: z.string().max(64).nullable().optional() }).optional()
const YEAR = 365 * 86_400_000
const DAY = 86_400_000
const BIRTHDAY_PATTERN = /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/
const birthdaySchema = z
  .string()
  .regex(BIRTHDAY_PATTERN, 'must be MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`2000-${d}T00:00:00Z`)) && new Date(`2000-${d}T00:00:00Z`).toISOString().slice(5, 10) === d, 'no such day')
  .nullable()
const issueSchema = z.strictObject({
  reason: z.enum(PERSONAL_COUPON_REASONS),
  promotionId: z.string().min(1).max(64).optional(),
  customers: z.array(customerSchema).min(1).max(1000).optional(),
  afterDays: z.number().int().positive().max(3650).optional(),
  validDays: z.number().int().positive().max(3650).optional(),
})
/** Days after a birthday on which a late job still sends its coupon. */
const BIRTHDAY_GRACE_DAYS = 6
const COUPON_BATCH = 200
const TIER_BATCH = 200

/** Creates the loyalty module: the ledger, its API, jobs and the handlers that earn, commit, release and reverse points. */
export function createLoyaltyModule(
  runtime: Runtime,
  deps: LoyaltyDeps,
): { api: LoyaltyApi; internal: LoyaltyInternal; jobs: Record<string, JobDefinition<any>>; handlers: EventHandler<any>[] } {
  const configured = runtime.config.loyalty
  const settings = loyaltySettings(configured ?? { earnBasisPoints: 0 })
  const ledger = createLoyaltyLedger(settings, runtime.storage.capabilities)
  const rules: LoyaltyEarnRule[] = runtime.plugins.flatMap((p) => {
    const list = p.loyaltyEarnRules
    if (list === undefined) return []
    if (!Array.isArray(list)) throw new OrdoError('INVALID_PLUGIN', `Plugin "${p.id}": loyaltyEarnRules must be an array.`, { details: { plugin: p.id } })
    return list
  })

  function toEntry(row: LoyaltyEntryTable): LoyaltyEntry {
    return {
      id: row.id,
      kind: row.kind as LoyaltyEntryKind,
      status: row.status,
      points: Number(row.points),
      remaining: Number(row.remaining),
      orderId: row.order_id,
      externalId: row.external_id,
      reason: row.reason,
      createdAt: new Date(Number(row.created_at)),
      activatesAt: row.activates_at === null ? null : new Date(Number(row.activates_at)),
      expiresAt: row.expires_at === null ? null : new Date(Number(row.expires_at)),
    }
  }

  function multiplierOf(tier: string | null): number {
    return settings.tiers.find((t) => t.code === tier)?.multiplierBasisPoints ?? 10_000
  }

  async function storedTier(db: Kysely<Database>, customerId: string): Promise<{ tier: string | null; spend: number }> {
    const row = await db.selectFrom('ordo_loyalty_customer').select(['tier', 'spend_12m']).where('customer_id', '=', customerId).executeTakeFirst()
    return { tier: row?.tier ?? null, spend: Number(row?.spend_12m ?? 0) }
  }

  /** Recomputes one customer's tier from their completed orders of the last 12 months; emits `loyalty.tier_changed`. */
  async function recomputeTier(uow: UnitOfWork, customerId: string, known?: string | null): Promise<boolean> {
    const since = uow.now.getTime() - YEAR
    const orders = await uow.db
      .selectFrom('ordo_loyalty_order')
      .select(['goods_total', 'refused_total', 'refunded_total'])
      .where('customer_id', '=', customerId)
      .where('completed_at', 'is not', null)
      .where('completed_at', '>', since)
      .execute()
    const spend = orders.reduce((sum, o) => sum + keptOf(o), 0)
    const next = tierFor(spend, settings.tiers)?.code ?? null
    const before = known === undefined ? await storedTier(uow.db, customerId) : { tier: known }
    await uow.db.updateTable('ordo_loyalty_customer').set({ tier: next, spend_12m: spend, updated_at: uow.now.getTime() }).where('customer_id', '=', customerId).execute()
    if (next === before.tier) return false
    uow.emit({ type: 'loyalty.tier_changed', aggregateId: customerId, data: { customerId, from: before.tier, to: next, spend12m: spend } })
    return true
  }

  /** What an order earns now, from the order and what loyalty recorded about refunds. */
  async function target(db: Kysely<Database>, order: Order, row: Pick<LoyaltyOrderTable, 'refunded_total' | 'multiplier_bp'>, tier: string | null): Promise<number> {
    const needCategories = Object.keys(settings.categoryMultipliers).length > 0 || rules.length > 0
    const categories = needCategories ? await deps.catalog.variantsBySku(db, order.lines.map((l) => l.sku)) : null
    return earnPoints(
      {
        lines: order.lines.map((line) => {
          const categoryIds = categories?.get(line.sku)?.categoryIds ?? []
          return {
            total: line.total,
            productId: line.productId,
            categoryIds,
            discounts: line.discounts,
            ruleMultipliers: rules.map((rule) => rule.lineMultiplier({ order, line, categoryIds, tier }) ?? 10_000),
          }
        }),
        refusedTotal: order.refusedTotal,
        refundedTotal: Number(row.refunded_total),
        tierMultiplierBasisPoints: Number(row.multiplier_bp),
      },
      settings,
    )
  }

  async function orderRow(uow: UnitOfWork, order: Order, tier: string | null, patch: { refunded?: number; complete?: boolean }): Promise<LoyaltyOrderTable> {
    const now = uow.now.getTime()
    const goods = order.lines.reduce((s, l) => s + l.total, 0)
    const existing = await uow.db.selectFrom('ordo_loyalty_order').selectAll().where('order_id', '=', order.id).executeTakeFirst()
    if (!existing) {
      const row: LoyaltyOrderTable = {
        order_id: order.id,
        customer_id: order.customerId!,
        goods_total: goods,
        refused_total: order.refusedTotal,
        refunded_total: patch.refunded ?? 0,
        multiplier_bp: multiplierOf(tier),
        completed_at: patch.complete ? now : null,
        updated_at: now,
      }
      await uow.db.insertInto('ordo_loyalty_order').values(row).execute()
      return row
    }
    const completing = patch.complete === true && existing.completed_at === null
    const next: LoyaltyOrderTable = {
      ...existing,
      goods_total: goods,
      refused_total: order.refusedTotal,
      refunded_total: Number(existing.refunded_total) + (patch.refunded ?? 0),
      // The tier the customer held when the order completed sets its multiplier for good.
      multiplier_bp: completing ? multiplierOf(tier) : Number(existing.multiplier_bp),
      completed_at: completing ? now : existing.completed_at,
      updated_at: now,
    }
    await uow.db.updateTable('ordo_loyalty_order').set(next).where('order_id', '=', order.id).execute()
    return next
  }

  async function onCompleted(uow: UnitOfWork, orderId: string): Promise<void> {
    const order = await deps.orders.get(uow.db, orderId)
    if (!order || order.customerId === null) return
    const customerId = order.customerId
    await ledger.commit(uow, orderId)
    const { tier } = await storedTier(uow.db, customerId)
    const row = await orderRow(uow, order, tier, { complete: true })
    const points = await target(uow.db, order, row, tier)
    if (points > 0) {
      const externalId = `order:${orderId}:earn`
      const entry = await ledger.credit(uow, { customerId, kind: 'earn', points, pending: true, orderId, externalId, reason: `order ${order.number}` })
      if (entry.created) {
        const balance = await ledger.balance(uow.db, customerId, uow.now)
        uow.emit({
          type: 'loyalty.points_earned',
          aggregateId: customerId,
          data: { customerId, orderId, entryId: entry.id, points, activatesAt: new Date(Number(entry.activates_at)).toISOString(), balance: balance.active + balance.pending },
        })
      } else await ledger.regrant(uow, { customerId, orderId, points })
    }
    await recomputeTier(uow, customerId, tier)
  }

  async function onAdjusted(uow: UnitOfWork, orderId: string, refunded: number): Promise<void> {
    const order = await deps.orders.get(uow.db, orderId)
    if (!order || order.customerId === null) return
    const { tier } = await storedTier(uow.db, order.customerId)
    const row = await orderRow(uow, order, tier, { refunded })
    if (row.completed_at === null) return
    await ledger.regrant(uow, { customerId: order.customerId, orderId, points: await target(uow.db, order, row, tier) })
    await recomputeTier(uow, order.customerId, tier)
  }

  function pointsDiscount(line: Order['lines'][number]): number {
    let amount = 0
    for (const d of line.discounts) if (d.source.type === LOYALTY_DISCOUNT_SOURCE.type && d.source.id === LOYALTY_DISCOUNT_SOURCE.id) amount += d.amount
    return amount
  }

  /**
   * Sets an order's spend to what its lines redeem now, less the points
   * allocated to units refused at the door (the split refunds use); the rest
   * goes back to the credits it came from. Whole points, in the shop's favour
   * by less than one point. Computed from the order's state, so running it
   * again for the same outcome or edit changes nothing.
   */
  async function settleSpend(uow: UnitOfWork, orderId: string, reason: 'refused' | 'order_edited'): Promise<void> {
    const order = await deps.orders.get(uow.db, orderId)
    if (!order || order.customerId === null) return
    const refused = await deps.shipments.refusedLines(uow.db, orderId)
    let redeemed = 0
    let onRefused = 0
    for (const line of order.lines) {
      const amount = pointsDiscount(line)
      if (amount === 0) continue
      redeemed += amount
      const units = Math.min(refused.get(line.id) ?? 0, line.quantity)
      if (units > 0) onRefused += lineShare(amount, line.quantity, units)
    }
    const keep = Math.floor(redeemed / settings.pointValue) - Math.floor(onRefused / settings.pointValue)
    const points = await ledger.shrink(uow, { orderId, points: keep, reason: reason === 'refused' ? 'goods refused' : 'order edited' })
    if (points > 0) uow.emit({ type: 'loyalty.points_returned', aggregateId: order.customerId, data: { customerId: order.customerId, orderId, points, reason } })
  }

  function toCoupon(row: LoyaltyCouponTable): PersonalCoupon {
    return { customerId: row.customer_id, reason: row.reason as PersonalCouponReason, promotionId: row.promotion_id, code: row.code, issuedAt: new Date(Number(row.created_at)) }
  }

  /** Birthdays (`MM-DD`) whose coupon is due at `now` — today and the grace days before — with the year each belongs to. */
  function dueBirthdays(now: Date): Map<string, number> {
    const due = new Map<string, number>()
    for (let i = BIRTHDAY_GRACE_DAYS; i >= 0; i--) {
      const day = new Date(now.getTime() - i * DAY)
      const year = day.getUTCFullYear()
      const md = day.toISOString().slice(5, 10)
      due.set(md, year)
      const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
      if (md === '02-28' && !leap) due.set('02-29', year)
    }
    return due
  }

  /** The promotion personal coupons are for: it must exist, not be archived, and need a coupon (the same checks as `promotions.generateCoupons`). */
  async function couponPromotion(db: Kysely<Database>, promotionId: string): Promise<void> {
    const command = 'loyalty.issuePersonalCoupons'
    const why = await deps.promotions.whyNoCoupons(db, promotionId)
    if (why?.code === 'NOT_FOUND') throw new OrdoError('NOT_FOUND', `${command}: ${why.message}.`, { details: { promotionId } })
    if (why) throw new OrdoError('VALIDATION', `Invalid input to ${command}: promotionId: ${why.message}`, { details: { command, promotionId, issues: [{ path: 'promotionId', message: why.message }] } })
  }

  /**
   * Issues one customer's coupon for this reason and period in the caller's
   * unit of work: a single-use code of the promotion and the record that it
   * was issued commit together, so a customer never gets two for one period;
   * null when they already have theirs.
   */
  async function issueOne(uow: UnitOfWork, customerId: string, reason: PersonalCouponReason, period: string, promotionId: string, validDays: number | undefined): Promise<PersonalCoupon | null> {
    const exists = await uow.db.selectFrom('ordo_loyalty_coupon').select('id').where('customer_id', '=', customerId).where('reason', '=', reason).where('period', '=', period).executeTakeFirst()
    if (exists) return null
    const now = uow.now.getTime()
    const validTo = validDays === undefined ? null : now + validDays * DAY
    const coupon = await deps.promotions.createPersonalCoupon(uow, { promotionId, validTo })
    const record: LoyaltyCouponTable = { id: newId(), customer_id: customerId, reason, period, promotion_id: promotionId, code: coupon.code, created_at: now }
    const claimed = await insertIgnoringConflicts(uow.db.insertInto('ordo_loyalty_coupon').values(record), runtime.storage.capabilities).executeTakeFirst()
    if (Number(claimed.numInsertedOrUpdatedRows ?? 0) !== 1) {
      // Another process issued this period's coupon meanwhile: roll this one back (its code and event with it).
      throw new OrdoError('CONFLICT', `loyalty.issuePersonalCoupons: customer "${customerId}" got the ${reason} coupon for ${period} from another process meanwhile; try again.`, {
        details: { customerId, reason, period },
      })
    }
    uow.emit({
      type: 'loyalty.coupon_issued',
      aggregateId: customerId,
      data: { customerId, code: coupon.code, reason, promotionId, validTo: validTo === null ? null : new Date(validTo).toISOString() },
    })
    return toCoupon(record)
  }

  /** Issues the coupons `input` asks for, each customer's in a unit of work `within` gives (its own transaction, or the job's). */
  async function issueCoupons(input: IssuePersonalCouponsInput, within: <T>(fn: (uow: UnitOfWork) => Promise<T>) => Promise<T>): Promise<PersonalCoupon[]> {
    const data = parseInput('loyalty.issuePersonalCoupons', issueSchema, input)
    const configured = data.reason === 'birthday' ? settings.personalCoupons.birthday : settings.personalCoupons.winBack
    const promotionId = data.promotionId ?? configured?.promotionId
    const key = data.reason === 'birthday' ? 'birthday' : 'winBack'
    if (promotionId === undefined) {
      throw new OrdoError('INVALID_CONFIG', `No promotion for ${data.reason} coupons: pass promotionId or configure loyalty.personalCoupons.${key}.`, { details: { key: `loyalty.personalCoupons.${key}` } })
    }
    await within((uow) => couponPromotion(uow.db, promotionId))
    const validDays = data.validDays ?? configured?.validDays
    const afterDays = data.afterDays ?? settings.personalCoupons.winBack?.afterDays ?? 90
    const issued: PersonalCoupon[] = []
    if (data.customers !== undefined) {
      for (const customerId of new Set(data.customers)) {
        const coupon = await within(async (uow) => issueOne(uow, customerId, data.reason, await periodFor(uow.db, data.reason, customerId, uow.now), promotionId, validDays))
        if (coupon) issued.push(coupon)
      }
      return issued
    }
    let after = ''
    for (;;) {
      const page = await within((uow) => candidates(uow.db, data.reason, uow.now, afterDays, after))
      for (const { customerId, period } of page) {
        const coupon = await within((uow) => issueOne(uow, customerId, data.reason, period, promotionId, validDays))
        if (coupon) issued.push(coupon)
      }
      if (page.length < COUPON_BATCH) return issued
      after = page[page.length - 1]!.customerId
    }
  }

  /** Customers due a coupon now, a page at a time after `after`, with the period each coupon is for. */
  async function candidates(db: Kysely<Database>, reason: PersonalCouponReason, now: Date, afterDays: number, after: string): Promise<{ customerId: string; period: string }[]> {
    if (reason === 'birthday') {
      const due = dueBirthdays(now)
      const rows = await db
        .selectFrom('ordo_loyalty_customer')
        .select(['customer_id', 'birthday'])
        .where('birthday', 'in', [...due.keys()])
        .where('customer_id', '>', after)
        .orderBy('customer_id')
        .limit(COUPON_BATCH)
        .execute()
      return rows.map((r) => ({ customerId: r.customer_id, period: String(due.get(r.birthday!)) }))
    }
    const rows = await db
      .selectFrom('ordo_loyalty_order')
      .select((eb) => ['customer_id', eb.fn.max('completed_at').as('last')])
      .where('completed_at', 'is not', null)
      .where('customer_id', '>', after)
      .groupBy('customer_id')
      .having((eb) => eb.fn.max('completed_at'), '<=', now.getTime() - afterDays * DAY)
      .orderBy('customer_id')
      .limit(COUPON_BATCH)
      .execute()
    return rows.map((r) => ({ customerId: r.customer_id, period: `after:${Number(r.last)}` }))
  }

  /** The period of a coupon asked for named customers. */
  async function periodFor(db: Kysely<Database>, reason: PersonalCouponReason, customerId: string, now: Date): Promise<string> {
    if (reason === 'birthday') {
      const row = await db.selectFrom('ordo_loyalty_customer').select('birthday').where('customer_id', '=', customerId).executeTakeFirst()
      const year = row?.birthday ? dueBirthdays(now).get(row.birthday) : undefined
      return String(year ?? now.getUTCFullYear())
    }
    const row = await db
      .selectFrom('ordo_loyalty_order')
      .select((eb) => eb.fn.max('completed_at').as('last'))
      .where('customer_id', '=', customerId)
      .where('completed_at', 'is not', null)
      .executeTakeFirst()
    return row?.last === null || row?.last === undefined ? 'after:none' : `after:${Number(row.last)}`
  }

  const handlers: EventHandler<any>[] = [
    { id: 'loyalty.earn-on-completion', events: ['order.completed'], handle: (event, { uow }) => onCompleted(uow, event.data.orderId) } satisfies EventHandler<'order.completed'>,
    { id: 'loyalty.release-on-cancel', events: ['order.cancelled'], handle: async (event, { uow }) => void (await ledger.release(uow, event.data.orderId)) } satisfies EventHandler<'order.cancelled'>,
    {
      id: 'loyalty.reverse-on-return',
      events: ['shipment.outcome_recorded', 'payment.refunded'],
      // Refunds count as given back; a refund an outcome started for refused goods is already in refusedTotal, so the
      // outcome takes it off again (the two events may come in either order).
      handle: (event, { uow }) => onAdjusted(uow, event.data.orderId, 'amount' in event.data ? event.data.amount : -event.data.refundDue),
    } satisfies EventHandler<'shipment.outcome_recorded' | 'payment.refunded'>,
    {
      id: 'loyalty.return-points',
      events: ['shipment.outcome_recorded', 'order.changed'],
      handle: (event, { uow }) => settleSpend(uow, event.data.orderId, event.type === 'order.changed' ? 'order_edited' : 'refused'),
    } satisfies EventHandler<'shipment.outcome_recorded' | 'order.changed'>,
  ]

  let recomputing: Promise<unknown> | null = null
  const jobs: Record<string, JobDefinition<any>> = {
    'loyalty.activate': { every: 3_600_000, run: async (_payload, { uow }) => void (await ledger.activateDue(uow)) },
    'loyalty.expire': { every: 3_600_000, run: async (_payload, { uow }) => void (await ledger.expireDue(uow)) },
    'loyalty.recompute-tiers': {
      every: 86_400_000,
      // recomputeTiers opens its own transactions (a batch of customers each): it starts after this job's commit, or
      // SQLite's single connection would wait for itself.
      run: (_payload, { uow }) => {
        uow.afterCommit(() => {
          if (recomputing) return
          recomputing = api
            .recomputeTiers()
            .catch((error) => runtime.logger.error('loyalty.recompute-tiers failed.', { error }))
            .finally(() => (recomputing = null))
        })
      },
    },
  }
  if (settings.personalCoupons.birthday || settings.personalCoupons.winBack) {
    jobs['loyalty.personal-coupons'] = {
      every: 86_400_000,
      // In the job's own unit of work: a job's writes commit with its completion.
      run: async (_payload, { uow }) => {
        if (settings.personalCoupons.birthday) await issueCoupons({ reason: 'birthday' }, (fn) => fn(uow))
        if (settings.personalCoupons.winBack) await issueCoupons({ reason: 'win_back' }, (fn) => fn(uow))
      },
    }
  }

  async function runAll(step: (uow: UnitOfWork) => Promise<LoyaltyRunResult>): Promise<LoyaltyRunResult> {
    const total: LoyaltyRunResult = { entries: 0, points: 0 }
    for (;;) {
      const r = await runInTransaction(runtime, step)
      total.entries += r.entries
      total.points += r.points
      if (r.entries === 0) return total
    }
  }

  const api: LoyaltyApi = {
    async balance(customerId) {
      return ledger.balance(runtime.db, parseInput('loyalty.balance', customerSchema, customerId), runtime.clock.now())
    },
    async statement(customerId, options) {
      const customer = parseInput('loyalty.statement', customerSchema, customerId)
      const data = parseInput('loyalty.statement', statementSchema, options) ?? {}
      const limit = data.limit ?? 50
      let query = runtime.db.selectFrom('ordo_loyalty_entry').selectAll().where('customer_id', '=', customer).orderBy('id', 'desc').limit(limit + 1)
      if (data.cursor) query = query.where('id', '<', data.cursor)
      const rows = await query.execute()
      const page = rows.slice(0, limit)
      return { items: page.map(toEntry), nextCursor: rows.length > limit ? page[page.length - 1]!.id : null }
    },
    async adjust(customerId, input) {
      const customer = parseInput('loyalty.adjust', customerSchema, customerId)
      const data = parseInput('loyalty.adjust', adjustSchema, input)
      const externalId = `adjust:${data.externalId}`
      return runInTransaction(runtime, async (uow) => {
        const row =
          data.points > 0
            ? await ledger.credit(uow, { customerId: customer, kind: 'adjust', points: data.points, pending: false, orderId: null, externalId, reason: data.reason })
            : await ledger.debit(uow, { customerId: customer, points: -data.points, externalId, reason: data.reason })
        if (Math.sign(Number(row.points)) !== Math.sign(data.points) || Math.abs(Number(row.points)) !== Math.abs(data.points)) {
          throw new OrdoError('IDEMPOTENCY_MISMATCH', `The adjustment "${data.externalId}" was already recorded with ${Number(row.points)} points.`, {
            details: { externalId: data.externalId, points: Number(row.points) },
          })
        }
        return toEntry(row)
      })
    },
    async awardBonus(customerId, kind) {
      const customer = parseInput('loyalty.awardBonus', customerSchema, customerId)
      const which = parseInput('loyalty.awardBonus', z.enum(['signup', 'birthday']), kind)
      const points = which === 'signup' ? settings.signupBonus : settings.birthdayBonus
      if (!configured || points === null) {
        throw new OrdoError('INVALID_CONFIG', `No ${which} bonus is configured (loyalty.${which}Bonus).`, { details: { key: `loyalty.${which}Bonus` } })
      }
      return runInTransaction(runtime, async (uow) => {
        const externalId = which === 'signup' ? 'bonus:signup' : `bonus:birthday:${uow.now.getUTCFullYear()}`
        const reason = which === 'signup' ? 'sign-up bonus' : 'birthday bonus'
        return toEntry(await ledger.credit(uow, { customerId: customer, kind: 'adjust', points, pending: false, orderId: null, externalId, reason }))
      })
    },
    async tier(customerId) {
      const customer = parseKey('loyalty.tier', customerId)
      const stored = await storedTier(runtime.db, customer)
      return { customerId: customer, tier: stored.tier, multiplierBasisPoints: multiplierOf(stored.tier), spend12m: stored.spend }
    },
    runActivation: () => runAll((uow) => ledger.activateDue(uow)),
    runExpiry: () => runAll((uow) => ledger.expireDue(uow)),
    async recomputeTiers() {
      let changed = 0
      let after = ''
      for (;;) {
        const customers = await runtime.db.selectFrom('ordo_loyalty_customer').select('customer_id').where('customer_id', '>', after).orderBy('customer_id').limit(TIER_BATCH).execute()
        if (customers.length === 0) return changed
        await runInTransaction(runtime, async (uow) => {
          for (const { customer_id } of customers) if (await recomputeTier(uow, customer_id)) changed++
        })
        after = customers[customers.length - 1]!.customer_id
      }
    },
    async setBirthday(customerId, birthday) {
      const customer = parseInput('loyalty.setBirthday', customerSchema, customerId)
      const value = parseInput('loyalty.setBirthday', birthdaySchema, birthday)
      await runInTransaction(runtime, async (uow) => {
        const now = uow.now.getTime()
        await insertIgnoringConflicts(
          uow.db.insertInto('ordo_loyalty_customer').values({ customer_id: customer, tier: null, spend_12m: 0, birthday: value, version: 1, updated_at: now }),
          runtime.storage.capabilities,
        ).execute()
        await uow.db.updateTable('ordo_loyalty_customer').set({ birthday: value, updated_at: now }).where('customer_id', '=', customer).execute()
      })
    },
    issuePersonalCoupons: (input) => issueCoupons(input, (fn) => runInTransaction(runtime, fn)),
    async personalCoupons(customerId) {
      const customer = parseInput('loyalty.personalCoupons', customerSchema, customerId)
      const rows = await runtime.db.selectFrom('ordo_loyalty_coupon').selectAll().where('customer_id', '=', customer).orderBy('created_at', 'desc').orderBy('id', 'desc').execute()
      return rows.map(toCoupon)
    },
  }

  const internal: LoyaltyInternal = {
    settings: configured ? settings : null,
    ledger,
    balancesQuery(db, now) {
      return db
        .selectFrom('ordo_loyalty_entry')
        .where('status', 'in', ['active', 'partly_spent'])
        .where('expires_at', '>', now.getTime())
        .groupBy('customer_id')
        .select((eb) => [eb.ref('customer_id').as('customer_id'), eb.fn.sum<number | string | null>('remaining').as('points')])
    },
    async checkRedemption(db, customerId, points, now) {
      if (!configured) throw new OrdoError('INVALID_CONFIG', 'This shop has no loyalty programme (the `loyalty` config key); points cannot be redeemed.', { details: { key: 'loyalty' } })
      if (customerId === null) {
        throw new OrdoError('VALIDATION', 'A guest cart cannot redeem points: attach the customer with carts.setCustomer() first.', {
          details: { command: 'carts.redeemPoints', issues: [{ path: 'customerId', message: 'the cart has no customer' }] },
        })
      }
      const available = await ledger.spendable(db, customerId, now)
      if (points > available) {
        throw new OrdoError('LOYALTY_INSUFFICIENT', `The customer has ${available} active points; ${points} were asked for.`, { details: { customerId, requested: points, available } })
      }
    },
    redeemed: (breakdown) => redeemedPoints(breakdown, settings.pointValue),
    async hold(uow, input) {
      await ledger.hold(uow, input)
    },
    async moveCustomer(uow, fromCustomerId, toCustomerId) {
      const entries = await ledger.moveCustomer(uow, fromCustomerId, toCustomerId)
      await uow.db.updateTable('ordo_loyalty_order').set({ customer_id: toCustomerId, updated_at: uow.now.getTime() }).where('customer_id', '=', fromCustomerId).execute()
      const coupons = await uow.db.selectFrom('ordo_loyalty_coupon').select(['id', 'reason', 'period']).where('customer_id', '=', fromCustomerId).execute()
      if (coupons.length > 0) {
        const held = await uow.db.selectFrom('ordo_loyalty_coupon').select(['reason', 'period']).where('customer_id', '=', toCustomerId).execute()
        const periods = new Set(held.map((c) => `${c.reason}|${c.period}`))
        for (const coupon of coupons) {
          // Both customers got this period's coupon: both records stay, the moved one under a suffixed period.
          let period = coupon.period
          for (let n = 1; periods.has(`${coupon.reason}|${period}`); n++) period = `${coupon.period.slice(0, 26)}~${n}`
          periods.add(`${coupon.reason}|${period}`)
          await uow.db.updateTable('ordo_loyalty_coupon').set({ customer_id: toCustomerId, period }).where('id', '=', coupon.id).execute()
        }
      }
      const rows = await uow.db.selectFrom('ordo_loyalty_customer').select(['customer_id', 'birthday']).where('customer_id', 'in', [fromCustomerId, toCustomerId]).execute()
      const from = rows.find((r) => r.customer_id === fromCustomerId)
      const to = rows.find((r) => r.customer_id === toCustomerId)
      if (from?.birthday && to && !to.birthday) {
        await uow.db.updateTable('ordo_loyalty_customer').set({ birthday: from.birthday, updated_at: uow.now.getTime() }).where('customer_id', '=', toCustomerId).execute()
      }
      await uow.db.deleteFrom('ordo_loyalty_customer').where('customer_id', '=', fromCustomerId).execute()
      if (to) await recomputeTier(uow, toCustomerId)
      return entries
    },
    async forTimeline(db, customerId, options) {
      let query = db.selectFrom('ordo_loyalty_entry').selectAll().where('customer_id', '=', customerId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit)
      if (options.before !== null) query = query.where('created_at', '<', options.before)
      return (await query.execute()).map(toEntry)
    },
  }

  return { api, internal, jobs: configured ? jobs : {}, handlers: configured ? handlers : [] }
}

function keptOf(o: { goods_total: number; refused_total: number; refunded_total: number }): number {
  const goods = Number(o.goods_total)
  return Math.max(0, goods - Math.max(Number(o.refused_total), Math.min(Number(o.refunded_total), goods)))
}
