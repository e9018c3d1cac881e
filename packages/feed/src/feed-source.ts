import type { CatalogOffer, CategoryNode, Commerce } from '@ordo/core'

/**
 * The part of the engine a feed reads: offers page by page, the category
 * tree and attribute definitions from the catalog, availability from
 * inventory. `createCommerce()`'s result satisfies it.
 */
export interface FeedShop {
  /** The shop's base currency: the feed's currency when the price list has no offers yet. */
  currency: string
  catalog: Pick<Commerce['catalog'], 'listOffers' | 'categoryTree' | 'attributes'>
  inventory: Pick<Commerce['inventory'], 'availability'>
}

/** A catalog offer with its stock, as a feed writes it. */
export interface FeedOffer extends CatalogOffer {
  /** Units on hand and not reserved at the locations serving the feed's region (all when none is given). */
  stock: number
  /** An unlimited supplier serves the variant: it can always be ordered, however low `stock` is. */
  unlimited: boolean
  /** Whether it can be ordered now: some stock, or an unlimited supplier. */
  inStock: boolean
}

/**
 * Why an offer was left out of a feed; see {@link SkippedOffer}. `invalid_url`:
 * one of its images is not a valid `http(s)` URL (after resolving a relative
 * path against `url`).
 */
export type SkipReason = 'out_of_stock' | 'invalid_id' | 'no_category' | 'no_image' | 'invalid_url'

/** An offer a feed left out, and why; passed to {@link FeedOptions.onSkip}. */
export interface SkippedOffer {
  variantId: string
  sku: string
  reason: SkipReason
  /** A sentence saying what to change for the offer to be published. */
  message: string
}

/** Options every feed takes. */
export interface FeedOptions {
  /**
   * The public address of the storefront, e.g. `https://shop.example`;
   * offer links and relative image paths are resolved against it.
   */
  url: string
  /** Code of the price list whose prices to publish. @default the base list of the shop's currency (`base-RUB`) */
  priceList?: string | undefined
  /** The region whose stock counts (locations serving it); all locations when left out. */
  region?: string | null | undefined
  /** Offers read from the database per page (one catalog read and one stock read each), 1–5000. @default 500 */
  pageSize?: number | undefined
  /** `include` publishes offers without stock as unavailable; `skip` leaves them out. @default 'include' */
  outOfStock?: 'include' | 'skip' | undefined
  /**
   * The offer id: the variant's `sku`, its `variantId`, or your own stable
   * function of the offer. Marketplaces key prices, stock and orders by it,
   * so it must stay the same across runs. Offers whose id the format does not
   * accept are skipped (`invalid_id`). @default 'sku'
   */
  offerId?: 'sku' | 'variantId' | ((offer: FeedOffer) => string) | undefined
  /** The link to the offer's page. @default `${url}/products/${handle}?sku=${sku}` */
  offerUrl?: ((offer: FeedOffer) => string) | undefined
  /** Called for every offer left out of the feed, with the reason. */
  onSkip?: ((skipped: SkippedOffer) => void) | undefined
  /** The instant the feed is for (the format's generation date). @default now */
  now?: Date | undefined
}

/** How many offers a feed has written and left out so far. */
export interface FeedStats {
  offers: number
  skipped: number
}

/** The pages of offers with their stock, read one page at a time: one catalog query, one stock query each. */
export async function* offerPages(shop: FeedShop, options: FeedOptions): AsyncGenerator<FeedOffer[]> {
  let cursor: string | null = null
  do {
    const page = await shop.catalog.listOffers({
      ...(options.priceList !== undefined ? { priceList: options.priceList } : {}),
      limit: options.pageSize ?? 500,
      cursor,
    })
    cursor = page.nextCursor
    if (page.items.length === 0) continue
    const stock = await shop.inventory.availability(
      page.items.map((o) => o.variantId),
      options.region != null ? { region: options.region } : {},
    )
    const byVariant = new Map(stock.map((s) => [s.variantId, s]))
    yield page.items.map((offer) => {
      const s = byVariant.get(offer.variantId)
      const available = s?.available ?? 0
      const unlimited = s?.unlimited ?? false
      return { ...offer, stock: available, unlimited, inStock: unlimited || available > 0 }
    })
  } while (cursor)
}

/** Categories by id, with their parent and path of names from the root, flattened from the tree in tree order. */
export function flattenCategories(tree: readonly CategoryNode[]): Map<string, { id: string; name: string; parentId: string | null; path: string[] }> {
  const out = new Map<string, { id: string; name: string; parentId: string | null; path: string[] }>()
  const walk = (nodes: readonly CategoryNode[], path: string[]) => {
    for (const node of nodes) {
      const own = [...path, node.name]
      out.set(node.id, { id: node.id, name: node.name, parentId: node.parentId, path: own })
      walk(node.children, own)
    }
  }
  walk(tree, [])
  return out
}

/** The offer's link: the caller's function, else `${url}/products/${handle}?sku=${sku}`. */
export function offerLink(options: FeedOptions, offer: FeedOffer): string {
  if (options.offerUrl) return options.offerUrl(offer)
  const url = new URL(`products/${encodeURIComponent(offer.handle)}`, withSlash(options.url))
  url.searchParams.set('sku', offer.sku)
  return url.href
}

/**
 * An image path as an absolute URL (relative paths resolved against the
 * storefront's address); null when it is not a valid `http(s)` URL.
 */
export function absoluteUrl(options: FeedOptions, path: string): string | null {
  let url: URL
  try {
    url = new URL(path, withSlash(options.url))
  } catch {
    return null
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
}

/**
 * The offer's images as absolute `http(s)` URLs, at most `max`; `{ invalid }`
 * names the first one that is not (the offer is then left out with
 * `invalid_url`).
 */
export function imageUrls(options: FeedOptions, offer: FeedOffer, max: number): { urls: string[] } | { invalid: string } {
  const urls: string[] = []
  for (const image of offer.images.slice(0, max)) {
    const url = absoluteUrl(options, image)
    if (url === null) return { invalid: image }
    urls.push(url)
  }
  return { urls }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`
}

/** The offer's id by the `offerId` option. */
export function offerIdOf(options: FeedOptions, offer: FeedOffer): string {
  const choice = options.offerId ?? 'sku'
  if (typeof choice === 'function') return choice(offer)
  return choice === 'variantId' ? offer.variantId : offer.sku
}

// XML 1.0 allows tab, newline, carriage return and the ranges below; anything
// else (control characters, lone surrogates, U+FFFE/FFFF) cannot appear even
// escaped, so it is dropped before the text reaches the XML writer.
const ILLEGAL_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

/** Text with the characters XML 1.0 cannot carry removed (escaping is left to the XML writer). */
export function xmlSafe(text: string): string {
  return text.replace(ILLEGAL_XML_CHARS, '')
}
