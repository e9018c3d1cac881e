import { parseInput, type AttributeValue } from '@ordo/core'
import { z } from 'zod'
import { centimetres, isGtin, kilograms, majorAmount } from './feed-format.js'
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

/** The namespace of Google Merchant Center's product attributes (`g:`). */
export const GOOGLE_NAMESPACE = 'http://base.google.com/ns/1.0'

/** Options of {@link googleMerchantFeed}. */
export interface GoogleMerchantFeedOptions extends FeedOptions {
  /** The channel's title, e.g. the shop's name. */
  title: string
  /** The channel's description. @default the title */
  description?: string | undefined
  /** The attribute holding the brand (`g:brand`). @default 'brand' */
  brandAttribute?: string | undefined
  /** The attribute holding the manufacturer part number (`g:mpn`). @default 'vendor_code' */
  mpnAttribute?: string | undefined
  /** The condition of every item (`g:condition`). @default 'new' */
  condition?: 'new' | 'refurbished' | 'used' | undefined
}

/** Google's limit on additional images per item. */
const MAX_ADDITIONAL_IMAGES = 10

/** Google accepts ids of up to 50 characters. */
const GOOGLE_ID_MAX = 50

const googleOptionsSchema = z.strictObject({
  ...feedOptionsShape,
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().min(1).max(5000).optional(),
  brandAttribute: z.string().min(1).max(100).optional(),
  mpnAttribute: z.string().min(1).max(100).optional(),
  condition: z.enum(['new', 'refurbished', 'used']).optional(),
})

/**
 * A Google Merchant Center product feed: RSS 2.0 with the `g:` namespace,
 * one `<item>` per active, priced variant — id, title, description, link,
 * images, availability from stock, price (with `sale_price` when the list
 * has a compare-at price), brand, GTIN from a valid barcode, MPN,
 * `item_group_id` for variants of one product, product type from the
 * category path, shipping weight and size.
 *
 * Streamed page by page like {@link ymlFeed}. Items Google cannot take (no
 * image, an id over 50 characters) are left out and reported to `onSkip`.
 *
 * @example
 * ```ts
 * import { googleMerchantFeed } from '@ordo/feed'
 *
 * app.get('/feeds/google.xml', (c) => {
 *   const feed = googleMerchantFeed(shop, { title: 'Футболки', url: 'https://shop.example' })
 *   return new Response(feed.stream(), { headers: { 'content-type': feed.contentType } })
 * })
 * ```
 */
export function googleMerchantFeed(shop: FeedShop, options: GoogleMerchantFeedOptions): Feed {
  const opts = parseInput('googleMerchantFeed', googleOptionsSchema, options) as GoogleMerchantFeedOptions
  const stats: FeedStats = { offers: 0, skipped: 0 }
  return createFeed('application/rss+xml; charset=utf-8', stats, () => generateGoogle(shop, opts, stats))
}

async function* generateGoogle(shop: FeedShop, options: GoogleMerchantFeedOptions, stats: FeedStats): AsyncGenerator<string> {
  const categories = flattenCategories(await shop.catalog.categoryTree())
  const brandAttribute = options.brandAttribute ?? 'brand'
  const mpnAttribute = options.mpnAttribute ?? 'vendor_code'
  const skip = (offer: FeedOffer, reason: SkippedOffer['reason'], message: string) => {
    stats.skipped++
    options.onSkip?.({ variantId: offer.variantId, sku: offer.sku, reason, message })
  }

  const writer = xmlWriter()
  const { head, tail } = writer.envelope({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    rss: {
      '@_version': '2.0',
      '@_xmlns:g': GOOGLE_NAMESPACE,
      channel: {
        title: xmlSafe(options.title),
        link: xmlSafe(options.url),
        description: xmlSafe(options.description ?? options.title),
        item: OFFERS_SLOT,
      },
    },
  })
  // The slot stands for the items themselves, not an element holding them.
  yield head.slice(0, head.lastIndexOf('<item>'))

  for await (const page of offerPages(shop, options)) {
    const items: Record<string, unknown>[] = []
    for (const offer of page) {
      if (!offer.inStock && options.outOfStock === 'skip') {
        skip(offer, 'out_of_stock', 'no stock at the locations serving the region, and outOfStock is "skip"')
        continue
      }
      const id = offerIdOf(options, offer)
      if (id.length === 0 || id.length > GOOGLE_ID_MAX) {
        skip(offer, 'invalid_id', `offer id "${id}" is not 1–${GOOGLE_ID_MAX} characters; use another offerId`)
        continue
      }
      if (offer.images.length === 0) {
        skip(offer, 'no_image', 'Google requires an image (image_link); add images to the product or variant')
        continue
      }
      const images = imageUrls(options, offer, 1 + MAX_ADDITIONAL_IMAGES)
      if ('invalid' in images) {
        skip(offer, 'invalid_url', `image "${images.invalid}" is not a valid http(s) URL; fix or remove it`)
        continue
      }
      items.push(itemElement(offer, id, images.urls))
      stats.offers++
    }
    if (items.length > 0) yield writer.build({ item: items })
  }
  yield tail.slice(tail.indexOf('</item>') + '</item>'.length)

  function itemElement(offer: FeedOffer, id: string, images: string[]): Record<string, unknown> {
    const brand = textValue(offer.attributes[brandAttribute])
    const mpn = textValue(offer.attributes[mpnAttribute])
    const gtin = offer.barcodes.find(isGtin)
    const [main, ...more] = images.map(xmlSafe)
    const { amount, compareAt, currency } = offer.price
    const onSale = compareAt !== null && compareAt > amount
    const item: Record<string, unknown> = {
      'g:id': xmlSafe(id),
      'g:title': xmlSafe(offer.name),
      // An empty description is no description: Google refuses an empty one.
      'g:description': xmlSafe(offer.description?.trim() ? offer.description : offer.name),
      'g:link': xmlSafe(offerLink(options, offer)),
      'g:image_link': main,
    }
    if (more.length > 0) item['g:additional_image_link'] = more
    item['g:availability'] = offer.inStock ? 'in_stock' : 'out_of_stock'
    item['g:price'] = `${majorAmount(onSale ? compareAt : amount, currency)} ${currency}`
    if (onSale) item['g:sale_price'] = `${majorAmount(amount, currency)} ${currency}`
    item['g:condition'] = options.condition ?? 'new'
    if (brand !== undefined) item['g:brand'] = xmlSafe(brand)
    if (gtin !== undefined) item['g:gtin'] = gtin
    if (mpn !== undefined) item['g:mpn'] = xmlSafe(mpn)
    // Google needs a GTIN, or a brand with an MPN; without either it must be told there is none.
    if (gtin === undefined && (brand === undefined || mpn === undefined)) item['g:identifier_exists'] = 'no'
    if (offer.variantName !== null) item['g:item_group_id'] = offer.productId
    const categoryId = offer.categoryIds.find((c) => categories.has(c))
    if (categoryId) item['g:product_type'] = xmlSafe(categories.get(categoryId)!.path.join(' > '))
    if (offer.weightGrams !== null) item['g:shipping_weight'] = `${kilograms(offer.weightGrams)} kg`
    if (offer.dimensions) {
      item['g:shipping_length'] = `${centimetres(offer.dimensions.lengthMm)} cm`
      item['g:shipping_width'] = `${centimetres(offer.dimensions.widthMm)} cm`
      item['g:shipping_height'] = `${centimetres(offer.dimensions.heightMm)} cm`
    }
    return item
  }
}

function textValue(value: AttributeValue | undefined): string | undefined {
  if (value === undefined) return undefined
  const text = String(value).trim()
  return text === '' ? undefined : text
}
