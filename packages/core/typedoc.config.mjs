// The row types of each module's tables are referenced by `Database` (the
// Kysely schema `uow.db` is typed with) but are not part of the public API:
// modules own their tables. They are listed here by scanning the sources, so
// a new table never breaks the docs build.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(fileURLToPath(import.meta.url))

const tables = []
for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue
  const file = join(entry.parentPath ?? entry.path, entry.name)
  for (const match of readFileSync(file, 'utf8').matchAll(/^export interface (\w+Table)\b/gm)) tables.push(`${relative(root, file)}:${match[1]}`)
}

/** @type {import('typedoc').TypeDocOptions} */
export default { intentionallyNotExported: tables }
