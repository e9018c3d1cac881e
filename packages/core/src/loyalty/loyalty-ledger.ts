import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import { OrdoError } from '../errors.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { insertIgnoringConflicts } from '../storage/sql-helpers.js'
import type { StorageCapabilities } from '../storage/storage-dialect.js'
import type { UnitOfWork } from '../unit-of-work.js'
import type { LoyaltySettings } from './loyalty-config.js'
import './loyalty-events.js'
import type { LoyaltyEntryTable } from './loyalty-schema.js'
import type { LoyaltyBalance, LoyaltyRunResult } from './loyalty-types.js'

/** Credit statuses whose `remaining` may be spent. */
const LIVE = ['active', 'partly_spent'] as const
/** Debit status of expiries, reversals and negative adjustments; their `remaining` is debt. */
const POSTED = 'posted'
const BATCH = 500

/** What a new credit is. */
interface CreditInput {
  customerId: string
  kind: 'earn' | 'adjust'
  points: number
  pending: boolean
  orderId: string | null
  externalId: string | null
  reason: string | null
  /** Pending credits: when they activate. */
  activatesAt?: number
}

/**
 * The points ledger: every change is an entry; spending, expiry and
 * reversal record which credits they drew on (allocations), earliest expiry
 * first. Every change to one customer's ledger runs under that customer's row
 * lock, so two processes never spend the same points.
 *
 * @internal Used by the loyalty module, cart and checkout inside their unit of work.
 */
export interface LoyaltyLedger {
  readonly settings: LoyaltySettings
  /** The customer's balance as of `now`. */
  balance(db: Kysely<Database>, customerId: string, now: Date): Promise<LoyaltyBalance>
  /** Spendable points now. */
  spendable(db: Kysely<Database>, customerId: string, now: Date): Promise<number>
  /** Adds a credit (pending earn, or active credit that pays debt first). Idempotent by `externalId`: `created` is false when it was already there. */
  credit(uow: UnitOfWork, input: CreditInput): Promise<LoyaltyEntryTable & { created: boolean }>
  /** Takes points back (negative adjustment): earliest expiry first, the rest is debt. Idempotent by `externalId`. */
  debit(uow: UnitOfWork, input: { customerId: string; points: number; externalId: string; reason: string }): Promise<LoyaltyEntryTable>
  /** Holds points for an order (`LOYALTY_INSUFFICIENT` when the active balance is short). Idempotent per order. */
  hold(uow: UnitOfWork, input: { customerId: string; orderId: string; points: number }): Promise<LoyaltyEntryTable>
  /** The hold of an order becomes a committed spend. */
  commit(uow: UnitOfWork, orderId: string): Promise<boolean>
  /** The hold of an order goes back to the credits it drew on, with their expiry. */
  release(uow: UnitOfWork, orderId: string): Promise<number>
  /**
   * Shrinks an order's spend (held or committed) to `points`, giving the
   * difference back to the credits it drew on — latest expiry first, each with
   * its own expiry. Never grows a spend; the same target twice changes nothing.
   * Returns the points given back.
   */
  shrink(uow: UnitOfWork, input: { orderId: string; points: number; reason: string }): Promise<number>
  /** Sets what an order's earn is worth now: a pending earn is recomputed, an active one reversed by the difference. */
  regrant(uow: UnitOfWork, input: { customerId: string; orderId: string; points: number }): Promise<void>
  /** Activates pending earns due by `now`. */
  activateDue(uow: UnitOfWork, limit?: number): Promise<LoyaltyRunResult>
  /** Warns of credits expiring within `warnDaysBefore`, once each; expires credits due by `now`. */
  expireDue(uow: UnitOfWork, limit?: number): Promise<LoyaltyRunResult>
  /**
   * Moves every entry of `fromCustomerId` to `toCustomerId` (a CRM merge of
   * two customers) under both customers' locks. Entries and allocations keep
   * their points, statuses and expiry, so the merged balance is the sum of
   * both; an idempotency key both customers used is renamed on the moved
   * entry (`merged:<entry id>`), and a debt one of them carried is paid by the
   * other's live credits, as a new credit would pay it. Returns how many
   * entries moved.
   */
  moveCustomer(uow: UnitOfWork, fromCustomerId: string, toCustomerId: string): Promise<number>
}

/** Creates the ledger over the engine's storage. */
export function createLoyaltyLedger(settings: LoyaltySettings, capabilities: StorageCapabilities): LoyaltyLedger {
  /** Takes the customer's row lock (creating the row first): every ledger change of one customer runs one at a time. */
  async function lock(uow: UnitOfWork, customerId: string): Promise<void> {
    const now = uow.now.getTime()
    await insertIgnoringConflicts(
      uow.db.insertInto('ordo_loyalty_customer').values({ customer_id: customerId, tier: null, spend_12m: 0, version: 1, updated_at: now }),
      capabilities,
    ).execute()
    await uow.db
      .updateTable('ordo_loyalty_customer')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('customer_id', '=', customerId)
      .execute()
  }

  /**
   * Rows read to be changed are read with `FOR UPDATE` where the database has
   * it (PostgreSQL, MySQL — the same dialects that skip locked rows): under
   * MySQL's repeatable read a plain read would see the snapshot from before
   * the customer's lock was granted. SQLite serialises writers instead.
   */
  function locked<O>(query: SelectQueryBuilder<Database, 'ordo_loyalty_entry', O>): SelectQueryBuilder<Database, 'ordo_loyalty_entry', O> {
    return capabilities.supportsSkipLocked ? query.forUpdate() : query
  }

  async function byExternalId(db: Kysely<Database>, customerId: string, externalId: string): Promise<LoyaltyEntryTable | undefined> {
    return locked(db.selectFrom('ordo_loyalty_entry').selectAll().where('customer_id', '=', customerId).where('external_id', '=', externalId)).executeTakeFirst()
  }

  /** Live credits with points left, earliest expiry first (or one credit, whatever its expiry), read for update. */
  async function liveCredits(uow: UnitOfWork, customerId: string, only?: string): Promise<LoyaltyEntryTable[]> {
    let query = uow.db.selectFrom('ordo_loyalty_entry').selectAll().where('customer_id', '=', customerId).where('status', 'in', LIVE).where('remaining', '>', 0)
    query = only !== undefined ? query.where('id', '=', only) : query.where('expires_at', '>', uow.now.getTime())
    return locked(query.orderBy('expires_at').orderBy('created_at').orderBy('id')).execute()
  }

  function creditStatus(points: number, remaining: number, whenEmpty: string): string {
    if (remaining <= 0) return whenEmpty
    return remaining >= points ? 'active' : 'partly_spent'
  }

  async function insertEntry(uow: UnitOfWork, entry: Omit<LoyaltyEntryTable, 'id' | 'created_at' | 'updated_at' | 'warned_at'> & { warned_at?: number | null }): Promise<LoyaltyEntryTable> {
    const now = uow.now.getTime()
    const row: LoyaltyEntryTable = { id: newId(), created_at: now, updated_at: now, warned_at: null, ...entry }
    await uow.db.insertInto('ordo_loyalty_entry').values(row).execute()
    return row
  }

  async function allocate(uow: UnitOfWork, debitId: string, credit: LoyaltyEntryTable, points: number, whenEmpty: string): Promise<void> {
    const now = uow.now.getTime()
    await uow.db.insertInto('ordo_loyalty_allocation').values({ id: newId(), debit_entry_id: debitId, credit_entry_id: credit.id, points, created_at: now, released_at: null }).execute()
    const remaining = Number(credit.remaining) - points
    const status = creditStatus(Number(credit.points), remaining, whenEmpty)
    await uow.db.updateTable('ordo_loyalty_entry').set({ remaining, status, updated_at: now }).where('id', '=', credit.id).execute()
    credit.remaining = remaining
    credit.status = status
  }

  /** Draws `need` points for a debit from live credits, earliest expiry first (or from one credit). Returns what it drew. */
  async function draw(uow: UnitOfWork, customerId: string, debitId: string, need: number, whenEmpty: string, only?: string, preloaded?: LoyaltyEntryTable[]): Promise<number> {
    if (need <= 0) return 0
    const credits = preloaded ?? (await liveCredits(uow, customerId, only))
    let taken = 0
    for (const credit of credits) {
      if (taken >= need) break
      const take = Math.min(Number(credit.remaining), need - taken)
      await allocate(uow, debitId, credit, take, whenEmpty)
      taken += take
    }
    return taken
  }

  /** A newly active credit pays the customer's oldest debts first. */
  async function payDebts(uow: UnitOfWork, credit: LoyaltyEntryTable): Promise<void> {
    const debts = await locked(
      uow.db
        .selectFrom('ordo_loyalty_entry')
        .select(['id', 'remaining'])
        .where('customer_id', '=', credit.customer_id)
        .where('status', '=', POSTED)
        .where('remaining', '>', 0)
        .orderBy('created_at')
        .orderBy('id'),
    ).execute()
    for (const debt of debts) {
      if (Number(credit.remaining) <= 0) break
      const take = Math.min(Number(debt.remaining), Number(credit.remaining))
      await allocate(uow, debt.id, credit, take, 'spent')
      await uow.db.updateTable('ordo_loyalty_entry').set({ remaining: Number(debt.remaining) - take, updated_at: uow.now.getTime() }).where('id', '=', debt.id).execute()
    }
  }

  async function spendable(db: Kysely<Database>, customerId: string, now: Date): Promise<number> {
    const row = await db
      .selectFrom('ordo_loyalty_entry')
      .select((eb) => eb.fn.sum<string | number | null>('remaining').as('points'))
      .where('customer_id', '=', customerId)
      .where('status', 'in', LIVE)
      .where('expires_at', '>', now.getTime())
      .executeTakeFirst()
    return Number(row?.points ?? 0)
  }

  const ledger: LoyaltyLedger = {
    settings,

    async balance(db, customerId, now) {
      const at = now.getTime()
      const row = await db
        .selectFrom('ordo_loyalty_entry')
        .select([
          sql<string | number | null>`sum(case when status in ('active', 'partly_spent') and expires_at > ${at} then remaining else 0 end)`.as('active'),
          sql<string | number | null>`sum(case when status = 'pending' then points else 0 end)`.as('pending'),
          sql<string | number | null>`sum(case when status = 'held' then 0 - points else 0 end)`.as('held'),
          sql<string | number | null>`sum(case when status = 'posted' then remaining else 0 end)`.as('debt'),
          sql<string | number | null>`sum(case when status <> 'released' then points else 0 end)`.as('total'),
        ])
        .where('customer_id', '=', customerId)
        .executeTakeFirst()
      return {
        customerId,
        active: Number(row?.active ?? 0),
        pending: Number(row?.pending ?? 0),
        held: Number(row?.held ?? 0),
        debt: Number(row?.debt ?? 0),
        total: Number(row?.total ?? 0),
      }
    },

    spendable,

    async credit(uow, input) {
      // The customer's lock first, then everything else: one lock order, no deadlocks between ledger changes.
      await lock(uow, input.customerId)
      if (input.externalId !== null) {
        const existing = await byExternalId(uow.db, input.customerId, input.externalId)
        if (existing) return { ...existing, created: false }
      }
      const now = uow.now.getTime()
      const activatesAt = input.pending ? (input.activatesAt ?? now + settings.activationMs) : now
      const entry = await insertEntry(uow, {
        customer_id: input.customerId,
        kind: input.kind,
        status: input.pending ? 'pending' : 'active',
        points: input.points,
        remaining: input.points,
        order_id: input.orderId,
        external_id: input.externalId,
        reason: input.reason,
        related_entry_id: null,
        activates_at: activatesAt,
        expires_at: input.pending ? null : now + settings.expiryMs,
      })
      if (!input.pending) await payDebts(uow, entry)
      return { ...entry, created: true }
    },

    async debit(uow, input) {
      await lock(uow, input.customerId)
      const existing = await byExternalId(uow.db, input.customerId, input.externalId)
      if (existing) return existing
      const entry = await insertEntry(uow, {
        customer_id: input.customerId,
        kind: 'adjust',
        status: POSTED,
        points: -input.points,
        remaining: input.points,
        order_id: null,
        external_id: input.externalId,
        reason: input.reason,
        related_entry_id: null,
        activates_at: null,
        expires_at: null,
      })
      const taken = await draw(uow, input.customerId, entry.id, input.points, 'spent')
      entry.remaining = input.points - taken
      await uow.db.updateTable('ordo_loyalty_entry').set({ remaining: entry.remaining }).where('id', '=', entry.id).execute()
      return entry
    },

    async hold(uow, input) {
      const externalId = `order:${input.orderId}:spend`
      await lock(uow, input.customerId)
      const existing = await byExternalId(uow.db, input.customerId, externalId)
      if (existing) return existing
      const credits = await liveCredits(uow, input.customerId)
      const available = credits.reduce((sum, c) => sum + Number(c.remaining), 0)
      if (input.points > available) {
        throw new OrdoError('LOYALTY_INSUFFICIENT', `The customer has ${available} active points; ${input.points} cannot be spent. Lower the points with carts.redeemPoints().`, {
          details: { customerId: input.customerId, requested: input.points, available },
        })
      }
      const entry = await insertEntry(uow, {
        customer_id: input.customerId,
        kind: 'spend',
        status: 'held',
        points: -input.points,
        remaining: 0,
        order_id: input.orderId,
        external_id: externalId,
        reason: 'redeemed on an order',
        related_entry_id: null,
        activates_at: null,
        expires_at: null,
      })
      const taken = await draw(uow, input.customerId, entry.id, input.points, 'spent', undefined, credits)
      if (taken !== input.points) throw new OrdoError('INTERNAL', `Loyalty hold drew ${taken} of ${input.points} points.`, { details: { orderId: input.orderId } })
      return entry
    },

    async commit(uow, orderId) {
      const result = await uow.db
        .updateTable('ordo_loyalty_entry')
        .set({ status: 'committed', updated_at: uow.now.getTime() })
        .where('order_id', '=', orderId)
        .where('kind', '=', 'spend')
        .where('status', '=', 'held')
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },

    async release(uow, orderId) {
      const found = await uow.db.selectFrom('ordo_loyalty_entry').select('customer_id').where('order_id', '=', orderId).where('kind', '=', 'spend').executeTakeFirst()
      if (!found) return 0
      await lock(uow, found.customer_id)
      const spend = await locked(uow.db.selectFrom('ordo_loyalty_entry').selectAll().where('order_id', '=', orderId).where('kind', '=', 'spend').where('status', 'in', ['held', 'committed'])).executeTakeFirst()
      if (!spend) return 0
      const now = uow.now.getTime()
      const allocations = await uow.db.selectFrom('ordo_loyalty_allocation').selectAll().where('debit_entry_id', '=', spend.id).where('released_at', 'is', null).execute()
      let restored = 0
      for (const allocation of allocations) {
        const credit = await locked(uow.db.selectFrom('ordo_loyalty_entry').selectAll().where('id', '=', allocation.credit_entry_id)).executeTakeFirstOrThrow()
        const remaining = Number(credit.remaining) + Number(allocation.points)
        // Back to the credit with its own expiry; one already past it is expired by the next expiry run.
        await uow.db.updateTable('ordo_loyalty_entry').set({ remaining, status: creditStatus(Number(credit.points), remaining, 'spent'), updated_at: now }).where('id', '=', credit.id).execute()
        await uow.db.updateTable('ordo_loyalty_allocation').set({ released_at: now }).where('id', '=', allocation.id).execute()
        restored += Number(allocation.points)
      }
      await uow.db.updateTable('ordo_loyalty_entry').set({ status: 'released', updated_at: now }).where('id', '=', spend.id).execute()
      return restored
    },

    async shrink(uow, input) {
      const found = await uow.db.selectFrom('ordo_loyalty_entry').select('customer_id').where('order_id', '=', input.orderId).where('kind', '=', 'spend').executeTakeFirst()
      if (!found) return 0
      await lock(uow, found.customer_id)
      const spend = await locked(
        uow.db.selectFrom('ordo_loyalty_entry').selectAll().where('order_id', '=', input.orderId).where('kind', '=', 'spend').where('status', 'in', ['held', 'committed']),
      ).executeTakeFirst()
      if (!spend) return 0
      const back = -Number(spend.points) - Math.max(0, input.points)
      if (back <= 0) return 0
      const now = uow.now.getTime()
      const allocations = await uow.db
        .selectFrom('ordo_loyalty_allocation as a')
        .innerJoin('ordo_loyalty_entry as c', 'c.id', 'a.credit_entry_id')
        .select(['a.id', 'a.credit_entry_id', 'a.points', 'a.created_at', 'c.expires_at'])
        .where('a.debit_entry_id', '=', spend.id)
        .where('a.released_at', 'is', null)
        .execute()
      // The reverse of how the spend drew: the credit that expires last gets its points back first.
      allocations.sort((a, b) => Number(b.expires_at ?? 0) - Number(a.expires_at ?? 0) || (a.id < b.id ? 1 : -1))
      let left = back
      for (const allocation of allocations) {
        if (left <= 0) break
        const give = Math.min(left, Number(allocation.points))
        const credit = await locked(uow.db.selectFrom('ordo_loyalty_entry').selectAll().where('id', '=', allocation.credit_entry_id)).executeTakeFirstOrThrow()
        const remaining = Number(credit.remaining) + give
        await uow.db.updateTable('ordo_loyalty_entry').set({ remaining, status: creditStatus(Number(credit.points), remaining, 'spent'), updated_at: now }).where('id', '=', credit.id).execute()
        if (give === Number(allocation.points)) {
          await uow.db.updateTable('ordo_loyalty_allocation').set({ released_at: now }).where('id', '=', allocation.id).execute()
        } else {
          // Split the allocation: what stays spent, and a released part that records what went back.
          await uow.db.updateTable('ordo_loyalty_allocation').set({ points: Number(allocation.points) - give }).where('id', '=', allocation.id).execute()
          await uow.db.insertInto('ordo_loyalty_allocation').values({ id: newId(), debit_entry_id: spend.id, credit_entry_id: credit.id, points: give, created_at: Number(allocation.created_at), released_at: now }).execute()
        }
        left -= give
      }
      const given = back - left
      const reason = `${spend.reason ?? 'redeemed on an order'}; ${given} given back (${input.reason})`.slice(0, 500)
      await uow.db.updateTable('ordo_loyalty_entry').set({ points: Number(spend.points) + given, reason, updated_at: now }).where('id', '=', spend.id).execute()
      return given
    },

    async regrant(uow, input) {
      await lock(uow, input.customerId)
      const earn = await byExternalId(uow.db, input.customerId, `order:${input.orderId}:earn`)
      if (!earn) return
      const now = uow.now.getTime()
      if (earn.status === 'pending') {
        const before = Number(earn.points)
        if (before === input.points) return
        await uow.db
          .updateTable('ordo_loyalty_entry')
          .set({ points: input.points, remaining: input.points, status: input.points === 0 ? 'reversed' : 'pending', updated_at: now })
          .where('id', '=', earn.id)
          .execute()
        if (before > input.points) {
          uow.emit({ type: 'loyalty.points_reversed', aggregateId: input.customerId, data: { customerId: input.customerId, orderId: input.orderId, points: before - input.points, debt: 0 } })
        }
        return
      }
      // What the order still grants is the earn less what was reversed; the customer is never charged points that already expired.
      const related = await uow.db.selectFrom('ordo_loyalty_entry').select(['kind', 'points']).where('related_entry_id', '=', earn.id).execute()
      const reversed = related.filter((r) => r.kind === 'reverse').reduce((s, r) => s - Number(r.points), 0)
      const expired = related.filter((r) => r.kind === 'expire').reduce((s, r) => s - Number(r.points), 0)
      const charge = Number(earn.points) - reversed - expired - input.points
      if (charge <= 0) return
      const entry = await insertEntry(uow, {
        customer_id: input.customerId,
        kind: 'reverse',
        status: POSTED,
        points: -charge,
        remaining: charge,
        order_id: input.orderId,
        external_id: null,
        reason: 'goods returned or refunded',
        related_entry_id: earn.id,
        activates_at: null,
        expires_at: null,
      })
      let taken = await draw(uow, input.customerId, entry.id, charge, 'reversed', earn.id)
      if (settings.negativeBalance === 'allow') taken += await draw(uow, input.customerId, entry.id, charge - taken, 'spent')
      const debt = charge - taken
      await uow.db.updateTable('ordo_loyalty_entry').set({ remaining: debt }).where('id', '=', entry.id).execute()
      uow.emit({ type: 'loyalty.points_reversed', aggregateId: input.customerId, data: { customerId: input.customerId, orderId: input.orderId, points: charge, debt } })
    },

    async activateDue(uow, limit = BATCH) {
      const now = uow.now.getTime()
      const due = await uow.db
        .selectFrom('ordo_loyalty_entry')
        .selectAll()
        .where('status', '=', 'pending')
        .where('activates_at', '<=', now)
        .orderBy('activates_at')
        .orderBy('id')
        .limit(limit)
        .execute()
      let points = 0
      for (const entry of due) {
        await lock(uow, entry.customer_id)
        const expiresAt = Number(entry.activates_at) + settings.expiryMs
        const updated = await uow.db
          .updateTable('ordo_loyalty_entry')
          .set({ status: 'active', expires_at: expiresAt, updated_at: now })
          .where('id', '=', entry.id)
          .where('status', '=', 'pending')
          .executeTakeFirst()
        if (Number(updated.numUpdatedRows) !== 1) continue
        const active: LoyaltyEntryTable = { ...entry, status: 'active', expires_at: expiresAt }
        await payDebts(uow, active)
        points += Number(entry.points)
        uow.emit({
          type: 'loyalty.points_activated',
          aggregateId: entry.customer_id,
          data: { customerId: entry.customer_id, entryId: entry.id, orderId: entry.order_id, points: Number(entry.points), expiresAt: new Date(expiresAt).toISOString() },
        })
      }
      return { entries: due.length, points }
    },

    async expireDue(uow, limit = BATCH) {
      const now = uow.now.getTime()
      // Warnings first, once per credit, summed per customer.
      const warn = await uow.db
        .selectFrom('ordo_loyalty_entry')
        .select(['id', 'customer_id', 'remaining', 'expires_at'])
        .where('status', 'in', LIVE)
        .where('remaining', '>', 0)
        .where('warned_at', 'is', null)
        .where('expires_at', '>', now)
        .where('expires_at', '<=', now + settings.warnMs)
        .orderBy('customer_id')
        .orderBy('expires_at')
        .limit(limit)
        .execute()
      const warnings = new Map<string, { points: number; expiresAt: number }>()
      for (const credit of warn) {
        const current = warnings.get(credit.customer_id) ?? { points: 0, expiresAt: Number(credit.expires_at) }
        current.points += Number(credit.remaining)
        current.expiresAt = Math.min(current.expiresAt, Number(credit.expires_at))
        warnings.set(credit.customer_id, current)
      }
      for (let i = 0; i < warn.length; i += BATCH) {
        await uow.db.updateTable('ordo_loyalty_entry').set({ warned_at: now }).where('id', 'in', warn.slice(i, i + BATCH).map((w) => w.id)).execute()
      }
      for (const [customerId, w] of warnings) {
        uow.emit({ type: 'loyalty.points_expiring', aggregateId: customerId, data: { customerId, points: w.points, expiresAt: new Date(w.expiresAt).toISOString() } })
      }

      const due = await uow.db
        .selectFrom('ordo_loyalty_entry')
        .selectAll()
        .where('status', 'in', LIVE)
        .where('remaining', '>', 0)
        .where('expires_at', '<=', now)
        .orderBy('customer_id')
        .orderBy('expires_at')
        .orderBy('id')
        .limit(limit)
        .execute()
      const expired = new Map<string, number>()
      let points = 0
      for (const credit of due) {
        await lock(uow, credit.customer_id)
        const fresh = await locked(uow.db.selectFrom('ordo_loyalty_entry').selectAll().where('id', '=', credit.id)).executeTakeFirstOrThrow()
        const amount = Number(fresh.remaining)
        if (amount <= 0 || !(LIVE as readonly string[]).includes(fresh.status)) continue
        const entry = await insertEntry(uow, {
          customer_id: credit.customer_id,
          kind: 'expire',
          status: POSTED,
          points: -amount,
          remaining: 0,
          order_id: credit.order_id,
          external_id: null,
          reason: 'points expired',
          related_entry_id: credit.id,
          activates_at: null,
          expires_at: null,
        })
        await allocate(uow, entry.id, fresh, amount, 'expired')
        expired.set(credit.customer_id, (expired.get(credit.customer_id) ?? 0) + amount)
        points += amount
      }
      for (const [customerId, amount] of expired) {
        uow.emit({ type: 'loyalty.points_expired', aggregateId: customerId, data: { customerId, points: amount } })
      }
      return { entries: due.length + warn.length, points }
    },

    async moveCustomer(uow, fromCustomerId, toCustomerId) {
      // Both locks in one order (by id): two merges, or a merge and a spend, never wait on each other crosswise.
      for (const id of [fromCustomerId, toCustomerId].sort()) await lock(uow, id)
      const moving = await locked(uow.db.selectFrom('ordo_loyalty_entry').select(['id', 'external_id']).where('customer_id', '=', fromCustomerId)).execute()
      if (moving.length === 0) return 0
      const keys = moving.flatMap((e) => (e.external_id === null ? [] : [e.external_id]))
      const taken = new Set<string>()
      for (let i = 0; i < keys.length; i += BATCH) {
        const rows = await uow.db
          .selectFrom('ordo_loyalty_entry')
          .select('external_id')
          .where('customer_id', '=', toCustomerId)
          .where('external_id', 'in', keys.slice(i, i + BATCH))
          .execute()
        for (const r of rows) if (r.external_id !== null) taken.add(r.external_id)
      }
      const now = uow.now.getTime()
      for (const entry of moving) {
        if (entry.external_id === null || !taken.has(entry.external_id)) continue
        await uow.db.updateTable('ordo_loyalty_entry').set({ external_id: `merged:${entry.id}`, updated_at: now }).where('id', '=', entry.id).execute()
      }
      await uow.db.updateTable('ordo_loyalty_entry').set({ customer_id: toCustomerId, updated_at: now }).where('customer_id', '=', fromCustomerId).execute()
      const debt = await uow.db
        .selectFrom('ordo_loyalty_entry')
        .select('id')
        .where('customer_id', '=', toCustomerId)
        .where('status', '=', POSTED)
        .where('remaining', '>', 0)
        .limit(1)
        .executeTakeFirst()
      if (debt) for (const credit of await liveCredits(uow, toCustomerId)) await payDebts(uow, credit)
      return moving.length
    },
  }
  return ledger
}
