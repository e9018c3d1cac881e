import { TZDate } from '@date-fns/tz'
import { format } from 'date-fns/format'
import { OrdoError, parseInput, type AttributeValue } from '@ordo/core'
import { z } from 'zod'
import { compactAmount, centimetres, kilograms, numericCategoryId } from './feed-format.js'
import { feedOptionsShape } from './feed-options.js'
import {
  flattenCategories,
  imageUrls,
  offerIdOf,
  offerLink,
  offerPages,
  xmlSafe,
  type FeedOffer,
  type FeedOptions,
  type FeedShop,
  type FeedStats,
  type SkippedOffer,
} from './feed-source.js'
import { createFeed, OFFERS_SLOT, xmlWriter, type Feed } from './feed-stream.js'

/** How an offer's name is written in YML; see {@link YmlFeedOptions.naming}. */
export type YmlNaming = 'name' | 'vendor.model'

/** Options of {@link ymlFeed}. */
export interface YmlFeedOptions extends FeedOptions {
  /** The shop's short name (`<shop><name>`), as buyers know it. */
  name: string
  /** The legal name of the company that runs the shop (`<shop><company>`). */
  company: string
  /** The time zone the catalog date is written in (with its offset). @default 'UTC' */
  timeZone?: string | undefined
  /**
   * `name`: the simplified type, one `<name>` (product and variant name).
   * `vendor.model`: the custom type (`type="vendor.model"`, `<typePrefix>`
   * from the category, `<vendor>`, `<model>`) for offers that have a vendor;
   * those without one are written in the simplified type. @default 'name'
   */
  naming?: YmlNaming | undefined
  /** The attribute holding the manufacturer or brand (`<vendor>`). @default 'brand' */
  vendorAttribute?: string | undefined
  /** The attribute holding the manufacturer's article number (`<vendorCode>`). @default 'vendor_code' */
  vendorCodeAttribute?: string | undefined
  /**
   * Attributes written as `<param>` (with the definition's name and unit), in
   * this order; the vendor and vendor code attributes are never repeated as
   * params. @default every attribute of the offer, by code
   */
  params?: readonly string[] | undefined
  /** Courier delivery is possible (`<delivery>`). @default true */
  delivery?: boolean | undefined
  /** Pickup from a pickup point is possible (`<pickup>`). @default true */
  pickup?: boolean | undefined
  /** It can be bought in a brick-and-mortar store without an order (`<store>`). @default false */
  store?: boolean | undefined
  /** The id written for a category. @default a stable positive integer derived from the category id */
  categoryId?: ((categoryId: string) => string) | undefined
}

/** The `<picture>` elements the format accepts per offer. */
const MAX_PICTURES = 20

/** Offer ids the format accepts: up to 80 English or Russian letters (but ё), digits and `. , / \ ( ) [ ] - = _`. */
const YML_OFFER_ID = /^[0-9A-Za-zА-Яа-я.,/\\()[\]=_-]{1,80}$/

const ymlOptionsSchema = z.strictObject({
  ...feedOptionsShape,
  name: z.string().trim().min(1).max(200),
  company: z.string().trim().min(1).max(500),
  timeZone: z
    .string()
    .refine((zone) => isTimeZone(zone), { message: 'expected an IANA time zone such as Europe/Moscow' })
    .optional(),
  naming: z.enum(['name', 'vendor.model']).optional(),
  vendorAttribute: z.string().min(1).max(100).optional(),
  vendorCodeAttribute: z.string().min(1).max(100).optional(),
  params: z.array(z.string().min(1).max(100)).max(500).optional(),
  delivery: z.boolean().optional(),
  pickup: z.boolean().optional(),
  store: z.boolean().optional(),
  categoryId: z.custom<(categoryId: string) => string>((v) => typeof v === 'function', 'expected a function').optional(),
})

/**
 * A Yandex.Market YML catalog (`yml_catalog`): the shop, its currency, every
 * category with its parent, and one `<offer>` per active, priced variant —
 * price and old price from `priceList`, `available` and `count` from stock,
 * pictures, vendor, barcodes, params with units, weight and dimensions.
 *
 * Streamed: offers are read and written a page at a time, so a catalog of
 * any size never sits in memory. Offers the format cannot take (an id it
 * refuses, no category) are left out and reported to `onSkip`. Bad options →
 * `OrdoError('VALIDATION')` at once.
 *
 * @example
 * ```ts
 * import { ymlFeed } from '@ordo/feed'
 *
 * const feed = ymlFeed(shop, { name: 'Футболки', company: 'ООО «Футболки»', url: 'https://shop.example', timeZone: 'Europe/Moscow' })
 * await feed.pipe(createWriteStream('public/yml.xml'))
 * console.log(feed.stats) // { offers: 1520, skipped: 3 }
 * ```
 */
export function ymlFeed(shop: FeedShop, options: YmlFeedOptions): Feed {
  const opts = parseInput('ymlFeed', ymlOptionsSchema, options) as YmlFeedOptions
  const stats: FeedStats = { offers: 0, skipped: 0 }
  return createFeed('application/xml; charset=utf-8', stats, () => generateYml(shop, opts, stats))
}

async function* generateYml(shop: FeedShop, options: YmlFeedOptions, stats: FeedStats): AsyncGenerator<string> {
  const [tree, definitions] = await Promise.all([shop.catalog.categoryTree(), shop.catalog.attributes()])
  const categories = flattenCategories(tree)
  const categoryIdOf = categoryIds(options, [...categories.keys()])
  const attributes = new Map(definitions.map((d) => [d.code, d]))
  const vendorAttribute = options.vendorAttribute ?? 'brand'
  const vendorCodeAttribute = options.vendorCodeAttribute ?? 'vendor_code'
  const skip = (offer: FeedOffer, reason: SkippedOffer['reason'], message: string) => {
    stats.skipped++
    options.onSkip?.({ variantId: offer.variantId, sku: offer.sku, reason, message })
  }

  const pages = offerPages(shop, options)
  let page = await pages.next()
  // The currency is the price list's, known from its first page.
  const currency = (page.done ? undefined : page.value[0]?.price.currency) ?? shop.currency
  const writer = xmlWriter()
  const { head, tail } = writer.envelope({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    yml_catalog: {
      '@_date': format(new TZDate(options.now ?? new Date(), options.timeZone ?? 'UTC'), "yyyy-MM-dd'T'HH:mmxxx"),
      shop: {
        name: xmlSafe(options.name),
        company: xmlSafe(options.company),
        url: xmlSafe(options.url),
        platform: 'Ordo',
        currencies: { currency: [{ '@_id': currency, '@_rate': '1' }] },
        categories: {
          category: [...categories.values()].map((category) => ({
            '@_id': categoryIdOf(category.id),
            ...(category.parentId ? { '@_parentId': categoryIdOf(category.parentId) } : {}),
            '#text': xmlSafe(category.name),
          })),
        },
        offers: OFFERS_SLOT,
      },
    },
  })
  yield head

  for (; !page.done; page = await pages.next()) {
    const offers: Record<string, unknown>[] = []
    for (const offer of page.value) {
      if (!offer.inStock && options.outOfStock === 'skip') {
        skip(offer, 'out_of_stock', 'no stock at the locations serving the region, and outOfStock is "skip"')
        continue
      }
      const id = offerIdOf(options, offer)
      if (!YML_OFFER_ID.test(id)) {
        skip(offer, 'invalid_id', `offer id "${id}" is not accepted by YML (up to 80 letters, digits and . , / \\ ( ) [ ] - = _); use another offerId`)
        continue
      }
      const categoryId = offer.categoryIds.find((c) => categories.has(c))
      if (!categoryId) {
        skip(offer, 'no_category', 'the product is in no category; YML offers need one (place it with upsertProduct({ categoryIds }))')
        continue
      }
      const images = imageUrls(options, offer, MAX_PICTURES)
      if ('invalid' in images) {
        skip(offer, 'invalid_url', `image "${images.invalid}" is not a valid http(s) URL; fix or remove it`)
        continue
      }
      offers.push(offerElement(offer, id, categoryIdOf(categoryId), categories.get(categoryId)!.name, images.urls))
      stats.offers++
    }
    if (offers.length > 0) yield writer.build({ offer: offers })
  }
  yield tail

  function offerElement(offer: FeedOffer, id: string, categoryId: string, categoryName: string, pictures: string[]): Record<string, unknown> {
    const vendor = textValue(offer.attributes[vendorAttribute])
    const vendorCode = textValue(offer.attributes[vendorCodeAttribute])
    const vendorModel = options.naming === 'vendor.model' && vendor !== undefined
    const { amount, compareAt, currency } = offer.price
    // Keys in the order the format lists the elements.
    const element: Record<string, unknown> = { '@_id': id, '@_available': offer.inStock ? 'true' : 'false' }
    if (vendorModel) element['@_type'] = 'vendor.model'
    element.url = xmlSafe(offerLink(options, offer))
    element.price = compactAmount(amount, currency)
    if (compareAt !== null && compareAt > amount) element.oldprice = compactAmount(compareAt, currency)
    element.currencyId = currency
    element.categoryId = categoryId
    if (pictures.length > 0) element.picture = pictures.map(xmlSafe)
    element.store = String(options.store ?? false)
    element.pickup = String(options.pickup ?? true)
    element.delivery = String(options.delivery ?? true)
    if (vendorModel) {
      element.typePrefix = xmlSafe(categoryName)
      element.vendor = xmlSafe(vendor!)
      element.model = xmlSafe(offer.name)
    } else {
      element.name = xmlSafe(offer.name)
      if (vendor !== undefined) element.vendor = xmlSafe(vendor)
    }
    if (vendorCode !== undefined) element.vendorCode = xmlSafe(vendorCode)
    if (offer.description) element.description = xmlSafe(offer.description)
    if (offer.barcodes.length > 0) element.barcode = offer.barcodes.map(xmlSafe)
    const params = paramsOf(offer).map(([code, value]) => {
      const definition = attributes.get(code)
      return {
        '@_name': xmlSafe(definition?.name ?? code),
        ...(definition?.unit ? { '@_unit': xmlSafe(definition.unit) } : {}),
        '#text': xmlSafe(paramText(value)),
      }
    })
    if (params.length > 0) element.param = params
    if (offer.weightGrams !== null) element.weight = kilograms(offer.weightGrams)
    if (offer.dimensions) {
      const { lengthMm, widthMm, heightMm } = offer.dimensions
      element.dimensions = `${centimetres(lengthMm)}/${centimetres(widthMm)}/${centimetres(heightMm)}`
    }
    if (!offer.unlimited) element.count = String(offer.stock)
    return element
  }

  function paramsOf(offer: FeedOffer): [string, AttributeValue][] {
    const skipCodes = new Set([vendorAttribute, vendorCodeAttribute])
    const codes = options.params ?? Object.keys(offer.attributes).sort()
    const out: [string, AttributeValue][] = []
    for (const code of codes) {
      const value = offer.attributes[code]
      if (value === undefined || skipCodes.has(code)) continue
      out.push([code, value])
    }
    return out
  }
}

function textValue(value: AttributeValue | undefined): string | undefined {
  if (value === undefined) return undefined
  const text = String(value).trim()
  return text === '' ? undefined : text
}

function paramText(value: AttributeValue): string {
  if (typeof value === 'boolean') return value ? 'да' : 'нет'
  return String(value)
}

/** The category id function, checked to give distinct ids to distinct categories. */
function categoryIds(options: YmlFeedOptions, ids: readonly string[]): (categoryId: string) => string {
  const of = options.categoryId ?? numericCategoryId
  const seen = new Map<string, string>()
  const cache = new Map<string, string>()
  for (const id of ids) {
    const out = of(id)
    const other = seen.get(out)
    if (other !== undefined) {
      throw new OrdoError('CONFLICT', `Categories "${other}" and "${id}" both get the feed id "${out}"; pass a categoryId function that tells them apart.`, {
        details: { categoryIds: [other, id], feedId: out },
      })
    }
    seen.set(out, id)
    cache.set(id, out)
  }
  return (id) => cache.get(id) ?? of(id)
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

