import { readdirSync, existsSync } from 'node:fs'
import { defineConfig } from 'vitest/config'

// One project per package and example; each reads the others' TypeScript
// sources through the `source` export condition, so tests need no build.
const dirs = ['packages', 'examples'].flatMap((parent) =>
  readdirSync(parent, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(`${parent}/${entry.name}/package.json`))
    .map((entry) => `${parent}/${entry.name}`),
)

const conditions = ['source', 'node']

export default defineConfig({
  test: {
    projects: dirs.map((dir) => ({
      resolve: { conditions },
      ssr: { resolve: { conditions } },
      test: {
        name: dir.split('/')[1],
        root: dir,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        testTimeout: 30_000,
        hookTimeout: 60_000,
      },
    })),
  },
})
