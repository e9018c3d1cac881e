// Running part of a scenario in a process of its own on the BUILT packages,
// started with plain `node`: no TypeScript compiler hooks (tsx's loader runs
// on a thread of its own and adds some 30 MB of RSS) and no `source`
// condition, so `@ordo/*` resolve to their `dist` as in a shop's app. The
// bench's own helpers are TypeScript, so the child's entry is bundled first
// with every package left as an import.
import { fork, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Newest file under `dir` (recursively), tests excluded: they are not built. */
function newestSource(dir: string): { file: string; mtimeMs: number } | undefined {
  let newest: { file: string; mtimeMs: number } | undefined
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    const found = entry.isDirectory() ? newestSource(path) : /\.test\.tsx?$/.test(entry.name) ? undefined : { file: path, mtimeMs: statSync(path).mtimeMs }
    if (found && (!newest || found.mtimeMs > newest.mtimeMs)) newest = found
  }
  return newest
}

/**
 * Throws, saying what to run, unless each built file (`core/dist/index.js`:
 * a path under `packages/`) exists and is newer than every source of its
 * package (`src/`, tests excluded, and its package.json).
 */
export function assertBuilt(builtFiles: readonly string[]): void {
  const problems: string[] = []
  for (const file of builtFiles) {
    const dir = join(ROOT, 'packages', file.split('/')[0]!)
    const built = join(ROOT, 'packages', file)
    const manifest = { file: join(dir, 'package.json'), mtimeMs: statSync(join(dir, 'package.json')).mtimeMs }
    const source = newestSource(join(dir, 'src'))
    const newest = source && source.mtimeMs > manifest.mtimeMs ? source : manifest
    if (!existsSync(built)) problems.push(`${relative(ROOT, built)} is missing`)
    else if (statSync(built).mtimeMs < newest.mtimeMs) problems.push(`${relative(ROOT, built)} is older than ${relative(ROOT, newest.file)}`)
  }
  if (problems.length > 0) {
    throw new Error(`This scenario runs Ordo from the built packages, but ${problems.join('; ')}. Run \`npm run build\` first.`)
  }
}

/**
 * Bundles the bench entry `entry` (a .ts file) into one ES module next to the
 * workspace's node_modules, every bare import (packages, `@ordo/*`, `node:*`)
 * left as an import. Imports nothing uses are dropped, so a helper module's
 * unused `pg` import does not load in the child. Returns the bundle's path.
 */
export async function bundleBenchEntry(entry: string): Promise<string> {
  const outDir = join(ROOT, 'node_modules', '.cache', 'ordo-bench')
  mkdirSync(outDir, { recursive: true })
  const outfile = join(outDir, `${basename(entry, '.ts')}.mjs`)
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    plugins: [
      {
        name: 'packages-stay-imports',
        setup(plugin) {
          plugin.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true, sideEffects: false }))
        },
      },
    ],
  })
  return outfile
}

/** A child process started by {@link startNodeChild}, answering requests. */
export interface NodeChild {
  /** The child's `ready` message. */
  ready: Record<string, unknown>
  /** Sends `{ id, ...message }` and resolves with the child's `result` for that id (rejects with its `error`). */
  request<T>(message: Record<string, unknown>): Promise<T>
  /** Kills the child if it still runs. */
  kill(): void
}

/**
 * Starts `file` with plain `node` (none of this process's flags), an IPC
 * channel and `env` added to the environment; resolves when it sends
 * `{ type: 'ready' }`.
 */
export function startNodeChild(file: string, env: Record<string, string>): Promise<NodeChild> {
  const child: ChildProcess = fork(file, [], { execArgv: [], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  let nextId = 1
  let exited: Error | undefined
  return new Promise((resolveReady, rejectReady) => {
    child.on('message', (message: { type?: string; id?: number; result?: unknown; error?: string }) => {
      if (message.type === 'ready') {
        resolveReady({
          ready: message as Record<string, unknown>,
          request<T>(request: Record<string, unknown>) {
            if (exited) return Promise.reject(exited)
            const id = nextId++
            return new Promise<T>((resolve, reject) => {
              pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
              child.send({ ...request, id })
            })
          },
          kill: () => {
            if (child.exitCode === null) child.kill()
          },
        })
        return
      }
      const waiting = message.id === undefined ? undefined : pending.get(message.id)
      if (!waiting) return
      pending.delete(message.id!)
      if (message.error !== undefined) waiting.reject(new Error(`child ${basename(file)}: ${message.error}`))
      else waiting.resolve(message.result)
    })
    child.on('exit', (code, signal) => {
      exited = new Error(`child ${basename(file)} exited (${signal ?? `code ${code}`})`)
      rejectReady(exited)
      for (const { reject } of pending.values()) reject(exited)
      pending.clear()
    })
  })
}
