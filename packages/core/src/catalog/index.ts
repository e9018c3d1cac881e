/**
 * The catalog: products and variants (SKUs), categories, typed attributes,
 * suppliers and price lists with scoped, time-boxed, explained price
 * resolution.
 *
 * @module
 */
export type { CatalogApi, ProductPage } from './catalog-module.js'
export { ATTRIBUTE_TYPES, CATALOG_STATUSES, PAYMENT_SUBJECTS } from './catalog-types.js'
export type {
  AttributeDefinition,
  AttributeType,
  AttributeValue,
  AttributeValues,
  CatalogStatus,
  Category,
  CategoryNode,
  Dimensions,
  PaymentSubject,
  PriceCandidate,
  PriceContext,
  PricedVariant,
  PriceList,
  PriceResolution,
  Product,
  ResolvedPrice,
  Supplier,
  SupplierOffer,
  Variant,
  VariantPrice,
  VariantSummary,
  VariantWithProduct,
} from './catalog-types.js'
export type {
  CatalogImportRow,
  CreateCategoryInput,
  CreateSupplierInput,
  DefineAttributeInput,
  LinkSupplierVariantInput,
  ListProductsInput,
  PriceContextInput,
  ProductVariantInput,
  SetPriceInput,
  UpdateCategoryInput,
  UpsertPriceListInput,
  UpsertProductInput,
  UpsertVariantInput,
} from './catalog-input-types.js'
export type { AttributeFilter } from './catalog-input-types.js'
export type { ImportOptions, ImportProgress, ImportResult, ImportRowError } from './catalog-import.js'
export type { CatalogOffer, ListOffersInput, OfferPage } from './catalog-offers.js'
