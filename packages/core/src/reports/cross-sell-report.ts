import { sql } from 'kysely'
import type { Runtime } from '../runtime.js'
import { ratio, type ReportPeriod } from './report-period.js'
import { bucketIndex, inShopCurrency, notCancelled, num, periodInfo, placedIn, type Buckets } from './report-sql.js'
import type { CrossSellOptions, CrossSellReport, CrossSellRow, ProductPairRow } from './reports-types.js'

const ID_BATCH = 500
/** A product in no category forms a category of its own for cross-sell. */
const NO_CATEGORY = ''

/**
 * Cross-sell: the share of order value from lines outside the order's main
 * category (the category with the largest value in the order; a product
 * counts in its first placement by position), and the product pairs most
 * often bought together. Line values are summed per order and product in
 * SQL; pairs are counted by a self-join in SQL.
 */
export async function crossSellReport(runtime: Runtime, period: ReportPeriod, buckets: Buckets, options: CrossSellOptions): Promise<CrossSellReport> {
  const db = runtime.db
  const sold = sql`${placedIn(period)} AND ${notCancelled(runtime, sql.ref('o.status'))} AND ${inShopCurrency(runtime)}`
  const { rows: lines } = await sql<{ order_id: string; bucket: unknown; product_id: string; value: unknown }>`
    SELECT o.id AS order_id, ${bucketIndex(sql.ref('o.placed_at'), buckets)} AS bucket, l.product_id AS product_id, SUM(l.total) AS value
    FROM ordo_order o JOIN ordo_order_line l ON l.order_id = o.id
    WHERE ${sold}
    GROUP BY o.id, 2, l.product_id
  `.execute(db)

  const productIds = [...new Set(lines.map((l) => l.product_id))]
  const categoryOf = new Map<string, { category: string; position: number }>()
  for (let i = 0; i < productIds.length; i += ID_BATCH) {
    const batch = productIds.slice(i, i + ID_BATCH)
    const placements = await db.selectFrom('ordo_product_category').select(['product_id', 'category_id', 'position']).where('product_id', 'in', batch).execute()
    for (const p of placements) {
      const known = categoryOf.get(p.product_id)
      const position = num(p.position)
      if (!known || position < known.position || (position === known.position && p.category_id < known.category)) {
        categoryOf.set(p.product_id, { category: p.category_id, position })
      }
    }
  }

  const orders = new Map<string, { bucket: number; byCategory: Map<string, number>; value: number }>()
  for (const line of lines) {
    let order = orders.get(line.order_id)
    if (!order) orders.set(line.order_id, (order = { bucket: num(line.bucket), byCategory: new Map(), value: 0 }))
    const category = categoryOf.get(line.product_id)?.category ?? NO_CATEGORY
    const value = num(line.value)
    order.value += value
    order.byCategory.set(category, (order.byCategory.get(category) ?? 0) + value)
  }
  const perBucket = buckets.labels.map(() => ({ orders: 0, crossSellOrders: 0, value: 0, crossSellValue: 0 }))
  for (const order of orders.values()) {
    let main: [string, number] | null = null
    for (const entry of order.byCategory) {
      if (!main || entry[1] > main[1] || (entry[1] === main[1] && entry[0] < main[0])) main = entry
    }
    const outside = order.value - (main?.[1] ?? 0)
    const b = perBucket[order.bucket]!
    b.orders += 1
    b.value += order.value
    b.crossSellValue += outside
    if (outside > 0) b.crossSellOrders += 1
  }
  const rows: CrossSellRow[] = buckets.labels.map((label, i) => {
    const b = perBucket[i]!
    return { period: label, ...b, crossSellShare: ratio(b.crossSellValue, b.value) }
  })
  const sum = rows.reduce((s, r) => ({ orders: s.orders + r.orders, crossSellOrders: s.crossSellOrders + r.crossSellOrders, value: s.value + r.value, crossSellValue: s.crossSellValue + r.crossSellValue }), {
    orders: 0,
    crossSellOrders: 0,
    value: 0,
    crossSellValue: 0,
  })

  const top = options.topPairs ?? 10
  const { rows: pairRows } =
    top === 0
      ? { rows: [] }
      : await sql<{ a: string; b: string; orders: unknown }>`
          SELECT x.product_id AS a, y.product_id AS b, COUNT(DISTINCT x.order_id) AS orders
          FROM ordo_order o
          JOIN ordo_order_line x ON x.order_id = o.id
          JOIN ordo_order_line y ON y.order_id = o.id AND x.product_id < y.product_id
          WHERE ${sold}
          GROUP BY x.product_id, y.product_id
          ORDER BY 3 DESC, 1, 2
          LIMIT ${sql.lit(top)}
        `.execute(db)
  const names = new Map<string, string>()
  const pairProducts = [...new Set(pairRows.flatMap((p) => [p.a, p.b]))]
  if (pairProducts.length > 0) {
    for (const p of await db.selectFrom('ordo_product').select(['id', 'name']).where('id', 'in', pairProducts).execute()) names.set(p.id, p.name)
  }
  const pairs: ProductPairRow[] = pairRows.map((p) => ({
    productA: p.a,
    nameA: names.get(p.a) ?? '',
    productB: p.b,
    nameB: names.get(p.b) ?? '',
    orders: num(p.orders),
    share: ratio(num(p.orders), sum.orders),
  }))
  return { period: periodInfo(period), rows, totals: { ...sum, crossSellShare: ratio(sum.crossSellValue, sum.value) }, pairs }
}
