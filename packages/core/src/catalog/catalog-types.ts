import type { CurrencyCode } from '../money/currency.js'
import type { VatRate } from '../money/vat.js'

/**
 * The subject of a payment ("признак предмета расчёта", tag 1212 of 54-FZ
 * fiscal receipts) a product is sold as, in the names payment providers use
 * (YooKassa, CloudPayments). Most goods are `commodity`; a delivery or a
 * gift-wrapping is a `service`; an advance is a `payment`.
 *
 * @example
 * ```ts
 * await shop.catalog.upsertProduct({ handle: 'gift-wrap', name: 'Gift wrap', vatRate: 'vat22', paymentSubject: PAYMENT_SUBJECTS[3] })
 * ```
 */
export const PAYMENT_SUBJECTS = [
  /** Goods (товар), tag value 1. */
  'commodity',
  /** Excisable goods (подакцизный товар), 2. */
  'excise',
  /** Work (работа), 3. */
  'job',
  /** Service (услуга), 4. */
  'service',
  /** Gambling bet (ставка азартной игры), 5. */
  'gambling_bet',
  /** Gambling prize (выигрыш азартной игры), 6. */
  'gambling_prize',
  /** Lottery ticket (лотерейный билет), 7. */
  'lottery',
  /** Lottery prize (выигрыш лотереи), 8. */
  'lottery_prize',
  /** Rights to intellectual property (результаты интеллектуальной деятельности), 9. */
  'intellectual_activity',
  /** A payment: advance, prepayment, instalment (платёж), 10. */
  'payment',
  /** Agent's commission (агентское вознаграждение), 11. */
  'agent_commission',
  /** Several of the above in one item (составной предмет расчёта), 12. */
  'composite',
  /** None of the above (иной предмет расчёта), 13. */
  'another',
  /** Property right (имущественное право), 14. */
  'property_right',
  /** Non-operating gain (внереализационный доход), 15. */
  'non_operating_gain',
  /** Insurance premium (страховые взносы), 16. */
  'insurance_premium',
  /** Sales tax (торговый сбор), 17. */
  'sales_tax',
  /** Resort fee (курортный сбор), 18. */
  'resort_fee',
] as const

/** A fiscal payment subject; see {@link PAYMENT_SUBJECTS}. */
export type PaymentSubject = (typeof PAYMENT_SUBJECTS)[number]

/** Whether a product or variant is on sale (`active`) or withdrawn (`archived`). */
export const CATALOG_STATUSES = ['active', 'archived'] as const

/** A product's or variant's status; see {@link CATALOG_STATUSES}. */
export type CatalogStatus = (typeof CATALOG_STATUSES)[number]

/**
 * The types an attribute (property) value can have: free `text`, a `number`
 * (with the definition's unit), a `boolean` or one `option` of a fixed list.
 */
export const ATTRIBUTE_TYPES = ['text', 'number', 'boolean', 'option'] as const

/** An attribute's value type; see {@link ATTRIBUTE_TYPES}. */
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number]

/** A value set on a product or variant for one attribute; its type follows the attribute's definition. */
export type AttributeValue = string | number | boolean

/** Attribute values by attribute code, e.g. `{ color: 'blue', cotton_pct: 95, organic: true }`. */
export type AttributeValues = Record<string, AttributeValue>

/** An attribute (property) definition: what products and variants may carry, used for filters and feeds. */
export interface AttributeDefinition {
  /** Unique code used as the key in attribute values, e.g. `color`. */
  code: string
  name: string
  type: AttributeType
  /** Unit of a `number` attribute (`g`, `cm`, `%`), shown next to the value; null otherwise. */
  unit: string | null
  /** The allowed values of an `option` attribute, in display order; empty otherwise. */
  options: string[]
  /** Whether storefronts may filter products by it (`listProducts({ attributes })` refuses the others). */
  filterable: boolean
}

/** Outer size of a packed item in millimetres, for couriers. */
export interface Dimensions {
  lengthMm: number
  widthMm: number
  heightMm: number
}

/** A category of the catalog tree. */
export interface Category {
  id: string
  /** Unique URL slug. */
  slug: string
  name: string
  description: string | null
  /** The parent category; null for a root. */
  parentId: string | null
  /** Ids from the root down to the parent (empty for a root). */
  ancestorIds: string[]
  /** Sort order among siblings (ascending, then by name). */
  position: number
  createdAt: Date
  updatedAt: Date
}

/** A category with its subcategories, as {@link CatalogApi.categoryTree} returns it. */
export interface CategoryNode extends Omit<Category, 'ancestorIds'> {
  children: CategoryNode[]
}

/** A variant ("trade offer"): one SKU of a product, e.g. size M in blue. */
export interface Variant {
  id: string
  productId: string
  /** Unique stock-keeping unit. */
  sku: string
  /** What tells it apart from its siblings, e.g. `M / Blue`; null for a product's only variant. */
  name: string | null
  status: CatalogStatus
  /** The variant's own attribute values (the product's apply too; the variant's win). */
  attributes: AttributeValues
  /** EAN-13, UPC and other barcodes printed on the item. */
  barcodes: string[]
  weightGrams: number | null
  dimensions: Dimensions | null
  /** Purchase cost in the shop's base currency, minor units (for margin reports); null when unknown. */
  costPrice: number | null
  /** Image URLs of this variant (the product's images are used when empty). */
  images: string[]
  /** Sort order among the product's variants. */
  position: number
  createdAt: Date
  updatedAt: Date
}

/** A product with its variants. */
export interface Product {
  id: string
  /** Unique URL slug. */
  handle: string
  name: string
  description: string | null
  status: CatalogStatus
  vatRate: VatRate
  paymentSubject: PaymentSubject
  /** The categories the product is placed in directly (not their ancestors). */
  categoryIds: string[]
  attributes: AttributeValues
  /** Image URLs, the first is the main one. */
  images: string[]
  /** Its variants in `position` order, archived ones included. */
  variants: Variant[]
  createdAt: Date
  updatedAt: Date
}

/** A variant together with the product it belongs to (without the product's other variants). */
export interface VariantWithProduct extends Variant {
  product: Omit<Product, 'variants'>
}

/** A supplier the shop buys from, or that ships directly to customers (drop-ship). */
export interface Supplier {
  id: string
  name: string
  /** Taxpayer number (ИНН: 10 digits for companies, 12 for sole traders). */
  taxId: string | null
  /** Days from placing an order with the supplier to the goods being ready. */
  leadTimeDays: number
  /** Currency of the supplier's costs and minimum order. */
  currency: CurrencyCode
  /** The smallest order the supplier accepts, in minor units of `currency`; null for none. */
  minimumOrder: number | null
  active: boolean
  createdAt: Date
  updatedAt: Date
}

/** A variant a supplier can deliver, with the supplier's own SKU and cost. */
export interface SupplierOffer {
  supplier: Supplier
  variantId: string
  /** The supplier's article number for the variant. */
  supplierSku: string | null
  /** The supplier's price in minor units of the supplier's currency; null when unknown. */
  cost: number | null
}

/**
 * A price list: prices per variant in one currency, applying in a scope
 * (regions, channels, customer groups) within a validity window.
 *
 * Each currency has a base list (code `base-<CUR>`, priority 0, no scope) that
 * the engine creates on first use.
 */
export interface PriceList {
  id: string
  /** Unique code, e.g. `moscow` or `base-RUB`. */
  code: string
  name: string
  currency: CurrencyCode
  /** Higher wins when several lists apply. Base lists have 0. */
  priority: number
  /** Regions it applies in; empty means everywhere. */
  regions: string[]
  /** Sales channels it applies to (e.g. `yandex`, `site`); empty means all. */
  channels: string[]
  /** Customer groups it applies to (e.g. `wholesale`, `vip`); empty means everyone. */
  customerGroups: string[]
  /** First instant it applies at; null for no start. */
  validFrom: Date | null
  /** Last instant it applies at (inclusive); null for no end. */
  validTo: Date | null
  /** IANA zone the window was given in; explanations show the window in it. Null shows UTC. */
  timeZone: string | null
  active: boolean
  /** True for the engine-managed base list of a currency. */
  isBase: boolean
  createdAt: Date
  updatedAt: Date
}

/** A price of one variant in one price list. */
export interface VariantPrice {
  priceListId: string
  priceListCode: string
  variantId: string
  sku: string
  /** Minor units of the list's currency. */
  amount: number
  /** The "old price" shown struck through; always above `amount`; null for none. */
  compareAt: number | null
  currency: CurrencyCode
}

/**
 * What prices are resolved for: a currency, where and to whom, and when.
 * An empty scope dimension of a price list matches anything; a non-empty one
 * must contain the context's value.
 */
export interface PriceContext {
  currency: CurrencyCode
  region?: string | null
  /** The sales channel, e.g. the UTM source of a cart. */
  channel?: string | null
  customerGroups?: readonly string[]
  /** The instant the price is for. */
  at: Date
}

/** What pricing, carts and orders know about a variant, in one read. */
export interface VariantSummary {
  variantId: string
  productId: string
  sku: string
  /** Product name and variant name, e.g. `T-shirt Basic — M / Blue`. */
  name: string
  /** Archived when the product or the variant is archived. */
  status: CatalogStatus
  /** The product's categories and all their ancestors (for category promotions). */
  categoryIds: string[]
  /** Product and variant attribute values merged; the variant's win. */
  attributes: Record<string, string | number | boolean>
  vatRate: VatRate
  paymentSubject: PaymentSubject
  weightGrams: number | null
  dimensions: { lengthMm: number; widthMm: number; heightMm: number } | null
  /** Purchase cost in the shop's base currency, minor units. */
  costPrice: number | null
  /** The variant's first image, else the product's first image. */
  imageUrl: string | null
}

/** The price a variant sells at in a {@link PriceContext}, and which list it came from and why. */
export interface ResolvedPrice {
  amount: number
  /** The "old price" to show struck through; null for none. */
  compareAt: number | null
  currency: CurrencyCode
  priceListId: string
  priceListName: string
  /** A short sentence naming the winning list and why it beats the others that applied. */
  explanation: string
}

/** A variant summary with its resolved price (null when no applicable list has a price for it). */
export interface PricedVariant extends VariantSummary {
  price: ResolvedPrice | null
}

/** A price list that applied to a variant in a resolution, best first. */
export interface PriceCandidate {
  priceListId: string
  code: string
  name: string
  priority: number
  /** How many of regions, channels and customer groups the list is scoped by (0–3). */
  scopedDimensions: number
  amount: number
  compareAt: number | null
}

/** The outcome of {@link CatalogApi.resolvePrices} for one variant. */
export interface PriceResolution {
  variantId: string
  sku: string
  currency: CurrencyCode
  /** The effective price; null when no applicable list has a price for the variant. */
  amount: number | null
  compareAt: number | null
  /** The winning list; null when there is none. */
  priceList: { id: string; code: string; name: string; priority: number } | null
  /** Why this price: the winner, and what it beat and how. */
  explanation: string
  /** Every applicable list with a price for the variant, best first. */
  candidates: PriceCandidate[]
}
