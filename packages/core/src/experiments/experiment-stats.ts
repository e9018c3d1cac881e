/** The two functions of the normal distribution the z-test needs. */
interface NormalDistribution {
  cdf(x: number, mu: number, sigma: number): number
  quantile(p: number, mu: number, sigma: number): number
}

let normal: Promise<NormalDistribution> | undefined

/**
 * Loads @stdlib's normal distribution on first use and keeps it: only
 * experiment reports need it, and loading it with core would cost every
 * process several MB of memory. A failed load is retried on the next call.
 */
function normalDistribution(): Promise<NormalDistribution> {
  normal ??= Promise.all([import('@stdlib/stats-base-dists-normal-cdf'), import('@stdlib/stats-base-dists-normal-quantile')]).then(
    ([cdf, quantile]) => ({ cdf: cdf.default, quantile: quantile.default }),
    (error: unknown) => {
      normal = undefined
      throw error
    },
  )
  return normal
}

/** Conversions out of trials (exposures) in one arm. */
export interface ProportionSample {
  trials: number
  successes: number
}

/** Comparison of a variant's conversion rate with the control's. */
export interface ProportionComparison {
  /** Variant rate − control rate. */
  difference: number
  /** The pooled two-proportion z statistic; null when it is undefined (an empty arm, or no variance at all). */
  z: number | null
  /** Two-sided p-value of the z-test; null when `z` is. */
  pValue: number | null
  /** Confidence interval of the difference (unpooled Wald); null when an arm is empty. */
  confidenceInterval: [number, number] | null
}

/**
 * The two-proportion z-test of `variant` against `control`: pooled standard
 * error for the test statistic, unpooled for the confidence interval of the
 * difference (the textbook normal approximation, fine for the hundreds of
 * exposures an A/B test has). Asynchronous because the normal distribution is
 * loaded on first use.
 *
 * @example
 * ```ts
 * await twoProportionTest({ trials: 200, successes: 140 }, { trials: 340, successes: 255 }, 0.95)
 * // { difference: 0.05, z: 1.266, pValue: 0.2055, confidenceInterval: [-0.0284, 0.1284] }
 * ```
 */
export async function twoProportionTest(control: ProportionSample, variant: ProportionSample, confidenceLevel = 0.95): Promise<ProportionComparison> {
  if (control.trials === 0 || variant.trials === 0) return { difference: 0, z: null, pValue: null, confidenceInterval: null }
  const { cdf, quantile } = await normalDistribution()
  const p1 = control.successes / control.trials
  const p2 = variant.successes / variant.trials
  const difference = p2 - p1
  const pooled = (control.successes + variant.successes) / (control.trials + variant.trials)
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / control.trials + 1 / variant.trials))
  const z = pooledSe === 0 ? null : difference / pooledSe
  const pValue = z === null ? null : Math.min(1, 2 * (1 - cdf(Math.abs(z), 0, 1)))
  const se = Math.sqrt((p1 * (1 - p1)) / control.trials + (p2 * (1 - p2)) / variant.trials)
  const critical = quantile(1 - (1 - confidenceLevel) / 2, 0, 1)
  return { difference, z, pValue, confidenceInterval: [difference - critical * se, difference + critical * se] }
}
