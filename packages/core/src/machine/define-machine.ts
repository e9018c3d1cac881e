import type {
  Effect,
  Guard,
  Machine,
  MachineDefinition,
  StateDefinition,
  TransitionDefinition,
  TransitionSource,
} from './machine-types.js'
import { validateMachine } from './validate-machine.js'

/**
 * Builds a machine from its definition: copies and freezes it (the definition
 * you pass is not touched) and validates it.
 *
 * `from` sources (`'*'`, `{ capability }`) stay as written and are resolved
 * each time the machine is run, so a machine extended with a new
 * `'cancellable'` state can cancel from it without touching `cancel`.
 *
 * @throws OrdoError `INVALID_MACHINE` with every problem in `details.problems`.
 *
 * @example
 * ```ts
 * interface OrderGuardContext { phone?: string }
 *
 * const orderMachine = defineMachine<OrderGuardContext>({
 *   id: 'order',
 *   initial: 'new',
 *   groups: ['new', 'approval', 'cancel'],
 *   states: {
 *     new: { group: 'new', label: 'New', capabilities: ['edit_lines', 'cancellable'] },
 *     confirmed: { group: 'approval', capabilities: ['cancellable'] },
 *     cancelled: { group: 'cancel', final: true },
 *   },
 *   transitions: {
 *     confirm: { from: ['new'], to: 'confirmed', label: 'Confirm' },
 *     cancel: { from: { capability: 'cancellable' }, to: 'cancelled', requiresReason: true, effects: [{ type: 'release_stock' }] },
 *   },
 *   guards: {
 *     confirm: [{ id: 'has_phone', check: ({ context }) => (context.phone ? undefined : 'the order has no phone number') }],
 *   },
 * })
 * ```
 */
export function defineMachine<C = unknown>(definition: MachineDefinition<C>): Machine<C> {
  const machine = freezeMachine(definition)
  validateMachine(machine)
  return machine
}

function freezeMachine<C>(definition: MachineDefinition<C>): Machine<C> {
  return Object.freeze({
    id: definition.id,
    initial: definition.initial,
    ...(definition.groups !== undefined && { groups: Object.freeze([...definition.groups]) }),
    states: freezeRecord(definition.states, freezeState),
    transitions: freezeRecord(definition.transitions, freezeTransition<C>),
    guards: freezeRecord(definition.guards ?? {}, (guards: readonly Guard<C>[]) =>
      Object.freeze(guards.map((guard) => Object.freeze({ ...guard }))),
    ),
  })
}

function freezeState(state: StateDefinition): StateDefinition {
  return Object.freeze({
    ...state,
    ...(state.capabilities !== undefined && { capabilities: Object.freeze([...state.capabilities]) }),
    ...(state.meta !== undefined && { meta: Object.freeze({ ...state.meta }) }),
  })
}

function freezeTransition<C>(transition: TransitionDefinition<C>): TransitionDefinition<C> {
  const effects = transition.effects
  return Object.freeze({
    ...transition,
    from: freezeSource(transition.from),
    ...(transition.reasons !== undefined && { reasons: Object.freeze([...transition.reasons]) }),
    ...(Array.isArray(effects) && {
      effects: Object.freeze((effects as readonly Effect[]).map((effect) => Object.freeze({ ...effect }))),
    }),
    ...(transition.meta !== undefined && { meta: Object.freeze({ ...transition.meta }) }),
  })
}

function freezeSource(from: TransitionSource): TransitionSource {
  if (Array.isArray(from)) return Object.freeze([...(from as readonly string[])])
  if (typeof from === 'object' && from !== null) return Object.freeze({ ...from })
  return from
}

function freezeRecord<T, U>(record: Readonly<Record<string, T>>, freeze: (value: T) => U): Readonly<Record<string, U>> {
  // Object.fromEntries defines own properties, so even a "__proto__" key stays data.
  return Object.freeze(Object.fromEntries(Object.entries(record ?? {}).map(([key, value]) => [key, freeze(value)])))
}
