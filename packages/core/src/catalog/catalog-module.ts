import type { Kysely, SelectQueryBuilder } from 'kysely'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import './catalog-events.js'
import { createAttributeCommands } from './attribute-commands.js'
import { createCategoryCommands } from './category-commands.js'
import { importCatalog, type ImportOptions, type ImportResult } from './catalog-import.js'
import type {
  CatalogImportRow,
  CreateCategoryInput,
  CreateSupplierInput,
  DefineAttributeInput,
  LinkSupplierVariantInput,
  ListProductsInput,
  PriceContextInput,
  SetPriceInput,
  UpdateCategoryInput,
  UpsertPriceListInput,
  UpsertProductInput,
  UpsertVariantInput,
} from './catalog-inputs.js'
import { createCatalogReader } from './catalog-internal.js'
import { createCatalogQueries } from './catalog-queries.js'
import { createOfferQueries, type ListOffersInput, type OfferPage } from './catalog-offers.js'
import type {
  AttributeDefinition,
  Category,
  CategoryNode,
  PriceContext,
  PricedVariant,
  PriceList,
  PriceResolution,
  Product,
  Supplier,
  SupplierOffer,
  VariantPrice,
  VariantSummary,
  VariantWithProduct,
  Variant,
} from './catalog-types.js'
import { createPriceListCommands } from './price-list-commands.js'
import { createProductCommands } from './product-commands.js'
import { createSupplierCommands } from './supplier-commands.js'

export type { CatalogTables } from './catalog-schema.js'
export { catalogMigrations } from './catalog-schema.js'
export type { PriceContext, VariantSummary, ResolvedPrice, PricedVariant, PaymentSubject } from './catalog-types.js'
export { PAYMENT_SUBJECTS } from './catalog-types.js'

/** A page of {@link CatalogApi.listProducts}: the products and the cursor of the next page (null on the last). */
export interface ProductPage {
  items: Product[]
  /** Pass as `cursor` to get the next page; null when there is none. */
  nextCursor: string | null
}

/**
 * `shop.catalog`: products and their variants (SKUs), categories, attributes,
 * suppliers and price lists.
 *
 * Every command validates its input (bad input → `OrdoError('VALIDATION')`,
 * nothing written) and commits all of its writes or none.
 *
 * @example
 * ```ts
 * const tees = await shop.catalog.createCategory({ slug: 'tees', name: 'T-shirts' })
 * await shop.catalog.defineAttribute({ code: 'size', name: 'Size', type: 'option', options: ['S', 'M', 'L'], filterable: true })
 * await shop.catalog.upsertProduct({
 *   handle: 'tee-basic', name: 'T-shirt Basic', vatRate: 'vat22', paymentSubject: 'commodity', categoryIds: [tees.id],
 *   variants: [{ sku: 'TEE-M', name: 'M', attributes: { size: 'M' }, weightGrams: 180 }],
 * })
 * await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku: 'TEE-M', amount: 99_000 }])
 * const [price] = await shop.catalog.resolvePrices(['TEE-M'], { currency: 'RUB', region: 'moscow' })
 * ```
 */
export interface CatalogApi {
  /** Creates a category; `slug` must be unique and `parentId` (when given) must exist. */
  createCategory(input: CreateCategoryInput): Promise<Category>
  /** Changes a category; moving it under itself or one of its descendants is refused (`VALIDATION`). */
  updateCategory(id: string, input: UpdateCategoryInput): Promise<Category>
  /** Every category as a tree: roots and their children, by `position` then name. */
  categoryTree(): Promise<CategoryNode[]>

  /** Creates or redefines an attribute by `code`. Its type cannot change, nor options in use be removed, once values exist. */
  defineAttribute(input: DefineAttributeInput): Promise<AttributeDefinition>
  /** Every attribute definition, by code. */
  attributes(): Promise<AttributeDefinition[]>

  /**
   * Creates a product, or updates the one with this `id` or else this
   * `handle`. Optional fields left out keep their values on update. Listed
   * variants are upserted by SKU; variants not listed are kept. Attribute
   * values are checked against their definitions.
   */
  upsertProduct(input: UpsertProductInput): Promise<Product>
  /** Creates or updates one variant by SKU; a new SKU needs `product` (id or handle). */
  upsertVariant(input: UpsertVariantInput): Promise<Variant>
  /** Archives a product (by id or handle): its variants are reported archived too. */
  archiveProduct(idOrHandle: string): Promise<Product>
  /** Archives one variant (by id or SKU). */
  archiveVariant(idOrSku: string): Promise<Variant>
  /** The product with this id or handle, with its variants; undefined when there is none. */
  getProduct(idOrHandle: string): Promise<Product | undefined>
  /** The variant with this SKU and its product; undefined when there is none. */
  getVariantBySku(sku: string): Promise<VariantWithProduct | undefined>
  /** Products matching the filters, oldest first, a page at a time (keyset cursor). */
  listProducts(input?: ListProductsInput): Promise<ProductPage>
  /**
   * What a product feed publishes, a page at a time (keyset cursor, by variant
   * id): active variants of active products that have a price in `priceList`
   * (default the shop's base list), with their product's name, description,
   * categories, merged attributes, images, barcodes, weight and size, and
   * that list's price and compare-at price. The list's scope and validity
   * window are not applied: name the list whose prices you want published.
   * Two queries per page, whatever its size. An unknown `priceList` →
   * `NOT_FOUND`.
   *
   * @example
   * ```ts
   * let cursor: string | null = null
   * do {
   *   const page = await shop.catalog.listOffers({ priceList: 'base-RUB', limit: 1000, cursor })
   *   for (const offer of page.items) console.log(offer.sku, offer.price.amount)
   *   cursor = page.nextCursor
   * } while (cursor)
   * ```
   */
  listOffers(input?: ListOffersInput): Promise<OfferPage>

  /** Creates a supplier. */
  createSupplier(input: CreateSupplierInput): Promise<Supplier>
  /** Every supplier, by name. */
  suppliers(): Promise<Supplier[]>
  /** Records that a supplier can deliver a variant (drop-ship), with its SKU and cost there; linking again updates them. */
  linkSupplierVariant(input: LinkSupplierVariantInput): Promise<SupplierOffer>
  /** The suppliers that can deliver a variant, fastest first (then cheapest). */
  suppliersFor(variantId: string): Promise<SupplierOffer[]>

  /** Creates or updates a price list by `code`. Codes `base-<CUR>` are reserved for the base lists, which the engine creates. */
  upsertPriceList(input: UpsertPriceListInput): Promise<PriceList>
  /** Every price list, base lists first, then by currency, priority (highest first) and code. */
  priceLists(): Promise<PriceList[]>
  /** Sets prices (upsert per list and variant). A `base-<CUR>` list is created on first use. */
  setPrices(entries: readonly SetPriceInput[]): Promise<VariantPrice[]>
  /** Every price of a variant (id or SKU) in every list. */
  pricesOf(variantIdOrSku: string): Promise<VariantPrice[]>
  /**
   * The effective price of each variant (given by id or SKU, in that order)
   * in a context, with the winning list and an explanation. Unknown
   * variants → `NOT_FOUND`.
   */
  resolvePrices(variantIdsOrSkus: readonly string[], context: PriceContextInput): Promise<PriceResolution[]>

  /**
   * Bulk upsert of products, variants and prices, one row per variant with
   * the product's fields repeated. Bad rows are reported (row number from 1
   * and reason) and skipped; good rows are written in batches, one
   * transaction each, emitting one `catalog.imported` event per batch.
   */
  import(rows: Iterable<CatalogImportRow> | AsyncIterable<CatalogImportRow>, options?: ImportOptions): Promise<ImportResult>
}

/**
 * What other core modules call inside their unit of work. Each call takes the
 * database handle to read through (`runtime.db` or `uow.db`).
 */
export interface CatalogInternal {
  /** Variants by SKU (unknown SKUs are absent), keyed by SKU. At most one query for variants+products, one for categories. */
  variantsBySku(db: Kysely<Database>, skus: readonly string[]): Promise<Map<string, VariantSummary>>
  /**
   * Variants by id with their resolved price in `context` (null when none),
   * keyed by variant id. Three queries, whatever the count; one (the prices)
   * when `known` (summaries the caller read in the same unit of work, by
   * variant id) holds every variant.
   */
  variantsForPricing(db: Kysely<Database>, variantIds: readonly string[], context: PriceContext, known?: ReadonlyMap<string, VariantSummary>): Promise<Map<string, PricedVariant>>
  /** A subquery of the ids of products in any of the categories (by id): what CRM segments on categories bought join. */
  productsInCategoriesQuery(db: Kysely<Database>, categoryIds: readonly string[]): SelectQueryBuilder<any, any, { product_id: string }>
}

/** Creates the catalog module on the engine's runtime. */
export function createCatalogModule(runtime: Runtime): { api: CatalogApi; internal: CatalogInternal } {
  const categories = createCategoryCommands(runtime)
  const attributes = createAttributeCommands(runtime)
  const products = createProductCommands(runtime)
  const suppliers = createSupplierCommands(runtime)
  const priceLists = createPriceListCommands(runtime)
  const queries = createCatalogQueries(runtime)

  const api: CatalogApi = {
    ...categories,
    ...attributes,
    ...products,
    ...suppliers,
    ...priceLists,
    ...queries,
    ...createOfferQueries(runtime),
    import: (rows, options) => importCatalog(runtime, rows, options),
  }
  const reader = createCatalogReader(runtime.revisions)
  const internal: CatalogInternal = {
    variantsBySku: reader.variantsBySku,
    variantsForPricing: reader.variantsForPricing,
    productsInCategoriesQuery: (db, categoryIds) => db.selectFrom('ordo_product_category').select('product_id').where('category_id', 'in', [...categoryIds]),
  }
  return { api, internal }
}
