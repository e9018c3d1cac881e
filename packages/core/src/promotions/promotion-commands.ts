import type { Kysely } from 'kysely'
import { OrdoError } from '../errors.js'
import { pricingOptionsFromPlugins } from '../pricing/pricing-plugin.js'
import { createPromotionRegistry, validatePromotionRules } from '../pricing/promotion-registry.js'
import type { PromotionBenefit, PromotionCondition, PromotionKind } from '../pricing/promotion-types.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { runInTransaction } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import {
  createPromotionSchema,
  listPromotionsSchema,
  promotionIdSchema,
  updatePromotionSchema,
  type CreatePromotionInput,
  type ListPromotionsInput,
  type UpdatePromotionInput,
} from './promotion-inputs.js'
import { toPromotionRecord, type PromotionRecord } from './promotion-records.js'
import type { PromotionTable } from './promotions-schema.js'
import { bumpRevision } from '../storage/revisions.js'

/** The promotion commands and queries of `shop.promotions`. @internal */
export function createPromotionCommands(runtime: Runtime) {
  const registry = createPromotionRegistry(pricingOptionsFromPlugins(runtime.plugins))

  /** Checks the rules against the registry; returns them parsed, or throws VALIDATION naming each problem. */
  function checkRules(command: string, kind: PromotionKind, requiresCoupon: boolean, conditions: readonly { type: string }[], benefits: readonly { type: string }[]) {
    const result = validatePromotionRules(registry, kind, conditions, benefits)
    const issues = result.ok ? [] : [...result.issues]
    if (kind === 'catalog' && requiresCoupon) {
      issues.push({ path: 'requiresCoupon', message: 'catalog promotions apply to product prices without a coupon; use a cart promotion for coupons' })
    }
    if (issues.length > 0 || !result.ok) {
      const shown = issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ')
      throw new OrdoError('VALIDATION', `Invalid input to ${command}: ${shown}${issues.length > 3 ? ` (+${issues.length - 3} more)` : ''}`, {
        details: { command, issues },
      })
    }
    return { conditions: result.conditions, benefits: result.benefits }
  }

  async function load(db: Kysely<Database>, command: string, id: string): Promise<PromotionTable> {
    const row = await db.selectFrom('ordo_promotion').selectAll().where('id', '=', id).executeTakeFirst()
    if (row === undefined) throw new OrdoError('NOT_FOUND', `${command}: no promotion "${id}".`, { details: { promotionId: id } })
    return row
  }

  return {
    /** Creates a promotion after checking its conditions and benefits against the registry. */
    async create(input: CreatePromotionInput): Promise<PromotionRecord> {
      const data = parseInput('promotions.create', createPromotionSchema, input)
      const kind = data.kind ?? 'cart'
      const requiresCoupon = data.requiresCoupon ?? false
      const rules = checkRules('promotions.create', kind, requiresCoupon, data.conditions ?? [], data.benefits)
      return runInTransaction(runtime, async (uow) => {
        const now = uow.now.getTime()
        const row: PromotionTable = {
          id: newId(),
          name: data.name,
          description: data.description ?? null,
          kind,
          priority: data.priority ?? 0,
          exclusive: data.exclusive ? 1 : 0,
          stops_further: data.stopsFurtherOnLines ? 1 : 0,
          requires_coupon: requiresCoupon ? 1 : 0,
          conditions: JSON.stringify(rules.conditions),
          benefits: JSON.stringify(rules.benefits),
          valid_from: data.validFrom?.getTime() ?? null,
          valid_to: data.validTo?.getTime() ?? null,
          active: data.active === false ? 0 : 1,
          usage_limit: data.usageLimit ?? null,
          usage_per_customer: data.usagePerCustomer ?? null,
          uses_count: 0,
          archived_at: null,
          created_at: now,
          updated_at: now,
        }
        await bumpRevision(uow.db, 'promotions')
        await uow.db.insertInto('ordo_promotion').values(row).execute()
        uow.emit({ type: 'promotion.created', aggregateId: row.id, data: { promotionId: row.id, name: row.name, kind, requiresCoupon } })
        return toPromotionRecord(row)
      })
    },

    /** Changes the given fields of a promotion; the rules are checked again against its (new) kind. */
    async update(id: string, patch: UpdatePromotionInput): Promise<PromotionRecord> {
      const promotionId = parseInput('promotions.update', promotionIdSchema, id)
      const data = parseInput('promotions.update', updatePromotionSchema, patch)
      return runInTransaction(runtime, async (uow) => {
        const row = await load(uow.db, 'promotions.update', promotionId)
        if (row.archived_at !== null) {
          throw new OrdoError('VALIDATION', `promotions.update: promotion "${row.name}" is archived and can no longer change; create a new one.`, {
            details: { command: 'promotions.update', promotionId, issues: [{ path: '(input)', message: 'archived' }] },
          })
        }
        const current = toPromotionRecord(row)
        const kind = data.kind ?? current.kind
        const requiresCoupon = data.requiresCoupon ?? current.requiresCoupon
        const rules = checkRules(
          'promotions.update',
          kind,
          requiresCoupon,
          (data.conditions ?? current.conditions) as readonly PromotionCondition[],
          (data.benefits ?? current.benefits) as readonly PromotionBenefit[],
        )
        const validFrom = data.validFrom !== undefined ? data.validFrom : current.validFrom
        const validTo = data.validTo !== undefined ? data.validTo : current.validTo
        if (validFrom !== null && validTo !== null && validFrom.getTime() >= validTo.getTime()) {
          throw new OrdoError('VALIDATION', 'Invalid input to promotions.update: validTo: validTo must be after validFrom', {
            details: { command: 'promotions.update', issues: [{ path: 'validTo', message: 'validTo must be after validFrom' }] },
          })
        }
        const next: PromotionTable = {
          ...row,
          name: data.name ?? row.name,
          description: data.description !== undefined ? data.description : row.description,
          kind,
          priority: data.priority ?? Number(row.priority),
          exclusive: data.exclusive !== undefined ? (data.exclusive ? 1 : 0) : Number(row.exclusive),
          stops_further: data.stopsFurtherOnLines !== undefined ? (data.stopsFurtherOnLines ? 1 : 0) : Number(row.stops_further),
          requires_coupon: requiresCoupon ? 1 : 0,
          conditions: JSON.stringify(rules.conditions),
          benefits: JSON.stringify(rules.benefits),
          valid_from: validFrom?.getTime() ?? null,
          valid_to: validTo?.getTime() ?? null,
          active: data.active !== undefined ? (data.active ? 1 : 0) : Number(row.active),
          usage_limit: data.usageLimit !== undefined ? data.usageLimit : row.usage_limit,
          usage_per_customer: data.usagePerCustomer !== undefined ? data.usagePerCustomer : row.usage_per_customer,
          updated_at: uow.now.getTime(),
        }
        const { id: _id, uses_count: _uses, created_at: _created, archived_at: _archived, ...changes } = next
        await bumpRevision(uow.db, 'promotions')
        await uow.db.updateTable('ordo_promotion').set(changes).where('id', '=', promotionId).execute()
        uow.emit({ type: 'promotion.updated', aggregateId: promotionId, data: { promotionId, changes: Object.keys(data) } })
        return toPromotionRecord(next)
      })
    },

    /** Archives a promotion: it stops applying at once and can no longer change. Archiving again changes nothing. */
    async archive(id: string): Promise<PromotionRecord> {
      const promotionId = parseInput('promotions.archive', promotionIdSchema, id)
      return runInTransaction(runtime, async (uow) => {
        const row = await load(uow.db, 'promotions.archive', promotionId)
        if (row.archived_at !== null) return toPromotionRecord(row)
        const now = uow.now.getTime()
        await bumpRevision(uow.db, 'promotions')
        await uow.db.updateTable('ordo_promotion').set({ archived_at: now, active: 0, updated_at: now }).where('id', '=', promotionId).execute()
        uow.emit({ type: 'promotion.archived', aggregateId: promotionId, data: { promotionId } })
        return toPromotionRecord({ ...row, archived_at: now, active: 0, updated_at: now })
      })
    },

    /** The promotion with this id, or undefined. */
    async get(id: string): Promise<PromotionRecord | undefined> {
      const promotionId = parseInput('promotions.get', promotionIdSchema, id)
      const row = await runtime.db.selectFrom('ordo_promotion').selectAll().where('id', '=', promotionId).executeTakeFirst()
      return row === undefined ? undefined : toPromotionRecord(row)
    },

    /** Promotions in order of creation, a page at a time. */
    async list(filter?: ListPromotionsInput): Promise<PromotionRecord[]> {
      const data = parseInput('promotions.list', listPromotionsSchema, filter) ?? {}
      let query = runtime.db.selectFrom('ordo_promotion').selectAll().orderBy('id').limit(data.limit ?? 100)
      if (data.kind !== undefined) query = query.where('kind', '=', data.kind)
      if (data.active !== undefined) query = query.where('active', '=', data.active ? 1 : 0)
      if (!data.includeArchived) query = query.where('archived_at', 'is', null)
      if (data.after !== undefined) query = query.where('id', '>', data.after)
      return (await query.execute()).map(toPromotionRecord)
    },
  }
}
