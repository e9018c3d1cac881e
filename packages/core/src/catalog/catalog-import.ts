import type { z } from 'zod'
import { OrdoError } from '../errors.js'
import { isCurrencyCode, type CurrencyCode } from '../money/currency.js'
import type { Runtime } from '../runtime.js'
import { newId } from '../storage/ids.js'
import { runInTransaction } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import { checkAttributeValues, loadAttributeDefinitions, type AttributeIssue } from './attribute-values.js'
import { importOptionsSchema, importRowSchema, type CatalogImportRow } from './catalog-inputs.js'
import { baseListCurrency, productSearchText, variantSearchText } from './catalog-rows.js'
import type { PriceTable, ProductTable, VariantTable } from './catalog-schema.js'
import { chunks, IN_CHUNK } from './catalog-sql.js'
import { writeCatalog } from './catalog-writer.js'
import { ensureBaseLists } from './price-list-commands.js'

/** How far an import has got, reported after each batch. */
export interface ImportProgress {
  /** Rows read so far (good and bad). */
  processedRows: number
  /** Rows written so far. */
  importedRows: number
  /** Rows refused so far. */
  failedRows: number
  /** Batches committed so far. */
  batches: number
}

/** A row the import refused, and why. */
export interface ImportRowError {
  /** Position of the row in the input, from 1. */
  row: number
  /** The row's SKU, when it had one. */
  sku: string | null
  /** What is wrong, e.g. `prices.0.amount: Too small: expected number to be >=0`. */
  reason: string
}

/** Options of {@link CatalogApi.import}. */
export interface ImportOptions {
  /** Rows per batch; each batch is one transaction. @default 1000 */
  batchSize?: number
  /** Called after each committed batch. */
  onProgress?: (progress: ImportProgress) => void
}

/** The outcome of an import. */
export interface ImportResult {
  /** Rows read. */
  rows: number
  /** Rows written. */
  imported: number
  /** Rows refused, in input order. */
  failed: ImportRowError[]
  /** Batches committed. */
  batches: number
  products: { created: number; updated: number }
  variants: { created: number; updated: number }
  /** Prices written. */
  prices: number
}

type Row = z.output<typeof importRowSchema>
interface GoodRow {
  index: number
  row: Row
}

const DEFAULT_BATCH = 1000

/**
 * Imports products, variants and prices: validates every row (bad rows are
 * reported and skipped), writes good ones in batches with multi-row upserts,
 * one transaction and one `catalog.imported` event per batch.
 *
 * Within a batch, a product's fields come from its first row. Rows replace a
 * product's and a variant's fields (fields left out take their defaults),
 * except `categories` and a variant's `position`, which are kept when left
 * out (new variants go after the existing ones); prices are upserted per list
 * and variant, other prices stay. A SKU that belongs to another product is
 * refused (move it with `upsertVariant`).
 */
export async function importCatalog(
  runtime: Runtime,
  rows: Iterable<CatalogImportRow> | AsyncIterable<CatalogImportRow>,
  options: { batchSize?: number; onProgress?: (progress: ImportProgress) => void } = {},
): Promise<ImportResult> {
  const { batchSize = DEFAULT_BATCH, onProgress } = parseInput('import', importOptionsSchema, options) as {
    batchSize?: number
    onProgress?: (progress: ImportProgress) => void
  }
  if (rows == null || (typeof (rows as any)[Symbol.iterator] !== 'function' && typeof (rows as any)[Symbol.asyncIterator] !== 'function')) {
    throw new OrdoError('VALIDATION', 'Invalid input to import: rows: must be an iterable or async iterable of rows (an array, a generator, a stream).', {
      details: { command: 'import', issues: [{ path: 'rows', message: 'not iterable' }] },
    })
  }

  const definitions = await loadAttributeDefinitions(runtime.db)
  const categoryIds = new Map((await runtime.db.selectFrom('ordo_category').select(['id', 'slug']).execute()).map((c) => [c.slug, c.id]))
  const lists = new Map((await runtime.db.selectFrom('ordo_price_list').select(['id', 'code', 'currency']).execute()).map((l) => [l.code, l]))

  const result: ImportResult = { rows: 0, imported: 0, failed: [], batches: 0, products: { created: 0, updated: 0 }, variants: { created: 0, updated: 0 }, prices: 0 }
  const seenSkus = new Set<string>()
  const createdHandles = new Set<string>()
  const nextPosition = new Map<string, number>()
  let batch: GoodRow[] = []

  const fail = (index: number, sku: unknown, reason: string) => {
    result.failed.push({ row: index + 1, sku: typeof sku === 'string' ? sku : null, reason })
  }

  const flush = async () => {
    if (batch.length === 0) return
    const current = batch
    batch = []
    const written = await writeBatch(runtime, current, { lists, createdHandles, nextPosition, fail, batchNumber: result.batches + 1 })
    result.batches++
    result.imported += written.rows
    result.products.created += written.productsCreated
    result.products.updated += written.productsUpdated
    result.variants.created += written.variantsCreated
    result.variants.updated += written.variantsUpdated
    result.prices += written.prices
    result.failed.sort((a, b) => a.row - b.row)
    onProgress?.({ processedRows: result.rows, importedRows: result.imported, failedRows: result.failed.length, batches: result.batches })
  }

  for await (const input of rows as AsyncIterable<CatalogImportRow>) {
    const index = result.rows++
    const parsed = importRowSchema.safeParse(input)
    if (!parsed.success) {
      fail(index, (input as { sku?: unknown } | null)?.sku, parsed.error.issues.map((i) => `${i.path.join('.') || '(row)'}: ${i.message}`).join('; '))
      continue
    }
    const row = parsed.data
    const problems: AttributeIssue[] = [
      ...checkAttributeValues(row.attributes, definitions, 'attributes'),
      ...checkAttributeValues(row.variantAttributes, definitions, 'variantAttributes'),
    ]
    const missingCategories = (row.categories ?? []).filter((slug) => !categoryIds.has(slug))
    if (missingCategories.length > 0) problems.push({ path: 'categories', message: `no category with slug ${missingCategories.map((s) => `"${s}"`).join(', ')}` })
    for (const [i, price] of (row.prices ?? []).entries()) {
      if (!lists.has(price.priceList) && !isCurrencyCode(baseListCurrency(price.priceList))) {
        problems.push({ path: `prices.${i}.priceList`, message: `no price list "${price.priceList}"; create it with upsertPriceList first` })
      }
    }
    const listCodes = (row.prices ?? []).map((p) => p.priceList)
    const repeatedList = listCodes.find((c, i) => listCodes.indexOf(c) !== i)
    if (repeatedList !== undefined) problems.push({ path: 'prices', message: `price list "${repeatedList}" is listed twice` })
    if (seenSkus.has(row.sku)) problems.push({ path: 'sku', message: `SKU "${row.sku}" already appeared in an earlier row of this import` })
    if (problems.length > 0) {
      fail(index, row.sku, problems.map((p) => `${p.path}: ${p.message}`).join('; '))
      continue
    }
    seenSkus.add(row.sku)
    batch.push({ index, row: { ...row, categories: row.categories?.map((slug) => categoryIds.get(slug)!) } })
    if (batch.length >= batchSize) await flush()
  }
  await flush()
  if (result.batches === 0) {
    onProgress?.({ processedRows: result.rows, importedRows: 0, failedRows: result.failed.length, batches: 0 })
  }
  return result
}

interface BatchContext {
  lists: Map<string, { id: string; code: string; currency: string }>
  createdHandles: Set<string>
  nextPosition: Map<string, number>
  fail: (index: number, sku: unknown, reason: string) => void
  batchNumber: number
}

/**
 * Writes one batch in one transaction. The transaction may run again after a
 * deadlock, so it works on copies of the import's running state and hands
 * them back to be kept only once it has committed.
 */
async function writeBatch(runtime: Runtime, batch: readonly GoodRow[], shared: BatchContext) {
  const capabilities = runtime.storage.capabilities
  const outcome = await runInTransaction(runtime, async (uow) => {
    const db = uow.db
    const now = uow.now.getTime()
    const failures: [number, string, string][] = []
    const ctx = {
      lists: overlayMap(shared.lists),
      createdHandles: overlaySet(shared.createdHandles),
      nextPosition: overlayMap(shared.nextPosition),
      fail: (index: number, sku: string, reason: string) => void failures.push([index, sku, reason]),
      batchNumber: shared.batchNumber,
    }

    const handles = [...new Set(batch.map((g) => g.row.handle))]
    const existingProducts = new Map<string, { id: string; created_at: number }>()
    for (const part of chunks(handles, IN_CHUNK)) {
      for (const p of await db.selectFrom('ordo_product').select(['id', 'handle', 'created_at']).where('handle', 'in', part).execute()) {
        existingProducts.set(p.handle, { id: p.id, created_at: Number(p.created_at) })
      }
    }
    const existingVariants = new Map<string, { id: string; product_id: string; created_at: number; position: number }>()
    for (const part of chunks(batch.map((g) => g.row.sku), IN_CHUNK)) {
      for (const v of await db.selectFrom('ordo_variant').select(['id', 'sku', 'product_id', 'created_at', 'position']).where('sku', 'in', part).execute()) {
        existingVariants.set(v.sku, { id: v.id, product_id: v.product_id, created_at: Number(v.created_at), position: Number(v.position) })
      }
    }
    // New variants of existing products go after the variants they already have.
    const unpositioned = [...existingProducts.values()].map((p) => p.id).filter((id) => !ctx.nextPosition.has(id))
    for (const part of chunks(unpositioned, IN_CHUNK)) {
      const maxima = await db
        .selectFrom('ordo_variant')
        .select((eb) => ['product_id', eb.fn.max('position').as('max')])
        .where('product_id', 'in', part)
        .groupBy('product_id')
        .execute()
      for (const m of maxima) ctx.nextPosition.set(m.product_id, Number(m.max) + 1)
    }

    const missingBase = [
      ...new Set(batch.flatMap((g) => (g.row.prices ?? []).map((p) => p.priceList)).filter((code) => !ctx.lists.has(code))),
    ]
    if (missingBase.length > 0) {
      await ensureBaseLists(db, capabilities, missingBase.map((c) => baseListCurrency(c) as CurrencyCode), now)
      for (const l of await db.selectFrom('ordo_price_list').select(['id', 'code', 'currency']).where('code', 'in', missingBase).execute()) {
        ctx.lists.set(l.code, l)
      }
    }

    const products = new Map<string, ProductTable>()
    const newProductIds = new Set<string>()
    const categories = new Map<string, string[]>()
    const variants: VariantTable[] = []
    const newVariantIds = new Set<string>()
    const prices: PriceTable[] = []
    let productsCreated = 0
    let productsUpdated = 0
    let variantsCreated = 0
    let variantsUpdated = 0
    let rows = 0

    for (const { index, row } of batch) {
      let product = products.get(row.handle)
      if (!product) {
        const existing = existingProducts.get(row.handle)
        const id = existing?.id ?? newId()
        product = {
          id,
          handle: row.handle,
          name: row.name,
          description: row.description ?? null,
          status: row.status ?? 'active',
          vat_rate: row.vatRate,
          payment_subject: row.paymentSubject,
          attributes: JSON.stringify(row.attributes ?? {}),
          images: JSON.stringify(row.images ?? []),
          search_text: productSearchText(row.name, row.handle),
          created_at: existing?.created_at ?? now,
          updated_at: now,
        }
      }
      const existingVariant = existingVariants.get(row.sku)
      if (existingVariant && existingVariant.product_id !== product.id) {
        ctx.fail(index, row.sku, `sku: SKU "${row.sku}" belongs to another product (${existingVariant.product_id}); move it with upsertVariant({ sku, product })`)
        continue
      }
      if (!products.has(row.handle)) {
        products.set(row.handle, product)
        if (existingProducts.has(row.handle)) {
          if (!ctx.createdHandles.has(row.handle)) productsUpdated++
        } else {
          newProductIds.add(product.id)
          ctx.createdHandles.add(row.handle)
          productsCreated++
        }
      }
      if (row.categories && !categories.has(product.id)) categories.set(product.id, [...new Set(row.categories)])

      const variantId = existingVariant?.id ?? newId()
      const next = ctx.nextPosition.get(product.id) ?? 0
      const position = row.position ?? existingVariant?.position ?? next
      if (!existingVariant || row.position !== undefined) ctx.nextPosition.set(product.id, Math.max(position + 1, next))
      const barcodes = row.barcodes ?? []
      variants.push({
        id: variantId,
        product_id: product.id,
        sku: row.sku,
        name: row.variantName ?? null,
        status: row.variantStatus ?? 'active',
        attributes: JSON.stringify(row.variantAttributes ?? {}),
        barcodes: JSON.stringify(barcodes),
        weight_grams: row.weightGrams ?? null,
        length_mm: row.dimensions?.lengthMm ?? null,
        width_mm: row.dimensions?.widthMm ?? null,
        height_mm: row.dimensions?.heightMm ?? null,
        cost_price: row.costPrice ?? null,
        images: JSON.stringify(row.variantImages ?? []),
        position,
        search_text: variantSearchText(row.sku, row.variantName, barcodes),
        created_at: existingVariant?.created_at ?? now,
        updated_at: now,
      })
      if (existingVariant) variantsUpdated++
      else {
        newVariantIds.add(variantId)
        variantsCreated++
      }
      for (const price of row.prices ?? []) {
        const list = ctx.lists.get(price.priceList)!
        prices.push({ price_list_id: list.id, variant_id: variantId, amount: price.amount, compare_at: price.compareAt ?? null, updated_at: now })
      }
      rows++
    }

    await writeCatalog(db, capabilities, { products: [...products.values()], newProductIds, variants, newVariantIds, categories, prices })
    uow.emit({
      type: 'catalog.imported',
      aggregateId: null,
      data: { batch: ctx.batchNumber, rows, productsCreated, productsUpdated, variantsCreated, variantsUpdated, prices: prices.length },
    })
    return { rows, productsCreated, productsUpdated, variantsCreated, variantsUpdated, prices: prices.length, ctx, failures }
  })
  const { ctx, failures, ...counts } = outcome
  for (const [code, list] of ctx.lists.added) shared.lists.set(code, list)
  for (const handle of ctx.createdHandles.added) shared.createdHandles.add(handle)
  for (const [productId, position] of ctx.nextPosition.added) shared.nextPosition.set(productId, position)
  for (const [index, sku, reason] of failures) shared.fail(index, sku, reason)
  return counts
}

/** A map read through to `base`, whose writes stay in `added` until they are kept. */
function overlayMap<K, V>(base: ReadonlyMap<K, V>) {
  const added = new Map<K, V>()
  return {
    added,
    get: (key: K): V | undefined => (added.has(key) ? added.get(key) : base.get(key)),
    has: (key: K): boolean => added.has(key) || base.has(key),
    set: (key: K, value: V): void => void added.set(key, value),
  }
}

/** A set read through to `base`, whose additions stay in `added` until they are kept. */
function overlaySet<T>(base: ReadonlySet<T>) {
  const added = new Set<T>()
  return {
    added,
    has: (value: T): boolean => added.has(value) || base.has(value),
    add: (value: T): void => void added.add(value),
  }
}
