import type { EventHandler } from '../events/event-handler.js'
import type { JobDefinition } from '../jobs/job-types.js'
import type { Machine, MachineExtension } from '../machine/index.js'
import type { OrdoMigration } from '../storage/migration.js'
import type { DomainEventType } from '../events/domain-events.js'
import type { PluginHooks } from './hook-types.js'

/** A machine a plugin brings, with the event its transitions emit. */
export interface PluginMachine {
  readonly machine: Machine<any>
  /** @default `state.changed` */
  readonly event?: DomainEventType
}

/**
 * A plugin: a plain object that adds to the engine. Everything is optional
 * but `id`.
 */
export interface OrdoPlugin {
  /** Unique, stable id; used in migration names, delivery records and error messages. */
  readonly id: string
  /** `before` hooks (veto or rewrite) and `after` hooks (react), by hook name. */
  readonly hooks?: PluginHooks
  /** New state machines the plugin owns (drive them with `uow.transition`). */
  readonly machines?: readonly PluginMachine[]
  /** Changes to existing machines: add states, transitions and guards, remove states. */
  readonly extendMachines?: Readonly<Record<string, MachineExtension<any>>>
  /** Schema changes for the plugin's own tables, applied in order at start-up. */
  readonly migrations?: readonly OrdoMigration[]
  /** Durable event handlers, delivered through the outbox. */
  readonly eventHandlers?: readonly EventHandler<any>[]
  /** Scheduled work, by job name (prefix names with the plugin id). */
  readonly jobs?: Readonly<Record<string, JobDefinition<any>>>
}

/**
 * Declares a plugin. It returns its argument: the point is the type check.
 *
 * @example
 * ```ts
 * export const noFridayCancels = definePlugin({
 *   id: 'no-friday-cancels',
 *   hooks: {
 *     before: {
 *       transition: (input, { uow }) =>
 *         input.to === 'cancelled' && uow.now.getUTCDay() === 5 ? { reject: 'no cancellations on Fridays' } : undefined,
 *     },
 *   },
 * })
 * ```
 */
export function definePlugin<const P extends OrdoPlugin>(plugin: P): P {
  return plugin
}
