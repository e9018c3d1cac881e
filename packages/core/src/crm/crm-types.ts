/** Directions of a call: the customer called in, or the shop called out. */
export const CALL_DIRECTIONS = ['in', 'out'] as const
/** One of {@link CALL_DIRECTIONS}. */
export type CallDirection = (typeof CALL_DIRECTIONS)[number]

/** Where a call in the CRM log came from. */
export const CRM_CALL_SOURCES = ['crm', 'order'] as const
/** One of {@link CRM_CALL_SOURCES}: `crm` for `shop.crm.logCall`, `order` for an order's confirmation call (`shop.orders.logCall`). */
export type CrmCallSource = (typeof CRM_CALL_SOURCES)[number]

/** A call with a customer in the CRM log. */
export interface CrmCall {
  id: string
  customerId: string
  /** The order the call was about, if any. */
  orderId: string | null
  direction: CallDirection
  managerId: string
  startedAt: Date
  durationSeconds: number
  /** `answered`, `no_answer`, `busy`, `confirmed`, `call_back_later`… (free text code, at most 64 characters). */
  outcome: string
  /** Link to the recording, kept by the telephony provider. */
  recordingUrl: string | null
  note: string | null
  source: CrmCallSource
}

/** Input of `shop.crm.logCall()`. */
export interface LogCrmCallInput {
  customerId: string
  /** The order the call was about; it must belong to the customer. */
  orderId?: string | undefined
  direction: CallDirection
  managerId: string
  startedAt: Date
  /** @default 0 */
  durationSeconds?: number | undefined
  outcome: string
  /** An `http(s)` link to the recording kept elsewhere. */
  recordingUrl?: string | undefined
  note?: string | undefined
}

/** A note about a customer. */
export interface CrmNote {
  id: string
  customerId: string
  orderId: string | null
  /** Who wrote it: `manager:7`… */
  author: string | null
  body: string
  createdAt: Date
}

/** Input of `shop.crm.addNote()`. */
export interface AddCrmNoteInput {
  customerId: string
  body: string
  author?: string | undefined
  /** The order the note is about; it must belong to the customer. */
  orderId?: string | undefined
}

/** Something to do about a customer, e.g. "call back at 15:00". */
export interface CrmTask {
  id: string
  customerId: string
  orderId: string | null
  title: string
  dueAt: Date
  /** The manager it is assigned to. */
  assignee: string | null
  doneAt: Date | null
  doneBy: string | null
  createdAt: Date
}

/** Input of `shop.crm.createTask()`. */
export interface CreateCrmTaskInput {
  customerId: string
  title: string
  dueAt: Date
  assignee?: string | undefined
  orderId?: string | undefined
}

/** Filter of `shop.crm.tasks()`; tasks come by due time, earliest first. */
export interface CrmTasksFilter {
  assignee?: string | undefined
  customerId?: string | undefined
  /** Only tasks due strictly before this instant (overdue: pass now). */
  dueBefore?: Date | undefined
  /** true: only open tasks; false: only done ones; omitted: both. */
  open?: boolean | undefined
  /** @default 100 (at most 500) */
  limit?: number | undefined
}

/**
 * One interaction in a customer's timeline, newest first: a call (at its
 * start), a note or a task (at its creation).
 */
export type TimelineInteraction =
  | { kind: 'call'; at: Date; id: string; call: CrmCall }
  | { kind: 'note'; at: Date; id: string; note: CrmNote }
  | { kind: 'task'; at: Date; id: string; task: CrmTask }

/** What `moveInteractions` moved from one customer to another. */
export interface MovedInteractions {
  calls: number
  notes: number
  tasks: number
}

/** An inclusive range; either end may be left open. */
export interface CrmRange {
  min?: number | undefined
  max?: number | undefined
}

/**
 * Which customers a segment holds: every condition given must hold (AND).
 * Orders in the `cancel` status group do not count. Stored as JSON, so
 * absolute dates are kept as ISO strings.
 *
 * @example
 * ```ts
 * // Bought shoes, spent at least 10 000 ₽, nothing for 90 days: win them back.
 * const filter: SegmentFilter = { categories: [shoes.id], spend: { min: 1_000_000 }, lastOrder: { olderThanDays: 90 } }
 * ```
 */
export interface SegmentFilter {
  /** Orders placed (not cancelled). */
  ordersCount?: CrmRange | undefined
  /** Σ order totals less refused goods, minor units. */
  spend?: CrmRange | undefined
  /** Bought at least one product in any of these categories (ids). */
  categories?: readonly string[] | undefined
  /** The last (not cancelled) order: within the last N days, more than N days ago, or between instants. */
  lastOrder?:
    | {
        withinDays?: number | undefined
        olderThanDays?: number | undefined
        after?: Date | string | undefined
        before?: Date | string | undefined
      }
    | undefined
  /** Active (spendable) loyalty points. */
  points?: CrmRange | undefined
  /** RFM scores from the last `crm.score-rfm` run (customers never scored do not match): each 1–5, or whole scores like 555. */
  rfm?: { recency?: CrmRange | undefined; frequency?: CrmRange | undefined; monetary?: CrmRange | undefined; scores?: readonly number[] | undefined } | undefined
  /** In any of these customer groups. */
  groups?: readonly string[] | undefined
  /** Has any of these customer tags. */
  tags?: readonly string[] | undefined
}

/** Input of `shop.crm.saveSegment()`: creates the segment or replaces the one with this code. */
export interface SaveSegmentInput {
  /** `[a-z0-9_-]`, at most 64 characters. */
  code: string
  name: string
  filter: SegmentFilter
}

/** A saved segment. */
export interface Segment {
  code: string
  name: string
  filter: SegmentFilter
  createdAt: Date
  updatedAt: Date
}

/** A customer in a segment, with the figures the filter looks at. */
export interface SegmentMember {
  customerId: string
  ordersCount: number
  spend: number
  lastOrderAt: Date | null
  points: number
  /** e.g. 545 (recency, frequency, monetary), or null when not scored. */
  rfmScore: number | null
}

/** A page of segment members, by customer id; pass `next` as `after` for the next page. */
export interface SegmentMembersPage {
  members: SegmentMember[]
  next: string | null
}

/** A customer's RFM scores. */
export interface RfmScore {
  customerId: string
  /** 5: among the most recent buyers. */
  recency: number
  /** 5: among those with the most orders. */
  frequency: number
  /** 5: among the biggest spenders. */
  monetary: number
  /** `recency*100 + frequency*10 + monetary`. */
  score: number
  ordersCount: number
  spend: number
  lastOrderAt: Date
  scoredAt: Date
}
