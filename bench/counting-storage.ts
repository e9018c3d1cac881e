// A StorageDialect wrapper that counts the SQL statements an engine sends.
//
// `countingStorage(storage)` counts through `interceptStatements` (from
// `@ordo/testing/statements`, which loads no test runner), which sees every
// statement — BEGIN / COMMIT / ROLLBACK included — so `counter.count` is the
// number of round trips to the database. With `counter.logging = true` it
// also keeps the SQL text of each statement, for a breakdown by table
// (`statementBreakdown`).
import type { StorageDialect } from '@ordo/core'
import { interceptStatements } from '@ordo/testing/statements'

/** What the wrapper counted since the last `reset()`. */
export interface StatementCounter {
  /** Statements executed (BEGIN and COMMIT included). */
  count: number
  /** When true, the SQL text of each statement is appended to `log`. */
  logging: boolean
  /** SQL text of the statements executed while `logging` was on. */
  log: string[]
  /** Milliseconds each logged statement took, from the call to its result (same order as `log`). */
  durations: number[]
  /** Sets `count` to 0 and empties `log` and `durations`. */
  reset(): void
}

/** Wraps `storage` so every statement it executes is counted in the returned counter. */
export function countingStorage(storage: StorageDialect): { storage: StorageDialect; counter: StatementCounter } {
  const counter: StatementCounter = {
    count: 0,
    logging: false,
    log: [],
    durations: [],
    reset() {
      this.count = 0
      this.log = []
      this.durations = []
    },
  }
  const counting = interceptStatements(storage, (query, next) => {
    counter.count++
    if (!counter.logging) return next(query)
    counter.log.push(query.sql)
    const at = counter.durations.length
    counter.durations.push(0)
    const start = performance.now()
    return next(query).finally(() => {
      counter.durations[at] = performance.now() - start
    })
  })
  return { storage: counting, counter }
}

/** Total milliseconds per `<verb> <table>` group of logged statements (divided by `per`), most expensive first. */
export function durationBreakdown(log: readonly string[], durations: readonly number[], per = 1): Record<string, number> {
  const groups = new Map<string, number>()
  log.forEach((sql, i) => {
    const key = statementKey(sql)
    groups.set(key, (groups.get(key) ?? 0) + (durations[i] ?? 0))
  })
  return Object.fromEntries(
    [...groups]
      .sort((a, b) => b[1] - a[1])
      .map(([key, ms]) => [key, Math.round((ms / per) * 1000) / 1000]),
  )
}

/**
 * Groups logged statements as `<verb> <table>` (e.g. `insert ordo_event`,
 * `select ordo_stock_level`, `begin`), most frequent first, with the count
 * divided by `per` (statements per order).
 */
export function statementBreakdown(log: readonly string[], per = 1): Record<string, number> {
  const groups = new Map<string, number>()
  for (const sql of log) {
    const key = statementKey(sql)
    groups.set(key, (groups.get(key) ?? 0) + 1)
  }
  return Object.fromEntries(
    [...groups]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([key, n]) => [key, Math.round((n / per) * 100) / 100]),
  )
}

/** `insert ordo_order`, `select ordo_cart_item`, `update ordo_stock_level`, `begin`, `commit`… */
export function statementKey(sql: string): string {
  const text = sql.trim().replace(/\s+/g, ' ').toLowerCase()
  const verb = text.split(' ')[0] ?? ''
  const ident = '"?([a-z_][a-z0-9_.]*)"?'
  let match: RegExpMatchArray | null = null
  if (verb === 'insert') match = text.match(new RegExp(`^insert (?:or \\w+ )?into ${ident}`))
  else if (verb === 'update') match = text.match(new RegExp(`^update ${ident}`))
  else if (verb === 'delete') match = text.match(new RegExp(`^delete from ${ident}`))
  else if (verb === 'select' || verb === 'with') match = text.match(new RegExp(`\\bfrom ${ident}`))
  if (!match) return verb === 'start' ? 'begin' : verb
  return `${verb === 'with' ? 'select' : verb} ${match[1]!.replace(/^.*\./, '')}`
}
