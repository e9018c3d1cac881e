import type { Runtime } from '../runtime.js'
import type { OrdoMigration } from '../storage/migration.js'

/** Tables owned by the promotions module. */
export interface PromotionsTables {}

/** The promotions module's schema changes, in order. */
export const promotionsMigrations: readonly OrdoMigration[] = []

/** `shop.promotions`: the public commands and queries. */
export interface PromotionsApi {}

/** What other core modules call inside their unit of work. */
export interface PromotionsInternal {}

/** Creates the promotions module on the engine's runtime. */
export function createPromotionsModule(_runtime: Runtime): { api: PromotionsApi; internal: PromotionsInternal } {
  return { api: {}, internal: {} }
}
