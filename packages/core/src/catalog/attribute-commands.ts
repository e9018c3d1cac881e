import { OrdoError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import { runInTransaction } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import { defineAttributeInputSchema, type DefineAttributeInput } from './catalog-inputs.js'
import { toAttribute } from './catalog-rows.js'
import type { AttributeDefinition } from './catalog-types.js'

/** Attribute definition commands and queries. */
export function createAttributeCommands(runtime: Runtime) {
  return {
    async defineAttribute(input: DefineAttributeInput): Promise<AttributeDefinition> {
      const data = parseInput('defineAttribute', defineAttributeInputSchema, input)
      return runInTransaction(runtime, async (uow) => {
        const now = uow.now.getTime()
        const existing = await uow.db.selectFrom('ordo_attribute').selectAll().where('code', '=', data.code).executeTakeFirst()
        const options = data.type === 'option' ? (data.options ?? []) : []
        const row = {
          code: data.code,
          name: data.name,
          type: data.type,
          unit: data.type === 'number' ? (data.unit ?? null) : null,
          options: JSON.stringify(options),
          filterable: data.filterable === false ? 0 : data.filterable === true ? 1 : existing ? Number(existing.filterable) : 0,
          created_at: existing ? Number(existing.created_at) : now,
          updated_at: now,
        }
        if (existing) {
          const before = toAttribute(existing)
          if (before.type !== data.type) {
            const used = await uow.db.selectFrom('ordo_attribute_value').select('variant_id').where('attribute_code', '=', data.code).limit(1).executeTakeFirst()
            if (used) refuse(data.code, `its type cannot change from ${before.type} to ${data.type} while variants have values for it`)
          } else if (data.type === 'option') {
            const removed = before.options.filter((o) => !options.includes(o))
            if (removed.length > 0) {
              const used = await uow.db
                .selectFrom('ordo_attribute_value')
                .select('value_text')
                .where('attribute_code', '=', data.code)
                .where('value_text', 'in', removed)
                .limit(1)
                .executeTakeFirst()
              if (used) refuse(data.code, `option "${used.value_text}" cannot be removed while variants use it`)
            }
          }
          await uow.db
            .updateTable('ordo_attribute')
            .set({ name: row.name, type: row.type, unit: row.unit, options: row.options, filterable: row.filterable, updated_at: now })
            .where('code', '=', data.code)
            .execute()
        } else {
          await uow.db.insertInto('ordo_attribute').values(row).execute()
        }
        uow.emit({ type: 'attribute.defined', aggregateId: null, data: { code: data.code, type: data.type, created: !existing } })
        return toAttribute(row)
      })
    },

    async attributes(): Promise<AttributeDefinition[]> {
      const rows = await runtime.db.selectFrom('ordo_attribute').selectAll().orderBy('code').execute()
      return rows.map(toAttribute)
    },
  }
}

function refuse(code: string, problem: string): never {
  const message = `attribute "${code}": ${problem}`
  throw new OrdoError('VALIDATION', `Invalid input to defineAttribute: ${message}`, {
    details: { command: 'defineAttribute', issues: [{ path: 'type', message }], code },
  })
}
