import type { UnitOfWork } from '../unit-of-work.js'
import type { DomainEvent, DomainEventType } from './domain-events.js'

/** What a durable handler receives besides the event. */
export interface EventHandlerContext {
  /** A transaction of its own: what the handler writes through it commits together with the delivery record. */
  readonly uow: UnitOfWork
  /** 1 on the first delivery, 2 on the first retry… */
  readonly attempt: number
}

/**
 * A durable event handler: every event of the types it names is delivered to
 * it through the outbox at least once, even across crashes, with retries and
 * backoff; after `maxAttempts` failures the delivery is parked (see
 * `shop.events.parked()` and `shop.events.replay()`).
 *
 * Database writes made through `context.uow` commit in the same transaction
 * that marks the delivery done, so for them delivery is exactly once. Calls to
 * the outside world should be idempotent by `event.id`.
 */
export interface EventHandler<T extends DomainEventType = DomainEventType> {
  /** Stable id: delivery records are keyed by it. Renaming it re-delivers nothing and forgets nothing. */
  readonly id: string
  /** Event types to receive, or `'*'` for all. */
  readonly events: readonly T[] | '*'
  /**
   * Does the handler's work for one event. Throwing fails this attempt: the
   * delivery is retried with backoff, then parked after the last attempt.
   */
  handle(event: DomainEvent<T>, context: EventHandlerContext): void | Promise<void>
  /** Overrides the engine's `outbox.maxAttempts` for this handler. */
  readonly maxAttempts?: number
}

/**
 * Declares a durable event handler with its event types checked.
 *
 * @example
 * ```ts
 * const audit = defineEventHandler({
 *   id: 'audit-log',
 *   events: ['state.changed'],
 *   async handle(event, { uow }) {
 *     await uow.db.insertInto('my_audit').values({ id: event.id, text: event.data.to }).execute()
 *   },
 * })
 * const shop = await createCommerce({ storage, currency: 'RUB', eventHandlers: [audit] })
 * ```
 */
export function defineEventHandler<T extends DomainEventType>(handler: EventHandler<T>): EventHandler<T> {
  return handler
}
