/** One arm of an experiment and its share of visitors. */
export interface ExperimentVariant {
  /** Stable key, e.g. `control`, `green-button`. */
  key: string
  /** Relative weight: a variant of weight 2 gets twice the visitors of one of weight 1. */
  weight: number
}

/** Input of `shop.experiments.define()`. The first variant is the control the others are compared with. */
export interface DefineExperimentInput {
  /** Stable key, e.g. `checkout-button-2026-03`. */
  key: string
  /** Two to twenty variants with positive integer weights. */
  variants: ExperimentVariant[]
}

/** A defined experiment. */
export interface Experiment {
  key: string
  /** In definition order; the first is the control. */
  variants: ExperimentVariant[]
  createdAt: Date
}
