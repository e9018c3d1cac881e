// The bench harness: the shape of a scenario and of the figures it reports,
// plus the few helpers every scenario needs (a timer, percentiles, figure()).
//
// A figure always compares Ordo with a baseline measured in the same run on the
// same machine (e.g. raw better-sqlite3 doing the same inserts), so the ratio
// means something across machines even when the absolute numbers do not.

/**
 * One measured number, printed by the runner as one JSON line and saved in
 * `bench/results/latest.json`.
 *
 * `ratio` is always "how Ordo compares with the baseline, higher is better":
 * - throughput units (anything but `ms`, e.g. `events/s`, `orders/s`):
 *   `ratio = value / baseline`;
 * - latency in `ms`: `ratio = baseline / value`.
 *
 * So `ratio: 0.25` means Ordo reaches a quarter of the baseline's throughput,
 * or takes four times the baseline's time.
 */
export interface BenchFigure {
  /** Dotted name, `<area>.<what>.<dialect>`, e.g. `outbox.relay.sqlite`. */
  name: string
  /** `ms` for latency; a rate such as `events/s` for throughput. */
  unit: string
  /** Ordo's number: p50 for latency, the overall rate for throughput. */
  value: number
  /** The baseline's number, in the same unit. */
  baseline: number
  /** What the baseline is, in words. */
  baselineLabel: string
  /** See {@link BenchFigure}: higher is better, 1 = as fast as the baseline. */
  ratio: number
  /** Latency figures: Ordo's p95. */
  p95?: number
  /** Latency figures: the baseline's p95. */
  baselineP95?: number
  /** Scenario-specific extras (`statementsPerOrder`, `peakRssMb`, …). */
  [extra: string]: unknown
}

/** A benchmark scenario: one module in `bench/scenarios/`, default-exported. */
export interface BenchScenario {
  /** Dotted name the runner filters on by prefix (`npm run bench -- outbox`). */
  name: string
  /** Runs the scenario and its baseline; returns the figures to report. */
  run(): Promise<BenchFigure[]>
}

/** Declares a scenario with its shape checked. */
export function defineScenario(scenario: BenchScenario): BenchScenario {
  return scenario
}

/** A started stopwatch: `ms()` is the time since it started, with sub-millisecond resolution. */
export interface Timer {
  ms(): number
  seconds(): number
}

/** Starts a stopwatch on the monotonic high-resolution clock. */
export function startTimer(): Timer {
  const start = process.hrtime.bigint()
  const ms = () => Number(process.hrtime.bigint() - start) / 1e6
  return { ms, seconds: () => ms() / 1000 }
}

/** Runs `fn` once and returns its result and how long it took in ms. */
export async function timed<T>(fn: () => T | Promise<T>): Promise<{ result: T; ms: number }> {
  const timer = startTimer()
  const result = await fn()
  return { result, ms: timer.ms() }
}

/**
 * The `p`-th percentile (0–100) of `samples` by linear interpolation between
 * closest ranks (the same definition as numpy's default). Throws on no samples.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile() of no samples')
  if (p < 0 || p > 100) throw new Error(`percentile ${p} is outside 0..100`)
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = (p / 100) * (sorted.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.ceil(rank)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo)
}

/** p50 and p95 of latency samples in ms. */
export function latencySummary(samples: readonly number[]): { p50: number; p95: number } {
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) }
}

/** A rate per second from a count and the elapsed milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.POSITIVE_INFINITY
}

/** Units measured as latency (lower is better); everything else is throughput. */
const LATENCY_UNITS = new Set(['ms'])

/** Whether `unit` is a latency unit, for which a lower value is better. */
export function isLatencyUnit(unit: string): boolean {
  return LATENCY_UNITS.has(unit)
}

/** What {@link figure} needs: a {@link BenchFigure} without `ratio`, which is computed. */
export interface FigureInput {
  name: string
  unit: string
  value: number
  baseline: number
  baselineLabel: string
  p95?: number
  baselineP95?: number
  /** Extras, copied to the figure as they are. */
  [extra: string]: unknown
}

/**
 * Builds a figure and computes its `ratio`: `value / baseline` for throughput,
 * `baseline / value` for latency (`unit: 'ms'`), so higher is always better.
 * Values are rounded for printing: rates to whole units (three significant
 * digits below 100), milliseconds to µs, the ratio to three decimals.
 *
 * @example
 * ```ts
 * figure({ name: 'outbox.relay.sqlite', unit: 'events/s', value: 12345, baseline: 50000, baselineLabel: 'raw inserts' })
 * // → { ..., ratio: 0.247 }
 * ```
 */
export function figure(input: FigureInput): BenchFigure {
  const { name, unit, value, baseline, baselineLabel, p95, baselineP95, ...extra } = input
  if ('ratio' in extra) throw new Error(`figure "${name}": ratio is computed from value and baseline; do not pass it`)
  if (!(value > 0) || !(baseline > 0)) {
    throw new Error(`figure "${name}": value (${value}) and baseline (${baseline}) must be positive`)
  }
  const latency = isLatencyUnit(unit)
  const round = latency ? roundMs : roundRate
  const ratio = latency ? baseline / value : value / baseline
  return {
    name,
    unit,
    value: round(value),
    baseline: round(baseline),
    baselineLabel,
    ratio: ratio >= 0.001 ? Math.round(ratio * 1000) / 1000 : Number(ratio.toPrecision(3)),
    ...(p95 !== undefined ? { p95: round(p95) } : {}),
    ...(baselineP95 !== undefined ? { baselineP95: round(baselineP95) } : {}),
    ...extra,
  }
}

// Milliseconds to the microsecond, but sub-microsecond figures keep three significant digits (never print as 0).
const roundMs = (n: number) => (Math.abs(n) >= 1 ? Math.round(n * 1000) / 1000 : Number(n.toPrecision(3)))
const roundRate = (n: number) => (Math.abs(n) >= 100 ? Math.round(n) : Number(n.toPrecision(3)))

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  // resourceUsage().maxRSS is in kilobytes on every platform Node supports.
  return Math.round(process.resourceUsage().maxRSS / 1024)
}

/** Writes a progress line to stderr, so stdout carries only the JSON figures. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`)
}
