import type { Address } from '../cart/cart-types.js'
import type { LoyaltyEntry } from '../loyalty/loyalty-types.js'
import type { Message } from '../notify/notify-types.js'
import type { TimelineInteraction } from './crm-types.js'

/**
 * The `customers` key of `createCommerce()`.
 *
 * @example
 * ```ts
 * const shop = await createCommerce({ storage, currency: 'RUB', customers: { attachGuestOrders: false } })
 * ```
 */
export interface CustomersConfig {
  /**
   * Attach every order placed without a customer to the customer owning its
   * phone (else e-mail), creating one from the order's contacts when there is
   * none; the order then counts for that customer (loyalty points, segments,
   * reports). @default true
   */
  attachGuestOrders?: boolean | undefined
}

/** Kinds of customer contacts: phones (kept in E.164) and e-mails (kept lower-cased). */
export const CUSTOMER_CONTACT_KINDS = ['phone', 'email'] as const
/** One of {@link CUSTOMER_CONTACT_KINDS}. */
export type CustomerContactKind = (typeof CUSTOMER_CONTACT_KINDS)[number]

/** Consent of one address: marketing (campaigns) and transactional (order and account messages). */
export interface ContactConsent {
  /** The customer opted in to marketing on this address. */
  marketing: boolean
  /** Order and account messages go to this address (true unless the customer refused them; codes they ask for always go). */
  transactional: boolean
}

/** A phone or e-mail of a customer, with its consent (kept by `shop.notify`, per address). */
export interface CustomerContact {
  kind: CustomerContactKind
  /** E.164 phone (`+79161234567`) or lower-cased e-mail. */
  value: string
  /** The customer's main contact of this kind. */
  primary: boolean
  consent: ContactConsent
  addedAt: Date
}

/** A customer as `shop.customers` returns it. */
export interface Customer {
  id: string
  name: string | null
  /** Phones and e-mails, primary first, then oldest first. */
  contacts: CustomerContact[]
  addresses: Address[]
  /** Customer groups (e.g. `wholesale`, `vip`): what carts pass as `customerGroups` for group prices. */
  groups: string[]
  /** Free labels for managers and segments. */
  tags: string[]
  /** IANA time zone (for quiet hours and "call back at"). */
  timeZone: string | null
  notes: string | null
  /** The customer's fixed manager: new orders go to them when the CRM assigns managers that way. */
  managerId: string | null
  /** When this customer was merged into another: the survivor's id. */
  mergedInto: string | null
  /** Grows with every change; pass it as `expectedVersion` to refuse stale edits. */
  version: number
  createdAt: Date
  updatedAt: Date
}

/** Consent to set, per channel (phones are `sms`); applies to every address of the customer on that channel. */
export interface CustomerConsentInput {
  sms?: { marketing?: boolean | undefined; transactional?: boolean | undefined } | undefined
  email?: { marketing?: boolean | undefined; transactional?: boolean | undefined } | undefined
}

/** Input of `shop.customers.create()`. */
export interface CreateCustomerInput {
  name?: string | undefined
  /** Any format libphonenumber reads; kept in E.164 (`cart.defaultCountry` for national numbers). The first is primary. */
  phones?: readonly string[] | undefined
  /** Kept lower-cased. The first is primary. */
  emails?: readonly string[] | undefined
  addresses?: readonly Address[] | undefined
  groups?: readonly string[] | undefined
  tags?: readonly string[] | undefined
  consent?: CustomerConsentInput | undefined
  timeZone?: string | undefined
  notes?: string | undefined
  managerId?: string | undefined
  /** Who: `manager:7`, `system`… @default 'system' */
  actor?: string | undefined
}

/** Input of `shop.customers.update()`: fields left out keep their value; `null` clears; lists replace the whole list. */
export interface UpdateCustomerInput {
  name?: string | null | undefined
  addresses?: readonly Address[] | undefined
  groups?: readonly string[] | undefined
  tags?: readonly string[] | undefined
  consent?: CustomerConsentInput | undefined
  timeZone?: string | null | undefined
  notes?: string | null | undefined
  managerId?: string | null | undefined
  /** Refuse the change with `CONFLICT` when the customer changed since this version. */
  expectedVersion?: number | undefined
  /** @default 'system' */
  actor?: string | undefined
}

/** A contact to look a customer up by, or to add or remove: exactly one of `phone` or `email`. */
export type CustomerContactRef = { phone: string; email?: undefined } | { email: string; phone?: undefined }

/** Options of `shop.customers.addContact()`. */
export interface AddContactOptions {
  /** Make it the main contact of its kind. @default true when the customer has none of that kind */
  primary?: boolean | undefined
  /** @default 'system' */
  actor?: string | undefined
}

/** Filter of `shop.customers.list()`. */
export interface ListCustomersInput {
  /** Part of a name, phone (any format; digits are matched) or e-mail. */
  query?: string | undefined
  group?: string | undefined
  tag?: string | undefined
  managerId?: string | undefined
  /** Include customers merged into others. @default false */
  includeMerged?: boolean | undefined
  /** @default 50 (at most 500) */
  limit?: number | undefined
  /** The `next` of the previous page. */
  after?: string | null | undefined
}

/** One page of customers, newest first. */
export interface CustomerPage {
  items: Customer[]
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null
}

/** What a merge moved from the customer merged away to the survivor. */
export interface CustomerMergeCounts {
  orders: number
  carts: number
  /** Loyalty ledger entries. */
  pointsEntries: number
  messages: number
  /** Consent records of the moved addresses. */
  consents: number
  calls: number
  notes: number
  tasks: number
  contacts: number
  addresses: number
  /** Groups and tags the survivor did not have yet. */
  labels: number
  /** Recorded promotion and coupon uses (per-customer limits count both customers' uses). */
  promotionUses: number
}

/** The result of `shop.customers.merge()`. */
export interface CustomerMergeResult {
  /** The id of the merge record. */
  mergeId: string
  /** The survivor, with everything merged in. */
  customer: Customer
  sourceId: string
  moved: CustomerMergeCounts
}

/** A merge as recorded. */
export interface CustomerMerge {
  id: string
  targetId: string
  sourceId: string
  actor: string
  moved: CustomerMergeCounts
  at: Date
}

/** An order in a customer's timeline. */
export interface TimelineOrder {
  id: string
  number: string
  status: string
  /** Minor units. */
  total: number
  currency: string
}

/**
 * One item of a customer's timeline: an order (when placed), a message
 * (when queued), a points entry (when recorded), or a call, note or task
 * (see {@link TimelineInteraction}).
 */
export type CustomerTimelineItem =
  | { kind: 'order'; at: Date; id: string; order: TimelineOrder }
  | { kind: 'message'; at: Date; id: string; message: Message }
  | { kind: 'points'; at: Date; id: string; entry: LoyaltyEntry }
  | TimelineInteraction

/** Every kind of {@link CustomerTimelineItem}. */
export const CUSTOMER_TIMELINE_KINDS = ['order', 'message', 'points', 'call', 'note', 'task'] as const

/** One page of a customer's timeline, newest first. */
export interface CustomerTimeline {
  items: CustomerTimelineItem[]
  /** Pass as `before` for the next page (items strictly older); null when there is nothing older. */
  nextBefore: Date | null
}
