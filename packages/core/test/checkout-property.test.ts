/**
 * Random sequences of order commands on one engine (SQLite): place an order
 * through checkout, edit its lines (changeQuantity / removeLine / addLine),
 * confirm, cancel, move it along (request_payment, pay, start_picking, pack)
 * and let the clock run out reservations (orders.expireReservations). Each
 * command's outcome is predicted from the state before it (succeeds, or fails
 * with the one OrdoError code that state calls for), and after every command:
 *
 * - the stock held for orders is exactly what their lines ask for: per order
 *   and variant, Σ active order reservations = Σ line quantities of every
 *   order not in the machine's `cancel` group, and nothing is held for an
 *   order in that group;
 * - per variant, Σ reserved over the levels = Σ those lines; reserved ≤ on
 *   hand at every level; on hand is the stock received (nothing was sold);
 *   available = on hand − reserved, so it never goes below zero;
 * - each order's status is the `to` of its last history entry, and the
 *   history is a chain starting at the machine's initial state.
 *
 * One engine serves every run; each run stocks three fresh SKUs, so runs
 * cannot see each other's stock.
 */
import { randomUUID } from 'node:crypto'
import { can, createCommerce, isOrdoError, newId, sourceStates, stateGroup, type Commerce, type Machine, type Order } from '@ordo/core'
import { createTestDatabase, testClock, type TestDatabase } from '@ordo/testing'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

const SKUS = 3
const TTL_MINUTES = 30
const MOVES = ['request_payment', 'pay', 'start_picking', 'pack'] as const

type Cmd =
  | { kind: 'place'; lines: { sku: number; quantity: number }[] }
  | { kind: 'changeQuantity'; order: number; line: number; quantity: number }
  | { kind: 'removeLine'; order: number; line: number }
  | { kind: 'addLine'; order: number; sku: number; quantity: number }
  | { kind: 'confirm'; order: number }
  | { kind: 'cancel'; order: number; reason: number }
  /** `transition` picks among the MOVES the order's status allows, or any MOVE when it allows none. */
  | { kind: 'move'; order: number; transition: number }
  | { kind: 'expire'; minutes: number }

const order = fc.nat(20)
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('place' as const),
      lines: fc.array(fc.record({ sku: fc.nat(SKUS - 1), quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('changeQuantity' as const), order, line: fc.nat(3), quantity: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('removeLine' as const), order, line: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('addLine' as const), order, sku: fc.nat(SKUS - 1), quantity: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('confirm' as const), order }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), order, reason: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('move' as const), order, transition: fc.nat(MOVES.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('expire' as const), minutes: fc.integer({ min: 1, max: TTL_MINUTES + 15 }) }) },
)

describe('[sqlite] checkout and orders: property', () => {
  let db: TestDatabase
  let shop: Commerce
  let machine: Machine<any>
  let reasons: readonly string[]
  let locationId: string
  const clock = testClock('2026-03-10T09:00:00Z')

  beforeAll(async () => {
    db = await createTestDatabase('sqlite')
    shop = await createCommerce({ storage: db.storage, currency: 'RUB', clock, orders: { reservationTtlMinutes: TTL_MINUTES } })
    machine = shop.machines.get('order')!
    reasons = machine.transitions.cancel!.reasons!
    locationId = (await shop.inventory.createLocation({ code: 'main', name: 'Main warehouse', type: 'warehouse' })).id
  })
  afterAll(async () => {
    await shop?.close()
    await db?.drop()
  })

  /** Runs a command that the model says fails with `code` (or succeeds, with `code` undefined). */
  async function expectOutcome<T>(attempt: Promise<T>, code: string | undefined, what: string): Promise<T | undefined> {
    const result = await attempt.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    )
    if (code === undefined) {
      if (!result.ok) throw new Error(`${what}: expected to succeed, failed with ${String(result.error)}`, { cause: result.error })
      return result.value
    }
    if (result.ok) throw new Error(`${what}: expected ${code}, succeeded`)
    if (!isOrdoError(result.error) || result.error.code !== code) {
      throw new Error(`${what}: expected ${code}, failed with ${String(result.error)}`, { cause: result.error })
    }
    return undefined
  }

  test('random place / edit / confirm / cancel / move / expire sequences keep stock and history consistent', async () => {
    let runs = 0
    let steps = 0
    const outcomes = new Map<string, number>()
    const started = Date.now()
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 2, max: 9 }), { minLength: SKUS, maxLength: SKUS }),
        fc.array(cmdArb, { minLength: 1, maxLength: 20 }),
        async (stock, cmds) => {
          runs++
          const run = newId().slice(-12)
          const skus = Array.from({ length: SKUS }, (_, i) => `P-${run}-${i}`)
          await shop.catalog.upsertProduct({
            handle: `p-${run}`,
            name: `Product ${run}`,
            vatRate: 'vat22',
            paymentSubject: 'commodity',
            variants: skus.map((sku, i) => ({ sku, name: `Size ${i}` })),
          })
          await shop.catalog.setPrices(skus.map((sku, i) => ({ priceListCode: 'base-RUB', sku, amount: 10_000 * (i + 1) })))
          const variantIds: string[] = []
          for (const [i, sku] of skus.entries()) {
            const variantId = (await shop.catalog.getVariantBySku(sku))!.id
            variantIds.push(variantId)
            await shop.inventory.receive({ variantId, locationId, delta: stock[i]!, key: `seed-${sku}` })
          }
          const skuOf = new Map(variantIds.map((v, i) => [v, skus[i]!]))
          const orderIds: string[] = []

          /** Checks every invariant; returns the orders and what is available, for predicting the next command. */
          async function check() {
            const views = await Promise.all(orderIds.map((id) => shop.orders.view(id)))
            const expected = new Map<string, number>()
            const perVariant = new Map<string, number>(variantIds.map((v) => [v, 0]))
            for (const { order, history } of views) {
              // The history is a chain from the initial state to the current status.
              expect(history.length, `history of ${order.number}`).toBeGreaterThan(0)
              expect(history[0]!.from, `first transition of ${order.number}`).toBe(machine.initial)
              for (let i = 1; i < history.length; i++) expect(history[i]!.from, `history of ${order.number} at ${i}`).toBe(history[i - 1]!.to)
              expect(history.at(-1)!.to, `status of ${order.number}`).toBe(order.status)
              if (stateGroup(machine, order.status) === 'cancel') continue
              for (const line of order.lines) {
                const key = `${order.id}/${line.variantId}`
                expected.set(key, (expected.get(key) ?? 0) + line.quantity)
                perVariant.set(line.variantId, (perVariant.get(line.variantId) ?? 0) + line.quantity)
              }
            }
            const held = new Map<string, number>()
            for (const variantId of variantIds) {
              for (const r of await shop.inventory.reservations({ ownerType: 'order', status: 'active', variantId, limit: 1000 })) {
                const key = `${r.ownerId}/${r.variantId}`
                held.set(key, (held.get(key) ?? 0) + r.quantity)
              }
            }
            expect(Object.fromEntries([...held].sort()), 'active order reservations = lines of the orders not cancelled').toEqual(
              Object.fromEntries([...expected].sort()),
            )
            const levels = await shop.inventory.levels(variantIds)
            const availability = await shop.inventory.availability(variantIds)
            const available = new Map<string, number>()
            for (const [i, variantId] of variantIds.entries()) {
              const mine = levels.filter((l) => l.variantId === variantId)
              for (const level of mine) {
                expect(level.reserved, `reserved of ${skus[i]}`).toBeGreaterThanOrEqual(0)
                expect(level.reserved, `reserved ≤ on hand of ${skus[i]}`).toBeLessThanOrEqual(level.onHand)
              }
              const onHand = mine.reduce((s, l) => s + l.onHand, 0)
              const reserved = mine.reduce((s, l) => s + l.reserved, 0)
              expect(onHand, `on hand of ${skus[i]}`).toBe(stock[i])
              expect(reserved, `Σ reserved of ${skus[i]}`).toBe(perVariant.get(variantId))
              const free = availability.find((a) => a.variantId === variantId)!.available
              expect(free, `available of ${skus[i]}`).toBe(onHand - reserved)
              expect(free).toBeGreaterThanOrEqual(0)
              available.set(variantId, free)
            }
            return { orders: views.map((v) => v.order), available }
          }

          const count = (label: string) => outcomes.set(label, (outcomes.get(label) ?? 0) + 1)
          let state = await check()
          for (const cmd of cmds) {
            steps++
            const pick = (n: number): Order | undefined => (state.orders.length === 0 ? undefined : state.orders[n % state.orders.length])
            const free = (variantId: string) => state.available.get(variantId) ?? 0
            switch (cmd.kind) {
              case 'place': {
                const wanted = new Map<number, number>()
                for (const l of cmd.lines) wanted.set(l.sku, (wanted.get(l.sku) ?? 0) + l.quantity)
                const fits = [...wanted].every(([sku, q]) => q <= free(variantIds[sku]!))
                const attempt = (async () => {
                  const cart = await shop.carts.create({ channel: { source: 'property' } })
                  for (const l of cmd.lines) await shop.carts.addItem(cart.id, { sku: skus[l.sku]!, quantity: l.quantity })
                  await shop.carts.setContact(cart.id, { name: 'Анна', phone: '+79161234567' })
                  return shop.checkout.placeOrder(cart.id, { idempotencyKey: randomUUID() })
                })()
                const placed = await expectOutcome(attempt, fits ? undefined : 'OUT_OF_STOCK', `place ${JSON.stringify(cmd.lines)}`)
                if (placed) {
                  orderIds.push(placed.id)
                  expect(Object.fromEntries(placed.lines.map((l) => [l.sku, l.quantity]))).toEqual(
                    Object.fromEntries([...wanted].map(([sku, q]) => [skus[sku]!, q])),
                  )
                }
                count(`place ${placed ? 'ok' : 'OUT_OF_STOCK'}`)
                break
              }
              case 'changeQuantity':
              case 'removeLine':
              case 'addLine': {
                const target = pick(cmd.order)
                if (!target) break
                const editable = can(machine, target.status, 'edit_lines')
                const actor = 'manager:7'
                let code: string | undefined
                let attempt: Promise<Order>
                if (cmd.kind === 'addLine') {
                  const variantId = variantIds[cmd.sku]!
                  code = !editable ? 'NOT_ALLOWED_IN_STATE' : cmd.quantity > free(variantId) ? 'OUT_OF_STOCK' : undefined
                  attempt = shop.orders.addLine(target.id, { sku: skuOf.get(variantId)!, quantity: cmd.quantity, actor })
                } else {
                  const line = target.lines[cmd.line % target.lines.length]!
                  if (cmd.kind === 'changeQuantity') {
                    code = !editable ? 'NOT_ALLOWED_IN_STATE' : cmd.quantity - line.quantity > free(line.variantId) ? 'OUT_OF_STOCK' : undefined
                    attempt = shop.orders.changeQuantity(target.id, { lineId: line.id, quantity: cmd.quantity, actor })
                  } else {
                    code = !editable ? 'NOT_ALLOWED_IN_STATE' : target.lines.length === 1 ? 'VALIDATION' : undefined
                    attempt = shop.orders.removeLine(target.id, { lineId: line.id, actor })
                  }
                }
                const edited = await expectOutcome(attempt, code, `${cmd.kind} on ${target.number} (${target.status})`)
                if (edited) expect(edited.version).toBe(target.version + 1)
                count(`${cmd.kind} ${code ?? 'ok'}`)
                break
              }
              case 'confirm':
              case 'cancel':
              case 'move': {
                const target = pick(cmd.order)
                if (!target) break
                const allowed = MOVES.filter((m) => sourceStates(machine, m).includes(target.status))
                const name = cmd.kind !== 'move' ? cmd.kind : allowed.length > 0 ? allowed[cmd.transition % allowed.length]! : MOVES[cmd.transition]!
                const code = sourceStates(machine, name).includes(target.status) ? undefined : 'INVALID_TRANSITION'
                const options = { actor: 'manager:7' }
                const attempt =
                  cmd.kind === 'confirm'
                    ? shop.orders.confirm(target.id, { ...options, channel: 'call' })
                    : cmd.kind === 'cancel'
                      ? shop.orders.cancel(target.id, { ...options, reason: reasons[cmd.reason % reasons.length]! })
                      : shop.orders.transition(target.id, name, options)
                const moved = await expectOutcome(attempt, code, `${name} on ${target.number} (${target.status})`)
                if (moved) expect(moved.status).toBe(machine.transitions[name]!.to)
                count(`${name} ${code ?? 'ok'}`)
                break
              }
              case 'expire': {
                const now = clock.advance({ minutes: cmd.minutes }).getTime()
                // The job handles a batch at a time; earlier runs may have left orders due too.
                for (let cancelled = 1; cancelled > 0; ) cancelled = await shop.orders.expireReservations()
                for (const before of state.orders) {
                  const after = (await shop.orders.get(before.id))!
                  const due = can(machine, before.status, 'expires') && before.reservationExpiresAt !== null && before.reservationExpiresAt.getTime() <= now
                  if (due) {
                    expect(after, `expired ${before.number}`).toMatchObject({ status: machine.transitions.cancel!.to, cancelReason: 'reservation_expired' })
                    count('expire cancelled')
                  } else {
                    expect(after.status, `${before.number} not due`).toBe(before.status)
                  }
                }
                break
              }
            }
            state = await check()
          }
        },
      ),
      { numRuns: 500 },
    )
    const summary = [...outcomes].sort().map(([k, n]) => `${k}: ${n}`)
    console.log(`[sqlite] ${runs} runs, ${steps} commands in ${Date.now() - started} ms\n  ${summary.join('\n  ')}`)
    // The sequences must reach the interesting outcomes, or the property proves little.
    for (const label of ['place ok', 'place OUT_OF_STOCK', 'changeQuantity ok', 'changeQuantity OUT_OF_STOCK', 'changeQuantity NOT_ALLOWED_IN_STATE', 'addLine ok', 'removeLine ok', 'confirm ok', 'confirm INVALID_TRANSITION', 'cancel ok', 'expire cancelled']) {
      expect(outcomes.get(label) ?? 0, label).toBeGreaterThan(0)
    }
  }, 120_000)
})
