// Draws the engine's default state machines (order, payment, shipment,
// message) into the docs, between markers:
//
//   <!-- machine-diagram: order -->
//   …generated: a Mermaid stateDiagram-v2 and a table of transitions…
//   <!-- /machine-diagram -->
//
// The machines are read from a real engine (`createCommerce()` on an
// in-memory SQLite database, no config, no plugins), so the diagrams show
// exactly what a new shop runs.
//
//   npm run docs:diagrams            rewrite the generated regions
//   npm run docs:diagrams -- --check exit 1 when a committed region is stale
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createCommerce, sourceStates, toMermaid, type Machine } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'

/** The machines drawn into the docs, by id. */
export const DIAGRAM_MACHINES = ['order', 'payment', 'shipment', 'message'] as const

const REGION = /(<!-- machine-diagram: ([\w-]+) -->\n)([\s\S]*?)(<!-- \/machine-diagram -->)/g

/** The repository's docs folder. */
export const DOCS_DIR = fileURLToPath(new URL('../docs/', import.meta.url))

/** The default machines of a new engine, by id. */
export async function defaultMachines(): Promise<Map<string, Machine<any>>> {
  const shop = await createCommerce({ storage: sqliteStorage({ filename: ':memory:' }), currency: 'RUB' })
  try {
    const machines = new Map<string, Machine<any>>()
    for (const id of DIAGRAM_MACHINES) {
      const machine = shop.machines.get(id)
      if (!machine) throw new Error(`the engine has no "${id}" machine (it has: ${[...shop.machines.keys()].join(', ')})`)
      machines.set(id, machine)
    }
    return machines
  } finally {
    await shop.close()
  }
}

function cell(value: string): string {
  return value.replace(/\|/g, '\\|')
}

/** The generated body of one region: the Mermaid diagram, then every transition in a table. */
export function renderMachine(machine: Machine<any>): string {
  const rows = Object.entries(machine.transitions).map(([name, t]) => {
    const from = sourceStates(machine, name)
    const source = Array.isArray(t.from) ? from.join(', ') : `${from.join(', ')} (${t.from === '*' ? 'every non-final state' : `capability \`${(t.from as { capability: string }).capability}\``})`
    const notes = [t.requiresReason ? 'needs a reason' : '', t.meta?.['auto'] === true ? 'taken automatically' : ''].filter(Boolean).join('; ')
    return `| \`${name}\` | ${cell(t.label ?? name)} | ${cell(source)} | ${t.to} | ${notes} |`
  })
  return [
    '```mermaid',
    toMermaid(machine).trimEnd(),
    '```',
    '',
    '| transition | label | from | to | notes |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n')
}

/** Rewrites every region of `markdown`; throws on a region naming an unknown machine. */
export function renderRegions(markdown: string, machines: ReadonlyMap<string, Machine<any>>, file = 'markdown'): string {
  return markdown.replace(REGION, (_all, open: string, id: string, _body: string, close: string) => {
    const machine = machines.get(id)
    if (!machine) throw new Error(`${file}: machine-diagram region names "${id}", not one of ${[...machines.keys()].join(', ')}`)
    return `${open}${renderMachine(machine)}${close}`
  })
}

/** Every Markdown file under `dir` (the generated API reference excluded). */
export function markdownFiles(dir: string = DOCS_DIR): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md') && !file.split(/[\\/]/).includes('api') && !file.split(/[\\/]/).includes('node_modules'))
    .sort()
    .map((file) => join(dir, file))
}

/** The files whose regions differ from what the machines generate: path, committed text, generated text. */
export async function staleDiagrams(dir: string = DOCS_DIR): Promise<{ file: string; committed: string; generated: string }[]> {
  const machines = await defaultMachines()
  const stale: { file: string; committed: string; generated: string }[] = []
  for (const file of markdownFiles(dir)) {
    const committed = readFileSync(file, 'utf8')
    if (!committed.includes('<!-- machine-diagram:')) continue
    const generated = renderRegions(committed, machines, file)
    if (generated !== committed) stale.push({ file, committed, generated })
  }
  return stale
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check')
  const stale = await staleDiagrams()
  for (const { file, generated } of stale) {
    const name = relative(process.cwd(), file)
    if (check) console.error(`${name}: the machine diagrams are out of date; run npm run docs:diagrams`)
    else {
      writeFileSync(file, generated)
      console.log(`${name}: diagrams updated`)
    }
  }
  if (check && stale.length > 0) process.exitCode = 1
  if (!check && stale.length === 0) console.log('machine diagrams are up to date')
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
