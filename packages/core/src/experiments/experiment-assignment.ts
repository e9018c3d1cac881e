import { createHash } from 'node:crypto'
import type { ExperimentVariant } from './experiments-types.js'

/**
 * A uniform number in `[0, 1)` from SHA-256 of `<experimentKey>:<visitorId>`
 * (its first 52 bits): the same visitor always lands at the same point of an
 * experiment, and points of different experiments are independent.
 */
export function assignmentPoint(experimentKey: string, visitorId: string): number {
  const digest = createHash('sha256').update(`${experimentKey}:${visitorId}`).digest()
  // 52 bits fit a double exactly: 20 high bits and 32 low bits.
  const high = digest.readUInt32BE(0) >>> 12
  const low = digest.readUInt32BE(4)
  return (high * 2 ** 32 + low) / 2 ** 52
}

/**
 * The variant a visitor gets: the weights cut `[0, 1)` into consecutive
 * intervals, in variant order, and the visitor's {@link assignmentPoint}
 * falls in one. Deterministic: no state, the same answer in every process.
 *
 * @example
 * ```ts
 * assignVariant('button-color', 'visitor-42', [{ key: 'control', weight: 1 }, { key: 'green', weight: 1 }]) // 'green', always
 * ```
 */
export function assignVariant(experimentKey: string, visitorId: string, variants: readonly ExperimentVariant[]): string {
  const total = variants.reduce((sum, v) => sum + v.weight, 0)
  const point = assignmentPoint(experimentKey, visitorId) * total
  let upTo = 0
  for (const variant of variants) {
    upTo += variant.weight
    if (point < upTo) return variant.key
  }
  return variants[variants.length - 1]!.key
}
