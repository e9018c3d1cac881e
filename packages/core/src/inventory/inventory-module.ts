import type { Runtime } from '../runtime.js'
import type { OrdoMigration } from '../storage/migration.js'

/** Tables owned by the inventory module. */
export interface InventoryTables {}

/** The inventory module's schema changes, in order. */
export const inventoryMigrations: readonly OrdoMigration[] = []

/** `shop.inventory`: the public commands and queries. */
export interface InventoryApi {}

/** What other core modules call inside their unit of work. */
export interface InventoryInternal {}

/** Creates the inventory module on the engine's runtime. */
export function createInventoryModule(_runtime: Runtime): { api: InventoryApi; internal: InventoryInternal } {
  return { api: {}, internal: {} }
}
