import { OrdoError } from '../errors.js'
import { ownValue, resolveSource } from './machine-queries.js'
import type {
  AvailableTransition,
  CanTransitionResult,
  GuardInput,
  Machine,
  MachineEvent,
  MachineSnapshot,
  TransitionDefinition,
  TransitionResult,
} from './machine-types.js'

/**
 * Applies `event` to `snapshot`: checks that the transition applies to the
 * current state, that a required reason is given (and allowed), runs the
 * guards, and returns the next snapshot with the transition's effects. Pure:
 * no I/O, inputs untouched; the engine persists the snapshot and runs the
 * effects.
 *
 * @throws OrdoError `INVALID_TRANSITION` when the transition is unknown or does
 * not apply to the current state (`details` name `from`, `to`, `transition`
 * and the `allowed` transitions); `TRANSITION_REFUSED` when the reason is
 * missing or not allowed, or a guard refuses (`details.reason`,
 * `details.guard`).
 *
 * @example
 * ```ts
 * const { snapshot, effects } = transition(orderMachine, { state: 'new' }, {
 *   type: 'cancel',
 *   actor: 'manager:7',
 *   reason: 'no_answer',
 *   context,
 * })
 * // snapshot: { state: 'cancelled' }, effects: [{ type: 'release_stock' }]
 * ```
 */
export function transition<C>(machine: Machine<C>, snapshot: MachineSnapshot, event: MachineEvent<C>): TransitionResult {
  const outcome = evaluate(machine, snapshot.state, event, true)
  if (!outcome.ok) throw new OrdoError(outcome.code, outcome.message, { details: outcome.details })
  const { input, definition } = outcome
  const effects = typeof definition.effects === 'function' ? definition.effects(input) : (definition.effects ?? [])
  return {
    snapshot: { state: input.to },
    from: input.from,
    to: input.to,
    transition: input.transition,
    effects: [...effects],
  }
}

/**
 * Whether `transitionName` may be applied in `state` with this guard
 * `context`, without throwing. Reasons are not checked (the user has not given
 * one yet); guards see an event with no `reason`.
 *
 * @example
 * ```ts
 * const check = canTransition(orderMachine, 'new', 'confirm', { phone: undefined })
 * if (!check.ok) console.log(check.reason) // 'the order has no phone number'
 * ```
 */
export function canTransition<C>(machine: Machine<C>, state: string, transitionName: string, context?: C): CanTransitionResult {
  const outcome = evaluate(machine, state, eventFor(transitionName, context), false)
  if (outcome.ok) return { ok: true }
  return {
    ok: false,
    code: outcome.code,
    reason: outcome.code === 'TRANSITION_REFUSED' ? String(outcome.details.reason) : outcome.message,
    ...(typeof outcome.details.guard === 'string' && { guard: outcome.details.guard }),
  }
}

/**
 * Every transition that applies to `state`, in definition order, each marked
 * `allowed` or not by the guards, for a UI to draw one button per transition.
 * Empty for an unknown state.
 *
 * @example
 * ```ts
 * availableTransitions(orderMachine, 'new', context)
 * // [{ name: 'confirm', to: 'confirmed', label: 'Confirm', allowed: false, reason: 'the order has no phone number', requiresReason: false },
 * //  { name: 'cancel', to: 'cancelled', label: 'cancel', allowed: true, requiresReason: true, reasons: [...] }]
 * ```
 */
export function availableTransitions<C>(machine: Machine<C>, state: string, context?: C): AvailableTransition[] {
  const result: AvailableTransition[] = []
  for (const [name, definition] of Object.entries(machine.transitions)) {
    if (!resolveSource(machine.states, definition.from).includes(state)) continue
    const check = canTransition(machine, state, name, context)
    result.push({
      name,
      to: definition.to,
      label: definition.label ?? name,
      allowed: check.ok,
      ...(!check.ok && { reason: check.reason }),
      requiresReason: definition.requiresReason === true,
      ...(definition.reasons !== undefined && { reasons: definition.reasons }),
    })
  }
  return result
}

type Evaluation<C> =
  | { ok: true; definition: TransitionDefinition<C>; input: GuardInput<C> }
  | {
      ok: false
      code: 'INVALID_TRANSITION' | 'TRANSITION_REFUSED'
      message: string
      details: Record<string, unknown>
    }

// The one place that decides; transition() throws its refusals,
// canTransition() returns them.
function evaluate<C>(machine: Machine<C>, from: string, event: MachineEvent<C>, checkReason: boolean): Evaluation<C> {
  const subject = capitalize(machine.id)
  const name = event.type
  const definition = ownValue(machine.transitions, name)
  const to = definition?.to

  if (ownValue(machine.states, from) === undefined) {
    return {
      ok: false,
      code: 'INVALID_TRANSITION',
      message: `${subject} is in unknown state "${from}", so transition "${name}" cannot apply`,
      details: { machine: machine.id, from, to, transition: name, allowed: [] },
    }
  }

  const allowed = Object.keys(machine.transitions).filter((candidate) =>
    resolveSource(machine.states, machine.transitions[candidate]!.from).includes(from),
  )
  const allowedText = `allowed from "${from}": ${allowed.length > 0 ? allowed.join(', ') : '(none)'}`
  if (definition === undefined) {
    return {
      ok: false,
      code: 'INVALID_TRANSITION',
      message: `${subject} has no transition "${name}"; ${allowedText}`,
      details: { machine: machine.id, from, to, transition: name, allowed },
    }
  }
  if (!allowed.includes(name)) {
    return {
      ok: false,
      code: 'INVALID_TRANSITION',
      message: `${subject} cannot go from "${from}" to "${to}" (transition "${name}"): ${allowedText}`,
      details: { machine: machine.id, from, to, transition: name, allowed },
    }
  }

  const refuse = (reason: string, extra: Record<string, unknown>): Evaluation<C> => ({
    ok: false,
    code: 'TRANSITION_REFUSED',
    message: `${subject} cannot go from "${from}" to "${to}" (transition "${name}"): ${reason}`,
    details: { machine: machine.id, reason, from, to, transition: name, ...extra },
  })

  if (checkReason) {
    const reason = event.reason
    const given = typeof reason === 'string' && reason.trim() !== ''
    if (definition.requiresReason === true && !given) {
      return refuse('a reason is required', { rule: 'requires_reason' })
    }
    if (given && definition.reasons !== undefined && !definition.reasons.includes(reason)) {
      return refuse(`reason "${reason}" is not one of: ${definition.reasons.join(', ')}`, {
        rule: 'reasons',
        given: reason,
        allowedReasons: [...definition.reasons],
      })
    }
  }

  const input: GuardInput<C> = {
    machine,
    from,
    to: definition.to,
    transition: name,
    // Guards are typed against C; the engine supplies the context for guarded transitions.
    context: event.context as C,
    event,
  }
  for (const guard of ownValue(machine.guards, name) ?? []) {
    const verdict = guard.check(input)
    if (typeof verdict === 'string') {
      return refuse(verdict === '' ? `refused by guard "${guard.id}"` : verdict, { guard: guard.id })
    }
  }
  return { ok: true, definition, input }
}

function eventFor<C>(type: string, context: C | undefined): MachineEvent<C> {
  return context === undefined ? { type } : { type, context }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
