import { z } from 'zod'
import type { FeedOffer, SkippedOffer } from './feed-source.js'

const fn = <T>() => z.custom<T>((v) => typeof v === 'function', 'expected a function')

/** The zod shape of {@link FeedOptions}, shared by every feed's options schema. */
export const feedOptionsShape = {
  url: z.url({ protocol: /^https?$/ }),
  priceList: z.string().min(1).max(100).optional(),
  region: z.string().min(1).max(100).nullable().optional(),
  pageSize: z.number().int().min(1).max(5000).optional(),
  outOfStock: z.enum(['include', 'skip']).optional(),
  offerId: z.union([z.enum(['sku', 'variantId']), fn<(offer: FeedOffer) => string>()]).optional(),
  offerUrl: fn<(offer: FeedOffer) => string>().optional(),
  onSkip: fn<(skipped: SkippedOffer) => void>().optional(),
  now: z.date().optional(),
}
