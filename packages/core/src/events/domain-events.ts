/**
 * Every domain event Ordo emits, by type. Modules add their events here;
 * plugins add theirs by declaration merging:
 *
 * @example
 * ```ts
 * declare module '@ordo/core' {
 *   interface DomainEventMap {
 *     'acme.gift_wrapped': { orderId: string }
 *   }
 * }
 * ```
 */
export interface DomainEventMap {
  /**
   * An entity moved through one of its state machines. Machines that have a
   * dedicated event (e.g. `order.status_changed`) emit that instead.
   */
  'state.changed': StateChangedData
}

/** Payload of every state-change event: who moved what from where to where, and why. */
export interface StateChangedData {
  machine: string
  entityId: string
  transition: string
  from: string
  to: string
  actor: string
  reason: string | null
  note: string | null
}

/** Any event type name. */
export type DomainEventType = keyof DomainEventMap & string

/**
 * A domain event as stored in the outbox and delivered to handlers.
 * `data` is plain JSON.
 */
export interface DomainEvent<T extends DomainEventType = DomainEventType> {
  readonly id: string
  readonly type: T
  /** The aggregate the event is about, when there is one (order id, payment id…). */
  readonly aggregateId: string | null
  readonly occurredAt: Date
  readonly data: DomainEventMap[T]
}

/** The union of every event, discriminated by `type`. */
export type AnyDomainEvent = { [T in DomainEventType]: DomainEvent<T> }[DomainEventType]

/** What a command passes to `uow.emit()`: the engine adds id and time. */
export interface DomainEventInput<T extends DomainEventType = DomainEventType> {
  type: T
  aggregateId?: string | null
  data: DomainEventMap[T]
}
