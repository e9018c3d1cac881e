import { Kysely, sql } from 'kysely'
import { afterAll, expect, test } from 'vitest'
import { sqliteStorage } from '../src/index.js'

const db = new Kysely<{ t: { id: number } }>({ dialect: sqliteStorage({ filename: ':memory:' }).createDialect() })
afterAll(() => db.destroy())

test('pragmas: foreign keys on, synchronous NORMAL', async () => {
  const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)
  expect(fk.rows[0]!.foreign_keys).toBe(1)
  const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(db)
  expect(sync.rows[0]!.synchronous).toBe(1)
})

test('pageCacheKb sets the page cache of every connection; a bad value is refused', async () => {
  const small = new Kysely<object>({ dialect: sqliteStorage({ filename: ':memory:', pageCacheKb: 2048 }).createDialect() })
  try {
    const size = await sql<{ cache_size: number }>`pragma cache_size`.execute(small)
    expect(size.rows[0]!.cache_size).toBe(-2048)
  } finally {
    await small.destroy()
  }
  const defaults = await sql<{ cache_size: number }>`pragma cache_size`.execute(db)
  expect(defaults.rows[0]!.cache_size).not.toBe(-2048)
  expect(() => sqliteStorage({ filename: ':memory:', pageCacheKb: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', details: { key: 'pageCacheKb' } }))
})

test('reused prepared statements give correct results, also after a stream left early', async () => {
  await db.schema.createTable('t').addColumn('id', 'integer').execute()
  await db.insertInto('t').values(Array.from({ length: 50 }, (_, i) => ({ id: i }))).execute()
  const query = () => db.selectFrom('t').select('id').where('id', '<', 10).orderBy('id')
  const seen: number[] = []
  for await (const row of query().stream(2)) {
    seen.push(row.id)
    if (row.id === 3) break
  }
  expect(seen).toEqual([0, 1, 2, 3])
  expect((await query().execute()).map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  await db.insertInto('t').values({ id: 5 }).execute()
  expect((await query().execute()).map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9])
  for (let i = 0; i < 3; i++) {
    expect(await db.selectFrom('t').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 51 })
  }
})
