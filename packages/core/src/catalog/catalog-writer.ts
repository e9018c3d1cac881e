import type { Kysely } from 'kysely'
import { OrdoError } from '../errors.js'
import type { Database } from '../storage/database.js'
import type { StorageCapabilities } from '../storage/storage-dialect.js'
import type { PriceTable, ProductCategoryTable, ProductTable, VariantTable } from './catalog-schema.js'
import { attributeValueRows } from './catalog-rows.js'
import { chunks, IN_CHUNK, insertRows, upsertRows } from './catalog-sql.js'
import type { AttributeValues } from './catalog-types.js'
import { bumpRevision } from '../storage/revisions.js'

/** Everything one write of products, variants, placements and prices changes; rows are complete and ids resolved. */
export interface CatalogWrite {
  products: ProductTable[]
  /** Ids of `products` that did not exist before (checked after the write against concurrent creation). */
  newProductIds: ReadonlySet<string>
  variants: VariantTable[]
  newVariantIds: ReadonlySet<string>
  /** Category placements replacing those of each product listed. */
  categories: Map<string, string[]>
  prices: PriceTable[]
}

const PRODUCT_UPDATE = ['handle', 'name', 'description', 'status', 'vat_rate', 'payment_subject', 'attributes', 'images', 'search_text', 'updated_at'] as const
const VARIANT_UPDATE = [
  'product_id',
  'sku',
  'name',
  'status',
  'attributes',
  'barcodes',
  'weight_grams',
  'length_mm',
  'width_mm',
  'height_mm',
  'cost_price',
  'images',
  'position',
  'search_text',
  'updated_at',
] as const

/**
 * Writes products, variants, category placements and prices with multi-row
 * upserts, then rebuilds the attribute filter rows of every variant of the
 * products written (product values merged with the variant's). A handful of
 * statements per thousand rows, never one per row.
 */
export async function writeCatalog(db: Kysely<Database>, capabilities: StorageCapabilities, write: CatalogWrite): Promise<void> {
  await bumpRevision(db, 'catalog')
  await upsertRows(db, capabilities, 'ordo_product', write.products, ['id'], PRODUCT_UPDATE)
  await upsertRows(db, capabilities, 'ordo_variant', write.variants, ['id'], VARIANT_UPDATE)
  // Elsewhere a concurrent insert of the same handle or SKU fails on the unique key.
  if (capabilities.upsert === 'on_duplicate_key') await assertCreated(db, write)

  const placed = [...write.categories.keys()].filter((id) => !write.newProductIds.has(id))
  for (const part of chunks(placed, IN_CHUNK)) {
    await db.deleteFrom('ordo_product_category').where('product_id', 'in', part).execute()
  }
  const placements: ProductCategoryTable[] = []
  for (const [productId, categoryIds] of write.categories) {
    categoryIds.forEach((categoryId, position) => placements.push({ product_id: productId, category_id: categoryId, position }))
  }
  await insertRows(db, 'ordo_product_category', placements)

  await rebuildAttributeRows(db, write)

  await upsertRows(db, capabilities, 'ordo_price', write.prices, ['price_list_id', 'variant_id'], ['amount', 'compare_at', 'updated_at'])
}

/**
 * Replaces the filter rows of every variant of the products written: new
 * products' variants are all in the write; existing products' are read back
 * (one query per thousand products), their rows deleted and all inserted in
 * bulk.
 */
async function rebuildAttributeRows(db: Kysely<Database>, write: CatalogWrite): Promise<void> {
  if (write.products.length === 0) return
  const productAttributes = new Map(write.products.map((p) => [p.id, JSON.parse(p.attributes) as AttributeValues]))
  const existing = write.products.filter((p) => !write.newProductIds.has(p.id)).map((p) => p.id)
  const variants: { id: string; product_id: string; attributes: string }[] = write.variants.filter((v) => write.newProductIds.has(v.product_id))
  for (const part of chunks(existing, IN_CHUNK)) {
    variants.push(...(await db.selectFrom('ordo_variant').select(['id', 'product_id', 'attributes']).where('product_id', 'in', part).execute()))
    await db.deleteFrom('ordo_attribute_value').where('product_id', 'in', part).execute()
  }
  // A variant that moved here from another product still has rows under the old one.
  const moved = write.variants.filter((v) => !write.newVariantIds.has(v.id)).map((v) => v.id)
  for (const part of chunks(moved, IN_CHUNK)) {
    await db.deleteFrom('ordo_attribute_value').where('variant_id', 'in', part).execute()
  }
  const rows = variants.flatMap((v) =>
    attributeValueRows(v.product_id, v.id, productAttributes.get(v.product_id) ?? {}, JSON.parse(v.attributes) as AttributeValues),
  )
  await insertRows(db, 'ordo_attribute_value', rows)
}

/**
 * On MySQL an upsert of a new row whose handle or SKU another process just
 * created updates that row instead; make sure every new id landed.
 */
async function assertCreated(db: Kysely<Database>, write: CatalogWrite): Promise<void> {
  const check = async (table: 'ordo_product' | 'ordo_variant', ids: readonly string[], what: string) => {
    let found = 0
    for (const part of chunks(ids, IN_CHUNK)) {
      const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('id', 'in', part).executeTakeFirst()
      found += Number(row?.n ?? 0)
    }
    if (found !== ids.length) {
      throw new OrdoError('CONFLICT', `Another process created some of the same ${what} at the same time; nothing was written, retry.`, {
        details: { expected: ids.length, found },
      })
    }
  }
  if (write.newProductIds.size > 0) await check('ordo_product', [...write.newProductIds], 'products (handles)')
  if (write.newVariantIds.size > 0) await check('ordo_variant', [...write.newVariantIds], 'variants (SKUs)')
}
