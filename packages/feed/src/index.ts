/**
 * Marketplace product feeds for Ordo: a Yandex.Market YML catalog and a
 * Google Merchant Center feed (RSS 2.0 with the `g:` namespace), streamed
 * page by page from `shop.catalog.listOffers` and `shop.inventory.availability`
 * so a catalog of any size is written in bounded memory.
 *
 * @example
 * ```ts
 * import { ymlFeed, googleMerchantFeed } from '@ordo/feed'
 *
 * const yml = ymlFeed(shop, { name: 'Футболки', company: 'ООО «Футболки»', url: 'https://shop.example' })
 * await yml.pipe(createWriteStream('public/yml.xml'))
 * ```
 *
 * @module
 */
export { ymlFeed } from './yml-feed.js'
export type { YmlFeedOptions, YmlNaming } from './yml-feed.js'
export { googleMerchantFeed, GOOGLE_NAMESPACE } from './google-merchant-feed.js'
export type { GoogleMerchantFeedOptions } from './google-merchant-feed.js'
export type { Feed } from './feed-stream.js'
export type { FeedOffer, FeedOptions, FeedShop, FeedStats, SkippedOffer, SkipReason } from './feed-source.js'
