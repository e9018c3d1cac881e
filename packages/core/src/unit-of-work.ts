import type { Transaction } from 'kysely'
import type { AnyDomainEvent, DomainEvent, DomainEventInput, DomainEventType } from './events/domain-events.js'
import { OrdoError } from './errors.js'
import { transition as machineTransition, type Effect } from './machine/index.js'
import type { Runtime } from './runtime.js'
import type { Database } from './storage/database.js'
import { newId } from './storage/ids.js'

/** Rows per multi-row insert: under every dialect's bound-parameter limit. */
const INSERT_CHUNK = 500

/** What `uow.transition()` needs: the entity, where it is, which transition, who and why. */
export interface TransitionRequest<C = unknown> {
  /** Id of the entity (order, payment, shipment…) whose state changes. */
  entityId: string
  /** Its current state, as persisted by the module that owns it. */
  state: string
  /** Name of the transition to take. */
  transition: string
  /** Who: `customer`, `manager:7`, `system`, `plugin:acme`… */
  actor: string
  reason?: string | null
  note?: string | null
  /** What the machine's guards look at. */
  context?: C
}

/** What a taken transition yields: the new state and the effects for the module to run. */
export interface TransitionOutcome {
  from: string
  to: string
  transition: string
  effects: readonly Effect[]
}

/**
 * One command's transaction: its database handle, the instant it runs at, the
 * events it emits and the transitions it takes. Everything commits together or
 * not at all; events go to the outbox in the same transaction and reach
 * in-process listeners only after the commit.
 *
 * Plugins receive one in their hooks; `shop.run()` gives one to your own code.
 */
export class UnitOfWork {
  /** The transaction: read and write through it so everything commits together. */
  readonly db: Transaction<Database>
  /** The instant the command runs at, from the engine's clock. */
  readonly now: Date
  readonly #runtime: Runtime
  readonly #events: AnyDomainEvent[] = []
  readonly #afterCommit: (() => void)[] = []
  #flushed = 0

  /** @internal Created by the engine for each command. */
  constructor(runtime: Runtime, db: Transaction<Database>, now: Date) {
    this.#runtime = runtime
    this.db = db
    this.now = now
  }

  /** Queues a domain event; it is written to the outbox with this transaction. */
  emit<T extends DomainEventType>(input: DomainEventInput<T>): DomainEvent<T> {
    const event: DomainEvent<T> = {
      id: newId(),
      type: input.type,
      aggregateId: input.aggregateId ?? null,
      occurredAt: this.now,
      data: input.data,
    }
    this.#events.push(event as AnyDomainEvent)
    return event
  }

  /** Events emitted so far in this unit of work. */
  get events(): readonly AnyDomainEvent[] {
    return this.#events
  }

  /** Runs `fn` after a successful commit (never on rollback). */
  afterCommit(fn: () => void): void {
    this.#afterCommit.push(fn)
  }

  /**
   * Takes a state-machine transition: asks the machine whether it is legal,
   * runs the plugins' `transition` hooks, records who/when/from/to/why in
   * history and emits the machine's event. The caller persists the new state
   * on its own row (with its version check).
   *
   * @example
   * ```ts
   * await shop.run(async (uow) => {
   *   const { to } = await uow.transition('ticket', { entityId: id, state: 'open', transition: 'close', actor: 'manager:7' })
   *   await uow.db.updateTable('acme_ticket').set({ state: to }).where('id', '=', id).execute()
   * })
   * ```
   */
  async transition<C>(machineId: string, request: TransitionRequest<C>): Promise<TransitionOutcome> {
    const registered = this.#runtime.machines.get(machineId)
    if (!registered) {
      throw new OrdoError('NOT_FOUND', `No state machine "${machineId}" is registered.`, {
        details: { machine: machineId, known: [...this.#runtime.machines.keys()] },
      })
    }
    const step = machineTransition(
      registered.machine,
      { state: request.state },
      {
        type: request.transition,
        actor: request.actor,
        ...(request.reason != null ? { reason: request.reason } : {}),
        ...(request.note != null ? { note: request.note } : {}),
        // Guards read their context; an entity without one gets an empty object, never undefined.
        context: request.context ?? ({} as C),
      },
    )
    const input = {
      machine: machineId,
      entityId: request.entityId,
      transition: step.transition,
      from: step.from,
      to: step.to,
      actor: request.actor,
      reason: request.reason ?? null,
      note: request.note ?? null,
    }
    await this.#runtime.hooks.run('transition', this, input, async (final) => {
      await this.db
        .insertInto('ordo_transition')
        .values({
          id: newId(),
          machine: machineId,
          entity_id: request.entityId,
          transition: step.transition,
          from_state: step.from,
          to_state: step.to,
          actor: final.actor,
          reason: final.reason,
          note: final.note,
          at: this.now.getTime(),
        })
        .execute()
      this.emit({
        type: registered.event,
        aggregateId: request.entityId,
        data: { ...final, from: step.from, to: step.to, transition: step.transition },
      } as DomainEventInput)
      return { from: step.from, to: step.to }
    })
    return { from: step.from, to: step.to, transition: step.transition, effects: step.effects }
  }

  /** @internal Writes queued events and their deliveries to the outbox. */
  async flush(): Promise<void> {
    const pending = this.#events.slice(this.#flushed)
    this.#flushed = this.#events.length
    if (pending.length === 0) return
    const at = this.now.getTime()
    const events = pending.map((e) => ({
      id: e.id,
      type: e.type,
      aggregate_id: e.aggregateId,
      payload: JSON.stringify(e.data),
      occurred_at: e.occurredAt.getTime(),
    }))
    const deliveries = pending.flatMap((e) =>
      handlersFor(this.#runtime, e.type).map((h) => ({
        id: newId(),
        event_id: e.id,
        handler_id: h.id,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: at,
        locked_until: null,
        locked_by: null,
        last_error: null,
        delivered_at: null,
      })),
    )
    for (let i = 0; i < events.length; i += INSERT_CHUNK) {
      await this.db.insertInto('ordo_event').values(events.slice(i, i + INSERT_CHUNK)).execute()
    }
    for (let i = 0; i < deliveries.length; i += INSERT_CHUNK) {
      await this.db.insertInto('ordo_event_delivery').values(deliveries.slice(i, i + INSERT_CHUNK)).execute()
    }
    if (deliveries.length > 0) this.afterCommit(() => this.#runtime.nudge())
  }

  /** @internal Publishes events to in-process listeners and runs after-commit callbacks. */
  committed(): void {
    const { bus, logger } = this.#runtime
    for (const event of this.#events) {
      try {
        bus.emit(event.type, event as never)
      } catch (error) {
        logger.error('An in-process event listener threw; the command had already committed.', {
          event: event.type,
          error,
        })
      }
    }
    for (const fn of this.#afterCommit) fn()
  }
}

function handlersFor(runtime: Runtime, type: string) {
  return [...(runtime.handlersByType.get(type) ?? []), ...(runtime.handlersByType.get('*') ?? [])]
}

/**
 * Runs `fn` in one transaction as one unit of work: every command goes
 * through here. Events reach the outbox in the same transaction.
 */
export async function runInTransaction<T>(runtime: Runtime, fn: (uow: UnitOfWork) => Promise<T>): Promise<T> {
  let uow: UnitOfWork | undefined
  const result = await retryTransient(runtime, () =>
    runtime.db.transaction().execute(async (trx) => {
      uow = new UnitOfWork(runtime, trx, runtime.clock.now())
      const value = await fn(uow)
      await uow.flush()
      return value
    }),
  )
  runtime.revisions.committed()
  uow!.committed()
  return result
}

/** Attempts of a transaction that keeps hitting deadlocks before its error is thrown. */
const TRANSIENT_RETRIES = 4

/**
 * Runs a whole transaction again when the database rolled it back as a
 * deadlock victim (or busy): everything it did was undone, so running again is
 * safe. In-memory side effects of `fn` happen again too.
 */
export async function retryTransient<T>(runtime: Runtime, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      if (attempt >= TRANSIENT_RETRIES || !runtime.storage.isTransientError?.(error)) throw error
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt))
    }
  }
}
