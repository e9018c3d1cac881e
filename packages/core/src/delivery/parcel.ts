import { OrdoError } from '../errors.js'
import type { Parcel, PickupPoint } from './courier.js'

/** A box the warehouse packs into. */
export interface PackagingBox {
  /** Stable code of the box (`S`, `M`, `box-40`). */
  code: string
  /** Outer dimensions, centimetres (the carrier measures the outside). */
  lengthCm: number
  widthCm: number
  heightCm: number
  /** Box weight. */
  weightGrams: number
  /** Heaviest a packed box may be, box included, grams. */
  maxWeightGrams: number
}

/**
 * How the warehouse packs an order: the boxes it has and what to assume for
 * variants without a weight or dimensions.
 *
 * @example
 * ```ts
 * const packaging: PackagingRule = {
 *   boxes: [
 *     { code: 'S', lengthCm: 20, widthCm: 15, heightCm: 10, weightGrams: 80, maxWeightGrams: 5_000 },
 *     { code: 'L', lengthCm: 60, widthCm: 40, heightCm: 40, weightGrams: 600, maxWeightGrams: 30_000 },
 *   ],
 *   defaultItemWeightGrams: 400,
 * }
 * ```
 */
export interface PackagingRule {
  /** Boxes the warehouse packs into, any order. @default one 40×30×20 cm box of 300 g taking 30 kg */
  boxes?: PackagingBox[]
  /** Weight assumed for an item whose variant has none. @default 500 */
  defaultItemWeightGrams?: number
  /** Dimensions assumed for an item without any, mm. @default 300×200×100 */
  defaultItemDimensionsMm?: { lengthMm: number; widthMm: number; heightMm: number }
}

/** One order line as packing sees it: weight and dimensions of one unit (null when the variant has none), and how many. */
export interface ParcelItem {
  /** Weight of one unit, grams; null: the rule's default. */
  weightGrams: number | null
  /** Dimensions of one unit, millimetres; null: the rule's default. */
  dimensions: { lengthMm: number; widthMm: number; heightMm: number } | null
  /** Units of the line; 0 packs nothing. */
  quantity: number
}

/** The box used when a packaging rule names none: 40×30×20 cm, 300 g, takes 30 kg. */
export const DEFAULT_PACKAGING_BOX: Readonly<PackagingBox> = Object.freeze({
  code: 'default',
  lengthCm: 40,
  widthCm: 30,
  heightCm: 20,
  weightGrams: 300,
  maxWeightGrams: 30_000,
})
/** Weight assumed for an item without one when the rule does not say, grams. */
export const DEFAULT_ITEM_WEIGHT_GRAMS = 500
/** Dimensions assumed for an item without any when the rule does not say, millimetres. */
export const DEFAULT_ITEM_DIMENSIONS_MM: Readonly<{ lengthMm: number; widthMm: number; heightMm: number }> = Object.freeze({
  lengthMm: 300,
  widthMm: 200,
  heightMm: 100,
})

/** Space left around the goods in a box: their volume plus this share must fit the box's volume. */
const FILL_ALLOWANCE = 0.2

/** One parcel with what went into it, as {@link packItems} returns it. */
export interface PackedParcel<T extends ParcelItem = ParcelItem> {
  parcel: Parcel
  /** The box's code; null when the parcel is a single item too big for every box, shipped in its own packaging. */
  boxCode: string | null
  /** Units of each item in this parcel (`index` into the packed items), in item order. */
  contents: { item: T; index: number; quantity: number }[]
}

/**
 * Packs items into parcels: the smallest box whose volume (with a 20 % fill allowance) and longest side fit, splitting into several boxes by weight and volume when one is not enough (greedy, heaviest first). Weight includes the box.
 *
 * "Fits" compares each unit's sorted dimensions with the box's sorted
 * dimensions, so a long item needs a long box. A unit heavier than any box
 * takes goes alone in the smallest box it fits (that parcel is over the box's
 * limit); a unit too big for every box ships alone in its own packaging, with
 * its own dimensions rounded up to whole centimetres and its own weight.
 *
 * @throws {OrdoError} `VALIDATION` for a negative or non-integer quantity, a negative weight, non-positive dimensions or an empty box list.
 * @example
 * ```ts
 * buildParcels([{ weightGrams: 1200, dimensions: { lengthMm: 300, widthMm: 200, heightMm: 100 }, quantity: 2 }])
 * // → [{ weightGrams: 2700, lengthCm: 40, widthCm: 30, heightCm: 20 }]
 * ```
 */
export function buildParcels(items: ParcelItem[], rule?: PackagingRule): Parcel[] {
  return packItems(items, rule).map((p) => p.parcel)
}

/**
 * What {@link buildParcels} does, keeping which units went into which parcel
 * and box (a shipment lists the items of each parcel).
 *
 * @throws {OrdoError} `VALIDATION` as {@link buildParcels}.
 * @example
 * ```ts
 * for (const { parcel, boxCode, contents } of packItems(lines, packaging)) {
 *   console.log(boxCode, parcel.weightGrams, contents.map((c) => `${c.index}×${c.quantity}`))
 * }
 * ```
 */
export function packItems<T extends ParcelItem>(items: T[], rule: PackagingRule = {}): PackedParcel<T>[] {
  const boxes = checkRule(rule)
    .map((box) => ({ box, dims: sortDesc([box.lengthCm * 10, box.widthCm * 10, box.heightCm * 10]) }))
    .map((b) => ({ ...b, volume: b.dims[0] * b.dims[1] * b.dims[2] }))
    .sort((a, b) => a.volume - b.volume || a.box.weightGrams - b.box.weightGrams || a.box.maxWeightGrams - b.box.maxWeightGrams)
  type Box = (typeof boxes)[number]

  const units: Unit[] = []
  items.forEach((item, index) => {
    const unit = toUnit(item, index, rule)
    for (let n = 0; n < item.quantity; n++) units.push(unit)
  })
  units.sort((a, b) => b.weight - a.weight || b.volume - a.volume || a.index - b.index)

  const fitsSpace = (box: Box, group: Stats) =>
    group.volume * (1 + FILL_ALLOWANCE) <= box.volume && group.dims.every((d, i) => d <= box.dims[i]!)
  const fits = (box: Box, group: Stats) => fitsSpace(box, group) && group.weight + box.box.weightGrams <= box.box.maxWeightGrams
  const smallest = (group: Stats, test: (box: Box, group: Stats) => boolean) => boxes.find((box) => test(box, group)) ?? null

  const open: Group[] = []
  const packed: { group: Group; box: Box | null | 'smallest' }[] = []
  for (const unit of units) {
    const alone: Group = { ...withUnit(EMPTY, unit), units: [unit] }
    if (smallest(alone, fits) === null) {
      // Too heavy or too big for every box: it travels alone.
      packed.push({ group: alone, box: smallest(alone, fitsSpace) })
      continue
    }
    const target = open.find((g) => smallest(withUnit(g, unit), fits) !== null)
    if (target) {
      Object.assign(target, withUnit(target, unit))
      target.units.push(unit)
    } else {
      open.push(alone)
      packed.push({ group: alone, box: 'smallest' })
    }
  }

  return packed.map(({ group: g, box }) => {
    const chosen = box === 'smallest' ? smallest(g, fits) : box
    if (chosen) {
      return {
        parcel: { weightGrams: g.weight + chosen.box.weightGrams, lengthCm: chosen.box.lengthCm, widthCm: chosen.box.widthCm, heightCm: chosen.box.heightCm },
        boxCode: chosen.box.code,
        contents: contentsOf(g, items),
      }
    }
    const [l, w, h] = g.dims.map((mm) => Math.ceil(mm / 10)) as [number, number, number]
    return { parcel: { weightGrams: g.weight, lengthCm: l, widthCm: w, heightCm: h }, boxCode: null, contents: contentsOf(g, items) }
  })
}

/**
 * Why the parcels do not fit a point (a locker's cell, its weight limit), or null when they fit. Compares sorted dimensions.
 *
 * Each parcel is checked on its own (each takes its own cell); the first
 * problem found is returned, worded for a customer choosing a point.
 *
 * @example
 * ```ts
 * whyNotFits([{ weightGrams: 2000, lengthCm: 70, widthCm: 20, heightCm: 10 }], {
 *   type: 'parcel_locker', name: 'Постамат у метро', maxWeightGrams: 15_000, maxDimensionsCm: [60, 40, 40],
 * })
 * // → 'The parcel (70×20×10 cm) is larger than the largest cell of parcel locker "Постамат у метро" (60×40×40 cm)'
 * ```
 */
export function whyNotFits(parcels: Parcel[], point: Pick<PickupPoint, 'maxWeightGrams' | 'maxDimensionsCm' | 'type' | 'name'>): string | null {
  const where = `${POINT_WORDS[point.type]} "${point.name}"`
  for (const [i, parcel] of parcels.entries()) {
    const which = parcels.length === 1 ? 'The parcel' : `Parcel ${i + 1} of ${parcels.length}`
    if (point.maxWeightGrams !== null && parcel.weightGrams > point.maxWeightGrams) {
      return `${which} weighs ${kilograms(parcel.weightGrams)} kg, more than the ${kilograms(point.maxWeightGrams)} kg ${where} takes`
    }
    if (point.maxDimensionsCm !== null) {
      const size = sortDesc([parcel.lengthCm, parcel.widthCm, parcel.heightCm])
      const limit = sortDesc([...point.maxDimensionsCm])
      if (size.some((d, k) => d > limit[k]!)) {
        const space = point.type === 'parcel_locker' ? 'the largest cell of ' : 'what '
        const tail = point.type === 'parcel_locker' ? '' : ' takes'
        return `${which} (${dimensions(size)} cm) is larger than ${space}${where}${tail} (${dimensions(limit)} cm)`
      }
    }
  }
  return null
}

const POINT_WORDS: Record<PickupPoint['type'], string> = {
  pickup_point: 'pickup point',
  parcel_locker: 'parcel locker',
  post: 'post office',
}

interface Unit {
  index: number
  weight: number
  /** Sorted descending, millimetres. */
  dims: [number, number, number]
  volume: number
}

/** Weight, volume and size of some units together. */
interface Stats {
  weight: number
  volume: number
  /** The largest unit's sorted dimensions, side by side (each must fit the box). */
  dims: [number, number, number]
}

/** Units packed together, with their stats. */
interface Group extends Stats {
  units: Unit[]
}

const EMPTY: Stats = { weight: 0, volume: 0, dims: [0, 0, 0] }

// The stats with one more unit; the group itself is left as it was, so a failed try costs nothing.
function withUnit(g: Stats, u: Unit): Stats {
  return {
    weight: g.weight + u.weight,
    volume: g.volume + u.volume,
    dims: [Math.max(g.dims[0], u.dims[0]), Math.max(g.dims[1], u.dims[1]), Math.max(g.dims[2], u.dims[2])],
  }
}

function contentsOf<T extends ParcelItem>(g: Group, items: T[]): { item: T; index: number; quantity: number }[] {
  const counts = new Map<number, number>()
  for (const u of g.units) counts.set(u.index, (counts.get(u.index) ?? 0) + 1)
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([index, quantity]) => ({ item: items[index]!, index, quantity }))
}

function toUnit(item: ParcelItem, index: number, rule: PackagingRule): Unit {
  if (!Number.isSafeInteger(item.quantity) || item.quantity < 0) throw invalid(`items.${index}.quantity`, 'expected a non-negative integer')
  const weight = item.weightGrams ?? rule.defaultItemWeightGrams ?? DEFAULT_ITEM_WEIGHT_GRAMS
  if (!Number.isFinite(weight) || weight < 0) throw invalid(`items.${index}.weightGrams`, 'expected a non-negative number of grams')
  const size = item.dimensions ?? rule.defaultItemDimensionsMm ?? DEFAULT_ITEM_DIMENSIONS_MM
  const dims = sortDesc([size.lengthMm, size.widthMm, size.heightMm])
  if (!dims.every((d) => Number.isFinite(d) && d > 0)) throw invalid(`items.${index}.dimensions`, 'expected positive millimetres')
  // Parcels weigh whole grams; a fraction of a gram counts as a gram.
  return { index, weight: Math.ceil(weight), dims, volume: dims[0] * dims[1] * dims[2] }
}

function checkRule(rule: PackagingRule): PackagingBox[] {
  const boxes = rule.boxes ?? [DEFAULT_PACKAGING_BOX]
  if (boxes.length === 0) throw invalid('rule.boxes', 'expected at least one box')
  boxes.forEach((box, i) => {
    if (![box.lengthCm, box.widthCm, box.heightCm].every((d) => Number.isFinite(d) && d > 0)) throw invalid(`rule.boxes.${i}`, 'expected positive centimetres')
    if (!Number.isSafeInteger(box.weightGrams) || box.weightGrams < 0 || !Number.isSafeInteger(box.maxWeightGrams) || box.maxWeightGrams < 0) {
      throw invalid(`rule.boxes.${i}`, 'expected non-negative integer grams')
    }
  })
  return boxes
}

function sortDesc(values: number[]): [number, number, number] {
  return [...values].sort((a, b) => b - a) as [number, number, number]
}

function kilograms(grams: number): string {
  // 12500 → '12.5', 30000 → '30', 1 → '0.001': exact, no float formatting.
  const whole = Math.floor(grams / 1000)
  const rest = String(grams % 1000).padStart(3, '0').replace(/0+$/, '')
  return rest === '' ? String(whole) : `${whole}.${rest}`
}

function dimensions(d: readonly number[]): string {
  return d.join('×')
}

function invalid(path: string, problem: string): OrdoError {
  return new OrdoError('VALIDATION', `Invalid packing input: ${path}: ${problem}`, { details: { issues: [{ path, message: problem }] } })
}
