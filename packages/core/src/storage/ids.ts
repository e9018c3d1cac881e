import { uuidv7 } from 'uuidv7'

/**
 * A new time-sortable unique id (UUIDv7). Ids created later sort later, which
 * keeps primary-key indexes compact and makes keyset pagination by id follow
 * creation order.
 */
export function newId(): string {
  return uuidv7()
}
