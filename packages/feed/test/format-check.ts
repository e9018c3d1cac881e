// Parses a feed back with fast-xml-parser and checks the elements its format
// requires, independently of the code that wrote it. Returns the parsed
// document and the problems found (empty when the feed is valid).
import { XMLParser, XMLValidator } from 'fast-xml-parser'

const ALWAYS_ARRAYS = new Set(['category', 'offer', 'currency', 'picture', 'barcode', 'param', 'item', 'g:additional_image_link'])

/** Parses feed XML keeping every value a string and repeated elements arrays. */
export function parseFeed(xml: string): any {
  const valid = XMLValidator.validate(xml)
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`)
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    isArray: (name) => ALWAYS_ARRAYS.has(name),
  })
  return parser.parse(xml)
}

const RFC3339_MINUTES = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)$/
const YML_OFFER_ID = /^[0-9A-Za-zА-Яа-я.,/\\()[\]=_-]{1,80}$/
const CATEGORY_ID = /^[1-9]\d{0,17}$/
const PRICE = /^\d+(\.\d{1,2})?$/

const text = (node: unknown): string | undefined => {
  if (node === undefined || node === null) return undefined
  if (typeof node === 'string') return node
  if (typeof node === 'object' && '#text' in (node as object)) return String((node as { '#text': unknown })['#text'])
  return undefined
}

/** The YML document and every required element missing or malformed. */
export function checkYml(xml: string): { doc: any; problems: string[] } {
  const problems: string[] = []
  if (!xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')) problems.push('the XML declaration with UTF-8 must open the file')
  const doc = parseFeed(xml)
  const root = doc.yml_catalog
  if (!root) return { doc, problems: [...problems, 'no <yml_catalog> root'] }
  if (!RFC3339_MINUTES.test(root['@_date'] ?? '')) problems.push(`yml_catalog@date "${root['@_date']}" is not RFC 3339 with a zone`)
  const shop = root.shop
  if (!shop) return { doc, problems: [...problems, 'no <shop>'] }
  for (const name of ['name', 'company', 'url'] as const) if (!text(shop[name])) problems.push(`<shop> lacks <${name}>`)
  const currencies = new Set<string>((shop.currencies?.currency ?? []).map((c: any) => c['@_id']))
  if (currencies.size === 0) problems.push('<currencies> lists no currency')
  for (const c of shop.currencies?.currency ?? []) if (!c['@_rate']) problems.push(`currency ${c['@_id']} has no rate`)
  const categoryIds = new Set<string>()
  for (const c of shop.categories?.category ?? []) {
    const id = c['@_id']
    if (!CATEGORY_ID.test(id ?? '')) problems.push(`category id "${id}" is not a positive integer of at most 18 digits`)
    if (categoryIds.has(id)) problems.push(`category id "${id}" repeats`)
    categoryIds.add(id)
    if (!text(c)) problems.push(`category ${id} has no name`)
  }
  for (const c of shop.categories?.category ?? []) {
    if (c['@_parentId'] !== undefined && !categoryIds.has(c['@_parentId'])) problems.push(`category ${c['@_id']} has an unknown parent ${c['@_parentId']}`)
  }
  const offers: any[] = shop.offers?.offer ?? []
  const offerIds = new Set<string>()
  for (const o of offers) {
    const id = o['@_id']
    if (!YML_OFFER_ID.test(id ?? '')) problems.push(`offer id "${id}" is not accepted`)
    if (offerIds.has(id)) problems.push(`offer id "${id}" repeats`)
    offerIds.add(id)
    if (!['true', 'false'].includes(o['@_available'])) problems.push(`offer ${id}: available="${o['@_available']}"`)
    if (!text(o.url)?.startsWith('http')) problems.push(`offer ${id}: no absolute <url>`)
    if (!PRICE.test(text(o.price) ?? '')) problems.push(`offer ${id}: <price> "${text(o.price)}" is not a price`)
    if (o.oldprice !== undefined && !(Number(text(o.oldprice)) > Number(text(o.price)))) problems.push(`offer ${id}: <oldprice> is not above <price>`)
    if (!currencies.has(text(o.currencyId) ?? '')) problems.push(`offer ${id}: <currencyId> "${text(o.currencyId)}" is not among <currencies>`)
    if (!categoryIds.has(text(o.categoryId) ?? '')) problems.push(`offer ${id}: <categoryId> "${text(o.categoryId)}" is not among <categories>`)
    if (o['@_type'] === 'vendor.model') {
      if (!text(o.vendor) || !text(o.model)) problems.push(`offer ${id}: vendor.model needs <vendor> and <model>`)
    } else if (!text(o.name)) {
      problems.push(`offer ${id}: no <name>`)
    }
    for (const p of o.param ?? []) if (!p['@_name']) problems.push(`offer ${id}: a <param> has no name`)
    if (o.count !== undefined && !/^\d+$/.test(text(o.count) ?? '')) problems.push(`offer ${id}: <count> is not a whole number`)
    if (o.dimensions !== undefined && !/^\d+(\.\d+)?\/\d+(\.\d+)?\/\d+(\.\d+)?$/.test(text(o.dimensions) ?? '')) problems.push(`offer ${id}: <dimensions> is not L/W/H`)
  }
  return { doc, problems }
}

const GOOGLE_AVAILABILITY = new Set(['in_stock', 'out_of_stock', 'preorder', 'backorder'])
const GOOGLE_PRICE = /^\d+(\.\d{1,2})? [A-Z]{3}$/

/** The Google Merchant RSS document and every required element missing or malformed. */
export function checkGoogle(xml: string): { doc: any; problems: string[] } {
  const problems: string[] = []
  const doc = parseFeed(xml)
  const rss = doc.rss
  if (!rss) return { doc, problems: ['no <rss> root'] }
  if (rss['@_version'] !== '2.0') problems.push('rss@version is not 2.0')
  if (rss['@_xmlns:g'] !== 'http://base.google.com/ns/1.0') problems.push('the g: namespace is not declared')
  const channel = rss.channel
  for (const name of ['title', 'link', 'description'] as const) if (!text(channel?.[name])) problems.push(`<channel> lacks <${name}>`)
  const ids = new Set<string>()
  for (const item of (channel?.item ?? []) as any[]) {
    const id = text(item['g:id'])
    if (!id || id.length > 50) problems.push(`item id "${id}" is not 1–50 characters`)
    if (ids.has(id!)) problems.push(`item id "${id}" repeats`)
    ids.add(id!)
    for (const name of ['g:title', 'g:description', 'g:link', 'g:image_link', 'g:availability', 'g:price', 'g:condition']) {
      if (!text(item[name])) problems.push(`item ${id}: no <${name}>`)
    }
    if (!GOOGLE_AVAILABILITY.has(text(item['g:availability']) ?? '')) problems.push(`item ${id}: availability "${text(item['g:availability'])}"`)
    if (!GOOGLE_PRICE.test(text(item['g:price']) ?? '')) problems.push(`item ${id}: price "${text(item['g:price'])}"`)
    if (item['g:sale_price'] !== undefined && !GOOGLE_PRICE.test(text(item['g:sale_price']) ?? '')) problems.push(`item ${id}: sale_price`)
    const hasIdentifiers = item['g:gtin'] !== undefined || (item['g:brand'] !== undefined && item['g:mpn'] !== undefined)
    if (!hasIdentifiers && text(item['g:identifier_exists']) !== 'no') problems.push(`item ${id}: no GTIN nor brand+MPN, and identifier_exists is not "no"`)
  }
  return { doc, problems }
}
