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
    projects: [
      ...dirs.map((dir) => ({
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
      {
        resolve: { conditions },
        ssr: { resolve: { conditions } },
        // The docs' own test: code blocks type-check, diagrams are current, examples run.
        test: { name: 'docs', root: 'docs', include: ['**/*.test.ts'], exclude: ['api/**', '**/node_modules/**'], testTimeout: 120_000, hookTimeout: 180_000 },
      },
    ],
  },
})
