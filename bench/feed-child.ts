/**
 * One side of feed.yml.100k, in a process of its own so that its peak RSS is
 * its own. Run with `node --conditions=source --import tsx bench/feed-child.ts`
 * and `ORDO_BENCH_CHILD` = `{ "side": "ordo" | "baseline", "file": "<shop.db>" }`;
 * prints one JSON line `{ ms, offers, bytes, peakRssMb }`.
 *
 * - `ordo`: `ymlFeed(shop, …)` piped into a writable that counts and drops the
 *   bytes (pages of 1000 offers).
 * - `baseline`: the same rows read with raw better-sqlite3 (one query joining
 *   prices, variants, products and each product's first category, one for
 *   categories, one for stock, one for attribute definitions) and written as
 *   YML with plain string concatenation and a five-character escape, into
 *   the same kind of writable, 1000 offers per write.
 */
import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import Database from 'better-sqlite3'
import { createCommerce } from '@ordo/core'
import { ymlFeed } from '@ordo/feed'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { peakRssMb, startTimer } from './harness.js'

const settings = JSON.parse(process.env.ORDO_BENCH_CHILD ?? 'null') as { side: 'ordo' | 'baseline'; file: string } | null
if (!settings) throw new Error('ORDO_BENCH_CHILD is not set')

const SHOP = { name: 'Футболки', company: 'ООО «Футболки»', url: 'https://shop.example' }

function countingSink(): { sink: Writable; bytes: () => number } {
  let bytes = 0
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length
      done()
    },
  })
  return { sink, bytes: () => bytes }
}

async function ordo(file: string) {
  const shop = await createCommerce({ storage: sqliteStorage({ filename: file }), currency: 'RUB', migrate: false })
  try {
    const { sink, bytes } = countingSink()
    const timer = startTimer()
    const feed = ymlFeed(shop, { ...SHOP, pageSize: 1000 })
    await feed.pipe(sink)
    return { ms: timer.ms(), offers: feed.stats.offers, bytes: bytes() }
  } finally {
    await shop.close()
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
// The same stable numeric category id the feed writes (first 52 bits of SHA-1, plus one).
const numericCategoryId = (id: string) => String(Number.parseInt(createHash('sha1').update(id).digest('hex').slice(0, 13), 16) + 1)
const money = (minor: number) => (minor % 100 === 0 ? String(minor / 100) : (minor / 100).toFixed(2))

async function baseline(file: string) {
  const db = new Database(file, { readonly: true })
  try {
    const { sink, bytes } = countingSink()
    const write = (text: string) => new Promise<void>((resolve, reject) => sink.write(text, (e) => (e ? reject(e) : resolve())))
    const timer = startTimer()
    const list = db.prepare("select id from ordo_price_list where code = 'base-RUB'").get() as { id: string }
    const categories = db.prepare('select id, name, parent_id from ordo_category order by path').all() as { id: string; name: string; parent_id: string | null }[]
    const units = new Map((db.prepare('select code, name, unit from ordo_attribute').all() as { code: string; name: string; unit: string | null }[]).map((a) => [a.code, a]))
    const stock = new Map(
      (db.prepare('select variant_id, sum(max(on_hand - reserved, 0)) as available from ordo_stock_level group by variant_id').all() as { variant_id: string; available: number }[]).map(
        (r) => [r.variant_id, r.available],
      ),
    )
    let out = `<?xml version="1.0" encoding="UTF-8"?><yml_catalog date="${new Date().toISOString().slice(0, 16)}+00:00"><shop><name>${esc(SHOP.name)}</name><company>${esc(SHOP.company)}</company><url>${SHOP.url}</url><currencies><currency id="RUB" rate="1"/></currencies><categories>`
    for (const c of categories) {
      out += `<category id="${numericCategoryId(c.id)}"${c.parent_id ? ` parentId="${numericCategoryId(c.parent_id)}"` : ''}>${esc(c.name)}</category>`
    }
    out += '</categories><offers>'
    const rows = db
      .prepare(
        `select pr.variant_id, pr.amount, pr.compare_at, v.sku, v.name, v.attributes, v.barcodes, v.weight_grams, v.length_mm, v.width_mm, v.height_mm, v.images,
                p.handle, p.name as product_name, p.description, p.attributes as product_attributes, p.images as product_images,
                (select pc.category_id from ordo_product_category pc where pc.product_id = p.id order by pc.position limit 1) as category_id
           from ordo_price pr join ordo_variant v on v.id = pr.variant_id join ordo_product p on p.id = v.product_id
          where pr.price_list_id = ? and v.status = 'active' and p.status = 'active'
          order by pr.variant_id`,
      )
      .iterate(list.id) as Iterable<Record<string, any>>
    let offers = 0
    for (const r of rows) {
      if (!r.category_id) continue
      const available = stock.get(r.variant_id) ?? 0
      const attributes = { ...JSON.parse(r.product_attributes), ...JSON.parse(r.attributes) } as Record<string, string | number | boolean>
      const images = [...new Set([...(JSON.parse(r.images) as string[]), ...(JSON.parse(r.product_images) as string[])])]
      out += `<offer id="${esc(r.sku)}" available="${available > 0}"><url>${SHOP.url}/products/${encodeURIComponent(r.handle)}?sku=${encodeURIComponent(r.sku)}</url>`
      out += `<price>${money(r.amount)}</price>${r.compare_at !== null && r.compare_at > r.amount ? `<oldprice>${money(r.compare_at)}</oldprice>` : ''}<currencyId>RUB</currencyId>`
      out += `<categoryId>${numericCategoryId(r.category_id)}</categoryId>`
      for (const image of images) out += `<picture>${esc(image)}</picture>`
      out += `<store>false</store><pickup>true</pickup><delivery>true</delivery><name>${esc(r.name ? `${r.product_name} — ${r.name}` : r.product_name)}</name>`
      if (attributes.brand !== undefined) out += `<vendor>${esc(String(attributes.brand))}</vendor>`
      if (r.description) out += `<description>${esc(r.description)}</description>`
      for (const barcode of JSON.parse(r.barcodes) as string[]) out += `<barcode>${esc(barcode)}</barcode>`
      for (const code of Object.keys(attributes).sort()) {
        if (code === 'brand') continue
        const a = units.get(code)
        out += `<param name="${esc(a?.name ?? code)}"${a?.unit ? ` unit="${esc(a.unit)}"` : ''}>${esc(String(attributes[code]))}</param>`
      }
      if (r.weight_grams !== null) out += `<weight>${r.weight_grams / 1000}</weight>`
      if (r.length_mm !== null) out += `<dimensions>${r.length_mm / 10}/${r.width_mm / 10}/${r.height_mm / 10}</dimensions>`
      out += `<count>${available}</count></offer>`
      if (++offers % 1000 === 0) {
        await write(out)
        out = ''
      }
    }
    out += '</offers></shop></yml_catalog>'
    await write(out)
    return { ms: timer.ms(), offers, bytes: bytes() }
  } finally {
    db.close()
  }
}

const result = settings.side === 'ordo' ? await ordo(settings.file) : await baseline(settings.file)
process.stdout.write(`${JSON.stringify({ ...result, peakRssMb: peakRssMb() })}\n`)
