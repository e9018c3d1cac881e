import { OrdoError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import { newId } from '../storage/ids.js'
import { insertIgnoringConflicts } from '../storage/sql-helpers.js'
import { runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import { randomCouponCodes } from './coupon-codes.js'
import {
  checkCouponSchema,
  createCouponSchema,
  generateCouponsSchema,
  listCouponsSchema,
  lookupCodeSchema,
  promotionIdSchema,
  type CheckCouponOptions,
  type CreateCouponInput,
  type GenerateCouponsInput,
  type ListCouponsInput,
} from './promotion-inputs.js'
import { checkCouponCode } from './promotion-loader.js'
import { toCoupon, type Coupon, type CouponCheck, type GeneratedCoupons } from './promotion-records.js'
import type { CouponTable } from './promotions-schema.js'

/** Rows per multi-row insert of coupons: 11 columns × 1000 rows stays under every dialect's parameter limit. */
const COUPON_CHUNK = 1000
/** Random characters in a generated code unless asked otherwise: 32^10 ≈ 1.1 × 10^15 possible codes. */
const DEFAULT_CODE_LENGTH = 10
/** Rounds of regenerating codes that collided with existing ones before giving up (each round is astronomically unlikely). */
const MAX_ROUNDS = 5

/** The coupon commands and queries of `shop.promotions`. @internal */
export function createCouponCommands(runtime: Runtime) {
  /** The promotion a coupon is for: it must exist, not be archived, and need a coupon. */
  async function couponPromotion(uow: UnitOfWork, command: string, promotionId: string) {
    const row = await uow.db.selectFrom('ordo_promotion').select(['id', 'name', 'requires_coupon', 'archived_at']).where('id', '=', promotionId).executeTakeFirst()
    if (row === undefined) throw new OrdoError('NOT_FOUND', `${command}: no promotion "${promotionId}".`, { details: { promotionId } })
    const refuse = (message: string): never => {
      throw new OrdoError('VALIDATION', `Invalid input to ${command}: promotionId: ${message}`, {
        details: { command, promotionId, issues: [{ path: 'promotionId', message }] },
      })
    }
    if (row.archived_at !== null) refuse(`promotion "${row.name}" is archived`)
    if (Number(row.requires_coupon) !== 1) refuse(`promotion "${row.name}" applies without a coupon; update it with requiresCoupon: true first`)
    return row
  }

  return {
    /** Creates one coupon code for a promotion that requires a coupon. A code already taken → `DUPLICATE`. */
    async createCoupon(input: CreateCouponInput): Promise<Coupon> {
      const data = parseInput('promotions.createCoupon', createCouponSchema, input)
      return runInTransaction(runtime, async (uow) => {
        await couponPromotion(uow, 'promotions.createCoupon', data.promotionId)
        const row: CouponTable = {
          id: newId(),
          code: data.code,
          promotion_id: data.promotionId,
          batch_id: null,
          usage_limit: data.usageLimit ?? null,
          uses_count: 0,
          per_customer_limit: data.perCustomerLimit ?? null,
          valid_from: data.validFrom?.getTime() ?? null,
          valid_to: data.validTo?.getTime() ?? null,
          active: 1,
          created_at: uow.now.getTime(),
        }
        const result = await insertIgnoringConflicts(uow.db.insertInto('ordo_coupon').values(row), runtime.storage.capabilities).executeTakeFirst()
        if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) {
          throw new OrdoError('DUPLICATE', `The coupon code ${data.code} is already taken (codes are case-insensitive).`, { details: { code: data.code } })
        }
        uow.emit({ type: 'coupon.created', aggregateId: data.promotionId, data: { couponId: row.id, promotionId: data.promotionId, code: row.code } })
        return toCoupon(row)
      })
    },

    /**
     * Generates `count` unique, unguessable codes (crypto-random, from an
     * alphabet without look-alike characters) for a promotion that requires
     * a coupon, in one transaction with multi-row inserts. Codes that happen
     * to collide with existing ones are replaced, never skipped.
     */
    async generateCoupons(promotionId: string, options: GenerateCouponsInput): Promise<GeneratedCoupons> {
      const id = parseInput('promotions.generateCoupons', promotionIdSchema, promotionId)
      const data = parseInput('promotions.generateCoupons', generateCouponsSchema, options)
      const length = data.length ?? DEFAULT_CODE_LENGTH
      const prefix = data.prefix ?? ''
      return runInTransaction(runtime, async (uow) => {
        await couponPromotion(uow, 'promotions.generateCoupons', id)
        const batchId = newId()
        const now = uow.now.getTime()
        const toRow = (code: string): CouponTable => ({
          id: newId(),
          code,
          promotion_id: id,
          batch_id: batchId,
          usage_limit: data.usageLimit === undefined ? 1 : data.usageLimit,
          uses_count: 0,
          per_customer_limit: data.perCustomerLimit ?? null,
          valid_from: data.validFrom?.getTime() ?? null,
          valid_to: data.validTo?.getTime() ?? null,
          active: 1,
          created_at: now,
        })
        const created: string[] = []
        const tried = new Set<string>()
        let wanted = data.count
        for (let round = 0; wanted > 0; round++) {
          if (round === MAX_ROUNDS) {
            throw new OrdoError('INTERNAL', `promotions.generateCoupons: could not find ${wanted} free codes after ${MAX_ROUNDS} rounds; use a longer length.`, {
              details: { length, prefix, wanted },
            })
          }
          const candidates = randomCouponCodes(wanted, length, prefix, tried)
          for (const code of candidates) tried.add(code)
          for (let i = 0; i < candidates.length; i += COUPON_CHUNK) {
            const chunk = candidates.slice(i, i + COUPON_CHUNK)
            const result = await insertIgnoringConflicts(uow.db.insertInto('ordo_coupon').values(chunk.map(toRow)), runtime.storage.capabilities).executeTakeFirst()
            if (Number(result.numInsertedOrUpdatedRows ?? 0) === chunk.length) {
              created.push(...chunk)
              continue
            }
            // Some codes already existed: keep the ones this batch inserted, replace the rest next round.
            const mine = new Set(
              (await uow.db.selectFrom('ordo_coupon').select('code').where('batch_id', '=', batchId).where('code', 'in', chunk).execute()).map((r) => r.code),
            )
            for (const code of chunk) if (mine.has(code)) created.push(code)
          }
          wanted = data.count - created.length
        }
        uow.emit({ type: 'coupon.batch_generated', aggregateId: id, data: { batchId, promotionId: id, count: created.length } })
        return { batchId, promotionId: id, codes: created }
      })
    },

    /** The coupon with this code (any case), or undefined. */
    async getCoupon(code: string): Promise<Coupon | undefined> {
      const normal = parseInput('promotions.getCoupon', lookupCodeSchema, code)
      const row = await runtime.db.selectFrom('ordo_coupon').selectAll().where('code', '=', normal).executeTakeFirst()
      return row === undefined ? undefined : toCoupon(row)
    },

    /** Coupons of a promotion or a generated batch, in order of creation, a page at a time. */
    async listCoupons(filter: ListCouponsInput): Promise<Coupon[]> {
      const data = parseInput('promotions.listCoupons', listCouponsSchema, filter)
      let query = runtime.db.selectFrom('ordo_coupon').selectAll().orderBy('id').limit(data.limit ?? 1000)
      if (data.promotionId !== undefined) query = query.where('promotion_id', '=', data.promotionId)
      if (data.batchId !== undefined) query = query.where('batch_id', '=', data.batchId)
      if (data.after !== undefined) query = query.where('id', '>', data.after)
      return (await query.execute()).map(toCoupon)
    },

    /**
     * Whether a code can be used now (or at `at`) by a customer — it exists,
     * is running, is not used up — and for which promotion; or why not. Does
     * not look at a cart: price one to see whether the promotion applies.
     */
    async checkCoupon(code: string, options?: CheckCouponOptions): Promise<CouponCheck> {
      const normal = parseInput('promotions.checkCoupon', lookupCodeSchema, code)
      const data = parseInput('promotions.checkCoupon', checkCouponSchema, options) ?? {}
      return checkCouponCode(runtime.db, normal, { customerId: data.customerId ?? null, at: data.at ?? runtime.clock.now() })
    },
  }
}
