import type { Kysely } from 'kysely'
import { OrdoError } from '../errors.js'
import type { Database } from '../storage/database.js'
import { chunks, IN_CHUNK } from './catalog-sql.js'
import { toProduct, toVariant } from './catalog-rows.js'
import type { Product, Variant } from './catalog-types.js'

/** Products by id with their variants and direct categories: three queries per thousand products. */
export async function loadProducts(db: Kysely<Database>, productIds: readonly string[]): Promise<Map<string, Product>> {
  const ids = [...new Set(productIds)]
  const out = new Map<string, Product>()
  if (ids.length === 0) return out
  const variants = new Map<string, Variant[]>()
  const categories = new Map<string, string[]>()
  const products = []
  for (const part of chunks(ids, IN_CHUNK)) {
    products.push(...(await db.selectFrom('ordo_product').selectAll().where('id', 'in', part).execute()))
    const variantRows = await db
      .selectFrom('ordo_variant')
      .selectAll()
      .where('product_id', 'in', part)
      .orderBy('product_id')
      .orderBy('position')
      .orderBy('id')
      .execute()
    for (const row of variantRows) {
      const list = variants.get(row.product_id) ?? []
      list.push(toVariant(row))
      variants.set(row.product_id, list)
    }
    const placements = await db
      .selectFrom('ordo_product_category')
      .select(['product_id', 'category_id'])
      .where('product_id', 'in', part)
      .orderBy('product_id')
      .orderBy('position')
      .execute()
    for (const row of placements) {
      const list = categories.get(row.product_id) ?? []
      list.push(row.category_id)
      categories.set(row.product_id, list)
    }
  }
  for (const row of products) out.set(row.id, toProduct(row, variants.get(row.id) ?? [], categories.get(row.id) ?? []))
  return out
}

/** The id of the product with this id or handle, or undefined. */
export async function findProductId(db: Kysely<Database>, idOrHandle: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('ordo_product')
    .select('id')
    .where((eb) => eb.or([eb('id', '=', idOrHandle), eb('handle', '=', idOrHandle)]))
    .orderBy('id')
    .executeTakeFirst()
  return row?.id
}

/** The product with this id or handle, or NOT_FOUND. */
export async function requireProduct(db: Kysely<Database>, idOrHandle: string): Promise<Product> {
  const id = await findProductId(db, idOrHandle)
  const product = id ? (await loadProducts(db, [id])).get(id) : undefined
  if (!product) throw new OrdoError('NOT_FOUND', `No product with id or handle "${idOrHandle}".`, { details: { product: idOrHandle } })
  return product
}
