import type { Runtime } from '../runtime.js'
import { COLUMN, type OrdoMigration } from '../storage/migration.js'
import { affected, insertIgnoringConflicts } from '../storage/sql-helpers.js'
import { retryTransient } from '../unit-of-work.js'

/** Named counters handed out in blocks (order numbers). */
export interface SequenceTable {
  name: string
  /** The first value not yet handed out. */
  next_value: number
}

/** Tables owned by checkout. */
export interface CheckoutTables {
  ordo_sequence: SequenceTable
}

export const checkoutMigrations: readonly OrdoMigration[] = [
  {
    name: '0007_checkout',
    async up({ createTable }) {
      await createTable('ordo_sequence')
        .addColumn('name', 'varchar(50)', (c) => c.primaryKey())
        .addColumn('next_value', COLUMN.time, (c) => c.notNull())
        .execute()
    },
  },
]

/**
 * Human order numbers (`100245`), unique across processes: each process takes
 * a block of numbers from a counter row in a short transaction of its own and
 * hands them out in order, so checkouts never queue on one hot row. Numbers
 * grow; a block cut short by a restart leaves a gap, as shops' numbering
 * usually does.
 */
export class OrderNumbers {
  readonly #runtime: Runtime
  readonly #start: number
  readonly #blockSize: number
  #next = 0
  #end = -1
  #refill: Promise<void> | undefined

  constructor(runtime: Runtime, options: { start: number; blockSize: number }) {
    this.#runtime = runtime
    this.#start = options.start
    this.#blockSize = options.blockSize
  }

  /** The next order number. */
  async next(): Promise<string> {
    while (this.#next > this.#end) {
      this.#refill ??= this.#takeBlock().finally(() => {
        this.#refill = undefined
      })
      await this.#refill
    }
    return String(this.#next++)
  }

  async #takeBlock(): Promise<void> {
    const { db, storage } = this.#runtime
    const size = this.#blockSize
    const taken = await retryTransient(this.#runtime, () =>
      db.transaction().execute(async (trx) => {
        // Update first: the row exists after the very first block, and an insert-ignore on an
        // existing row would take a shared lock that two processes then both try to upgrade.
        const bump = () =>
          trx
            .updateTable('ordo_sequence')
            .set((eb) => ({ next_value: eb('next_value', '+', size) }))
            .where('name', '=', 'order_number')
            .executeTakeFirst()
        if (affected(await bump()) === 0) {
          await insertIgnoringConflicts(trx.insertInto('ordo_sequence').values({ name: 'order_number', next_value: this.#start }), storage.capabilities).execute()
          await bump()
        }
        const row = await trx.selectFrom('ordo_sequence').select('next_value').where('name', '=', 'order_number').executeTakeFirstOrThrow()
        return Number(row.next_value)
      }),
    )
    this.#next = taken - size
    this.#end = taken - 1
  }
}
