/**
 * 64 buyers in 4 processes checking out the last 10 units of a variant at the
 * same instant, on PostgreSQL and MySQL/MariaDB (not SQLite: one writer process).
 *
 * The parent stocks a variant with exactly 10 units and fills 64 carts with
 * one unit each; four children hold 16 carts each and, on one "go" instant,
 * place all of them through `shop.checkout.placeOrder()`. Afterwards: exactly
 * 10 orders exist and hold the 10 units, every other buyer was told
 * `OUT_OF_STOCK`, nothing is left available, no level ever has more reserved
 * than on hand, and the order numbers are unique.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createCommerce, type Commerce } from '@ordo/core'
import { describeEachDialect, type TestDatabaseDescriptor } from '@ordo/testing'
import { afterEach, expect, test } from 'vitest'

const CHILD = fileURLToPath(new URL('./checkout-child/buyer-child.ts', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const STOCK = 10
const PROCESSES = 4
const BUYERS_PER_PROCESS = 16

interface Outcome {
  pid: number
  cartId: string
  ok: boolean
  orderId?: string
  number?: string
  code?: string
  message?: string
  started: number
  ms: number
}

interface Child {
  readonly pid: number
  next(type: string): Promise<Record<string, unknown>>
  send(message: Record<string, unknown>): void
  /** Resolves with the exit code once the process is gone and its stdout is drained. */
  readonly closed: Promise<number | null>
  /** The JSON lines the child printed that carry an outcome. */
  outcomes(): Outcome[]
  output(): string
}

const live = new Set<ChildProcess>()

function spawnChild(descriptor: TestDatabaseDescriptor): Child {
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, ORDO_CHECKOUT_DB: JSON.stringify(descriptor) },
  })
  live.add(proc)
  let stdout = ''
  let stderr = ''
  proc.stdout!.on('data', (chunk) => (stdout += chunk))
  proc.stderr!.on('data', (chunk) => (stderr += chunk))
  const inbox: any[] = []
  const waiters = new Set<() => void>()
  proc.on('message', (m) => {
    inbox.push(m)
    waiters.forEach((w) => w())
  })
  let gone = false
  const closed = new Promise<number | null>((resolve) =>
    proc.on('close', (code) => {
      gone = true
      live.delete(proc)
      resolve(code)
      waiters.forEach((w) => w())
    }),
  )
  const output = () => `stdout:\n${stdout}\nstderr:\n${stderr}`
  return {
    pid: proc.pid!,
    closed,
    output,
    send: (message) => proc.send(message),
    outcomes: () =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{"outcome":true'))
        .map((line) => JSON.parse(line) as Outcome),
    next: (type) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`child ${proc.pid} sent no "${type}" within 30 s; ${output()}`)), 30_000)
        const check = () => {
          const i = inbox.findIndex((m) => m.type === type)
          if (i >= 0) done(undefined, inbox.splice(i, 1)[0])
          else if (gone) done(new Error(`child ${proc.pid} exited before "${type}"; ${output()}`))
        }
        const done = (error?: Error, value?: any) => {
          clearTimeout(timer)
          waiters.delete(check)
          if (error) reject(error)
          else resolve(value)
        }
        waiters.add(check)
        check()
      }),
  }
}

/** Where the race runs: the databases several processes write to at once (SQLite has one writer process). */
const RACE_DIALECTS: readonly string[] = ['postgres', 'mysql']

describeEachDialect('checkout: 64 buyers in 4 processes for the last 10 units', ({ dialect, database }) => {
  const concurrent = RACE_DIALECTS.includes(dialect)
  let shop: Commerce | undefined
  afterEach(async () => {
    for (const proc of live) proc.kill('SIGKILL')
    await shop?.close()
    shop = undefined
  })

  test.skipIf(!concurrent)(
    `exactly ${STOCK} orders are placed, the other ${PROCESSES * BUYERS_PER_PROCESS - STOCK} buyers get OUT_OF_STOCK, stock is never oversold`,
    async () => {
      const db = await database()
      shop = await createCommerce({ storage: db.storage, currency: 'RUB' })
      // The children boot (and compile) while the parent stocks the variant and fills the carts.
      const children = Array.from({ length: PROCESSES }, () => spawnChild(db.descriptor))

      await shop.catalog.upsertProduct({ handle: 'last-tee', name: 'Last tee', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: 'LAST' }] })
      await shop.catalog.setPrices([{ priceListCode: 'base-RUB', sku: 'LAST', amount: 150_000 }])
      const variantId = (await shop.catalog.getVariantBySku('LAST'))!.id
      const warehouse = await shop.inventory.createLocation({ code: 'main', name: 'Main warehouse', type: 'warehouse' })
      await shop.inventory.receive({ variantId, locationId: warehouse.id, delta: STOCK, key: 'seed-last' })

      const carts = await Promise.all(
        Array.from({ length: PROCESSES * BUYERS_PER_PROCESS }, async (_, i) => {
          const cart = await shop!.carts.create({ channel: { source: 'direct' } })
          await shop!.carts.addItem(cart.id, { sku: 'LAST', quantity: 1 })
          await shop!.carts.setContact(cart.id, { name: `Buyer ${i}`, phone: `+7916${String(10_000_000 + i).slice(1)}` })
          return cart.id
        }),
      )
      await Promise.all(children.map((c) => c.next('ready')))

      const at = Date.now() + 150
      children.forEach((c, i) => c.send({ type: 'go', at, cartIds: carts.slice(i * BUYERS_PER_PROCESS, (i + 1) * BUYERS_PER_PROCESS) }))
      await Promise.all(children.map((c) => c.next('done')))
      const elapsed = Date.now() - at
      for (const c of children) c.send({ type: 'stop' })
      const codes = await Promise.all(children.map((c) => c.closed))
      expect(codes, children.map((c) => c.output()).join('\n')).toEqual(children.map(() => 0))

      const outcomes = children.flatMap((c) => c.outcomes())
      expect(outcomes).toHaveLength(PROCESSES * BUYERS_PER_PROCESS)
      expect(new Set(outcomes.map((o) => o.cartId)).size).toBe(carts.length)
      const placed = outcomes.filter((o) => o.ok)
      const refused = outcomes.filter((o) => !o.ok)
      // Every buyer either got an order or was told the stock ran out; nothing else went wrong.
      expect(refused.filter((o) => o.code !== 'OUT_OF_STOCK')).toEqual([])
      expect(placed).toHaveLength(STOCK)
      expect(refused).toHaveLength(carts.length - STOCK)
      // The race was real: every process took part and they overlapped in time.
      const firstDone = Math.min(...outcomes.map((o) => o.started + o.ms))
      expect(new Set(outcomes.map((o) => o.pid)).size).toBe(PROCESSES)
      expect(children.every((c) => c.outcomes().some((o) => o.started < firstDone)), 'every process started a buyer before the first one finished').toBe(true)

      // What the shop says afterwards, not only what the buyers were told.
      const page = await shop.orders.list({ limit: 500 })
      expect(page.items).toHaveLength(STOCK)
      expect(page.items.map((o) => o.id).sort()).toEqual(placed.map((o) => o.orderId).sort())
      const board = await shop.orders.board()
      expect(board.statuses.reduce((s, x) => s + x.count, 0)).toBe(STOCK)
      const numbers = page.items.map((o) => o.number)
      expect(new Set(numbers).size).toBe(STOCK)
      expect(numbers.sort()).toEqual(placed.map((o) => o.number).sort())

      const [availability] = await shop.inventory.availability([variantId])
      expect(availability!.available).toBe(0)
      const levels = await shop.inventory.levels([variantId])
      for (const level of levels) {
        expect(level.reserved).toBeLessThanOrEqual(level.onHand)
        expect(level.available).toBeGreaterThanOrEqual(0)
      }
      expect(levels.reduce((s, l) => s + l.onHand, 0)).toBe(STOCK)
      expect(levels.reduce((s, l) => s + l.reserved, 0)).toBe(STOCK)
      const held = await shop.inventory.reservations({ ownerType: 'order', status: 'active', limit: 1000 })
      expect(held.map((r) => r.ownerId).sort()).toEqual(placed.map((o) => o.orderId).sort())
      expect(held.every((r) => r.quantity === 1 && r.variantId === variantId)).toBe(true)

      // The winners' carts are converted, the losers' are still active to try again.
      for (const o of placed) expect((await shop.carts.get(o.cartId)).status).toBe('converted')
      for (const o of refused.slice(0, 5)) expect((await shop.carts.get(o.cartId)).status).toBe('active')

      const slowest = Math.max(...outcomes.map((o) => o.ms))
      console.log(`[${dialect}] ${outcomes.length} buyers in ${elapsed} ms (slowest checkout ${slowest} ms); orders ${numbers.join(', ')}`)
    },
    60_000,
  )
})
