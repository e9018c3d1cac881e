// Type-checks the TypeScript code blocks of the docs against the real
// packages, with the TypeScript compiler API.
//
// Every ```ts (or ```typescript) block of docs/**/*.md is one module: it may
// import `@ordo/*` (resolved to the packages' sources, as in the repository's
// own type-check) and use top-level await. A block whose info string has
// `nocheck` (```ts nocheck) is skipped. A block may be preceded by a hidden
// prelude — an HTML comment that renderers do not show — declaring what the
// block assumes:
//
//   <!-- prelude
//   import type { Commerce } from '@ordo/core'
//   declare const shop: Commerce
//   -->
//   ```ts
//   await shop.orders.confirm(orderId, { actor: 'manager:7', channel: 'call' })
//   ```
//
// A block whose first line is `// file: src/acme-sms.ts` is that file of a
// small project of its Markdown file: the file's other blocks may import it
// by a relative path (`../src/acme-sms.js`).
//
// Errors are reported at the Markdown file and line they come from.
import { readFileSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import MarkdownIt from 'markdown-it'
import ts from 'typescript'

/** One code block to check. */
export interface Snippet {
  /** The Markdown file it comes from. */
  file: string
  /** 1-based line of the block's first code line in that file. */
  line: number
  /** The block's code. */
  code: string
  /** Code prepended from a `<!-- prelude … -->` comment, or ''. */
  prelude: string
  /** The fence's info string (`ts`, `ts nocheck`, `ts run`). */
  info: string
  /** For a `ts run` block: the text of the next ```text output block, if one follows before any other code block. */
  expectedOutput?: string | undefined
}

/** A compiler error in a snippet. */
export interface SnippetProblem {
  file: string
  /** 1-based line in the Markdown file (the prelude's comment line for errors in a prelude). */
  line: number
  message: string
}

const LANGUAGES = new Set(['ts', 'typescript'])
const PRELUDE = /^<!--\s*prelude\s*\n([\s\S]*?)-->\s*$/
const FILE_COMMENT = /^\/\/ file: (\S+\.ts)[ \t]*(?:\n|$)/

const markdown = new MarkdownIt({ html: true })

/** The TypeScript blocks of one Markdown text, with their preludes (skipped `nocheck` blocks included; see {@link checkableSnippets}). */
export function extractSnippets(text: string, file: string): Snippet[] {
  const tokens = markdown.parse(text, {})
  const snippets: Snippet[] = []
  tokens.forEach((token, index) => {
    if (token.type !== 'fence' || !token.map) return
    const info = token.info.trim()
    const language = info.split(/\s+/)[0] ?? ''
    if (!LANGUAGES.has(language)) return
    const previous = tokens[index - 1]
    const prelude = previous?.type === 'html_block' ? PRELUDE.exec(previous.content)?.[1] ?? '' : ''
    const next = tokens.slice(index + 1).find((t) => t.type === 'fence')
    const expectedOutput = next && next.info.trim().split(/\s+/).join(' ') === 'text output' ? next.content : undefined
    snippets.push({ file, line: token.map[0] + 2, code: token.content, prelude, info, expectedOutput })
  })
  return snippets
}

/** The file a `// file: path` block stands for (`src/acme-sms.ts`), or undefined for an ordinary block. */
export function snippetFileName(snippet: Snippet): string | undefined {
  return FILE_COMMENT.exec(snippet.code)?.[1]
}

/** The snippets that are checked: all but those marked `nocheck`. */
export function checkableSnippets(snippets: readonly Snippet[]): Snippet[] {
  return snippets.filter((s) => !s.info.split(/\s+/).includes('nocheck'))
}

/** The snippets of each Markdown file given. */
export function snippetsOf(files: readonly string[]): Snippet[] {
  return files.flatMap((file) => extractSnippets(readFileSync(file, 'utf8'), file))
}

function compilerOptions(root: string): ts.CompilerOptions {
  const configFile = join(root, 'tsconfig.base.json')
  const read = ts.readConfigFile(configFile, ts.sys.readFile)
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'))
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configFile)
  return { ...parsed.options, noEmit: true, declaration: false, sourceMap: false, allowImportingTsExtensions: true }
}

/**
 * Type-checks the snippets as virtual modules next to their Markdown files
 * (so `@ordo/*` resolves from the repository's `node_modules`). Returns every
 * error found in the snippets themselves; errors inside the packages they
 * import are not theirs and are not reported.
 */
export function checkSnippets(snippets: readonly Snippet[], root: string): SnippetProblem[] {
  const options = compilerOptions(root)
  const virtual = new Map<string, { snippet: Snippet; preludeLines: number; text: string }>()
  snippets.forEach((snippet, index) => {
    // A block whose first line is `// file: src/acme-sms.ts` is that file of a small project per Markdown file,
    // so the file's other blocks can import it (`../src/acme-sms.js`).
    const named = snippetFileName(snippet)
    const base = join(dirname(snippet.file), `${basename(snippet.file, '.md')}.snippets`)
    const name = named ? join(base, named) : join(base, `__snippet_${index}_${snippet.line}.ts`)
    const prelude = snippet.prelude.endsWith('\n') || snippet.prelude === '' ? snippet.prelude : `${snippet.prelude}\n`
    // `export {}` keeps every block a module: its names stay its own and top-level await works.
    const text = `${prelude}${snippet.code}\nexport {}\n`
    virtual.set(ts.sys.resolvePath(name), { snippet, preludeLines: prelude === '' ? 0 : prelude.split('\n').length - 1, text })
  })

  const host = ts.createCompilerHost(options, true)
  const readFile = host.readFile.bind(host)
  const fileExists = host.fileExists.bind(host)
  const getSourceFile = host.getSourceFile.bind(host)
  host.readFile = (name) => virtual.get(ts.sys.resolvePath(name))?.text ?? readFile(name)
  host.fileExists = (name) => virtual.has(ts.sys.resolvePath(name)) || fileExists(name)
  const directories = new Set([...virtual.keys()].flatMap((name) => ancestors(name)))
  const directoryExists = host.directoryExists?.bind(host) ?? ts.sys.directoryExists
  host.directoryExists = (name) => directories.has(ts.sys.resolvePath(name)) || directoryExists(name)
  host.getSourceFile = (name, language, onError, create) => {
    const entry = virtual.get(ts.sys.resolvePath(name))
    return entry ? ts.createSourceFile(name, entry.text, language, true, ts.ScriptKind.TS) : getSourceFile(name, language, onError, create)
  }

  const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host })
  const problems: SnippetProblem[] = []
  for (const [name, { snippet, preludeLines }] of virtual) {
    const source = program.getSourceFile(name)
    if (!source) throw new Error(`snippet ${relative(root, snippet.file)}:${snippet.line} was not compiled`)
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
    for (const diagnostic of diagnostics) {
      const at = diagnostic.start === undefined ? 0 : source.getLineAndCharacterOfPosition(diagnostic.start).line
      const inPrelude = at < preludeLines
      problems.push({
        file: snippet.file,
        // The prelude comment sits just above the fence: report its errors at the fence.
        line: inPrelude ? snippet.line - 1 : snippet.line + at - preludeLines,
        message: `${inPrelude ? '(prelude) ' : ''}TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
      })
    }
  }
  return problems
}

function ancestors(file: string): string[] {
  const list: string[] = []
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) list.push(dir)
  return list
}

/** Problems as `file:line message` lines, paths relative to `root`. */
export function formatProblems(problems: readonly SnippetProblem[], root: string): string {
  return problems.map((p) => `${relative(root, p.file)}:${p.line} ${p.message}`).join('\n')
}
