import { describe, expect, it } from 'vitest'
import { defineMachine } from './define-machine.js'
import { testOrderDefinition, testOrderMachine as machine, type TestOrderContext } from './machine-fixture.js'
import { can, sourceStates, stateGroup, statesInGroup, statesWithCapability } from './machine-queries.js'
import type { MachineDefinition } from './machine-types.js'
import { transition } from './transition.js'

describe('defineMachine', () => {
  it('returns a frozen copy: later changes to the definition do not reach it', () => {
    const definition = {
      id: 'door',
      initial: 'closed',
      states: { closed: { capabilities: ['lockable'] }, open: {} } as Record<string, { capabilities?: string[] }>,
      transitions: { open: { from: ['closed'], to: 'open' }, close: { from: ['open'], to: 'closed' } },
    }
    const door = defineMachine(definition)
    expect(Object.isFrozen(definition)).toBe(false)
    expect(Object.isFrozen(door)).toBe(true)
    expect(Object.isFrozen(door.states.closed)).toBe(true)
    expect(Object.isFrozen(door.states.closed?.capabilities)).toBe(true)
    expect(Object.isFrozen(door.transitions.open?.from)).toBe(true)

    definition.states.closed!.capabilities!.push('paintable')
    definition.transitions.open.from.push('open')
    expect(can(door, 'closed', 'paintable')).toBe(false)
    expect(sourceStates(door, 'open')).toEqual(['closed'])
  })

  it('throws INVALID_MACHINE for a bad definition', () => {
    const bad: MachineDefinition<TestOrderContext> = { ...testOrderDefinition, initial: 'draft' }
    expect(() => defineMachine(bad)).toThrow(
      expect.objectContaining({ code: 'INVALID_MACHINE', details: { machine: 'order', problems: ['initial state "draft" is not a state'] } }),
    )
  })
})

describe('queries', () => {
  it('can: a state has a capability', () => {
    expect(can(machine, 'new', 'edit_lines')).toBe(true)
    expect(can(machine, 'paid', 'edit_lines')).toBe(false)
    expect(can(machine, 'archived', 'edit_lines')).toBe(false)
  })

  it('groups and capabilities', () => {
    expect(stateGroup(machine, 'confirmed')).toBe('approval')
    expect(stateGroup(machine, 'archived')).toBeUndefined()
    expect(statesInGroup(machine, 'delivery')).toEqual(['handed_to_carrier', 'delivered'])
    expect(statesInGroup(machine, 'nope')).toEqual([])
    expect(statesWithCapability(machine, 'cancellable')).toEqual(['new', 'confirmed', 'paid', 'assembling', 'ready_to_ship'])
  })

  it('sourceStates resolves every kind of source', () => {
    expect(sourceStates(machine, 'return')).toEqual(['handed_to_carrier', 'delivered'])
    expect(sourceStates(machine, 'cancel')).toEqual(statesWithCapability(machine, 'cancellable'))
    expect(sourceStates(machine, 'nope')).toEqual([])
    expect(sourceStates(machine, 'toString')).toEqual([])
  })

  it('works on a machine walked end to end', () => {
    const steps = ['confirm', 'pay', 'start_assembly', 'pack', 'hand_over', 'deliver', 'complete']
    let snapshot = { state: machine.initial }
    for (const type of steps) snapshot = transition(machine, snapshot, { type, context: { phone: '+7', paid: true } }).snapshot
    expect(snapshot).toEqual({ state: 'completed' })
  })
})
