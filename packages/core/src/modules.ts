import { createCartModule, type CartApi } from './cart/cart-module.js'
import { createCatalogModule, type CatalogApi } from './catalog/catalog-module.js'
import { createInventoryModule, type InventoryApi } from './inventory/inventory-module.js'
import { createPricingModule, type PricingApi } from './pricing/pricing-module.js'
import { createPromotionsModule, type PromotionsApi } from './promotions/promotions-module.js'
import type { Runtime } from './runtime.js'
import { cartMigrations } from './cart/cart-module.js'
import { catalogMigrations } from './catalog/catalog-module.js'
import { inventoryMigrations } from './inventory/inventory-module.js'
import { promotionsMigrations } from './promotions/promotions-module.js'
import { kernelMigrations } from './storage/kernel-schema.js'
import type { OrdoMigration } from './storage/migration.js'

/** Every core module's migrations, in the order they apply. */
export const CORE_MIGRATIONS: readonly OrdoMigration[] = [
  ...kernelMigrations,
  ...catalogMigrations,
  ...inventoryMigrations,
  ...promotionsMigrations,
  ...cartMigrations,
]

/**
 * The namespaces core's modules add to the shop. Each module builds its
 * public API and the internal calls other modules make to it inside one unit
 * of work.
 */
export interface CoreModules {
  /** Products, variants, categories, attributes, suppliers and price lists. */
  readonly catalog: CatalogApi
  /** Stock locations, levels, movements and reservations. */
  readonly inventory: InventoryApi
  /** Promotions and coupons. */
  readonly promotions: PromotionsApi
  /** The pricing pipeline. */
  readonly pricing: PricingApi
  /** Carts. */
  readonly carts: CartApi
}

/** Creates every core module on the runtime, in dependency order. */
export function createModules(runtime: Runtime): CoreModules {
  const catalog = createCatalogModule(runtime)
  const inventory = createInventoryModule(runtime, {
    ...(runtime.config.inventory?.allocationStrategy ? { allocationStrategy: runtime.config.inventory.allocationStrategy } : {}),
  })
  runtime.jobs.set('inventory.expire-reservations', {
    every: 60_000,
    run: async (_payload, { uow }) => {
      await inventory.internal.expireDue(uow)
    },
  })
  const promotions = createPromotionsModule(runtime)
  const pricing = createPricingModule(runtime, { catalog: catalog.internal, promotions: promotions.internal })
  const carts = createCartModule(runtime, { catalog: catalog.internal, inventory: inventory.internal, pricing: pricing.internal, promotions: promotions.internal })
  return { catalog: catalog.api, inventory: inventory.api, promotions: promotions.api, pricing: pricing.api, carts: carts.api }
}
