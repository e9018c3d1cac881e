import { createCommerce, isOrdoError, type Commerce, type Database } from '@ordo/core'
import { createTestDatabase, testClock, type TestClock, type TestDatabase } from '@ordo/testing'
import fc from 'fast-check'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loyaltySettings, type NegativeBalancePolicy } from '../src/loyalty/loyalty-config.js'
import { createLoyaltyLedger, type LoyaltyLedger } from '../src/loyalty/loyalty-ledger.js'

const DAY = 86_400_000

type Op =
  | { type: 'earn'; points: number }
  | { type: 'credit'; points: number }
  | { type: 'debit'; points: number }
  | { type: 'spend'; points: number }
  | { type: 'complete'; pick: number }
  | { type: 'cancel'; pick: number }
  | { type: 'shrink'; pick: number; keepPercent: number }
  | { type: 'return'; pick: number; keepPercent: number }
  | { type: 'wait'; days: number }
  | { type: 'activate' }
  | { type: 'expire' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('earn' as const), points: fc.integer({ min: 1, max: 500 }) }),
  fc.record({ type: fc.constant('credit' as const), points: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ type: fc.constant('debit' as const), points: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ type: fc.constant('spend' as const), points: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ type: fc.constant('complete' as const), pick: fc.nat() }),
  fc.record({ type: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ type: fc.constant('shrink' as const), pick: fc.nat(), keepPercent: fc.integer({ min: 0, max: 110 }) }),
  fc.record({ type: fc.constant('return' as const), pick: fc.nat(), keepPercent: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ type: fc.constant('wait' as const), days: fc.integer({ min: 1, max: 120 }) }),
  fc.constant({ type: 'activate' as const }),
  fc.constant({ type: 'expire' as const }),
)

interface EntryRow {
  id: string
  kind: string
  status: string
  points: number
  remaining: number
  expires_at: number | null
  activates_at: number | null
  order_id: string | null
}

for (const policy of ['debt', 'allow'] as NegativeBalancePolicy[]) {
  describe(`[sqlite] loyalty ledger properties (negative balance: ${policy})`, () => {
    let database: TestDatabase
    let shop: Commerce
    let clock: TestClock
    let ledger: LoyaltyLedger
    let customerNo = 0

    beforeAll(async () => {
      database = await createTestDatabase('sqlite')
      clock = testClock('2026-01-01T00:00:00Z')
      shop = await createCommerce({ storage: database.storage, currency: 'RUB', clock })
      ledger = createLoyaltyLedger(loyaltySettings({ earnBasisPoints: 500, activationDays: 14, expiryDays: 90, warnDaysBefore: 7, negativeBalance: policy }), database.storage.capabilities)
    })
    afterAll(async () => {
      await shop?.close()
      await database?.drop()
    })

    const db = (uow: { db: unknown }) => uow.db as Kysely<Database>

    async function entries(customerId: string): Promise<EntryRow[]> {
      const rows = await shop.run((uow) =>
        db(uow).selectFrom('ordo_loyalty_entry').select(['id', 'kind', 'status', 'points', 'remaining', 'expires_at', 'activates_at', 'order_id']).where('customer_id', '=', customerId).orderBy('id').execute(),
      )
      return rows.map((r) => ({ ...r, points: Number(r.points), remaining: Number(r.remaining), expires_at: r.expires_at === null ? null : Number(r.expires_at), activates_at: r.activates_at === null ? null : Number(r.activates_at) }))
    }

    async function allocations(ids: string[]) {
      if (ids.length === 0) return []
      const rows = await shop.run((uow) => db(uow).selectFrom('ordo_loyalty_allocation').selectAll().where('credit_entry_id', 'in', ids).execute())
      return rows.map((r) => ({ debit: r.debit_entry_id, credit: r.credit_entry_id, points: Number(r.points), released: r.released_at !== null }))
    }

    const isCredit = (e: EntryRow) => e.points > 0 && (e.kind === 'earn' || e.kind === 'adjust')

    /** The ledger's invariants for one customer. */
    async function checkInvariants(customerId: string) {
      const rows = await entries(customerId)
      const allocs = await allocations(rows.map((r) => r.id))
      const live = allocs.filter((a) => !a.released)
      const balance = await shop.run((uow) => ledger.balance(db(uow), customerId, uow.now))
      const now = clock.now().getTime()
      // balance = Σ entries (released holds count for nothing: their points went back).
      expect(balance.total).toBe(rows.filter((r) => r.status !== 'released').reduce((s, r) => s + r.points, 0))
      // …and it is what the credits still hold, pending included, less the debt.
      const unspent = rows.filter((r) => isCredit(r) && r.status !== 'pending').reduce((s, r) => s + r.remaining, 0)
      expect(balance.total).toBe(balance.pending + unspent - balance.debt)
      expect(balance.active).toBe(rows.filter((r) => isCredit(r) && ['active', 'partly_spent'].includes(r.status) && r.expires_at! > now).reduce((s, r) => s + r.remaining, 0))
      expect(balance.active).toBeGreaterThanOrEqual(0)
      for (const credit of rows.filter(isCredit)) {
        // No entry spent twice: what was drawn on a credit never exceeds it, and its remaining is exactly the rest.
        const drawn = live.filter((a) => a.credit === credit.id).reduce((s, a) => s + a.points, 0)
        expect(credit.remaining).toBe(credit.points - drawn)
        expect(credit.remaining).toBeGreaterThanOrEqual(0)
        if (credit.status === 'pending') expect(drawn).toBe(0)
      }
      for (const debit of rows.filter((r) => r.points < 0 && r.status !== 'released')) {
        const covered = live.filter((a) => a.debit === debit.id).reduce((s, a) => s + a.points, 0)
        expect(covered + debit.remaining).toBe(-debit.points)
        if (debit.kind === 'spend') expect(debit.remaining).toBe(0)
      }
      for (const released of rows.filter((r) => r.status === 'released')) {
        expect(allocs.filter((a) => a.debit === released.id).every((a) => a.released)).toBe(true)
      }
      return { rows, balance }
    }

    test('balance = Σ entries; spending never exceeds the active balance; no entry spent twice; cancel and partial give-backs restore exactly; activation and expiry follow the clock', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
          const customerId = `c${++customerNo}`
          const holds: { orderId: string; state: 'held' | 'committed' | 'released' }[] = []
          const earns: string[] = []
          let seq = 0
          for (const op of ops) {
            const before = await checkInvariants(customerId)
            switch (op.type) {
              case 'earn': {
                const orderId = `${customerId}-o${++seq}`
                earns.push(orderId)
                await shop.run((uow) => ledger.credit(uow, { customerId, kind: 'earn', points: op.points, pending: true, orderId, externalId: `order:${orderId}:earn`, reason: null }))
                break
              }
              case 'credit':
                await shop.run((uow) => ledger.credit(uow, { customerId, kind: 'adjust', points: op.points, pending: false, orderId: null, externalId: `adjust:${++seq}`, reason: 'test' }))
                break
              case 'debit':
                await shop.run((uow) => ledger.debit(uow, { customerId, points: op.points, externalId: `adjust:${++seq}`, reason: 'test' }))
                break
              case 'spend': {
                const orderId = `${customerId}-s${++seq}`
                const available = before.balance.active
                const result = await shop.run((uow) => ledger.hold(uow, { customerId, orderId, points: op.points })).then(
                  () => 'held' as const,
                  (error: unknown) => {
                    if (isOrdoError(error, 'LOYALTY_INSUFFICIENT')) return 'refused' as const
                    throw error
                  },
                )
                // A hold succeeds exactly when the active balance covers it, and takes exactly that much.
                expect(result).toBe(op.points <= available ? 'held' : 'refused')
                const after = await shop.run((uow) => ledger.balance(db(uow), customerId, uow.now))
                if (result === 'held') {
                  holds.push({ orderId, state: 'held' })
                  expect(after.active).toBe(available - op.points)
                  expect(after.held).toBe(before.balance.held + op.points)
                } else expect(after).toEqual(before.balance)
                break
              }
              case 'complete': {
                const open = holds.filter((h) => h.state === 'held')
                const hold = open[op.pick % Math.max(open.length, 1)]
                if (!hold) break
                await shop.run((uow) => ledger.commit(uow, hold.orderId))
                hold.state = 'committed'
                break
              }
              case 'cancel': {
                const open = holds.filter((h) => h.state !== 'released')
                const hold = open[op.pick % Math.max(open.length, 1)]
                if (!hold) break
                const spend = before.rows.find((r) => r.kind === 'spend' && r.order_id === hold.orderId)
                const drawn = (await allocations(before.rows.filter(isCredit).map((r) => r.id))).filter((a) => a.debit === spend?.id && !a.released)
                await shop.run((uow) => ledger.release(uow, hold.orderId))
                hold.state = 'released'
                const after = await entries(customerId)
                // Every credit gets back exactly what the hold drew on it, and keeps its expiry.
                for (const credit of before.rows.filter(isCredit)) {
                  const back = drawn.filter((a) => a.credit === credit.id).reduce((s, a) => s + a.points, 0)
                  const now = after.find((r) => r.id === credit.id)!
                  expect(now.remaining).toBe(credit.remaining + back)
                  expect(now.expires_at).toBe(credit.expires_at)
                }
                break
              }
              case 'shrink': {
                const open = holds.filter((h) => h.state !== 'released')
                const hold = open[op.pick % Math.max(open.length, 1)]
                if (!hold) break
                const spend = before.rows.find((r) => r.kind === 'spend' && r.order_id === hold.orderId)!
                const target = Math.floor((-spend.points * op.keepPercent) / 100)
                const given = await shop.run((uow) => ledger.shrink(uow, { orderId: hold.orderId, points: target, reason: 'test' }))
                // A spend only shrinks, to exactly the target, and the points go back to credits, which keep their expiry.
                expect(given).toBe(Math.max(0, -spend.points - target))
                const after = await checkInvariants(customerId)
                expect(after.rows.find((r) => r.id === spend.id)!.points).toBe(0 - Math.min(-spend.points, target))
                expect(after.balance.total - before.balance.total).toBe(given)
                expect(after.balance.held - before.balance.held).toBe(hold.state === 'held' ? 0 - given : 0)
                let back = 0
                for (const credit of before.rows.filter(isCredit)) {
                  const now = after.rows.find((r) => r.id === credit.id)!
                  expect(now.expires_at).toBe(credit.expires_at)
                  expect(now.remaining).toBeGreaterThanOrEqual(credit.remaining)
                  back += now.remaining - credit.remaining
                }
                expect(back).toBe(given)
                // The same target again changes nothing.
                expect(await shop.run((uow) => ledger.shrink(uow, { orderId: hold.orderId, points: target, reason: 'test' }))).toBe(0)
                expect(await entries(customerId)).toEqual(after.rows)
                break
              }
              case 'return': {
                const orderId = earns[op.pick % Math.max(earns.length, 1)]
                if (!orderId) break
                const earn = before.rows.find((r) => r.kind === 'earn' && r.order_id === orderId)
                if (!earn) break
                const target = Math.floor((earn.points * op.keepPercent) / 100)
                await shop.run((uow) => ledger.regrant(uow, { customerId, orderId, points: target }))
                const after = await checkInvariants(customerId)
                if (earn.status === 'pending') expect(after.rows.find((r) => r.id === earn.id)!.points).toBe(target)
                // The balance never drops by more than the points taken back.
                expect(before.balance.total - after.balance.total).toBeLessThanOrEqual(Math.max(0, earn.points - target))
                if (policy === 'debt') expect(after.balance.active).toBeGreaterThanOrEqual(before.balance.active - earn.remaining)
                break
              }
              case 'wait':
                clock.advance(op.days * DAY)
                break
              case 'activate': {
                await shop.run((uow) => ledger.activateDue(uow, 10_000))
                const now = clock.now().getTime()
                const after = await entries(customerId)
                // Due earns are active, with their expiry counted from the day they became due; the rest still wait.
                for (const row of after.filter((r) => r.kind === 'earn')) {
                  if (row.status === 'pending') expect(row.activates_at!).toBeGreaterThan(now)
                  const was = before.rows.find((r) => r.id === row.id)!
                  if (was.status === 'pending' && row.status !== 'pending') expect(row.expires_at).toBe(was.activates_at! + 90 * DAY)
                }
                break
              }
              case 'expire': {
                await shop.run((uow) => ledger.expireDue(uow, 10_000))
                const now = clock.now().getTime()
                const after = await entries(customerId)
                // Nothing past its date is left to spend; what was not yet due is untouched.
                for (const row of after.filter(isCredit)) {
                  if (row.expires_at !== null && row.expires_at <= now) expect(row.remaining).toBe(0)
                  const was = before.rows.find((r) => r.id === row.id)!
                  if (row.expires_at !== null && row.expires_at > now) expect(row.remaining).toBe(was.remaining)
                }
                break
              }
            }
            await checkInvariants(customerId)
          }
        }),
        { numRuns: 40 },
      )
    }, 240_000)
  })
}

