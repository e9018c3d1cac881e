import type { Kysely, Selectable } from 'kysely'
import { z } from 'zod'
import { OrdoError } from '../errors.js'
import { isCurrencyCode, type CurrencyCode } from '../money/currency.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { runInTransaction } from '../unit-of-work.js'
import { parseInput, parseKey } from '../validation.js'
import {
  priceContextInputSchema,
  setPricesInputSchema,
  upsertPriceListInputSchema,
  type PriceContextInput,
  type SetPriceInput,
  type UpsertPriceListInput,
} from './catalog-inputs.js'
import { resolveVariantPrices } from './catalog-internal.js'
import { baseListCode, baseListCurrency, toPriceList } from './catalog-rows.js'
import type { PriceListTable } from './catalog-schema.js'
import { IN_CHUNK, upsertRows } from './catalog-sql.js'
import type { PriceContext, PriceList, PriceResolution, VariantPrice } from './catalog-types.js'
import { isTimeZone, toCandidates, toInstant } from './price-resolution.js'
import { bumpRevision } from '../storage/revisions.js'

/** Price list commands, prices and resolution. */
export function createPriceListCommands(runtime: Runtime) {
  return {
    async upsertPriceList(input: UpsertPriceListInput): Promise<PriceList> {
      const data = parseInput('upsertPriceList', upsertPriceListInputSchema, input)
      if (baseListCurrency(data.code) !== undefined || data.code.startsWith('base-')) {
        throw invalid('upsertPriceList', 'code', `"${data.code}": codes starting with "base-" are reserved for the base lists, which the engine creates with setPrices`)
      }
      if (data.timeZone != null && !isTimeZone(data.timeZone)) {
        throw invalid('upsertPriceList', 'timeZone', `"${data.timeZone}" is not an IANA time zone (e.g. "Europe/Moscow")`)
      }
      return runInTransaction(runtime, async (uow) => {
        const now = uow.now.getTime()
        const existing = await uow.db.selectFrom('ordo_price_list').selectAll().where('code', '=', data.code).executeTakeFirst()
        const before = existing ? toPriceList(existing) : undefined
        const timeZone = data.timeZone !== undefined ? data.timeZone : (before?.timeZone ?? null)
        const bound = (value: Date | string | null | undefined, previous: Date | null | undefined, end: boolean, field: string) =>
          value === undefined ? (previous?.getTime() ?? null) : value === null ? null : toInstant(value, timeZone, end, field)
        const validFrom = bound(data.validFrom, before?.validFrom, false, 'validFrom')
        const validTo = bound(data.validTo, before?.validTo, true, 'validTo')
        if (validFrom !== null && validTo !== null && validFrom > validTo) {
          throw invalid('upsertPriceList', 'validTo', `the window ends (${new Date(validTo).toISOString()}) before it starts (${new Date(validFrom).toISOString()})`)
        }
        if (before && before.currency !== data.currency) {
          const priced = await uow.db.selectFrom('ordo_price').select('variant_id').where('price_list_id', '=', before.id).limit(1).executeTakeFirst()
          if (priced) throw invalid('upsertPriceList', 'currency', `price list "${data.code}" has prices in ${before.currency}; its currency cannot change`)
        }
        const row: PriceListTable = {
          id: before?.id ?? newId(),
          code: data.code,
          name: data.name,
          currency: data.currency,
          priority: data.priority,
          regions: JSON.stringify(unique(data.regions ?? before?.regions ?? [])),
          channels: JSON.stringify(unique(data.channels ?? before?.channels ?? [])),
          customer_groups: JSON.stringify(unique(data.customerGroups ?? before?.customerGroups ?? [])),
          valid_from: validFrom,
          valid_to: validTo,
          time_zone: timeZone,
          active: (data.active ?? before?.active ?? true) ? 1 : 0,
          is_base: 0,
          created_at: before?.createdAt.getTime() ?? now,
          updated_at: now,
        }
        await bumpRevision(uow.db, 'catalog')
        if (before) {
          const { id: _id, created_at: _created, ...changes } = row
          await uow.db.updateTable('ordo_price_list').set(changes).where('id', '=', row.id).execute()
        } else {
          await uow.db.insertInto('ordo_price_list').values(row).execute()
        }
        uow.emit({
          type: 'price_list.changed',
          aggregateId: row.id,
          data: { priceListId: row.id, code: row.code, currency: row.currency, change: 'upserted', variantIds: [] },
        })
        return toPriceList(row)
      })
    },

    async priceLists(): Promise<PriceList[]> {
      const rows = await runtime.db
        .selectFrom('ordo_price_list')
        .selectAll()
        .orderBy('is_base', 'desc')
        .orderBy('currency')
        .orderBy('priority', 'desc')
        .orderBy('code')
        .execute()
      return rows.map(toPriceList)
    },

    async setPrices(entries: readonly SetPriceInput[]): Promise<VariantPrice[]> {
      const data = parseInput('setPrices', setPricesInputSchema, entries)
      return runInTransaction(runtime, async (uow) => {
        const now = uow.now.getTime()
        const lists = await priceListsByKey(uow.db, {
          codes: data.flatMap((e) => (e.priceListCode ? [e.priceListCode] : [])),
          ids: data.flatMap((e) => (e.priceListId ? [e.priceListId] : [])),
          createBase: true,
          capabilities: runtime.storage.capabilities,
          now,
        })
        const variants = await variantsByKey(uow.db, {
          skus: data.flatMap((e) => (e.sku ? [e.sku] : [])),
          ids: data.flatMap((e) => (e.variantId ? [e.variantId] : [])),
        })
        const missingLists = unique(data.flatMap((e) => (lists.get(e.priceListCode ?? e.priceListId!) ? [] : [e.priceListCode ?? e.priceListId!])))
        if (missingLists.length > 0) {
          throw new OrdoError('NOT_FOUND', `setPrices: no price list ${missingLists.map((k) => `"${k}"`).join(', ')}; create it with upsertPriceList (base lists are "base-<CUR>").`, {
            details: { priceLists: missingLists },
          })
        }
        const missingVariants = unique(data.flatMap((e) => (variants.get(e.sku ?? e.variantId!) ? [] : [e.sku ?? e.variantId!])))
        if (missingVariants.length > 0) {
          throw new OrdoError('NOT_FOUND', `setPrices: no variant ${missingVariants.map((k) => `"${k}"`).join(', ')}.`, { details: { variants: missingVariants } })
        }
        const seen = new Map<string, number>()
        const out: VariantPrice[] = []
        const rows = data.map((entry, index) => {
          const list = lists.get(entry.priceListCode ?? entry.priceListId!)!
          const variant = variants.get(entry.sku ?? entry.variantId!)!
          const key = `${list.id}:${variant.id}`
          const first = seen.get(key)
          if (first !== undefined) {
            throw invalid('setPrices', `${index}`, `repeats the price of "${variant.sku}" in "${list.code}" (entry ${first})`)
          }
          seen.set(key, index)
          out.push({
            priceListId: list.id,
            priceListCode: list.code,
            variantId: variant.id,
            sku: variant.sku,
            amount: entry.amount,
            compareAt: entry.compareAt ?? null,
            currency: list.currency as CurrencyCode,
          })
          return { price_list_id: list.id, variant_id: variant.id, amount: entry.amount, compare_at: entry.compareAt ?? null, updated_at: now }
        })
        await bumpRevision(uow.db, 'catalog')
        await upsertRows(uow.db, runtime.storage.capabilities, 'ordo_price', rows, ['price_list_id', 'variant_id'], ['amount', 'compare_at', 'updated_at'])
        const byList = new Map<string, string[]>()
        for (const p of out) byList.set(p.priceListId, [...(byList.get(p.priceListId) ?? []), p.variantId])
        for (const [listId, variantIds] of byList) {
          const list = [...lists.values()].find((l) => l.id === listId)!
          uow.emit({
            type: 'price_list.changed',
            aggregateId: listId,
            data: { priceListId: listId, code: list.code, currency: list.currency, change: 'prices', variantIds: unique(variantIds) },
          })
        }
        return out
      })
    },

    async pricesOf(variantIdOrSku: string): Promise<VariantPrice[]> {
      parseKey('catalog.pricesOf', variantIdOrSku)
      const rows = await runtime.db
        .selectFrom('ordo_price as pr')
        .innerJoin('ordo_price_list as pl', 'pl.id', 'pr.price_list_id')
        .innerJoin('ordo_variant as v', 'v.id', 'pr.variant_id')
        .select(['pr.price_list_id', 'pl.code', 'pl.currency', 'pl.priority', 'pr.variant_id', 'v.sku', 'pr.amount', 'pr.compare_at'])
        .where((eb) => eb.or([eb('v.id', '=', variantIdOrSku), eb('v.sku', '=', variantIdOrSku)]))
        .orderBy('pl.currency')
        .orderBy('pl.priority', 'desc')
        .orderBy('pl.code')
        .execute()
      return rows.map((r) => ({
        priceListId: r.price_list_id,
        priceListCode: r.code,
        variantId: r.variant_id,
        sku: r.sku,
        amount: Number(r.amount),
        compareAt: r.compare_at === null ? null : Number(r.compare_at),
        currency: r.currency as CurrencyCode,
      }))
    },

    async resolvePrices(variantIdsOrSkus: readonly string[], contextInput: PriceContextInput): Promise<PriceResolution[]> {
      const keys = parseInput('resolvePrices', variantKeysSchema, variantIdsOrSkus)
      const parsed = parseInput('resolvePrices', priceContextInputSchema, contextInput)
      const context: PriceContext = {
        currency: parsed.currency,
        region: parsed.region ?? null,
        channel: parsed.channel ?? null,
        customerGroups: parsed.customerGroups ?? [],
        at: parsed.at ?? runtime.clock.now(),
      }
      const variants = await variantsByKey(runtime.db, { skus: keys, ids: keys })
      const missing = unique(keys.filter((k) => !variants.has(k)))
      if (missing.length > 0) {
        throw new OrdoError('NOT_FOUND', `resolvePrices: no variant with id or SKU ${missing.map((k) => `"${k}"`).join(', ')}.`, { details: { variants: missing } })
      }
      const decisions = await resolveVariantPrices(runtime.db, unique(keys.map((k) => variants.get(k)!.id)), context)
      return keys.map((key) => {
        const variant = variants.get(key)!
        const decision = decisions.get(variant.id)
        if (!decision) {
          return {
            variantId: variant.id,
            sku: variant.sku,
            currency: context.currency,
            amount: null,
            compareAt: null,
            priceList: null,
            explanation: `No active price list in ${context.currency} with a price for "${variant.sku}" applies${describeContext(context)}`,
            candidates: [],
          }
        }
        const { list } = decision.winner
        return {
          variantId: variant.id,
          sku: variant.sku,
          currency: context.currency,
          amount: decision.winner.amount,
          compareAt: decision.winner.compareAt,
          priceList: { id: list.id, code: list.code, name: list.name, priority: list.priority },
          explanation: decision.explanation,
          candidates: toCandidates(decision.ranked),
        }
      })
    },
  }
}

const variantKeysSchema = z.array(z.string().min(1).max(191)).max(10_000)

function describeContext(context: PriceContext): string {
  const parts = [
    context.region ? `region ${context.region}` : null,
    context.channel ? `channel ${context.channel}` : null,
    context.customerGroups && context.customerGroups.length > 0 ? `customer groups ${context.customerGroups.join(', ')}` : null,
  ].filter(Boolean)
  return ` (${[...parts, `at ${context.at.toISOString()}`].join(', ')})`
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)]
}

function invalid(command: string, path: string, message: string): OrdoError {
  return new OrdoError('VALIDATION', `Invalid input to ${command}: ${path}: ${message}`, { details: { command, issues: [{ path, message }] } })
}

/**
 * Price lists by code and by id (both keys in one map). With `createBase`,
 * missing `base-<CUR>` codes of known currencies are created first.
 */
export async function priceListsByKey(
  db: Kysely<Database>,
  options: { codes: readonly string[]; ids: readonly string[]; createBase: boolean; capabilities: Runtime['storage']['capabilities']; now: number },
): Promise<Map<string, Selectable<PriceListTable>>> {
  const codes = unique(options.codes)
  const ids = unique(options.ids)
  const load = async () => {
    const out = new Map<string, Selectable<PriceListTable>>()
    if (codes.length === 0 && ids.length === 0) return out
    const rows = await db
      .selectFrom('ordo_price_list')
      .selectAll()
      .where((eb) => eb.or([...(codes.length ? [eb('code', 'in', codes)] : []), ...(ids.length ? [eb('id', 'in', ids)] : [])]))
      .execute()
    for (const row of rows) {
      out.set(row.code, row)
      out.set(row.id, row)
    }
    return out
  }
  let lists = await load()
  if (options.createBase) {
    const missingBase = codes.filter((c) => !lists.has(c) && isCurrencyCode(baseListCurrency(c)))
    if (missingBase.length > 0) {
      await ensureBaseLists(db, options.capabilities, missingBase.map((c) => baseListCurrency(c) as CurrencyCode), options.now)
      lists = await load()
    }
  }
  return lists
}

/** Creates the base lists of `currencies` that do not exist yet (safe against a concurrent creation). */
export async function ensureBaseLists(db: Kysely<Database>, capabilities: Runtime['storage']['capabilities'], currencies: readonly CurrencyCode[], now: number): Promise<void> {
  const rows: PriceListTable[] = unique(currencies).map((currency) => ({
    id: newId(),
    code: baseListCode(currency),
    name: `Base ${currency}`,
    currency,
    priority: 0,
    regions: '[]',
    channels: '[]',
    customer_groups: '[]',
    valid_from: null,
    valid_to: null,
    time_zone: null,
    active: 1,
    is_base: 1,
    created_at: now,
    updated_at: now,
  }))
  await upsertRows(db, capabilities, 'ordo_price_list', rows, ['code'], [])
}

/** Variants (id and SKU) by SKU and by id, both keys in one map. */
export async function variantsByKey(db: Kysely<Database>, keys: { skus: readonly string[]; ids: readonly string[] }): Promise<Map<string, { id: string; sku: string }>> {
  const out = new Map<string, { id: string; sku: string }>()
  const skus = unique(keys.skus)
  const ids = unique(keys.ids)
  for (let i = 0; i < Math.max(skus.length, ids.length); i += IN_CHUNK) {
    const s = skus.slice(i, i + IN_CHUNK)
    const d = ids.slice(i, i + IN_CHUNK)
    const rows = await db
      .selectFrom('ordo_variant')
      .select(['id', 'sku'])
      .where((eb) => eb.or([...(s.length ? [eb('sku', 'in', s)] : []), ...(d.length ? [eb('id', 'in', d)] : [])]))
      .execute()
    for (const row of rows) {
      out.set(row.sku, row)
      out.set(row.id, row)
    }
  }
  return out
}

