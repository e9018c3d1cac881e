// `npm run bench [-- <name>...]`: runs every scenario in bench/scenarios/, or
// those whose name starts with one of the given names (`outbox`,
// `outbox.relay.sqlite`). Prints one JSON line per figure on stdout (progress
// goes to stderr) and writes them all to bench/results/latest.json.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { log, type BenchFigure, type BenchScenario } from './harness.js'

const here = dirname(fileURLToPath(import.meta.url))
const scenariosDir = join(here, 'scenarios')
const resultsFile = join(here, 'results', 'latest.json')

function isScenario(value: unknown): value is BenchScenario {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as BenchScenario).name === 'string' &&
    typeof (value as BenchScenario).run === 'function'
  )
}

async function loadScenarios(): Promise<BenchScenario[]> {
  const files = readdirSync(scenariosDir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .sort()
  const scenarios: BenchScenario[] = []
  for (const file of files) {
    const module = (await import(pathToFileURL(join(scenariosDir, file)).href)) as { default?: unknown }
    if (!isScenario(module.default)) {
      throw new Error(`bench/scenarios/${file} must default-export { name: string, run(): Promise<BenchFigure[]> }`)
    }
    scenarios.push(module.default)
  }
  const seen = new Set<string>()
  for (const { name } of scenarios) {
    if (seen.has(name)) throw new Error(`Two scenarios are named "${name}".`)
    seen.add(name)
  }
  return scenarios.sort((a, b) => a.name.localeCompare(b.name))
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2).filter((arg) => arg !== '--')
  const all = await loadScenarios()
  const selected = filters.length === 0 ? all : all.filter((s) => filters.some((f) => s.name.startsWith(f)))
  const unmatched = filters.filter((f) => !all.some((s) => s.name.startsWith(f)))
  if (unmatched.length > 0 || selected.length === 0) {
    const known = all.map((s) => `  ${s.name}`).join('\n') || '  (none)'
    process.stderr.write(`No scenario matches ${unmatched.map((f) => `"${f}"`).join(', ') || 'the filter'}. Known scenarios:\n${known}\n`)
    return 2
  }

  const figures: BenchFigure[] = []
  for (const scenario of selected) {
    log(`▶ ${scenario.name}`)
    const produced = await scenario.run()
    for (const f of produced) {
      process.stdout.write(`${JSON.stringify(f)}\n`)
      figures.push(f)
    }
  }
  mkdirSync(dirname(resultsFile), { recursive: true })
  writeFileSync(resultsFile, `${JSON.stringify(figures, null, 2)}\n`)
  log(`Wrote ${figures.length} figure(s) to ${join('bench', 'results', 'latest.json')}`)
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  },
)
