import type { Runtime } from '../runtime.js'
import type { OrdoMigration } from '../storage/migration.js'

/** Tables owned by the catalog module. */
export interface CatalogTables {}

/** The catalog module's schema changes, in order. */
export const catalogMigrations: readonly OrdoMigration[] = []

/** `shop.catalog`: the public commands and queries. */
export interface CatalogApi {}

/** What other core modules call inside their unit of work. */
export interface CatalogInternal {}

/** Creates the catalog module on the engine's runtime. */
export function createCatalogModule(_runtime: Runtime): { api: CatalogApi; internal: CatalogInternal } {
  return { api: {}, internal: {} }
}
