import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { checkableSnippets, checkSnippets, extractSnippets, formatProblems, snippetFileName, snippetsOf, type Snippet, type SnippetProblem } from '../scripts/docs-snippets.js'
import { DOCS_DIR, markdownFiles, staleDiagrams } from '../scripts/machine-diagrams.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

// Checked in the same compiler run as the docs: one that must pass, and
// deliberately broken ones that must fail, so a checker that reports nothing
// cannot pass this test.
const INLINE = join(DOCS_DIR, '__inline__.md')
const INLINE_MARKDOWN = [
  '# Inline', // 1
  '', // 2
  '```ts', // 3
  "import { createCommerce } from '@ordo/core'", // 4
  "import { sqliteStorage } from '@ordo/storage-sqlite'", // 5
  "const shop = await createCommerce({ storage: sqliteStorage({ filename: ':memory:' }), currency: 'RUB' })", // 6
  "await shop.carts.create({ channel: { source: 'direct' } })", // 7
  '```', // 8
  '', // 9
  '```ts', // 10
  "import { createCommerce } from '@ordo/core'", // 11
  "const shop = await createCommerce({ storage: 'shop.db', currency: 'RUB' })", // 12: storage is not a string
  'await shop.carts.createCart()', // 13: no such method
  '```', // 14
  '', // 15
  '<!-- prelude', // 16
  "import type { Commerce } from '@ordo/core'", // 17
  'declare const shop: Commerce', // 18
  '-->', // 19
  '```ts', // 20
  "await shop.orders.confirm('ord_1', { actor: 'manager:7', channel: 'call' })", // 21
  "await shop.orders.confirm('ord_1', { actor: 'manager:7', channel: 'fax' })", // 22: not a channel
  '```', // 23
  '', // 24
  '```ts nocheck', // 25
  'this is not TypeScript at all', // 26
  '```', // 27
  '', // 28
  '```ts', // 29
  "import { nothingLikeThis } from '@ordo/core'", // 30: not exported
  '```', // 31
  '', // 32
  '```ts', // 33
  '// file: lib/answer.ts', // 34
  'export const answer: number = 42', // 35
  '```', // 36
  '', // 37
  '```ts', // 38
  "import { answer } from './lib/answer.js'", // 39
  'answer.toFixed(0)', // 40
  'answer.toUpperCase()', // 41: a number has no toUpperCase (so the import was resolved and typed)
  '```', // 42
].join('\n')

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

let docs: Snippet[] = []
let problems: SnippetProblem[] = []

beforeAll(() => {
  docs = snippetsOf(markdownFiles())
  problems = checkSnippets([...checkableSnippets(docs), ...checkableSnippets(extractSnippets(INLINE_MARKDOWN, INLINE))], ROOT)
}, 180_000)

describe('docs code blocks', () => {
  test('every ts block in docs/**/*.md type-checks against the packages', () => {
    const ours = problems.filter((p) => p.file !== INLINE)
    expect(formatProblems(ours, ROOT)).toBe('')
    expect(docs.length).toBeGreaterThan(20)
  })

  test('nocheck is rare', () => {
    const skipped = docs.filter((s) => !checkableSnippets([s]).length)
    expect(skipped.map((s) => `${relative(ROOT, s.file)}:${s.line}`).length).toBeLessThanOrEqual(3)
  })

  test('broken snippets fail, at their Markdown line; good ones, a nocheck block and an import between blocks pass', () => {
    const inline = problems.filter((p) => p.file === INLINE)
    const lines = [...new Set(inline.map((p) => p.line))].sort((a, b) => a - b)
    expect(lines).toEqual([12, 13, 22, 30, 41])
    expect(inline.find((p) => p.line === 13)?.message).toMatch(/createCart/)
    expect(inline.find((p) => p.line === 30)?.message).toMatch(/nothingLikeThis/)
  })

  test('a prelude is read only from the comment right above a fence', () => {
    const [first, second] = extractSnippets('<!-- prelude\ndeclare const a: number\n-->\n```ts\na\n```\n\ntext\n\n```ts\na\n```\n', INLINE)
    expect(first?.prelude).toBe('declare const a: number\n')
    expect(first?.line).toBe(5)
    expect(second?.prelude).toBe('')
  })
})

describe('machine diagrams', () => {
  test('the committed diagrams are the ones the default machines generate', async () => {
    const stale = await staleDiagrams()
    expect(stale.map((s) => `${relative(ROOT, s.file)} is out of date: run npm run docs:diagrams`)).toEqual([])
  })
})

describe('runnable examples', () => {
  // Blocks marked ```ts run are executed as they are written, in an empty
  // directory (a `shop.db` they create goes there), and must exit cleanly.
  const runnable = snippetsOf(markdownFiles()).filter((s) => s.info.split(/\s+/).includes('run'))

  test('getting started has a runnable example', () => {
    expect(runnable.some((s) => s.file.endsWith('getting-started.md'))).toBe(true)
  })

  test.each(runnable.map((s) => [`${relative(ROOT, s.file)}:${s.line}`, s] as const))('%s runs', (_name, snippet) => {
    // Inside the repository, so `@ordo/*` resolves; run from an empty directory.
    const dir = join(ROOT, 'node_modules', '.cache', 'ordo', 'docs-run')
    mkdirSync(dir, { recursive: true })
    // `.mts`: no package.json above node_modules says the file is ESM, and top-level await needs ESM.
    const file = join(dir, `snippet-${process.pid}-${snippet.line}.mts`)
    const cwd = mkdtempSync(join(tmpdir(), 'ordo-docs-'))
    writeFileSync(file, `${snippet.prelude}${snippet.code}\nexport {}\n`)
    try {
      const run = spawnSync(process.execPath, ['--conditions=source', '--import', import.meta.resolve('tsx'), file], { cwd, encoding: 'utf8', timeout: 60_000 })
      expect(run.stderr).toBe('')
      expect(run.status).toBe(0)
      expect(run.stdout).not.toBe('')
      if (snippet.expectedOutput !== undefined) expect(run.stdout).toBe(snippet.expectedOutput)
    } finally {
      rmSync(file, { force: true })
      rmSync(cwd, { recursive: true, force: true })
    }
  }, 90_000)
})

// A guide's `// file: test/….test.ts` blocks are real test files (an adapter
// guide's contract suite run against the guide's own adapter and fake): the
// guide's named blocks are written out as the small project they describe and
// its test files run here, as part of this test file.
describe('test files in the docs', () => {
  const projects = new Map<string, { name: string; code: string }[]>()
  for (const snippet of snippetsOf(markdownFiles())) {
    const name = snippetFileName(snippet)
    if (name === undefined) continue
    projects.set(snippet.file, [...(projects.get(snippet.file) ?? []), { name, code: snippet.code }])
  }
  const parent = join(ROOT, '.tmp', 'docs-projects')
  const base = join(parent, String(process.pid))
  // Left behind by runs that ended early (a filtered or killed run): their process is gone.
  for (const pid of existsSync(parent) ? readdirSync(parent) : []) {
    if (!alive(Number(pid))) rmSync(join(parent, pid), { recursive: true, force: true })
  }
  afterAll(() => rmSync(base, { recursive: true, force: true }))

  test('the adapter guide has a contract test', () => {
    expect([...projects.values()].flat().some((f) => f.name.endsWith('contract.test.ts'))).toBe(true)
  })

  for (const [file, files] of projects) {
    // Outside node_modules (so they are transformed like any source) and inside the repository (so `@ordo/*` resolves).
    const dir = join(base, relative(DOCS_DIR, file).replace(/\.md$/, ''))
    for (const { name, code } of files) {
      mkdirSync(dirname(join(dir, name)), { recursive: true })
      writeFileSync(join(dir, name), code)
    }
    for (const { name } of files.filter((f) => f.name.endsWith('.test.ts'))) {
      describe(`${relative(ROOT, file)}: ${name}`, async () => {
        await import(pathToFileURL(join(dir, name)).href)
      })
    }
  }
})
