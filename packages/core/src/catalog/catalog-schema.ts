import type { OrdoMigration } from '../storage/migration.js'
import { COLUMN } from '../storage/migration.js'

/** A category of the tree. `path` is the materialized chain of ids from the root to itself: `/root/…/self/`. */
export interface CategoryTable {
  id: string
  slug: string
  name: string
  description: string | null
  parent_id: string | null
  path: string
  position: number
  created_at: number
  updated_at: number
}

/** A product. Attribute values and images are JSON; `search_text` is the lower-cased name and handle. */
export interface ProductTable {
  id: string
  handle: string
  name: string
  description: string | null
  status: string
  vat_rate: string
  payment_subject: string
  attributes: string
  images: string
  search_text: string
  created_at: number
  updated_at: number
}

/** A variant (SKU). `search_text` is the lower-cased SKU, name and barcodes. */
export interface VariantTable {
  id: string
  product_id: string
  sku: string
  name: string | null
  status: string
  attributes: string
  barcodes: string
  weight_grams: number | null
  length_mm: number | null
  width_mm: number | null
  height_mm: number | null
  cost_price: number | null
  images: string
  position: number
  search_text: string
  created_at: number
  updated_at: number
}

/** Which categories a product is placed in. */
export interface ProductCategoryTable {
  product_id: string
  category_id: string
  position: number
}

/** An attribute definition. `options` is a JSON array; `filterable` is 0/1. */
export interface AttributeTable {
  code: string
  name: string
  type: string
  unit: string | null
  options: string
  filterable: number
  created_at: number
  updated_at: number
}

/**
 * The effective attribute values of each variant (the product's merged with
 * the variant's), one row per variant and attribute, for filtering. `value_text`
 * holds the canonical text (booleans as `true`/`false`), `value_number` the
 * number of a number attribute.
 */
export interface AttributeValueTable {
  variant_id: string
  product_id: string
  attribute_code: string
  value_text: string
  value_number: number | null
}

/** A supplier. */
export interface SupplierTable {
  id: string
  name: string
  tax_id: string | null
  lead_time_days: number
  currency: string
  minimum_order: number | null
  active: number
  created_at: number
  updated_at: number
}

/** A variant a supplier can deliver. */
export interface SupplierVariantTable {
  supplier_id: string
  variant_id: string
  supplier_sku: string | null
  cost: number | null
  created_at: number
  updated_at: number
}

/** A price list; scope dimensions are JSON arrays, the window is inclusive epoch milliseconds. */
export interface PriceListTable {
  id: string
  code: string
  name: string
  currency: string
  priority: number
  regions: string
  channels: string
  customer_groups: string
  valid_from: number | null
  valid_to: number | null
  time_zone: string | null
  active: number
  is_base: number
  created_at: number
  updated_at: number
}

/** One variant's price in one list. */
export interface PriceTable {
  price_list_id: string
  variant_id: string
  amount: number
  compare_at: number | null
  updated_at: number
}

/** Tables owned by the catalog module. */
export interface CatalogTables {
  ordo_category: CategoryTable
  ordo_product: ProductTable
  ordo_variant: VariantTable
  ordo_product_category: ProductCategoryTable
  ordo_attribute: AttributeTable
  ordo_attribute_value: AttributeValueTable
  ordo_supplier: SupplierTable
  ordo_supplier_variant: SupplierVariantTable
  ordo_price_list: PriceListTable
  ordo_price: PriceTable
}

/** The catalog module's schema changes, in order. */
export const catalogMigrations: readonly OrdoMigration[] = [
  {
    name: '0002_catalog',
    async up({ db, createTable }) {
      await createTable('ordo_category')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('slug', 'varchar(191)', (c) => c.notNull().unique())
        .addColumn('name', COLUMN.name, (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('parent_id', COLUMN.id)
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_category_parent_idx').on('ordo_category').columns(['parent_id', 'position']).execute()

      await createTable('ordo_product')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('handle', 'varchar(191)', (c) => c.notNull().unique())
        .addColumn('name', COLUMN.name, (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('vat_rate', 'varchar(8)', (c) => c.notNull())
        .addColumn('payment_subject', 'varchar(32)', (c) => c.notNull())
        .addColumn('attributes', COLUMN.json, (c) => c.notNull())
        .addColumn('images', COLUMN.json, (c) => c.notNull())
        .addColumn('search_text', 'text', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_product_status_idx').on('ordo_product').columns(['status', 'id']).execute()

      await createTable('ordo_variant')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('product_id', COLUMN.id, (c) => c.notNull())
        .addColumn('sku', 'varchar(191)', (c) => c.notNull().unique())
        .addColumn('name', COLUMN.name)
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attributes', COLUMN.json, (c) => c.notNull())
        .addColumn('barcodes', COLUMN.json, (c) => c.notNull())
        .addColumn('weight_grams', 'integer')
        .addColumn('length_mm', 'integer')
        .addColumn('width_mm', 'integer')
        .addColumn('height_mm', 'integer')
        .addColumn('cost_price', COLUMN.money)
        .addColumn('images', COLUMN.json, (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('search_text', 'text', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_variant_product_idx').on('ordo_variant').columns(['product_id', 'position']).execute()

      await createTable('ordo_product_category')
        .addColumn('product_id', COLUMN.id, (c) => c.notNull())
        .addColumn('category_id', COLUMN.id, (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('ordo_product_category_pk', ['product_id', 'category_id'])
        .execute()
      await db.schema.createIndex('ordo_product_category_category_idx').on('ordo_product_category').columns(['category_id', 'product_id']).execute()

      await createTable('ordo_attribute')
        .addColumn('code', 'varchar(100)', (c) => c.primaryKey())
        .addColumn('name', COLUMN.name, (c) => c.notNull())
        .addColumn('type', 'varchar(16)', (c) => c.notNull())
        .addColumn('unit', 'varchar(32)')
        .addColumn('options', COLUMN.json, (c) => c.notNull())
        .addColumn('filterable', 'integer', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()

      await createTable('ordo_attribute_value')
        .addColumn('variant_id', COLUMN.id, (c) => c.notNull())
        .addColumn('product_id', COLUMN.id, (c) => c.notNull())
        .addColumn('attribute_code', 'varchar(100)', (c) => c.notNull())
        .addColumn('value_text', 'varchar(191)', (c) => c.notNull())
        .addColumn('value_number', 'double precision')
        .addPrimaryKeyConstraint('ordo_attribute_value_pk', ['variant_id', 'attribute_code'])
        .execute()
      await db.schema
        .createIndex('ordo_attribute_value_text_idx')
        .on('ordo_attribute_value')
        .columns(['attribute_code', 'value_text', 'variant_id'])
        .execute()
      await db.schema
        .createIndex('ordo_attribute_value_number_idx')
        .on('ordo_attribute_value')
        .columns(['attribute_code', 'value_number', 'variant_id'])
        .execute()
      await db.schema.createIndex('ordo_attribute_value_product_idx').on('ordo_attribute_value').columns(['product_id']).execute()

      await createTable('ordo_supplier')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('name', COLUMN.name, (c) => c.notNull())
        .addColumn('tax_id', 'varchar(32)')
        .addColumn('lead_time_days', 'integer', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('minimum_order', COLUMN.money)
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()

      await createTable('ordo_supplier_variant')
        .addColumn('supplier_id', COLUMN.id, (c) => c.notNull())
        .addColumn('variant_id', COLUMN.id, (c) => c.notNull())
        .addColumn('supplier_sku', 'varchar(191)')
        .addColumn('cost', COLUMN.money)
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('ordo_supplier_variant_pk', ['supplier_id', 'variant_id'])
        .execute()
      await db.schema.createIndex('ordo_supplier_variant_variant_idx').on('ordo_supplier_variant').columns(['variant_id']).execute()

      await createTable('ordo_price_list')
        .addColumn('id', COLUMN.id, (c) => c.primaryKey())
        .addColumn('code', 'varchar(100)', (c) => c.notNull().unique())
        .addColumn('name', COLUMN.name, (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('regions', COLUMN.json, (c) => c.notNull())
        .addColumn('channels', COLUMN.json, (c) => c.notNull())
        .addColumn('customer_groups', COLUMN.json, (c) => c.notNull())
        .addColumn('valid_from', COLUMN.time)
        .addColumn('valid_to', COLUMN.time)
        .addColumn('time_zone', 'varchar(64)')
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('is_base', 'integer', (c) => c.notNull())
        .addColumn('created_at', COLUMN.time, (c) => c.notNull())
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ordo_price_list_currency_idx').on('ordo_price_list').columns(['currency', 'active']).execute()

      await createTable('ordo_price')
        .addColumn('price_list_id', COLUMN.id, (c) => c.notNull())
        .addColumn('variant_id', COLUMN.id, (c) => c.notNull())
        .addColumn('amount', COLUMN.money, (c) => c.notNull())
        .addColumn('compare_at', COLUMN.money)
        .addColumn('updated_at', COLUMN.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('ordo_price_pk', ['price_list_id', 'variant_id'])
        .execute()
      await db.schema.createIndex('ordo_price_variant_idx').on('ordo_price').columns(['variant_id', 'price_list_id']).execute()
    },
  },
]
