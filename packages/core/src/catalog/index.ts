export type { CatalogApi } from './catalog-module.js'
