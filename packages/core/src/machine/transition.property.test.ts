import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { OrdoError } from '../errors.js'
import { defineMachine } from './define-machine.js'
import { extendMachine } from './extend-machine.js'
import { TEST_CANCEL_REASONS, testOrderMachine, type TestOrderContext } from './machine-fixture.js'
import { sourceStates } from './machine-queries.js'
import type { Machine, MachineEvent, MachineSnapshot } from './machine-types.js'
import { canTransition, transition } from './transition.js'

// The order machine plus a plugin state, so capability sources are exercised
// on states the base definition never named.
const machine = extendMachine<TestOrderContext>(testOrderMachine, {
  states: { on_hold: { group: 'approval', capabilities: ['cancellable'] } },
  transitions: {
    hold: { from: ['confirmed', 'paid'], to: 'on_hold' },
    resume: { from: ['on_hold'], to: 'confirmed' },
  },
  guards: { resume: [{ id: 'has_phone', check: ({ context }) => (context.phone ? undefined : 'no phone') }] },
})

const eventArbitrary = fc.record(
  {
    type: fc.oneof(
      // A number steers the walk: the n-th transition that applies to the current state.
      { weight: 3, arbitrary: fc.nat() },
      { weight: 3, arbitrary: fc.constantFrom(...Object.keys(machine.transitions)) },
      { weight: 1, arbitrary: fc.constantFrom('teleport', 'toString', '__proto__', 'constructor', '') },
      { weight: 1, arbitrary: fc.string() },
    ),
    reason: fc.option(fc.oneof(fc.constantFrom(...TEST_CANCEL_REASONS), fc.string()), { nil: undefined }),
    context: fc.record({ phone: fc.option(fc.constant('+7 900'), { nil: undefined }), paid: fc.boolean() }),
  },
  { requiredKeys: ['type', 'context'] },
)

type Step = Omit<MachineEvent<TestOrderContext>, 'type'> & { readonly type: string | number }

function walk(machine: Machine<TestOrderContext>, steps: readonly Step[]): void {
  let snapshot: MachineSnapshot = Object.freeze({ state: machine.initial })
  for (const step of steps) {
    const before = snapshot
    const applicable = Object.keys(machine.transitions).filter((name) => sourceStates(machine, name).includes(before.state))
    const type = typeof step.type === 'number' ? (applicable[step.type % Math.max(applicable.length, 1)] ?? 'none') : step.type
    const event: MachineEvent<TestOrderContext> = { ...step, type }
    try {
      const result = transition(machine, snapshot, event)
      const definition = machine.transitions[event.type]
      // Only a declared transition whose source contains the previous state moves the snapshot.
      expect(Object.hasOwn(machine.transitions, event.type)).toBe(true)
      expect(sourceStates(machine, event.type)).toContain(before.state)
      expect(result).toMatchObject({ from: before.state, to: definition?.to, transition: event.type })
      expect(result.snapshot).toEqual({ state: definition?.to })
      expect(canTransition(machine, before.state, event.type, event.context)).toEqual({ ok: true })
      snapshot = Object.freeze(result.snapshot)
    } catch (error) {
      if (!(error instanceof OrdoError)) throw error
      expect(['INVALID_TRANSITION', 'TRANSITION_REFUSED']).toContain(error.code)
      expect(error.details.from).toBe(before.state)
      expect(error.details.transition).toBe(event.type)
      // A refused event leaves the snapshot as it was.
      expect(snapshot).toBe(before)
      expect(snapshot).toEqual({ state: before.state })
    }
  }
}

describe('transition (property)', () => {
  it('a random walk only follows declared transitions, and refusals change nothing', () => {
    fc.assert(
      fc.property(fc.array(eventArbitrary, { maxLength: 40 }), (events) => walk(machine, events)),
      { numRuns: 1000 },
    )
  })

  it('holds on random machines too', () => {
    // A chain s0 -> s1 -> ... -> sN (so every state is reachable and has a way
    // out) plus random extra transitions out of non-final states.
    const machineArbitrary = fc
      .integer({ min: 1, max: 6 })
      .chain((size) =>
        fc.tuple(
          fc.constant(size),
          fc.array(fc.tuple(fc.nat(size - 1), fc.nat(size)), { maxLength: 8 }),
        ),
      )
      .map(([size, extras]) => {
        const names = Array.from({ length: size + 1 }, (_, index) => `s${index}`)
        const states = Object.fromEntries(
          names.map((name, index) => [name, index === size ? { final: true } : { capabilities: index % 2 === 0 ? ['even'] : [] }]),
        )
        const transitions: Record<string, { from: readonly string[] | { capability: string }; to: string }> = {
          anywhere: { from: { capability: 'even' }, to: `s${size}` },
        }
        names.slice(0, -1).forEach((name, index) => (transitions[`next${index}`] = { from: [name], to: `s${index + 1}` }))
        extras.forEach(([from, to], index) => (transitions[`extra${index}`] = { from: [`s${from}`], to: `s${to}` }))
        return defineMachine<TestOrderContext>({ id: 'random', initial: 's0', states, transitions })
      })

    fc.assert(
      fc.property(machineArbitrary, fc.array(fc.oneof(fc.nat(), fc.string({ maxLength: 8 })), { maxLength: 30 }), (random, types) =>
        walk(random, types.map((type) => ({ type, context: {} }))),
      ),
      { numRuns: 1000 },
    )
  })
})
