import { describe, expect, it } from 'vitest'
import { OrdoError } from '../errors.js'
import { defineMachine } from './define-machine.js'
import { testOrderDefinition } from './machine-fixture.js'
import type { MachineDefinition } from './machine-types.js'
import { findMachineProblems, validateMachine } from './validate-machine.js'

function problemsOf<C>(definition: MachineDefinition<C>): unknown {
  try {
    defineMachine(definition)
  } catch (error) {
    if (error instanceof OrdoError && error.code === 'INVALID_MACHINE') return error.details.problems
    throw error
  }
  throw new Error('expected INVALID_MACHINE')
}

describe('validateMachine', () => {
  it('accepts a sound machine', () => {
    expect(findMachineProblems(testOrderDefinition)).toEqual([])
    expect(() => validateMachine(testOrderDefinition)).not.toThrow()
  })

  it('lists every problem of a bad definition at once', () => {
    const problems = problemsOf({
      id: 'order',
      initial: 'new',
      groups: ['new', 'done', 'new'],
      states: {
        new: { group: 'new' },
        confirmed: { group: 'approval' }, // unknown group
        orphan: { group: 'new' }, // unreachable, and no way out
        done: { group: 'done', final: true },
      },
      transitions: {
        confirm: { from: ['new'], to: 'confirmd' }, // unknown to-state
        finish: { from: ['new', 'ghost'], to: 'done' }, // unknown from-state
        reopen: { from: ['done'], to: 'new' }, // out of a final state
        typo: { from: { capability: 'cancelable' }, to: 'done' }, // matches no state
        close: { from: '*', to: 'done', reasons: [] },
      },
      guards: {
        confrim: [{ id: 'has_phone', check: () => undefined }], // unknown transition
        finish: [
          { id: 'twice', check: () => undefined },
          { id: 'twice', check: () => undefined },
        ],
      },
    })
    expect(problems).toEqual([
      'group "new" is declared twice',
      'state "confirmed" has group "approval", which is not one of the groups: new, done, new',
      'transition "confirm" goes to unknown state "confirmd"',
      'transition "finish" comes from unknown state "ghost"',
      'transition "reopen" leaves final state "done" (from [done])',
      'transition "typo" applies to no state (from capability "cancelable")',
      'transition "close" has an empty reasons list',
      'guards are given for unknown transition "confrim"',
      'guard "twice" is used twice on transition "finish"',
      'state "confirmed" is unreachable from initial state "new"',
      'state "orphan" is unreachable from initial state "new"',
    ])
  })

  it('rejects a capability source that reaches a final state', () => {
    expect(
      problemsOf({
        ...testOrderDefinition,
        states: { ...testOrderDefinition.states, cancelled: { final: true, group: 'cancel', capabilities: ['cancellable'] } },
      }),
    ).toEqual(['transition "cancel" leaves final state "cancelled" (from capability "cancellable")'])
  })

  it('rejects a non-final state with no way out', () => {
    expect(
      problemsOf({
        id: 'trap',
        initial: 'a',
        states: { a: {}, b: {} },
        transitions: { go: { from: ['a'], to: 'b' } },
      }),
    ).toEqual(['state "b" is not final but has no outgoing transition'])
  })

  it('rejects an unknown initial state and an empty machine', () => {
    expect(problemsOf({ id: '', initial: 'x', states: {}, transitions: {} })).toEqual([
      'machine id must be a non-empty string',
      'the machine has no states',
      'initial state "x" is not a state',
    ])
  })

  it('rejects malformed sources from untyped configuration', () => {
    const definition = {
      id: 'json',
      initial: 'a',
      states: { a: {}, b: { final: true } },
      transitions: { go: { from: 'a', to: 'b' } },
    } as unknown as MachineDefinition<unknown>
    expect(problemsOf(definition)).toEqual([
      'transition "go" has an invalid "from": use a list of states, "*" or { capability }',
      'state "b" is unreachable from initial state "a"',
      'state "a" is not final but has no outgoing transition',
    ])
  })

  it('puts the problems in the message too', () => {
    expect(() => validateMachine({ id: 'order', initial: 'x', states: { a: { final: true } }, transitions: {} })).toThrow(
      'Machine "order" is invalid: initial state "x" is not a state',
    )
  })
})
