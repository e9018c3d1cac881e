import { z } from 'zod'
import { OrdoError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import { insertIgnoringConflicts } from '../storage/sql-helpers.js'
import { BatchWriter } from '../tracking/batch-writer.js'
import type { TrackingSettings } from '../tracking/tracking-module.js'
import { parseInput, parseKey } from '../validation.js'
import { assignVariant } from './experiment-assignment.js'
import type { ExperimentExposureTable } from './experiments-schema.js'
import type { DefineExperimentInput, Experiment, ExperimentVariant } from './experiments-types.js'

/**
 * `shop.experiments`: A/B tests. A visitor's variant is a pure function of the
 * experiment key, the visitor id and the weights (SHA-256 of key and visitor
 * → a uniform point → the variant whose interval holds it), so every process
 * gives the same answer with no lookup. The first assignment of a visitor is
 * recorded as an exposure, in batches like visits.
 *
 * A conversion is an exposed visitor who placed an order afterwards: the
 * storefront passes the same `visitorId` to `shop.tracking.visit()` and the
 * session id to `shop.carts.create({ sessionId })`, and orders keep their
 * cart's session. `shop.reports.experiment(key)` compares the variants.
 *
 * @example
 * ```ts
 * await shop.experiments.define({ key: 'green-button', variants: [{ key: 'control', weight: 1 }, { key: 'green', weight: 1 }] })
 * const variant = await shop.experiments.assign('green-button', visitorId) // 'control' | 'green'
 * ```
 */
export interface ExperimentsApi {
  /** Defines an experiment; defining it again with the same variants returns it, with other variants is a `CONFLICT` (that would move visitors between arms). */
  define(input: DefineExperimentInput): Promise<Experiment>
  /** The experiment, or undefined. */
  get(key: string): Promise<Experiment | undefined>
  /** The visitor's variant (`NOT_FOUND` for an undefined experiment); records the exposure once per visitor without waiting for the database. */
  assign(experimentKey: string, visitorId: string): Promise<string>
  /** Writes every queued exposure now. */
  flush(): Promise<void>
}

const keySchema = z.string().trim().min(1).max(100)
const defineSchema = z.strictObject({
  key: keySchema,
  variants: z
    .array(z.strictObject({ key: keySchema, weight: z.number().int().positive().max(1_000_000) }))
    .min(2)
    .max(20)
    .refine((vs) => new Set(vs.map((v) => v.key)).size === vs.length, 'variant keys must be unique'),
})
const visitorSchema = z.string().trim().min(1).max(64)
/** Exposure keys remembered in memory to skip re-queueing them; past it the memory starts over (the table's key still de-duplicates). */
const REMEMBERED = 200_000

/** Creates the experiments module. */
export function createExperimentsModule(runtime: Runtime, tracking: Pick<TrackingSettings, 'batchSize' | 'flushIntervalMs'>): { api: ExperimentsApi } {
  const definitions = new Map<string, Experiment>()
  const exposed = new Set<string>()
  const exposures = new BatchWriter<ExperimentExposureTable>(
    'experiments.exposure',
    { maxRows: tracking.batchSize, maxDelayMs: tracking.flushIntervalMs, maxHeld: Math.max(tracking.batchSize * 200, 100_000) },
    async (rows) => {
      await insertIgnoringConflicts(runtime.db.insertInto('ordo_experiment_exposure').values(rows), runtime.storage.capabilities).execute()
    },
    runtime.logger,
  )

  function toExperiment(row: { key: string; variants: string; created_at: number }): Experiment {
    return { key: row.key, variants: JSON.parse(row.variants) as ExperimentVariant[], createdAt: new Date(Number(row.created_at)) }
  }

  async function load(key: string): Promise<Experiment | undefined> {
    const cached = definitions.get(key)
    if (cached) return cached
    const row = await runtime.db.selectFrom('ordo_experiment').selectAll().where('key', '=', key).executeTakeFirst()
    if (!row) return undefined
    const experiment = toExperiment(row)
    definitions.set(key, experiment)
    return experiment
  }

  const same = (a: readonly ExperimentVariant[], b: readonly ExperimentVariant[]) =>
    a.length === b.length && a.every((v, i) => v.key === b[i]!.key && v.weight === b[i]!.weight)

  const api: ExperimentsApi = {
    async define(input) {
      const data = parseInput('experiments.define', defineSchema, input)
      const variants = data.variants.map((v) => ({ key: v.key, weight: v.weight }))
      await insertIgnoringConflicts(
        runtime.db.insertInto('ordo_experiment').values({ key: data.key, variants: JSON.stringify(variants), created_at: runtime.clock.now().getTime() }),
        runtime.storage.capabilities,
      ).execute()
      definitions.delete(data.key)
      const stored = (await load(data.key))!
      if (!same(stored.variants, variants)) {
        throw new OrdoError('CONFLICT', `Experiment "${data.key}" is already defined with other variants; define a new key instead of moving visitors between arms.`, {
          details: { key: data.key, variants: stored.variants },
        })
      }
      return stored
    },

    async get(key) {
      return load(parseKey('experiments.get', key))
    },

    async assign(experimentKey, visitorId) {
      const key = parseInput('experiments.assign', keySchema, experimentKey)
      const visitor = parseInput('experiments.assign', visitorSchema, visitorId)
      const experiment = await load(key)
      if (!experiment) throw new OrdoError('NOT_FOUND', `No experiment "${key}"; define it with shop.experiments.define().`, { details: { key } })
      const variant = assignVariant(key, visitor, experiment.variants)
      const seen = `${key}\u0000${visitor}`
      if (!exposed.has(seen)) {
        if (exposed.size >= REMEMBERED) exposed.clear()
        exposed.add(seen)
        exposures.add({ experiment_key: key, visitor_id: visitor, variant, at: runtime.clock.now().getTime() })
      }
      return variant
    },

    flush: () => exposures.flush(),
  }
  return { api }
}
