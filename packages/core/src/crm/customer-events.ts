import type { CustomerMergeCounts } from './customer-types.js'

declare module '../events/domain-events.js' {
  interface DomainEventMap {
    /** A customer was created: by a manager or an integration (`source: 'manual'`), or from a guest order's contacts (`source: 'order'`). */
    'customer.created': { customerId: string; source: 'manual' | 'order'; orderId: string | null; actor: string }
    /** A customer's details changed (`changes` names the fields: `name`, `contacts`, `addresses`, `groups`, `tags`, `consent`, `timeZone`, `notes`, `managerId`, or `merged` when a duplicate was merged into it). */
    'customer.updated': { customerId: string; version: number; changes: string[]; actor: string }
    /** Two customers were merged: everything of `sourceId` moved to `targetId`; the source stays, emptied, with `mergedInto`. */
    'customer.merged': { targetId: string; sourceId: string; mergeId: string; actor: string; moved: CustomerMergeCounts }
    /** An order placed without a customer was attached to one by its phone or e-mail (`created`: the customer is new). */
    'customer.order_attached': { customerId: string; orderId: string; created: boolean }
  }
}

export {}
