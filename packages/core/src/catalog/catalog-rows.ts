import type { Selectable } from 'kysely'
import type { CurrencyCode } from '../money/currency.js'
import type { VatRate } from '../money/vat.js'
import type { AttributeTable, AttributeValueTable, CategoryTable, PriceListTable, ProductTable, SupplierTable, VariantTable } from './catalog-schema.js'
import type {
  AttributeDefinition,
  AttributeType,
  AttributeValues,
  Category,
  CatalogStatus,
  PaymentSubject,
  PriceList,
  Product,
  Supplier,
  Variant,
} from './catalog-types.js'
import type { PriceListRule } from './price-resolution.js'

// Row ↔ domain mapping. Numbers go through Number(): PostgreSQL and MySQL
// return bigint columns as strings.

const num = (v: unknown): number => Number(v)
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
const json = <T>(text: string): T => JSON.parse(text) as T

/** Ids on a category path `/a/b/c/`, root first (the category itself last). */
export function pathIds(path: string): string[] {
  return path.split('/').filter(Boolean)
}

/** A category row as public data. */
export function toCategory(row: Selectable<CategoryTable>): Category {
  const ids = pathIds(row.path)
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    parentId: row.parent_id,
    ancestorIds: ids.slice(0, -1),
    position: num(row.position),
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  }
}

/** A variant row as public data. */
export function toVariant(row: Selectable<VariantTable>): Variant {
  return {
    id: row.id,
    productId: row.product_id,
    sku: row.sku,
    name: row.name,
    status: row.status as CatalogStatus,
    attributes: json<AttributeValues>(row.attributes),
    barcodes: json<string[]>(row.barcodes),
    weightGrams: numOrNull(row.weight_grams),
    dimensions: toDimensions(row),
    costPrice: numOrNull(row.cost_price),
    images: json<string[]>(row.images),
    position: num(row.position),
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  }
}

/** The three size columns as dimensions, or null unless all three are set. */
export function toDimensions(row: { length_mm: number | null; width_mm: number | null; height_mm: number | null }) {
  if (row.length_mm === null || row.width_mm === null || row.height_mm === null) return null
  return { lengthMm: num(row.length_mm), widthMm: num(row.width_mm), heightMm: num(row.height_mm) }
}

/** A product row as public data, with its variants and categories. */
export function toProduct(row: Selectable<ProductTable>, variants: Variant[], categoryIds: string[]): Product {
  return {
    id: row.id,
    handle: row.handle,
    name: row.name,
    description: row.description,
    status: row.status as CatalogStatus,
    vatRate: row.vat_rate as VatRate,
    paymentSubject: row.payment_subject as PaymentSubject,
    categoryIds,
    attributes: json<AttributeValues>(row.attributes),
    images: json<string[]>(row.images),
    variants,
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  }
}

/** An attribute row as public data. */
export function toAttribute(row: Selectable<AttributeTable>): AttributeDefinition {
  return {
    code: row.code,
    name: row.name,
    type: row.type as AttributeType,
    unit: row.unit,
    options: json<string[]>(row.options),
    filterable: num(row.filterable) === 1,
  }
}

/** A supplier row as public data. */
export function toSupplier(row: Selectable<SupplierTable>): Supplier {
  return {
    id: row.id,
    name: row.name,
    taxId: row.tax_id,
    leadTimeDays: num(row.lead_time_days),
    currency: row.currency as CurrencyCode,
    minimumOrder: numOrNull(row.minimum_order),
    active: num(row.active) === 1,
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  }
}

/** A price list row as public data. */
export function toPriceList(row: Selectable<PriceListTable>): PriceList {
  const rule = toPriceListRule(row)
  return {
    id: rule.id,
    code: rule.code,
    name: rule.name,
    currency: rule.currency,
    priority: rule.priority,
    regions: [...rule.regions],
    channels: [...rule.channels],
    customerGroups: [...rule.customerGroups],
    validFrom: rule.validFrom === null ? null : new Date(rule.validFrom),
    validTo: rule.validTo === null ? null : new Date(rule.validTo),
    timeZone: rule.timeZone,
    active: rule.active,
    isBase: num(row.is_base) === 1,
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  }
}

/** A price list row as resolution sees it. */
export function toPriceListRule(row: Omit<Selectable<PriceListTable>, 'created_at' | 'updated_at' | 'is_base'>): PriceListRule {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    currency: row.currency as CurrencyCode,
    priority: num(row.priority),
    regions: json<string[]>(row.regions),
    channels: json<string[]>(row.channels),
    customerGroups: json<string[]>(row.customer_groups),
    validFrom: numOrNull(row.valid_from),
    validTo: numOrNull(row.valid_to),
    timeZone: row.time_zone,
    active: num(row.active) === 1,
  }
}

/** The code of a currency's base price list. */
export function baseListCode(currency: CurrencyCode): string {
  return `base-${currency}`
}

/** The currency of a base list code, or undefined when `code` is not one. */
export function baseListCurrency(code: string): string | undefined {
  return /^base-([A-Z]{3})$/.exec(code)?.[1]
}

/**
 * The filter rows of a variant: its attribute values merged over its
 * product's, one row per attribute.
 */
export function attributeValueRows(
  productId: string,
  variantId: string,
  productAttributes: AttributeValues,
  variantAttributes: AttributeValues,
): AttributeValueTable[] {
  const merged = { ...productAttributes, ...variantAttributes }
  return Object.entries(merged).map(([code, value]) => ({
    variant_id: variantId,
    product_id: productId,
    attribute_code: code,
    value_text: attributeText(value),
    value_number: typeof value === 'number' ? value : null,
  }))
}

/** The canonical text of an attribute value (what filters compare). */
export function attributeText(value: string | number | boolean): string {
  return typeof value === 'string' ? value : String(value)
}

/** Lower-cased search text of a product. */
export function productSearchText(name: string, handle: string): string {
  return `${name} ${handle}`.toLowerCase()
}

/** Lower-cased search text of a variant. */
export function variantSearchText(sku: string, name: string | null | undefined, barcodes: readonly string[]): string {
  return [sku, name ?? '', ...barcodes].join(' ').toLowerCase()
}
