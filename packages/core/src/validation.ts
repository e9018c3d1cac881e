import { z } from 'zod'
import { OrdoError } from './errors.js'

/** One problem with a command's input: where, and what is wrong. */
export interface InputIssue {
  path: string
  message: string
}

/**
 * Validates a command's input with its zod schema; on failure throws
 * `OrdoError('VALIDATION')` naming the command and every problem, before
 * anything is written.
 */
export function parseInput<S extends z.ZodType>(command: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issues: InputIssue[] = result.error.issues.map((issue) => ({
    path: [...issue.path, ...(issue.code === 'unrecognized_keys' ? [issue.keys.join(', ')] : [])].map(String).join('.') || '(input)',
    message: issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message,
  }))
  throw validationError(command, issues)
}

const keySchema = z.string().min(1).max(191)

/**
 * What a provider's or carrier's webhook handler takes: the request's headers,
 * raw body (as sent, for signature checks) and the caller's address. Built
 * once: a zod schema costs far more to build than to run.
 */
export const webhookRequestSchema = z.looseObject({
  headers: z.record(z.string(), z.string().optional()),
  rawBody: z.string().max(1_000_000),
  remoteAddress: z.string().nullable().optional(),
})

/** Validates an id, code, SKU or handle passed to a command or query (a non-empty string of at most 191 characters). */
export function parseKey(command: string, value: unknown): string {
  return parseInput(command, keySchema, value)
}

/** The `VALIDATION` error for a command and its input problems (the first three in the message, all in `details.issues`). */
export function validationError(command: string, issues: readonly InputIssue[]): OrdoError {
  const shown = issues
    .slice(0, 3)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ')
  return new OrdoError('VALIDATION', `Invalid input to ${command}: ${shown}${issues.length > 3 ? ` (+${issues.length - 3} more)` : ''}`, {
    details: { command, issues },
  })
}
