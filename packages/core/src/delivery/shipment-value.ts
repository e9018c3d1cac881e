import { allocate } from '../money/allocate.js'

/** Part of an order line going in one shipment. */
export interface LinePiece {
  line: { id: string; total: number }
  quantity: number
}

/**
 * Values every part of the order lines going out in shipments: each line's
 * total is allocated over all its parts at once (weights are the parts'
 * quantities), so the parts of a line add up to its total exactly. Valued one
 * by one, two equal halves of an odd total would each round up.
 */
export function valuePieces<P extends LinePiece>(pieces: readonly P[]): Map<P, number> {
  const byLine = new Map<string, P[]>()
  for (const piece of pieces) byLine.set(piece.line.id, [...(byLine.get(piece.line.id) ?? []), piece])
  const values = new Map<P, number>()
  for (const parts of byLine.values()) {
    const amounts = allocate(parts[0]!.line.total, parts.map((p) => p.quantity))
    parts.forEach((piece, i) => values.set(piece, amounts[i]!))
  }
  return values
}

/**
 * Unit prices for `quantity` units worth `value` together: one row when the
 * value divides evenly, otherwise the remainder rides on one unit of its own,
 * so Σ unitPrice × quantity is exactly `value`.
 */
export function unitPrices(value: number, quantity: number): { quantity: number; unitPrice: number }[] {
  const unit = Math.floor(value / quantity)
  const rest = value - unit * quantity
  if (rest === 0) return [{ quantity, unitPrice: unit }]
  return [...(quantity > 1 ? [{ quantity: quantity - 1, unitPrice: unit }] : []), { quantity: 1, unitPrice: unit + rest }]
}
