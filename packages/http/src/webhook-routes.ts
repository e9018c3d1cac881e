import type { Commerce } from '@ordo/core'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { RouteTable } from './route-table.js'
import { commonOptionsSchema, parseRouteOptions, defaultClientIp, mountTable, type CommonRouteOptions } from './router.js'
import * as s from './schemas.js'

/** Options of {@link webhookRoutes}; `maxBodyBytes` defaults to 262144 (256 KiB) here. */
export type WebhookRouteOptions = CommonRouteOptions

/**
 * Provider callbacks: payments (`POST /payments/:provider`), carriers
 * (`POST /couriers/:carrier`) and SMS delivery reports (`POST /sms/:gateway`).
 * The body reaches the adapter byte for byte with the headers and the
 * sender's address, so it can check the signature; the adapter's answer
 * (including its refusal of a bad signature) is what the provider gets.
 * Problems (an unknown provider, an outage) show no engine details. Bodies
 * above `maxBodyBytes` (256 KiB unless set) are refused with `413` before they
 * are read whole.
 *
 * @example
 * ```ts
 * app.route('/webhooks', webhookRoutes(shop, { maxBodyBytes: 256 * 1024 }))
 * // YooKassa notifications then go to https://shop.example/webhooks/payments/yookassa
 * ```
 */
export function webhookRoutes(shop: Commerce, options: WebhookRouteOptions = {}): Hono {
  parseRouteOptions('webhookRoutes', commonOptionsSchema, options)
  const clientIp = options.clientIp ?? defaultClientIp
  const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })
  const request = async (c: Context) => ({
    headers: Object.fromEntries(c.req.raw.headers.entries()) as Record<string, string | undefined>,
    // Decoded without touching a byte order mark: `text()` would drop it and the signature would no longer match.
    rawBody: utf8.decode(await c.req.arrayBuffer()),
    remoteAddress: clientIp(c) ?? null,
  })
  const answer = (response: { status: number; body: string; contentType: string }) =>
    new Response(response.body, { status: response.status, headers: { 'content-type': response.contentType } })
  const rawBody = { contentTypes: ['application/json', 'application/x-www-form-urlencoded', 'text/plain'] }
  const reply = { status: 200 as const, description: "The adapter's answer for the provider (a refusal of a bad signature carries the provider's expected status)." }
  const t = new RouteTable()
  t.add(
    { method: 'post', path: '/payments/:provider', operationId: 'paymentWebhook', summary: "A payment provider's notification", tag: 'webhooks', params: z.object({ provider: s.key }), rawBody, success: reply, problems: [404] },
    async ({ params, c }) => answer((await shop.payments.handleWebhook(params.provider, await request(c))).response),
  )
  t.add(
    { method: 'post', path: '/couriers/:carrier', operationId: 'courierWebhook', summary: "A carrier's status notification", tag: 'webhooks', params: z.object({ carrier: s.key }), rawBody, success: reply, problems: [404] },
    async ({ params, c }) => answer((await shop.shipments.handleWebhook(params.carrier, await request(c))).response),
  )
  t.add(
    { method: 'post', path: '/sms/:gateway', operationId: 'smsCallback', summary: "An SMS gateway's delivery report", tag: 'webhooks', params: z.object({ gateway: s.key }), rawBody, success: reply, problems: [404] },
    async ({ params, c }) => answer((await shop.notify.handleCallback(params.gateway, await request(c))).response),
  )
  const app = new Hono()
  mountTable(app, t, { maxBodyBytes: 262_144, ...options }, { title: 'Ordo webhooks', description: 'Callbacks from payment providers, carriers and SMS gateways.' }, undefined, 'public')
  return app
}
