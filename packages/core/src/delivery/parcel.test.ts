import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { OrdoErrorCode } from '../errors.js'
import type { Parcel, PickupPoint } from './courier.js'
import { buildParcels, packItems, whyNotFits, type PackagingBox, type PackagingRule, type ParcelItem } from './parcel.js'

const ordoError = (code: OrdoErrorCode) => expect.objectContaining({ name: 'OrdoError', code })

const mm = (lengthMm: number, widthMm: number, heightMm: number) => ({ lengthMm, widthMm, heightMm })
const item = (weightGrams: number | null, dimensions: ReturnType<typeof mm> | null, quantity = 1): ParcelItem => ({ weightGrams, dimensions, quantity })
const parcel = (weightGrams: number, lengthCm: number, widthCm: number, heightCm: number): Parcel => ({ weightGrams, lengthCm, widthCm, heightCm })

const S: PackagingBox = { code: 'S', lengthCm: 20, widthCm: 15, heightCm: 10, weightGrams: 80, maxWeightGrams: 5_000 }
const M: PackagingBox = { code: 'M', lengthCm: 30, widthCm: 20, heightCm: 15, weightGrams: 150, maxWeightGrams: 15_000 }
const L: PackagingBox = { code: 'L', lengthCm: 60, widthCm: 40, heightCm: 40, weightGrams: 600, maxWeightGrams: 30_000 }
// Listed out of order on purpose: "any order".
const threeBoxes: PackagingRule = { boxes: [L, S, M] }

const phone = item(200, mm(160, 80, 10))
const shoebox = item(900, mm(330, 200, 120))
const cube12kg = item(12_000, mm(100, 100, 100))

describe('buildParcels', () => {
  test.each<[string, ParcelItem[], PackagingRule | undefined, Parcel[]]>([
    ['two items in the default box; weight includes the box', [item(1200, mm(300, 200, 100), 2)], undefined, [parcel(2700, 40, 30, 20)]],
    ['three default-sized items fill the default box, the fourth needs another (20 % allowance)', [item(1200, mm(300, 200, 100), 4)], undefined, [parcel(3900, 40, 30, 20), parcel(1500, 40, 30, 20)]],
    ['an item without weight or dimensions takes the defaults', [item(null, null)], undefined, [parcel(800, 40, 30, 20)]],
    ['the rule’s own defaults', [item(null, null, 2)], { defaultItemWeightGrams: 250, defaultItemDimensionsMm: mm(100, 100, 100) }, [parcel(800, 40, 30, 20)]],
    ['a phone goes into the smallest box', [phone], threeBoxes, [parcel(280, 20, 15, 10)]],
    ['a long item needs a box with a long enough side', [item(300, mm(250, 100, 50))], threeBoxes, [parcel(450, 30, 20, 15)]],
    ['the longest side may lie in any direction of the box', [item(300, mm(50, 100, 250))], threeBoxes, [parcel(450, 30, 20, 15)]],
    ['a shoebox too long for M goes in L, and a second one joins it', [shoebox, shoebox], threeBoxes, [parcel(2400, 60, 40, 40)]],
    ['weight decides: a 12 kg item in a small box too heavy for S goes in M', [cube12kg], threeBoxes, [parcel(12_150, 30, 20, 15)]],
    ['three 12 kg items: two fill L by weight, the third goes in M', [item(12_000, mm(100, 100, 100), 3)], threeBoxes, [parcel(24_600, 60, 40, 40), parcel(12_150, 30, 20, 15)]],
    ['heaviest first: the heavy item opens the first parcel and the light ones join it', [phone, cube12kg, phone], threeBoxes, [parcel(12_550, 30, 20, 15)]],
    ['an item heavier than any box takes travels alone in the smallest box it fits', [item(35_000, mm(500, 300, 300)), phone], threeBoxes, [parcel(35_600, 60, 40, 40), parcel(280, 20, 15, 10)]],
    ['an item too big for every box ships in its own packaging, rounded up to centimetres', [item(3_000, mm(1505, 201, 99)), phone], threeBoxes, [parcel(3_000, 151, 21, 10), parcel(280, 20, 15, 10)]],
    ['an item exactly the box’s size does not fit it (no room for the fill allowance)', [item(1_000, mm(200, 150, 100))], { boxes: [S] }, [parcel(1_000, 20, 15, 10)]],
    ['a fraction of a gram counts as a gram', [item(100.2, mm(10, 10, 10), 2)], { boxes: [S] }, [parcel(282, 20, 15, 10)]],
    ['no items: no parcels', [], undefined, []],
    ['zero quantity: no parcels', [item(1000, null, 0)], undefined, []],
  ])('%s', (_, items, rule, expected) => {
    expect(buildParcels(items, rule)).toEqual(expected)
  })

  test.each<[string, ParcelItem[], PackagingRule | undefined]>([
    ['a negative quantity', [item(100, null, -1)], undefined],
    ['a fractional quantity', [item(100, null, 1.5)], undefined],
    ['a negative weight', [item(-1, null)], undefined],
    ['a zero dimension', [item(100, mm(100, 0, 100))], undefined],
    ['an empty box list', [item(100, null)], { boxes: [] }],
    ['a box without size', [item(100, null)], { boxes: [{ ...S, heightCm: 0 }] }],
  ])('rejects %s', (_, items, rule) => {
    expect(() => buildParcels(items, rule)).toThrow(ordoError('VALIDATION'))
  })
})

describe('packItems', () => {
  test('says which box and which units each parcel holds', () => {
    const lines = [{ ...phone, quantity: 2, sku: 'PHONE' }, { ...item(12_000, mm(100, 100, 100), 3), sku: 'KETTLEBELL' }]
    const packed = packItems(lines, threeBoxes)
    expect(packed.map((p) => ({ box: p.boxCode, contents: p.contents.map((c) => [c.item.sku, c.index, c.quantity]) }))).toEqual([
      { box: 'L', contents: [['PHONE', 0, 2], ['KETTLEBELL', 1, 2]] },
      { box: 'M', contents: [['KETTLEBELL', 1, 1]] },
    ])
    expect(packed.map((p) => p.parcel.weightGrams)).toEqual([600 + 400 + 24_000, 150 + 12_000])
  })

  test('an item in its own packaging has no box', () => {
    expect(packItems([item(3_000, mm(1500, 200, 100))], threeBoxes)[0]?.boxCode).toBeNull()
  })
})

describe('packing properties', () => {
  const box = fc
    .record({
      lengthCm: fc.integer({ min: 5, max: 80 }),
      widthCm: fc.integer({ min: 5, max: 80 }),
      heightCm: fc.integer({ min: 5, max: 80 }),
      weightGrams: fc.integer({ min: 0, max: 1000 }),
      capacity: fc.integer({ min: 500, max: 40_000 }),
    })
    .map(({ capacity, ...b }) => ({ ...b, maxWeightGrams: b.weightGrams + capacity }))
  const boxes = fc
    .uniqueArray(box, { minLength: 1, maxLength: 4, selector: (b) => [b.lengthCm, b.widthCm, b.heightCm].sort((x, y) => x - y).join('x') })
    .map((bs) => bs.map((b, i): PackagingBox => ({ ...b, code: `B${i}` })))
  const dims = fc.record({ lengthMm: fc.integer({ min: 10, max: 900 }), widthMm: fc.integer({ min: 10, max: 600 }), heightMm: fc.integer({ min: 10, max: 400 }) })
  const items = fc.array(
    fc.record({
      weightGrams: fc.option(fc.integer({ min: 0, max: 35_000 }), { nil: null }),
      dimensions: fc.option(dims, { nil: null }),
      quantity: fc.integer({ min: 0, max: 6 }),
    }),
    { maxLength: 6 },
  )
  const rule = boxes.map((bs): PackagingRule => ({ boxes: bs }))

  const unitOf = (i: ParcelItem) => {
    const d = i.dimensions ?? mm(300, 200, 100)
    const sorted = [d.lengthMm, d.widthMm, d.heightMm].sort((a, b) => b - a)
    return { weight: i.weightGrams ?? 500, sorted, volume: d.lengthMm * d.widthMm * d.heightMm }
  }
  const boxSorted = (b: PackagingBox) => [b.lengthCm * 10, b.widthCm * 10, b.heightCm * 10].sort((x, y) => y - x)
  const boxVolume = (b: PackagingBox) => b.lengthCm * b.widthCm * b.heightCm * 1000

  test('every unit is packed once; total weight = items + boxes; parcels match their boxes', () => {
    fc.assert(
      fc.property(items, rule, (its, r) => {
        const packed = packItems(its, r)
        const byCode = new Map(r.boxes!.map((b) => [b.code, b]))
        its.forEach((it, index) => {
          const packedUnits = packed.flatMap((p) => p.contents).filter((c) => c.index === index).reduce((n, c) => n + c.quantity, 0)
          expect(packedUnits).toBe(it.quantity)
        })
        const itemsWeight = its.reduce((sum, it) => sum + unitOf(it).weight * it.quantity, 0)
        const boxesWeight = packed.reduce((sum, p) => sum + (p.boxCode === null ? 0 : byCode.get(p.boxCode)!.weightGrams), 0)
        expect(packed.reduce((sum, p) => sum + p.parcel.weightGrams, 0)).toBe(itemsWeight + boxesWeight)
        for (const p of packed) {
          const units = p.contents.flatMap((c) => Array.from({ length: c.quantity }, () => unitOf(c.item)))
          expect(units.length).toBeGreaterThan(0)
          const content = units.reduce((sum, u) => sum + u.weight, 0)
          if (p.boxCode === null) {
            // own packaging: a single unit too big for every box
            expect(units).toHaveLength(1)
            expect(r.boxes!.every((b) => units[0]!.volume * 1.2 > boxVolume(b) || units[0]!.sorted.some((d, k) => d > boxSorted(b)[k]!))).toBe(true)
            expect(p.parcel.weightGrams).toBe(content)
            continue
          }
          const b = byCode.get(p.boxCode)!
          expect(p.parcel).toEqual({ weightGrams: content + b.weightGrams, lengthCm: b.lengthCm, widthCm: b.widthCm, heightCm: b.heightCm })
          // within the box's limit, unless a single unit is heavier than it takes
          if (p.parcel.weightGrams > b.maxWeightGrams) expect(units).toHaveLength(1)
          expect(units.reduce((v, u) => v + u.volume, 0) * 1.2).toBeLessThanOrEqual(boxVolume(b) * (1 + 1e-12))
          for (const u of units) u.sorted.forEach((d, k) => expect(d).toBeLessThanOrEqual(boxSorted(b)[k]!))
        }
        expect(buildParcels(its, r)).toEqual(packed.map((p) => p.parcel))
      }),
      { numRuns: 500 },
    )
  })

  test('when everything fits one box, one parcel in the smallest such box', () => {
    fc.assert(
      fc.property(items, rule, (its, r) => {
        const units = its.flatMap((it) => Array.from({ length: it.quantity }, () => unitOf(it)))
        const fitting = r.boxes!.filter(
          (b) =>
            units.reduce((w, u) => w + u.weight, 0) + b.weightGrams <= b.maxWeightGrams &&
            units.reduce((v, u) => v + u.volume, 0) * 1.2 <= boxVolume(b) &&
            units.every((u) => u.sorted.every((d, k) => d <= boxSorted(b)[k]!)),
        )
        fc.pre(units.length > 0 && fitting.length > 0)
        const packed = packItems(its, r)
        expect(packed).toHaveLength(1)
        expect(boxVolume(r.boxes!.find((b) => b.code === packed[0]!.boxCode)!)).toBe(Math.min(...fitting.map(boxVolume)))
      }),
      { numRuns: 300 },
    )
  })
})

describe('whyNotFits', () => {
  const locker: Pick<PickupPoint, 'maxWeightGrams' | 'maxDimensionsCm' | 'type' | 'name'> = {
    type: 'parcel_locker',
    name: 'Постамат у метро',
    maxWeightGrams: 15_000,
    maxDimensionsCm: [60, 40, 40],
  }

  test.each<[string, Parcel[], typeof locker, string | null]>([
    ['fits', [parcel(2_000, 40, 30, 20)], locker, null],
    ['exactly the limits fit', [parcel(15_000, 60, 40, 40)], locker, null],
    ['a parcel lying another way round fits', [parcel(2_000, 40, 60, 40)], locker, null],
    ['too heavy', [parcel(15_500, 40, 30, 20)], locker, 'The parcel weighs 15.5 kg, more than the 15 kg parcel locker "Постамат у метро" takes'],
    ['too long for the largest cell', [parcel(2_000, 70, 20, 10)], locker, 'The parcel (70×20×10 cm) is larger than the largest cell of parcel locker "Постамат у метро" (60×40×40 cm)'],
    ['two large sides do not fit even if each alone would', [parcel(2_000, 45, 45, 10)], locker, 'The parcel (45×45×10 cm) is larger than the largest cell of parcel locker "Постамат у метро" (60×40×40 cm)'],
    ['the second of two parcels is too heavy', [parcel(2_000, 10, 10, 10), parcel(15_001, 10, 10, 10)], locker, 'Parcel 2 of 2 weighs 15.001 kg, more than the 15 kg parcel locker "Постамат у метро" takes'],
    ['a point’s limits given unsorted', [parcel(2_000, 55, 35, 35)], { ...locker, maxDimensionsCm: [40, 60, 40] }, null],
    ['a pickup point with a size limit', [parcel(2_000, 130, 20, 10)], { type: 'pickup_point', name: 'ПВЗ Ленина 1', maxWeightGrams: null, maxDimensionsCm: [120, 80, 50] }, 'The parcel (130×20×10 cm) is larger than what pickup point "ПВЗ Ленина 1" takes (120×80×50 cm)'],
    ['a post office with a weight limit', [parcel(21_000, 10, 10, 10)], { type: 'post', name: '101000', maxWeightGrams: 20_000, maxDimensionsCm: null }, 'The parcel weighs 21 kg, more than the 20 kg post office "101000" takes'],
    ['no limits known', [parcel(100_000, 300, 300, 300)], { ...locker, maxWeightGrams: null, maxDimensionsCm: null }, null],
    ['no parcels', [], locker, null],
  ])('%s', (_, parcels, point, expected) => {
    expect(whyNotFits(parcels, point)).toBe(expected)
  })

  test('agrees with a direct comparison of sorted dimensions and weight', () => {
    const side = fc.integer({ min: 1, max: 150 })
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 40_000 }), side, side, side), { maxLength: 4 }), fc.tuple(side, side, side), fc.integer({ min: 1, max: 40_000 }), (ps, cell, maxWeight) => {
        const parcels = ps.map(([w, l, wi, h]) => parcel(w, l, wi, h))
        const limit = [...cell].sort((a, b) => b - a)
        const fitsAll = parcels.every((p) => p.weightGrams <= maxWeight && [p.lengthCm, p.widthCm, p.heightCm].sort((a, b) => b - a).every((d, k) => d <= limit[k]!))
        expect(whyNotFits(parcels, { ...locker, maxWeightGrams: maxWeight, maxDimensionsCm: cell }) === null).toBe(fitsAll)
      }),
    )
  })
})
