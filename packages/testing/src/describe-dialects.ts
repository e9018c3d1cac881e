import { afterAll, describe } from 'vitest'
import { createTestDatabase, selectedDialects, type TestDatabase, type TestDialect } from './dialects.js'

/** What {@link describeEachDialect} hands each suite. */
export interface DialectFixture {
  readonly dialect: TestDialect
  /** A new isolated database on this dialect, dropped after the suite. */
  database(): Promise<TestDatabase>
}

/**
 * Runs a suite once per dialect selected by `ORDO_TEST_DBS`, with `[dialect]`
 * in every test's name (the test runner counts tests per dialect by it).
 *
 * @example
 * ```ts
 * describeEachDialect('outbox', ({ database }) => {
 *   test('relays', async () => {
 *     const db = await database()
 *     const shop = await createCommerce({ storage: db.storage, currency: 'RUB' })
 *     // ...
 *     await shop.close()
 *   })
 * })
 * ```
 */
export function describeEachDialect(name: string, suite: (fixture: DialectFixture) => void): void {
  for (const dialect of selectedDialects()) {
    describe(`[${dialect}] ${name}`, () => {
      const created: TestDatabase[] = []
      afterAll(async () => {
        await Promise.all(created.map((db) => db.drop()))
      })
      suite({
        dialect,
        async database() {
          const db = await createTestDatabase(dialect)
          created.push(db)
          return db
        },
      })
    })
  }
}
