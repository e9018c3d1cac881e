import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { CartInternal } from '../cart/cart-module.js'
import { toE164 } from '../cart/contact-schema.js'
import { OrdoError } from '../errors.js'
import type { AnyDomainEvent } from '../events/domain-events.js'
import type { EventHandler } from '../events/event-handler.js'
import type { OrderInternal } from '../order/order-module.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { stateGroup } from '../machine/machine-queries.js'
import { newId } from '../storage/ids.js'
import { insertIgnoringConflicts } from '../storage/sql-helpers.js'
import type { UnitOfWork } from '../unit-of-work.js'
import { runInTransaction } from '../unit-of-work.js'
import { parseInput, parseKey } from '../validation.js'
import { BatchWriter } from './batch-writer.js'
import { MAX_URL, type VisitTable } from './tracking-schema.js'
import type { Attribution, AttributionModel, Lead, LeadInput, TrackingConfig, VisitInput } from './tracking-types.js'

export { trackingMigrations, type TrackingTables } from './tracking-schema.js'

declare module '../events/domain-events.js' {
  interface DomainEventMap {
    /** A visitor left contacts (`shop.tracking.lead()`), with the channel credited at that moment. */
    'tracking.lead_captured': { leadId: string; sessionId: string; phone: string | null; email: string | null; source: string | null }
  }
}

/**
 * `shop.tracking`: visits, leads and attribution. A storefront reports every
 * page view with {@link TrackingApi.visit}; the engine keeps them in memory
 * and writes them in multi-row inserts, so the call never waits for the
 * database. Carts created with a `sessionId` take their channel from
 * {@link TrackingApi.attribution}, and orders copy it from their cart, which
 * is what the funnel report (`shop.reports.funnel`) counts by.
 *
 * @example
 * ```ts
 * await shop.tracking.visit({ sessionId: 's-1', visitorId: 'v-1', channel: { source: 'yandex', medium: 'cpc', campaign: 'sofas' }, landing: '/sofas' })
 * const cart = await shop.carts.create({ sessionId: 's-1' }) // channel: yandex / cpc / sofas
 * await shop.tracking.lead({ sessionId: 's-1', phone: '+7 916 123-45-67' })
 * ```
 */
export interface TrackingApi {
  /**
   * Records a visit (a page view). Validates the input, then queues the row:
   * it is written with others in one insert when `tracking.batchSize` visits
   * wait, after `tracking.flushIntervalMs`, on {@link TrackingApi.flush} and on
   * `shop.close()`. Resolves without touching the database.
   */
  visit(input: VisitInput): Promise<void>
  /** Records contacts a visitor left (at least a phone or an e-mail), credited to the session's channel; emits `tracking.lead_captured`. */
  lead(input: LeadInput): Promise<Lead>
  /**
   * The channel to credit a sale in this session with, by the configured model
   * (`tracking.attribution`, default last non-direct touch) over the sessions
   * of the same visitor that started within `tracking.lookbackDays` before
   * `at` (default now). A touch is a session: the channel of its first visit.
   * Null when the session made no visit. Writes queued visits first.
   */
  attribution(sessionId: string, options?: { at?: Date; model?: AttributionModel }): Promise<Attribution | null>
  /** Writes every queued visit now. */
  flush(): Promise<void>
}

/** What other modules call: carts take their channel from attribution. */
export interface TrackingInternal {
  /** See {@link TrackingApi.attribution}; must be called outside a unit of work (it may write queued visits first). */
  attribution(sessionId: string, at: Date): Promise<Attribution | null>
}

interface TrackingDeps {
  orders: Pick<OrderInternal, 'get'>
  /** Carts are created after tracking (they depend on it): a lazy reference. */
  carts: Pick<CartInternal, 'rows'>
}

/** Settings of the tracking module with defaults applied. */
export interface TrackingSettings {
  model: AttributionModel
  lookbackMs: number
  batchSize: number
  flushIntervalMs: number
}

const DAY = 86_400_000
/** The source a direct visit is reported under. */
export const DIRECT_SOURCE = '(direct)'

/** @internal The tracking config with defaults applied. */
export function trackingSettings(config: TrackingConfig | undefined): TrackingSettings {
  return {
    model: config?.attribution ?? 'last_non_direct',
    lookbackMs: (config?.lookbackDays ?? 30) * DAY,
    batchSize: config?.batchSize ?? 500,
    flushIntervalMs: config?.flushIntervalMs ?? 1000,
  }
}

/** Control characters (U+0000–U+001F, U+007F): PostgreSQL refuses NUL in text, and one refused row would block every batch behind it. */
const CONTROL = /[\u0000-\u001f\u007f]/
const noControl = (v: string) => !CONTROL.test(v)
const CONTROL_MESSAGE = 'must not contain control characters'
const key = z.string().trim().min(1).max(64).refine(noControl, CONTROL_MESSAGE)
const tag = z
  .string()
  .trim()
  .max(255)
  .refine(noControl, CONTROL_MESSAGE)
  .nullish()
  .transform((v) => (v ? v : null))
const url = z
  .string()
  .trim()
  .max(MAX_URL)
  .refine(noControl, CONTROL_MESSAGE)
  .nullish()
  .transform((v) => (v ? v : null))
const visitSchema = z.strictObject({
  sessionId: key,
  visitorId: key.nullish(),
  channel: z.strictObject({ source: tag, medium: tag, campaign: tag }).optional(),
  landing: url,
  referrer: url,
  at: z.union([z.date(), z.iso.datetime({ offset: true })]).optional(),
})
const leadSchema = z
  .strictObject({
    sessionId: key,
    name: z.string().trim().max(255).nullish(),
    phone: z.string().trim().max(40).nullish(),
    email: z.email().max(255).nullish(),
  })
  .refine((v) => Boolean(v.phone) || Boolean(v.email), { message: 'give a phone or an e-mail', path: ['phone'] })
const attributionOptions = z.strictObject({ at: z.date().optional(), model: z.enum(['last_non_direct', 'last', 'first']).optional() }).optional()

/** True when a source means "no source": direct traffic. */
export function isDirect(source: string | null | undefined): boolean {
  return !source || source === DIRECT_SOURCE
}

/** One session as attribution sees it: the channel of its first visit. */
interface Touch {
  session_id: string
  source: string | null
  medium: string | null
  campaign: string | null
  landing: string | null
  referrer: string | null
  at: number
}

/** Picks the credited touch among sessions in start order. */
export function pickTouch<T extends { source: string | null }>(touches: readonly T[], model: AttributionModel): T | null {
  if (touches.length === 0) return null
  if (model === 'first') return touches[0]!
  if (model === 'last') return touches[touches.length - 1]!
  for (let i = touches.length - 1; i >= 0; i--) if (!isDirect(touches[i]!.source)) return touches[i]!
  return touches[touches.length - 1]!
}

/** Most visits attribution reads for one visitor (the latest first). */
const TOUCH_SCAN = 5000

/** Creates the tracking module: batched visits, leads, attribution and the handler that keeps the funnel's carts and orders. */
export function createTrackingModule(
  runtime: Runtime,
  deps: TrackingDeps,
): { api: TrackingApi; internal: TrackingInternal; handlers: EventHandler<any>[]; settings: TrackingSettings } {
  const settings = trackingSettings(runtime.config.tracking)
  const defaultCountry = runtime.config.cart?.defaultCountry ?? 'RU'
  const visits = new BatchWriter<VisitTable>(
    'tracking.visit',
    { maxRows: settings.batchSize, maxDelayMs: settings.flushIntervalMs, maxHeld: Math.max(settings.batchSize * 200, 100_000) },
    async (rows) => {
      await runtime.db.insertInto('ordo_visit').values(rows).execute()
    },
    runtime.logger,
  )

  async function attribution(sessionId: string, at: Date, model: AttributionModel): Promise<Attribution | null> {
    // Write this session's queued visits first. When tracking's writes fail, credit from what is stored:
    // a tracking outage must not break carts or leads.
    if (visits.holds((row) => row.session_id === sessionId)) {
      try {
        await visits.flush()
      } catch (error) {
        runtime.logger.warn('tracking.attribution: queued visits could not be written; attributing from the stored ones', { sessionId, error })
      }
    }
    const db = runtime.db
    const until = at.getTime()
    const since = until - settings.lookbackMs
    const own = await db
      .selectFrom('ordo_visit')
      .select('visitor_id')
      .where('session_id', '=', sessionId)
      .where('visitor_id', 'is not', null)
      .limit(1)
      .executeTakeFirst()
    let query = db
      .selectFrom('ordo_visit')
      .select(['session_id', 'source', 'medium', 'campaign', 'landing', 'referrer', 'at'])
      .where('at', '>=', since)
      .where('at', '<=', until)
    query = own?.visitor_id ? query.where((eb) => eb.or([eb('visitor_id', '=', own.visitor_id), eb('session_id', '=', sessionId)])) : query.where('session_id', '=', sessionId)
    const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(TOUCH_SCAN).execute()
    // Rows come latest first; the last row seen of a session is its first visit.
    const firstOf = new Map<string, Touch>()
    for (const row of rows) firstOf.set(row.session_id, { ...row, at: Number(row.at) })
    const touches = [...firstOf.values()].sort((a, b) => a.at - b.at || a.session_id.localeCompare(b.session_id))
    const touch = pickTouch(touches, model)
    if (!touch) return null
    return {
      source: isDirect(touch.source) ? DIRECT_SOURCE : touch.source!,
      medium: touch.medium,
      campaign: touch.campaign,
      landing: touch.landing,
      referrer: touch.referrer,
      sessionId: touch.session_id,
      at: new Date(touch.at),
      model,
    }
  }

  const api: TrackingApi = {
    async visit(input) {
      const data = parseInput('tracking.visit', visitSchema, input)
      visits.add({
        id: newId(),
        session_id: data.sessionId,
        visitor_id: data.visitorId ?? null,
        source: data.channel?.source ?? null,
        medium: data.channel?.medium ?? null,
        campaign: data.channel?.campaign ?? null,
        landing: data.landing,
        referrer: data.referrer,
        at: data.at === undefined ? runtime.clock.now().getTime() : new Date(data.at).getTime(),
      })
    },

    async lead(input) {
      const data = parseInput('tracking.lead', leadSchema, input)
      let phone: string | null = null
      if (data.phone) {
        phone = toE164(data.phone, defaultCountry)
        if (!phone) {
          throw new OrdoError('VALIDATION', `Invalid input to tracking.lead: phone: "${data.phone}" is not a valid phone number.`, {
            details: { command: 'tracking.lead', issues: [{ path: 'phone', message: 'invalid phone number' }] },
          })
        }
      }
      const now = runtime.clock.now()
      const channel = await attribution(data.sessionId, now, settings.model)
      return runInTransaction(runtime, async (uow) => {
        const lead: Lead = {
          id: newId(),
          sessionId: data.sessionId,
          name: data.name || null,
          phone,
          email: data.email ? data.email.toLowerCase() : null,
          channel,
          at: uow.now,
        }
        await uow.db
          .insertInto('ordo_lead')
          .values({
            id: lead.id,
            session_id: lead.sessionId,
            name: lead.name,
            phone: lead.phone,
            email: lead.email,
            source: isDirect(channel?.source) ? null : channel!.source,
            medium: channel?.medium ?? null,
            campaign: channel?.campaign ?? null,
            landing: channel?.landing ?? null,
            at: uow.now.getTime(),
          })
          .execute()
        uow.emit({
          type: 'tracking.lead_captured',
          aggregateId: lead.id,
          data: { leadId: lead.id, sessionId: lead.sessionId, phone: lead.phone, email: lead.email, source: channel?.source ?? null },
        })
        return lead
      })
    },

    async attribution(sessionId, options) {
      const id = parseKey('tracking.attribution', sessionId)
      const opts = parseInput('tracking.attribution', attributionOptions, options)
      return attribution(id, opts?.at ?? runtime.clock.now(), opts?.model ?? settings.model)
    },

    flush: () => visits.flush(),
  }

  // ---- The funnel's own copy of carts and orders, kept from events -------------------------------

  async function trackCart(uow: UnitOfWork, cartId: string, createdAt: number): Promise<void> {
    const { row } = await deps.carts.rows(uow.db, cartId)
    await insertIgnoringConflicts(
      uow.db.insertInto('ordo_tracked_cart').values({
        cart_id: cartId,
        session_id: row.session_id ?? null,
        source: row.channel_source,
        medium: row.channel_medium,
        campaign: row.channel_campaign,
        landing: row.landing_page,
        created_at: createdAt,
      }),
      runtime.storage.capabilities,
    ).execute()
  }

  /** Makes sure the order has its row (events may arrive in any order); false when there is no such order. */
  async function ensureOrder(uow: UnitOfWork, orderId: string): Promise<boolean> {
    const known = await uow.db.selectFrom('ordo_tracked_order').select('order_id').where('order_id', '=', orderId).executeTakeFirst()
    if (known) return true
    const order = await deps.orders.get(uow.db, orderId)
    if (!order) return false
    let sessionId: string | null = null
    if (order.cartId) {
      const cart = await uow.db.selectFrom('ordo_tracked_cart').select('session_id').where('cart_id', '=', order.cartId).executeTakeFirst()
      sessionId = cart ? cart.session_id : ((await deps.carts.rows(uow.db, order.cartId).catch(() => null))?.row.session_id ?? null)
    }
    await insertIgnoringConflicts(
      uow.db.insertInto('ordo_tracked_order').values({
        order_id: order.id,
        cart_id: order.cartId,
        session_id: sessionId,
        source: order.channel.source,
        medium: order.channel.medium,
        campaign: order.channel.campaign,
        landing: order.channel.landingPage,
        placed_at: order.placedAt.getTime(),
        paid_at: null,
        delivered_at: null,
        cancelled_at: null,
        cancel_reason: null,
      }),
      runtime.storage.capabilities,
    ).execute()
    return true
  }

  /** Sets a moment once: the first time it happened stays. */
  async function mark(db: Kysely<Database>, orderId: string, column: 'paid_at' | 'delivered_at' | 'cancelled_at', at: number, reason?: string): Promise<void> {
    await db
      .updateTable('ordo_tracked_order')
      .set(column === 'cancelled_at' ? { cancelled_at: at, cancel_reason: reason ?? null } : { [column]: at })
      .where('order_id', '=', orderId)
      .where(column, 'is', null)
      .execute()
  }

  function delivers(status: string): boolean {
    const machine = runtime.machines.get('order')?.machine
    return status === 'delivered' || (machine !== undefined && stateGroup(machine, status) === 'complete')
  }

  const handlers: EventHandler<any>[] = [
    {
      id: 'tracking.funnel',
      events: ['cart.created', 'order.placed', 'order.paid', 'order.status_changed', 'order.cancelled'],
      async handle(received, { uow }) {
        const event = received as AnyDomainEvent
        const at = event.occurredAt.getTime()
        switch (event.type) {
          case 'cart.created':
            return trackCart(uow, event.data.cartId, at)
          case 'order.placed':
            return void (await ensureOrder(uow, event.data.orderId))
          case 'order.paid':
            if (await ensureOrder(uow, event.data.orderId)) await mark(uow.db, event.data.orderId, 'paid_at', at)
            return
          case 'order.status_changed':
            if (delivers(event.data.to) && (await ensureOrder(uow, event.data.entityId))) await mark(uow.db, event.data.entityId, 'delivered_at', at)
            return
          case 'order.cancelled':
            if (await ensureOrder(uow, event.data.orderId)) await mark(uow.db, event.data.orderId, 'cancelled_at', at, event.data.reason)
            return
        }
      },
    } satisfies EventHandler<'cart.created' | 'order.placed' | 'order.paid' | 'order.status_changed' | 'order.cancelled'>,
  ]

  return {
    api,
    internal: { attribution: (sessionId, at) => attribution(sessionId, at, settings.model) },
    handlers,
    settings,
  }
}
