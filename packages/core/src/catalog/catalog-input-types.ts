import type { CurrencyCode } from '../money/currency.js'
import type { VatRate } from '../money/vat.js'
import type { AttributeType, AttributeValues, CatalogStatus, Dimensions, PaymentSubject } from './catalog-types.js'

// The public inputs of the catalog's commands, written out for readers and
// the API reference. catalog-inputs.ts checks at compile time that each
// matches its zod schema exactly.

/** A variant inside {@link UpsertProductInput}, upserted by SKU. Fields left out keep their values on update. */
export interface ProductVariantInput {
  /** Unique SKU, 1–191 characters, no leading or trailing spaces. */
  sku: string
  /** What tells it apart from its siblings, e.g. `M / Blue`. */
  name?: string | null | undefined
  /** @default 'active' */
  status?: CatalogStatus | undefined
  /** The variant's own attribute values (they win over the product's), checked against their definitions. */
  attributes?: AttributeValues | undefined
  barcodes?: string[] | undefined
  weightGrams?: number | null | undefined
  dimensions?: Dimensions | null | undefined
  /** Purchase cost in the shop's base currency, minor units. */
  costPrice?: number | null | undefined
  /** Image URLs of this variant. */
  images?: string[] | undefined
  /** Sort order among the product's variants; new variants go last by default. */
  position?: number | undefined
}

/**
 * Input of {@link CatalogApi.upsertProduct}: a product found by `id`, else by
 * `handle`, or created. Optional fields left out keep their values on update.
 */
export interface UpsertProductInput {
  /** Update this product (its handle may change with it). */
  id?: string | undefined
  /** Unique URL slug: lower-case letters, digits, `-`, `_`, `.`. */
  handle: string
  name: string
  description?: string | null | undefined
  /** The categories to place the product in (replacing its placements). */
  categoryIds?: string[] | undefined
  /** Product attribute values (replacing them), checked against their definitions. */
  attributes?: AttributeValues | undefined
  vatRate: VatRate
  paymentSubject: PaymentSubject
  /** Image URLs, the first is the main one. */
  images?: string[] | undefined
  /** @default 'active' */
  status?: CatalogStatus | undefined
  /** Variants to create or update by SKU; variants not listed are kept. */
  variants?: ProductVariantInput[] | undefined
}

/** Input of {@link CatalogApi.upsertVariant}: one variant by SKU. */
export interface UpsertVariantInput extends ProductVariantInput {
  /** The product (id or handle). Required for a new SKU; for an existing one, a different product moves the variant there. */
  product?: string | undefined
}

/** Input of {@link CatalogApi.createCategory}. */
export interface CreateCategoryInput {
  /** Unique URL slug. */
  slug: string
  name: string
  description?: string | null | undefined
  /** The parent category; a root when left out. */
  parentId?: string | null | undefined
  /** Sort order among siblings. @default 0 */
  position?: number | undefined
}

/** Input of {@link CatalogApi.updateCategory}; fields left out keep their values, `parentId: null` makes it a root. */
export interface UpdateCategoryInput {
  slug?: string | undefined
  name?: string | undefined
  description?: string | null | undefined
  parentId?: string | null | undefined
  position?: number | undefined
}

/** Input of {@link CatalogApi.defineAttribute}. */
export interface DefineAttributeInput {
  /** Unique code: lower-case letters, digits and `_`, starting with a letter. */
  code: string
  name: string
  type: AttributeType
  /** Unit of a `number` attribute. */
  unit?: string | null | undefined
  /** Allowed values of an `option` attribute (required for it, distinct). */
  options?: string[] | undefined
  /** Whether listProducts may filter by it. @default false (kept on redefinition when left out) */
  filterable?: boolean | undefined
}

/** Input of {@link CatalogApi.createSupplier}. */
export interface CreateSupplierInput {
  name: string
  /** ИНН: 10 digits for a company, 12 for a sole trader. */
  taxId?: string | null | undefined
  leadTimeDays: number
  /** Currency of its costs and minimum order. @default the shop's currency */
  currency?: CurrencyCode | undefined
  /** Smallest order it accepts, minor units. */
  minimumOrder?: number | null | undefined
  /** @default true */
  active?: boolean | undefined
}

/** Input of {@link CatalogApi.linkSupplierVariant}. */
export interface LinkSupplierVariantInput {
  supplierId: string
  variantId: string
  /** The supplier's article number for the variant. */
  supplierSku?: string | null | undefined
  /** The supplier's price, minor units of the supplier's currency. */
  cost?: number | null | undefined
}

/**
 * Input of {@link CatalogApi.upsertPriceList}, created or updated by `code`
 * (optional fields left out keep their values on update).
 *
 * `validFrom`/`validTo` are a `Date`, an ISO instant with an offset
 * (`2026-03-01T00:00:00+03:00`), or — with `timeZone` — a local date-time
 * (`2026-03-01T00:00`) or date (`2026-03-31`) in that IANA zone. A date alone
 * means the start of the day for `validFrom` and its end (23:59:59.999) for
 * `validTo`. Both bounds are inclusive.
 *
 * @example
 * ```ts
 * await shop.catalog.upsertPriceList({
 *   code: 'moscow', name: 'Moscow', currency: 'RUB', priority: 10, regions: ['moscow'],
 *   validFrom: '2026-03-01', validTo: '2026-03-31', timeZone: 'Europe/Moscow',
 * })
 * ```
 */
export interface UpsertPriceListInput {
  /** Unique code: letters, digits, `.`, `_`, `-`; `base-…` is reserved. */
  code: string
  name: string
  currency: CurrencyCode
  /** Higher wins; base lists have 0. */
  priority: number
  regions?: string[] | undefined
  channels?: string[] | undefined
  customerGroups?: string[] | undefined
  validFrom?: Date | string | null | undefined
  validTo?: Date | string | null | undefined
  /** IANA zone of local bounds, and of the window in explanations. */
  timeZone?: string | null | undefined
  /** @default true */
  active?: boolean | undefined
}

/** One entry of {@link CatalogApi.setPrices}: a list (by code or id), a variant (by SKU or id), the amount and an optional old price above it. */
export interface SetPriceInput {
  priceListCode?: string | undefined
  priceListId?: string | undefined
  sku?: string | undefined
  variantId?: string | undefined
  /** Minor units of the list's currency. */
  amount: number
  /** The "old price" shown struck through; must be above `amount`. */
  compareAt?: number | null | undefined
}

/** The context of {@link CatalogApi.resolvePrices}. */
export interface PriceContextInput {
  currency: CurrencyCode
  region?: string | null | undefined
  channel?: string | null | undefined
  customerGroups?: string[] | undefined
  /** The instant to price at. @default the engine clock's now */
  at?: Date | undefined
}

/** A filter on one attribute: a value, any of several values, or (number attributes) a range. */
export type AttributeFilter = string | number | boolean | (string | number | boolean)[] | { min?: number | undefined; max?: number | undefined }

/**
 * Filters of {@link CatalogApi.listProducts}.
 *
 * - `attributes`: a product matches when one of its variants has all of them
 *   (the product's values merged with the variant's).
 * - `price`: the base price in `currency` — or, with `context`, the effective
 *   price there — of that same variant lies within `[min, max]`.
 * - `search`: case-insensitive substring of the product's name or handle, or
 *   of a variant's SKU, name or barcode.
 */
export interface ListProductsInput {
  categoryId?: string | undefined
  /** Include products of the category's subcategories. @default false */
  includeSubcategories?: boolean | undefined
  attributes?: Record<string, AttributeFilter> | undefined
  price?:
    | {
        currency: CurrencyCode
        min?: number | undefined
        max?: number | undefined
        context?: Omit<PriceContextInput, 'currency'> | undefined
      }
    | undefined
  search?: string | undefined
  /** @default 'active' */
  status?: CatalogStatus | 'any' | undefined
  /** Page size, 1–200. @default 50 */
  limit?: number | undefined
  /** The `nextCursor` of the previous page. */
  cursor?: string | null | undefined
}

/**
 * One row of {@link CatalogApi.import}: one variant, with its product's
 * fields repeated and its prices.
 */
export interface CatalogImportRow {
  handle: string
  name: string
  description?: string | null | undefined
  /** Category slugs; the product's placements are kept when left out. */
  categories?: string[] | undefined
  /** Product-level attribute values. */
  attributes?: AttributeValues | undefined
  vatRate: VatRate
  paymentSubject: PaymentSubject
  images?: string[] | undefined
  status?: CatalogStatus | undefined
  sku: string
  variantName?: string | null | undefined
  variantAttributes?: AttributeValues | undefined
  variantStatus?: CatalogStatus | undefined
  barcodes?: string[] | undefined
  weightGrams?: number | null | undefined
  dimensions?: Dimensions | null | undefined
  costPrice?: number | null | undefined
  variantImages?: string[] | undefined
  position?: number | undefined
  /** Prices by list code; `base-<CUR>` lists are created on first use. */
  prices?: { priceList: string; amount: number; compareAt?: number | null | undefined }[] | undefined
}
