import { OrdoError } from '../errors.js'
import { ownValue, resolveSource } from './machine-queries.js'
import type { MachineDefinition, StateDefinition, TransitionSource } from './machine-types.js'

/**
 * Lists every problem of a machine definition, one sentence each; empty when
 * the definition is sound. Use it to check shop configuration before saving
 * it; {@link validateMachine} throws instead.
 *
 * Checks: the initial state exists; every `from`/`to` names a known state; no
 * transition leaves a final state; every transition applies to at least one
 * state; every state is reachable from the initial state; every non-final
 * state has a way out; every state's group is declared (when groups are);
 * guards name existing transitions; groups and guard ids are unique.
 *
 * @example
 * ```ts
 * findMachineProblems({ id: 'order', initial: 'new', states: { new: {} }, transitions: {} })
 * // ['state "new" is not final but has no outgoing transition']
 * ```
 */
export function findMachineProblems<C>(definition: MachineDefinition<C>): string[] {
  const problems: string[] = []
  const states: Readonly<Record<string, StateDefinition>> = isRecord(definition.states) ? definition.states : {}
  const transitions = isRecord(definition.transitions) ? definition.transitions : {}
  const stateNames = Object.keys(states)
  const isState = (name: string): boolean => ownValue(states, name) !== undefined
  const isFinal = (name: string): boolean => ownValue(states, name)?.final === true

  if (typeof definition.id !== 'string' || definition.id.trim() === '') problems.push('machine id must be a non-empty string')
  if (!isRecord(definition.states)) problems.push('states must be an object of state definitions')
  if (!isRecord(definition.transitions)) problems.push('transitions must be an object of transition definitions')
  if (stateNames.length === 0) problems.push('the machine has no states')
  if (!isState(definition.initial)) problems.push(`initial state "${String(definition.initial)}" is not a state`)

  const groups = definition.groups
  if (groups !== undefined) {
    const seen = new Set<string>()
    for (const group of groups) {
      if (seen.has(group)) problems.push(`group "${group}" is declared twice`)
      seen.add(group)
    }
    for (const [name, state] of Object.entries(states)) {
      if (state.group !== undefined && !seen.has(state.group)) {
        problems.push(`state "${name}" has group "${state.group}", which is not one of the groups: ${list(groups)}`)
      }
    }
  }

  // Resolved sources per transition, reused for the reachability and way-out checks.
  const sources = new Map<string, string[]>()
  for (const [name, transition] of Object.entries(transitions)) {
    const from: unknown = transition.from
    if (!isValidSource(from)) {
      problems.push(`transition "${name}" has an invalid "from": use a list of states, "*" or { capability }`)
      continue
    }
    if (typeof transition.to !== 'string' || !isState(transition.to)) {
      problems.push(`transition "${name}" goes to unknown state "${String(transition.to)}"`)
    }
    if (Array.isArray(from)) {
      for (const state of from as readonly string[]) {
        if (!isState(state)) problems.push(`transition "${name}" comes from unknown state "${state}"`)
      }
    }
    const resolved = resolveSource(states, from)
    sources.set(name, resolved)
    // A list naming only unknown states is already reported above.
    if (resolved.length === 0 && !(Array.isArray(from) && from.length > 0)) problems.push(`transition "${name}" applies to no state (from ${describeSource(from)})`)
    for (const state of resolved) {
      if (isFinal(state)) problems.push(`transition "${name}" leaves final state "${state}" (from ${describeSource(from)})`)
    }
    if (transition.reasons !== undefined && transition.reasons.length === 0) {
      problems.push(`transition "${name}" has an empty reasons list`)
    }
  }

  for (const [name, guards] of Object.entries(definition.guards ?? {})) {
    if (ownValue(transitions, name) === undefined) problems.push(`guards are given for unknown transition "${name}"`)
    const seen = new Set<string>()
    for (const guard of guards) {
      if (typeof guard.id !== 'string' || guard.id === '') problems.push(`a guard of transition "${name}" has no id`)
      else if (seen.has(guard.id)) problems.push(`guard "${guard.id}" is used twice on transition "${name}"`)
      if (typeof guard.check !== 'function') problems.push(`guard "${String(guard.id)}" of transition "${name}" has no check function`)
      seen.add(guard.id)
    }
  }

  const outgoing = new Map<string, string[]>()
  for (const [name, from] of sources) {
    const to = ownValue(transitions, name)?.to
    for (const state of from) {
      outgoing.set(state, [...(outgoing.get(state) ?? []), ...(to !== undefined && isState(to) ? [to] : [])])
    }
  }

  if (isState(definition.initial)) {
    const reached = new Set([definition.initial])
    const queue = [definition.initial]
    for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
      for (const next of outgoing.get(state) ?? []) {
        if (!reached.has(next)) {
          reached.add(next)
          queue.push(next)
        }
      }
    }
    for (const name of stateNames) {
      if (!reached.has(name)) problems.push(`state "${name}" is unreachable from initial state "${definition.initial}"`)
    }
  }

  for (const name of stateNames) {
    if (!isFinal(name) && !outgoing.has(name)) problems.push(`state "${name}" is not final but has no outgoing transition`)
  }

  return problems
}

/**
 * Throws `INVALID_MACHINE` when the definition has any problem, with every
 * problem in `details.problems` (see {@link findMachineProblems}).
 * {@link defineMachine} and {@link extendMachine} call it for you.
 *
 * @example
 * ```ts
 * try {
 *   validateMachine(definition)
 * } catch (error) {
 *   if (isOrdoError(error, 'INVALID_MACHINE')) console.error(error.details.problems)
 * }
 * ```
 */
export function validateMachine<C>(definition: MachineDefinition<C>): void {
  const problems = findMachineProblems(definition)
  if (problems.length > 0) throw invalidMachine(definition.id, problems)
}

/** @internal Builds the `INVALID_MACHINE` error for a list of problems. */
export function invalidMachine(id: unknown, problems: readonly string[]): OrdoError {
  return new OrdoError('INVALID_MACHINE', `Machine "${String(id)}" is invalid: ${problems.join('; ')}`, {
    details: { machine: id, problems: [...problems] },
  })
}

function isRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isValidSource(from: unknown): from is TransitionSource {
  if (from === '*') return true
  if (Array.isArray(from)) return from.every((state) => typeof state === 'string')
  return isRecord(from) && typeof (from as { capability?: unknown }).capability === 'string'
}

function describeSource(from: TransitionSource): string {
  if (from === '*') return '"*"'
  if (Array.isArray(from)) return `[${list(from as readonly string[])}]`
  return `capability "${(from as { capability: string }).capability}"`
}

function list(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.join(', ')
}
