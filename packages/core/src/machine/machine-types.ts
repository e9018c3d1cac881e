/**
 * A side effect a transition asks for, as plain data. Effects are returned by
 * {@link transition} and run by the engine (through the outbox); the machine
 * never runs them.
 *
 * @example
 * ```ts
 * const effect: Effect = { type: 'release_stock' }
 * ```
 */
export interface Effect {
  /** What to do, e.g. `'release_stock'`, `'notify_customer'`. */
  readonly type: string
  readonly [key: string]: unknown
}

/**
 * One state (an order status, a shipment status) of a machine.
 *
 * @example
 * ```ts
 * const state: StateDefinition = { group: 'new', label: 'New', capabilities: ['edit_lines', 'cancellable'] }
 * ```
 */
export interface StateDefinition {
  /** A final state has no way out (completed, cancelled). @default false */
  readonly final?: boolean
  /** Human-readable name for back-office screens and diagrams. @default the state's name */
  readonly label?: string
  /** The group (column of the order board) this state belongs to; must be one of the machine's `groups` when they are declared. */
  readonly group?: string
  /** What an entity in this state allows (`'edit_lines'`, `'cancellable'`); core code asks {@link can} instead of naming states. @default [] */
  readonly capabilities?: readonly string[]
  /** Free data for the app or plugins (colour, SLA hours...). */
  readonly meta?: Readonly<Record<string, unknown>>
}

/**
 * The states a transition may start from:
 * - a list of state names;
 * - `'*'`: every non-final state;
 * - `{ capability }`: every state that has that capability, resolved against
 *   the machine it is used in, so states added later by a plugin are included.
 *
 * @example
 * ```ts
 * const from: TransitionSource = { capability: 'cancellable' }
 * ```
 */
export type TransitionSource = '*' | readonly string[] | { readonly capability: string }

/**
 * What a guard and an effects function see.
 */
export interface GuardInput<C> {
  /** The machine being run. */
  readonly machine: Machine<C>
  /** The current state. */
  readonly from: string
  /** The state the transition leads to. */
  readonly to: string
  /** The transition's name. */
  readonly transition: string
  /** `event.context`: whatever the engine loaded for the guards (the order, its payments...). */
  readonly context: C
  /** The event being applied. */
  readonly event: MachineEvent<C>
}

/**
 * A synchronous, pure check that may veto a transition: it returns a reason
 * (shown to the user) to refuse, nothing to allow.
 *
 * @example
 * ```ts
 * const hasPhone: Guard<{ phone?: string }> = {
 *   id: 'has_phone',
 *   check: ({ context }) => (context.phone ? undefined : 'the order has no phone number'),
 * }
 * ```
 */
export interface Guard<C> {
  /** Stable id, unique within one transition's guards; reported in `details.guard` on refusal. */
  readonly id: string
  /** Returns a reason string to refuse; `undefined` (or nothing) to allow. */
  check(input: GuardInput<C>): string | undefined | void
}

/**
 * A transition's effects: a fixed list, or a pure function of the transition
 * input that builds the list.
 */
export type TransitionEffects<C> = readonly Effect[] | ((input: GuardInput<C>) => readonly Effect[])

/**
 * One named transition of a machine.
 *
 * @example
 * ```ts
 * const cancel: TransitionDefinition<unknown> = {
 *   from: { capability: 'cancellable' },
 *   to: 'cancelled',
 *   requiresReason: true,
 *   reasons: ['no_answer', 'out_of_stock'],
 *   effects: [{ type: 'release_stock' }],
 * }
 * ```
 */
export interface TransitionDefinition<C> {
  /** The states it may start from; see {@link TransitionSource}. */
  readonly from: TransitionSource
  /** The state it leads to. */
  readonly to: string
  /** Human-readable name (a button in the back office). @default the transition's name */
  readonly label?: string
  /** The event must carry a non-empty `reason`. @default false */
  readonly requiresReason?: boolean
  /** When given, a `reason` must be one of these (e.g. cancellation reasons). */
  readonly reasons?: readonly string[]
  /** Effects to return when the transition happens. @default [] */
  readonly effects?: TransitionEffects<C>
  /** Free data for the app or plugins. */
  readonly meta?: Readonly<Record<string, unknown>>
}

/**
 * The input of {@link defineMachine}. `C` is the context the guards read.
 */
export interface MachineDefinition<C> {
  /** Names the machine (`'order'`, `'shipment'`); also the subject of error messages. */
  readonly id: string
  /** The state a new entity starts in. */
  readonly initial: string
  /** When given, every state's `group` must be one of these, in board order. */
  readonly groups?: readonly string[]
  /** Every state, by name. */
  readonly states: Readonly<Record<string, StateDefinition>>
  /** Every transition, by name; the name is the event `type`. */
  readonly transitions: Readonly<Record<string, TransitionDefinition<C>>>
  /** Guards per transition name, run in order; the first refusal wins. */
  readonly guards?: Readonly<Record<string, readonly Guard<C>[]>>
}

/**
 * A validated, frozen machine, as returned by {@link defineMachine} and
 * {@link extendMachine}. It is plain data: pass it to {@link transition}.
 */
export interface Machine<C> extends MachineDefinition<C> {
  readonly guards: Readonly<Record<string, readonly Guard<C>[]>>
}

/**
 * Where an entity is. The engine stores `state` (e.g. the order's status).
 */
export interface MachineSnapshot {
  readonly state: string
}

/**
 * A request to move an entity along a transition.
 *
 * @example
 * ```ts
 * const event: MachineEvent<OrderGuardContext> = { type: 'cancel', actor: 'manager:7', reason: 'no_answer', context }
 * ```
 */
export interface MachineEvent<C> {
  /** The transition's name. */
  readonly type: string
  /** Who asks (`'manager:7'`, `'system'`, `'customer:42'`); recorded in history by the engine. */
  readonly actor?: string
  /** Why; required by transitions with `requiresReason`. */
  readonly reason?: string
  /** A free-text comment for history. */
  readonly note?: string
  /** What the guards read; pass it whenever the transition has guards. */
  readonly context?: C
  /** Extra data for guards and effects functions. */
  readonly payload?: unknown
}

/**
 * The outcome of a successful {@link transition}.
 */
export interface TransitionResult {
  /** The next snapshot. */
  readonly snapshot: MachineSnapshot
  /** The state it left. */
  readonly from: string
  /** The state it entered (equal to `snapshot.state`). */
  readonly to: string
  /** The transition's name. */
  readonly transition: string
  /** Effects for the engine to run, in order. */
  readonly effects: readonly Effect[]
}

/**
 * The answer of {@link canTransition}: allowed, or why not.
 */
export type CanTransitionResult =
  | { readonly ok: true }
  | {
      readonly ok: false
      /** A message for the user: the guard's reason, or why the transition does not apply. */
      readonly reason: string
      /** Same codes {@link transition} would throw. */
      readonly code: 'INVALID_TRANSITION' | 'TRANSITION_REFUSED'
      /** The refusing guard's id, for `TRANSITION_REFUSED` by a guard. */
      readonly guard?: string
    }

/**
 * One transition that applies to a state, for a UI (one button each).
 */
export interface AvailableTransition {
  /** The transition's name (the event `type`). */
  readonly name: string
  /** The state it leads to. */
  readonly to: string
  /** The transition's label, or its name. */
  readonly label: string
  /** False when a guard refuses it. */
  readonly allowed: boolean
  /** The guard's reason when not allowed. */
  readonly reason?: string
  /** The UI must ask for a reason. */
  readonly requiresReason: boolean
  /** The reasons to choose from, when the transition restricts them. */
  readonly reasons?: readonly string[]
}

/**
 * Changes applied by {@link extendMachine}: shop configuration (add, rename or
 * remove statuses) and plugins (new states, transitions and guards).
 *
 * @example
 * ```ts
 * const extension: MachineExtension<OrderGuardContext> = {
 *   states: { awaiting_supplier: { group: 'assembling', capabilities: ['cancellable'] } },
 *   transitions: { order_from_supplier: { from: ['confirmed'], to: 'awaiting_supplier' } },
 *   guards: { confirm: [{ id: 'not_blacklisted', check: ({ context }) => (context.blacklisted ? 'customer is blacklisted' : undefined) }] },
 * }
 * ```
 */
export interface MachineExtension<C> {
  /** Groups to append (kept unique). */
  readonly groups?: readonly string[]
  /** States to add; for an existing state, the given fields replace its fields. */
  readonly states?: Readonly<Record<string, StateDefinition>>
  /** Transitions to add (give `from` and `to`); for an existing one, the given fields replace its fields. */
  readonly transitions?: Readonly<Record<string, Partial<TransitionDefinition<C>>>>
  /** Guards appended after the existing guards of each transition. */
  readonly guards?: Readonly<Record<string, readonly Guard<C>[]>>
  /** States to remove, with the transitions that lead to them or can only start from them. Applied before additions. */
  readonly removeStates?: readonly string[]
  /** Transitions to remove, with their guards. Applied before additions. */
  readonly removeTransitions?: readonly string[]
  /** A new initial state. */
  readonly initial?: string
}
