import type { Kysely, Selectable } from 'kysely'
import { OrdoError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { runInTransaction } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import { assertNoAttributeIssues, checkAttributeValues, loadAttributeDefinitions } from './attribute-values.js'
import {
  upsertProductInputSchema,
  upsertVariantInputSchema,
  type ProductVariantInput,
  type UpsertProductInput,
  type UpsertVariantInput,
} from './catalog-inputs.js'
import { findProductId, loadProducts, requireProduct } from './catalog-load.js'
import { productSearchText, toVariant, variantSearchText } from './catalog-rows.js'
import type { ProductTable, VariantTable } from './catalog-schema.js'
import { chunks, IN_CHUNK } from './catalog-sql.js'
import type { Product, Variant } from './catalog-types.js'
import { writeCatalog } from './catalog-writer.js'
import { z } from 'zod'
import { bumpRevision } from '../storage/revisions.js'

type VariantFields = z.output<typeof upsertVariantInputSchema>

/** An id, handle or SKU. */
const keySchema = z.string().min(1).max(191)

/** Product and variant commands. */
export function createProductCommands(runtime: Runtime) {
  return {
    async upsertProduct(input: UpsertProductInput): Promise<Product> {
      const data = parseInput('upsertProduct', upsertProductInputSchema, input)
      const variantsIn = data.variants ?? []
      const skus = variantsIn.map((v) => v.sku)
      const repeated = skus.find((sku, i) => skus.indexOf(sku) !== i)
      if (repeated !== undefined) {
        throw validation('upsertProduct', `variants`, `SKU "${repeated}" is listed twice`)
      }
      return runInTransaction(runtime, async (uow) => {
        const db = uow.db
        const now = uow.now.getTime()
        let existing: Product | undefined
        if (data.id) {
          existing = (await loadProducts(db, [data.id])).get(data.id)
          if (!existing) throw new OrdoError('NOT_FOUND', `No product with id "${data.id}".`, { details: { productId: data.id } })
        } else {
          const id = await db.selectFrom('ordo_product').select('id').where('handle', '=', data.handle).executeTakeFirst()
          existing = id ? (await loadProducts(db, [id.id])).get(id.id) : undefined
        }
        if (!existing || existing.handle !== data.handle) {
          const taken = await db.selectFrom('ordo_product').select('id').where('handle', '=', data.handle).executeTakeFirst()
          if (taken && taken.id !== existing?.id) {
            throw new OrdoError('DUPLICATE', `Another product (${taken.id}) already has handle "${data.handle}".`, {
              details: { handle: data.handle, productId: taken.id },
            })
          }
        }
        const productId = existing?.id ?? newId()

        const categoryIds = data.categoryIds ? [...new Set(data.categoryIds)] : undefined
        if (categoryIds) await assertCategoriesExist(db, categoryIds, 'upsertProduct')

        const definitions = await loadAttributeDefinitions(db, [
          ...Object.keys(data.attributes ?? {}),
          ...variantsIn.flatMap((v) => Object.keys(v.attributes ?? {})),
        ])
        assertNoAttributeIssues('upsertProduct', [
          ...checkAttributeValues(data.attributes, definitions, 'attributes'),
          ...variantsIn.flatMap((v, i) => checkAttributeValues(v.attributes, definitions, `variants.${i}.attributes`)),
        ])

        const existingVariants = await variantRowsBySku(db, skus)
        for (const row of existingVariants.values()) {
          if (row.product_id !== productId) {
            throw new OrdoError('DUPLICATE', `SKU "${row.sku}" belongs to another product (${row.product_id}); move it with upsertVariant({ sku, product }).`, {
              details: { sku: row.sku, productId: row.product_id },
            })
          }
        }

        const product: ProductTable = {
          id: productId,
          handle: data.handle,
          name: data.name,
          description: data.description !== undefined ? data.description : (existing?.description ?? null),
          status: data.status ?? existing?.status ?? 'active',
          vat_rate: data.vatRate,
          payment_subject: data.paymentSubject,
          attributes: JSON.stringify(data.attributes ?? existing?.attributes ?? {}),
          images: JSON.stringify(data.images ?? existing?.images ?? []),
          search_text: productSearchText(data.name, data.handle),
          created_at: existing?.createdAt.getTime() ?? now,
          updated_at: now,
        }
        let nextPosition = Math.max(-1, ...(existing?.variants ?? []).map((v) => v.position)) + 1
        const newVariantIds = new Set<string>()
        const variants = variantsIn.map((v) => {
          const current = existingVariants.get(v.sku)
          const row = variantRow(v, current, productId, now, current ? undefined : nextPosition++)
          if (!current) newVariantIds.add(row.id)
          return row
        })

        await writeCatalog(db, runtime.storage.capabilities, {
          products: [product],
          newProductIds: new Set(existing ? [] : [productId]),
          variants,
          newVariantIds,
          categories: categoryIds ? new Map([[productId, categoryIds]]) : new Map(),
          prices: [],
        })
        const result = (await loadProducts(db, [productId])).get(productId)!
        uow.emit({
          type: existing ? 'product.updated' : 'product.created',
          aggregateId: productId,
          data: { productId, handle: result.handle, name: result.name, skus: result.variants.map((v) => v.sku) },
        })
        return result
      })
    },

    async upsertVariant(input: UpsertVariantInput): Promise<Variant> {
      const data = parseInput('upsertVariant', upsertVariantInputSchema, input)
      return runInTransaction(runtime, async (uow) => {
        const db = uow.db
        const now = uow.now.getTime()
        const current = (await variantRowsBySku(db, [data.sku])).get(data.sku)
        let productId = current?.product_id
        if (data.product !== undefined) {
          productId = await findProductId(db, data.product)
          if (!productId) throw new OrdoError('NOT_FOUND', `No product with id or handle "${data.product}".`, { details: { product: data.product } })
        }
        if (!productId) {
          throw validation('upsertVariant', 'product', `SKU "${data.sku}" is new: give the product (id or handle) it belongs to`)
        }
        const definitions = await loadAttributeDefinitions(db, Object.keys(data.attributes ?? {}))
        assertNoAttributeIssues('upsertVariant', checkAttributeValues(data.attributes, definitions, 'attributes'))

        const touched = [...new Set([productId, ...(current ? [current.product_id] : [])])]
        const products = await db.selectFrom('ordo_product').selectAll().where('id', 'in', touched).execute()
        let position: number | undefined
        if (!current || current.product_id !== productId) {
          const max = await db
            .selectFrom('ordo_variant')
            .select((eb) => eb.fn.max('position').as('p'))
            .where('product_id', '=', productId)
            .executeTakeFirst()
          position = max?.p === null || max?.p === undefined ? 0 : Number(max.p) + 1
        }
        const row = variantRow(data, current, productId, now, position)
        await writeCatalog(db, runtime.storage.capabilities, {
          products: products.map((p) => ({ ...p, created_at: Number(p.created_at), updated_at: now })),
          newProductIds: new Set(),
          variants: [row],
          newVariantIds: new Set(current ? [] : [row.id]),
          categories: new Map(),
          prices: [],
        })
        for (const p of products) {
          const skus = await db.selectFrom('ordo_variant').select('sku').where('product_id', '=', p.id).orderBy('position').execute()
          uow.emit({ type: 'product.updated', aggregateId: p.id, data: { productId: p.id, handle: p.handle, name: p.name, skus: skus.map((s) => s.sku) } })
        }
        return toVariant(row)
      })
    },

    async archiveProduct(idOrHandle: string): Promise<Product> {
      parseInput('archiveProduct', keySchema, idOrHandle)
      return runInTransaction(runtime, async (uow) => {
        const product = await requireProduct(uow.db, idOrHandle)
        if (product.status === 'archived') return product
        const now = uow.now.getTime()
        await bumpRevision(uow.db, 'catalog')
        await uow.db.updateTable('ordo_product').set({ status: 'archived', updated_at: now }).where('id', '=', product.id).execute()
        uow.emit({ type: 'product.archived', aggregateId: product.id, data: { productId: product.id, handle: product.handle } })
        return { ...product, status: 'archived', updatedAt: new Date(now) }
      })
    },

    async archiveVariant(idOrSku: string): Promise<Variant> {
      parseInput('archiveVariant', keySchema, idOrSku)
      return runInTransaction(runtime, async (uow) => {
        const row = await uow.db
          .selectFrom('ordo_variant')
          .selectAll()
          .where((eb) => eb.or([eb('id', '=', idOrSku), eb('sku', '=', idOrSku)]))
          .orderBy('id')
          .executeTakeFirst()
        if (!row) throw new OrdoError('NOT_FOUND', `No variant with id or SKU "${idOrSku}".`, { details: { variant: idOrSku } })
        const variant = toVariant(row)
        if (variant.status === 'archived') return variant
        const now = uow.now.getTime()
        await bumpRevision(uow.db, 'catalog')
        await uow.db.updateTable('ordo_variant').set({ status: 'archived', updated_at: now }).where('id', '=', row.id).execute()
        uow.emit({ type: 'variant.archived', aggregateId: row.product_id, data: { productId: row.product_id, variantId: row.id, sku: row.sku } })
        return { ...variant, status: 'archived', updatedAt: new Date(now) }
      })
    },
  }
}

/**
 * A complete variant row: the input's fields over the current row's (fields
 * left out keep their values), or defaults for a new SKU.
 */
function variantRow(
  input: ProductVariantInput | VariantFields,
  current: Selectable<VariantTable> | undefined,
  productId: string,
  now: number,
  position: number | undefined,
): VariantTable {
  const pick = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value)
  const barcodes = pick(input.barcodes, current ? (JSON.parse(current.barcodes) as string[]) : [])
  const name = pick(input.name, current?.name ?? null) ?? null
  const dimensions = input.dimensions === undefined ? undefined : input.dimensions
  const cost = pick(input.costPrice, current?.cost_price ?? null)
  const weight = pick(input.weightGrams, current?.weight_grams ?? null)
  return {
    id: current?.id ?? newId(),
    product_id: productId,
    sku: input.sku,
    name,
    status: input.status ?? current?.status ?? 'active',
    attributes: input.attributes ? JSON.stringify(input.attributes) : (current?.attributes ?? '{}'),
    barcodes: JSON.stringify(barcodes),
    weight_grams: weight === null ? null : Number(weight),
    length_mm: dimensions === undefined ? numOrNull(current?.length_mm) : (dimensions?.lengthMm ?? null),
    width_mm: dimensions === undefined ? numOrNull(current?.width_mm) : (dimensions?.widthMm ?? null),
    height_mm: dimensions === undefined ? numOrNull(current?.height_mm) : (dimensions?.heightMm ?? null),
    cost_price: cost === null ? null : Number(cost),
    images: input.images ? JSON.stringify(input.images) : (current?.images ?? '[]'),
    position: input.position ?? position ?? Number(current?.position ?? 0),
    search_text: variantSearchText(input.sku, name, barcodes),
    created_at: current ? Number(current.created_at) : now,
    updated_at: now,
  }
}

function numOrNull(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value)
}

/** Current variant rows by SKU. */
export async function variantRowsBySku(db: Kysely<Database>, skus: readonly string[]): Promise<Map<string, Selectable<VariantTable>>> {
  const out = new Map<string, Selectable<VariantTable>>()
  for (const part of chunks([...new Set(skus)], IN_CHUNK)) {
    for (const row of await db.selectFrom('ordo_variant').selectAll().where('sku', 'in', part).execute()) out.set(row.sku, row)
  }
  return out
}

/** NOT_FOUND naming the category ids that do not exist. */
export async function assertCategoriesExist(db: Kysely<Database>, ids: readonly string[], command: string): Promise<void> {
  if (ids.length === 0) return
  const found = new Set<string>()
  for (const part of chunks(ids, IN_CHUNK)) {
    for (const row of await db.selectFrom('ordo_category').select('id').where('id', 'in', part).execute()) found.add(row.id)
  }
  const missing = ids.filter((id) => !found.has(id))
  if (missing.length > 0) {
    throw new OrdoError('NOT_FOUND', `${command}: no category with id ${missing.map((m) => `"${m}"`).join(', ')} (categoryIds).`, {
      details: { categoryIds: missing },
    })
  }
}

function validation(command: string, path: string, message: string): OrdoError {
  return new OrdoError('VALIDATION', `Invalid input to ${command}: ${path}: ${message}`, { details: { command, issues: [{ path, message }] } })
}
