import { OrdoError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import { affected, skipLockedRows } from '../storage/sql-helpers.js'
import { retryTransient, runInTransaction } from '../unit-of-work.js'
import type { AnyDomainEvent, DomainEventType } from './domain-events.js'

/** What one relay round did. */
export interface RelayResult {
  /** Deliveries that reached their handler and were recorded. */
  delivered: number
  /** Deliveries that failed and will be retried. */
  retried: number
  /** Deliveries that failed for the last time and were parked. */
  parked: number
}

/** Exponential backoff from the delivery settings: base × 2^(attempt-1), capped. */
export function backoffDelay(settings: { backoffMs: number; maxBackoffMs: number }, attempt: number): number {
  return Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** Math.max(0, attempt - 1))
}

/**
 * Delivers due outbox events to their durable handlers: claims a batch under a
 * lease (`FOR UPDATE SKIP LOCKED` where available, so many processes can
 * relay at once), runs each handler in its own transaction that also marks the
 * delivery done, and schedules retries or parks on failure.
 */
export async function relayOutbox(runtime: Runtime, limit = runtime.worker.batchSize): Promise<RelayResult> {
  const { db, storage, worker: delivery, workerId, clock } = runtime
  const result: RelayResult = { delivered: 0, retried: 0, parked: 0 }
  const claimedAt = clock.now().getTime()

  const claimed = await retryTransient(runtime, () => db.transaction().execute(async (trx) => {
    const due = await skipLockedRows(
      trx
        .selectFrom('ordo_event_delivery')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', claimedAt)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', claimedAt)]))
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit),
      storage.capabilities,
    ).execute()
    const ids = due.map((row) => row.id)
    if (ids.length > 0) {
      await trx
        .updateTable('ordo_event_delivery')
        .set({ locked_by: workerId, locked_until: claimedAt + delivery.leaseMs })
        .where('id', 'in', ids)
        .execute()
    }
    return ids
  }))
  if (claimed.length === 0) return result

  const rows = await db
    .selectFrom('ordo_event_delivery as d')
    .innerJoin('ordo_event as e', 'e.id', 'd.event_id')
    .select([
      'd.id as deliveryId',
      'd.handler_id as handlerId',
      'd.attempts as attempts',
      'e.id as eventId',
      'e.type as type',
      'e.aggregate_id as aggregateId',
      'e.payload as payload',
      'e.occurred_at as occurredAt',
    ])
    .where('d.id', 'in', claimed)
    .where('d.locked_by', '=', workerId)
    .orderBy('e.occurred_at')
    .orderBy('e.id')
    .execute()

  const handlers = new Map(runtime.handlers.map((h) => [h.id, h]))
  for (const row of rows) {
    const handler = handlers.get(row.handlerId)
    const attempt = Number(row.attempts) + 1
    const maxAttempts = handler?.maxAttempts ?? delivery.maxAttempts
    try {
      if (!handler) {
        throw new OrdoError('NOT_FOUND', `No event handler "${row.handlerId}" is registered in this process.`)
      }
      const event = {
        id: row.eventId,
        type: row.type as DomainEventType,
        aggregateId: row.aggregateId,
        occurredAt: new Date(Number(row.occurredAt)),
        data: JSON.parse(row.payload),
      } as AnyDomainEvent
      await runInTransaction(runtime, async (uow) => {
        await handler.handle(event as never, { uow, attempt })
        const done = await uow.db
          .updateTable('ordo_event_delivery')
          .set({ status: 'delivered', attempts: attempt, delivered_at: uow.now.getTime(), locked_until: null, last_error: null })
          .where('id', '=', row.deliveryId)
          .where('locked_by', '=', workerId)
          .where('status', '=', 'pending')
          .executeTakeFirst()
        if (affected(done) !== 1) {
          // Our lease ran out and another worker took the delivery: undo this run.
          throw new LeaseLost()
        }
      })
      result.delivered++
    } catch (error) {
      if (error instanceof LeaseLost) continue
      const park = attempt >= maxAttempts
      const now = clock.now().getTime()
      await db
        .updateTable('ordo_event_delivery')
        .set({
          status: park ? 'parked' : 'pending',
          attempts: attempt,
          last_error: describe(error),
          next_attempt_at: park ? now : now + backoffDelay(delivery, attempt),
          locked_by: null,
          locked_until: null,
        })
        .where('id', '=', row.deliveryId)
        .where('locked_by', '=', workerId)
        .execute()
      if (park) {
        result.parked++
        runtime.logger.error('Event delivery parked after its last attempt.', {
          event: row.eventId,
          type: row.type,
          handler: row.handlerId,
          attempts: attempt,
          error,
        })
      } else {
        result.retried++
        runtime.logger.warn('Event delivery failed; it will be retried.', {
          event: row.eventId,
          handler: row.handlerId,
          attempt,
          error,
        })
      }
    }
  }
  return result
}

/** Thrown inside a handler's transaction when the delivery was taken over; rolls the run back. */
export class LeaseLost extends Error {
  override readonly name = 'LeaseLost'
}

export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 4000)
  return String(error).slice(0, 4000)
}
