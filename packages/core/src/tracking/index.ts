/**
 * Tracking: batched visits, leads and channel attribution — `shop.tracking`.
 *
 * @module
 */
export type { TrackingApi } from './tracking-module.js'
export { DIRECT_SOURCE } from './tracking-module.js'
export { ATTRIBUTION_MODELS } from './tracking-types.js'
export type { Attribution, AttributionModel, Lead, LeadInput, TrackingConfig, VisitChannel, VisitInput } from './tracking-types.js'
