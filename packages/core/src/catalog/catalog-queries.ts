import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely'
import { OrdoError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { loadAttributeDefinitions } from './attribute-values.js'
import { categoryAndDescendantIds } from './category-commands.js'
import { listProductsInputSchema, type ListProductsInput } from './catalog-inputs.js'
import { findProductId, loadProducts } from './catalog-load.js'
import type { ProductPage } from './catalog-module.js'
import { attributeText, baseListCode, toPriceListRule } from './catalog-rows.js'
import { containsPattern, likeEscaped } from './catalog-sql.js'
import type { PriceContext, Product, VariantWithProduct } from './catalog-types.js'
import { compareOffers, listApplies, scopedDimensions, type PriceListRule } from './price-resolution.js'
import { parseInput, parseKey } from '../validation.js'
import type { z } from 'zod'

type ListInput = z.output<typeof listProductsInputSchema>
type Eb = ExpressionBuilder<Database & { p: Database['ordo_product'] }, 'p'>

const DEFAULT_LIMIT = 50

/** Product queries. */
export function createCatalogQueries(runtime: Runtime) {
  const db = runtime.db

  return {
    async getProduct(idOrHandle: string): Promise<Product | undefined> {
      parseKey('catalog.getProduct', idOrHandle)
      const id = await findProductId(db, idOrHandle)
      return id ? (await loadProducts(db, [id])).get(id) : undefined
    },

    async getVariantBySku(sku: string): Promise<VariantWithProduct | undefined> {
      parseKey('catalog.getVariantBySku', sku)
      const row = await db.selectFrom('ordo_variant').select(['id', 'product_id']).where('sku', '=', sku).executeTakeFirst()
      if (!row) return undefined
      const product = (await loadProducts(db, [row.product_id])).get(row.product_id)
      const variant = product?.variants.find((v) => v.id === row.id)
      if (!product || !variant) return undefined
      const { variants: _variants, ...header } = product
      return { ...variant, product: header }
    },

    async listProducts(input: ListProductsInput = {}): Promise<ProductPage> {
      const filter = parseInput('listProducts', listProductsInputSchema, input)
      const limit = filter.limit ?? DEFAULT_LIMIT
      const after = filter.cursor ? decodeCursor(filter.cursor) : undefined
      const status = filter.status ?? 'active'

      const conditions: ((eb: Eb) => Expression<SqlBool>)[] = []
      if (after) conditions.push((eb) => eb('p.id', '>', after))
      if (status !== 'any') conditions.push((eb) => eb('p.status', '=', status))

      if (filter.categoryId) {
        const categoryIds = filter.includeSubcategories ? await categoryAndDescendantIds(db, filter.categoryId) : [filter.categoryId]
        if (categoryIds.length === 0) return { items: [], nextCursor: null }
        conditions.push((eb) =>
          eb.exists(
            eb
              .selectFrom('ordo_product_category as pc')
              .select(sql`1`.as('one'))
              .whereRef('pc.product_id', '=', 'p.id')
              .where('pc.category_id', 'in', categoryIds),
          ),
        )
      }

      if (filter.search) {
        const pattern = containsPattern(filter.search.toLowerCase())
        conditions.push((eb) =>
          eb.or([
            likeEscaped('p.search_text', pattern),
            eb.exists(eb.selectFrom('ordo_variant as sv').select(sql`1`.as('one')).whereRef('sv.product_id', '=', 'p.id').where(likeEscaped('sv.search_text', pattern))),
          ]),
        )
      }

      // Attribute and price filters must hold for one and the same variant.
      const variantConditions = [...(await attributeConditions(filter)), ...(await priceConditions(filter))]
      if (variantConditions.length > 0) {
        conditions.push((eb) =>
          eb.exists(
            eb
              .selectFrom('ordo_variant as v')
              .select(sql`1`.as('one'))
              .whereRef('v.product_id', '=', 'p.id')
              .$if(status === 'active', (q) => q.where('v.status', '=', 'active'))
              .where((veb) => veb.and(variantConditions.map((c) => c(veb as never)))),
          ),
        )
      }

      const rows = await db
        .selectFrom('ordo_product as p')
        .select('p.id')
        .where((eb) => eb.and(conditions.map((c) => c(eb))))
        .orderBy('p.id')
        .limit(limit + 1)
        .execute()
      const page = rows.slice(0, limit)
      const products = await loadProducts(db, page.map((r) => r.id))
      return {
        items: page.map((r) => products.get(r.id)).filter((p): p is Product => p !== undefined),
        nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
      }
    },
  }

  async function attributeConditions(filter: ListInput): Promise<VariantCondition[]> {
    const entries = Object.entries(filter.attributes ?? {})
    if (entries.length === 0) return []
    const definitions = await loadAttributeDefinitions(db, entries.map(([code]) => code))
    const issues: { path: string; message: string }[] = []
    const out: VariantCondition[] = []
    for (const [code, wanted] of entries) {
      const path = `attributes.${code}`
      const definition = definitions.get(code)
      if (!definition) {
        issues.push({ path, message: `unknown attribute "${code}"` })
        continue
      }
      if (!definition.filterable) {
        issues.push({ path, message: `attribute "${code}" is not filterable; make it so with defineAttribute({ ..., filterable: true })` })
        continue
      }
      if (typeof wanted === 'object' && !Array.isArray(wanted)) {
        if (definition.type !== 'number') {
          issues.push({ path, message: `a { min, max } range needs a number attribute; "${code}" is ${definition.type}` })
          continue
        }
        out.push((eb) => {
          let q = eb
            .selectFrom('ordo_attribute_value as av')
            .select(sql`1`.as('one'))
            .whereRef('av.variant_id', '=', 'v.id')
            .where('av.attribute_code', '=', code)
          if (wanted.min !== undefined) q = q.where('av.value_number', '>=', wanted.min)
          if (wanted.max !== undefined) q = q.where('av.value_number', '<=', wanted.max)
          return eb.exists(q)
        })
        continue
      }
      const values = Array.isArray(wanted) ? wanted : [wanted]
      const expected = definition.type === 'option' ? 'string' : definition.type === 'text' ? 'string' : definition.type
      const wrong = values.find((v) => typeof v !== expected)
      if (wrong !== undefined) {
        issues.push({ path, message: `attribute "${code}" is ${definition.type}; got ${typeof wrong} ${JSON.stringify(wrong)}` })
        continue
      }
      if (definition.type === 'number') {
        out.push((eb) =>
          eb.exists(
            eb
              .selectFrom('ordo_attribute_value as av')
              .select(sql`1`.as('one'))
              .whereRef('av.variant_id', '=', 'v.id')
              .where('av.attribute_code', '=', code)
              .where('av.value_number', 'in', values as number[]),
          ),
        )
      } else {
        const texts = values.map((v) => attributeText(v))
        out.push((eb) =>
          eb.exists(
            eb
              .selectFrom('ordo_attribute_value as av')
              .select(sql`1`.as('one'))
              .whereRef('av.variant_id', '=', 'v.id')
              .where('av.attribute_code', '=', code)
              .where('av.value_text', 'in', texts),
          ),
        )
      }
    }
    if (issues.length > 0) {
      throw new OrdoError('VALIDATION', `Invalid input to listProducts: ${issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
        details: { command: 'listProducts', issues },
      })
    }
    return out
  }

  /**
   * The price filter as a condition on the variant: its base price — or,
   * with a context, its effective price (the best applicable offer, ranked
   * as resolution ranks them) — lies within [min, max].
   */
  async function priceConditions(filter: ListInput): Promise<VariantCondition[]> {
    const price = filter.price
    if (!price || (price.min === undefined && price.max === undefined)) return []
    const lists = await db
      .selectFrom('ordo_price_list')
      .selectAll()
      .where('currency', '=', price.currency)
      .where('active', '=', 1)
      .execute()
    let applicable: PriceListRule[]
    if (price.context) {
      const context: PriceContext = {
        currency: price.currency,
        region: price.context.region ?? null,
        channel: price.context.channel ?? null,
        customerGroups: price.context.customerGroups ?? [],
        at: price.context.at ?? runtime.clock.now(),
      }
      applicable = lists.map(toPriceListRule).filter((l) => listApplies(l, context))
    } else {
      applicable = lists.filter((l) => l.code === baseListCode(price.currency)).map(toPriceListRule)
    }
    if (applicable.length === 0) return [() => sql<SqlBool>`1 = 0`]
    // Lists of equal priority and scope form one tier; the lowest amount wins
    // within the best tier that has a price, then the code decides.
    const sorted = [...applicable].sort((a, b) => compareOffers({ list: a, amount: 0, compareAt: null }, { list: b, amount: 0, compareAt: null }))
    const tiers = new Map<string, number>()
    const ranks = new Map<string, number>()
    let tier = -1
    let last = ''
    sorted.forEach((list, index) => {
      const key = `${list.priority}:${scopedDimensions(list)}`
      if (key !== last) tier++
      last = key
      tiers.set(list.id, tier)
      ranks.set(list.id, index)
    })
    const ids = sorted.map((l) => l.id)
    const caseOf = (values: Map<string, number>) =>
      sql`case ${sql.join(
        ids.map((id) => sql`when ${sql.ref('pr.price_list_id')} = ${id} then ${sql.lit(values.get(id)!)}`),
        sql` `,
      )} end`
    return [
      (eb) => {
        const best = eb
          .selectFrom('ordo_price as pr')
          .select('pr.amount')
          .whereRef('pr.variant_id', '=', 'v.id')
          .where('pr.price_list_id', 'in', ids)
          .orderBy(caseOf(tiers))
          .orderBy('pr.amount')
          .orderBy(caseOf(ranks))
          .limit(1)
        const parts: Expression<SqlBool>[] = []
        if (price.min !== undefined) parts.push(eb(best, '>=', price.min))
        if (price.max !== undefined) parts.push(eb(best, '<=', price.max))
        return eb.and(parts)
      },
    ]
  }
}

type VariantCondition = (eb: ExpressionBuilder<Database & { v: Database['ordo_variant'] }, 'v'>) => Expression<SqlBool>

function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ after: id }), 'utf8').toString('base64url')
}

function decodeCursor(cursor: string): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown }
    if (typeof value.after === 'string' && value.after.length > 0 && value.after.length <= 36) return value.after
  } catch {
    // fall through to the error below
  }
  throw new OrdoError('VALIDATION', 'Invalid input to listProducts: cursor: not a cursor returned by listProducts (pass nextCursor as it is).', {
    details: { command: 'listProducts', issues: [{ path: 'cursor', message: 'not a cursor returned by listProducts' }] },
  })
}
