import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { OrdoError } from '../errors.js'
import { availableTransitions, can, extendMachine, statesWithCapability, transition, type MachineDefinition } from '../machine/index.js'
import { buildOrderMachine, DEFAULT_ORDER_MACHINE, ORDER_GROUPS, type OrderGuardContext } from './order-machine.js'
import type { Order } from './order-types.js'

const context = (total = 100_000): OrderGuardContext => ({ order: { totals: { total }, paymentMethod: 'pay_later' } as Order })

function refusal(fn: () => unknown): OrdoError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(OrdoError)
    return error as OrdoError
  }
  throw new Error('expected a refusal')
}

describe('default order machine', () => {
  const machine = buildOrderMachine()

  test('every status belongs to one of the fixed groups, and the happy path reaches completed', () => {
    expect(machine.groups).toEqual(ORDER_GROUPS)
    for (const state of Object.values(machine.states)) expect(ORDER_GROUPS).toContain(state.group)
    let state = machine.initial
    for (const name of ['submit', 'confirm', 'request_payment', 'pay', 'start_picking', 'pack', 'hand_to_carrier', 'ship', 'deliver', 'complete']) {
      state = transition(machine, { state }, { type: name, actor: 'manager:1', context: context() }).to
    }
    expect(state).toBe('completed')
    expect(machine.states.completed!.final).toBe(true)
  })

  test('pay-on-receipt orders go from confirmed straight to picking', () => {
    const next = transition(machine, { state: 'confirmed' }, { type: 'start_picking', context: context() })
    expect(next.to).toBe('picking')
  })

  test('an illegal transition is refused with a message naming from, to and what is allowed', () => {
    const error = refusal(() => transition(machine, { state: 'awaiting_confirmation' }, { type: 'pack', context: context() }))
    expect(error.code).toBe('INVALID_TRANSITION')
    expect(error.message).toContain('cannot go from "awaiting_confirmation" to "packed"')
    expect(error.message).toContain('confirm')
    expect(error.details).toMatchObject({ from: 'awaiting_confirmation', to: 'packed', transition: 'pack' })
  })

  test('cancelling needs a reason from the list and asks to release stock and promotion uses', () => {
    expect(refusal(() => transition(machine, { state: 'confirmed' }, { type: 'cancel', context: context() })).code).toBe('TRANSITION_REFUSED')
    const wrong = refusal(() => transition(machine, { state: 'confirmed' }, { type: 'cancel', reason: 'weather', context: context() }))
    expect(wrong.details).toMatchObject({ rule: 'reasons', given: 'weather' })
    const done = transition(machine, { state: 'confirmed' }, { type: 'cancel', reason: 'out_of_stock', context: context() })
    expect(done.effects.map((e) => e.type)).toEqual(['release_stock', 'release_promotion_usage', 'cancelled'])
    expect(refusal(() => transition(machine, { state: 'in_transit' }, { type: 'cancel', reason: 'other', context: context() })).code).toBe('INVALID_TRANSITION')
  })

  test('capabilities, not names, say what each status allows', () => {
    expect(statesWithCapability(machine, 'edit_lines')).toEqual(['new', 'awaiting_confirmation', 'confirmed', 'awaiting_payment', 'paid', 'picking'])
    expect(statesWithCapability(machine, 'expires')).toEqual(['new', 'awaiting_confirmation', 'awaiting_payment'])
    expect(can(machine, 'packed', 'edit_lines')).toBe(false)
    expect(can(machine, 'packed', 'cancellable')).toBe(true)
  })
})

describe('configuring the order machine', () => {
  test('a plugin adds a status with a guard; the guard vetoes with its reason and cancel reaches the new status by capability', () => {
    const machine = extendMachine(buildOrderMachine(), {
      states: { awaiting_supplier: { group: 'assembling', label: 'Awaiting supplier', capabilities: ['cancellable'] } },
      transitions: {
        order_from_supplier: { from: ['confirmed'], to: 'awaiting_supplier' },
        supplier_delivered: { from: ['awaiting_supplier'], to: 'picking' },
      },
      guards: {
        order_from_supplier: [{ id: 'big_orders_only', check: ({ context }) => (context.order.totals.total < 500_000 ? 'drop-ship only from 5000 ₽' : undefined) }],
      },
    })
    const refused = refusal(() => transition(machine, { state: 'confirmed' }, { type: 'order_from_supplier', context: context(100_000) }))
    expect(refused).toMatchObject({ code: 'TRANSITION_REFUSED', details: { reason: 'drop-ship only from 5000 ₽', guard: 'big_orders_only' } })
    expect(transition(machine, { state: 'confirmed' }, { type: 'order_from_supplier', context: context(600_000) }).to).toBe('awaiting_supplier')
    expect(transition(machine, { state: 'awaiting_supplier' }, { type: 'cancel', reason: 'out_of_stock', context: context() }).to).toBe('cancelled')
    const buttons = availableTransitions(machine, 'confirmed', context(1))
    expect(buttons.find((b) => b.name === 'order_from_supplier')).toMatchObject({ allowed: false, reason: 'drop-ship only from 5000 ₽' })
  })

  test('a status removed by config disappears with the transitions into it', () => {
    const machine = buildOrderMachine({ machine: { removeStates: ['ready_for_pickup'] } })
    expect(machine.states.ready_for_pickup).toBeUndefined()
    expect(machine.transitions.ready_for_pickup).toBeUndefined()
    expect(machine.transitions.deliver!.from).toEqual(['handed_to_carrier', 'in_transit'])
    expect(refusal(() => transition(machine, { state: 'packed' }, { type: 'ready_for_pickup' })).code).toBe('INVALID_TRANSITION')
  })

  test('cancellation reasons come from config, and the reasons core cancels with are always accepted', () => {
    const machine = buildOrderMachine({ cancellationReasons: ['weather', 'other'] })
    expect(machine.transitions.cancel!.reasons).toEqual(['weather', 'other', 'reservation_expired', 'no_answer'])
    expect(transition(machine, { state: 'new' }, { type: 'cancel', reason: 'weather' }).to).toBe('cancelled')
    expect(refusal(() => transition(machine, { state: 'new' }, { type: 'cancel', reason: 'out_of_stock' })).code).toBe('TRANSITION_REFUSED')
  })

  test('a replacement machine must be named "order"; a broken one is refused', () => {
    const replace: MachineDefinition<OrderGuardContext> = { ...DEFAULT_ORDER_MACHINE, id: 'orders' }
    expect(refusal(() => buildOrderMachine({ machine: { replace } })).code).toBe('INVALID_MACHINE')
    expect(refusal(() => buildOrderMachine({ machine: { removeStates: ['confirmed'] } })).code).toBe('INVALID_MACHINE')
  })
})

describe('order machine invariants', () => {
  const machine = buildOrderMachine()
  const names = Object.keys(machine.transitions)
  const reasons = ['out_of_stock', 'no_answer', 'weather', undefined]

  test('any sequence of requests keeps the order in a known status, and final statuses accept nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.constantFrom(...names), reason: fc.constantFrom(...reasons) }), { maxLength: 30 }), (steps) => {
        let state = machine.initial
        for (const step of steps) {
          const offered = availableTransitions(machine, state, context()).map((t) => t.name)
          try {
            const next = transition(machine, { state }, { type: step.name, context: context(), ...(step.reason ? { reason: step.reason } : {}) })
            expect(offered).toContain(step.name)
            expect(machine.states[state]!.final).not.toBe(true)
            state = next.to
          } catch (error) {
            expect(error).toBeInstanceOf(OrdoError)
            expect(['INVALID_TRANSITION', 'TRANSITION_REFUSED']).toContain((error as OrdoError).code)
          }
          expect(Object.keys(machine.states)).toContain(state)
          if (machine.states[state]!.final) expect(availableTransitions(machine, state, context())).toEqual([])
        }
      }),
      { numRuns: 1000 },
    )
  })
})
