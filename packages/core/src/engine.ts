import { hostname } from 'node:os'
import { Kysely } from 'kysely'
import mitt from 'mitt'
import { systemClock } from './clock.js'
import { parseConfig, type CommerceConfig } from './config.js'
import { OrdoError } from './errors.js'
import type { AnyDomainEvent, DomainEvent, DomainEventType } from './events/domain-events.js'
import type { EventHandler } from './events/event-handler.js'
import { relayOutbox, type RelayResult } from './events/outbox-relay.js'
import { runDueJobs, scheduleJob, ensureRecurringJobs, toJob } from './jobs/job-runner.js'
import type { Job, JobDefinition, RunDueResult, ScheduleOptions } from './jobs/job-types.js'
import { Worker } from './jobs/worker.js'
import { silentLogger } from './logger.js'
import { extendMachine, type Machine } from './machine/index.js'
import type { OrdoPlugin } from './plugin/define-plugin.js'
import { HookRunner } from './plugin/hook-runner.js'
import { HOOK_NAMES } from './plugin/hook-types.js'
import type { RegisteredMachine, Runtime } from './runtime.js'
import { CORE_MIGRATIONS, createModules, type CoreModules } from './modules.js'
import type { Database } from './storage/database.js'
import { newId } from './storage/ids.js'
import { RevisionCache } from './storage/revisions.js'
import { appliedMigrations, migrateToLatest, type OrdoMigration } from './storage/migration.js'
import { runInTransaction, type UnitOfWork } from './unit-of-work.js'
import { parseKey } from './validation.js'

/** A delivery that failed its last attempt and waits for a replay. */
export interface ParkedDelivery {
  deliveryId: string
  handlerId: string
  attempts: number
  lastError: string | null
  event: AnyDomainEvent
}

/** `shop.events`: in-process listeners, the outbox relay and parked deliveries. */
export interface EventsApi {
  /**
   * Listens in this process to events of `type` (or `'*'`), after their
   * command commits. Not durable: use an {@link EventHandler} in the config
   * for work that must survive a crash. Returns a function that unsubscribes.
   */
  on<T extends DomainEventType>(type: T, listener: (event: DomainEvent<T>) => void): () => void
  /** Listens in this process to every event, after its command commits. Returns a function that unsubscribes. */
  on(type: '*', listener: (event: AnyDomainEvent) => void): () => void
  /** Delivers every due outbox event to its durable handlers now (what the worker does in the background). */
  relay(): Promise<RelayResult>
  /** Deliveries parked after their last attempt, oldest first. */
  parked(options?: { limit?: number }): Promise<ParkedDelivery[]>
  /** Puts a parked delivery back in line for another round of attempts. */
  replay(deliveryId: string): Promise<void>
  /** Events about one aggregate (an order, a payment…), oldest first. */
  forAggregate(aggregateId: string): Promise<AnyDomainEvent[]>
}

/** `shop.jobs`: scheduled work kept in the database. */
export interface JobsApi {
  /** Schedules a registered job; returns its id (with `key`, the id of the job already scheduled under that key). */
  schedule(name: string, payload?: unknown, options?: ScheduleOptions): Promise<string>
  /** Runs every job due by the engine's clock, now, in this process; with `names`, only jobs of those names. */
  runDue(options?: { names?: readonly string[] }): Promise<RunDueResult>
  /** The job with this id, or `undefined` when there is none. */
  get(id: string): Promise<Job | undefined>
  /** Jobs in order of `runAt`, optionally only those with a `status` or `name`; at most `limit` (default 100). */
  list(filter?: { status?: Job['status']; name?: string; limit?: number }): Promise<Job[]>
}

/** `shop.storage`: what the engine stores where. */
export interface StorageApi {
  /** The dialect's name: `sqlite`, `postgres`, `mysql`… */
  readonly dialect: string
  /** Applied migrations, in order. */
  migrations(): Promise<string[]>
  /** Applies pending migrations; returns the names applied now. */
  migrate(): Promise<string[]>
}

/**
 * The engine a shop holds: one object with a namespace per module. Each
 * `createCommerce()` is independent; nothing is global.
 */
export interface Commerce extends CoreModules {
  /** The shop's base currency. */
  readonly currency: string
  readonly events: EventsApi
  readonly jobs: JobsApi
  /** The background loop: outbox relay and due jobs. */
  readonly worker: Worker
  /** The state machines in force, after config and plugins changed them. */
  readonly machines: ReadonlyMap<string, Machine<any>>
  readonly storage: StorageApi
  /**
   * Runs your own code as one unit of work with the engine: read and write
   * through `uow.db`, emit events, take machine transitions; it all commits
   * together or not at all.
   */
  run<T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T>
  /** Stops the worker and closes the database connections. */
  close(): Promise<void>
}

/**
 * Entries per cached kind (variants, their offers, …) a process keeps of the
 * reference data between commands; the least recently used go first. Ten
 * thousand variant summaries with their prices take a few MB.
 */
const CACHE_ENTRIES = 10_000

/**
 * Creates the engine: validates the config, connects, applies migrations and
 * returns the shop.
 *
 * @example
 * ```ts
 * import { createCommerce } from '@ordo/core'
 * import { sqliteStorage } from '@ordo/storage-sqlite'
 *
 * const shop = await createCommerce({ storage: sqliteStorage({ filename: 'shop.db' }), currency: 'RUB' })
 * shop.worker.start()
 * ```
 */
export async function createCommerce(input: CommerceConfig): Promise<Commerce> {
  const config = parseConfig(input)
  const plugins = config.plugins ?? []
  checkPluginIds(plugins)

  const hooks = buildHooks(plugins)
  const userHandlers = [...(config.eventHandlers ?? []), ...plugins.flatMap((p) => p.eventHandlers ?? [])]
  collect('event handler', [{ owner: 'config and plugins', entries: userHandlers.map((h) => [h.id, h] as const) }])
  // Filled after the core modules are created: they bring handlers of their own.
  const handlers: EventHandler[] = []
  const handlersByType = new Map<string, EventHandler[]>()

  const db = new Kysely<Database>({ dialect: config.storage.createDialect() })
  let worker: Worker | undefined
  const runtime: Runtime = {
    db,
    storage: config.storage,
    clock: config.clock ?? systemClock,
    currency: config.currency,
    config,
    plugins,
    hooks,
    machines: new Map(),
    bus: mitt(),
    handlers,
    handlersByType,
    jobs: new Map(),
    worker: {
      maxAttempts: config.worker?.maxAttempts ?? 10,
      backoffMs: config.worker?.backoffMs ?? 1000,
      maxBackoffMs: config.worker?.maxBackoffMs ?? 3_600_000,
      leaseMs: config.worker?.leaseMs ?? 60_000,
      batchSize: config.worker?.batchSize ?? 100,
    },
    workerId: `${hostname().slice(0, 30)}:${process.pid}:${newId().slice(-8)}`,
    logger: config.logger ?? silentLogger,
    revisions: new RevisionCache(CACHE_ENTRIES),
    nudge: () => worker?.nudge(),
  }
  worker = new Worker(runtime)

  // Core modules register their machines and jobs on the runtime; then the
  // config's and the plugins' additions are checked against them.
  const { apis: modules, handlers: moduleHandlers } = createModules(runtime)
  handlers.push(...moduleHandlers, ...userHandlers)
  collect('event handler', [
    { owner: 'core', entries: moduleHandlers.map((h) => [h.id, h] as const) },
    { owner: 'config and plugins', entries: userHandlers.map((h) => [h.id, h] as const) },
  ])
  for (const handler of handlers) {
    for (const type of handler.events === '*' ? ['*'] : handler.events) {
      handlersByType.set(type, [...(handlersByType.get(type) ?? []), handler])
    }
  }
  addJobs(runtime, [
    { owner: 'config', entries: Object.entries(config.jobs ?? {}) },
    ...plugins.map((p) => ({ owner: `plugin "${p.id}"`, entries: Object.entries(p.jobs ?? {}) })),
  ])
  addPluginMachines(runtime.machines, plugins)

  const allMigrations = [
    ...CORE_MIGRATIONS.map((migration) => ({ owner: 'core', migration })),
    ...plugins.flatMap((p) => (p.migrations ?? []).map((migration) => ({ owner: `plugin/${p.id}`, migration }))),
  ]
  try {
    await config.storage.onOpen?.(db)
    if (config.migrate !== false) await migrateToLatest(db, config.storage, allMigrations)
    await ensureRecurringJobs(runtime)
  } catch (error) {
    await db.destroy().catch(() => {})
    if (error instanceof OrdoError) throw error
    throw new OrdoError('STORAGE', `Could not open ${config.storage.name} storage: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    })
  }

  let closed = false
  const guard = <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      if (closed) return Promise.reject(new OrdoError('CLOSED', 'This shop was closed; create a new one with createCommerce().'))
      return f(...args)
    }
  const run = guard(<T>(fn: (uow: UnitOfWork) => Promise<T>) => runInTransaction(runtime, fn))

  const events: EventsApi = {
    on(type: string, listener: (event: any) => void) {
      if (type === '*') {
        const wrapped = (_type: unknown, event: unknown) => listener(event)
        runtime.bus.on('*', wrapped)
        return () => runtime.bus.off('*', wrapped)
      }
      runtime.bus.on(type as DomainEventType, listener)
      return () => runtime.bus.off(type as DomainEventType, listener)
    },
    relay: guard(async () => {
      const total: RelayResult = { delivered: 0, retried: 0, parked: 0 }
      for (let round = 0; round < 1000; round++) {
        const r = await relayOutbox(runtime)
        total.delivered += r.delivered
        total.retried += r.retried
        total.parked += r.parked
        if (r.delivered + r.retried + r.parked === 0) break
      }
      return total
    }),
    parked: guard(async (options?: { limit?: number }) => {
      const rows = await db
        .selectFrom('ordo_event_delivery as d')
        .innerJoin('ordo_event as e', 'e.id', 'd.event_id')
        .select(['d.id as deliveryId', 'd.handler_id as handlerId', 'd.attempts as attempts', 'd.last_error as lastError'])
        .select(['e.id as eventId', 'e.type as type', 'e.aggregate_id as aggregateId', 'e.payload as payload', 'e.occurred_at as occurredAt'])
        .where('d.status', '=', 'parked')
        .orderBy('e.occurred_at')
        .orderBy('d.id')
        .limit(options?.limit ?? 100)
        .execute()
      return rows.map((r) => ({
        deliveryId: r.deliveryId,
        handlerId: r.handlerId,
        attempts: Number(r.attempts),
        lastError: r.lastError,
        event: toEvent(r),
      }))
    }),
    replay: guard(async (deliveryId: string) => {
      parseKey('events.replay', deliveryId)
      const now = runtime.clock.now().getTime()
      const result = await db
        .updateTable('ordo_event_delivery')
        .set({ status: 'pending', attempts: 0, next_attempt_at: now, locked_by: null, locked_until: null })
        .where('id', '=', deliveryId)
        .where('status', '=', 'parked')
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) !== 1) {
        throw new OrdoError('NOT_FOUND', `No parked delivery "${deliveryId}".`, { details: { deliveryId } })
      }
      runtime.nudge()
    }),
    forAggregate: guard(async (aggregateId: string) => {
      parseKey('events.forAggregate', aggregateId)
      const rows = await db
        .selectFrom('ordo_event')
        .select(['id as eventId', 'type', 'aggregate_id as aggregateId', 'payload', 'occurred_at as occurredAt'])
        .where('aggregate_id', '=', aggregateId)
        .orderBy('occurred_at')
        .orderBy('id')
        .execute()
      return rows.map(toEvent)
    }),
  } as EventsApi

  const jobsApi: JobsApi = {
    schedule: guard((name: string, payload?: unknown, options?: ScheduleOptions) =>
      runInTransaction(runtime, (uow) => scheduleJob(runtime, uow, name, payload, options)),
    ),
    runDue: guard((options?: { names?: readonly string[] }) => runDueJobs(runtime, 1000, options?.names)),
    get: guard(async (id: string) => {
      parseKey('jobs.get', id)
      const row = await db.selectFrom('ordo_job').selectAll().where('id', '=', id).executeTakeFirst()
      return row ? toJob(row) : undefined
    }),
    list: guard(async (filter = {}) => {
      let query = db.selectFrom('ordo_job').selectAll().orderBy('run_at').orderBy('id').limit(filter.limit ?? 100)
      if (filter.status) query = query.where('status', '=', filter.status)
      if (filter.name) query = query.where('name', '=', filter.name)
      return (await query.execute()).map(toJob)
    }),
  }

  return {
    currency: config.currency,
    events,
    jobs: jobsApi,
    worker,
    machines: new Map([...runtime.machines].map(([id, m]) => [id, m.machine])),
    ...modules,
    storage: {
      dialect: config.storage.name,
      migrations: guard(() => appliedMigrations(db, config.storage)),
      migrate: guard(() => migrateToLatest(db, config.storage, allMigrations)),
    },
    run,
    async close() {
      if (closed) return
      closed = true
      await worker.stop()
      // Visits and exposures queued in memory are written before the connections go.
      await Promise.allSettled([modules.tracking.flush(), modules.experiments.flush()])
      await db.destroy()
    },
  }
}

function toEvent(row: { eventId: string; type: string; aggregateId: string | null; payload: string; occurredAt: number }): AnyDomainEvent {
  return {
    id: row.eventId,
    type: row.type,
    aggregateId: row.aggregateId,
    occurredAt: new Date(Number(row.occurredAt)),
    data: JSON.parse(row.payload),
  } as AnyDomainEvent
}

function checkPluginIds(plugins: readonly OrdoPlugin[]): void {
  const seen = new Set<string>()
  for (const plugin of plugins) {
    if (seen.has(plugin.id)) {
      throw new OrdoError('INVALID_PLUGIN', `Two plugins have the id "${plugin.id}"; plugin ids must be unique.`, {
        details: { plugin: plugin.id },
      })
    }
    seen.add(plugin.id)
  }
}

/** Machines brought by plugins, then every extension, in plugin order. */
function addPluginMachines(machines: Map<string, RegisteredMachine>, plugins: readonly OrdoPlugin[]): void {
  for (const plugin of plugins) {
    for (const { machine, event } of plugin.machines ?? []) {
      if (machines.has(machine.id)) {
        throw new OrdoError('INVALID_PLUGIN', `Plugin "${plugin.id}" defines machine "${machine.id}", which already exists; extend it with extendMachines instead.`, {
          details: { plugin: plugin.id, machine: machine.id },
        })
      }
      machines.set(machine.id, { machine, event: event ?? 'state.changed' })
    }
  }
  for (const plugin of plugins) {
    for (const [id, extension] of Object.entries(plugin.extendMachines ?? {})) {
      const registered = machines.get(id)
      if (!registered) {
        throw new OrdoError('INVALID_PLUGIN', `Plugin "${plugin.id}" extends machine "${id}", which does not exist (known: ${[...machines.keys()].join(', ') || 'none'}).`, {
          details: { plugin: plugin.id, machine: id },
        })
      }
      machines.set(id, { ...registered, machine: extendMachine(registered.machine, extension) })
    }
  }
}

/** Adds jobs from the config and plugins; a name already taken (by core or another owner) is an error. */
function addJobs(runtime: Runtime, groups: { owner: string; entries: readonly (readonly [string, JobDefinition<any>])[] }[]): void {
  const taken = collect('job', [{ owner: 'core', entries: [...runtime.jobs] }, ...groups])
  for (const [name, definition] of taken) runtime.jobs.set(name, definition)
}

function buildHooks(plugins: readonly OrdoPlugin[]): HookRunner {
  const runner = new HookRunner()
  const known = new Set<string>(HOOK_NAMES)
  for (const plugin of plugins) {
    for (const phase of ['before', 'after'] as const) {
      for (const [name, hook] of Object.entries(plugin.hooks?.[phase] ?? {})) {
        if (!known.has(name)) {
          throw new OrdoError('INVALID_PLUGIN', `Plugin "${plugin.id}" declares a ${phase} hook "${name}", which does not exist (known: ${[...known].join(', ')}).`, {
            details: { plugin: plugin.id, hook: name },
          })
        }
        if (typeof hook !== 'function') {
          throw new OrdoError('INVALID_PLUGIN', `Plugin "${plugin.id}": ${phase} hook "${name}" must be a function.`, {
            details: { plugin: plugin.id, hook: name },
          })
        }
        if (phase === 'before') runner.addBefore(name as never, plugin.id, hook as never)
        else runner.addAfter(name as never, plugin.id, hook as never)
      }
    }
  }
  return runner
}

function collect<T>(what: string, groups: { owner: string; entries: readonly (readonly [string, T])[] }[]): Map<string, T> {
  const map = new Map<string, T>()
  const owners = new Map<string, string>()
  for (const { owner, entries } of groups) {
    for (const [name, value] of entries) {
      if (map.has(name)) {
        throw new OrdoError('INVALID_PLUGIN', `The ${what} "${name}" is declared twice (by ${owners.get(name)} and by ${owner}).`, {
          details: { [what === 'job' ? 'job' : 'handler']: name },
        })
      }
      map.set(name, value)
      owners.set(name, owner)
    }
  }
  return map
}
