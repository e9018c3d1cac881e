import { z } from 'zod'
import { isCurrencyCode, type CurrencyCode } from '../money/currency.js'
import { VAT_RATES, type VatRate } from '../money/vat.js'
import type {
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
import { ATTRIBUTE_TYPES, CATALOG_STATUSES, PAYMENT_SUBJECTS } from './catalog-types.js'

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
}

// Inputs of the catalog's commands: the public types are the schemas' inputs,
// so callers and validation can never drift apart.

const MAX_MONEY = Number.MAX_SAFE_INTEGER

/** Trimmed, non-empty, at most `max` characters. */
const text = (max: number) => z.string().trim().min(1).max(max)

/** A URL slug: lower-case letters (any script), digits, `-`, `_`, `.`; starts with a letter or digit. */
const slug = z
  .string()
  .max(191)
  .regex(/^[\p{Ll}\p{Lo}\p{Nd}][\p{Ll}\p{Lo}\p{Nd}._-]*$/u, 'must be lower-case letters, digits, "-", "_" or "." (a URL slug)')

/** A SKU: 1–191 characters, no leading or trailing spaces. */
const sku = z
  .string()
  .min(1)
  .max(191)
  .regex(/^\S(?:.*\S)?$/su, 'must not start or end with whitespace')

const id = z.string().min(1).max(36)
const code = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"')
const amount = z.number().int().nonnegative().max(MAX_MONEY)
const currency = z.string().refine(isCurrencyCode, 'must be a currency code Ordo knows (e.g. RUB, USD)') as unknown as z.ZodType<CurrencyCode, CurrencyCode>
const vatRate = z.enum(Object.values(VAT_RATES) as [VatRate, ...VatRate[]])
const url = z.string().min(1).max(2000)
const scopeValues = z.array(text(100)).max(200)

/** Attribute values keyed by attribute code; each is checked against its definition. */
export const attributeValuesSchema = z.record(z.string().min(1).max(100), z.union([z.string().max(191), z.number().finite(), z.boolean()]))

const dimensions = z.strictObject({
  lengthMm: z.number().int().positive().max(100_000),
  widthMm: z.number().int().positive().max(100_000),
  heightMm: z.number().int().positive().max(100_000),
})

/** The fields of a variant (shared by upsertProduct's `variants`, upsertVariant and import rows). */
const variantFields = {
  sku,
  name: text(255).nullish(),
  status: z.enum(CATALOG_STATUSES).optional(),
  attributes: attributeValuesSchema.optional(),
  barcodes: z.array(text(64)).max(20).optional(),
  weightGrams: z.number().int().nonnegative().max(10_000_000).nullish(),
  dimensions: dimensions.nullish(),
  costPrice: amount.nullish(),
  images: z.array(url).max(50).optional(),
  position: z.number().int().min(0).max(1_000_000).optional(),
}

/** A variant inside `upsertProduct`: upserted by SKU. */
export const productVariantInputSchema = z.strictObject(variantFields)

/** Input of `upsertProduct`. */
export const upsertProductInputSchema = z.strictObject({
  /** Update this product (its handle may change); without it the product is found by handle. */
  id: id.optional(),
  handle: slug,
  name: text(255),
  description: z.string().max(100_000).nullish(),
  categoryIds: z.array(id).max(100).optional(),
  attributes: attributeValuesSchema.optional(),
  vatRate,
  paymentSubject: z.enum(PAYMENT_SUBJECTS),
  images: z.array(url).max(50).optional(),
  status: z.enum(CATALOG_STATUSES).optional(),
  variants: z.array(productVariantInputSchema).max(1000).optional(),
})

/** Input of `upsertVariant`: upserted by SKU; a new variant needs its product. */
export const upsertVariantInputSchema = z.strictObject({
  ...variantFields,
  /** The product (id or handle); required for a new SKU, moves nothing for an existing one unless it differs. */
  product: z.string().min(1).max(191).optional(),
})

/** Input of `createCategory`. */
export const createCategoryInputSchema = z.strictObject({
  slug,
  name: text(255),
  description: z.string().max(100_000).nullish(),
  parentId: id.nullish(),
  position: z.number().int().min(0).max(1_000_000).optional(),
})

/** Input of `updateCategory` (fields left out keep their values). */
export const updateCategoryInputSchema = z.strictObject({
  slug: slug.optional(),
  name: text(255).optional(),
  description: z.string().max(100_000).nullish(),
  parentId: id.nullish(),
  position: z.number().int().min(0).max(1_000_000).optional(),
})

/** Input of `defineAttribute`: creates or redefines the attribute with that code. */
export const defineAttributeInputSchema = z
  .strictObject({
    code: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[a-z][a-z0-9_]*$/, 'must be lower-case letters, digits and "_", starting with a letter'),
    name: text(255),
    type: z.enum(ATTRIBUTE_TYPES),
    unit: text(32).nullish(),
    options: z.array(text(191)).max(1000).optional(),
    filterable: z.boolean().optional(),
  })
  .superRefine((value, ctx) => {
    if (value.type === 'option') {
      if (!value.options || value.options.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['options'], message: 'an option attribute needs at least one option' })
      } else if (new Set(value.options).size !== value.options.length) {
        ctx.addIssue({ code: 'custom', path: ['options'], message: 'options must be distinct' })
      }
    } else if (value.options && value.options.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: `only option attributes have options, this one is ${value.type}` })
    }
    if (value.unit != null && value.type !== 'number') {
      ctx.addIssue({ code: 'custom', path: ['unit'], message: `only number attributes have a unit, this one is ${value.type}` })
    }
  })

/** Input of `createSupplier`. */
export const createSupplierInputSchema = z.strictObject({
  name: text(255),
  taxId: z
    .string()
    .regex(/^(\d{10}|\d{12})$/, 'must be an ИНН: 10 digits for a company, 12 for a sole trader')
    .nullish(),
  leadTimeDays: z.number().int().min(0).max(3650),
  currency: currency.optional(),
  minimumOrder: amount.nullish(),
  active: z.boolean().optional(),
})

/** Input of `linkSupplierVariant`: creates or updates the link. */
export const linkSupplierVariantInputSchema = z.strictObject({
  supplierId: id,
  variantId: id,
  supplierSku: text(191).nullish(),
  cost: amount.nullish(),
})

const instant = z.union([z.date(), z.string().min(1).max(40)])

/** Input of `upsertPriceList`: created or updated by code. */
export const upsertPriceListInputSchema = z.strictObject({
  code,
  name: text(255),
  currency,
  priority: z.number().int().min(-1_000_000).max(1_000_000),
  regions: scopeValues.optional(),
  channels: scopeValues.optional(),
  customerGroups: scopeValues.optional(),
  validFrom: instant.nullish(),
  validTo: instant.nullish(),
  timeZone: z.string().min(1).max(64).nullish(),
  active: z.boolean().optional(),
})

/** One entry of `setPrices`. */
export const setPriceEntrySchema = z
  .strictObject({
    priceListCode: code.optional(),
    priceListId: id.optional(),
    sku: sku.optional(),
    variantId: id.optional(),
    amount,
    compareAt: amount.nullish(),
  })
  .superRefine((value, ctx) => {
    if ((value.priceListCode === undefined) === (value.priceListId === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['priceListCode'], message: 'give exactly one of priceListCode or priceListId' })
    }
    if ((value.sku === undefined) === (value.variantId === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['sku'], message: 'give exactly one of sku or variantId' })
    }
    if (value.compareAt != null && value.compareAt <= value.amount) {
      ctx.addIssue({ code: 'custom', path: ['compareAt'], message: `the old price (${value.compareAt}) must be above the price (${value.amount})` })
    }
  })

/** Input of `setPrices`. */
export const setPricesInputSchema = z.array(setPriceEntrySchema).min(1).max(10_000)

/** The context of `resolvePrices` (`at` defaults to now). */
export const priceContextInputSchema = z.strictObject({
  currency,
  region: text(100).nullish(),
  channel: text(100).nullish(),
  customerGroups: z.array(text(100)).max(100).optional(),
  at: z.date().optional(),
})

/** Input of `listProducts`. */
export const listProductsInputSchema = z.strictObject({
  categoryId: id.optional(),
  includeSubcategories: z.boolean().optional(),
  attributes: z
    .record(
      z.string().min(1).max(100),
      z.union([
        z.string().max(191),
        z.number().finite(),
        z.boolean(),
        z.array(z.union([z.string().max(191), z.number().finite(), z.boolean()])).min(1).max(100),
        z.strictObject({ min: z.number().finite().optional(), max: z.number().finite().optional() }),
      ]),
    )
    .optional(),
  price: z
    .strictObject({
      currency,
      min: amount.optional(),
      max: amount.optional(),
      context: priceContextInputSchema.omit({ currency: true }).optional(),
    })
    .optional(),
  search: z.string().trim().min(1).max(200).optional(),
  status: z.enum([...CATALOG_STATUSES, 'any']).optional(),
  limit: z.number().int().min(1).max(200).optional(),
  cursor: z.string().min(1).max(500).nullish(),
})

/** One row of `import`: one variant with its product's fields repeated and its prices. */
export const importRowSchema = z.strictObject({
  handle: slug,
  name: text(255),
  description: z.string().max(100_000).nullish(),
  /** Category slugs. */
  categories: z.array(slug).max(100).optional(),
  /** Product-level attribute values. */
  attributes: attributeValuesSchema.optional(),
  vatRate,
  paymentSubject: z.enum(PAYMENT_SUBJECTS),
  images: z.array(url).max(50).optional(),
  status: z.enum(CATALOG_STATUSES).optional(),
  sku,
  variantName: text(255).nullish(),
  variantAttributes: attributeValuesSchema.optional(),
  variantStatus: z.enum(CATALOG_STATUSES).optional(),
  barcodes: z.array(text(64)).max(20).optional(),
  weightGrams: z.number().int().nonnegative().max(10_000_000).nullish(),
  dimensions: dimensions.nullish(),
  costPrice: amount.nullish(),
  variantImages: z.array(url).max(50).optional(),
  position: z.number().int().min(0).max(1_000_000).optional(),
  prices: z
    .array(
      z
        .strictObject({ priceList: code, amount, compareAt: amount.nullish() })
        .refine((p) => p.compareAt == null || p.compareAt > p.amount, { message: 'the old price must be above the price', path: ['compareAt'] }),
    )
    .max(50)
    .optional(),
})

/** Options of `import`. */
export const importOptionsSchema = z.strictObject({
  batchSize: z.number().int().min(1).max(10_000).optional(),
  onProgress: z.custom<(progress: unknown) => void>((v) => typeof v === 'function', 'must be a function').optional(),
})

/** Whether A and B are the same type, key for key. */
type Same<A, B> = [Exact<A, B>, Exact<B, A>] extends [true, true] ? true : false
type Exact<A, B> = [A] extends [B] ? (Exclude<KeysOf<A>, KeysOf<B>> extends never ? true : false) : false
/** Keys of an object type, and of object members of a union, deeply for nested objects and arrays. */
type KeysOf<T> = T extends readonly (infer E)[] ? `[]${KeysOf<E>}` : T extends Date ? never : T extends object ? { [K in keyof T & string]-?: K | `${K}.${KeysOf<T[K]>}` }[keyof T & string] : never

// The documented input types must stay exactly what the schemas accept.
const inputsMatchSchemas: [
  Same<z.input<typeof upsertProductInputSchema>, UpsertProductInput>,
  Same<z.input<typeof productVariantInputSchema>, ProductVariantInput>,
  Same<z.input<typeof upsertVariantInputSchema>, UpsertVariantInput>,
  Same<z.input<typeof createCategoryInputSchema>, CreateCategoryInput>,
  Same<z.input<typeof updateCategoryInputSchema>, UpdateCategoryInput>,
  Same<z.input<typeof defineAttributeInputSchema>, DefineAttributeInput>,
  Same<z.input<typeof createSupplierInputSchema>, CreateSupplierInput>,
  Same<z.input<typeof linkSupplierVariantInputSchema>, LinkSupplierVariantInput>,
  Same<z.input<typeof upsertPriceListInputSchema>, UpsertPriceListInput>,
  Same<z.input<typeof setPriceEntrySchema>, SetPriceInput>,
  Same<z.input<typeof priceContextInputSchema>, PriceContextInput>,
  Same<z.input<typeof listProductsInputSchema>, ListProductsInput>,
  Same<z.input<typeof importRowSchema>, CatalogImportRow>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true]
void inputsMatchSchemas
