import type { Kysely } from 'kysely'
import type { Database } from '../storage/database.js'
import { chunks, IN_CHUNK } from './catalog-sql.js'
import { pathIds, toDimensions, toPriceListRule } from './catalog-rows.js'
import type { AttributeValues, CatalogStatus, PaymentSubject, PriceContext, PricedVariant, VariantSummary } from './catalog-types.js'
import type { VatRate } from '../money/vat.js'
import { resolveOffers, type PriceDecision, type PriceOffer } from './price-resolution.js'
import type { RevisionCache } from '../storage/revisions.js'

/**
 * Variant summaries by SKU or by id: one query for variants joined with
 * their products, one for their categories with paths (for ancestors) —
 * per chunk of a thousand keys, never per variant.
 */
export async function loadVariantSummaries(
  db: Kysely<Database>,
  keys: { skus: readonly string[] } | { ids: readonly string[] },
): Promise<Map<string, VariantSummary>> {
  const bySku = 'skus' in keys
  const wanted = [...new Set(bySku ? keys.skus : keys.ids)]
  const out = new Map<string, VariantSummary>()
  if (wanted.length === 0) return out

  const rows = []
  for (const part of chunks(wanted, IN_CHUNK)) {
    rows.push(
      ...(await db
        .selectFrom('ordo_variant as v')
        .innerJoin('ordo_product as p', 'p.id', 'v.product_id')
        .select([
          'v.id',
          'v.product_id',
          'v.sku',
          'v.name',
          'v.status',
          'v.attributes',
          'v.weight_grams',
          'v.length_mm',
          'v.width_mm',
          'v.height_mm',
          'v.cost_price',
          'v.images',
          'p.name as product_name',
          'p.status as product_status',
          'p.attributes as product_attributes',
          'p.vat_rate',
          'p.payment_subject',
          'p.images as product_images',
        ])
        .where(bySku ? 'v.sku' : 'v.id', 'in', part)
        .execute()),
    )
  }
  const categories = await categoriesOfProducts(db, [...new Set(rows.map((r) => r.product_id))])

  for (const r of rows) {
    const variantImages = JSON.parse(r.images) as string[]
    const productImages = JSON.parse(r.product_images) as string[]
    const summary: VariantSummary = {
      variantId: r.id,
      productId: r.product_id,
      sku: r.sku,
      name: r.name ? `${r.product_name} — ${r.name}` : r.product_name,
      status: (r.status === 'archived' || r.product_status === 'archived' ? 'archived' : 'active') as CatalogStatus,
      categoryIds: categories.get(r.product_id) ?? [],
      attributes: { ...(JSON.parse(r.product_attributes) as AttributeValues), ...(JSON.parse(r.attributes) as AttributeValues) },
      vatRate: r.vat_rate as VatRate,
      paymentSubject: r.payment_subject as PaymentSubject,
      weightGrams: r.weight_grams === null ? null : Number(r.weight_grams),
      dimensions: toDimensions(r),
      costPrice: r.cost_price === null ? null : Number(r.cost_price),
      imageUrl: variantImages[0] ?? productImages[0] ?? null,
    }
    out.set(bySku ? r.sku : r.id, summary)
  }
  return out
}

/**
 * The categories of each product with all their ancestors (direct ones in
 * placement order, each preceded by its ancestors, root first), from the
 * categories' materialized paths in one query.
 */
export async function categoriesOfProducts(db: Kysely<Database>, productIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  for (const part of chunks(productIds, IN_CHUNK)) {
    const rows = await db
      .selectFrom('ordo_product_category as pc')
      .innerJoin('ordo_category as c', 'c.id', 'pc.category_id')
      .select(['pc.product_id', 'c.path', 'pc.position'])
      .where('pc.product_id', 'in', part)
      .orderBy('pc.product_id')
      .orderBy('pc.position')
      .orderBy('c.path')
      .execute()
    for (const row of rows) {
      const ids = out.get(row.product_id) ?? []
      for (const id of pathIds(row.path)) if (!ids.includes(id)) ids.push(id)
      out.set(row.product_id, ids)
    }
  }
  return out
}

/**
 * The offers of each variant in the lists of the context's currency that are
 * active and valid at its instant, in one query per chunk; scope is checked
 * by resolution.
 */
export async function loadOffers(db: Kysely<Database>, variantIds: readonly string[], context: PriceContext): Promise<Map<string, PriceOffer[]>> {
  const out = new Map<string, PriceOffer[]>()
  for (const [variantId, offers] of await loadActiveOffers(db, variantIds, context.currency)) {
    const live = offersAt(offers, context)
    if (live.length > 0) out.set(variantId, live)
  }
  return out
}

/**
 * The offers of each variant in every active price list (of `currency`, or of
 * any when null), whatever their validity; variants without one are absent.
 * One query per chunk.
 */
async function loadActiveOffers(db: Kysely<Database>, variantIds: readonly string[], currency: string | null): Promise<Map<string, PriceOffer[]>> {
  const out = new Map<string, PriceOffer[]>()
  const lists = new Map<string, ReturnType<typeof toPriceListRule>>()
  for (const part of chunks([...new Set(variantIds)], IN_CHUNK)) {
    const rows = await db
      .selectFrom('ordo_price as pr')
      .innerJoin('ordo_price_list as pl', 'pl.id', 'pr.price_list_id')
      .select([
        'pr.variant_id',
        'pr.amount',
        'pr.compare_at',
        'pl.id',
        'pl.code',
        'pl.name',
        'pl.currency',
        'pl.priority',
        'pl.regions',
        'pl.channels',
        'pl.customer_groups',
        'pl.valid_from',
        'pl.valid_to',
        'pl.time_zone',
        'pl.active',
      ])
      .where('pr.variant_id', 'in', part)
      .$if(currency !== null, (qb) => qb.where('pl.currency', '=', currency!))
      .where('pl.active', '=', 1)
      .execute()
    for (const row of rows) {
      let list = lists.get(row.id)
      if (!list) {
        list = toPriceListRule(row)
        lists.set(row.id, list)
      }
      const offers = out.get(row.variant_id) ?? []
      offers.push({ list, amount: Number(row.amount), compareAt: row.compare_at === null ? null : Number(row.compare_at) })
      out.set(row.variant_id, offers)
    }
  }
  return out
}

/** The offers in lists of the context's currency valid at its instant (both ends inclusive). */
function offersAt(offers: readonly PriceOffer[], context: PriceContext): PriceOffer[] {
  const at = context.at.getTime()
  return offers.filter(
    ({ list }) => list.currency === context.currency && (list.validFrom === null || list.validFrom <= at) && (list.validTo === null || list.validTo >= at),
  )
}

/** The decision for each variant that has an applicable price. */
export async function resolveVariantPrices(db: Kysely<Database>, variantIds: readonly string[], context: PriceContext): Promise<Map<string, PriceDecision>> {
  const offers = await loadOffers(db, variantIds, context)
  const out = new Map<string, PriceDecision>()
  for (const [variantId, list] of offers) {
    const decision = resolveOffers(list, context)
    if (decision) out.set(variantId, decision)
  }
  return out
}

/** Each summary with the price its offers resolve to in `context` (null when none applies). */
function withPrices(summaries: ReadonlyMap<string, VariantSummary>, offers: ReadonlyMap<string, readonly PriceOffer[]>, context: PriceContext): Map<string, PricedVariant> {
  const out = new Map<string, PricedVariant>()
  for (const [variantId, summary] of summaries) {
    const live = offers.get(variantId)
    const decision = live && live.length > 0 ? resolveOffers([...live], context) : null
    out.set(variantId, {
      ...summary,
      price: decision
        ? {
            amount: decision.winner.amount,
            compareAt: decision.winner.compareAt,
            currency: context.currency,
            priceListId: decision.winner.list.id,
            priceListName: decision.winner.list.name,
            explanation: decision.explanation,
          }
        : null,
    })
  }
  return out
}

/**
 * Variant summaries and offers kept in the process between commands (see
 * {@link RevisionCache}): what carts, checkout, delivery quotes and order
 * edits read on every command. A miss reads the same queries as the uncached
 * loaders, for the missing keys only.
 */
export interface CatalogReader {
  variantsBySku(db: Kysely<Database>, skus: readonly string[]): Promise<Map<string, VariantSummary>>
  variantsForPricing(db: Kysely<Database>, variantIds: readonly string[], context: PriceContext, known?: ReadonlyMap<string, VariantSummary>): Promise<Map<string, PricedVariant>>
}

export function createCatalogReader(cache: RevisionCache): CatalogReader {
  /** Summaries by id: cached ones, then the rest read by `keys` and cached. */
  async function summaries(db: Kysely<Database>, keys: { skus: readonly string[] } | { ids: readonly string[] }): Promise<Map<string, VariantSummary>> {
    const [byId, idBySku] = await Promise.all([cache.area<VariantSummary>(db, 'catalog', 'variant'), cache.area<string>(db, 'catalog', 'variant-by-sku')])
    const bySku = 'skus' in keys
    const out = new Map<string, VariantSummary>()
    const missing: string[] = []
    for (const key of bySku ? keys.skus : keys.ids) {
      const id = bySku ? idBySku.get(key) : key
      const summary = id === undefined ? undefined : byId.get(id)
      if (summary) out.set(key, summary)
      else missing.push(key)
    }
    if (missing.length > 0) {
      for (const [key, summary] of await loadVariantSummaries(db, bySku ? { skus: missing } : { ids: missing })) {
        byId.set(summary.variantId, summary)
        idBySku.set(summary.sku, summary.variantId)
        out.set(key, summary)
      }
    }
    return out
  }

  return {
    variantsBySku: (db, skus) => summaries(db, { skus }),
    async variantsForPricing(db, variantIds, context, known) {
      const missing = known ? variantIds.filter((id) => !known.has(id)) : variantIds
      const found = missing.length === 0 ? new Map<string, VariantSummary>() : await summaries(db, { ids: missing })
      if (known) for (const id of variantIds) if (known.has(id)) found.set(id, known.get(id)!)
      if (found.size === 0) return new Map()
      const area = await cache.area<readonly PriceOffer[]>(db, 'catalog', 'offers')
      const offers = new Map<string, readonly PriceOffer[]>()
      const unread: string[] = []
      for (const id of found.keys()) {
        const cached = area.get(id)
        if (cached) offers.set(id, offersAt(cached, context))
        else unread.push(id)
      }
      if (unread.length > 0) {
        const read = await loadActiveOffers(db, unread, null)
        for (const id of unread) {
          const all = read.get(id) ?? []
          area.set(id, all)
          offers.set(id, offersAt(all, context))
        }
      }
      return withPrices(found, offers, context)
    },
  }
}
