import type { MachineDefinition, StateDefinition, TransitionDefinition, TransitionSource } from './machine-types.js'

/**
 * @internal Reads `record[key]` only when it is an own property, so a state or
 * transition named "constructor" or "toString" never resolves to an
 * Object.prototype member.
 */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined
}

/** @internal Resolves a `from` against the machine's current states (unknown names in a list are dropped). */
export function resolveSource(states: Readonly<Record<string, StateDefinition>>, from: TransitionSource): string[] {
  const names = Object.keys(states)
  if (from === '*') return names.filter((name) => states[name]?.final !== true)
  if (Array.isArray(from)) return names.filter((name) => (from as readonly string[]).includes(name))
  if (typeof from === 'object' && from !== null && 'capability' in from) {
    const { capability } = from
    return names.filter((name) => states[name]?.capabilities?.includes(capability) === true)
  }
  return []
}

/**
 * The states a transition may start from, resolved against this machine (so a
 * `{ capability }` or `'*'` source includes states added by plugins). Empty for
 * an unknown transition.
 *
 * @example
 * ```ts
 * sourceStates(orderMachine, 'cancel') // ['new', 'confirmed', 'paid', ...]
 * ```
 */
export function sourceStates<C>(machine: MachineDefinition<C>, transition: string): string[] {
  const definition: TransitionDefinition<C> | undefined = ownValue(machine.transitions, transition)
  return definition === undefined ? [] : resolveSource(machine.states, definition.from)
}

/**
 * Whether `state` has `capability`. Core code asks this instead of naming
 * statuses, so shops and plugins can rename and add statuses freely. False for
 * an unknown state.
 *
 * @example
 * ```ts
 * if (!can(orderMachine, order.status, 'edit_lines')) throw new OrdoError('VALIDATION', 'the order can no longer be edited')
 * ```
 */
export function can<C>(machine: MachineDefinition<C>, state: string, capability: string): boolean {
  return ownValue(machine.states, state)?.capabilities?.includes(capability) === true
}

/**
 * The group of `state` (its column on the order board), or `undefined` when the
 * state is unknown or has no group.
 *
 * @example
 * ```ts
 * stateGroup(orderMachine, 'confirmed') // 'approval'
 * ```
 */
export function stateGroup<C>(machine: MachineDefinition<C>, state: string): string | undefined {
  return ownValue(machine.states, state)?.group
}

/**
 * Every state in `group`, in definition order.
 *
 * @example
 * ```ts
 * statesInGroup(orderMachine, 'delivery') // ['handed_to_carrier', 'delivered']
 * ```
 */
export function statesInGroup<C>(machine: MachineDefinition<C>, group: string): string[] {
  return Object.keys(machine.states).filter((name) => machine.states[name]?.group === group)
}

/**
 * Every state that has `capability`, in definition order.
 *
 * @example
 * ```ts
 * statesWithCapability(orderMachine, 'cancellable') // ['new', 'confirmed', ...]
 * ```
 */
export function statesWithCapability<C>(machine: MachineDefinition<C>, capability: string): string[] {
  return resolveSource(machine.states, { capability })
}
