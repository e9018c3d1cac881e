import type { Kysely } from 'kysely'
import type { Emitter } from 'mitt'
import type { Clock } from './clock.js'
import type { AnyDomainEvent, DomainEventType } from './events/domain-events.js'
import type { EventHandler } from './events/event-handler.js'
import type { JobDefinition } from './jobs/job-types.js'
import type { Machine } from './machine/index.js'
import type { HookRunner } from './plugin/hook-runner.js'
import type { Database } from './storage/database.js'
import type { StorageDialect } from './storage/storage-dialect.js'
import type { Logger } from './logger.js'
import type { RevisionCache } from './storage/revisions.js'
import type { CommerceConfig } from './config.js'
import type { OrdoPlugin } from './plugin/define-plugin.js'

/** Settings of the outbox relay and the job runner, with defaults applied. */
export interface WorkerSettings {
  /** Attempts before an event delivery or a job is parked. */
  maxAttempts: number
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. */
  backoffMs: number
  maxBackoffMs: number
  /** How long a claimed delivery or job stays with its worker before another may take it. */
  leaseMs: number
  /** Rows claimed per round. */
  batchSize: number
}

/**
 * The engine's internals, shared by every module of one `createCommerce()`
 * instance. Not exported from the package: modules reach each other through
 * commands and events, not through this object.
 */
export interface Runtime {
  readonly db: Kysely<Database>
  readonly storage: StorageDialect
  readonly clock: Clock
  readonly currency: string
  /** The validated configuration the engine was created with. */
  readonly config: CommerceConfig
  /** The plugins from the config, in order (modules read their registrations: promotion types, adjusters…). */
  readonly plugins: readonly OrdoPlugin[]
  readonly hooks: HookRunner
  /** Filled at start-up by core modules, then plugins; read-only afterwards. */
  readonly machines: Map<string, RegisteredMachine>
  readonly bus: Emitter<{ [K in DomainEventType]: AnyDomainEvent & { type: K } }>
  readonly handlers: readonly EventHandler[]
  /** Handlers by event type, `*` for all. */
  readonly handlersByType: ReadonlyMap<string, readonly EventHandler[]>
  /** Filled at start-up by core modules, the config and plugins; read-only afterwards. */
  readonly jobs: Map<string, JobDefinition<any>>
  readonly worker: WorkerSettings
  /** Identifies this process in leases (`locked_by`). */
  readonly workerId: string
  readonly logger: Logger
  /** Reference data (catalog, automatic promotions, stock locations) kept between commands, checked against the database's revisions. */
  readonly revisions: RevisionCache
  /** Called after a commit that queued deliveries or jobs, to wake a running worker. */
  nudge(): void
}

/** A machine as the engine holds it: the definition plus the event its transitions emit. */
export interface RegisteredMachine {
  readonly machine: Machine<any>
  /** Event type emitted on each transition. */
  readonly event: DomainEventType
}
