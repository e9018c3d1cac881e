import { z } from 'zod'

/** How `order.placed` picks the manager of a new order. */
export const MANAGER_ASSIGNMENT_STRATEGIES = ['round_robin', 'customer_manager_then_round_robin'] as const
/** One of {@link MANAGER_ASSIGNMENT_STRATEGIES}. */
export type ManagerAssignmentStrategy = (typeof MANAGER_ASSIGNMENT_STRATEGIES)[number]

/** A manager new orders may be assigned to. */
export interface CrmManager {
  /** The id stored on orders (`order.managerId`), e.g. the back-office user id. */
  id: string
  name: string
  /** Inactive managers keep their orders but get no new ones. @default true */
  active?: boolean | undefined
}

/**
 * The CRM: who new orders go to.
 *
 * @example
 * ```ts
 * crm: {
 *   managers: [{ id: 'anna', name: 'Anna' }, { id: 'boris', name: 'Boris' }, { id: 'vera', name: 'Vera', active: false }],
 *   assignment: 'customer_manager_then_round_robin',
 * }
 * ```
 */
export interface CrmConfig {
  /** Managers, in round-robin order. With none (or none active) orders stay unassigned. @default [] */
  managers?: readonly CrmManager[] | undefined
  /**
   * `round_robin`: each new order goes to the next active manager, fairly
   * across every process sharing the database; `customer_manager_then_round_robin`:
   * to the customer's own manager when they have an active one, else the next
   * in turn. @default 'round_robin'
   */
  assignment?: ManagerAssignmentStrategy | undefined
}

/** @internal The zod schema of {@link CrmConfig}. */
export const crmConfigSchema = z.strictObject({
  managers: z
    .array(z.strictObject({ id: z.string().trim().min(1).max(64), name: z.string().trim().min(1).max(255), active: z.boolean().optional() }))
    .max(1000)
    .refine((list) => new Set(list.map((m) => m.id)).size === list.length, 'manager ids must be unique')
    .optional(),
  assignment: z.enum(MANAGER_ASSIGNMENT_STRATEGIES).optional(),
})
