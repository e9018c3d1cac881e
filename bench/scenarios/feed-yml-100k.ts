// feed.yml.100k — how fast `ymlFeed()` writes a 100k-variant catalog as
// Yandex.Market YML on the embedded SQLite storage, and the peak RSS of the
// process doing it.
//
// Setup: a fresh SQLite file seeded through `shop.catalog.import()` with
// VARIANTS variants (4 per product, a category in a two-level tree, brand,
// size and a number attribute with a unit, a barcode, weight, dimensions, a
// base price, a compare-at price on every third) and stock for the first 100
// — the large catalog of the feed package's 100k test
// (packages/feed/test/large-catalog.ts).
//
// Ordo: `ymlFeed(shop, { pageSize: 1000 })` piped into a writable that
// counts and drops the bytes — listOffers page by page, availability per
// page, each page's offers serialized by fast-xml-parser's XMLBuilder.
//
// Baseline: the same rows read with raw better-sqlite3 (one joined query
// iterated, stock and categories read up front) and written as YML with plain
// string concatenation, into the same kind of writable.
//
// Each side runs in a process of its own (bench/feed-child.ts), so its peak
// RSS is its own: a warm-up, then ROUNDS alternating rounds; the figure uses
// each side's median time and the largest peak RSS.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createCommerce } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { seedLargeCatalog } from '../../packages/feed/test/large-catalog.js'
import { defineScenario, figure, log, perSecond } from '../harness.js'

/** Variants in the feed; override with ORDO_BENCH_VARIANTS for a quick or a long run. */
const VARIANTS = Number(process.env.ORDO_BENCH_VARIANTS ?? 100_000)
if (!Number.isInteger(VARIANTS) || VARIANTS < 1) throw new Error(`ORDO_BENCH_VARIANTS must be a positive integer, got "${process.env.ORDO_BENCH_VARIANTS}"`)
const ROUNDS = 3
const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'feed-child.ts')
const run = promisify(execFile)

async function seed(file: string, count: number): Promise<void> {
  const shop = await createCommerce({ storage: sqliteStorage({ filename: file }), currency: 'RUB' })
  try {
    await seedLargeCatalog(shop, count, { offers: 100, quantity: 5 })
  } finally {
    await shop.close()
  }
}

interface SideResult {
  ms: number
  offers: number
  bytes: number
  peakRssMb: number
}

async function side(which: 'ordo' | 'baseline', file: string): Promise<SideResult> {
  const { stdout } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD], {
    env: { ...process.env, ORDO_BENCH_CHILD: JSON.stringify({ side: which, file }) },
    maxBuffer: 1024 * 1024,
  })
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as SideResult
  if (result.offers !== VARIANTS) throw new Error(`${which} wrote ${result.offers} offers, expected ${VARIANTS}`)
  return result
}

export default defineScenario({
  name: 'feed.yml.100k',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-feed-'))
    try {
      const file = join(dir, 'shop.db')
      log(`  seeding ${VARIANTS} variants through catalog.import…`)
      await seed(file, VARIANTS)
      await side('baseline', file)
      await side('ordo', file)
      const ordo: SideResult[] = []
      const baseline: SideResult[] = []
      for (let round = 1; round <= ROUNDS; round++) {
        const b = await side('baseline', file)
        const o = await side('ordo', file)
        baseline.push(b)
        ordo.push(o)
        log(
          `  round ${round}: ordo ${Math.round(perSecond(VARIANTS, o.ms))} offers/s (${(o.ms / 1000).toFixed(1)} s, peak RSS ${o.peakRssMb} MB), ` +
            `baseline ${Math.round(perSecond(VARIANTS, b.ms))} offers/s (${(b.ms / 1000).toFixed(1)} s, peak RSS ${b.peakRssMb} MB)`,
        )
      }
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
      const ordoMs = median(ordo.map((r) => r.ms))
      const baselineMs = median(baseline.map((r) => r.ms))
      return [
        figure({
          name: 'feed.yml.100k',
          unit: 'offers/s',
          value: perSecond(VARIANTS, ordoMs),
          baseline: perSecond(VARIANTS, baselineMs),
          baselineLabel: 'raw better-sqlite3 read of the same rows written as YML by string concatenation',
          variants: VARIANTS,
          pageSize: 1000,
          rounds: ROUNDS,
          documentMb: Math.round((ordo[0]!.bytes / 1024 / 1024) * 10) / 10,
          peakRssMb: Math.max(...ordo.map((r) => r.peakRssMb)),
          baselinePeakRssMb: Math.max(...baseline.map((r) => r.peakRssMb)),
        }),
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
})
