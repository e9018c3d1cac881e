import type { Kysely } from 'kysely'
import type { Database } from '../storage/database.js'
import type { UnitOfWork } from '../unit-of-work.js'
import type { CrmCallTable, CrmNoteTable, CrmTaskTable } from './crm-schema.js'
import type { CallDirection, CrmCall, CrmCallSource, CrmNote, CrmTask, MovedInteractions, TimelineInteraction } from './crm-types.js'

/** @internal A call row as the API returns it. */
export function toCrmCall(row: CrmCallTable): CrmCall {
  return {
    id: row.id,
    customerId: row.customer_id,
    orderId: row.order_id,
    direction: row.direction as CallDirection,
    managerId: row.manager_id,
    startedAt: new Date(Number(row.started_at)),
    durationSeconds: Number(row.duration_seconds),
    outcome: row.outcome,
    recordingUrl: row.recording_url,
    note: row.note,
    source: row.source as CrmCallSource,
  }
}

/** @internal A note row as the API returns it. */
export function toCrmNote(row: CrmNoteTable): CrmNote {
  return { id: row.id, customerId: row.customer_id, orderId: row.order_id, author: row.author, body: row.body, createdAt: new Date(Number(row.created_at)) }
}

/** @internal A task row as the API returns it. */
export function toCrmTask(row: CrmTaskTable): CrmTask {
  return {
    id: row.id,
    customerId: row.customer_id,
    orderId: row.order_id,
    title: row.title,
    dueAt: new Date(Number(row.due_at)),
    assignee: row.assignee,
    doneAt: row.done_at === null ? null : new Date(Number(row.done_at)),
    doneBy: row.done_by,
    createdAt: new Date(Number(row.created_at)),
  }
}

/**
 * Moves every call, note and task of one customer to another inside the
 * caller's unit of work (a merge of duplicates), and drops the RFM score of
 * the customer merged away (the next scoring run scores the survivor on the
 * merged orders). Returns how many of each moved.
 */
export async function moveInteractions(uow: UnitOfWork, fromCustomerId: string, toCustomerId: string): Promise<MovedInteractions> {
  if (fromCustomerId === toCustomerId) return { calls: 0, notes: 0, tasks: 0 }
  const calls = await uow.db.updateTable('ordo_crm_call').set({ customer_id: toCustomerId }).where('customer_id', '=', fromCustomerId).executeTakeFirst()
  const notes = await uow.db.updateTable('ordo_crm_note').set({ customer_id: toCustomerId }).where('customer_id', '=', fromCustomerId).executeTakeFirst()
  const tasks = await uow.db
    .updateTable('ordo_crm_task')
    .set({ customer_id: toCustomerId, updated_at: uow.now.getTime() })
    .where('customer_id', '=', fromCustomerId)
    .executeTakeFirst()
  await uow.db.deleteFrom('ordo_crm_rfm').where('customer_id', '=', fromCustomerId).execute()
  return { calls: Number(calls.numUpdatedRows), notes: Number(notes.numUpdatedRows), tasks: Number(tasks.numUpdatedRows) }
}

/**
 * A customer's calls, notes and tasks, newest first, at most `limit` of them
 * and only those strictly before `before` when given (page by passing the
 * `at` of the last item). Calls count at their start, notes and tasks at
 * their creation. Three indexed queries, each bounded by `limit`.
 */
export async function interactionsForTimeline(
  db: Kysely<Database>,
  customerId: string,
  options: { before?: Date | undefined; limit: number },
): Promise<TimelineInteraction[]> {
  const limit = Math.max(0, Math.floor(options.limit))
  if (limit === 0) return []
  const before = options.before?.getTime()
  let calls = db.selectFrom('ordo_crm_call').selectAll().where('customer_id', '=', customerId)
  let notes = db.selectFrom('ordo_crm_note').selectAll().where('customer_id', '=', customerId)
  let tasks = db.selectFrom('ordo_crm_task').selectAll().where('customer_id', '=', customerId)
  if (before !== undefined) {
    calls = calls.where('started_at', '<', before)
    notes = notes.where('created_at', '<', before)
    tasks = tasks.where('created_at', '<', before)
  }
  const callRows = await calls.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute()
  const noteRows = await notes.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()
  const taskRows = await tasks.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()
  const items: TimelineInteraction[] = [
    ...callRows.map((r) => ({ kind: 'call' as const, at: new Date(Number(r.started_at)), id: r.id, call: toCrmCall(r) })),
    ...noteRows.map((r) => ({ kind: 'note' as const, at: new Date(Number(r.created_at)), id: r.id, note: toCrmNote(r) })),
    ...taskRows.map((r) => ({ kind: 'task' as const, at: new Date(Number(r.created_at)), id: r.id, task: toCrmTask(r) })),
  ]
  // Ids are UUIDv7: on equal instants the later-created item sorts first.
  items.sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
  return items.slice(0, limit)
}
