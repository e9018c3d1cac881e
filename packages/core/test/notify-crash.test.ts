/**
 * SIGKILL during sending: a child process runs the send job, SMSC takes the
 * SMS, and the child is killed before the answer reaches it (so its commit
 * never happens). Once the job's lease runs out, this process runs the job
 * again: the same message id goes to SMSC, which finds the SMS already sent.
 * One SMS, and the message ends `sent` with SMSC's id: nothing duplicated,
 * nothing lost.
 */
import { spawn } from 'node:child_process'
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Commerce, Database } from '@ordo/core'
import { smsc } from '@ordo/sms-smsc'
import { describeEachDialect, startSmscFake, testClock } from '@ordo/testing'
import { Kysely } from 'kysely'
import { afterEach, expect, test } from 'vitest'
import { seededShop } from './fixtures/shop-fixture.js'

const CHILD = fileURLToPath(new URL('./notify-fixtures/sender-child.ts', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const T0 = Date.parse('2026-03-10T09:00:00.000Z')

/** Forwards to the fake; when SMSC has answered a send, calls `onSend` and drops the answer. */
async function interceptingProxy(target: string, onSend: () => Promise<void>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const forward = httpRequest(new URL(req.url!, target), { method: req.method, headers: req.headers }, (answer: IncomingMessage) => {
        const body: Buffer[] = []
        answer.on('data', (c: Buffer) => body.push(c))
        answer.on('end', () => {
          if (req.url!.startsWith('/sys/send.php')) {
            void onSend().then(() => res.destroy())
            return
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          res.end(Buffer.concat(body))
        })
      })
      forward.end(Buffer.concat(chunks))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describeEachDialect('notifications: a process killed after SMSC took the SMS, before it committed', ({ database }) => {
  const cleanup: (() => Promise<unknown>)[] = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {})
  })

  test(
    'the job runs again after its lease: one SMS, the message sent once with the provider id',
    async () => {
      const db = await database()
      const fake = await startSmscFake({ login: 'shop', password: 'secret' })
      cleanup.push(() => fake.close())
      const clock = testClock(new Date(T0))
      const { shop } = await seededShop(db.storage, { clock, config: { notify: { sms: smsc({ login: 'shop', password: 'secret', baseUrl: fake.url, timeoutMs: 5_000 }) } } })
      cleanup.push(() => (shop as Commerce).close())
      const observer = new Kysely<Database>({ dialect: db.storage.createDialect() })
      cleanup.push(() => observer.destroy())
      const message = await shop.notify.send({ to: { phone: '+79161234567' }, text: 'Заказ 100245 передан в доставку' })

      let kill: () => Promise<void> = async () => {}
      let killedAfterSend = false
      const proxy = await interceptingProxy(fake.url, async () => {
        killedAfterSend = true
        await kill()
      })
      cleanup.push(() => proxy.close())
      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: { ...process.env, ORDO_NOTIFY_DB: JSON.stringify(db.descriptor), ORDO_NOTIFY_OPTIONS: JSON.stringify({ url: proxy.url, nowMs: T0 }) },
      })
      let output = ''
      child.stdout!.on('data', (c) => (output += c))
      child.stderr!.on('data', (c) => (output += c))
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
      kill = async () => {
        child.kill('SIGKILL')
        await exited
      }
      cleanup.push(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
        await exited
      })
      const result = await exited
      expect(result, output).toEqual({ code: null, signal: 'SIGKILL' })
      expect(killedAfterSend).toBe(true)
      expect(fake.control.sent()).toHaveLength(1)

      // What survived: the message still queued, its job held by the dead worker's lease.
      const row = await observer.selectFrom('ordo_message').selectAll().where('id', '=', message.id).executeTakeFirstOrThrow()
      expect(row).toMatchObject({ status: 'queued', provider_message_id: null })
      const jobs = await observer.selectFrom('ordo_job').selectAll().where('name', '=', 'notify.send-sms').execute()
      expect(jobs.map((j) => j.status)).toEqual(['running'])

      // Before the lease ends nothing runs; after it, the job runs here.
      expect((await shop.jobs.runDue({ names: ['notify.send-sms'] })).completed).toBe(0)
      clock.advance(61_000)
      expect((await shop.jobs.runDue({ names: ['notify.send-sms'] })).completed).toBe(1)
      const sent = (await shop.notify.get(message.id))!
      expect(sent).toMatchObject({ status: 'sent', gateway: 'smsc' })
      expect(fake.control.sent()).toHaveLength(1)
      expect(sent.providerMessageId).toBe(fake.control.sent()[0]!.providerMessageId)
      expect(fake.control.sent()[0]!.text).toBe('Заказ 100245 передан в доставку')
    },
    60_000,
  )
})
