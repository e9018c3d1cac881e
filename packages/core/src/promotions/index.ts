export type { PromotionsApi } from './promotions-module.js'
