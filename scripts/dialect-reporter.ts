import { mkdirSync, writeFileSync } from 'node:fs'
import type { Reporter, TestModule } from 'vitest/node'

/** Where the summary goes for scripts/test.mjs to check. */
export const SUMMARY_FILE = 'node_modules/.cache/ordo/test-summary.json'

const DIALECT = /\[(sqlite|postgres|mysql)\]/

/**
 * Counts tests per database dialect (by the `[dialect]` tag that
 * describeEachDialect puts in each name) and prints a closing line
 * `N passed, N failed, N skipped`.
 */
export default class DialectReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const totals = { passed: 0, failed: 0, skipped: 0 }
    const perDialect: Record<string, { passed: number; failed: number; skipped: number }> = {}
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        const key = state === 'passed' ? 'passed' : state === 'failed' ? 'failed' : 'skipped'
        totals[key]++
        const dialect = DIALECT.exec(test.fullName)?.[1]
        if (dialect) {
          perDialect[dialect] ??= { passed: 0, failed: 0, skipped: 0 }
          perDialect[dialect][key]++
        }
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) totals.failed++
    }
    console.log('')
    for (const [dialect, c] of Object.entries(perDialect).sort()) {
      console.log(`storage suite on ${dialect}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`)
    }
    console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
    mkdirSync('node_modules/.cache/ordo', { recursive: true })
    writeFileSync(SUMMARY_FILE, JSON.stringify({ totals, perDialect }))
  }
}
