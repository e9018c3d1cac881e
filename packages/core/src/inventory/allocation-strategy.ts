import type { LocationType } from './inventory-types.js'

/** What a strategy is asked to allocate: one line of a reservation. */
export interface AllocationRequest {
  variantId: string
  /** Units to allocate (≥ 1). */
  quantity: number
  /** The region the order ships to, when known; candidates already serve it. */
  region: string | null
}

/** A location that could serve a line, with its stock of the line's variant. */
export interface LocationStock {
  locationId: string
  code: string
  type: LocationType
  pickup: boolean
  /** Lower is preferred. */
  priority: number
  leadTimeDays: number
  /** An unlimited supplier: it can take any quantity, whatever `available` says. */
  unlimited: boolean
  onHand: number
  reserved: number
  /** `onHand - reserved`, never below zero. */
  available: number
}

/** One part of a plan: take `quantity` units at `locationId`. */
export interface AllocationPlanItem {
  locationId: string
  quantity: number
}

/**
 * Where to take a line's units from. Quantities are positive and add up to the
 * requested quantity; a plan that adds up to less (an empty plan, typically)
 * means the line cannot be served: the reservation fails with `OUT_OF_STOCK`.
 */
export type AllocationPlan = readonly AllocationPlanItem[]

/**
 * Decides which locations serve a line. Pure: it sees the line and the active
 * locations serving the region (with their stock, read once for all lines) and
 * returns a plan. The engine then reserves each part with a conditional update;
 * when another process took the stock meanwhile, it re-reads and asks again
 * (up to three times).
 *
 * @example
 * ```ts
 * // Always the cheapest location to ship from, by your own table, whole or nothing.
 * const cheapestFirst: AllocationStrategy = (request, candidates) => {
 *   const able = candidates.filter((c) => c.unlimited || c.available >= request.quantity)
 *   const best = able.sort((a, b) => shippingCost(a.code) - shippingCost(b.code))[0]
 *   return best ? [{ locationId: best.locationId, quantity: request.quantity }] : []
 * }
 * ```
 */
export type AllocationStrategy = (request: AllocationRequest, candidates: readonly LocationStock[]) => AllocationPlan

const TYPE_RANK: Record<LocationType, number> = { warehouse: 0, showroom: 1, supplier: 2 }

/** Warehouses before showrooms before suppliers, then by priority, lead time and code. */
function preferred(a: LocationStock, b: LocationStock): number {
  return (
    TYPE_RANK[a.type] - TYPE_RANK[b.type] ||
    a.priority - b.priority ||
    a.leadTimeDays - b.leadTimeDays ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  )
}

/**
 * The default {@link AllocationStrategy}: one location that can serve the whole
 * line if there is one, else the fewest locations that together can; among
 * equal choices, warehouses before showrooms before suppliers, then lower
 * `priority`, shorter lead time, and code. Returns an empty plan when the
 * candidates together cannot serve the line.
 *
 * @example
 * ```ts
 * defaultAllocationStrategy({ variantId: 'v1', quantity: 5, region: null }, [
 *   { locationId: 'a', code: 'A', type: 'warehouse', available: 3, ... },
 *   { locationId: 'b', code: 'B', type: 'supplier', available: 9, ... },
 * ]) // → [{ locationId: 'b', quantity: 5 }]: one supplier beats two warehouses
 * ```
 */
export const defaultAllocationStrategy: AllocationStrategy = (request, candidates) => {
  const quantity = request.quantity
  const usable = candidates.filter((c) => c.unlimited || c.available > 0).sort(preferred)
  const whole = usable.find((c) => c.unlimited || c.available >= quantity)
  if (whole) return [{ locationId: whole.locationId, quantity }]

  // No single location can: none is unlimited, so every capacity is finite.
  const total = usable.reduce((sum, c) => sum + c.available, 0)
  if (total < quantity) return []

  // The fewest locations: the largest stocks first reach the quantity soonest.
  const bySize = usable.map((c) => c.available).sort((a, b) => b - a)
  let count = 0
  for (let covered = 0; covered < quantity; count++) covered += bySize[count]!

  // Among the sets of that size that cover the line, the most preferred one:
  // take each location in order of preference when the rest can still be
  // completed with the largest of the locations after it.
  const chosen: LocationStock[] = []
  let sum = 0
  for (let i = 0; i < usable.length && chosen.length < count; i++) {
    const candidate = usable[i]!
    const slots = count - chosen.length - 1
    const rest = usable
      .slice(i + 1)
      .map((c) => c.available)
      .sort((a, b) => b - a)
      .slice(0, slots)
      .reduce((s, n) => s + n, 0)
    if (sum + candidate.available + rest >= quantity) {
      chosen.push(candidate)
      sum += candidate.available
    }
  }

  const plan: AllocationPlanItem[] = []
  let left = quantity
  for (const c of chosen) {
    const take = Math.min(c.available, left)
    if (take > 0) plan.push({ locationId: c.locationId, quantity: take })
    left -= take
  }
  return plan
}
