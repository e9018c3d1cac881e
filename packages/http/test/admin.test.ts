import { describeEachDialect } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'
import { apiKeys } from '../src/index.js'
import { call, httpShop, readyCart, type HttpShop } from './http-fixture.js'

describeEachDialect('http: admin routes', ({ database }) => {
  const open: HttpShop[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()))
  })
  async function setup() {
    const db = await database()
    const fixture = await httpShop(db.storage)
    open.push(fixture)
    const keys = apiKeys(fixture.shop)
    const manager = await keys.issue({ name: 'Мария', scopes: ['*'] })
    const viewer = await keys.issue({ name: 'dashboard', scopes: ['orders:read'] })
    return { ...fixture, keys, manager, viewer }
  }
  async function placed(app: HttpShop['app'], key: string) {
    const cartId = await readyCart(app, { payment: 'pickup' })
    return (await call(app, 'POST', `/store/carts/${cartId}/checkout`, {}, { 'idempotency-key': key })).body.order as { id: string; number: string; lines: { id: string; sku: string }[] }
  }

  test('a missing, malformed, unknown or revoked key is 401; a key without the scope is 403', async () => {
    const { app, keys, manager, viewer } = await setup()
    const order = await placed(app, 'admin-auth-1')

    const missing = await call(app, 'GET', '/admin/orders')
    expect(missing).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED', status: 401 } })
    expect(missing.headers.get('content-type')).toBe('application/problem+json')
    expect(missing.headers.get('www-authenticate')).toBe('Bearer')
    expect((await call(app, 'GET', '/admin/orders', undefined, { 'x-api-key': 'not-a-key' })).status).toBe(401)
    const forged = manager.token.slice(0, -4) + (manager.token.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    expect((await call(app, 'GET', '/admin/orders', undefined, { 'x-api-key': forged })).status).toBe(401)

    const asViewer = { authorization: `Bearer ${viewer.token}` }
    expect((await call(app, 'GET', '/admin/orders', undefined, asViewer)).status).toBe(200)
    const refused = await call(app, 'POST', `/admin/orders/${order.id}/confirm`, {}, asViewer)
    expect(refused).toMatchObject({ status: 403, body: { code: 'FORBIDDEN', details: { scope: 'orders:write' } } })
    expect((await call(app, 'GET', '/admin/messages', undefined, asViewer)).status).toBe(403)
    expect((await call(app, 'GET', `/admin/orders/${order.id}`, undefined, asViewer)).body.order.status).toBe('awaiting_confirmation')

    await keys.revoke(viewer.key.id)
    expect((await call(app, 'GET', '/admin/orders', undefined, asViewer)).status).toBe(401)
    expect((await keys.list()).map((k) => [k.name, k.revokedAt !== null])).toEqual(
      expect.arrayContaining([
        ['dashboard', true],
        ['Мария', false],
      ]),
    )
    // Only a hash is kept: the listed key has no secret.
    // The secret is what follows `ordo_<id>_` (base64url: it may itself hold `_`).
    expect(JSON.stringify(await keys.list())).not.toContain(manager.token.slice(`ordo_${manager.key.id}_`.length))
  })

  test("a manager works an order through the API and every change carries the key's actor", async () => {
    const { app, shop, manager } = await setup()
    const auth = { 'x-api-key': manager.token }
    const actor = `api-key:${manager.key.id}`
    const order = await placed(app, 'admin-flow-1')
    const other = await placed(app, 'admin-flow-2')

    const board = await call(app, 'GET', '/admin/orders/board', undefined, auth)
    expect(board.body.groups.find((g: { group: string }) => g.group === 'approval').count).toBe(2)
    const list = await call(app, 'GET', '/admin/orders?status=awaiting_confirmation,confirmed&limit=1', undefined, auth)
    expect(list.body.items).toHaveLength(1)
    expect(list.body.nextCursor).not.toBeNull()

    const called = await call(app, 'POST', `/admin/orders/${order.id}/calls`, { outcome: 'call_back_later', note: 'занято' }, auth)
    expect(called.body.call).toMatchObject({ manager: 'Мария', outcome: 'call_back_later' })

    const socks = order.lines.find((l) => l.sku === 'SOCKS')!
    const tee = order.lines.find((l) => l.sku === 'TEE-M')!
    expect((await call(app, 'PATCH', `/admin/orders/${order.id}/lines/${socks.id}`, { quantity: 2 }, auth)).body.totals.total).toBe(260_000)
    const added = await call(app, 'POST', `/admin/orders/${order.id}/lines`, { sku: 'TEE-L', quantity: 1 }, auth)
    expect(added.body.lines.map((l: { sku: string }) => l.sku).sort()).toEqual(['SOCKS', 'TEE-L', 'TEE-M'])
    const teeL = added.body.lines.find((l: { sku: string }) => l.sku === 'TEE-L')
    expect((await call(app, 'DELETE', `/admin/orders/${order.id}/lines/${teeL.id}`, undefined, auth)).body.lines).toHaveLength(2)
    const substituted = await call(app, 'POST', `/admin/orders/${order.id}/lines/${tee.id}/substitute`, { sku: 'TEE-L', quantity: 1 }, auth)
    expect(substituted.body.lines.map((l: { sku: string }) => l.sku).sort()).toEqual(['SOCKS', 'TEE-L'])

    const stale = await call(app, 'POST', `/admin/orders/${order.id}/confirm`, { expectedVersion: 1 }, auth)
    expect(stale).toMatchObject({ status: 409, body: { code: 'CONFLICT' } })
    const confirmed = await call(app, 'POST', `/admin/orders/${order.id}/confirm`, { note: 'по телефону' }, auth)
    expect(confirmed.body.status).toBe('confirmed')
    const transitions = await call(app, 'GET', `/admin/orders/${order.id}/transitions`, undefined, auth)
    expect(transitions.body.map((t: { name: string }) => t.name)).toContain('start_picking')
    expect((await call(app, 'POST', `/admin/orders/${order.id}/transitions/start_picking`, {}, auth)).body.status).toBe('picking')
    const illegal = await call(app, 'POST', `/admin/orders/${order.id}/transitions/complete`, {}, auth)
    expect(illegal).toMatchObject({ status: 409, body: { code: 'INVALID_TRANSITION' } })

    const noReason = await call(app, 'POST', `/admin/orders/${other.id}/cancel`, { reason: 'because' }, auth)
    expect(noReason.status).toBe(422)
    const cancelled = await call(app, 'POST', `/admin/orders/${other.id}/cancel`, { reason: 'bought_elsewhere', note: 'нашла дешевле' }, auth)
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelReason: 'bought_elsewhere' })

    const view = await call(app, 'GET', `/admin/orders/${order.id}`, undefined, auth)
    expect(view.body.history.filter((h: { actor: string }) => h.actor === actor).map((h: { transition: string }) => h.transition)).toEqual(['confirm', 'start_picking'])
    expect(view.body.changes.map((c: { actor: string }) => c.actor)).toEqual([actor, actor, actor, actor])
    expect(view.body.calls).toHaveLength(1)
    expect((await shop.orders.view(other.id)).history.at(-1)).toMatchObject({ transition: 'cancel', actor, reason: 'bought_elsewhere' })

    // Shipments: the showroom pickup (planned again after the edits, by the worker) is packed and made ready by hand.
    await shop.events.relay()
    const shipments = await call(app, 'GET', `/admin/orders/${order.id}/shipments`, undefined, auth)
    const shipmentId = shipments.body[0].id as string
    expect((await call(app, 'POST', `/admin/shipments/${shipmentId}/pack`, { weightGrams: 400 }, auth)).body.status).toBe('ready_to_ship')
    const arrived = await call(app, 'POST', `/admin/shipments/${shipmentId}/transitions/arrive`, { storageUntil: '2026-03-20T18:00:00Z' }, auth)
    expect(arrived.body).toMatchObject({ status: 'at_pickup_point', storageUntil: '2026-03-20T18:00:00.000Z' })
    const detail = await call(app, 'GET', `/admin/shipments/${shipmentId}`, undefined, auth)
    expect(detail.body.shipment.id).toBe(shipmentId)
    expect((await call(app, 'GET', '/admin/shipments?status=at_pickup_point', undefined, auth)).body.map((s: { id: string }) => s.id)).toEqual([shipmentId])
    const lines = detail.body.shipment.lines as { orderLineId: string; sku: string; quantity: number }[]
    const outcome = await call(
      app,
      'POST',
      `/admin/shipments/${shipmentId}/outcome`,
      {
        kept: lines.filter((l) => l.sku === 'TEE-L').map((l) => ({ lineId: l.orderLineId, quantity: l.quantity })),
        refused: lines.filter((l) => l.sku === 'SOCKS').map((l) => ({ lineId: l.orderLineId, quantity: l.quantity })),
        reason: 'не подошёл размер',
      },
      auth,
    )
    expect(outcome.body).toMatchObject({ refusedAmount: 60_000 })
    expect((await shop.orders.get(order.id))!.status).toBe('partially_completed')
  })

  test('loyalty adjustments and messages', async () => {
    const { app, manager } = await setup()
    const auth = { 'x-api-key': manager.token }
    const adjusted = await call(app, 'POST', '/admin/customers/customer-1/points/adjustments', { points: 500, reason: 'goodwill', externalId: 'adj-1' }, auth)
    expect(adjusted.status).toBe(201)
    expect(adjusted.body.reason).toBe(`goodwill (api-key:${manager.key.id})`)
    const balance = await call(app, 'GET', '/admin/customers/customer-1/points', undefined, auth)
    expect(balance.body.balance.active).toBe(500)
    expect(balance.body.statement.items).toHaveLength(1)
    expect((await call(app, 'POST', '/admin/customers/customer-1/points/adjustments', { points: 0, reason: 'x', externalId: 'adj-2' }, auth)).status).toBe(400)

    const order = await placed(app, 'admin-messages-1')
    const messages = await call(app, 'GET', `/admin/messages?orderId=${order.id}`, undefined, auth)
    expect(messages.status).toBe(200)
    for (const message of messages.body) {
      expect((await call(app, 'GET', `/admin/messages/${message.id}`, undefined, auth)).body.id).toBe(message.id)
    }
    expect((await call(app, 'GET', '/admin/messages/nope', undefined, auth)).status).toBe(404)
  })

  test('customers with their timeline, notes and calls; reports as JSON and CSV', async () => {
    const { app, shop, manager, viewer } = await setup()
    const auth = { 'x-api-key': manager.token }
    const actor = `api-key:${manager.key.id}`
    const customer = await shop.customers.create({ name: 'Анна Петрова', phones: ['+79161234567'] })

    const found = await call(app, 'GET', '/admin/customers?query=%D0%9F%D0%B5%D1%82%D1%80', undefined, auth)
    expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([customer.id])
    expect((await call(app, 'GET', `/admin/customers/${customer.id}`, undefined, auth)).body).toMatchObject({ customer: { id: customer.id }, rfm: null })
    expect((await call(app, 'GET', '/admin/customers/nope', undefined, auth)).status).toBe(404)

    const note = await call(app, 'POST', `/admin/customers/${customer.id}/notes`, { body: 'Просит звонить после 18:00' }, auth)
    expect(note.status).toBe(201)
    expect(note.body).toMatchObject({ customerId: customer.id, author: actor })
    const logged = await call(app, 'POST', `/admin/customers/${customer.id}/calls`, { direction: 'out', outcome: 'answered', durationSeconds: 42 }, auth)
    expect(logged.body).toMatchObject({ managerId: actor, outcome: 'answered', durationSeconds: 42 })
    const timeline = await call(app, 'GET', `/admin/customers/${customer.id}/timeline?limit=10`, undefined, auth)
    expect(timeline.body.items.length).toBeGreaterThanOrEqual(2)
    expect((await call(app, 'GET', '/admin/customers', undefined, { 'x-api-key': viewer.token })).status).toBe(403)

    await placed(app, 'admin-reports-1')
    const period = 'from=2026-03-01T00:00:00%2B03:00&to=2026-04-01T00:00:00%2B03:00&timeZone=Europe/Moscow&groupBy=month'
    const sales = await call(app, 'GET', `/admin/reports/sales?${period}`, undefined, auth)
    expect(sales.status).toBe(200)
    expect(sales.body.rows).toHaveLength(1)
    const csv = await app.request(`/admin/reports/sales?${period}&format=csv`, { headers: auth })
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(await csv.text()).toBe(shop.reports.csv(sales.body.rows))
    for (const report of ['cancellations', 'cross-sell', 'retention', 'acquisition', 'couriers', 'managers']) {
      expect((await call(app, 'GET', `/admin/reports/${report}?${period}`, undefined, auth)).status).toBe(200)
    }
    expect((await call(app, 'GET', `/admin/reports/nope?${period}`, undefined, auth)).status).toBe(400)
    expect((await call(app, 'GET', '/admin/reports/sales?from=yesterday&to=today', undefined, auth)).status).toBe(400)
    expect((await call(app, 'GET', `/admin/reports/sales?${period}`, undefined, { 'x-api-key': viewer.token })).status).toBe(403)
  })
})
