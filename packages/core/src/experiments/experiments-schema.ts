/** A defined experiment: its variants and their weights. */
export interface ExperimentTable {
  key: string
  /** JSON array of `{ key, weight }`, the first being the control. */
  variants: string
  created_at: number
}

/** The first time a visitor was assigned a variant of an experiment: one row per experiment and visitor. */
export interface ExperimentExposureTable {
  experiment_key: string
  visitor_id: string
  variant: string
  at: number
}
