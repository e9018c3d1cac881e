/**
 * One generic, typed, pure state machine: definitions are data, `transition`
 * returns the next snapshot and the effects for the engine to run. Orders,
 * shipments, payments and returns are all machines; shops and plugins extend
 * them with {@link extendMachine}.
 *
 * @example
 * ```ts
 * const next = transition(orderMachine, { state: 'new' }, { type: 'confirm', actor: 'manager:7', context })
 * ```
 *
 * @module
 */
export { defineMachine } from './define-machine.js'
export { extendMachine } from './extend-machine.js'
export { can, sourceStates, stateGroup, statesInGroup, statesWithCapability } from './machine-queries.js'
export type {
  AvailableTransition,
  CanTransitionResult,
  Effect,
  Guard,
  GuardInput,
  Machine,
  MachineDefinition,
  MachineEvent,
  MachineExtension,
  MachineSnapshot,
  StateDefinition,
  TransitionDefinition,
  TransitionEffects,
  TransitionResult,
  TransitionSource,
} from './machine-types.js'
export { toMermaid } from './mermaid.js'
export { availableTransitions, canTransition, transition } from './transition.js'
export { findMachineProblems, validateMachine } from './validate-machine.js'
