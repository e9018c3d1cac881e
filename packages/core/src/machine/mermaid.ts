import { resolveSource } from './machine-queries.js'
import type { MachineDefinition } from './machine-types.js'

/**
 * Draws the machine as a Mermaid `stateDiagram-v2` for docs: one node per state
 * (with its label), one arrow per transition and source state (labelled with
 * the transition's label), `[*]` arrows into the initial state and out of
 * final states.
 *
 * @example
 * ```ts
 * toMermaid(orderMachine)
 * // stateDiagram-v2
 * //   [*] --> new
 * //   state "New" as new
 * //   new --> confirmed : Confirm
 * //   ...
 * ```
 */
export function toMermaid<C>(machine: MachineDefinition<C>): string {
  const names = Object.keys(machine.states)
  // Mermaid ids must be plain words; anything else gets a generated id.
  const ids = new Map(names.map((name, index) => [name, /^[A-Za-z_]\w*$/.test(name) ? name : `state_${index}`]))
  const id = (name: string): string => ids.get(name) ?? name

  const lines = ['stateDiagram-v2', `  [*] --> ${id(machine.initial)}`]
  for (const name of names) {
    const label = machine.states[name]?.label
    if (label !== undefined || id(name) !== name) lines.push(`  state "${quote(label ?? name)}" as ${id(name)}`)
  }
  for (const [name, transition] of Object.entries(machine.transitions)) {
    for (const from of resolveSource(machine.states, transition.from)) {
      lines.push(`  ${id(from)} --> ${id(transition.to)} : ${text(transition.label ?? name)}`)
    }
  }
  for (const name of names) {
    if (machine.states[name]?.final === true) lines.push(`  ${id(name)} --> [*]`)
  }
  return `${lines.join('\n')}\n`
}

function text(value: string): string {
  return value.replace(/[\r\n]+/g, ' ')
}

function quote(value: string): string {
  return text(value).replace(/"/g, "'")
}
