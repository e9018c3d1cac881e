import type { CallDirection, CrmCallSource } from './crm-types.js'

declare module '../events/domain-events.js' {
  interface DomainEventMap {
    /** A call with a customer was logged (`source: 'order'`: an order's confirmation call, mirrored into the CRM log). */
    'crm.call_logged': { callId: string; customerId: string; orderId: string | null; managerId: string; direction: CallDirection; outcome: string; source: CrmCallSource }
    /** A note about a customer was added. */
    'crm.note_added': { noteId: string; customerId: string; orderId: string | null; author: string | null }
    /** A task about a customer was created ("call back at" `dueAt`). */
    'crm.task_created': { taskId: string; customerId: string; orderId: string | null; assignee: string | null; title: string; dueAt: string }
    /** A task was done. */
    'crm.task_completed': { taskId: string; customerId: string; orderId: string | null; assignee: string | null; doneBy: string; doneAt: string }
  }
}

export {}
