import { OrdoError } from '../errors.js'
import type { CurrencyCode } from '../money/currency.js'
import type { Runtime } from '../runtime.js'
import { newId } from '../storage/ids.js'
import { runInTransaction } from '../unit-of-work.js'
import { parseInput, parseKey } from '../validation.js'
import {
  createSupplierInputSchema,
  linkSupplierVariantInputSchema,
  type CreateSupplierInput,
  type LinkSupplierVariantInput,
} from './catalog-inputs.js'
import { toSupplier } from './catalog-rows.js'
import { upsertRows } from './catalog-sql.js'
import type { Supplier, SupplierOffer } from './catalog-types.js'

/** Supplier commands and queries. */
export function createSupplierCommands(runtime: Runtime) {
  return {
    async createSupplier(input: CreateSupplierInput): Promise<Supplier> {
      const data = parseInput('createSupplier', createSupplierInputSchema, input)
      return runInTransaction(runtime, async (uow) => {
        const now = uow.now.getTime()
        const row = {
          id: newId(),
          name: data.name,
          tax_id: data.taxId ?? null,
          lead_time_days: data.leadTimeDays,
          currency: data.currency ?? (runtime.currency as CurrencyCode),
          minimum_order: data.minimumOrder ?? null,
          active: data.active === false ? 0 : 1,
          created_at: now,
          updated_at: now,
        }
        await uow.db.insertInto('ordo_supplier').values(row).execute()
        uow.emit({ type: 'supplier.created', aggregateId: row.id, data: { supplierId: row.id, name: row.name } })
        return toSupplier(row)
      })
    },

    async suppliers(): Promise<Supplier[]> {
      const rows = await runtime.db.selectFrom('ordo_supplier').selectAll().orderBy('name').orderBy('id').execute()
      return rows.map(toSupplier)
    },

    async linkSupplierVariant(input: LinkSupplierVariantInput): Promise<SupplierOffer> {
      const data = parseInput('linkSupplierVariant', linkSupplierVariantInputSchema, input)
      return runInTransaction(runtime, async (uow) => {
        const supplier = await uow.db.selectFrom('ordo_supplier').selectAll().where('id', '=', data.supplierId).executeTakeFirst()
        if (!supplier) throw new OrdoError('NOT_FOUND', `No supplier with id "${data.supplierId}".`, { details: { supplierId: data.supplierId } })
        const variant = await uow.db.selectFrom('ordo_variant').select('id').where('id', '=', data.variantId).executeTakeFirst()
        if (!variant) throw new OrdoError('NOT_FOUND', `No variant with id "${data.variantId}".`, { details: { variantId: data.variantId } })
        const now = uow.now.getTime()
        const current = await uow.db
          .selectFrom('ordo_supplier_variant')
          .select('created_at')
          .where('supplier_id', '=', data.supplierId)
          .where('variant_id', '=', data.variantId)
          .executeTakeFirst()
        const row = {
          supplier_id: data.supplierId,
          variant_id: data.variantId,
          supplier_sku: data.supplierSku ?? null,
          cost: data.cost ?? null,
          created_at: current ? Number(current.created_at) : now,
          updated_at: now,
        }
        await upsertRows(uow.db, runtime.storage.capabilities, 'ordo_supplier_variant', [row], ['supplier_id', 'variant_id'], ['supplier_sku', 'cost', 'updated_at'])
        return { supplier: toSupplier(supplier), variantId: row.variant_id, supplierSku: row.supplier_sku, cost: row.cost }
      })
    },

    async suppliersFor(variantId: string): Promise<SupplierOffer[]> {
      parseKey('catalog.suppliersFor', variantId)
      const rows = await runtime.db
        .selectFrom('ordo_supplier_variant as sv')
        .innerJoin('ordo_supplier as s', 's.id', 'sv.supplier_id')
        .selectAll('s')
        .select(['sv.variant_id', 'sv.supplier_sku', 'sv.cost'])
        .where('sv.variant_id', '=', variantId)
        .execute()
      return rows
        .map((r) => ({
          supplier: toSupplier(r),
          variantId: r.variant_id,
          supplierSku: r.supplier_sku,
          cost: r.cost === null ? null : Number(r.cost),
        }))
        .sort(
          (a, b) =>
            a.supplier.leadTimeDays - b.supplier.leadTimeDays ||
            (a.cost ?? Number.MAX_SAFE_INTEGER) - (b.cost ?? Number.MAX_SAFE_INTEGER) ||
            (a.supplier.id < b.supplier.id ? -1 : 1),
        )
    },
  }
}
