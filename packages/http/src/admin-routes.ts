import { OrdoError, type Commerce } from '@ordo/core'
import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { AdminActor } from './api-keys.js'
import { HttpProblem } from './problem.js'
import { RouteTable, type RouteSpec } from './route-table.js'
import { commonOptionsSchema, parseRouteOptions, mountTable, type CommonRouteOptions } from './router.js'
import * as s from './schemas.js'

/** Options of {@link adminRoutes}. */
export interface AdminRouteOptions extends CommonRouteOptions {
  /**
   * Who is calling: the actor for a request, or null to refuse it with `401`.
   * Use `apiKeyAuth(apiKeys(shop))` for the built-in API keys, or check your
   * own session or token. A route whose scope the actor lacks answers `403`.
   */
  auth: (request: Request) => Promise<AdminActor | null>
}

/** The Hono environment of the admin routes: the authenticated actor is `c.get('actor')`. */
export type AdminEnv = { Variables: { actor: AdminActor } }

const optionsSchema = commonOptionsSchema.extend({ auth: z.function() })

/**
 * The back-office API: orders (board, list, page, transitions, confirmation,
 * cancellation, calls, line edits), shipments (packing, registration,
 * transitions, partial buyout), payments (capture, refund, cash), loyalty
 * adjustments, notification messages, customers with their timeline, notes
 * and calls, and reports. Every request is authenticated by
 * `auth`; every command records the caller as its `actor`. `GET /openapi.json`
 * describes every route and the scope it needs.
 *
 * @example
 * ```ts
 * import { adminRoutes, apiKeyAuth, apiKeys } from '@ordo/http'
 *
 * app.route('/api/admin', adminRoutes(shop, { auth: apiKeyAuth(apiKeys(shop)) }))
 * ```
 */
export function adminRoutes(shop: Commerce, options: AdminRouteOptions): Hono<AdminEnv> {
  parseRouteOptions('adminRoutes', optionsSchema, options)
  const t = new RouteTable()
  const actorOf = (c: { get(key: 'actor'): AdminActor }) => c.get('actor').id
  const orderParams = z.object({ orderId: s.key })
  const lineParams = orderParams.extend({ lineId: s.key })
  const shipmentParams = z.object({ shipmentId: s.key })
  const paymentParams = z.object({ paymentId: s.key })
  const customerParams = z.object({ customerId: s.key })
  const orderCommand = (method: 'post' | 'patch' | 'delete', path: string, operationId: string, summary: string) =>
    ({ method, path, operationId, summary, tag: 'orders', scope: 'orders:write', params: orderParams, success: { status: 200 as const, description: 'The order after the change.' }, problems: [404, 409, 422] })

  // Orders
  t.add(
    { method: 'get', path: '/orders', operationId: 'listOrders', summary: 'Orders matching the filter, newest first', tag: 'orders', scope: 'orders:read', query: s.orderListQuery, success: { status: 200, description: '`{ items, nextCursor }`.' } },
    async ({ query }) => {
      const { status, from, to, ...rest } = query
      return shop.orders.list({
        ...rest,
        ...(status ? { status: status.includes(',') ? status.split(',').map((x) => x.trim()) : status } : {}),
        ...(from ? { from: new Date(from) } : {}),
        ...(to ? { to: new Date(to) } : {}),
      })
    },
  )
  t.add(
    { method: 'get', path: '/orders/board', operationId: 'orderBoard', summary: 'Counts per status and per group, for the board', tag: 'orders', scope: 'orders:read', success: { status: 200, description: '`{ statuses, groups }`.' } },
    async () => shop.orders.board(),
  )
  t.add(
    { method: 'get', path: '/orders/:orderId', operationId: 'getOrder', summary: 'The order with its history, changes, calls and reservations', tag: 'orders', scope: 'orders:read', params: orderParams, success: { status: 200, description: 'The order view.' }, problems: [404] },
    async ({ params }) => shop.orders.view(params.orderId),
  )
  t.add(
    { method: 'get', path: '/orders/:orderId/transitions', operationId: 'orderTransitions', summary: "The transitions that apply to the order's status now", tag: 'orders', scope: 'orders:read', params: orderParams, success: { status: 200, description: 'Each transition, allowed or refused by the guards.' }, problems: [404] },
    async ({ params }) => shop.orders.allowedTransitions(params.orderId),
  )
  t.add(
    { ...orderCommand('post', '/orders/:orderId/transitions/:transition', 'transitionOrder', 'Takes a transition of the order machine'), params: orderParams.extend({ transition: s.key }), body: s.transitionBody },
    async ({ params, body, c }) => shop.orders.transition(params.orderId, params.transition, { ...body, actor: actorOf(c) }),
  )
  t.add(
    { ...orderCommand('post', '/orders/:orderId/confirm', 'confirmOrder', 'Confirms the order (after a call, by default)'), body: s.confirmBody },
    async ({ params, body, c }) => shop.orders.confirm(params.orderId, { channel: 'call', ...body, actor: actorOf(c) }),
  )
  t.add(
    { ...orderCommand('post', '/orders/:orderId/cancel', 'cancelOrder', 'Cancels with one of the configured reasons'), body: s.cancelBody },
    async ({ params, body, c }) => shop.orders.cancel(params.orderId, { ...body, actor: actorOf(c) }),
  )
  t.add(
    { ...orderCommand('post', '/orders/:orderId/calls', 'logOrderCall', 'Logs a call to the customer; `confirmed` confirms the order'), body: s.callBody, success: { status: 200, description: '`{ call, order }`.' } },
    async ({ params, body, c }) => {
      const actor = c.get('actor') as AdminActor
      return shop.orders.logCall(params.orderId, { ...body, manager: actor.name, actor: actor.id })
    },
  )
  t.add(
    { ...orderCommand('post', '/orders/:orderId/manager', 'assignOrderManager', 'Assigns (or, with null, unassigns) the manager in charge'), body: s.assignBody },
    async ({ params, body, c }) => shop.orders.assignManager(params.orderId, { ...body, actor: actorOf(c) }),
  )
  t.add(
    { ...orderCommand('post', '/orders/:orderId/lines', 'addOrderLine', 'Adds a SKU to the order (up-sell, cross-sell)'), body: s.addLineBody },
    async ({ params, body, c }) => shop.orders.addLine(params.orderId, { ...body, actor: actorOf(c) }),
  )
  t.add(
    { ...orderCommand('patch', '/orders/:orderId/lines/:lineId', 'changeOrderLineQuantity', "Changes a line's quantity"), params: lineParams, body: s.lineQuantityBody },
    async ({ params, body, c }) => shop.orders.changeQuantity(params.orderId, { lineId: params.lineId, ...body, actor: actorOf(c) }),
  )
  t.add(
    { ...orderCommand('delete', '/orders/:orderId/lines/:lineId', 'removeOrderLine', 'Removes a line (not the last one)'), params: lineParams, body: s.versionBody },
    async ({ params, body, c }) => shop.orders.removeLine(params.orderId, { lineId: params.lineId, ...body, actor: actorOf(c) }),
  )
  t.add(
    { ...orderCommand('post', '/orders/:orderId/lines/:lineId/substitute', 'substituteOrderLine', "Replaces a line's variant by another SKU"), params: lineParams, body: s.substituteBody },
    async ({ params, body, c }) => shop.orders.substituteVariant(params.orderId, { lineId: params.lineId, ...body, actor: actorOf(c) }),
  )
  t.add(
    { method: 'get', path: '/orders/:orderId/shipments', operationId: 'orderShipments', summary: "The order's shipments", tag: 'shipments', scope: 'shipments:read', params: orderParams, success: { status: 200, description: 'Outbound first, in the order they were planned.' } },
    async ({ params }) => shop.shipments.forOrder(params.orderId),
  )
  t.add(
    { method: 'get', path: '/orders/:orderId/payments', operationId: 'orderPayments', summary: "The order's payments and its payment state", tag: 'payments', scope: 'payments:read', params: orderParams, success: { status: 200, description: '`{ payments, state }`.' } },
    async ({ params }) => shop.payments.forOrder(params.orderId),
  )
  t.add(
    { method: 'post', path: '/orders/:orderId/cash', operationId: 'recordCash', summary: 'Records money a manager took (pickup, courier terminal, paid invoice)', tag: 'payments', scope: 'payments:write', params: orderParams, body: s.cashBody, success: { status: 200, description: 'The payment.' }, problems: [404, 409, 422] },
    async ({ params, body, c }) => shop.payments.recordCash(params.orderId, { ...body, actor: actorOf(c) }),
  )

  // Shipments
  const shipmentCommand = (path: string, operationId: string, summary: string) =>
    ({ method: 'post' as const, path, operationId, summary, tag: 'shipments', scope: 'shipments:write', params: shipmentParams, success: { status: 200 as const, description: 'The shipment after the change.' }, problems: [404, 409, 422, 502] })
  t.add(
    { method: 'get', path: '/shipments', operationId: 'listShipments', summary: 'Shipments by status and carrier, newest first', tag: 'shipments', scope: 'shipments:read', query: s.shipmentListQuery, success: { status: 200, description: 'The shipments.' } },
    async ({ query }) => shop.shipments.list(query),
  )
  t.add(
    { method: 'get', path: '/shipments/:shipmentId', operationId: 'getShipment', summary: 'A shipment with its tracking history', tag: 'shipments', scope: 'shipments:read', params: shipmentParams, success: { status: 200, description: '`{ shipment, history }`.' }, problems: [404] },
    async ({ params }) => {
      const shipment = await shop.shipments.get(params.shipmentId)
      if (!shipment) throw new OrdoError('NOT_FOUND', `No shipment ${params.shipmentId}.`, { details: { shipmentId: params.shipmentId } })
      return { shipment, history: await shop.shipments.history(params.shipmentId) }
    },
  )
  t.add({ ...shipmentCommand('/shipments/:shipmentId/pack', 'packShipment', 'Records the shipment packed (weight, boxes)'), body: s.packBody }, async ({ params, body, c }) =>
    shop.shipments.pack(params.shipmentId, { ...body, actor: actorOf(c) }),
  )
  t.add(shipmentCommand('/shipments/:shipmentId/register', 'registerShipment', 'Registers the packed shipment at its carrier'), async ({ params, c }) =>
    shop.shipments.register(params.shipmentId, { actor: actorOf(c) }),
  )
  t.add(
    { ...shipmentCommand('/shipments/:shipmentId/transitions/:transition', 'transitionShipment', 'A manual step of the shipment machine (`hand_over`, `deliver`, `cancel`, …)'), params: shipmentParams.extend({ transition: s.key }), body: s.shipmentTransitionBody },
    async ({ params, body, c }) =>
      shop.shipments.transition(params.shipmentId, params.transition, {
        actor: actorOf(c),
        ...(body?.reason ? { reason: body.reason } : {}),
        ...(body?.storageUntil ? { storageUntil: new Date(body.storageUntil) } : {}),
      }),
  )
  t.add(
    { ...shipmentCommand('/shipments/:shipmentId/outcome', 'recordShipmentOutcome', 'Records what the customer kept and refused (try-on, partial buyout)'), body: s.outcomeBody, success: { status: 200, description: '`{ shipment, returnShipment, refusedAmount, codAmount, refundDue }`.' } },
    async ({ params, body, c }) => shop.shipments.recordOutcome(params.shipmentId, { ...body, actor: actorOf(c) }),
  )
  t.add({ ...shipmentCommand('/shipments/:shipmentId/receive', 'receiveReturn', 'A return shipment arrived: its goods are restocked'), body: s.receiveReturnBody }, async ({ params, body, c }) =>
    shop.shipments.receiveReturn(params.shipmentId, { ...body, actor: actorOf(c) }),
  )

  // Payments
  const paymentCommand = (path: string, operationId: string, summary: string) =>
    ({ method: 'post' as const, path, operationId, summary, tag: 'payments', scope: 'payments:write', params: paymentParams, success: { status: 200 as const, description: 'The payment after the change.' }, problems: [404, 409, 422, 502] })
  t.add(
    { method: 'get', path: '/payments/:paymentId', operationId: 'getPayment', summary: 'A payment', tag: 'payments', scope: 'payments:read', params: paymentParams, success: { status: 200, description: 'The payment.' }, problems: [404] },
    async ({ params }) => {
      const payment = await shop.payments.get(params.paymentId)
      if (!payment) throw new OrdoError('NOT_FOUND', `No payment ${params.paymentId}.`, { details: { paymentId: params.paymentId } })
      return payment
    },
  )
  t.add({ ...paymentCommand('/payments/:paymentId/capture', 'capturePayment', 'Captures a hold (by default what the order owes)'), body: s.captureBody }, async ({ params, body }) =>
    shop.payments.capture(params.paymentId, body),
  )
  t.add(paymentCommand('/payments/:paymentId/void', 'voidPayment', 'Releases a hold or cancels a payment not yet captured'), async ({ params, c }) =>
    shop.payments.void(params.paymentId, { actor: actorOf(c) }),
  )
  t.add({ ...paymentCommand('/payments/:paymentId/refund', 'refundPayment', 'Refunds by amount or by lines'), body: s.refundBody }, async ({ params, body, c }) =>
    shop.payments.refund(params.paymentId, { ...body, actor: actorOf(c) }),
  )

  // Loyalty
  t.add(
    { method: 'get', path: '/customers/:customerId/points', operationId: 'pointsBalance', summary: "The customer's points balance and statement", tag: 'loyalty', scope: 'loyalty:read', params: customerParams, query: s.statementQuery, success: { status: 200, description: '`{ balance, statement }`.' } },
    async ({ params, query }) => {
      const [balance, statement] = await Promise.all([shop.loyalty.balance(params.customerId), shop.loyalty.statement(params.customerId, query)])
      return { balance, statement }
    },
  )
  t.add(
    { method: 'post', path: '/customers/:customerId/points/adjustments', operationId: 'adjustPoints', summary: 'A manual points change, idempotent by `externalId`', tag: 'loyalty', scope: 'loyalty:write', params: customerParams, body: s.adjustBody, success: { status: 201, description: 'The ledger entry.' }, problems: [409, 422] },
    async ({ params, body, c }) => shop.loyalty.adjust(params.customerId, { ...body, reason: `${body.reason} (${actorOf(c)})` }),
  )

  // Notifications
  t.add(
    { method: 'get', path: '/messages', operationId: 'listMessages', summary: 'Messages, newest first, by order, customer or status', tag: 'notify', scope: 'notify:read', query: s.messagesQuery, success: { status: 200, description: 'The messages.' } },
    async ({ query }) => shop.notify.messages(query),
  )
  t.add(
    { method: 'get', path: '/messages/:messageId', operationId: 'getMessage', summary: 'One message with its status', tag: 'notify', scope: 'notify:read', params: z.object({ messageId: s.key }), success: { status: 200, description: 'The message.' }, problems: [404] },
    async ({ params }) => {
      const message = await shop.notify.get(params.messageId)
      if (!message) throw new OrdoError('NOT_FOUND', `No message ${params.messageId}.`, { details: { messageId: params.messageId } })
      return message
    },
  )

  // Customers and CRM
  t.add(
    { method: 'get', path: '/customers', operationId: 'listCustomers', summary: 'Customers, newest first, by text, group, tag or manager', tag: 'customers', scope: 'customers:read', query: s.customerListQuery, success: { status: 200, description: '`{ items, next }`.' } },
    async ({ query }) => shop.customers.list(query),
  )
  t.add(
    { method: 'get', path: '/customers/:customerId', operationId: 'getCustomer', summary: 'A customer with their RFM scores', tag: 'customers', scope: 'customers:read', params: customerParams, success: { status: 200, description: '`{ customer, rfm }`.' }, problems: [404] },
    async ({ params }) => {
      const [customer, rfm] = await Promise.all([shop.customers.get(params.customerId), shop.crm.rfm(params.customerId)])
      if (!customer) throw new OrdoError('NOT_FOUND', `No customer ${params.customerId}.`, { details: { customerId: params.customerId } })
      return { customer, rfm: rfm ?? null }
    },
  )
  t.add(
    { method: 'get', path: '/customers/:customerId/timeline', operationId: 'customerTimeline', summary: "The customer's orders, messages, points, calls, notes and tasks, newest first", tag: 'customers', scope: 'customers:read', params: customerParams, query: s.timelineQuery, success: { status: 200, description: 'A page of the timeline.' }, problems: [404] },
    async ({ params, query }) => shop.customers.timeline(params.customerId, { ...(query.limit ? { limit: query.limit } : {}), ...(query.before ? { before: new Date(query.before) } : {}) }),
  )
  t.add(
    { method: 'post', path: '/customers/:customerId/notes', operationId: 'addCustomerNote', summary: 'Adds a note about the customer', tag: 'customers', scope: 'customers:write', params: customerParams, body: s.noteBody, success: { status: 201, description: 'The note.' }, problems: [404, 422] },
    async ({ params, body, c }) => shop.crm.addNote({ customerId: params.customerId, body: body.body, ...(body.orderId ? { orderId: body.orderId } : {}), author: actorOf(c) }),
  )
  t.add(
    { method: 'post', path: '/customers/:customerId/calls', operationId: 'logCustomerCall', summary: 'Logs a call with the customer', tag: 'customers', scope: 'customers:write', params: customerParams, body: s.crmCallBody, success: { status: 201, description: 'The call.' }, problems: [404, 422] },
    async ({ params, body, c }) => {
      const { startedAt, ...rest } = body
      return shop.crm.logCall({ ...rest, customerId: params.customerId, managerId: actorOf(c), startedAt: startedAt ? new Date(startedAt) : new Date() })
    },
  )

  // Reports
  t.add(
    {
      method: 'get',
      path: '/reports/:report',
      operationId: 'report',
      summary: 'A report over a period: sales, cancellations, cross-sell, retention, acquisition, couriers or managers',
      tag: 'reports',
      scope: 'reports:read',
      params: z.object({ report: z.enum(s.REPORTS) }),
      query: s.reportQuery,
      success: { status: 200, description: '`{ period, rows, totals }`, or the rows as `text/csv` with `format=csv`.' },
    },
    async ({ params, query, c }) => {
      const { format, ...period } = query
      const reports = shop.reports
      const report = await {
        sales: () => reports.sales(period),
        cancellations: () => reports.cancellations(period),
        'cross-sell': () => reports.crossSell(period),
        retention: () => reports.retention(period),
        acquisition: () => reports.acquisition(period),
        couriers: () => reports.couriers(period),
        managers: () => reports.managers(period),
      }[params.report]()
      if (format !== 'csv') return report
      return c.body(reports.csv((report as { rows: object[] }).rows), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${params.report}.csv"` })
    },
  )

  const app = new Hono<AdminEnv>()
  mountTable(app, t, options, { title: 'Ordo back-office API', description: 'Orders, shipments, payments, loyalty and notifications for managers and integrations.', security: true }, (spec) => [
    authenticate(options.auth, spec),
  ])
  return app
}

function authenticate(auth: AdminRouteOptions['auth'], spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>): MiddlewareHandler<AdminEnv> {
  const scope = spec.scope
  if (!scope) throw new OrdoError('INTERNAL', `Admin route ${spec.path} has no scope.`)
  return async (c, next) => {
    const actor = await auth(c.req.raw)
    if (!actor) throw new HttpProblem(401, 'UNAUTHORIZED', 'An API key is required (x-api-key or Authorization: Bearer).', {}, { 'www-authenticate': 'Bearer' })
    if (!actor.scopes.includes('*') && !actor.scopes.includes(scope)) {
      throw new HttpProblem(403, 'FORBIDDEN', `This key lacks the scope ${scope}.`, { scope })
    }
    c.set('actor', actor)
    await next()
  }
}
