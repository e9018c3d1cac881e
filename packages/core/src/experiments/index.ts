/**
 * Experiments: deterministic variant assignment by hash with weights, batched
 * exposures and the significance test the experiment report uses —
 * `shop.experiments`.
 *
 * @module
 */
export type { ExperimentsApi } from './experiments-module.js'
export { assignmentPoint, assignVariant } from './experiment-assignment.js'
export { twoProportionTest, type ProportionComparison, type ProportionSample } from './experiment-stats.js'
export type { DefineExperimentInput, Experiment, ExperimentVariant } from './experiments-types.js'
