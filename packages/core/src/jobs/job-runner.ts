import { OrdoError } from '../errors.js'
import { backoffDelay, describe, LeaseLost } from '../events/outbox-relay.js'
import type { Runtime } from '../runtime.js'
import type { JobTable } from '../storage/kernel-schema.js'
import { newId } from '../storage/ids.js'
import { affected, insertIgnoringConflicts, skipLockedRows } from '../storage/sql-helpers.js'
import { retryTransient, runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import type { Job, RunDueResult, ScheduleOptions } from './job-types.js'

const RECURRING_KEY_PREFIX = 'recurring:'

/** Schedules a job inside a command's unit of work; returns the job id (the existing one for a known key). */
export async function scheduleJob(
  runtime: Runtime,
  uow: UnitOfWork,
  name: string,
  payload: unknown,
  options: ScheduleOptions = {},
): Promise<string> {
  const definition = runtime.jobs.get(name)
  if (!definition) {
    throw new OrdoError('UNKNOWN_JOB', `No job named "${name}" is registered; add it to the config's \`jobs\` or a plugin.`, {
      details: { name, known: [...runtime.jobs.keys()] },
    })
  }
  const id = newId()
  const row: JobTable = {
    id,
    name,
    unique_key: options.key ?? null,
    payload: JSON.stringify(payload ?? null),
    status: 'scheduled',
    run_at: (options.runAt ?? uow.now).getTime(),
    attempts: 0,
    max_attempts: options.maxAttempts ?? definition.maxAttempts ?? runtime.worker.maxAttempts,
    every_ms: null,
    locked_until: null,
    locked_by: null,
    last_error: null,
    created_at: uow.now.getTime(),
    finished_at: null,
  }
  if (options.key === undefined) {
    await uow.db.insertInto('ordo_job').values(row).execute()
  } else {
    await insertIgnoringConflicts(uow.db.insertInto('ordo_job').values(row), runtime.storage.capabilities).execute()
    const existing = await uow.db.selectFrom('ordo_job').select('id').where('unique_key', '=', options.key).executeTakeFirstOrThrow()
    if (existing.id !== id) return existing.id
  }
  uow.afterCommit(() => runtime.nudge())
  return id
}

/** Makes sure every recurring job has its row (one per name, shared by all processes). */
export async function ensureRecurringJobs(runtime: Runtime): Promise<void> {
  const now = runtime.clock.now().getTime()
  const rows: JobTable[] = [...runtime.jobs]
    .filter(([, definition]) => definition.every !== undefined)
    .map(([name, definition]) => ({
      id: newId(),
      name,
      unique_key: RECURRING_KEY_PREFIX + name,
      payload: 'null',
      status: 'scheduled',
      run_at: now,
      attempts: 0,
      max_attempts: definition.maxAttempts ?? runtime.worker.maxAttempts,
      every_ms: definition.every!,
      locked_until: null,
      locked_by: null,
      last_error: null,
      created_at: now,
      finished_at: null,
    }))
  if (rows.length === 0) return
  await insertIgnoringConflicts(runtime.db.insertInto('ordo_job').values(rows), runtime.storage.capabilities).execute()
  for (const row of rows) {
    // The interval may have changed in config since the row was created.
    await runtime.db.updateTable('ordo_job').set({ every_ms: row.every_ms }).where('unique_key', '=', row.unique_key).execute()
  }
}

/** Claims due jobs under a lease; a job whose worker died is claimable again once its lease ends. */
async function claimDueJobs(runtime: Runtime, limit: number, names?: readonly string[]): Promise<JobTable[]> {
  const { db, storage, workerId, worker: delivery } = runtime
  const now = runtime.clock.now().getTime()
  return retryTransient(runtime, () => db.transaction().execute(async (trx) => {
    let query = trx.selectFrom('ordo_job').select('id')
    if (names) query = query.where('name', 'in', names.length > 0 ? [...names] : [''])
    const due = await skipLockedRows(
      query
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'scheduled'), eb('run_at', '<=', now)]),
            eb.and([eb('status', '=', 'running'), eb('locked_until', '<', now)]),
          ]),
        )
        .orderBy('run_at')
        .orderBy('id')
        .limit(limit),
      storage.capabilities,
    ).execute()
    if (due.length === 0) return []
    const ids = due.map((r) => r.id)
    await trx
      .updateTable('ordo_job')
      .set({ status: 'running', locked_by: workerId, locked_until: now + delivery.leaseMs })
      .where('id', 'in', ids)
      .execute()
    return trx.selectFrom('ordo_job').selectAll().where('id', 'in', ids).orderBy('run_at').orderBy('id').execute()
  }))
}

/** Runs one claimed job: the job's writes and its completion commit together. */
async function runJob(runtime: Runtime, job: JobTable, result: RunDueResult): Promise<void> {
  const { workerId, worker: delivery, clock } = runtime
  const attempt = Number(job.attempts) + 1
  const recurring = job.every_ms !== null
  try {
    const definition = runtime.jobs.get(job.name)
    if (!definition) {
      throw new OrdoError('UNKNOWN_JOB', `No job named "${job.name}" is registered in this process.`)
    }
    await runInTransaction(runtime, async (uow) => {
      await definition.run(JSON.parse(job.payload), { uow, attempt, jobId: job.id })
      const finishedAt = uow.now.getTime()
      const done = await uow.db
        .updateTable('ordo_job')
        .set(
          recurring
            ? { status: 'scheduled', run_at: finishedAt + Number(job.every_ms), attempts: 0, finished_at: finishedAt, locked_by: null, locked_until: null, last_error: null }
            : { status: 'done', attempts: attempt, finished_at: finishedAt, locked_until: null, last_error: null },
        )
        .where('id', '=', job.id)
        .where('locked_by', '=', workerId)
        .where('status', '=', 'running')
        .executeTakeFirst()
      if (affected(done) !== 1) throw new LeaseLost()
    })
    result.completed++
  } catch (error) {
    if (error instanceof LeaseLost) return
    const now = clock.now().getTime()
    const exhausted = attempt >= Number(job.max_attempts)
    // A recurring job is never parked: after its last retry it waits for its next regular run.
    const patch = exhausted
      ? recurring
        ? { status: 'scheduled' as const, attempts: 0, run_at: now + Number(job.every_ms) }
        : { status: 'failed' as const, attempts: attempt, finished_at: now }
      : { status: 'scheduled' as const, attempts: attempt, run_at: now + backoffDelay(delivery, attempt) }
    await runtime.db
      .updateTable('ordo_job')
      .set({ ...patch, last_error: describe(error), locked_by: null, locked_until: null })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .execute()
    if (exhausted && !recurring) {
      result.failed++
      runtime.logger.error('Job failed for the last time.', { job: job.id, name: job.name, attempts: attempt, error })
    } else {
      result.retried++
      runtime.logger.warn('Job failed; it will run again.', { job: job.id, name: job.name, attempt, error })
    }
  }
}

/**
 * Runs every job due now (by the engine's clock), including jobs those jobs
 * schedule for now, until none is due. Bounded by `maxRounds` batches.
 */
export async function runDueJobs(runtime: Runtime, maxRounds = 1000, names?: readonly string[]): Promise<RunDueResult> {
  const result: RunDueResult = { completed: 0, retried: 0, failed: 0 }
  for (let round = 0; round < maxRounds; round++) {
    const jobs = await claimDueJobs(runtime, runtime.worker.batchSize, names)
    if (jobs.length === 0) break
    for (const job of jobs) await runJob(runtime, job, result)
  }
  return result
}

export function toJob(row: JobTable): Job {
  return {
    id: row.id,
    name: row.name,
    key: row.unique_key,
    payload: JSON.parse(row.payload),
    status: row.status,
    runAt: new Date(Number(row.run_at)),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    lastError: row.last_error,
    finishedAt: row.finished_at === null ? null : new Date(Number(row.finished_at)),
  }
}
