// The one build config every package uses: `tsup --config ../../tsup.config.ts`
// runs with cwd = the package being built, so everything package-specific is
// read from `./package.json` there.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineConfig } from 'tsup'

interface PackageJson {
  name: string
  exports?: Record<string, string | { source?: string }>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
}

const pkg = JSON.parse(readFileSync(resolve(process.cwd(), 'package.json'), 'utf8')) as PackageJson

// Nothing from node_modules or a sibling package is bundled: every runtime and
// peer dependency stays an import (tsup also matches their subpaths, e.g.
// `kysely/helpers/postgres`). Sibling `@ordo/*` packages are external even if a
// package forgets to declare one, so core is never copied into an adapter.
const external: (string | RegExp)[] = [
  ...new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
    ...Object.keys(pkg.optionalDependencies ?? {}),
  ]),
  /^@ordo\//,
]

// One entry per subpath of the exports map, read from its `source` condition
// (`.` → src/index.ts, `./statements` → src/statements.ts …); each is built to
// dist/<name>.js|.cjs|.d.ts, which is what the map's other conditions name.
const entry = Object.values(pkg.exports ?? {}).flatMap((target) => (typeof target === 'object' && target.source ? [target.source] : []))

export default defineConfig({
  entry: entry.length > 0 ? entry : ['src/index.ts'],
  format: ['esm', 'cjs'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  // The per-package tsconfig (extends the base, include src). Its
  // `customConditions: ["source"]` makes the declaration build read sibling
  // packages from their sources, so an adapter's types build without a prior
  // build of core; the emitted .d.ts still imports `@ordo/core` by name.
  tsconfig: 'tsconfig.json',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: false,
  treeshake: true,
  external,
  // Keep `node:os` etc. as written (Node 20 is the floor; tsup 8 strips the prefix by default).
  removeNodeProtocol: false,
  // Matches the exports map: ./dist/index.js (ESM), ./dist/index.cjs (CJS),
  // ./dist/index.d.ts (+ ./dist/index.d.cts for require). Spelled out so the
  // names do not depend on each package's "type" field.
  outExtension: ({ format }) =>
    format === 'cjs' ? { js: '.cjs', dts: '.d.cts' } : { js: '.js', dts: '.d.ts' },
})
