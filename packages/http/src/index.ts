/**
 * HTTP for Ordo on Hono, web-standard (Node, Bun, Deno, workers): the
 * storefront API, the back-office API with pluggable auth (API keys with
 * scopes by default), provider webhooks with raw bodies, errors as
 * `application/problem+json` and an OpenAPI 3.1 document at `/openapi.json`
 * of each router.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { adminRoutes, apiKeyAuth, apiKeys, httpPlugin, storefrontRoutes, webhookRoutes } from '@ordo/http'
 *
 * const shop = await createCommerce({ storage, currency: 'RUB', plugins: [httpPlugin()] })
 * const app = new Hono()
 * app.route('/api/store', storefrontRoutes(shop, { orderTokenSecret: process.env.ORDER_TOKEN_SECRET! }))
 * app.route('/api/admin', adminRoutes(shop, { auth: apiKeyAuth(apiKeys(shop)) }))
 * app.route('/webhooks', webhookRoutes(shop))
 * ```
 *
 * @module
 */
export { storefrontRoutes } from './storefront-routes.js'
export type { CustomerOrderLine, CustomerOrderView, RateLimit, StorefrontProduct, StorefrontRateLimits, StorefrontRouteOptions, StorefrontVariant } from './storefront-routes.js'
export { adminRoutes } from './admin-routes.js'
export type { AdminEnv, AdminRouteOptions } from './admin-routes.js'
export { webhookRoutes } from './webhook-routes.js'
export type { WebhookRouteOptions } from './webhook-routes.js'
export { defaultClientIp } from './router.js'
export type { CommonRouteOptions } from './router.js'
export { ADMIN_SCOPES, apiKeyAuth, apiKeys, httpPlugin } from './api-keys.js'
export type { AdminActor, AdminScope, ApiKey, ApiKeysApi, IssuedApiKey } from './api-keys.js'
export { DEFAULT_ORDER_TOKEN_TTL_MS, orderAccess } from './order-access.js'
export type { OrderAccess, OrderAccessOptions, OrderTokenStatus } from './order-access.js'
export { HTTP_ERROR_CODES, PROBLEM_CONTENT_TYPE, PUBLIC_DETAIL_CODES, STATUS_BY_CODE } from './problem.js'
export type { HttpErrorCode, Problem, ProblemExposure, UnexpectedErrorListener } from './problem.js'
export type { OpenApiDocument } from './route-table.js'
