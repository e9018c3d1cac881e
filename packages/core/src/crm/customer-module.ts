import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import { z } from 'zod'
import type { CartInternal } from '../cart/cart-module.js'
import type { Address } from '../cart/cart-types.js'
import { addressSchema, toE164 } from '../cart/contact-schema.js'
import { OrdoError } from '../errors.js'
import type { EventHandler } from '../events/event-handler.js'
import type { LoyaltyInternal } from '../loyalty/loyalty-module.js'
import type { NotifyInternal } from '../notify/notify-module.js'
import type { CampaignRecipient } from '../notify/notify-types.js'
import type { OrderInternal } from '../order/order-module.js'
import type { Order } from '../order/order-types.js'
import type { PromotionsInternal } from '../promotions/promotions-module.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { affected, isUniqueViolation } from '../storage/sql-helpers.js'
import { runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import { parseInput, parseKey, validationError, type InputIssue } from '../validation.js'
import './customer-events.js'
import type { CustomerContactTable, CustomerTable } from './customer-schema.js'
import type {
  AddContactOptions,
  CreateCustomerInput,
  Customer,
  CustomerConsentInput,
  CustomerContact,
  CustomerContactKind,
  CustomerContactRef,
  CustomerMerge,
  CustomerMergeCounts,
  CustomerMergeResult,
  CustomerPage,
  CustomerTimeline,
  CustomerTimelineItem,
  ListCustomersInput,
  UpdateCustomerInput,
} from './customer-types.js'
import { interactionsForTimeline, moveInteractions } from './interactions.js'
import { isTimeZone } from '../catalog/price-resolution.js'

export { customerMigrations, type CustomerTables } from './customer-schema.js'

/**
 * `shop.customers`: the shop's customers — name, phones and e-mails (each
 * unique across the shop), addresses, groups and tags, consent per address,
 * time zone, notes and a fixed manager; guest orders attach to a customer by
 * their phone or e-mail; duplicates merge with everything they own; one
 * timeline shows a customer's orders, messages, points, calls, notes and tasks.
 *
 * @example
 * ```ts
 * const anna = await shop.customers.create({ name: 'Анна', phones: ['8 916 123-45-67'], emails: ['Anna@Example.ru'], tags: ['vip'] })
 * await shop.customers.findByContact({ phone: '+7 (916) 123-45-67' }) // the same customer
 * const { items } = await shop.customers.timeline(anna.id, { limit: 20 })
 * await shop.customers.merge(anna.id, duplicate.id, { actor: 'manager:7' })
 * ```
 */
export interface CustomerApi {
  /** Creates a customer; `DUPLICATE` when a phone or e-mail already belongs to someone (`details` name it and its owner). */
  create(input: CreateCustomerInput): Promise<Customer>
  /** Changes a customer's details; lists (addresses, groups, tags) replace the old ones. `CONFLICT` on a stale `expectedVersion`. */
  update(customerId: string, input: UpdateCustomerInput): Promise<Customer>
  /** The customer, or undefined. A customer merged into another is still returned, with `mergedInto`. */
  get(customerId: string): Promise<Customer | undefined>
  /** The customer owning this phone (any format) or e-mail, or undefined. */
  findByContact(contact: CustomerContactRef): Promise<Customer | undefined>
  /** Customers newest first, a page at a time, filtered by text (name, phone, e-mail), group, tag or manager. */
  list(filter?: ListCustomersInput): Promise<CustomerPage>
  /** Adds a phone or e-mail; `DUPLICATE` when it belongs to another customer; adding one the customer has changes nothing (but `primary`). */
  addContact(customerId: string, contact: CustomerContactRef, options?: AddContactOptions): Promise<Customer>
  /** Removes a phone or e-mail (`NOT_FOUND` when the customer does not have it); the next oldest of its kind becomes primary. */
  removeContact(customerId: string, contact: CustomerContactRef, options?: { actor?: string | undefined }): Promise<Customer>
  /**
   * Merges the duplicate `sourceId` into `targetId` in one transaction: orders,
   * carts, loyalty points (entries, coupons, tier basis), messages and consent,
   * calls, notes and tasks, contacts, addresses, groups and tags move to the
   * target; the source stays with `mergedInto` set; the merge is recorded with
   * its actor and counts (`customer.merged`).
   */
  merge(targetId: string, sourceId: string, options: { actor: string }): Promise<CustomerMergeResult>
  /** The merges into a customer, newest first. */
  merges(customerId: string): Promise<CustomerMerge[]>
  /**
   * The customer's orders, messages, points entries, calls, notes and tasks
   * in one list, newest first: at most `limit` (default 50, at most 200)
   * strictly before `before`. Each source is read with the same bound. Pass
   * `nextBefore` as `before` for the next page: one instant is never split
   * across pages (a page is longer than `limit` only when more than `limit`
   * items share one millisecond).
   */
  timeline(customerId: string, options?: { limit?: number | undefined; before?: Date | undefined }): Promise<CustomerTimeline>
}

/** What other modules call on customers. */
export interface CustomerInternal {
  /** The customer with this id, or undefined. */
  get(db: Kysely<Database>, id: string): Promise<Customer | undefined>
  /** The contacts of these customers (with consent), by customer id; a customer without contacts is absent. One query per table. */
  contacts(db: Kysely<Database>, customerIds: readonly string[]): Promise<Map<string, CustomerContact[]>>
  /** The id of the customer owning this normalised contact (E.164 phone, lower-cased e-mail), or undefined. */
  ownerOf(db: Kysely<Database>, kind: CustomerContactKind, value: string): Promise<string | undefined>
  /**
   * The customer of an order: its own `customerId`, or — for a guest order —
   * the customer owning its phone (else e-mail), created from the order's
   * contacts when there is none, set on the order. Idempotent; null for an
   * order without contacts or that does not exist.
   */
  attachOrder(uow: UnitOfWork, orderId: string): Promise<string | null>
  /**
   * The customer of an order for handlers that may run before the guest order
   * is attached: its own `customerId`, else (when the shop attaches guest
   * orders) the customer who owns its phone or e-mail — the one it will be
   * attached to. Reads only: attaching stays with the attach handler, so two
   * handlers never race to create the same customer. Null for a guest whose
   * contacts nobody owns yet.
   */
  customerOfOrder(db: Kysely<Database>, order: Order): Promise<string | null>
  /** Whether the customer exists and was not merged away. */
  exists(db: Kysely<Database>, customerId: string): Promise<boolean>
  /** The customer's fixed manager, if any. */
  managerOf(db: Kysely<Database>, customerId: string): Promise<string | null>
  /** Campaign recipients of these customers (primary phone and e-mail, name, time zone), in two queries per 500. */
  recipients(db: Kysely<Database>, customerIds: readonly string[]): Promise<CampaignRecipient[]>
  /** A subquery of the ids of customers in any of `groups` and (when given too) with any of `tags`. */
  labelledQuery(db: Kysely<Database>, filter: { groups?: readonly string[]; tags?: readonly string[] }): SelectQueryBuilder<any, any, { customer_id: string }>
  /** A subquery of the ids of every customer not merged away: the population CRM segments select from. */
  idsQuery(db: Kysely<Database>): SelectQueryBuilder<any, any, { customer_id: string }>
}

interface CustomerDeps {
  orders: Pick<OrderInternal, 'get' | 'setCustomer' | 'moveCustomer' | 'forTimeline'>
  carts: Pick<CartInternal, 'moveCustomer'>
  loyalty: Pick<LoyaltyInternal, 'moveCustomer' | 'forTimeline'>
  notify: Pick<NotifyInternal, 'consents' | 'setConsent' | 'moveCustomer' | 'forTimeline'>
  promotions: Pick<PromotionsInternal, 'moveCustomerUsage'>
}

const MAX_NOTES = 10_000
const LIST_LIMIT = 50
const TIMELINE_LIMIT = 50
const CHUNK = 500

const actorSchema = z.string().trim().min(1).max(191)
const phoneInput = z.string().trim().min(1).max(40)
const emailInput = z.email().max(255)
const labelSchema = z.array(z.string().trim().min(1).max(100)).max(50)
const addressesSchema = z.array(addressSchema.unwrap()).max(20)
const channelConsent = z.strictObject({ marketing: z.boolean().optional(), transactional: z.boolean().optional() }).optional()
const consentSchema = z.strictObject({ sms: channelConsent, email: channelConsent }).optional()
const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, 'expected an IANA time zone such as Europe/Moscow')
const managerSchema = z.string().trim().min(1).max(64)
const createSchema = z.strictObject({
  name: z.string().trim().min(1).max(255).optional(),
  phones: z.array(phoneInput).max(20).optional(),
  emails: z.array(emailInput).max(20).optional(),
  addresses: addressesSchema.optional(),
  groups: labelSchema.optional(),
  tags: labelSchema.optional(),
  consent: consentSchema,
  timeZone: timeZoneSchema.optional(),
  notes: z.string().max(MAX_NOTES).optional(),
  managerId: managerSchema.optional(),
  actor: actorSchema.optional(),
})
const updateSchema = z.strictObject({
  name: z.string().trim().min(1).max(255).nullable().optional(),
  addresses: addressesSchema.optional(),
  groups: labelSchema.optional(),
  tags: labelSchema.optional(),
  consent: consentSchema,
  timeZone: timeZoneSchema.nullable().optional(),
  notes: z.string().max(MAX_NOTES).nullable().optional(),
  managerId: managerSchema.nullable().optional(),
  expectedVersion: z.number().int().min(1).optional(),
  actor: actorSchema.optional(),
})
const contactRefSchema = z.union([z.strictObject({ phone: phoneInput }), z.strictObject({ email: emailInput })])
const addContactOptionsSchema = z.strictObject({ primary: z.boolean().optional(), actor: actorSchema.optional() }).optional()
const listSchema = z
  .strictObject({
    query: z.string().trim().min(1).max(255).optional(),
    group: z.string().trim().min(1).max(100).optional(),
    tag: z.string().trim().min(1).max(100).optional(),
    managerId: managerSchema.optional(),
    includeMerged: z.boolean().optional(),
    limit: z.number().int().min(1).max(500).optional(),
    after: z.string().min(1).max(64).nullable().optional(),
  })
  .optional()
const mergeSchema = z.strictObject({ actor: actorSchema })
const timelineSchema = z.strictObject({ limit: z.number().int().min(1).max(200).optional(), before: z.date().optional() }).optional()

/** Creates the customers module: its API, the internal calls other modules make and the handler that attaches guest orders. */
export function createCustomerModule(runtime: Runtime, deps: CustomerDeps): { api: CustomerApi; internal: CustomerInternal; handlers: EventHandler<any>[] } {
  const defaultCountry = runtime.config.cart?.defaultCountry ?? 'RU'

  // ------------------------------------------------------------ reading

  function digits(value: string): string {
    return value.replace(/\D/g, '')
  }

  function searchText(name: string | null, contacts: readonly { kind: string; value: string }[]): string {
    const parts = [name?.toLowerCase() ?? '']
    for (const c of contacts) parts.push(c.value.toLowerCase(), ...(c.kind === 'phone' ? [digits(c.value)] : []))
    return parts.join(' ').slice(0, 2000)
  }

  async function contactRows(db: Kysely<Database>, customerIds: readonly string[]): Promise<CustomerContactTable[]> {
    const rows: CustomerContactTable[] = []
    for (let i = 0; i < customerIds.length; i += CHUNK) {
      rows.push(...(await db.selectFrom('ordo_customer_contact').selectAll().where('customer_id', 'in', customerIds.slice(i, i + CHUNK)).execute()))
    }
    // Primary first, then oldest first.
    rows.sort((a, b) => Number(b.is_primary) - Number(a.is_primary) || Number(a.created_at) - Number(b.created_at) || (a.id < b.id ? -1 : 1))
    return rows
  }

  async function contactsOf(db: Kysely<Database>, customerIds: readonly string[]): Promise<Map<string, CustomerContact[]>> {
    const rows = await contactRows(db, customerIds)
    const consents = await deps.notify.consents(
      db,
      rows.map((r) => r.value),
    )
    const byCustomer = new Map<string, CustomerContact[]>()
    for (const row of rows) {
      const consent = consents.get(row.value)
      const list = byCustomer.get(row.customer_id) ?? []
      list.push({
        kind: row.kind as CustomerContactKind,
        value: row.value,
        primary: Number(row.is_primary) === 1,
        consent: { marketing: consent?.marketing ?? false, transactional: consent?.transactional ?? true },
        addedAt: new Date(Number(row.created_at)),
      })
      byCustomer.set(row.customer_id, list)
    }
    return byCustomer
  }

  async function load(db: Kysely<Database>, rows: readonly CustomerTable[]): Promise<Customer[]> {
    if (rows.length === 0) return []
    const ids = rows.map((r) => r.id)
    const contacts = await contactsOf(db, ids)
    const labels = new Map<string, { groups: string[]; tags: string[] }>()
    for (let i = 0; i < ids.length; i += CHUNK) {
      const found = await db.selectFrom('ordo_customer_label').selectAll().where('customer_id', 'in', ids.slice(i, i + CHUNK)).orderBy('value').execute()
      for (const label of found) {
        const entry = labels.get(label.customer_id) ?? { groups: [], tags: [] }
        ;(label.kind === 'group' ? entry.groups : entry.tags).push(label.value)
        labels.set(label.customer_id, entry)
      }
    }
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      contacts: contacts.get(row.id) ?? [],
      addresses: JSON.parse(row.addresses) as Address[],
      groups: labels.get(row.id)?.groups ?? [],
      tags: labels.get(row.id)?.tags ?? [],
      timeZone: row.time_zone,
      notes: row.notes,
      managerId: row.manager_id,
      mergedInto: row.merged_into,
      version: Number(row.version),
      createdAt: new Date(Number(row.created_at)),
      updatedAt: new Date(Number(row.updated_at)),
    }))
  }

  async function getCustomer(db: Kysely<Database>, id: string): Promise<Customer | undefined> {
    const row = await db.selectFrom('ordo_customer').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? (await load(db, [row]))[0] : undefined
  }

  async function mustGet(db: Kysely<Database>, id: string): Promise<Customer> {
    const customer = await getCustomer(db, id)
    if (!customer) throw new OrdoError('NOT_FOUND', `No customer "${id}".`, { details: { customerId: id } })
    return customer
  }

  async function ownerOf(db: Kysely<Database>, kind: CustomerContactKind, value: string): Promise<string | undefined> {
    const row = await db.selectFrom('ordo_customer_contact').select('customer_id').where('kind', '=', kind).where('value', '=', value).executeTakeFirst()
    return row?.customer_id
  }

  /** Owners of these normalised contacts, keyed `kind:value`, in one query. */
  async function owners(db: Kysely<Database>, contacts: readonly { kind: CustomerContactKind; value: string }[]): Promise<Map<string, string>> {
    const found = new Map<string, string>()
    if (contacts.length === 0) return found
    const rows = await db
      .selectFrom('ordo_customer_contact')
      .select(['kind', 'value', 'customer_id'])
      .where((eb) => eb.or(contacts.map((c) => eb.and([eb('kind', '=', c.kind), eb('value', '=', c.value)]))))
      .execute()
    for (const row of rows) found.set(`${row.kind}:${row.value}`, row.customer_id)
    return found
  }

  // ------------------------------------------------------------ normalising input

  function normalisePhone(path: string, phone: string, issues: InputIssue[]): string | null {
    const e164 = toE164(phone, defaultCountry)
    if (e164 === null) issues.push({ path, message: `"${phone}" is not a valid phone number` })
    return e164
  }

  /** Normalised, de-duplicated contacts of an input; `VALIDATION` naming every invalid phone. */
  function normaliseContacts(command: string, phones: readonly string[], emails: readonly string[]): { kind: CustomerContactKind; value: string }[] {
    const issues: InputIssue[] = []
    const out: { kind: CustomerContactKind; value: string }[] = []
    const seen = new Set<string>()
    phones.forEach((phone, i) => {
      const value = normalisePhone(`phones.${i}`, phone, issues)
      if (value !== null && !seen.has(`phone:${value}`)) {
        seen.add(`phone:${value}`)
        out.push({ kind: 'phone', value })
      }
    })
    for (const email of emails) {
      const value = email.trim().toLowerCase()
      if (!seen.has(`email:${value}`)) {
        seen.add(`email:${value}`)
        out.push({ kind: 'email', value })
      }
    }
    if (issues.length > 0) throw validationError(command, issues)
    return out
  }

  function contactOfRef(command: string, ref: { phone?: string | undefined; email?: string | undefined }): { kind: CustomerContactKind; value: string } {
    if (ref.phone !== undefined) {
      const issues: InputIssue[] = []
      const value = normalisePhone('phone', ref.phone, issues)
      if (value === null) throw validationError(command, issues)
      return { kind: 'phone', value }
    }
    return { kind: 'email', value: ref.email!.trim().toLowerCase() }
  }

  function duplicate(command: string, contact: { kind: string; value: string }, owner: string): OrdoError {
    return new OrdoError('DUPLICATE', `${command}: the ${contact.kind === 'phone' ? 'phone' : 'e-mail'} ${contact.value} already belongs to customer "${owner}".`, {
      details: { key: contact.kind, value: contact.value, customerId: owner },
    })
  }

  /**
   * A write that lost a race: another request took one of these contacts between the check and the insert.
   * Reports it as `DUPLICATE` naming the owner, like the check would have; other errors pass through.
   */
  async function raceLost(command: string, error: unknown, contacts: readonly { kind: CustomerContactKind; value: string }[]): Promise<never> {
    if (!isUniqueViolation(error)) throw error
    const taken = await owners(runtime.db, contacts)
    for (const contact of contacts) {
      const owner = taken.get(`${contact.kind}:${contact.value}`)
      if (owner !== undefined) throw duplicate(command, contact, owner)
    }
    throw new OrdoError('DUPLICATE', `${command}: a contact was taken by another request at the same time; try again.`, {
      details: { contacts: contacts.map((c) => ({ key: c.kind, value: c.value })) },
    })
  }

  function notMerged(command: string, customer: { id: string; mergedInto: string | null }): void {
    if (customer.mergedInto !== null) {
      throw new OrdoError('NOT_ALLOWED_IN_STATE', `${command}: customer "${customer.id}" was merged into "${customer.mergedInto}"; change that one instead.`, {
        details: { customerId: customer.id, mergedInto: customer.mergedInto, state: 'merged', capability: 'edit' },
      })
    }
  }

  // ------------------------------------------------------------ writing

  async function insertContacts(uow: UnitOfWork, customerId: string, contacts: readonly { kind: CustomerContactKind; value: string; primary: boolean }[]): Promise<void> {
    if (contacts.length === 0) return
    const at = uow.now.getTime()
    await uow.db
      .insertInto('ordo_customer_contact')
      .values(contacts.map((c) => ({ id: newId(), customer_id: customerId, kind: c.kind, value: c.value, is_primary: c.primary ? 1 : 0, created_at: at })))
      .execute()
  }

  async function replaceLabels(uow: UnitOfWork, customerId: string, kind: 'group' | 'tag', values: readonly string[]): Promise<void> {
    await uow.db.deleteFrom('ordo_customer_label').where('customer_id', '=', customerId).where('kind', '=', kind).execute()
    const unique = [...new Set(values)]
    if (unique.length > 0) await uow.db.insertInto('ordo_customer_label').values(unique.map((value) => ({ customer_id: customerId, kind, value }))).execute()
  }

  async function applyConsent(uow: UnitOfWork, customerId: string, contacts: readonly { kind: string; value: string }[], consent: CustomerConsentInput | undefined): Promise<boolean> {
    if (!consent) return false
    let changed = false
    for (const contact of contacts) {
      const wanted = contact.kind === 'phone' ? consent.sms : consent.email
      if (!wanted || (wanted.marketing === undefined && wanted.transactional === undefined)) continue
      await deps.notify.setConsent(uow, {
        address: contact.value,
        channel: contact.kind === 'phone' ? 'sms' : 'email',
        customerId,
        marketing: wanted.marketing,
        transactional: wanted.transactional,
      })
      changed = true
    }
    return changed
  }

  /** Keeps exactly one primary contact per kind the customer has: the oldest, when none is marked. */
  async function ensurePrimaries(uow: UnitOfWork, customerId: string): Promise<void> {
    const rows = await contactRows(uow.db, [customerId])
    for (const kind of ['phone', 'email'] as const) {
      const ofKind = rows.filter((r) => r.kind === kind)
      if (ofKind.length === 0 || ofKind.some((r) => Number(r.is_primary) === 1)) continue
      const oldest = [...ofKind].sort((a, b) => Number(a.created_at) - Number(b.created_at) || (a.id < b.id ? -1 : 1))[0]!
      await uow.db.updateTable('ordo_customer_contact').set({ is_primary: 1 }).where('id', '=', oldest.id).execute()
    }
  }

  /** Bumps the version (with the optimistic check when given) and refreshes the search text; `CONFLICT` when stale. */
  async function touch(uow: UnitOfWork, row: CustomerTable, patch: Partial<CustomerTable>, expectedVersion?: number): Promise<number> {
    if (expectedVersion !== undefined && expectedVersion !== Number(row.version)) {
      throw new OrdoError('CONFLICT', `Customer "${row.id}" is at version ${row.version}, not ${expectedVersion}; reload it and try again.`, {
        details: { customerId: row.id, expectedVersion, version: Number(row.version) },
      })
    }
    const contacts = await contactRows(uow.db, [row.id])
    const version = Number(row.version) + 1
    const name = patch.name !== undefined ? patch.name : row.name
    const result = await uow.db
      .updateTable('ordo_customer')
      .set({ ...patch, search_text: searchText(name, contacts), version, updated_at: uow.now.getTime() })
      .where('id', '=', row.id)
      .where('version', '=', Number(row.version))
      .executeTakeFirst()
    if (affected(result) !== 1) {
      throw new OrdoError('CONFLICT', `Customer "${row.id}" was changed by another request; reload it and try again.`, { details: { customerId: row.id } })
    }
    return version
  }

  async function rowOf(uow: UnitOfWork, command: string, id: string): Promise<CustomerTable> {
    const row = await uow.db.selectFrom('ordo_customer').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw new OrdoError('NOT_FOUND', `${command}: no customer "${id}".`, { details: { customerId: id } })
    notMerged(command, { id: row.id, mergedInto: row.merged_into })
    return row
  }

  interface NewCustomer {
    name: string | null
    contacts: { kind: CustomerContactKind; value: string }[]
    addresses: readonly Address[]
    groups: readonly string[]
    tags: readonly string[]
    timeZone: string | null
    notes: string | null
    managerId: string | null
  }

  async function insertCustomer(uow: UnitOfWork, command: string, data: NewCustomer): Promise<string> {
    const taken = await owners(uow.db, data.contacts)
    for (const contact of data.contacts) {
      const owner = taken.get(`${contact.kind}:${contact.value}`)
      if (owner !== undefined) throw duplicate(command, contact, owner)
    }
    const id = newId()
    const at = uow.now.getTime()
    await uow.db
      .insertInto('ordo_customer')
      .values({
        id,
        name: data.name,
        addresses: JSON.stringify(data.addresses),
        time_zone: data.timeZone,
        notes: data.notes,
        manager_id: data.managerId,
        merged_into: null,
        search_text: searchText(data.name, data.contacts),
        version: 1,
        created_at: at,
        updated_at: at,
      })
      .execute()
    const firstOf = new Set<string>()
    await insertContacts(
      uow,
      id,
      data.contacts.map((c) => {
        const primary = !firstOf.has(c.kind)
        firstOf.add(c.kind)
        return { ...c, primary }
      }),
    )
    await replaceLabels(uow, id, 'group', data.groups)
    await replaceLabels(uow, id, 'tag', data.tags)
    return id
  }

  // ------------------------------------------------------------ guest orders

  function sameAddress(a: Address, b: Address): boolean {
    const key = (x: Address) => [x.country, x.region ?? '', x.city, x.postalCode ?? '', x.street ?? '', x.house ?? '', x.apartment ?? ''].join('|').toLowerCase()
    return key(a) === key(b)
  }

  /**
   * The customer's row read for update, following `merged_into` when a merge
   * committed meanwhile (its contacts were read before), so an order never
   * attaches to a customer merged away.
   */
  async function liveRow(uow: UnitOfWork, id: string): Promise<CustomerTable> {
    let current = id
    for (let hop = 0; hop < 10; hop++) {
      let query = uow.db.selectFrom('ordo_customer').selectAll().where('id', '=', current)
      // SQLite serialises writers; elsewhere the row lock orders this after a merge in flight.
      if (runtime.storage.capabilities.supportsSkipLocked) query = query.forUpdate()
      const row = await query.executeTakeFirstOrThrow()
      if (row.merged_into === null) return row
      current = row.merged_into
    }
    throw new OrdoError('INTERNAL', `Customer "${id}" is merged more than 10 times over.`, { details: { customerId: id } })
  }

  /** The customer an id stands for now, following `merged_into` (a read, no lock). */
  async function liveCustomerId(db: Kysely<Database>, id: string): Promise<string> {
    let current = id
    for (let hop = 0; hop < 10; hop++) {
      const row = await db.selectFrom('ordo_customer').select('merged_into').where('id', '=', current).executeTakeFirst()
      if (!row || row.merged_into === null) return current
      current = row.merged_into
    }
    return current
  }

  /** A guest order's contacts, normalised as customers keep them: the phone first (it is what the shop calls to confirm). */
  function orderContacts(order: Order): { kind: CustomerContactKind; value: string }[] {
    const phone = order.contact.phone === null ? null : toE164(order.contact.phone, defaultCountry)
    const email = order.contact.email === null ? null : order.contact.email.trim().toLowerCase()
    return [
      ...(phone === null ? [] : [{ kind: 'phone' as const, value: phone }]),
      ...(email === null || email === '' ? [] : [{ kind: 'email' as const, value: email }]),
    ]
  }

  async function attachOrder(uow: UnitOfWork, orderId: string): Promise<string | null> {
    const order = await deps.orders.get(uow.db, orderId)
    if (!order) return null
    if (order.customerId !== null) return followMerge(uow, orderId, order.customerId)
    const contacts = orderContacts(order)
    if (contacts.length === 0) return null
    const taken = await owners(uow.db, contacts)
    const existing = contacts.map((c) => taken.get(`${c.kind}:${c.value}`)).find((owner) => owner !== undefined)
    let customerId: string
    let created = false
    if (existing === undefined) {
      customerId = await insertCustomer(uow, 'customers.attachOrder', {
        name: order.contact.name,
        contacts,
        addresses: order.shippingAddress ? [order.shippingAddress] : [],
        groups: [],
        tags: [],
        timeZone: null,
        notes: null,
        managerId: null,
      })
      created = true
      uow.emit({ type: 'customer.created', aggregateId: customerId, data: { customerId, source: 'order', orderId, actor: 'system' } })
    } else {
      const row = await liveRow(uow, existing)
      customerId = row.id
      // What the guest typed that nobody owns yet becomes the customer's too; a contact owned by someone else stays theirs.
      const fresh = contacts.filter((c) => !taken.has(`${c.kind}:${c.value}`))
      const addresses = JSON.parse(row.addresses) as Address[]
      const newAddress = order.shippingAddress !== null && !addresses.some((a) => sameAddress(a, order.shippingAddress!)) && addresses.length < 20
      const changes: string[] = []
      if (fresh.length > 0) {
        const have = await contactRows(uow.db, [customerId])
        await insertContacts(
          uow,
          customerId,
          fresh.map((c) => ({ ...c, primary: !have.some((h) => h.kind === c.kind) })),
        )
        changes.push('contacts')
      }
      const patch: Partial<CustomerTable> = {}
      if (newAddress) {
        patch.addresses = JSON.stringify([...addresses, order.shippingAddress])
        changes.push('addresses')
      }
      if (row.name === null && order.contact.name) {
        patch.name = order.contact.name
        changes.push('name')
      }
      if (changes.length > 0) {
        const version = await touch(uow, row, patch)
        uow.emit({ type: 'customer.updated', aggregateId: customerId, data: { customerId, version, changes, actor: 'system' } })
      }
    }
    await deps.orders.setCustomer(uow, orderId, customerId)
    uow.emit({ type: 'customer.order_attached', aggregateId: customerId, data: { customerId, orderId, created } })
    return customerId
  }

  /**
   * An order placed for a customer merged away meanwhile (its cart was read
   * before the merge moved it, or a session kept the old id) joins the
   * customer they were merged into, with its promotion uses, as the merge
   * would have moved them. Returns the customer the order belongs to.
   */
  async function followMerge(uow: UnitOfWork, orderId: string, customerId: string): Promise<string> {
    const live = await liveCustomerId(uow.db, customerId)
    if (live === customerId) return customerId
    await deps.orders.moveCustomer(uow, customerId, live)
    await deps.carts.moveCustomer(uow, customerId, live)
    await deps.promotions.moveCustomerUsage(uow, customerId, live)
    uow.emit({ type: 'customer.order_attached', aggregateId: live, data: { customerId: live, orderId, created: false } })
    return live
  }

  const handlers: EventHandler<any>[] = [
    {
      id: 'customers.attach-guest-orders',
      events: ['order.placed'],
      handle: async (event, { uow }) => {
        if (event.data.customerId !== null) await followMerge(uow, event.data.orderId, event.data.customerId)
        else if (runtime.config.customers?.attachGuestOrders !== false) await attachOrder(uow, event.data.orderId)
      },
    } satisfies EventHandler<'order.placed'>,
  ]

  // ------------------------------------------------------------ timeline

  /** Every source's items strictly before `before`, each source bounded by `bound`. */
  async function timelineSources(db: Kysely<Database>, customerId: string, bound: number, before: Date | undefined): Promise<CustomerTimelineItem[][]> {
    const options = { before: before?.getTime() ?? null, limit: bound }
    const orders = await deps.orders.forTimeline(db, customerId, options)
    const messages = await deps.notify.forTimeline(db, customerId, options)
    const points = await deps.loyalty.forTimeline(db, customerId, options)
    // Calls, notes and tasks come as one list, bounded together.
    const interactions = await interactionsForTimeline(db, customerId, { before, limit: bound })
    return [
      orders.map((o) => ({ kind: 'order' as const, at: new Date(o.placedAt), id: o.id, order: { id: o.id, number: o.number, status: o.status, total: o.total, currency: o.currency } })),
      messages.map((m) => ({ kind: 'message' as const, at: m.createdAt, id: m.id, message: m })),
      points.map((e) => ({ kind: 'points' as const, at: e.createdAt, id: e.id, entry: e })),
      interactions,
    ]
  }

  async function timeline(db: Kysely<Database>, customerId: string, limit: number, before: Date | undefined): Promise<CustomerTimeline> {
    let bound = limit
    let all: CustomerTimelineItem[] = []
    let horizon = -Infinity
    let complete: CustomerTimelineItem[] = []
    for (;;) {
      const sources = await timelineSources(db, customerId, bound, before)
      // A source that came back full may hold more items at (or before) its oldest instant; newer than that, it is complete.
      horizon = -Infinity
      for (const list of sources) if (list.length >= bound) horizon = Math.max(horizon, list[list.length - 1]!.at.getTime())
      all = sources.flat()
      all.sort((x, y) => y.at.getTime() - x.at.getTime() || (x.id < y.id ? 1 : x.id > y.id ? -1 : 0))
      complete = all.filter((item) => item.at.getTime() > horizon)
      // Nothing complete: one instant holds a whole bound of one source; read further (a few times at most).
      if (complete.length > 0 || bound >= limit * 64) break
      bound *= 4
    }
    if (complete.length === 0) {
      const page = all.slice(0, limit)
      return { items: page, nextBefore: page.length === 0 ? null : page[page.length - 1]!.at }
    }
    if (complete.length <= limit) {
      // Everything newer than the horizon fits; the items at the horizon itself come on the next page.
      return { items: complete, nextBefore: horizon === -Infinity ? null : new Date(horizon + 1) }
    }
    const page = complete.slice(0, limit)
    const last = page[page.length - 1]!.at.getTime()
    if (complete[limit]!.at.getTime() !== last) return { items: page, nextBefore: new Date(last) }
    // Never split one instant across pages (the next page starts strictly before it).
    const earlier = page.filter((item) => item.at.getTime() !== last)
    if (earlier.length > 0) return { items: earlier, nextBefore: new Date(last + 1) }
    // More than `limit` items share this instant: they all come in this page.
    return { items: complete.filter((item) => item.at.getTime() === last), nextBefore: new Date(last) }
  }

  // ------------------------------------------------------------ merge

  async function merge(uow: UnitOfWork, targetId: string, sourceId: string, actor: string): Promise<CustomerMergeResult> {
    const command = 'customers.merge'
    // Both rows locked in one order (by id), each only while it is not merged: two merges never cross.
    for (const id of [targetId, sourceId].sort()) {
      const result = await uow.db
        .updateTable('ordo_customer')
        .set((eb) => ({ version: eb('version', '+', 1), updated_at: uow.now.getTime() }))
        .where('id', '=', id)
        .where('merged_into', 'is', null)
        .executeTakeFirst()
      if (affected(result) !== 1) {
        const row = await uow.db.selectFrom('ordo_customer').select(['id', 'merged_into']).where('id', '=', id).executeTakeFirst()
        if (!row) throw new OrdoError('NOT_FOUND', `${command}: no customer "${id}".`, { details: { customerId: id } })
        notMerged(command, { id: row.id, mergedInto: row.merged_into })
      }
    }
    const target = (await uow.db.selectFrom('ordo_customer').selectAll().where('id', '=', targetId).executeTakeFirstOrThrow()) as CustomerTable
    const source = (await uow.db.selectFrom('ordo_customer').selectAll().where('id', '=', sourceId).executeTakeFirstOrThrow()) as CustomerTable

    // Contacts: the target keeps its primaries; consent stays with each address.
    const contacts = await uow.db
      .updateTable('ordo_customer_contact')
      .set({ customer_id: targetId, is_primary: 0 })
      .where('customer_id', '=', sourceId)
      .executeTakeFirst()
    await ensurePrimaries(uow, targetId)

    // Groups and tags: the union.
    const sourceLabels = await uow.db.selectFrom('ordo_customer_label').selectAll().where('customer_id', '=', sourceId).execute()
    const targetLabels = new Set((await uow.db.selectFrom('ordo_customer_label').selectAll().where('customer_id', '=', targetId).execute()).map((l) => `${l.kind}:${l.value}`))
    const addLabels = sourceLabels.filter((l) => !targetLabels.has(`${l.kind}:${l.value}`)).map((l) => ({ customer_id: targetId, kind: l.kind, value: l.value }))
    if (addLabels.length > 0) await uow.db.insertInto('ordo_customer_label').values(addLabels).execute()
    await uow.db.deleteFrom('ordo_customer_label').where('customer_id', '=', sourceId).execute()

    const targetAddresses = JSON.parse(target.addresses) as Address[]
    const newAddresses = (JSON.parse(source.addresses) as Address[]).filter((a) => !targetAddresses.some((t) => sameAddress(t, a)))

    const orders = await deps.orders.moveCustomer(uow, sourceId, targetId)
    const carts = await deps.carts.moveCustomer(uow, sourceId, targetId)
    const pointsEntries = await deps.loyalty.moveCustomer(uow, sourceId, targetId)
    const notify = await deps.notify.moveCustomer(uow, sourceId, targetId)
    const interactions = await moveInteractions(uow, sourceId, targetId)
    const promotionUses = await deps.promotions.moveCustomerUsage(uow, sourceId, targetId)

    const moved: CustomerMergeCounts = {
      orders,
      carts,
      pointsEntries,
      messages: notify.messages,
      consents: notify.consents,
      calls: interactions.calls,
      notes: interactions.notes,
      tasks: interactions.tasks,
      contacts: affected(contacts),
      addresses: newAddresses.length,
      labels: addLabels.length,
      promotionUses,
    }
    const notes = [target.notes, source.notes].filter((n): n is string => n !== null && n !== '').join('\n\n')
    const version = await touch(uow, target, {
      name: target.name ?? source.name,
      addresses: JSON.stringify([...targetAddresses, ...newAddresses]),
      time_zone: target.time_zone ?? source.time_zone,
      notes: notes === '' ? null : notes.slice(0, MAX_NOTES),
      manager_id: target.manager_id ?? source.manager_id,
    })
    await touch(uow, source, { merged_into: targetId })
    const mergeId = newId()
    await uow.db
      .insertInto('ordo_customer_merge')
      .values({ id: mergeId, target_id: targetId, source_id: sourceId, actor, moved: JSON.stringify(moved), created_at: uow.now.getTime() })
      .execute()
    uow.emit({ type: 'customer.merged', aggregateId: targetId, data: { targetId, sourceId, mergeId, actor, moved } })
    uow.emit({ type: 'customer.updated', aggregateId: targetId, data: { customerId: targetId, version, changes: ['merged'], actor } })
    return { mergeId, customer: await mustGet(uow.db, targetId), sourceId, moved }
  }

  // ------------------------------------------------------------ api

  const api: CustomerApi = {
    async create(input) {
      const command = 'customers.create'
      const data = parseInput(command, createSchema, input)
      const contacts = normaliseContacts(command, data.phones ?? [], data.emails ?? [])
      const actor = data.actor ?? 'system'
      return runInTransaction(runtime, async (uow) => {
        const id = await insertCustomer(uow, command, {
          name: data.name ?? null,
          contacts,
          addresses: data.addresses ?? [],
          groups: data.groups ?? [],
          tags: data.tags ?? [],
          timeZone: data.timeZone ?? null,
          notes: data.notes ?? null,
          managerId: data.managerId ?? null,
        })
        await applyConsent(uow, id, contacts, data.consent)
        uow.emit({ type: 'customer.created', aggregateId: id, data: { customerId: id, source: 'manual', orderId: null, actor } })
        return mustGet(uow.db, id)
      }).catch((error: unknown) => raceLost(command, error, contacts))
    },

    async update(customerId, input) {
      const command = 'customers.update'
      const id = parseKey(command, customerId)
      const data = parseInput(command, updateSchema, input)
      return runInTransaction(runtime, async (uow) => {
        const row = await rowOf(uow, command, id)
        const patch: Partial<CustomerTable> = {}
        const changes: string[] = []
        if (data.name !== undefined) patch.name = data.name
        if (data.addresses !== undefined) patch.addresses = JSON.stringify(data.addresses)
        if (data.timeZone !== undefined) patch.time_zone = data.timeZone
        if (data.notes !== undefined) patch.notes = data.notes
        if (data.managerId !== undefined) patch.manager_id = data.managerId
        if (data.groups !== undefined) await replaceLabels(uow, id, 'group', data.groups)
        if (data.tags !== undefined) await replaceLabels(uow, id, 'tag', data.tags)
        for (const field of ['name', 'addresses', 'groups', 'tags', 'timeZone', 'notes', 'managerId'] as const) if (data[field] !== undefined) changes.push(field)
        if (data.consent !== undefined) {
          const contacts = await contactRows(uow.db, [id])
          if (await applyConsent(uow, id, contacts, data.consent)) changes.push('consent')
        }
        const version = await touch(uow, row, patch, data.expectedVersion)
        uow.emit({ type: 'customer.updated', aggregateId: id, data: { customerId: id, version, changes, actor: data.actor ?? 'system' } })
        return mustGet(uow.db, id)
      })
    },

    async get(customerId) {
      return getCustomer(runtime.db, parseKey('customers.get', customerId))
    },

    async findByContact(contact) {
      const command = 'customers.findByContact'
      const ref = contactOfRef(command, parseInput(command, contactRefSchema, contact))
      const owner = await ownerOf(runtime.db, ref.kind, ref.value)
      return owner === undefined ? undefined : getCustomer(runtime.db, owner)
    },

    async list(filter) {
      const f = parseInput('customers.list', listSchema, filter) ?? {}
      const limit = f.limit ?? LIST_LIMIT
      let query = runtime.db.selectFrom('ordo_customer').selectAll().orderBy('id', 'desc').limit(limit + 1)
      if (!f.includeMerged) query = query.where('merged_into', 'is', null)
      if (f.after) query = query.where('id', '<', f.after)
      if (f.managerId) query = query.where('manager_id', '=', f.managerId)
      for (const [kind, value] of [
        ['group', f.group],
        ['tag', f.tag],
      ] as const) {
        if (value === undefined) continue
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom('ordo_customer_label as l')
              .select('l.customer_id')
              .whereRef('l.customer_id', '=', 'ordo_customer.id')
              .where('l.kind', '=', kind)
              .where('l.value', '=', value),
          ),
        )
      }
      if (f.query !== undefined) {
        const text = f.query.toLowerCase()
        const phoneLike = /^[+\d\s()\-.]+$/.test(text) && digits(text).length >= 3
        const needle = phoneLike ? digits(toE164(text, defaultCountry) ?? text) : text
        const pattern = `%${needle.replace(/[!%_]/g, (c) => `!${c}`)}%`
        query = query.where(sql<boolean>`search_text like ${pattern} escape '!'`)
      }
      const rows = await query.execute()
      const page = rows.slice(0, limit)
      return { items: await load(runtime.db, page), next: rows.length > limit ? page[page.length - 1]!.id : null }
    },

    async addContact(customerId, contact, options) {
      const command = 'customers.addContact'
      const id = parseKey(command, customerId)
      const ref = contactOfRef(command, parseInput(command, contactRefSchema, contact))
      const opts = parseInput(command, addContactOptionsSchema, options) ?? {}
      return runInTransaction(runtime, async (uow) => {
        const row = await rowOf(uow, command, id)
        const owner = await ownerOf(uow.db, ref.kind, ref.value)
        if (owner !== undefined && owner !== id) throw duplicate(command, ref, owner)
        const have = (await contactRows(uow.db, [id])).filter((c) => c.kind === ref.kind)
        const current = have.find((c) => c.value === ref.value)
        const primary = opts.primary ?? (current ? Number(current.is_primary) === 1 : have.length === 0)
        if (current && (Number(current.is_primary) === 1) === primary) return mustGet(uow.db, id)
        if (primary) await uow.db.updateTable('ordo_customer_contact').set({ is_primary: 0 }).where('customer_id', '=', id).where('kind', '=', ref.kind).execute()
        if (current) await uow.db.updateTable('ordo_customer_contact').set({ is_primary: primary ? 1 : 0 }).where('id', '=', current.id).execute()
        else await insertContacts(uow, id, [{ ...ref, primary }])
        await ensurePrimaries(uow, id)
        const version = await touch(uow, row, {})
        uow.emit({ type: 'customer.updated', aggregateId: id, data: { customerId: id, version, changes: ['contacts'], actor: opts.actor ?? 'system' } })
        return mustGet(uow.db, id)
      }).catch(async (error: unknown) => {
        // The same contact added to this customer by a request running alongside: it is there, as asked.
        if (isUniqueViolation(error) && (await ownerOf(runtime.db, ref.kind, ref.value)) === id) return mustGet(runtime.db, id)
        return raceLost(command, error, [ref])
      })
    },

    async removeContact(customerId, contact, options) {
      const command = 'customers.removeContact'
      const id = parseKey(command, customerId)
      const ref = contactOfRef(command, parseInput(command, contactRefSchema, contact))
      const opts = parseInput(command, z.strictObject({ actor: actorSchema.optional() }).optional(), options) ?? {}
      return runInTransaction(runtime, async (uow) => {
        const row = await rowOf(uow, command, id)
        const removed = await uow.db.deleteFrom('ordo_customer_contact').where('customer_id', '=', id).where('kind', '=', ref.kind).where('value', '=', ref.value).executeTakeFirst()
        if (affected(removed) !== 1) {
          throw new OrdoError('NOT_FOUND', `${command}: customer "${id}" has no ${ref.kind} ${ref.value}.`, { details: { customerId: id, key: ref.kind, value: ref.value } })
        }
        await ensurePrimaries(uow, id)
        const version = await touch(uow, row, {})
        uow.emit({ type: 'customer.updated', aggregateId: id, data: { customerId: id, version, changes: ['contacts'], actor: opts.actor ?? 'system' } })
        return mustGet(uow.db, id)
      })
    },

    async merge(targetId, sourceId, options) {
      const command = 'customers.merge'
      const target = parseKey(command, targetId)
      const source = parseKey(command, sourceId)
      const { actor } = parseInput(command, mergeSchema, options)
      if (target === source) throw validationError(command, [{ path: 'sourceId', message: 'a customer cannot be merged into itself' }])
      return runInTransaction(runtime, (uow) => merge(uow, target, source, actor))
    },

    async merges(customerId) {
      const id = parseKey('customers.merges', customerId)
      const rows = await runtime.db.selectFrom('ordo_customer_merge').selectAll().where('target_id', '=', id).orderBy('created_at', 'desc').orderBy('id', 'desc').execute()
      return rows.map((r) => ({ id: r.id, targetId: r.target_id, sourceId: r.source_id, actor: r.actor, moved: JSON.parse(r.moved) as CustomerMergeCounts, at: new Date(Number(r.created_at)) }))
    },

    async timeline(customerId, options) {
      const command = 'customers.timeline'
      const id = parseKey(command, customerId)
      const opts = parseInput(command, timelineSchema, options) ?? {}
      const exists = await runtime.db.selectFrom('ordo_customer').select('id').where('id', '=', id).executeTakeFirst()
      if (!exists) throw new OrdoError('NOT_FOUND', `${command}: no customer "${id}".`, { details: { customerId: id } })
      return timeline(runtime.db, id, opts.limit ?? TIMELINE_LIMIT, opts.before)
    },
  }

  const internal: CustomerInternal = {
    get: getCustomer,
    contacts: contactsOf,
    ownerOf,
    attachOrder,
    async customerOfOrder(db, order) {
      if (order.customerId !== null || runtime.config.customers?.attachGuestOrders === false) return order.customerId
      const contacts = orderContacts(order)
      if (contacts.length === 0) return null
      const taken = await owners(db, contacts)
      const existing = contacts.map((c) => taken.get(`${c.kind}:${c.value}`)).find((owner) => owner !== undefined)
      return existing === undefined ? null : (await liveCustomerId(db, existing))
    },
    async exists(db, customerId) {
      const row = await db.selectFrom('ordo_customer').select('id').where('id', '=', customerId).where('merged_into', 'is', null).executeTakeFirst()
      return row !== undefined
    },
    async managerOf(db, customerId) {
      const row = await db.selectFrom('ordo_customer').select('manager_id').where('id', '=', customerId).executeTakeFirst()
      return row?.manager_id ?? null
    },
    async recipients(db, customerIds) {
      const out: CampaignRecipient[] = []
      for (let i = 0; i < customerIds.length; i += CHUNK) {
        const ids = customerIds.slice(i, i + CHUNK)
        const rows = await db.selectFrom('ordo_customer').select(['id', 'name', 'time_zone']).where('id', 'in', ids).execute()
        const contacts = await db.selectFrom('ordo_customer_contact').select(['customer_id', 'kind', 'value']).where('customer_id', 'in', ids).where('is_primary', '=', 1).execute()
        const byId = new Map(rows.map((r) => [r.id, r]))
        const contactsOf = new Map<string, typeof contacts>()
        for (const c of contacts) contactsOf.set(c.customer_id, [...(contactsOf.get(c.customer_id) ?? []), c])
        for (const id of ids) {
          const row = byId.get(id)
          const recipient: CampaignRecipient = { customerId: id }
          if (row?.name) recipient.name = row.name
          if (row?.time_zone) recipient.timeZone = row.time_zone
          for (const c of contactsOf.get(id) ?? []) {
            if (c.kind === 'phone') recipient.phone = c.value
            else recipient.email = c.value
          }
          out.push(recipient)
        }
      }
      return out
    },
    labelledQuery(db, filter) {
      const kinds: ['group' | 'tag', readonly string[]][] = []
      if (filter.groups && filter.groups.length > 0) kinds.push(['group', filter.groups])
      if (filter.tags && filter.tags.length > 0) kinds.push(['tag', filter.tags])
      if (kinds.length === 0) return db.selectFrom('ordo_customer_label').select('customer_id').where(sql<boolean>`1 = 0`)
      return db
        .selectFrom('ordo_customer_label')
        .select('customer_id')
        .where((eb) => eb.or(kinds.map(([kind, values]) => eb.and([eb('kind', '=', kind), eb('value', 'in', [...values])]))))
        .groupBy('customer_id')
        .having((eb) => eb.fn.count('kind').distinct(), '=', kinds.length)
    },
    idsQuery(db) {
      return db.selectFrom('ordo_customer').select('id as customer_id').where('merged_into', 'is', null)
    },
  }

  return { api, internal, handlers }
}
