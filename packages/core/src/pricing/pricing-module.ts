import type { Runtime } from '../runtime.js'
import type { OrdoMigration } from '../storage/migration.js'

/** Tables owned by the pricing module. */
export interface PricingTables {}

/** The pricing module's schema changes, in order. */
export const pricingMigrations: readonly OrdoMigration[] = []

/** `shop.pricing`: the public commands and queries. */
export interface PricingApi {}

/** What other core modules call inside their unit of work. */
export interface PricingInternal {}

/** Creates the pricing module on the engine's runtime. */
export function createPricingModule(_runtime: Runtime, _deps: { catalog: import('../catalog/catalog-module.js').CatalogInternal; promotions: import('../promotions/promotions-module.js').PromotionsInternal }): { api: PricingApi; internal: PricingInternal } {
  return { api: {}, internal: {} }
}
