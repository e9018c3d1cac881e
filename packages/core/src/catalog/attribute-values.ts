import type { Kysely } from 'kysely'
import { validationError } from '../validation.js'
import type { Database } from '../storage/database.js'
import { toAttribute } from './catalog-rows.js'
import type { AttributeDefinition, AttributeValues } from './catalog-types.js'

/** Attribute definitions by code. */
export type AttributeDefinitions = ReadonlyMap<string, AttributeDefinition>

/** Loads the definitions of `codes` (all of them when `codes` is undefined). */
export async function loadAttributeDefinitions(db: Kysely<Database>, codes?: readonly string[]): Promise<Map<string, AttributeDefinition>> {
  if (codes !== undefined && codes.length === 0) return new Map()
  let query = db.selectFrom('ordo_attribute').selectAll()
  if (codes !== undefined) query = query.where('code', 'in', [...new Set(codes)])
  const rows = await query.execute()
  return new Map(rows.map((r) => [r.code, toAttribute(r)]))
}

/** One attribute problem: which attribute (path) and what is wrong. */
export interface AttributeIssue {
  path: string
  message: string
}

/**
 * Checks attribute values against their definitions: each code must be
 * defined and each value of the definition's type (an `option` one of its
 * options). Returns the problems, empty when all are fine.
 */
export function checkAttributeValues(values: AttributeValues | undefined, definitions: AttributeDefinitions, path: string): AttributeIssue[] {
  const issues: AttributeIssue[] = []
  for (const [code, value] of Object.entries(values ?? {})) {
    const at = `${path}.${code}`
    const definition = definitions.get(code)
    if (!definition) {
      issues.push({ path: at, message: `unknown attribute "${code}"; define it first with defineAttribute` })
      continue
    }
    const problem = valueProblem(definition, value)
    if (problem) issues.push({ path: at, message: problem })
  }
  return issues
}

function valueProblem(definition: AttributeDefinition, value: unknown): string | null {
  switch (definition.type) {
    case 'text':
      return typeof value === 'string' && value.length > 0 ? null : `attribute "${definition.code}" is text; got ${show(value)}`
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? null
        : `attribute "${definition.code}" is a number${definition.unit ? ` (in ${definition.unit})` : ''}; got ${show(value)}`
    case 'boolean':
      return typeof value === 'boolean' ? null : `attribute "${definition.code}" is a boolean; got ${show(value)}`
    case 'option':
      return typeof value === 'string' && definition.options.includes(value)
        ? null
        : `attribute "${definition.code}" must be one of ${definition.options.map((o) => JSON.stringify(o)).join(', ')}; got ${show(value)}`
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`
}

/** Throws `VALIDATION` for `command` listing the attribute issues, if any. */
export function assertNoAttributeIssues(command: string, issues: readonly AttributeIssue[]): void {
  if (issues.length > 0) throw validationError(command, issues)
}
