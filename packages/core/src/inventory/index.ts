export type { InventoryApi } from './inventory-module.js'
