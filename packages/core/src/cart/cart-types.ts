import type { CurrencyCode } from '../money/index.js'
import type { PriceBreakdown } from '../pricing/index.js'
import type { DeliveryChoice } from '../delivery/delivery-types.js'

/** Where a visitor came from: recorded on the cart and copied to the order, for conversion by channel. */
export interface ChannelAttribution {
  /** UTM source, e.g. `yandex`, `vk`, `market`. */
  source: string | null
  /** UTM medium, e.g. `cpc`, `email`. */
  medium: string | null
  campaign: string | null
  landingPage: string | null
  referrer: string | null
}

/** A customer's contact details; the phone is kept in E.164 (`+79161234567`). */
export interface CartContact {
  name: string | null
  phone: string | null
  email: string | null
}

/** A delivery address as the customer gave it. */
export interface Address {
  /** ISO 3166 alpha-2. */
  country: string
  region?: string | undefined
  city: string
  postalCode?: string | undefined
  street?: string | undefined
  house?: string | undefined
  apartment?: string | undefined
  /** Free text for the courier: entrance, intercom code, floor. */
  comment?: string | undefined
  lat?: number | undefined
  lon?: number | undefined
}

/** One line of a cart as the storefront shows it; prices are on the matching breakdown line. */
export interface CartItem {
  lineId: string
  variantId: string
  sku: string
  name: string
  quantity: number
}

/** A cart with a breakdown priced at the moment it was read. */
export interface Cart {
  id: string
  /** `active` until it becomes an order (`converted`) or is merged into another cart (`merged`). */
  status: 'active' | 'converted' | 'merged'
  customerId: string | null
  customerGroups: string[]
  region: string | null
  currency: CurrencyCode
  channel: ChannelAttribution
  /** The storefront session the cart was created in (links visits, the cart and its order for the funnel and experiments). */
  sessionId: string | null
  contact: CartContact
  shippingAddress: Address | null
  notes: string | null
  couponCodes: string[]
  /** The payment method code chosen with `setPayment`; null: pay later, after confirmation. */
  paymentMethod: string | null
  /** The delivery chosen with `setDelivery` (priced into the breakdown), or null. */
  delivery: DeliveryChoice | null
  items: CartItem[]
  breakdown: PriceBreakdown
  /** Grows with every change. */
  version: number
  createdAt: Date
  /** Last activity. */
  updatedAt: Date
  /** The order this cart became, or the cart it was merged into. */
  convertedTo: string | null
  /** Points redeemed on this cart, as priced into the breakdown (capped at the share of the goods the shop allows); 0 for none. */
  pointsRedeemed: number
}

/** Input of `shop.carts.create()`. */
export interface CreateCartInput {
  customerId?: string | null
  customerGroups?: string[]
  region?: string | null
  /** @default the shop's currency */
  currency?: CurrencyCode
  channel?: Partial<ChannelAttribution>
  /**
   * The storefront session (the `sessionId` given to `shop.tracking.visit()`).
   * Without a `channel.source`, the cart takes the channel
   * `shop.tracking.attribution(sessionId)` credits.
   */
  sessionId?: string | null
}

/** A cart left with items and a way to reach the customer, for win-back campaigns. */
export interface AbandonedCart {
  cartId: string
  customerId: string | null
  contact: CartContact
  itemCount: number
  lastActivityAt: Date
}
