import type { Kysely, SelectQueryBuilder } from 'kysely'
import { z } from 'zod'
import type { CatalogInternal } from '../catalog/catalog-module.js'
import { OrdoError } from '../errors.js'
import type { EventHandler } from '../events/event-handler.js'
import type { JobDefinition } from '../jobs/job-types.js'
import type { LoyaltyInternal } from '../loyalty/loyalty-module.js'
import type { CampaignRecipient } from '../notify/notify-types.js'
import type { OrderInternal } from '../order/order-module.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { affected, insertIgnoringConflicts } from '../storage/sql-helpers.js'
import { runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import { parseInput, parseKey } from '../validation.js'
import type { CrmManager } from './crm-config.js'
import './crm-events.js'
import type { CrmCallTable, CrmSegmentTable, CrmTaskTable } from './crm-schema.js'
import {
  CALL_DIRECTIONS,
  type AddCrmNoteInput,
  type CreateCrmTaskInput,
  type CrmCall,
  type CrmNote,
  type CrmTask,
  type CrmTasksFilter,
  type LogCrmCallInput,
  type RfmScore,
  type SaveSegmentInput,
  type Segment,
  type SegmentMembersPage,
  type TimelineInteraction,
} from './crm-types.js'
import { interactionsForTimeline, toCrmCall, toCrmNote, toCrmTask } from './interactions.js'
import { rfmOf, scoreRfm } from './rfm.js'
import { parseStoredFilter, segmentFilterSchema, segmentMembers, serializeFilter, type SegmentSources } from './segments.js'
import type { Order } from '../order/order-types.js'

export { crmMigrations, type CrmTables } from './crm-schema.js'

/**
 * `shop.crm`: what managers do with customers — calls, notes, "call back"
 * tasks — plus saved customer segments and RFM scores. New orders are
 * assigned to managers on `order.placed` as the `crm` config says.
 *
 * Calls about an order logged here stay in the CRM log; confirming an order
 * by phone is `shop.orders.logCall()`, whose calls are mirrored into the
 * customer's CRM log (`source: 'order'`), so each call is logged once and
 * every call shows in the customer's timeline.
 *
 * @example
 * ```ts
 * await shop.crm.logCall({ customerId, direction: 'out', managerId: 'anna', startedAt: new Date(), durationSeconds: 95, outcome: 'answered' })
 * await shop.crm.createTask({ customerId, title: 'Call back about sizes', dueAt: tomorrowAt3pm, assignee: 'anna' })
 * await shop.crm.saveSegment({ code: 'vip', name: 'VIP', filter: { spend: { min: 5_000_000 } } })
 * const { members } = await shop.crm.segmentMembers('vip', { limit: 100 })
 * ```
 */
export interface CrmApi {
  /** Logs a call with a customer; `orderId`, when given, must be one of the customer's orders. Emits `crm.call_logged`. */
  logCall(input: LogCrmCallInput): Promise<CrmCall>
  /** Adds a note about a customer. Emits `crm.note_added`. */
  addNote(input: AddCrmNoteInput): Promise<CrmNote>
  /** Creates a task ("call back at `dueAt`"). Emits `crm.task_created`. */
  createTask(input: CreateCrmTaskInput): Promise<CrmTask>
  /** Marks a task done by `actor`; `NOT_ALLOWED_IN_STATE` when it already is. Emits `crm.task_completed`. */
  completeTask(taskId: string, options: { actor: string }): Promise<CrmTask>
  /** Tasks by due time, earliest first (a manager's open tasks, the overdue ones…). */
  tasks(filter?: CrmTasksFilter): Promise<CrmTask[]>
  /** A customer's calls, notes and tasks, newest first (`limit` default 50, at most 500). */
  interactions(customerId: string, options?: { before?: Date | undefined; limit?: number | undefined }): Promise<TimelineInteraction[]>
  /** Creates the segment or replaces the filter and name of the one with this code. */
  saveSegment(input: SaveSegmentInput): Promise<Segment>
  /** Saved segments, by code. */
  segments(): Promise<Segment[]>
  /** Deletes a saved segment; false when there was none. */
  deleteSegment(code: string): Promise<boolean>
  /** A page of a segment's members by customer id (`limit` default 100, at most 1000); `NOT_FOUND` for an unknown code. One SQL query per page. */
  segmentMembers(code: string, options?: { limit?: number | undefined; after?: string | null | undefined }): Promise<SegmentMembersPage>
  /** The customer's RFM scores from the last scoring run, or undefined. */
  rfm(customerId: string): Promise<RfmScore | undefined>
  /** Scores every customer with orders now (the daily `crm.score-rfm` job runs it); returns how many were scored. */
  scoreRfm(): Promise<{ customers: number }>
}

/** What the CRM needs to know about customers, from the customers module. */
export interface CrmCustomerSource {
  /** The order's customer, attaching a guest order first (handlers on `order.placed` may run before the customers module's own). */
  customerOfOrder(db: Kysely<Database>, order: Order): Promise<string | null>
  /** Whether the customer exists (and was not merged away). */
  exists(db: Kysely<Database>, customerId: string): Promise<boolean>
  /** The customer's fixed manager, if any. */
  managerOf(db: Kysely<Database>, customerId: string): Promise<string | null>
  /** Campaign recipients (contacts, time zone, name) of these customers, in one or two queries. */
  recipients(db: Kysely<Database>, customerIds: readonly string[]): Promise<CampaignRecipient[]>
  /** A subquery of customers in any of the groups / with any of the tags. */
  labelledQuery(db: Kysely<Database>, filter: { groups?: readonly string[]; tags?: readonly string[] }): SelectQueryBuilder<any, any, { customer_id: string }>
  /** A subquery of every customer not merged away. */
  idsQuery(db: Kysely<Database>): SelectQueryBuilder<any, any, { customer_id: string }>
}

/** What other core modules (notify campaigns) call. */
export interface CrmInternal {
  /** The recipients of a saved segment's members, for `notify.campaign({ audience: { segment } })`; `NOT_FOUND` for an unknown code. */
  audience(db: Kysely<Database>, code: string, now: Date): Promise<CampaignRecipient[]>
}

interface CrmDeps {
  orders: Pick<OrderInternal, 'get' | 'assignManager' | 'customerStatsQuery' | 'buyersQuery'>
  catalog: Pick<CatalogInternal, 'productsInCategoriesQuery'>
  loyalty: Pick<LoyaltyInternal, 'balancesQuery'>
  customers?: CrmCustomerSource | undefined
}

const idSchema = z.string().trim().min(1).max(64)
const actorSchema = z.string().trim().min(1).max(191)
const instant = z.date().refine((d) => !Number.isNaN(d.getTime()), 'not a valid date')
export const logCallSchema = z.strictObject({
  customerId: idSchema,
  orderId: idSchema.optional(),
  direction: z.enum(CALL_DIRECTIONS),
  managerId: actorSchema,
  startedAt: instant,
  durationSeconds: z.number().int().min(0).max(86_400).optional(),
  outcome: z.string().trim().min(1).max(64),
  recordingUrl: z.url({ protocol: /^https?$/ }).max(1000).optional(),
  note: z.string().max(10_000).optional(),
})
export const noteSchema = z.strictObject({ customerId: idSchema, body: z.string().trim().min(1).max(10_000), author: actorSchema.optional(), orderId: idSchema.optional() })
const taskSchema = z.strictObject({ customerId: idSchema, title: z.string().trim().min(1).max(500), dueAt: instant, assignee: idSchema.optional(), orderId: idSchema.optional() })
const tasksFilterSchema = z
  .strictObject({
    assignee: idSchema.optional(),
    customerId: idSchema.optional(),
    dueBefore: instant.optional(),
    open: z.boolean().optional(),
    limit: z.number().int().min(1).max(500).optional(),
  })
  .optional()
const segmentSchema = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{1,64}$/, 'lower-case letters, digits, _ and -, at most 64'),
  name: z.string().trim().min(1).max(255),
  filter: segmentFilterSchema,
})
const membersSchema = z.strictObject({ limit: z.number().int().min(1).max(1000).optional(), after: z.string().min(1).max(64).nullable().optional() }).optional()
const interactionsSchema = z.strictObject({ before: instant.optional(), limit: z.number().int().min(1).max(500).optional() }).optional()

/** The counter row of round-robin assignment. */
const ROUND_ROBIN = 'manager_round_robin'
/** Members resolved per page for a campaign audience. */
const AUDIENCE_PAGE = 1000
const AUDIENCE_MAX = 100_000

/** Creates the CRM module: interactions, manager assignment, segments and RFM. */
export function createCrmModule(
  runtime: Runtime,
  deps: CrmDeps,
): { api: CrmApi; internal: CrmInternal; jobs: Record<string, JobDefinition<any>>; handlers: EventHandler<any>[] } {
  const config = runtime.config.crm ?? {}
  const managers: readonly CrmManager[] = config.managers ?? []
  const active = managers.filter((m) => m.active !== false)
  const strategy = config.assignment ?? 'round_robin'
  const capabilities = runtime.storage.capabilities

  const sources: SegmentSources = {
    customerStats: (db) => deps.orders.customerStatsQuery(db),
    buyersInCategories: (db, ids) => deps.orders.buyersQuery(db, deps.catalog.productsInCategoriesQuery(db, ids)),
    balances: (db, now) => deps.loyalty.balancesQuery(db, now),
    ...(deps.customers ? { labelled: deps.customers.labelledQuery.bind(deps.customers), customers: deps.customers.idsQuery.bind(deps.customers) } : {}),
  }

  /** Refuses an unknown customer, or an order that is not theirs; nothing is written before these checks. */
  async function checkSubject(db: Kysely<Database>, command: string, customerId: string, orderId: string | undefined): Promise<void> {
    if (deps.customers && !(await deps.customers.exists(db, customerId))) {
      throw new OrdoError('NOT_FOUND', `No customer "${customerId}".`, { details: { customerId } })
    }
    if (orderId === undefined) return
    const order = await deps.orders.get(db, orderId)
    if (!order) throw new OrdoError('NOT_FOUND', `No order "${orderId}".`, { details: { orderId } })
    if (order.customerId !== customerId) {
      throw new OrdoError('VALIDATION', `Invalid input to ${command}: order ${order.number} is not the customer's.`, {
        details: { command, issues: [{ path: 'orderId', message: 'not an order of this customer' }] },
      })
    }
  }

  async function insertCall(uow: UnitOfWork, row: CrmCallTable): Promise<CrmCall> {
    await uow.db.insertInto('ordo_crm_call').values(row).execute()
    uow.emit({
      type: 'crm.call_logged',
      aggregateId: row.customer_id,
      data: { callId: row.id, customerId: row.customer_id, orderId: row.order_id, managerId: row.manager_id, direction: row.direction as CrmCall['direction'], outcome: row.outcome, source: row.source as CrmCall['source'] },
    })
    return toCrmCall(row)
  }

  /** The next active manager in turn: one counter row, incremented under the transaction's row lock, shared by every process. */
  async function nextInTurn(uow: UnitOfWork): Promise<string> {
    const increment = () =>
      uow.db
        .updateTable('ordo_crm_counter')
        .set((eb) => ({ value: eb('value', '+', 1) }))
        .where('name', '=', ROUND_ROBIN)
        .executeTakeFirst()
    // Update first: an insert that meets the existing row would take a shared lock that two increments then deadlock on (MySQL).
    if (affected(await increment()) === 0) {
      await insertIgnoringConflicts(uow.db.insertInto('ordo_crm_counter').values({ name: ROUND_ROBIN, value: 0 }), capabilities).execute()
      await increment()
    }
    const row = await uow.db.selectFrom('ordo_crm_counter').select('value').where('name', '=', ROUND_ROBIN).executeTakeFirstOrThrow()
    return active[(Number(row.value) - 1) % active.length]!.id
  }

  async function assignNewOrder(uow: UnitOfWork, orderId: string): Promise<void> {
    if (active.length === 0) return
    const order = await deps.orders.get(uow.db, orderId)
    // Assigned already (by hand, or an earlier delivery of this event): leave it.
    if (!order || order.managerId !== null) return
    let managerId: string | null = null
    const customerId = deps.customers ? await deps.customers.customerOfOrder(uow.db, order) : order.customerId
    if (strategy === 'customer_manager_then_round_robin' && customerId !== null && deps.customers) {
      const own = await deps.customers.managerOf(uow.db, customerId)
      if (own !== null && active.some((m) => m.id === own)) managerId = own
    }
    managerId ??= await nextInTurn(uow)
    await deps.orders.assignManager(uow, orderId, managerId, 'system')
  }

  async function mirrorOrderCall(uow: UnitOfWork, eventId: string, at: Date, data: { orderId: string; manager: string; outcome: string }): Promise<void> {
    const order = await deps.orders.get(uow.db, data.orderId)
    const customerId = !order ? null : deps.customers ? await deps.customers.customerOfOrder(uow.db, order) : order.customerId
    if (!order || customerId === null) return
    const externalId = `order-call:${eventId}`
    const known = await uow.db.selectFrom('ordo_crm_call').select('id').where('external_id', '=', externalId).executeTakeFirst()
    if (known) return
    await insertCall(uow, {
      id: newId(),
      customer_id: customerId,
      order_id: order.id,
      direction: 'out',
      manager_id: data.manager,
      started_at: at.getTime(),
      duration_seconds: 0,
      outcome: data.outcome,
      recording_url: null,
      note: null,
      source: 'order',
      external_id: externalId,
      created_at: uow.now.getTime(),
    })
  }

  function toSegment(row: CrmSegmentTable): Segment {
    return { code: row.code, name: row.name, filter: parseStoredFilter(row.filter), createdAt: new Date(Number(row.created_at)), updatedAt: new Date(Number(row.updated_at)) }
  }

  async function loadSegment(db: Kysely<Database>, code: string): Promise<Segment> {
    const row = await db.selectFrom('ordo_crm_segment').selectAll().where('code', '=', code).executeTakeFirst()
    if (!row) throw new OrdoError('NOT_FOUND', `No segment "${code}".`, { details: { segment: code } })
    return toSegment(row)
  }

  const api: CrmApi = {
    async logCall(input) {
      const data = parseInput('crm.logCall', logCallSchema, input)
      return runInTransaction(runtime, async (uow) => {
        await checkSubject(uow.db, 'crm.logCall', data.customerId, data.orderId)
        return insertCall(uow, {
          id: newId(),
          customer_id: data.customerId,
          order_id: data.orderId ?? null,
          direction: data.direction,
          manager_id: data.managerId,
          started_at: data.startedAt.getTime(),
          duration_seconds: data.durationSeconds ?? 0,
          outcome: data.outcome,
          recording_url: data.recordingUrl ?? null,
          note: data.note ?? null,
          source: 'crm',
          external_id: null,
          created_at: uow.now.getTime(),
        })
      })
    },

    async addNote(input) {
      const data = parseInput('crm.addNote', noteSchema, input)
      return runInTransaction(runtime, async (uow) => {
        await checkSubject(uow.db, 'crm.addNote', data.customerId, data.orderId)
        const row = { id: newId(), customer_id: data.customerId, order_id: data.orderId ?? null, author: data.author ?? null, body: data.body, created_at: uow.now.getTime() }
        await uow.db.insertInto('ordo_crm_note').values(row).execute()
        uow.emit({ type: 'crm.note_added', aggregateId: row.customer_id, data: { noteId: row.id, customerId: row.customer_id, orderId: row.order_id, author: row.author } })
        return toCrmNote(row)
      })
    },

    async createTask(input) {
      const data = parseInput('crm.createTask', taskSchema, input)
      return runInTransaction(runtime, async (uow) => {
        await checkSubject(uow.db, 'crm.createTask', data.customerId, data.orderId)
        const at = uow.now.getTime()
        const row: CrmTaskTable = {
          id: newId(),
          customer_id: data.customerId,
          order_id: data.orderId ?? null,
          title: data.title,
          due_at: data.dueAt.getTime(),
          assignee: data.assignee ?? null,
          done_at: null,
          done_by: null,
          created_at: at,
          updated_at: at,
        }
        await uow.db.insertInto('ordo_crm_task').values(row).execute()
        uow.emit({
          type: 'crm.task_created',
          aggregateId: row.customer_id,
          data: { taskId: row.id, customerId: row.customer_id, orderId: row.order_id, assignee: row.assignee, title: row.title, dueAt: data.dueAt.toISOString() },
        })
        return toCrmTask(row)
      })
    },

    async completeTask(taskId, options) {
      const id = parseKey('crm.completeTask', taskId)
      const { actor } = parseInput('crm.completeTask', z.strictObject({ actor: actorSchema }), options)
      return runInTransaction(runtime, async (uow) => {
        const row = await uow.db.selectFrom('ordo_crm_task').selectAll().where('id', '=', id).executeTakeFirst()
        if (!row) throw new OrdoError('NOT_FOUND', `No task "${id}".`, { details: { taskId: id } })
        if (row.done_at !== null) {
          throw new OrdoError('NOT_ALLOWED_IN_STATE', `Task "${id}" is already done.`, { details: { taskId: id, doneAt: new Date(Number(row.done_at)).toISOString(), doneBy: row.done_by } })
        }
        const at = uow.now.getTime()
        // Conditional on still being open: two managers completing at once cannot both win.
        const result = await uow.db.updateTable('ordo_crm_task').set({ done_at: at, done_by: actor, updated_at: at }).where('id', '=', id).where('done_at', 'is', null).executeTakeFirst()
        if (Number(result.numUpdatedRows) !== 1) throw new OrdoError('CONFLICT', `Task "${id}" was completed meanwhile.`, { details: { taskId: id } })
        const saved = { ...row, done_at: at, done_by: actor, updated_at: at }
        uow.emit({
          type: 'crm.task_completed',
          aggregateId: row.customer_id,
          data: { taskId: id, customerId: row.customer_id, orderId: row.order_id, assignee: row.assignee, doneBy: actor, doneAt: uow.now.toISOString() },
        })
        return toCrmTask(saved)
      })
    },

    async tasks(filter) {
      const f = parseInput('crm.tasks', tasksFilterSchema, filter) ?? {}
      let query = runtime.db.selectFrom('ordo_crm_task').selectAll()
      if (f.assignee !== undefined) query = query.where('assignee', '=', f.assignee)
      if (f.customerId !== undefined) query = query.where('customer_id', '=', f.customerId)
      if (f.dueBefore !== undefined) query = query.where('due_at', '<', f.dueBefore.getTime())
      if (f.open === true) query = query.where('done_at', 'is', null)
      if (f.open === false) query = query.where('done_at', 'is not', null)
      const rows = await query.orderBy('due_at').orderBy('id').limit(f.limit ?? 100).execute()
      return rows.map(toCrmTask)
    },

    async interactions(customerId, options) {
      const id = parseInput('crm.interactions', idSchema, customerId)
      const o = parseInput('crm.interactions', interactionsSchema, options) ?? {}
      return interactionsForTimeline(runtime.db, id, { before: o.before, limit: o.limit ?? 50 })
    },

    async saveSegment(input) {
      const data = parseInput('crm.saveSegment', segmentSchema, input)
      return runInTransaction(runtime, async (uow) => {
        const at = uow.now.getTime()
        const filter = serializeFilter(data.filter)
        // Insert-or-nothing, then update: two saves of a new code at once both land (the later wins) instead of one
        // failing on the primary key between a check and an insert.
        await insertIgnoringConflicts(
          uow.db.insertInto('ordo_crm_segment').values({ code: data.code, name: data.name, filter, created_at: at, updated_at: at }),
          capabilities,
        ).execute()
        await uow.db.updateTable('ordo_crm_segment').set({ name: data.name, filter, updated_at: at }).where('code', '=', data.code).execute()
        return toSegment(await uow.db.selectFrom('ordo_crm_segment').selectAll().where('code', '=', data.code).executeTakeFirstOrThrow())
      })
    },

    async segments() {
      const rows = await runtime.db.selectFrom('ordo_crm_segment').selectAll().orderBy('code').execute()
      return rows.map(toSegment)
    },

    async deleteSegment(code) {
      const key = parseKey('crm.deleteSegment', code)
      return runInTransaction(runtime, async (uow) => {
        const result = await uow.db.deleteFrom('ordo_crm_segment').where('code', '=', key).executeTakeFirst()
        return Number(result.numDeletedRows) === 1
      })
    },

    async segmentMembers(code, options) {
      const key = parseKey('crm.segmentMembers', code)
      const o = parseInput('crm.segmentMembers', membersSchema, options) ?? {}
      const segment = await loadSegment(runtime.db, key)
      const limit = o.limit ?? 100
      const members = await segmentMembers(runtime.db, sources, segment.filter, { now: runtime.clock.now(), after: o.after ?? null, limit })
      return { members, next: members.length === limit ? members[members.length - 1]!.customerId : null }
    },

    async rfm(customerId) {
      return rfmOf(runtime.db, parseInput('crm.rfm', idSchema, customerId))
    },

    async scoreRfm() {
      return runInTransaction(runtime, (uow) => scoreRfm(uow, sources))
    },
  }

  const internal: CrmInternal = {
    async audience(db, code, now) {
      const segment = await loadSegment(db, code)
      const recipients: CampaignRecipient[] = []
      let after: string | null = null
      for (;;) {
        const page = await segmentMembers(db, sources, segment.filter, { now, after, limit: AUDIENCE_PAGE })
        const ids = page.map((m) => m.customerId)
        recipients.push(...(deps.customers ? await deps.customers.recipients(db, ids) : ids.map((customerId) => ({ customerId }))))
        // One past the cap lets notify refuse an oversized audience rather than silently truncate it.
        if (page.length < AUDIENCE_PAGE || recipients.length > AUDIENCE_MAX) break
        after = ids[ids.length - 1]!
      }
      return recipients
    },
  }

  const handlers: EventHandler<any>[] = [
    { id: 'crm.mirror-order-call', events: ['order.call_logged'], handle: (event, { uow }) => mirrorOrderCall(uow, event.id, event.occurredAt, event.data) } satisfies EventHandler<'order.call_logged'>,
  ]
  // Without active managers there is no one to assign orders to: no delivery is recorded for it.
  if (active.length > 0) {
    handlers.push({ id: 'crm.assign-manager', events: ['order.placed'], handle: (event, { uow }) => assignNewOrder(uow, event.data.orderId) } satisfies EventHandler<'order.placed'>)
  }

  const jobs: Record<string, JobDefinition<any>> = {
    'crm.score-rfm': { every: 86_400_000, run: async (_payload, { uow }) => void (await scoreRfm(uow, sources)) },
  }

  return { api, internal, jobs, handlers }
}
