import type { Kysely } from 'kysely'
import { describe, expect, test } from 'vitest'
import type { Database } from './database.js'
import { CacheArea, RevisionCache } from './revisions.js'

/** A handle outside a transaction whose revision reads answer when the test says. */
function slowDatabase() {
  const answers: ((rows: { scope: string; revision: number }[]) => void)[] = []
  const db = {
    isTransaction: false,
    selectFrom: () => ({ select: () => ({ execute: () => new Promise((resolve) => answers.push(resolve)) }) }),
  } as unknown as Kysely<Database>
  return { db, answers }
}

describe('RevisionCache', () => {
  test('reads outside a transaction share one revisions read, unless this process committed since it started', async () => {
    const cache = new RevisionCache(10)
    const { db, answers } = slowDatabase()
    const first = cache.area<string>(db, 'catalog', 'variant')
    const joined = cache.area<string>(db, 'catalog', 'variant')
    expect(answers).toHaveLength(1)
    // A change this process just committed (a new price) must be seen by the next read: it may postdate the read in flight.
    cache.committed()
    const after = cache.area<string>(db, 'catalog', 'variant')
    expect(answers).toHaveLength(2)
    answers[0]!([{ scope: 'catalog', revision: 1 }])
    const old = await first
    old.set('v1', 'old price')
    expect(await joined).toBe(old)
    answers[1]!([{ scope: 'catalog', revision: 2 }])
    const fresh = await after
    expect(fresh).not.toBe(old)
    expect(fresh.get('v1')).toBeUndefined()
  })

  test('a transaction that read an older revision gets a cache of its own, and does not replace the newer one', async () => {
    const cache = new RevisionCache(10)
    const newer = slowDatabase()
    const pending = cache.area<string>(newer.db, 'catalog', 'variant')
    newer.answers[0]!([{ scope: 'catalog', revision: 5 }])
    const current = await pending
    current.set('v1', 'current')
    const older = slowDatabase()
    const stale = cache.area<string>(older.db, 'catalog', 'variant')
    older.answers[0]!([{ scope: 'catalog', revision: 4 }])
    const own = await stale
    expect(own.get('v1')).toBeUndefined()
    own.set('v1', 'old')
    const again = slowDatabase()
    const next = cache.area<string>(again.db, 'catalog', 'variant')
    again.answers[0]!([{ scope: 'catalog', revision: 5 }])
    expect((await next).get('v1')).toBe('current')
  })
})

describe('CacheArea', () => {
  test('keeps the most recently used entries up to its limit', () => {
    const area = new CacheArea<number>(2)
    area.set('a', 1)
    area.set('b', 2)
    expect(area.get('a')).toBe(1)
    area.set('c', 3)
    expect(area.get('b')).toBeUndefined()
    expect(area.get('a')).toBe(1)
    expect(area.size).toBe(2)
  })

  test('cached values are frozen through and through: no command can change what the next one reads', () => {
    const area = new CacheArea<{ categoryIds: string[]; attributes: Record<string, string> }>(10)
    const summary = { categoryIds: ['shirts'], attributes: { color: 'red' } }
    area.set('v1', summary)
    const cached = area.get('v1')!
    expect(() => cached.categoryIds.push('sale')).toThrow(TypeError)
    expect(() => {
      cached.attributes.color = 'blue'
    }).toThrow(TypeError)
    expect(area.get('v1')).toEqual({ categoryIds: ['shirts'], attributes: { color: 'red' } })
  })
})
