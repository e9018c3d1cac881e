import type { UnitOfWork } from '../unit-of-work.js'

/** Input and result of the `transition` hook: an entity moving through a state machine. */
export interface TransitionHookInput {
  readonly machine: string
  readonly entityId: string
  readonly transition: string
  readonly from: string
  readonly to: string
  readonly actor: string
  readonly reason: string | null
  readonly note: string | null
}

/**
 * Every hook by name, with what `before` hooks receive (and may rewrite) and
 * what `after` hooks see. Modules add their hooks here.
 */
export interface HookMap {
  /** Any persisted state-machine transition (orders, payments, shipments, plugin machines). */
  transition: { input: TransitionHookInput; result: { from: string; to: string } }
}

/** A hook name. */
export type HookName = keyof HookMap & string

/** The runtime list of hook names: plugins naming any other hook are rejected at start-up. */
export const HOOK_NAMES = ['transition'] as const satisfies readonly HookName[]

/** What a hook sees besides its input. */
export interface HookContext {
  /** The command's unit of work: read with `uow.db`, emit events; everything commits or rolls back together. */
  readonly uow: UnitOfWork
  /** The id of the plugin the hook belongs to. */
  readonly pluginId: string
}

/**
 * What a `before` hook returns: nothing to let the command go on, `{ reject }`
 * to veto it (nothing is written), or `{ input }` to go on with a rewritten input.
 */
export type BeforeHookResult<I> = void | undefined | { reject: string } | { input: I }

/** A hook that runs before the command, inside its transaction. */
export type BeforeHook<K extends HookName> = (
  input: HookMap[K]['input'],
  context: HookContext,
) => BeforeHookResult<HookMap[K]['input']> | Promise<BeforeHookResult<HookMap[K]['input']>>

/** A hook that runs after the command, inside its transaction; throwing aborts the command. */
export type AfterHook<K extends HookName> = (
  input: HookMap[K]['input'],
  result: HookMap[K]['result'],
  context: HookContext,
) => void | Promise<void>

/** The hooks a plugin declares, by name. */
export interface PluginHooks {
  before?: { [K in HookName]?: BeforeHook<K> }
  after?: { [K in HookName]?: AfterHook<K> }
}
