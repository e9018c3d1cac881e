import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { CatalogInternal } from '../catalog/catalog-module.js'
import { OrdoError } from '../errors.js'
import type { EventHandler } from '../events/event-handler.js'
import type { JobDefinition } from '../jobs/job-types.js'
import type { OrderInternal } from '../order/order-module.js'
import type { Order } from '../order/order-types.js'
import type { PriceBreakdown } from '../pricing/pricing-types.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import { parseInput, parseKey } from '../validation.js'
import { loyaltySettings, type LoyaltySettings } from './loyalty-config.js'
import { earnPoints, tierFor } from './loyalty-earn.js'
import './loyalty-events.js'
import { createLoyaltyLedger, type LoyaltyLedger } from './loyalty-ledger.js'
import { redeemedPoints } from './loyalty-pricing.js'
import type { LoyaltyEntryTable, LoyaltyOrderTable } from './loyalty-schema.js'
import type {
  LoyaltyAdjustInput,
  LoyaltyBalance,
  LoyaltyEarnRule,
  LoyaltyEntry,
  LoyaltyEntryKind,
  LoyaltyRunResult,
  LoyaltyStatement,
  LoyaltyTierStatus,
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
}

interface LoyaltyDeps {
  orders: Pick<OrderInternal, 'get'>
  catalog: Pick<CatalogInternal, 'variantsBySku'>
}

const customerSchema = z.string().min(1).max(64)
const adjustSchema = z.strictObject({
  points: z.number().int().refine((n) => n !== 0, 'must not be 0').refine((n) => Math.abs(n) <= 1_000_000_000, 'at most 1 000 000 000'),
  reason: z.string().trim().min(1).max(500),
  externalId: z.string().trim().min(1).max(120),
})
const statementSchema = z.strictObject({ limit: z.number().int().min(1).max(500).optional(), cursor: z.string().max(64).nullable().optional() }).optional()
const YEAR = 365 * 86_400_000
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
        uow.emit({
          type: 'loyalty.points_earned',
          aggregateId: customerId,
          data: { customerId, orderId, entryId: entry.id, points, activatesAt: new Date(Number(entry.activates_at)).toISOString() },
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

  const handlers: EventHandler<any>[] = [
    { id: 'loyalty.earn-on-completion', events: ['order.completed'], handle: (event, { uow }) => onCompleted(uow, event.data.orderId) } satisfies EventHandler<'order.completed'>,
    { id: 'loyalty.release-on-cancel', events: ['order.cancelled'], handle: async (event, { uow }) => void (await ledger.release(uow, event.data.orderId)) } satisfies EventHandler<'order.cancelled'>,
    {
      id: 'loyalty.reverse-on-return',
      events: ['shipment.outcome_recorded', 'payment.refunded'],
      handle: (event, { uow }) => onAdjusted(uow, event.data.orderId, 'amount' in event.data ? event.data.amount : 0),
    } satisfies EventHandler<'shipment.outcome_recorded' | 'payment.refunded'>,
  ]

  const jobs: Record<string, JobDefinition<any>> = {
    'loyalty.activate': { every: 3_600_000, run: async (_payload, { uow }) => void (await ledger.activateDue(uow)) },
    'loyalty.expire': { every: 3_600_000, run: async (_payload, { uow }) => void (await ledger.expireDue(uow)) },
    'loyalty.recompute-tiers': { every: 86_400_000, run: async () => void (await api.recomputeTiers()) },
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
  }

  const internal: LoyaltyInternal = {
    settings: configured ? settings : null,
    ledger,
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
  }

  return { api, internal, jobs: configured ? jobs : {}, handlers: configured ? handlers : [] }
}

function keptOf(o: { goods_total: number; refused_total: number; refunded_total: number }): number {
  const goods = Number(o.goods_total)
  return Math.max(0, goods - Math.max(Number(o.refused_total), Math.min(Number(o.refunded_total), goods)))
}
