import { defineMachine } from './define-machine.js'
import { ownValue } from './machine-queries.js'
import type {
  Guard,
  Machine,
  MachineExtension,
  StateDefinition,
  TransitionDefinition,
} from './machine-types.js'
import { findMachineProblems, invalidMachine } from './validate-machine.js'

/**
 * Returns a new, validated machine with `extension` applied; `machine` is left
 * as it was. Shop configuration uses it to add, relabel or remove statuses;
 * plugins use it to add states, transitions and guards.
 *
 * Order: removals first (`removeTransitions`, then `removeStates`, which also
 * drops transitions leading to a removed state or listing only removed states
 * in `from`), then `groups`, `states` and `transitions` (merged field by field
 * into existing ones), then `guards` (appended), then `initial`.
 * `'*'` and `{ capability }` sources are resolved against the result, so a new
 * state with capability `'cancellable'` can be cancelled at once.
 *
 * @throws OrdoError `INVALID_MACHINE` listing every problem, e.g. a state left
 * unreachable by a removal, or a removal of an unknown state.
 *
 * @example
 * ```ts
 * const withDropShip = extendMachine(orderMachine, {
 *   states: { awaiting_supplier: { group: 'assembling', label: 'Awaiting supplier', capabilities: ['cancellable'] } },
 *   transitions: {
 *     order_from_supplier: { from: ['confirmed'], to: 'awaiting_supplier' },
 *     supplier_delivered: { from: ['awaiting_supplier'], to: 'assembling' },
 *   },
 *   guards: { order_from_supplier: [{ id: 'has_supplier', check: ({ context }) => (context.supplierId ? undefined : 'no supplier chosen') }] },
 * })
 * ```
 */
export function extendMachine<C>(machine: Machine<C>, extension: MachineExtension<C>): Machine<C> {
  const problems: string[] = []
  const states: Record<string, StateDefinition> = { ...machine.states }
  const transitions: Record<string, TransitionDefinition<C>> = { ...machine.transitions }
  const guards: Record<string, readonly Guard<C>[]> = { ...machine.guards }
  const removeTransition = (name: string): void => {
    delete transitions[name]
    delete guards[name]
  }

  for (const name of extension.removeTransitions ?? []) {
    if (ownValue(transitions, name) === undefined) problems.push(`cannot remove unknown transition "${name}"`)
    removeTransition(name)
  }

  const removed = new Set<string>()
  for (const name of extension.removeStates ?? []) {
    if (ownValue(states, name) === undefined) problems.push(`cannot remove unknown state "${name}"`)
    delete states[name]
    removed.add(name)
  }
  for (const [name, definition] of Object.entries(transitions)) {
    const { from } = definition
    if (removed.has(definition.to)) {
      removeTransition(name)
    } else if (Array.isArray(from) && (from as readonly string[]).some((state) => removed.has(state))) {
      const kept = (from as readonly string[]).filter((state) => !removed.has(state))
      if (kept.length === 0) removeTransition(name)
      else transitions[name] = { ...definition, from: kept }
    }
  }

  for (const [name, patch] of Object.entries(extension.states ?? {})) {
    states[name] = { ...ownValue(states, name), ...patch }
  }
  for (const [name, patch] of Object.entries(extension.transitions ?? {})) {
    // A new transition without `from` or `to` is reported by the validation below.
    transitions[name] = { ...ownValue(transitions, name), ...patch } as TransitionDefinition<C>
  }
  for (const [name, added] of Object.entries(extension.guards ?? {})) {
    guards[name] = [...(ownValue(guards, name) ?? []), ...added]
  }

  const groups = [...(machine.groups ?? [])]
  for (const group of extension.groups ?? []) if (!groups.includes(group)) groups.push(group)

  const definition = {
    id: machine.id,
    initial: extension.initial ?? machine.initial,
    ...((machine.groups !== undefined || extension.groups !== undefined) && { groups }),
    states,
    transitions,
    guards,
  }
  problems.push(...findMachineProblems(definition))
  if (problems.length > 0) throw invalidMachine(machine.id, problems)
  return defineMachine(definition)
}
