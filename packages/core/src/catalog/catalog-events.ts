// The catalog's domain events, added to the engine's event map.

declare module '../events/domain-events.js' {
  interface DomainEventMap {
    /** A product was created (by `upsertProduct`). Imports emit `catalog.imported` instead. */
    'product.created': { productId: string; handle: string; name: string; skus: string[] }
    /** A product or its variants changed (by `upsertProduct` or `upsertVariant`). */
    'product.updated': { productId: string; handle: string; name: string; skus: string[] }
    /** A product was archived; its variants are no longer for sale. */
    'product.archived': { productId: string; handle: string }
    /** One variant was archived. */
    'variant.archived': { productId: string; variantId: string; sku: string }
    /** A category was created or changed (renamed, moved). */
    'category.changed': { categoryId: string; slug: string; parentId: string | null; created: boolean }
    /** An attribute was defined or redefined. */
    'attribute.defined': { code: string; type: string; created: boolean }
    /**
     * A price list or its prices changed: `upserted` for the list itself,
     * `prices` when `setPrices` changed prices of `variantIds`.
     */
    'price_list.changed': { priceListId: string; code: string; currency: string; change: 'upserted' | 'prices'; variantIds: string[] }
    /** A supplier was created. */
    'supplier.created': { supplierId: string; name: string }
    /** One batch of a catalog import was committed. */
    'catalog.imported': {
      batch: number
      rows: number
      productsCreated: number
      productsUpdated: number
      variantsCreated: number
      variantsUpdated: number
      prices: number
    }
  }
}

export {}
