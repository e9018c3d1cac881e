import type { UnitOfWork } from '../unit-of-work.js'

/** What a job's `run` receives besides its payload. */
export interface JobContext {
  /** A transaction of its own, committed together with the job's completion record. */
  readonly uow: UnitOfWork
  /** 1 on the first run, 2 on the first retry… */
  readonly attempt: number
  readonly jobId: string
}

/**
 * A kind of scheduled work, registered by name in the config or by a plugin.
 * Jobs are rows in the database: they survive restarts, run once even with
 * many workers (lease + `FOR UPDATE SKIP LOCKED`), retry with backoff and are
 * parked as `failed` after `maxAttempts`.
 *
 * @example
 * ```ts
 * const shop = await createCommerce({
 *   storage, currency: 'RUB',
 *   jobs: {
 *     'crm.sync': { every: 60_000, run: async (_payload, { uow }) => syncCrm(uow) },
 *     'mail.digest': { run: async (payload: { customerId: string }) => sendDigest(payload.customerId) },
 *   },
 * })
 * await shop.jobs.schedule('mail.digest', { customerId: 'c1' }, { runAt: tomorrow })
 * ```
 */
export interface JobDefinition<P = unknown> {
  /** Does the work. Throwing fails this run: it is retried with backoff, then marked `failed` after the last attempt. */
  run(payload: P, context: JobContext): void | Promise<void>
  /** Milliseconds between runs: makes the job recurring, scheduled by the engine at start-up. */
  readonly every?: number
  /** @default the engine's `jobs.maxAttempts` */
  readonly maxAttempts?: number
}

/** A scheduled job as `shop.jobs.get()` and `shop.jobs.list()` return it. */
export interface Job {
  id: string
  name: string
  key: string | null
  payload: unknown
  status: 'scheduled' | 'running' | 'done' | 'failed'
  runAt: Date
  attempts: number
  maxAttempts: number
  lastError: string | null
  finishedAt: Date | null
}

/** Options of `shop.jobs.schedule()`. */
export interface ScheduleOptions {
  /** When to run. @default now */
  runAt?: Date
  /** De-duplication key: a job with the same key already scheduled (or done) is kept and returned instead. */
  key?: string
  /** @default the definition's or the engine's */
  maxAttempts?: number
}

/** What one `runDue()` call did. */
export interface RunDueResult {
  completed: number
  retried: number
  failed: number
}
