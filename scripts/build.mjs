#!/usr/bin/env node
// `npm run build`: builds every workspace that has a `build` script, each after
// the workspaces it depends on (core before the storages, the storages before
// testing). `npm run build -- @ordo/storage-sqlite` builds that package and what it depends on.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = JSON.parse(readFileSync('package.json', 'utf8'))
const workspaces = root.workspaces
  .flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern]
    const parent = pattern.slice(0, -2)
    if (!existsSync(parent)) return []
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(parent, entry.name))
  })
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))

const byName = new Map(workspaces.map((w) => [w.pkg.name, w]))
const localDeps = (pkg) =>
  Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.devDependencies }).filter(
    (name) => byName.has(name) && name !== pkg.name,
  )

const requested = process.argv.slice(2)
const unknown = requested.filter((name) => !byName.has(name))
if (unknown.length) {
  console.error(`Unknown workspace(s): ${unknown.join(', ')}. Known: ${[...byName.keys()].join(', ')}`)
  process.exit(2)
}

// Depth-first topological order; a cycle is a mistake in the package.jsons.
const order = []
const state = new Map()
function visit(name, path) {
  if (state.get(name) === 'done') return
  if (state.get(name) === 'visiting') {
    console.error(`Dependency cycle between workspaces: ${[...path, name].join(' → ')}`)
    process.exit(2)
  }
  state.set(name, 'visiting')
  for (const dep of localDeps(byName.get(name).pkg)) visit(dep, [...path, name])
  state.set(name, 'done')
  order.push(name)
}
for (const name of requested.length ? requested : byName.keys()) visit(name, [])

const targets = order.filter((name) => byName.get(name).pkg.scripts?.build)
for (const name of targets) {
  console.log(`\n▶ ${name}`)
  const run = spawnSync('npm', ['run', 'build', '--workspace', name], { stdio: 'inherit' })
  if (run.status !== 0) {
    console.error(`Build of ${name} failed.`)
    process.exit(run.status ?? 1)
  }
}
console.log(`\nBuilt ${targets.length} package(s): ${targets.join(', ')}`)
