/**
 * Crash safety of a provider call: a child process starts a payment, the
 * (loopback) vendor charges the card, and the child is SIGKILLed before it
 * can commit the vendor's answer. Reconciliation in another process replays
 * the call with the key stored before the first call: the vendor sees the same
 * key, charges nothing more, and the payment ends captured, the order paid.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Commerce, Database } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { Kysely } from 'kysely'
import { afterEach, expect, test } from 'vitest'
import { httpProvider, loopbackVendor, type LoopbackVendor } from './payment-fixtures/http-provider.js'
import { paymentShop, placeOrder } from './payment-fixtures/payment-shop.js'

const CHILD = fileURLToPath(new URL('./payment-fixtures/payer-child.ts', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const T0 = Date.parse('2026-03-10T09:00:00.000Z')

describeEachDialect('payments: a process killed after the provider charged, before it committed', ({ database }) => {
  const cleanup: (() => Promise<unknown>)[] = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {})
  })

  test(
    'reconcile finishes the payment with the same idempotency key: one charge, captured, order paid',
    async () => {
      const db = await database()
      const vendor: LoopbackVendor = await loopbackVendor()
      cleanup.push(() => vendor.close())
      const clock = testClock(new Date(T0))
      const { shop } = await paymentShop(db.storage, httpProvider(vendor.url), {
        clock,
        methods: [{ code: 'card', type: 'card_online', provider: 'loopback' }],
        payments: { reconcileAfterMinutes: 15 },
      })
      cleanup.push(() => shop.close())
      const observer = new Kysely<Database>({ dialect: db.storage.createDialect() })
      cleanup.push(() => observer.destroy())
      const order = await placeOrder(shop)

      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: { ...process.env, ORDO_PAY_DB: JSON.stringify(db.descriptor), ORDO_PAY_OPTIONS: JSON.stringify({ url: vendor.url, orderId: order.id, key: 'crash-test-key-1', nowMs: T0 }) },
      })
      let output = ''
      child.stdout!.on('data', (c) => (output += c))
      child.stderr!.on('data', (c) => (output += c))
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
      cleanup.push(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
        await exited
      })
      const finished = new Promise<void>((resolve) => child.on('message', (m: { type?: string }) => m.type === 'finished' && resolve()))

      // The vendor has charged; before it answers, the caller dies.
      const killed = new Promise<void>((resolve) => {
        vendor.beforeFirstAnswer = async () => {
          child.kill('SIGKILL')
          await exited
          resolve()
        }
      })
      await Promise.race([killed, finished.then(() => Promise.reject(new Error(`the child finished before it was killed:\n${output}`))), exited.then(() => new Promise((r) => setTimeout(r, 100)))])
      expect(await exited).toEqual({ code: null, signal: 'SIGKILL' })
      expect(vendor.creates).toHaveLength(1)
      expect(vendor.payments.size).toBe(1)

      // What survived: the payment and its pending operation, with the key the vendor saw.
      const [row] = await observer.selectFrom('ordo_payment').selectAll().where('order_id', '=', order.id).execute()
      expect(row).toMatchObject({ status: 'pending', provider_payment_id: null })
      const ops = await observer.selectFrom('ordo_payment_operation').selectAll().where('payment_id', '=', row!.id).execute()
      expect(ops.map((o) => [o.kind, o.status, o.provider_key])).toEqual([['create', 'pending', vendor.creates[0]]])

      // Too early: reconcile leaves a fresh operation alone.
      expect((await shop.payments.reconcile()).resumed).toBe(0)
      clock.advance({ minutes: 16 })
      expect(await shop.payments.reconcile()).toMatchObject({ resumed: 1, errors: 0 })

      expect(vendor.creates).toEqual([vendor.creates[0], vendor.creates[0]])
      expect(vendor.payments.size).toBe(1)
      const payment = (await shop.payments.get(row!.id))!
      expect(payment).toMatchObject({ status: 'captured', captured: 10_000, providerPaymentId: 'lb_1' })
      expect((await shop.payments.forOrder(order.id)).state).toMatchObject({ status: 'paid', due: 0 })
      expect((await observer.selectFrom('ordo_payment_operation').select(['status']).where('payment_id', '=', row!.id).execute()).map((o) => o.status)).toEqual(['succeeded'])
      expect(await shop.events.forAggregate(order.id)).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'order.paid' })]))

      // Nothing left to do; a later run calls nobody.
      clock.advance({ minutes: 30 })
      expect(await shop.payments.reconcile()).toMatchObject({ resumed: 0, errors: 0 })
      expect(vendor.creates).toHaveLength(2)
    },
    60_000,
  )
})
