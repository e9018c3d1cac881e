import { describe, expect, it } from 'vitest'
import { OrdoError } from '../errors.js'
import { extendMachine } from './extend-machine.js'
import { testOrderMachine as machine, type TestOrderContext } from './machine-fixture.js'
import { can, sourceStates, statesInGroup } from './machine-queries.js'
import type { MachineExtension } from './machine-types.js'
import { availableTransitions, canTransition, transition } from './transition.js'

interface DropShipContext extends TestOrderContext {
  readonly supplierId?: string
}

function invalid(run: () => unknown): OrdoError {
  try {
    run()
  } catch (error) {
    if (error instanceof OrdoError && error.code === 'INVALID_MACHINE') return error
    throw error
  }
  throw new Error('expected INVALID_MACHINE')
}

// A plugin adding drop-shipping: the manager orders from the supplier first.
const dropShip: MachineExtension<DropShipContext> = {
  groups: ['supplier'],
  states: { awaiting_supplier: { group: 'supplier', label: 'Awaiting supplier', capabilities: ['cancellable'] } },
  transitions: {
    order_from_supplier: { from: ['confirmed'], to: 'awaiting_supplier', effects: [{ type: 'order_from_supplier' }] },
    supplier_delivered: { from: ['awaiting_supplier'], to: 'assembling' },
  },
  guards: {
    order_from_supplier: [{ id: 'has_supplier', check: ({ context }) => (context.supplierId ? undefined : 'no supplier chosen') }],
    confirm: [{ id: 'not_blocked', check: ({ context }) => (context.phone === '+70000000000' ? 'the phone is blocked' : undefined) }],
  },
}

describe('extendMachine', () => {
  it('adds a plugin state, transitions and guards that work end to end', () => {
    const extended = extendMachine<DropShipContext>(machine, dropShip)
    const context: DropShipContext = { phone: '+7 900', supplierId: 'sup-1' }

    let snapshot = { state: extended.initial }
    snapshot = transition(extended, snapshot, { type: 'confirm', context }).snapshot
    expect(canTransition(extended, 'confirmed', 'order_from_supplier', { phone: '+7 900' })).toMatchObject({
      ok: false,
      reason: 'no supplier chosen',
      guard: 'has_supplier',
    })
    const ordered = transition(extended, snapshot, { type: 'order_from_supplier', context })
    expect(ordered.effects).toEqual([{ type: 'order_from_supplier' }])
    snapshot = ordered.snapshot
    expect(snapshot).toEqual({ state: 'awaiting_supplier' })

    // The existing capability-based `cancel` now applies to the new state.
    expect(sourceStates(extended, 'cancel')).toContain('awaiting_supplier')
    expect(availableTransitions(extended, 'awaiting_supplier', context).map((t) => t.name)).toEqual(['cancel', 'supplier_delivered'])

    for (const type of ['supplier_delivered', 'pack', 'hand_over', 'deliver', 'complete']) {
      snapshot = transition(extended, snapshot, { type, context }).snapshot
    }
    expect(snapshot).toEqual({ state: 'completed' })
  })

  it('appends guards after the existing ones', () => {
    const extended = extendMachine<DropShipContext>(machine, dropShip)
    expect(extended.guards.confirm?.map((guard) => guard.id)).toEqual(['has_phone', 'not_blocked'])
    expect(canTransition(extended, 'new', 'confirm', { phone: '+70000000000' })).toMatchObject({ reason: 'the phone is blocked' })
  })

  it('leaves the original machine as it was', () => {
    extendMachine<DropShipContext>(machine, dropShip)
    expect(machine.states).not.toHaveProperty('awaiting_supplier')
    expect(sourceStates(machine, 'cancel')).not.toContain('awaiting_supplier')
    expect(machine.guards.confirm).toHaveLength(1)
  })

  it('merges overrides field by field', () => {
    const shop = extendMachine(machine, {
      states: { new: { label: 'Новый' }, paid: { capabilities: [] } },
      transitions: { cancel: { reasons: ['no_answer', 'changed_mind'] } },
    })
    expect(shop.states.new).toEqual({ group: 'new', label: 'Новый', capabilities: ['edit_lines', 'cancellable'] })
    // Dropping the capability takes the state out of `cancel` without touching `cancel`.
    expect(can(shop, 'paid', 'cancellable')).toBe(false)
    expect(canTransition(shop, 'paid', 'cancel')).toMatchObject({ ok: false, code: 'INVALID_TRANSITION' })
    expect(transition(shop, { state: 'new' }, { type: 'cancel', reason: 'changed_mind' }).to).toBe('cancelled')
    expect(shop.transitions.cancel?.effects).toEqual([{ type: 'release_stock' }])
  })

  it('removes a state with the transitions that lead to it or only come from it', () => {
    const noPayStep = extendMachine(machine, { removeStates: ['paid'] })
    expect(noPayStep.states).not.toHaveProperty('paid')
    expect(noPayStep.transitions).not.toHaveProperty('pay')
    expect(sourceStates(noPayStep, 'start_assembly')).toEqual(['confirmed'])
    expect(statesInGroup(noPayStep, 'approval')).toEqual(['confirmed'])
    expect(() => transition(noPayStep, { state: 'confirmed' }, { type: 'pay' })).toThrow(
      expect.objectContaining({ code: 'INVALID_TRANSITION' }),
    )

    // Removing `returned` drops `return`; delivered still has `complete`.
    const noReturns = extendMachine(machine, { removeStates: ['returned'] })
    expect(noReturns.transitions).not.toHaveProperty('return')
  })

  it('removes transitions with their guards', () => {
    const noConfirm = extendMachine(machine, {
      removeTransitions: ['confirm'],
      transitions: { accept: { from: ['new'], to: 'confirmed' } },
    })
    expect(noConfirm.transitions).not.toHaveProperty('confirm')
    expect(noConfirm.guards).not.toHaveProperty('confirm')
    expect(transition(noConfirm, { state: 'new' }, { type: 'accept' }).to).toBe('confirmed')
  })

  it('rejects a removal that leaves a state unreachable, naming it', () => {
    const error = invalid(() => extendMachine(machine, { removeStates: ['ready_to_ship'] }))
    expect(error.details.problems).toEqual([
      'state "handed_to_carrier" is unreachable from initial state "new"',
      'state "delivered" is unreachable from initial state "new"',
      'state "completed" is unreachable from initial state "new"',
      'state "returned" is unreachable from initial state "new"',
    ])
    expect(error.message).toContain('state "handed_to_carrier" is unreachable')
  })

  it('rejects unknown removals and incomplete new transitions along with other problems', () => {
    const error = invalid(() =>
      extendMachine(machine, {
        removeStates: ['archived'],
        removeTransitions: ['teleport'],
        transitions: { hold: { label: 'Hold' } },
        states: { on_hold: { group: 'limbo' } },
      }),
    )
    expect(error.details.problems).toEqual([
      'cannot remove unknown transition "teleport"',
      'cannot remove unknown state "archived"',
      'state "on_hold" has group "limbo", which is not one of the groups: new, approval, assembling, delivery, complete, cancel',
      'transition "hold" has an invalid "from": use a list of states, "*" or { capability }',
      'state "on_hold" is unreachable from initial state "new"',
      'state "on_hold" is not final but has no outgoing transition',
    ])
  })

  it('can move the initial state', () => {
    const preConfirmed = extendMachine(machine, { initial: 'confirmed', removeStates: ['new'] })
    expect(preConfirmed.initial).toBe('confirmed')
    expect(preConfirmed.transitions).not.toHaveProperty('confirm')
  })
})
