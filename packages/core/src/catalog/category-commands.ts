import type { Kysely } from 'kysely'
import { OrdoError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { runInTransaction } from '../unit-of-work.js'
import { parseInput } from '../validation.js'
import { z } from 'zod'
import { createCategoryInputSchema, updateCategoryInputSchema, type CreateCategoryInput, type UpdateCategoryInput } from './catalog-inputs.js'
import { pathIds, toCategory } from './catalog-rows.js'
import { containsPattern, likeEscaped } from './catalog-sql.js'
import type { Category, CategoryNode } from './catalog-types.js'
import { bumpRevision } from '../storage/revisions.js'

const idSchema = z.string().min(1).max(36)

/** Category commands and the tree query. */
export function createCategoryCommands(runtime: Runtime) {
  return {
    async createCategory(input: CreateCategoryInput): Promise<Category> {
      const data = parseInput('createCategory', createCategoryInputSchema, input)
      return runInTransaction(runtime, async (uow) => {
        await assertSlugFree(uow.db, data.slug)
        // The child's path is derived from the parent's: hold the parent still while deriving it.
        if (data.parentId && runtime.storage.capabilities.concurrentWriters) {
          await uow.db.selectFrom('ordo_category').select('id').where('id', '=', data.parentId).forUpdate().execute()
        }
        const parent = data.parentId ? await loadCategoryRow(uow.db, data.parentId, 'parentId') : undefined
        const id = newId()
        const now = uow.now.getTime()
        const row = {
          id,
          slug: data.slug,
          name: data.name,
          description: data.description ?? null,
          parent_id: parent?.id ?? null,
          path: `${parent?.path ?? '/'}${id}/`,
          position: data.position ?? 0,
          created_at: now,
          updated_at: now,
        }
        await bumpRevision(uow.db, 'catalog')
        await uow.db.insertInto('ordo_category').values(row).execute()
        uow.emit({ type: 'category.changed', aggregateId: id, data: { categoryId: id, slug: row.slug, parentId: row.parent_id, created: true } })
        return toCategory(row)
      })
    },

    async updateCategory(id: string, input: UpdateCategoryInput): Promise<Category> {
      parseInput('updateCategory', idSchema, id)
      const data = parseInput('updateCategory', updateCategoryInputSchema, input)
      return runInTransaction(runtime, async (uow) => {
        if (data.parentId !== undefined && runtime.storage.capabilities.concurrentWriters) {
          // Two moves at once could each pass the cycle check and make a loop together; moves are
          // rare, so they lock the whole (small) tree and run one at a time.
          await uow.db.selectFrom('ordo_category').select('id').forUpdate().execute()
        }
        const current = await loadCategoryRow(uow.db, id, 'id')
        if (data.slug !== undefined && data.slug !== current.slug) await assertSlugFree(uow.db, data.slug)
        let parentId = current.parent_id
        let path = current.path
        if (data.parentId !== undefined && data.parentId !== current.parent_id) {
          const parent = data.parentId === null ? undefined : await loadCategoryRow(uow.db, data.parentId, 'parentId')
          if (parent && pathIds(parent.path).includes(id)) {
            const message =
              parent.id === id
                ? `Category "${current.slug}" cannot be its own parent.`
                : `Category "${current.slug}" cannot move under "${parent.slug}", which is one of its own descendants.`
            throw new OrdoError('VALIDATION', `Invalid input to updateCategory: parentId: ${message}`, {
              details: { command: 'updateCategory', issues: [{ path: 'parentId', message }], categoryId: id, parentId: parent.id },
            })
          }
          parentId = parent?.id ?? null
          path = `${parent?.path ?? '/'}${id}/`
          // The subtree moves with it: rewrite each descendant's path prefix.
          const descendants = await uow.db
            .selectFrom('ordo_category')
            .select(['id', 'path'])
            .where(likeEscaped('path', `${containsPattern(current.path).slice(1)}`))
            .where('id', '!=', id)
            .execute()
          for (const d of descendants) {
            await uow.db
              .updateTable('ordo_category')
              .set({ path: path + d.path.slice(current.path.length) })
              .where('id', '=', d.id)
              .execute()
          }
        }
        const next = {
          ...current,
          slug: data.slug ?? current.slug,
          name: data.name ?? current.name,
          description: data.description === undefined ? current.description : data.description,
          parent_id: parentId,
          path,
          position: data.position ?? current.position,
          updated_at: uow.now.getTime(),
        }
        await bumpRevision(uow.db, 'catalog')
        await uow.db
          .updateTable('ordo_category')
          .set({
            slug: next.slug,
            name: next.name,
            description: next.description,
            parent_id: next.parent_id,
            path: next.path,
            position: next.position,
            updated_at: next.updated_at,
          })
          .where('id', '=', id)
          .execute()
        uow.emit({ type: 'category.changed', aggregateId: id, data: { categoryId: id, slug: next.slug, parentId: next.parent_id, created: false } })
        return toCategory(next)
      })
    },

    async categoryTree(): Promise<CategoryNode[]> {
      const rows = await runtime.db.selectFrom('ordo_category').selectAll().execute()
      const nodes = new Map<string, CategoryNode>()
      for (const row of rows) {
        const { ancestorIds: _ancestors, ...category } = toCategory(row)
        nodes.set(row.id, { ...category, children: [] })
      }
      const roots: CategoryNode[] = []
      for (const node of nodes.values()) {
        const parent = node.parentId ? nodes.get(node.parentId) : undefined
        if (parent) parent.children.push(node)
        else roots.push(node)
      }
      const sort = (list: CategoryNode[]) => {
        list.sort((a, b) => a.position - b.position || a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1))
        for (const node of list) sort(node.children)
      }
      sort(roots)
      return roots
    },
  }
}

/** The category row with this id, or NOT_FOUND naming the input field. */
export async function loadCategoryRow(db: Kysely<Database>, id: string, field: string) {
  const row = await db.selectFrom('ordo_category').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw new OrdoError('NOT_FOUND', `No category with id "${id}" (${field}).`, { details: { categoryId: id, field } })
  return { ...row, position: Number(row.position), created_at: Number(row.created_at), updated_at: Number(row.updated_at) }
}

async function assertSlugFree(db: Kysely<Database>, slug: string): Promise<void> {
  const taken = await db.selectFrom('ordo_category').select('id').where('slug', '=', slug).executeTakeFirst()
  if (taken) throw new OrdoError('DUPLICATE', `A category with slug "${slug}" already exists (${taken.id}).`, { details: { slug, categoryId: taken.id } })
}

/** Ids of the category and every category under it (their paths contain its id). */
export async function categoryAndDescendantIds(db: Kysely<Database>, id: string): Promise<string[]> {
  const rows = await db
    .selectFrom('ordo_category')
    .select('id')
    .where(likeEscaped('path', containsPattern(`/${id}/`)))
    .execute()
  return rows.map((r) => r.id)
}
