export type { PricingApi } from './pricing-module.js'
