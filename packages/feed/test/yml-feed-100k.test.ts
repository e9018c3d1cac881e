// A 100k-variant catalog as YML, streamed to a file in bounded memory, then
// parsed back with the same offer count. SQLite only: seeding 100k variants
// is the slow part, and bounded memory is a property of the writer, not of
// the database.
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createCommerce, type Commerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ymlFeed } from '../src/index.js'
import { checkYml } from './format-check.js'
import { seedLargeCatalog } from './large-catalog.js'

const VARIANTS = 100_000
const MB = 1024 * 1024

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

let dir: string
let shop: Commerce

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordo-feed-100k-'))
  shop = await createCommerce({ storage: sqliteStorage({ filename: join(dir, 'shop.db') }), currency: 'RUB' })
  await seedLargeCatalog(shop, VARIANTS)
}, 600_000)

afterAll(async () => {
  await shop?.close()
  rmSync(dir, { recursive: true, force: true })
})

test('100k offers stream in bounded memory and parse back with the same count', async () => {
  const feed = ymlFeed(shop, { name: 'Футболки', company: 'ООО «Футболки»', url: 'https://shop.example', pageSize: 1000 })

  // First pass: into a sink that keeps nothing. Every few chunks a full GC
  // runs and the heap still in use is sampled: what the writer retains, not
  // garbage waiting to be collected.
  gc()
  const before = process.memoryUsage()
  const retained: number[] = []
  let peakRss = before.rss
  let bytes = 0
  let chunks = 0
  const started = performance.now()
  for await (const chunk of feed) {
    bytes += Buffer.byteLength(chunk)
    if (++chunks % 5 === 0) {
      gc()
      const now = process.memoryUsage()
      retained.push((now.heapUsed - before.heapUsed) / MB)
      peakRss = Math.max(peakRss, now.rss)
    }
  }
  const seconds = (performance.now() - started) / 1000
  const documentMb = bytes / MB
  const maxRetained = Math.max(...retained)
  const rssGrowth = (peakRss - before.rss) / MB
  console.log(
    `YML 100k: ${documentMb.toFixed(1)} MB in ${chunks} chunks, ${Math.round(VARIANTS / seconds)} offers/s; ` +
      `heap retained at most +${maxRetained.toFixed(1)} MB, peak RSS +${rssGrowth.toFixed(1)} MB`,
  )
  expect(feed.stats).toEqual({ offers: VARIANTS, skipped: 0 })
  expect(documentMb).toBeGreaterThan(50)
  // What streaming holds is a page, not the document: a small fraction of
  // it, and no more at the end than a fifth of the way in.
  expect(maxRetained).toBeLessThan(documentMb / 5)
  const early = retained[Math.floor(retained.length / 5)]!
  expect(retained[retained.length - 1]! - early).toBeLessThan(4)
  expect(rssGrowth).toBeLessThan(documentMb / 2)

  // Second pass: to a file through pipe(), then parsed back.
  const file = join(dir, 'yml.xml')
  await feed.pipe(createWriteStream(file))
  expect(statSync(file).size).toBe(bytes)
  const { doc, problems } = checkYml(readFileSync(file, 'utf8'))
  expect(problems).toEqual([])
  const offers: any[] = doc.yml_catalog.shop.offers.offer
  expect(offers).toHaveLength(VARIANTS)
  expect(new Set(offers.map((o) => o['@_id'])).size).toBe(VARIANTS)
  expect(offers.filter((o) => o['@_available'] === 'true')).toHaveLength(10)
  expect(offers.filter((o) => o.oldprice !== undefined)).toHaveLength(Math.ceil(VARIANTS / 3))
}, 600_000)

test('a consumer that stops early stops the reads', async () => {
  const feed = ymlFeed(shop, { name: 'Футболки', company: 'ООО «Футболки»', url: 'https://shop.example', pageSize: 100 })
  let chunks = 0
  const sink = new Writable({
    write(_chunk, _encoding, done) {
      chunks++
      done(chunks === 3 ? new Error('disk full') : null)
    },
  })
  await expect(feed.pipe(sink)).rejects.toThrow('disk full')
  expect(feed.stats.offers).toBeLessThanOrEqual(300)
})
