import { z } from 'zod'
import { OrdoError } from '../errors.js'
import type { CurrencyCode } from '../money/currency.js'
import type { Runtime } from '../runtime.js'
import { parseInput } from '../validation.js'
import { baseListCode, toDimensions } from './catalog-rows.js'
import type { AttributeValues, Dimensions } from './catalog-types.js'

/** Input of {@link CatalogApi.listOffers}. */
export interface ListOffersInput {
  /** Code of the price list whose prices to quote. @default the base list of the shop's currency (`base-RUB`) */
  priceList?: string | undefined
  /** Page size, 1–5000. @default 500 */
  limit?: number | undefined
  /** The `nextCursor` of the previous page. */
  cursor?: string | null | undefined
}

/**
 * A sellable variant ("trade offer") with what a product feed or a price
 * comparison site needs about it, and its price in one price list.
 */
export interface CatalogOffer {
  variantId: string
  productId: string
  sku: string
  /** The product's URL slug. */
  handle: string
  productName: string
  /** What tells the variant apart from its siblings; null for a product's only variant. */
  variantName: string | null
  /** Product name and variant name, e.g. `T-shirt Basic — M / Blue`. */
  name: string
  /** The product's description. */
  description: string | null
  /** The categories the product is placed in directly, in placement order (not their ancestors). */
  categoryIds: string[]
  /** Product and variant attribute values merged; the variant's win. */
  attributes: AttributeValues
  barcodes: string[]
  weightGrams: number | null
  dimensions: Dimensions | null
  /** The variant's images, then the product's (each once). */
  images: string[]
  /** The variant's price in the list asked for. */
  price: {
    /** Minor units of `currency`. */
    amount: number
    /** The "old price" shown struck through; null for none. */
    compareAt: number | null
    currency: CurrencyCode
    priceListCode: string
  }
}

/** A page of {@link CatalogApi.listOffers}: the offers and the cursor of the next page (null on the last). */
export interface OfferPage {
  items: CatalogOffer[]
  /** Pass as `cursor` to get the next page; null when there is none. */
  nextCursor: string | null
}

const listOffersSchema = z
  .strictObject({
    priceList: z.string().min(1).max(100).optional(),
    limit: z.number().int().min(1).max(5000).optional(),
    cursor: z.string().min(1).max(500).nullish(),
  })
  .optional()

const DEFAULT_LIMIT = 500
const COMMAND = 'catalog.listOffers'

/**
 * `listOffers`: active variants of active products that have a price in one
 * list, by variant id (stable, keyset-paged). Two queries per page whatever
 * its size — variants joined with their products and prices, then the
 * products' category placements — plus one for the list.
 */
export function createOfferQueries(runtime: Runtime) {
  const db = runtime.db

  return {
    async listOffers(input?: ListOffersInput): Promise<OfferPage> {
      const filter = parseInput(COMMAND, listOffersSchema, input) ?? {}
      const limit = filter.limit ?? DEFAULT_LIMIT
      const after = filter.cursor ? decodeCursor(filter.cursor) : undefined
      const code = filter.priceList ?? baseListCode(runtime.currency as CurrencyCode)

      const list = await db.selectFrom('ordo_price_list').select(['id', 'code', 'currency']).where('code', '=', code).executeTakeFirst()
      if (!list) {
        // The base list appears with the first base price: no list yet is an empty catalog, not a mistake.
        if (filter.priceList === undefined) return { items: [], nextCursor: null }
        throw new OrdoError('NOT_FOUND', `No price list with code "${code}".`, { details: { priceList: code } })
      }

      const rows = await db
        .selectFrom('ordo_price as pr')
        .innerJoin('ordo_variant as v', 'v.id', 'pr.variant_id')
        .innerJoin('ordo_product as p', 'p.id', 'v.product_id')
        .select([
          'pr.variant_id',
          'pr.amount',
          'pr.compare_at',
          'v.product_id',
          'v.sku',
          'v.name',
          'v.attributes',
          'v.barcodes',
          'v.weight_grams',
          'v.length_mm',
          'v.width_mm',
          'v.height_mm',
          'v.images',
          'p.handle',
          'p.name as product_name',
          'p.description',
          'p.attributes as product_attributes',
          'p.images as product_images',
        ])
        .where('pr.price_list_id', '=', list.id)
        .where('v.status', '=', 'active')
        .where('p.status', '=', 'active')
        .$if(after !== undefined, (q) => q.where('pr.variant_id', '>', after!))
        .orderBy('pr.variant_id')
        .limit(limit + 1)
        .execute()
      const page = rows.slice(0, limit)

      const categories = new Map<string, string[]>()
      const productIds = [...new Set(page.map((r) => r.product_id))]
      if (productIds.length > 0) {
        const placements = await db
          .selectFrom('ordo_product_category')
          .select(['product_id', 'category_id'])
          .where('product_id', 'in', productIds)
          .orderBy('product_id')
          .orderBy('position')
          .orderBy('category_id')
          .execute()
        for (const row of placements) {
          const ids = categories.get(row.product_id) ?? []
          ids.push(row.category_id)
          categories.set(row.product_id, ids)
        }
      }

      const currency = list.currency as CurrencyCode
      const items = page.map((r): CatalogOffer => {
        const images = [...new Set([...(JSON.parse(r.images) as string[]), ...(JSON.parse(r.product_images) as string[])])]
        return {
          variantId: r.variant_id,
          productId: r.product_id,
          sku: r.sku,
          handle: r.handle,
          productName: r.product_name,
          variantName: r.name,
          name: r.name ? `${r.product_name} — ${r.name}` : r.product_name,
          description: r.description,
          categoryIds: categories.get(r.product_id) ?? [],
          attributes: { ...(JSON.parse(r.product_attributes) as AttributeValues), ...(JSON.parse(r.attributes) as AttributeValues) },
          barcodes: JSON.parse(r.barcodes) as string[],
          weightGrams: r.weight_grams === null ? null : Number(r.weight_grams),
          dimensions: toDimensions(r),
          images,
          price: {
            amount: Number(r.amount),
            compareAt: r.compare_at === null ? null : Number(r.compare_at),
            currency,
            priceListCode: list.code,
          },
        }
      })
      return { items, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.variant_id) : null }
    },
  }
}

function encodeCursor(variantId: string): string {
  return Buffer.from(JSON.stringify({ after: variantId }), 'utf8').toString('base64url')
}

function decodeCursor(cursor: string): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown }
    if (typeof value.after === 'string' && value.after.length > 0 && value.after.length <= 36) return value.after
  } catch {
    // fall through to the error below
  }
  throw new OrdoError('VALIDATION', `Invalid input to ${COMMAND}: cursor: not a cursor returned by listOffers (pass nextCursor as it is).`, {
    details: { command: COMMAND, issues: [{ path: 'cursor', message: 'not a cursor returned by listOffers' }] },
  })
}
