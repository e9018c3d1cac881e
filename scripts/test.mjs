#!/usr/bin/env node
// `npm test`: the whole suite, with the storage-facing tests on every dialect
// named by ORDO_TEST_DBS (default: sqlite). Fails when a selected dialect ran
// no test, so a database can never be skipped silently.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'

const SUMMARY = 'node_modules/.cache/ordo/test-summary.json'
const ALL = ['sqlite', 'postgres', 'mysql']
const explicit = process.env.ORDO_TEST_DBS !== undefined && process.env.ORDO_TEST_DBS.trim() !== ''
const selected = explicit ? [...new Set(process.env.ORDO_TEST_DBS.split(',').map((s) => s.trim()).filter(Boolean))] : ['sqlite']
const unknown = selected.filter((d) => !ALL.includes(d))
if (unknown.length) {
  console.error(`ORDO_TEST_DBS names unknown dialect(s): ${unknown.join(', ')} (known: ${ALL.join(', ')})`)
  process.exit(2)
}
const skipped = ALL.filter((d) => !selected.includes(d))
if (skipped.length) {
  console.log(
    `Storage suite runs on ${selected.join(', ')}; skipped ${skipped.join(', ')} — to include them, start the servers and run ORDO_TEST_DBS=${ALL.join(',')} npm test (PostgreSQL at postgres://postgres@127.0.0.1:5432/test, MariaDB/MySQL at mysql://root@127.0.0.1:3306/test; override with ORDO_TEST_POSTGRES_URL / ORDO_TEST_MYSQL_URL).`,
  )
}

rmSync(SUMMARY, { force: true })
const run = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=./scripts/dialect-reporter.ts', ...process.argv.slice(2)],
  { stdio: 'inherit', env: { ...process.env, ORDO_TEST_DBS: selected.join(',') } },
)
if (run.status !== 0) process.exit(run.status ?? 1)

// A filtered run (npm test -- some/file) may legitimately touch no storage.
const filtered = process.argv.length > 2
if (!filtered && existsSync(SUMMARY)) {
  const { perDialect } = JSON.parse(readFileSync(SUMMARY, 'utf8'))
  const missing = selected.filter((d) => !perDialect[d] || perDialect[d].passed === 0)
  if (missing.length) {
    console.error(`Selected dialect(s) ran no storage test: ${missing.join(', ')}. Is the server up?`)
    process.exit(1)
  }
}
