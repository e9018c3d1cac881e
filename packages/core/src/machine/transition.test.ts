import { describe, expect, it } from 'vitest'
import { OrdoError } from '../errors.js'
import { defineMachine } from './define-machine.js'
import { testOrderDefinition, testOrderMachine as machine, type TestOrderContext } from './machine-fixture.js'
import { availableTransitions, canTransition, transition } from './transition.js'

const context: TestOrderContext = { phone: '+7 900 000-00-00' }

function thrown(run: () => unknown): OrdoError {
  try {
    run()
  } catch (error) {
    if (error instanceof OrdoError) return error
    throw error
  }
  throw new Error('expected an OrdoError')
}

describe('transition', () => {
  it('moves along a declared transition', () => {
    const result = transition(machine, { state: 'new' }, { type: 'confirm', actor: 'manager:7', context })
    expect(result).toEqual({ snapshot: { state: 'confirmed' }, from: 'new', to: 'confirmed', transition: 'confirm', effects: [] })
  })

  it('rejects a transition that does not apply to the current state, naming from, to and what is allowed', () => {
    const error = thrown(() => transition(machine, { state: 'delivered' }, { type: 'cancel', reason: 'price', context }))
    expect(error.code).toBe('INVALID_TRANSITION')
    expect(error.message).toBe(
      'Order cannot go from "delivered" to "cancelled" (transition "cancel"): allowed from "delivered": complete, return',
    )
    expect(error.details).toMatchObject({ from: 'delivered', to: 'cancelled', transition: 'cancel', allowed: ['complete', 'return'] })
  })

  it('rejects an unknown transition name and an unknown current state', () => {
    const unknown = thrown(() => transition(machine, { state: 'new' }, { type: 'teleport', context }))
    expect(unknown.code).toBe('INVALID_TRANSITION')
    expect(unknown.message).toBe('Order has no transition "teleport"; allowed from "new": confirm, cancel')
    expect(unknown.details).toMatchObject({ from: 'new', transition: 'teleport' })

    // Names of Object.prototype members are not transitions.
    expect(thrown(() => transition(machine, { state: 'new' }, { type: 'constructor', context })).code).toBe('INVALID_TRANSITION')

    const lost = thrown(() => transition(machine, { state: 'archived' }, { type: 'confirm', context }))
    expect(lost.code).toBe('INVALID_TRANSITION')
    expect(lost.details).toMatchObject({ from: 'archived', to: 'confirmed', transition: 'confirm' })
  })

  it('reports a guard refusal with its reason and guard id', () => {
    const error = thrown(() => transition(machine, { state: 'new' }, { type: 'confirm', context: {} }))
    expect(error.code).toBe('TRANSITION_REFUSED')
    expect(error.message).toContain('the order has no phone number')
    expect(error.details).toMatchObject({
      reason: 'the order has no phone number',
      guard: 'has_phone',
      from: 'new',
      to: 'confirmed',
      transition: 'confirm',
    })
  })

  it('gives guards the whole input', () => {
    const seen: unknown[] = []
    const spy = defineMachine<{ n: number }>({
      id: 'spy',
      initial: 'a',
      states: { a: {}, b: { final: true } },
      transitions: { go: { from: ['a'], to: 'b' } },
      guards: { go: [{ id: 'spy', check: (input) => void seen.push(input) }] },
    })
    const event = { type: 'go', actor: 'system', payload: { x: 1 }, context: { n: 1 } }
    transition(spy, { state: 'a' }, event)
    expect(seen).toEqual([{ machine: spy, from: 'a', to: 'b', transition: 'go', context: { n: 1 }, event }])
  })

  it('requires a non-empty reason when the transition says so', () => {
    for (const reason of [undefined, '', '   ']) {
      const error = thrown(() => transition(machine, { state: 'delivered' }, { type: 'return', reason, context }))
      expect(error.code).toBe('TRANSITION_REFUSED')
      expect(error.message).toBe('Order cannot go from "delivered" to "returned" (transition "return"): a reason is required')
      expect(error.details).toMatchObject({ reason: 'a reason is required', from: 'delivered', to: 'returned' })
    }
    expect(transition(machine, { state: 'delivered' }, { type: 'return', reason: 'did not fit', context }).to).toBe('returned')
  })

  it('restricts the reason to the listed reasons', () => {
    const error = thrown(() => transition(machine, { state: 'new' }, { type: 'cancel', reason: 'bored', context }))
    expect(error.code).toBe('TRANSITION_REFUSED')
    expect(error.message).toContain('reason "bored" is not one of: no_answer, out_of_stock')
    expect(error.details).toMatchObject({ given: 'bored', transition: 'cancel', allowedReasons: expect.arrayContaining(['no_answer']) })
    expect(transition(machine, { state: 'new' }, { type: 'cancel', reason: 'no_answer', context }).to).toBe('cancelled')
  })

  it('returns static and computed effects without running anything', () => {
    expect(transition(machine, { state: 'new' }, { type: 'cancel', reason: 'price', context }).effects).toEqual([
      { type: 'release_stock' },
    ])
    const cod = transition(machine, { state: 'confirmed' }, { type: 'start_assembly', actor: 'manager:7', context })
    expect(cod.effects).toEqual([{ type: 'reserve_stock', cashOnDelivery: true, actor: 'manager:7' }])
    const paid = transition(machine, { state: 'paid' }, { type: 'start_assembly', context: { paid: true } })
    expect(paid.effects).toEqual([{ type: 'reserve_stock', cashOnDelivery: false, actor: undefined }])
  })

  it('leaves its inputs untouched', () => {
    const snapshot = Object.freeze({ state: 'new' })
    const eventContext = Object.freeze({ phone: '+7 900' })
    const event = Object.freeze({ type: 'cancel', reason: 'price', context: eventContext })
    const result = transition(machine, snapshot, event)
    expect(snapshot).toEqual({ state: 'new' })
    expect(result.snapshot).not.toBe(snapshot)

    // Changing the returned effects does not change the machine's.
    ;(result.effects as unknown[]).push({ type: 'extra' })
    expect(transition(machine, snapshot, event).effects).toEqual([{ type: 'release_stock' }])
    expect(testOrderDefinition.transitions.cancel?.effects).toEqual([{ type: 'release_stock' }])
  })
})

describe('capability-based sources', () => {
  // Same shape as the order machine, every state renamed: `cancel` still
  // follows the capability, not the names.
  const renamed = defineMachine({
    id: 'zakaz',
    initial: 'draft',
    states: {
      draft: { capabilities: ['cancellable'] },
      accepted: { capabilities: ['cancellable'] },
      shipped: {},
      done: { final: true },
      voided: { final: true },
    },
    transitions: {
      accept: { from: ['draft'], to: 'accepted' },
      ship: { from: ['accepted'], to: 'shipped' },
      finish: { from: ['shipped'], to: 'done' },
      cancel: { from: { capability: 'cancellable' }, to: 'voided' },
    },
  })

  it('applies to every state with the capability and only to them', () => {
    expect(transition(renamed, { state: 'draft' }, { type: 'cancel' }).to).toBe('voided')
    expect(transition(renamed, { state: 'accepted' }, { type: 'cancel' }).to).toBe('voided')
    expect(thrown(() => transition(renamed, { state: 'shipped' }, { type: 'cancel' })).message).toBe(
      'Zakaz cannot go from "shipped" to "voided" (transition "cancel"): allowed from "shipped": finish',
    )
  })

  it('"*" applies to every non-final state', () => {
    const archive = defineMachine({
      id: 'ticket',
      initial: 'open',
      states: { open: {}, waiting: {}, closed: { final: true } },
      transitions: { wait: { from: ['open'], to: 'waiting' }, close: { from: '*', to: 'closed' } },
    })
    expect(transition(archive, { state: 'open' }, { type: 'close' }).to).toBe('closed')
    expect(transition(archive, { state: 'waiting' }, { type: 'close' }).to).toBe('closed')
    expect(canTransition(archive, 'closed', 'close')).toMatchObject({ ok: false, code: 'INVALID_TRANSITION' })
  })
})

describe('canTransition', () => {
  it('answers without throwing', () => {
    expect(canTransition(machine, 'new', 'confirm', context)).toEqual({ ok: true })
    expect(canTransition(machine, 'new', 'confirm', {})).toEqual({
      ok: false,
      code: 'TRANSITION_REFUSED',
      reason: 'the order has no phone number',
      guard: 'has_phone',
    })
    expect(canTransition(machine, 'delivered', 'cancel', context)).toMatchObject({
      ok: false,
      code: 'INVALID_TRANSITION',
      reason: expect.stringContaining('cannot go from "delivered" to "cancelled"'),
    })
  })

  it('does not ask for a reason the user has not given yet', () => {
    expect(canTransition(machine, 'new', 'cancel', context)).toEqual({ ok: true })
  })
})

describe('availableTransitions', () => {
  it('lists the transitions of a state with what the guards say', () => {
    expect(availableTransitions(machine, 'new', {})).toEqual([
      { name: 'confirm', to: 'confirmed', label: 'Confirm', allowed: false, reason: 'the order has no phone number', requiresReason: false },
      { name: 'cancel', to: 'cancelled', label: 'Cancel', allowed: true, requiresReason: true, reasons: testOrderDefinition.transitions.cancel?.reasons },
    ])
    expect(availableTransitions(machine, 'confirmed', { paid: true }).map(({ name, allowed }) => [name, allowed])).toEqual([
      ['pay', true],
      ['start_assembly', false],
      ['cancel', true],
    ])
  })

  it('is empty for final and unknown states', () => {
    expect(availableTransitions(machine, 'completed', context)).toEqual([])
    expect(availableTransitions(machine, 'archived', context)).toEqual([])
  })
})
