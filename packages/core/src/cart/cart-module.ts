import type { Runtime } from '../runtime.js'
import type { OrdoMigration } from '../storage/migration.js'

/** Tables owned by the cart module. */
export interface CartTables {}

/** The cart module's schema changes, in order. */
export const cartMigrations: readonly OrdoMigration[] = []

/** `shop.cart`: the public commands and queries. */
export interface CartApi {}

/** What other core modules call inside their unit of work. */
export interface CartInternal {}

/** Creates the cart module on the engine's runtime. */
export function createCartModule(_runtime: Runtime, _deps: { catalog: import('../catalog/catalog-module.js').CatalogInternal; inventory: import('../inventory/inventory-module.js').InventoryInternal; pricing: import('../pricing/pricing-module.js').PricingInternal; promotions: import('../promotions/promotions-module.js').PromotionsInternal }): { api: CartApi; internal: CartInternal } {
  return { api: {}, internal: {} }
}
