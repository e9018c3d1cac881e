import { describe, expect, it } from 'vitest'
import { defineMachine } from './define-machine.js'
import { testOrderMachine } from './machine-fixture.js'
import { toMermaid } from './mermaid.js'

describe('toMermaid', () => {
  it('draws states, labels, transitions and final states', () => {
    const machine = defineMachine({
      id: 'order',
      initial: 'new',
      states: {
        new: { label: 'New' },
        'in-work': { label: 'In "work"' },
        done: { final: true },
        cancelled: { final: true },
      },
      transitions: {
        start: { from: ['new'], to: 'in-work', label: 'Start' },
        finish: { from: ['in-work'], to: 'done' },
        cancel: { from: '*', to: 'cancelled', label: 'Cancel' },
      },
    })
    expect(toMermaid(machine)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> new',
        '  state "New" as new',
        `  state "In 'work'" as state_1`,
        '  new --> state_1 : Start',
        '  state_1 --> done : finish',
        '  new --> cancelled : Cancel',
        '  state_1 --> cancelled : Cancel',
        '  done --> [*]',
        '  cancelled --> [*]',
        '',
      ].join('\n'),
    )
  })

  it('draws one arrow per source state of a capability-based transition', () => {
    const diagram = toMermaid(testOrderMachine)
    expect(diagram.startsWith('stateDiagram-v2\n  [*] --> new\n')).toBe(true)
    for (const from of ['new', 'confirmed', 'paid', 'assembling', 'ready_to_ship']) {
      expect(diagram).toContain(`  ${from} --> cancelled : Cancel\n`)
    }
    expect(diagram).not.toContain('delivered --> cancelled')
  })
})
