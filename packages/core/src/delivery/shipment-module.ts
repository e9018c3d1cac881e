import type { Kysely } from 'kysely'
import { z } from 'zod'
import { OrdoError } from '../errors.js'
import type { EventHandler } from '../events/event-handler.js'
import type { InventoryInternal } from '../inventory/inventory-module.js'
import type { JobDefinition } from '../jobs/job-types.js'
import { sourceStates } from '../machine/index.js'
import type { OrderInternal } from '../order/order-module.js'
import type { Order } from '../order/order-types.js'
import type { PaymentInternal } from '../payment/payment-module.js'
import type { WebhookRequest } from '../payment/payment-provider.js'
import type { Runtime } from '../runtime.js'
import type { Database } from '../storage/database.js'
import { newId } from '../storage/ids.js'
import { runInTransaction, type UnitOfWork } from '../unit-of-work.js'
import { parseInput, webhookRequestSchema } from '../validation.js'
import { CARRIER_STATUSES, type CarrierStatusUpdate, type Courier, type CourierShipmentItem, type CourierShipmentRef } from './courier.js'
import { callCourier, type CourierCallSettings } from './courier-client.js'
import { DEFAULT_ITEM_WEIGHT_GRAMS, packItems } from './parcel.js'
import { unitPrices } from './shipment-value.js'
import type {} from './delivery-events.js'
import type { DeliveryInternal } from './delivery-module.js'
import { lineShare } from '../money/allocate.js'
import type { ShipmentLineTable, ShipmentTable, SupplierOrderTable } from './delivery-schema.js'
import type { DeliveryChoice, OutcomeResult, RecordOutcomeInput, Shipment, ShipmentEvent, SupplierOrder, TrackingResult } from './delivery-types.js'
import { SHIPMENT_STAGE, SHIPMENT_STATUSES, TRANSITION_FOR_CARRIER_STATUS, type ShipmentStatus } from './shipment-machine.js'

/** `shop.shipments`: an order's parcels from packing to the customer (or back), tracking, outcomes at the door, drop-ship supplier orders. */
export interface ShipmentApi {
  /** The shipment with this id. */
  get(shipmentId: string): Promise<Shipment | undefined>
  /** An order's shipments, outbound first, in the order they were planned. */
  forOrder(orderId: string): Promise<Shipment[]>
  /** Shipments by status and carrier, newest first. */
  list(filter?: { status?: ShipmentStatus; carrier?: string; direction?: 'outbound' | 'return'; limit?: number }): Promise<Shipment[]>
  /** A shipment's tracking history, oldest first, with the carrier's raw codes. */
  history(shipmentId: string): Promise<ShipmentEvent[]>
  /** Packed: records weight and boxes; the order moves on to `packed` when all its shipments are. */
  pack(shipmentId: string, input: { weightGrams?: number; boxes?: number; actor: string }): Promise<Shipment>
  /**
   * Registers a packed shipment at its carrier (once: a retry after a timeout
   * finds the same registration), storing the tracking number; a COD payment
   * gets the tracking number for remittance matching.
   */
  register(shipmentId: string, options?: { actor?: string }): Promise<Shipment>
  /** A manual step of the shipment machine (the shop's own courier and showroom pickup have no carrier to report): `hand_over`, `transit`, `arrive`, `deliver`, `lose`, `cancel`, `return`. */
  transition(shipmentId: string, transition: string, options: { actor: string; reason?: string; storageUntil?: Date }): Promise<Shipment>
  /** The carrier's label, PDF bytes. */
  label(shipmentId: string): Promise<Uint8Array>
  /**
   * Records what the customer kept and refused at the door or the point (try-on,
   * partial buyout): cash on delivery shrinks by the refused lines' value, or a
   * refund of exactly those lines is started for a prepaid order; the refused
   * goods come back as a return shipment; the order ends `partially_completed`
   * (or `returned` when nothing was kept).
   */
  recordOutcome(shipmentId: string, input: RecordOutcomeInput): Promise<OutcomeResult>
  /** A return shipment arrived: its goods are restocked at its location (or the one given). */
  receiveReturn(shipmentId: string, options: { actor: string; locationId?: string }): Promise<Shipment>
  /** Applies carrier status reports (webhook, poll or a file): duplicates and reports older than the shipment's status change nothing. */
  applyUpdates(carrier: string, updates: CarrierStatusUpdate[], options?: { source?: string }): Promise<TrackingResult>
  /** Polls carriers for shipments due a check, or for the given shipments now. The `delivery.track` job runs it for the due ones. */
  track(options?: { limit?: number; shipmentIds?: string[] }): Promise<TrackingResult>
  /** Verifies and applies a carrier's status webhook; answer the carrier with `response`. */
  handleWebhook(carrier: string, request: WebhookRequest): Promise<{ response: { status: number; body: string; contentType: string }; outcome: 'applied' | 'rejected'; result: TrackingResult | null }>
  /** Drop-ship orders placed with suppliers. */
  supplierOrders(filter?: { orderId?: string; locationId?: string; status?: SupplierOrder['status']; limit?: number }): Promise<SupplierOrder[]>
  /** Moves a supplier order on: `confirmed`, `shipped` (to the warehouse or straight to the customer), `received`, or `cancelled`. */
  setSupplierOrderStatus(supplierOrderId: string, status: SupplierOrder['status'], options: { actor: string }): Promise<SupplierOrder>
}

/** What other core modules read of shipments inside their unit of work. */
export interface ShipmentInternal {
  /** Units of each order line the customer refused at the door or the point, over all the order's outbound shipments (order line id → units). */
  refusedLines(db: Kysely<Database>, orderId: string): Promise<Map<string, number>>
}

interface ShipmentDeps {
  delivery: DeliveryInternal
  orders: OrderInternal
  payments: Pick<PaymentInternal, 'setCashOnDelivery' | 'planLineRefund' | 'runOperations' | 'method'>
  inventory: InventoryInternal
}

const id = z.string().min(1).max(64)
const actor = z.string().trim().min(1).max(191)
const linesSchema = z.array(z.strictObject({ lineId: id, quantity: z.number().int().nonnegative() })).max(500)
export const packSchema = z.strictObject({ weightGrams: z.number().int().positive().max(1_000_000).optional(), boxes: z.number().int().positive().max(1000).optional(), actor })
export const transitionSchema = z.strictObject({ actor, reason: z.string().trim().max(500).optional(), storageUntil: z.date().optional() })
export const receiveReturnSchema = z.strictObject({ actor, locationId: id.optional() })
export const outcomeSchema = z.strictObject({
  kept: linesSchema,
  refused: linesSchema,
  reason: z.string().trim().max(500).optional(),
  actor: actor.optional(),
  idempotencyKey: z.string().trim().min(8).max(150).optional(),
})
const updateSchema = z.array(
  z.looseObject({
    carrierShipmentId: z.string().max(191).nullable(),
    trackingNumber: z.string().max(100).nullable(),
    reference: z.string().max(80).nullable(),
    status: z.enum(CARRIER_STATUSES),
    rawStatus: z.string().max(100),
    occurredAt: z.date(),
    storageUntil: z.date().nullable().optional(),
    kept: z.array(z.strictObject({ sku: z.string(), quantity: z.number().int().nonnegative() })).optional(),
    description: z.string().max(1000).optional(),
  }),
).max(50_000)

/** Transitions of the order machine shipments take, by stage (see SHIPMENT_STAGE); a machine without one simply does not move there. */
const ORDER_STEPS = ['start_picking', 'pack', 'hand_to_carrier', 'ship', 'ready_for_pickup', 'deliver'] as const
const FINAL_OUTBOUND: readonly string[] = ['delivered', 'partially_delivered', 'refused', 'returning', 'returned']
const CHUNK = 500

/** Creates the shipments module: the shipment machine's commands, tracking, outcomes, supplier orders. */
export function createShipmentModule(
  runtime: Runtime,
  deps: ShipmentDeps,
): { api: ShipmentApi; internal: ShipmentInternal; jobs: Record<string, JobDefinition<any>>; handlers: EventHandler<any>[] } {
  const settings = deps.delivery.settings
  const call: CourierCallSettings = { timeoutMs: 30_000, maxAttempts: settings.maxAttempts, backoffMs: 200 }
  const orderMachine = () => runtime.machines.get('order')!.machine

  function toShipment(row: ShipmentTable, lines: ShipmentLineTable[]): Shipment {
    return {
      id: row.id,
      orderId: row.order_id,
      orderNumber: row.order_number,
      number: row.number,
      direction: row.direction,
      status: row.status as ShipmentStatus,
      rawStatus: row.raw_status,
      methodType: row.method_type as Shipment['methodType'],
      carrier: row.carrier,
      tariffCode: row.tariff_code,
      locationId: row.location_id,
      supplierOrderId: row.supplier_order_id,
      pickupPoint: row.pickup_point === null ? null : JSON.parse(row.pickup_point),
      address: row.address === null ? null : JSON.parse(row.address),
      slot: row.slot === null ? null : JSON.parse(row.slot),
      trackingNumber: row.tracking_number,
      carrierShipmentId: row.carrier_shipment_id,
      storageUntil: row.storage_until === null ? null : new Date(Number(row.storage_until)),
      codAmount: Number(row.cod_amount),
      declaredValue: Number(row.declared_value),
      weightGrams: row.weight_grams === null ? null : Number(row.weight_grams),
      boxes: row.boxes === null ? null : Number(row.boxes),
      services: JSON.parse(row.services),
      lines: lines.map((l) => ({
        orderLineId: l.order_line_id,
        variantId: l.variant_id,
        sku: l.sku,
        name: l.name,
        quantity: Number(l.quantity),
        value: Number(l.value),
        keptQuantity: l.kept_quantity === null ? null : Number(l.kept_quantity),
        refusedQuantity: l.refused_quantity === null ? null : Number(l.refused_quantity),
      })),
      relatedShipmentId: row.related_shipment_id,
      version: Number(row.version),
      createdAt: new Date(Number(row.created_at)),
      updatedAt: new Date(Number(row.updated_at)),
    }
  }

  async function linesOf(db: Kysely<Database>, ids: string[]): Promise<Map<string, ShipmentLineTable[]>> {
    const map = new Map<string, ShipmentLineTable[]>()
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await db.selectFrom('ordo_shipment_line').selectAll().where('shipment_id', 'in', ids.slice(i, i + CHUNK)).orderBy('id').execute()
      for (const r of rows) map.set(r.shipment_id, [...(map.get(r.shipment_id) ?? []), r])
    }
    return map
  }

  async function load(db: Kysely<Database>, shipmentId: string): Promise<{ row: ShipmentTable; lines: ShipmentLineTable[] }> {
    const row = await db.selectFrom('ordo_shipment').selectAll().where('id', '=', shipmentId).executeTakeFirst()
    if (!row) throw new OrdoError('NOT_FOUND', `No shipment "${shipmentId}".`, { details: { shipmentId } })
    return { row, lines: (await linesOf(db, [row.id])).get(row.id) ?? [] }
  }

  async function view(db: Kysely<Database>, rows: ShipmentTable[]): Promise<Shipment[]> {
    const lines = await linesOf(db, rows.map((r) => r.id))
    return rows.map((r) => toShipment(r, lines.get(r.id) ?? []))
  }

  async function save(uow: UnitOfWork, row: ShipmentTable, patch: Partial<ShipmentTable>): Promise<ShipmentTable> {
    const version = Number(row.version)
    const next = { ...patch, version: version + 1, updated_at: uow.now.getTime() }
    const result = await uow.db.updateTable('ordo_shipment').set(next).where('id', '=', row.id).where('version', '=', version).executeTakeFirst()
    if (Number(result.numUpdatedRows) !== 1) {
      throw new OrdoError('CONFLICT', `Shipment "${row.number}" changed while this command ran; try again.`, { details: { shipmentId: row.id, expectedVersion: version } })
    }
    return { ...row, ...next }
  }

  function allowed(status: string, transition: string): boolean {
    const machine = runtime.machines.get('shipment')!.machine
    return Object.hasOwn(machine.transitions, transition) && sourceStates(machine, transition).includes(status)
  }

  /** Takes a shipment transition with history; the caller's patch is saved with the new status. */
  async function move(uow: UnitOfWork, row: ShipmentTable, transition: string, by: { actor: string; reason?: string | null }, patch: Partial<ShipmentTable> = {}): Promise<ShipmentTable> {
    const { to } = await uow.transition('shipment', { entityId: row.id, state: row.status, transition, actor: by.actor, reason: by.reason ?? null })
    const saved = await save(uow, row, { ...patch, status: to, ...(FINAL_OUTBOUND.includes(to) || to === 'cancelled' || to === 'lost' ? { next_poll_at: to === 'returning' ? row.next_poll_at : null } : {}) })
    if (to === 'handed_over' || (row.status !== 'handed_over' && ['in_transit', 'at_pickup_point', 'delivered'].includes(to) && row.direction === 'outbound')) {
      // The goods left the warehouse: the order's reservations become sales.
      await deps.inventory.convertToSale(uow, { ownerType: 'order', ownerId: row.order_id })
    }
    return saved
  }

  function orderAllows(status: string, transition: string): boolean {
    const m = orderMachine()
    return Object.hasOwn(m.transitions, transition) && sourceStates(m, transition).includes(status)
  }

  /**
   * Moves the order along with its shipments: it follows the least advanced
   * outbound shipment, taking the order machine's own transitions (skipped
   * steps are walked through when the machine allows them). Delivered with
   * every outcome known: `complete`, `complete_partially`, or `return` when
   * nothing was kept.
   */
  async function syncOrder(uow: UnitOfWork, orderId: string): Promise<void> {
    const rows = await uow.db.selectFrom('ordo_shipment').selectAll().where('order_id', '=', orderId).where('direction', '=', 'outbound').where('status', '!=', 'cancelled').execute()
    if (rows.length === 0) return
    const stage = Math.min(...rows.map((r) => SHIPMENT_STAGE[r.status as ShipmentStatus] ?? 0))
    if (stage === 0) return
    let completion: 'complete' | 'complete_partially' | 'return' | null = null
    if (stage === 5) {
      const lines = [...(await linesOf(uow.db, rows.map((r) => r.id))).values()].flat()
      const known = rows.every((r) => r.status === 'delivered' || r.outcome_key !== null)
      if (known) {
        const kept = lines.reduce((s, l) => s + (l.kept_quantity === null ? Number(l.quantity) : Number(l.kept_quantity)), 0)
        const refused = lines.reduce((s, l) => s + Number(l.refused_quantity ?? 0), 0)
        completion = kept === 0 ? 'return' : refused > 0 ? 'complete_partially' : 'complete'
      }
    }
    const order = await deps.orders.get(uow.db, orderId)
    if (!order) return
    let status = order.status
    const take = async (transition: string, reason: string | null = null) => {
      status = (await deps.orders.transition(uow, orderId, transition, { actor: 'system', reason, note: 'shipment' })).status
    }
    const target = completion === 'return' ? 'return' : ORDER_STEPS[stage]!
    for (let guard = 0; guard < ORDER_STEPS.length + 1; guard++) {
      if (orderAllows(status, target)) {
        await take(target, target === 'return' ? 'refused_at_delivery' : null)
        break
      }
      const step = ORDER_STEPS.slice(0, stage).find((t, i) => !(i === 4 && stage === 5) && orderAllows(status, t))
      if (!step) break
      await take(step)
    }
    if (completion && completion !== 'return' && settings.completeOnDelivery && orderAllows(status, completion)) await take(completion)
  }

  /** Outcome inside a unit of work: lines, COD, refund plan, return shipment, order refused total. Returns what to run after commit. */
  async function applyOutcome(
    uow: UnitOfWork,
    row: ShipmentTable,
    lines: ShipmentLineTable[],
    input: { kept: Map<string, number>; refused: Map<string, number>; reason: string | null; actor: string; key: string },
  ): Promise<{ result: Omit<OutcomeResult, 'shipment' | 'returnShipment'> & { returnId: string | null }; operationIds: string[]; row: ShipmentTable }> {
    const order = await deps.orders.get(uow.db, row.order_id)
    if (!order) throw new OrdoError('NOT_FOUND', `No order "${row.order_id}".`, { details: { orderId: row.order_id } })
    const refusedLines: { lineId: string; quantity: number }[] = []
    const refusedValue = new Map<string, number>()
    let refusedAmount = 0
    let keptUnits = 0
    for (const line of lines) {
      const refused = input.refused.get(line.order_line_id) ?? 0
      const kept = input.kept.get(line.order_line_id) ?? 0
      keptUnits += kept
      await uow.db.updateTable('ordo_shipment_line').set({ kept_quantity: kept, refused_quantity: refused }).where('id', '=', line.id).execute()
      if (refused === 0) continue
      const orderLine = order.lines.find((l) => l.id === line.order_line_id)!
      refusedLines.push({ lineId: orderLine.id, quantity: refused })
      // Refused units are valued within this shipment's part of the line, so kept + refused is exactly that part.
      const value = lineShare(Number(line.value), Number(line.quantity), refused)
      refusedValue.set(line.id, value)
      refusedAmount += value
    }
    const transition = keptUnits === 0 ? 'refuse' : refusedLines.length > 0 ? 'deliver_partially' : 'deliver'
    const targetStatus = { refuse: 'refused', deliver_partially: 'partially_delivered', deliver: 'delivered' }[transition]
    let saved = row
    const patch: Partial<ShipmentTable> = { outcome_key: input.key }
    let codAmount = Number(row.cod_amount)
    if (codAmount > 0) {
      codAmount = keptUnits === 0 ? 0 : Math.max(0, codAmount - refusedAmount)
      patch.cod_amount = codAmount
      await deps.payments.setCashOnDelivery(uow, order, { shipmentId: row.id, amount: codAmount, trackingNumber: row.tracking_number, actor: input.actor })
    }
    let refundDue = 0
    let operationIds: string[] = []
    if (Number(row.cod_amount) === 0 && refusedLines.length > 0) {
      const plan = await deps.payments.planLineRefund(uow, order, { lines: refusedLines, amount: refusedAmount, reason: input.reason ?? 'refused at delivery', key: `outcome:${row.id}`, actor: input.actor, purpose: 'refused_goods' })
      refundDue = plan.amount
      operationIds = plan.operationIds
    }
    if (row.status === targetStatus) saved = await save(uow, row, patch)
    else saved = await move(uow, row, transition, { actor: input.actor, reason: input.reason }, patch)
    if (refusedAmount > 0) await deps.orders.addRefused(uow, order.id, refusedAmount)

    let returnId: string | null = null
    if (refusedLines.length > 0) {
      returnId = newId()
      const now = uow.now.getTime()
      await uow.db
        .insertInto('ordo_shipment')
        .values({
          ...row,
          id: returnId,
          number: `${row.number}-R`,
          direction: 'return',
          status: 'returning',
          raw_status: null,
          supplier_order_id: null,
          cod_amount: 0,
          declared_value: refusedAmount,
          related_shipment_id: row.id,
          last_report_at: null,
          next_poll_at: null,
          outcome_key: null,
          version: 1,
          created_at: now,
          updated_at: now,
        })
        .execute()
      await uow.db
        .insertInto('ordo_shipment_line')
        .values(
          lines
            .filter((l) => (input.refused.get(l.order_line_id) ?? 0) > 0)
            .map((l) => ({
              id: newId(),
              shipment_id: returnId!,
              order_line_id: l.order_line_id,
              variant_id: l.variant_id,
              sku: l.sku,
              name: l.name,
              quantity: input.refused.get(l.order_line_id)!,
              value: refusedValue.get(l.id)!,
              kept_quantity: null,
              refused_quantity: null,
            })),
        )
        .execute()
      saved = await save(uow, saved, { related_shipment_id: returnId })
    }
    const keptAmount = lines.reduce((s, l) => s + Number(l.value), 0) - refusedAmount
    uow.emit({ type: 'shipment.outcome_recorded', aggregateId: row.id, data: { shipmentId: row.id, orderId: order.id, keptAmount, refusedAmount, codAmount, refundDue, returnShipmentId: returnId } })
    await syncOrder(uow, order.id)
    return { result: { refusedAmount, codAmount, refundDue, returnId }, operationIds, row: saved }
  }

  /** Restocks a return shipment's goods and closes it. */
  async function receive(uow: UnitOfWork, row: ShipmentTable, lines: ShipmentLineTable[], by: { actor: string; locationId?: string | undefined }): Promise<ShipmentTable> {
    const locationId = by.locationId ?? row.location_id
    if (!locationId) {
      throw new OrdoError('VALIDATION', `Invalid input to shipments.receiveReturn: return ${row.number} has no stock location; pass locationId.`, {
        details: { command: 'shipments.receiveReturn', issues: [{ path: 'locationId', message: 'required' }] },
      })
    }
    let units = 0
    for (const line of lines) {
      units += Number(line.quantity)
      await deps.inventory.adjust(uow, { variantId: line.variant_id, locationId, delta: Number(line.quantity), reason: 'return', key: `return:${line.id}`, reference: row.order_number })
    }
    const saved = await move(uow, row, 'receive_return', { actor: by.actor }, { location_id: locationId })
    uow.emit({ type: 'shipment.return_received', aggregateId: row.id, data: { shipmentId: row.id, orderId: row.order_id, locationId, units } })
    return saved
  }

  function courierOf(row: ShipmentTable): Courier {
    const courier = deps.delivery.courier(row.carrier)
    if (!courier) {
      throw new OrdoError('NOT_ALLOWED_IN_STATE', `Shipment ${row.number} goes with "${row.carrier}", which has no courier adapter: move it with shipments.transition().`, {
        details: { shipmentId: row.id, state: row.status, capability: 'carrier' },
      })
    }
    return courier
  }

  function refOf(row: ShipmentTable): CourierShipmentRef {
    if (!row.carrier_shipment_id) {
      throw new OrdoError('NOT_ALLOWED_IN_STATE', `Shipment ${row.number} is not registered at ${row.carrier} yet (shipments.register).`, { details: { shipmentId: row.id, state: row.status, capability: 'registered' } })
    }
    return { carrierShipmentId: row.carrier_shipment_id, trackingNumber: row.tracking_number }
  }

  async function apply(carrier: string, updates: CarrierStatusUpdate[], source: string): Promise<TrackingResult> {
    const result: TrackingResult = { applied: 0, ignored: 0, unknown: 0 }
    for (let i = 0; i < updates.length; i += CHUNK) {
      const chunk = updates.slice(i, i + CHUNK)
      const outcomes: { operationIds: string[] }[] = []
      const partial = await runInTransaction(runtime, async (uow) => {
        const r: TrackingResult = { applied: 0, ignored: 0, unknown: 0 }
        outcomes.length = 0
        const ids = [...new Set(chunk.flatMap((u) => (u.carrierShipmentId ? [u.carrierShipmentId] : [])))]
        const tracking = [...new Set(chunk.flatMap((u) => (u.trackingNumber ? [u.trackingNumber] : [])))]
        const refs = [...new Set(chunk.flatMap((u) => (u.reference ? [u.reference] : [])))]
        const rows = new Map<string, ShipmentTable>()
        if (ids.length > 0) for (const s of await uow.db.selectFrom('ordo_shipment').selectAll().where('carrier', '=', carrier).where('carrier_shipment_id', 'in', ids).execute()) rows.set(s.id, s)
        if (tracking.length > 0) for (const s of await uow.db.selectFrom('ordo_shipment').selectAll().where('carrier', '=', carrier).where('tracking_number', 'in', tracking).execute()) rows.set(s.id, s)
        if (refs.length > 0) for (const s of await uow.db.selectFrom('ordo_shipment').selectAll().where('carrier', '=', carrier).where('number', 'in', refs).execute()) rows.set(s.id, s)
        const outbound = [...rows.values()].filter((s) => s.direction === 'outbound')
        const find = (u: CarrierStatusUpdate) =>
          outbound.find((s) => (u.carrierShipmentId !== null && s.carrier_shipment_id === u.carrierShipmentId) || (u.trackingNumber !== null && s.tracking_number === u.trackingNumber) || (u.reference !== null && s.number === u.reference))
        const touched = new Set<string>()
        const events: { id: string; shipment_id: string; status: string; raw_status: string; source: string; description: string | null; occurred_at: number; dedupe_key: string; created_at: number }[] = []
        const sorted = [...chunk].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())
        const fresh: { update: CarrierStatusUpdate; shipmentId: string }[] = []
        const seenKeys = new Set<string>()
        for (const u of sorted) {
          const s = find(u)
          if (!s) {
            r.unknown++
            continue
          }
          const dedupe = `${u.rawStatus}@${u.occurredAt.getTime()}`
          if (seenKeys.has(`${s.id}|${dedupe}`)) {
            r.ignored++
            continue
          }
          seenKeys.add(`${s.id}|${dedupe}`)
          events.push({ id: newId(), shipment_id: s.id, status: u.status, raw_status: u.rawStatus, source, description: u.description ?? null, occurred_at: u.occurredAt.getTime(), dedupe_key: dedupe, created_at: uow.now.getTime() })
          fresh.push({ update: u, shipmentId: s.id })
        }
        // Reports already stored are duplicates: one query finds them.
        const known = new Set<string>()
        const shipmentIds = [...new Set(fresh.map((f) => f.shipmentId))]
        for (let j = 0; j < shipmentIds.length; j += CHUNK) {
          const existing = await uow.db.selectFrom('ordo_shipment_event').select(['shipment_id', 'dedupe_key']).where('shipment_id', 'in', shipmentIds.slice(j, j + CHUNK)).execute()
          for (const e of existing) known.add(`${e.shipment_id}|${e.dedupe_key}`)
        }
        const newEvents = events.filter((e) => !known.has(`${e.shipment_id}|${e.dedupe_key}`))
        for (let j = 0; j < newEvents.length; j += 200) await uow.db.insertInto('ordo_shipment_event').values(newEvents.slice(j, j + 200)).execute()
        for (const { update: u, shipmentId } of fresh) {
          if (known.has(`${shipmentId}|${u.rawStatus}@${u.occurredAt.getTime()}`)) {
            r.ignored++
            continue
          }
          let s = rows.get(shipmentId)!
          const transition = TRANSITION_FOR_CARRIER_STATUS[u.status]
          const patch: Partial<ShipmentTable> = { raw_status: u.rawStatus, last_report_at: Math.max(Number(s.last_report_at ?? 0), u.occurredAt.getTime()) }
          if (u.storageUntil) patch.storage_until = u.storageUntil.getTime()
          if (u.trackingNumber && !s.tracking_number) patch.tracking_number = u.trackingNumber
          if (!allowed(s.status, transition)) {
            // Older than what we know, or a repeat of the current status: history only.
            r.ignored++
            continue
          }
          const needsLines = u.status === 'delivered' || u.status === 'partially_delivered' || u.status === 'refused'
          const lines = needsLines ? ((await linesOf(uow.db, [s.id])).get(s.id) ?? []) : []
          if (u.status === 'delivered' && s.outcome_key === null) {
            s = await move(uow, s, transition, { actor: `carrier:${carrier}` }, { ...patch, outcome_key: `carrier:${s.id}` })
            for (const l of lines) await uow.db.updateTable('ordo_shipment_line').set({ kept_quantity: Number(l.quantity), refused_quantity: 0 }).where('id', '=', l.id).execute()
          } else if ((u.status === 'partially_delivered' && u.kept) || u.status === 'refused') {
            const kept = new Map<string, number>()
            const refused = new Map<string, number>()
            const keptBySku = new Map((u.kept ?? []).map((k) => [k.sku, k.quantity]))
            for (const l of lines) {
              const k = Math.min(Number(l.quantity), u.status === 'refused' ? 0 : (keptBySku.get(l.sku) ?? 0))
              if (keptBySku.has(l.sku)) keptBySku.set(l.sku, keptBySku.get(l.sku)! - k)
              kept.set(l.order_line_id, k)
              refused.set(l.order_line_id, Number(l.quantity) - k)
            }
            s = await save(uow, s, patch)
            const applied = await applyOutcome(uow, s, lines, { kept, refused, reason: u.description ?? null, actor: `carrier:${carrier}`, key: `carrier:${s.id}` })
            s = applied.row
            outcomes.push({ operationIds: applied.operationIds })
          } else if (u.status === 'returned' && s.related_shipment_id) {
            s = await move(uow, s, transition, { actor: `carrier:${carrier}` }, patch)
            const back = await load(uow.db, s.related_shipment_id!)
            if (back.row.status === 'returning') await receive(uow, back.row, back.lines, { actor: `carrier:${carrier}` })
          } else {
            s = await move(uow, s, transition, { actor: `carrier:${carrier}` }, patch)
          }
          rows.set(s.id, s)
          touched.add(s.order_id)
          r.applied++
        }
        for (const orderId of touched) await syncOrder(uow, orderId)
        return r
      })
      for (const o of outcomes) await deps.payments.runOperations(o.operationIds)
      result.applied += partial.applied
      result.ignored += partial.ignored
      result.unknown += partial.unknown
    }
    return result
  }

  let tracking: Promise<TrackingResult> | null = null

  const api: ShipmentApi = {
    async get(shipmentId) {
      const row = await runtime.db.selectFrom('ordo_shipment').selectAll().where('id', '=', parseInput('shipments.get', id, shipmentId)).executeTakeFirst()
      return row ? (await view(runtime.db, [row]))[0] : undefined
    },

    async forOrder(orderId) {
      const rows = await runtime.db.selectFrom('ordo_shipment').selectAll().where('order_id', '=', parseInput('shipments.forOrder', id, orderId)).orderBy('created_at').orderBy('number').execute()
      return view(runtime.db, rows)
    },

    async list(filter) {
      const data = parseInput(
        'shipments.list',
        z.strictObject({ status: z.enum(SHIPMENT_STATUSES).optional(), carrier: z.string().max(64).optional(), direction: z.enum(['outbound', 'return']).optional(), limit: z.number().int().min(1).max(1000).optional() }).optional(),
        filter,
      ) ?? {}
      const rows = await runtime.db
        .selectFrom('ordo_shipment')
        .selectAll()
        .$if(data.status !== undefined, (q) => q.where('status', '=', data.status!))
        .$if(data.carrier !== undefined, (q) => q.where('carrier', '=', data.carrier!))
        .$if(data.direction !== undefined, (q) => q.where('direction', '=', data.direction!))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(data.limit ?? 100)
        .execute()
      return view(runtime.db, rows)
    },

    async history(shipmentId) {
      const rows = await runtime.db.selectFrom('ordo_shipment_event').selectAll().where('shipment_id', '=', parseInput('shipments.history', id, shipmentId)).orderBy('occurred_at').orderBy('id').execute()
      return rows.map((r) => ({ status: r.status as ShipmentStatus, rawStatus: r.raw_status, source: r.source, description: r.description, at: new Date(Number(r.occurred_at)) }))
    },

    async pack(shipmentId, input) {
      const sid = parseInput('shipments.pack', id, shipmentId)
      const data = parseInput('shipments.pack', packSchema, input)
      return runInTransaction(runtime, async (uow) => {
        const { row, lines } = await load(uow.db, sid)
        const saved = await move(uow, row, 'pack', { actor: data.actor }, { weight_grams: data.weightGrams ?? row.weight_grams, boxes: data.boxes ?? row.boxes ?? 1 })
        await syncOrder(uow, row.order_id)
        return toShipment(saved, lines)
      })
    },

    async register(shipmentId, options) {
      const sid = parseInput('shipments.register', id, shipmentId)
      const by = parseInput('shipments.register', z.strictObject({ actor: actor.optional() }).optional(), options)?.actor ?? 'system'
      const { row, lines } = await load(runtime.db, sid)
      const courier = courierOf(row)
      if (row.carrier_shipment_id) return toShipment(row, lines)
      if (!allowed(row.status, 'register')) {
        throw new OrdoError('NOT_ALLOWED_IN_STATE', `Shipment ${row.number} is "${row.status}"; only a packed shipment (shipments.pack) can be registered at the carrier.`, {
          details: { shipmentId: row.id, state: row.status, capability: 'register' },
        })
      }
      const order = await deps.orders.get(runtime.db, row.order_id)
      if (!order) throw new OrdoError('NOT_FOUND', `No order "${row.order_id}".`, { details: { orderId: row.order_id } })
      const request = registrationRequest(row, lines, order)
      const created = await callCourier(courier, 'register the shipment', call, (signal) => courier.createShipment(request, { signal }))
      return runInTransaction(runtime, async (uow) => {
        const current = await load(uow.db, sid)
        if (current.row.carrier_shipment_id) return toShipment(current.row, current.lines)
        const saved = await move(uow, current.row, 'register', { actor: by }, {
          carrier_shipment_id: created.carrierShipmentId,
          tracking_number: created.trackingNumber,
          raw_status: created.rawStatus,
          next_poll_at: uow.now.getTime() + settings.trackEveryMs,
        })
        if (Number(saved.cod_amount) > 0) await deps.payments.setCashOnDelivery(uow, order, { shipmentId: saved.id, amount: Number(saved.cod_amount), trackingNumber: created.trackingNumber, actor: by })
        uow.emit({ type: 'shipment.registered', aggregateId: saved.id, data: { shipmentId: saved.id, orderId: saved.order_id, carrier: saved.carrier, trackingNumber: created.trackingNumber } })
        return toShipment(saved, current.lines)
      })
    },

    async transition(shipmentId, name, options) {
      const sid = parseInput('shipments.transition', id, shipmentId)
      const transition = parseInput('shipments.transition', id, name)
      const data = parseInput('shipments.transition', transitionSchema, options)
      if (transition === 'deliver_partially' || transition === 'refuse' || transition === 'receive_return' || transition === 'register' || transition === 'pack') {
        const use = { deliver_partially: 'recordOutcome', refuse: 'recordOutcome', receive_return: 'receiveReturn', register: 'register', pack: 'pack' }[transition]
        throw new OrdoError('VALIDATION', `Invalid input to shipments.transition: "${transition}" records more than a status; use shipments.${use}().`, {
          details: { command: 'shipments.transition', issues: [{ path: 'transition', message: `use shipments.${use}()` }] },
        })
      }
      return runInTransaction(runtime, async (uow) => {
        const { row, lines } = await load(uow.db, sid)
        const patch: Partial<ShipmentTable> = data.storageUntil ? { storage_until: data.storageUntil.getTime() } : {}
        if (transition === 'deliver') {
          patch.outcome_key = `manual:${row.id}`
          for (const l of lines) await uow.db.updateTable('ordo_shipment_line').set({ kept_quantity: Number(l.quantity), refused_quantity: 0 }).where('id', '=', l.id).execute()
        }
        const saved = await move(uow, row, transition, { actor: data.actor, reason: data.reason ?? null }, patch)
        if (row.direction === 'outbound') await syncOrder(uow, row.order_id)
        return toShipment(saved, (await linesOf(uow.db, [row.id])).get(row.id) ?? [])
      })
    },

    async label(shipmentId) {
      const { row } = await load(runtime.db, parseInput('shipments.label', id, shipmentId))
      const courier = courierOf(row)
      if (!courier.capabilities.supportsLabels) {
        throw new OrdoError('NOT_ALLOWED_IN_STATE', `Courier "${courier.id}" prints no labels through its API.`, { details: { shipmentId: row.id, state: row.status, capability: 'label' } })
      }
      const ref = refOf(row)
      return callCourier(courier, 'print the label', call, (signal) => courier.getLabel(ref, { signal }))
    },

    async recordOutcome(shipmentId, input) {
      const sid = parseInput('shipments.recordOutcome', id, shipmentId)
      const data = parseInput('shipments.recordOutcome', outcomeSchema, input)
      const by = data.actor ?? 'system'
      const key = data.idempotencyKey ?? `outcome:${sid}`
      const done = await runInTransaction(runtime, async (uow) => {
        const { row, lines } = await load(uow.db, sid)
        if (row.outcome_key !== null) {
          if (row.outcome_key === key) return { replay: true as const, row, lines }
          throw new OrdoError('NOT_ALLOWED_IN_STATE', `Shipment ${row.number} already has its outcome recorded.`, { details: { shipmentId: row.id, state: row.status, capability: 'record_outcome' } })
        }
        if (row.direction !== 'outbound' || !['handed_over', 'in_transit', 'at_pickup_point', 'partially_delivered', 'refused', 'ready_to_ship', 'registered'].includes(row.status)) {
          throw new OrdoError('NOT_ALLOWED_IN_STATE', `Shipment ${row.number} is "${row.status}"; an outcome is recorded when the customer receives the goods.`, {
            details: { shipmentId: row.id, state: row.status, capability: 'record_outcome' },
          })
        }
        const kept = new Map<string, number>()
        const refused = new Map<string, number>()
        for (const [list, target] of [[data.kept, kept], [data.refused, refused]] as const) {
          for (const l of list) target.set(l.lineId, (target.get(l.lineId) ?? 0) + l.quantity)
        }
        const issues: { path: string; message: string }[] = []
        for (const lineId of new Set([...kept.keys(), ...refused.keys()])) {
          if (!lines.some((l) => l.order_line_id === lineId)) issues.push({ path: 'lines', message: `line "${lineId}" is not in shipment ${row.number}` })
        }
        for (const l of lines) {
          const sum = (kept.get(l.order_line_id) ?? 0) + (refused.get(l.order_line_id) ?? 0)
          if (sum !== Number(l.quantity)) issues.push({ path: 'lines', message: `line "${l.order_line_id}" (${l.sku}) ships ${l.quantity}; kept + refused is ${sum}` })
        }
        const services = JSON.parse(row.services) as { partialBuyout: boolean }
        const anyKept = [...kept.values()].some((q) => q > 0)
        const anyRefused = [...refused.values()].some((q) => q > 0)
        if (issues.length > 0) {
          throw new OrdoError('VALIDATION', `Invalid input to shipments.recordOutcome: ${issues[0]!.message}.`, { details: { command: 'shipments.recordOutcome', issues } })
        }
        if (anyKept && anyRefused && !services.partialBuyout) {
          throw new OrdoError('NOT_ALLOWED_IN_STATE', `Shipment ${row.number} was sent without partial buyout: the customer keeps everything or refuses everything.`, {
            details: { shipmentId: row.id, state: row.status, capability: 'partial_buyout' },
          })
        }
        const applied = await applyOutcome(uow, row, lines, { kept, refused, reason: data.reason ?? null, actor: by, key })
        return { replay: false as const, row: applied.row, lines, applied }
      })
      if (!done.replay) await deps.payments.runOperations(done.applied.operationIds)
      const [shipment] = await view(runtime.db, [await runtime.db.selectFrom('ordo_shipment').selectAll().where('id', '=', sid).executeTakeFirstOrThrow()])
      const returnShipment = shipment!.relatedShipmentId ? ((await api.get(shipment!.relatedShipmentId)) ?? null) : null
      const refusedAmount = returnShipment?.declaredValue ?? 0
      return {
        shipment: shipment!,
        returnShipment,
        refusedAmount,
        codAmount: shipment!.codAmount,
        refundDue: done.replay ? 0 : done.applied.result.refundDue,
      }
    },

    async receiveReturn(shipmentId, options) {
      const sid = parseInput('shipments.receiveReturn', id, shipmentId)
      const data = parseInput('shipments.receiveReturn', receiveReturnSchema, options)
      return runInTransaction(runtime, async (uow) => {
        const { row, lines } = await load(uow.db, sid)
        if (row.direction !== 'return') {
          throw new OrdoError('NOT_ALLOWED_IN_STATE', `Shipment ${row.number} goes to the customer; receive its return shipment instead.`, { details: { shipmentId: row.id, state: row.status, capability: 'receive_return' } })
        }
        return toShipment(await receive(uow, row, lines, data), lines)
      })
    },

    async applyUpdates(carrier, updates, options) {
      const name = parseInput('shipments.applyUpdates', id, carrier)
      const list = parseInput('shipments.applyUpdates', updateSchema, updates) as CarrierStatusUpdate[]
      return apply(name, list, options?.source ?? 'carrier')
    },

    async track(options) {
      const data = parseInput('shipments.track', z.strictObject({ limit: z.number().int().min(1).max(10_000).optional(), shipmentIds: z.array(id).min(1).max(1000).optional() }).optional(), options) ?? {}
      if (tracking && !data.shipmentIds) return tracking
      const limit = data.limit ?? 1000
      const run = (async () => {
        const total: TrackingResult = { applied: 0, ignored: 0, unknown: 0 }
        const due = await runtime.db
          .selectFrom('ordo_shipment')
          .select(['id', 'carrier', 'carrier_shipment_id', 'tracking_number'])
          .$if(data.shipmentIds === undefined, (q) => q.where('next_poll_at', '<=', runtime.clock.now().getTime()).orderBy('next_poll_at'))
          .$if(data.shipmentIds !== undefined, (q) => q.where('id', 'in', data.shipmentIds!))
          .where('carrier_shipment_id', 'is not', null)
          .limit(limit)
          .execute()
        const byCarrier = new Map<string, typeof due>()
        for (const d of due) byCarrier.set(d.carrier, [...(byCarrier.get(d.carrier) ?? []), d])
        for (const [carrier, rows] of byCarrier) {
          const courier = deps.delivery.courier(carrier)
          if (!courier) continue
          const batch = Math.max(1, courier.capabilities.maxTrackBatch)
          for (let i = 0; i < rows.length; i += batch) {
            const slice = rows.slice(i, i + batch)
            try {
              const updates = await callCourier(courier, 'track shipments', call, (signal) => courier.track(slice.map((r) => ({ carrierShipmentId: r.carrier_shipment_id!, trackingNumber: r.tracking_number })), { signal }))
              const r = await apply(carrier, updates, 'poll')
              total.applied += r.applied
              total.ignored += r.ignored
              total.unknown += r.unknown
            } catch (error) {
              runtime.logger.warn('Tracking poll failed; the next run asks again.', { carrier, error })
            }
            const next = runtime.clock.now().getTime() + settings.trackEveryMs
            await runtime.db.updateTable('ordo_shipment').set({ next_poll_at: next }).where('id', 'in', slice.map((r) => r.id)).where('next_poll_at', 'is not', null).execute()
          }
        }
        return total
      })()
      if (data.shipmentIds) return run
      tracking = run.finally(() => (tracking = null))
      return tracking
    },

    async handleWebhook(carrier, request) {
      const name = parseInput('shipments.handleWebhook', id, carrier)
      const req = parseInput('shipments.handleWebhook', webhookRequestSchema, request) as WebhookRequest
      const courier = deps.delivery.courier(name)
      if (!courier) throw new OrdoError('NOT_FOUND', `No courier "${name}" is configured.`, { details: { carrier: name } })
      const parsed = await courier.parseWebhook(req)
      if (!parsed.ok) {
        runtime.logger.warn('A courier webhook was rejected by its adapter.', { carrier: name, reason: parsed.reason })
        return { response: parsed.response, outcome: 'rejected', result: null }
      }
      return { response: parsed.response, outcome: 'applied', result: await apply(name, parsed.updates, 'webhook') }
    },

    async supplierOrders(filter) {
      const data = parseInput(
        'shipments.supplierOrders',
        z.strictObject({ orderId: id.optional(), locationId: id.optional(), status: z.enum(['placed', 'confirmed', 'shipped', 'received', 'cancelled']).optional(), limit: z.number().int().min(1).max(1000).optional() }).optional(),
        filter,
      ) ?? {}
      const rows = await runtime.db
        .selectFrom('ordo_supplier_order')
        .selectAll()
        .$if(data.orderId !== undefined, (q) => q.where('order_id', '=', data.orderId!))
        .$if(data.locationId !== undefined, (q) => q.where('location_id', '=', data.locationId!))
        .$if(data.status !== undefined, (q) => q.where('status', '=', data.status!))
        .orderBy('created_at', 'desc')
        .limit(data.limit ?? 100)
        .execute()
      return rows.map(toSupplierOrder)
    },

    async setSupplierOrderStatus(supplierOrderId, status, options) {
      const sid = parseInput('shipments.setSupplierOrderStatus', id, supplierOrderId)
      const next = parseInput('shipments.setSupplierOrderStatus', z.enum(['confirmed', 'shipped', 'received', 'cancelled']), status)
      const by = parseInput('shipments.setSupplierOrderStatus', z.strictObject({ actor }), options).actor
      return runInTransaction(runtime, async (uow) => {
        const row = await uow.db.selectFrom('ordo_supplier_order').selectAll().where('id', '=', sid).executeTakeFirst()
        if (!row) throw new OrdoError('NOT_FOUND', `No supplier order "${sid}".`, { details: { supplierOrderId: sid } })
        const order = ['placed', 'confirmed', 'shipped', 'received']
        if (row.status === 'cancelled' || row.status === 'received' || (next !== 'cancelled' && order.indexOf(next) <= order.indexOf(row.status))) {
          throw new OrdoError('NOT_ALLOWED_IN_STATE', `Supplier order is "${row.status}"; it cannot become "${next}".`, { details: { supplierOrderId: sid, state: row.status, capability: next } })
        }
        await uow.db.updateTable('ordo_supplier_order').set({ status: next, updated_at: uow.now.getTime() }).where('id', '=', sid).execute()
        runtime.logger.info('Supplier order status changed.', { supplierOrderId: sid, from: row.status, to: next, actor: by })
        return toSupplierOrder({ ...row, status: next, updated_at: uow.now.getTime() })
      })
    },
  }

  /**
   * The boxes a shipment goes in, by the shop's packaging rule, each with its
   * items; a packed weight the warehouse recorded replaces the estimate when
   * everything fits one box.
   */
  function parcelsOf(items: CourierShipmentItem[], packedWeight: number) {
    const packed = packItems(items.map((item) => ({ item, weightGrams: item.weightGrams, dimensions: null, quantity: item.quantity })), runtime.config.delivery?.packaging)
    return packed.map(({ parcel, contents }) => ({
      ...parcel,
      ...(packed.length === 1 && packedWeight > 0 ? { weightGrams: packedWeight } : {}),
      items: contents.map((c) => ({ ...c.item.item, quantity: c.quantity })),
    }))
  }

  function registrationRequest(row: ShipmentTable, lines: ShipmentLineTable[], order: Order) {
    const items: CourierShipmentItem[] = []
    const cod = Number(row.cod_amount) > 0
    const totalWeight = Number(row.weight_grams ?? 0)
    for (const line of lines) {
      const orderLine = order.lines.find((o) => o.id === line.order_line_id)!
      const base = { sku: line.sku, name: line.name, vatRate: orderLine.vatRate, weightGrams: orderLine.weightGrams ?? DEFAULT_ITEM_WEIGHT_GRAMS }
      // The value stored at planning, priced to the kopeck: the items add up to the shipment's goods, as its COD amount does.
      for (const { quantity, unitPrice } of unitPrices(Number(line.value), Number(line.quantity))) items.push({ ...base, quantity, unitPrice, codPerUnit: cod ? unitPrice : 0 })
    }
    const choice = (order.delivery ?? {}) as { destination?: { city: string; postalCode?: string; country?: string } }
    const address = row.address === null ? null : (JSON.parse(row.address) as { country: string; city: string; postalCode?: string; street?: string; house?: string; apartment?: string; comment?: string })
    const point = row.pickup_point === null ? null : (JSON.parse(row.pickup_point) as { id: string })
    const services = JSON.parse(row.services) as { tryOn: boolean; partialBuyout: boolean; callBefore: boolean }
    const goods = items.reduce((s, i) => s + i.codPerUnit * i.quantity, 0)
    return {
      reference: row.number,
      tariffCode: row.tariff_code,
      methodType: row.method_type as Shipment['methodType'],
      from: settings.from,
      to: address
        ? { country: address.country, city: address.city, postalCode: address.postalCode, line: [address.street, address.house, address.apartment].filter(Boolean).join(', ') }
        : { country: choice.destination?.country ?? 'RU', city: choice.destination?.city ?? '', postalCode: choice.destination?.postalCode },
      pickupPointId: point?.id ?? null,
      recipient: { name: order.contact.name ?? 'Покупатель', phone: order.contact.phone ?? '', email: order.contact.email },
      parcels: parcelsOf(items, totalWeight),
      declaredValue: Number(row.declared_value),
      codDelivery: cod ? Math.max(0, Number(row.cod_amount) - goods) : 0,
      currency: order.currency,
      services: { tryOn: services.tryOn, partialBuyout: services.partialBuyout, insurance: true, callBefore: services.callBefore },
      comment: order.notes,
    }
  }

  const jobs: Record<string, JobDefinition<any>> = {
    'delivery.track': {
      every: Math.min(settings.trackEveryMs, 5 * 60_000),
      run: (_payload, { uow }) => {
        // Carrier calls must not run inside a transaction: polling starts after this job's commit.
        uow.afterCommit(() => {
          void api.track().catch((error) => runtime.logger.error('delivery.track failed.', { error }))
        })
      },
    },
  }

  /** A cancelled order's shipments that have not left are cancelled; slots and supplier orders are given back. */
  const cancelledHandler: EventHandler<'order.cancelled'> = {
    id: 'delivery.order-cancelled',
    events: ['order.cancelled'],
    async handle(event, { uow }) {
      const rows = await uow.db.selectFrom('ordo_shipment').selectAll().where('order_id', '=', event.data.orderId).where('direction', '=', 'outbound').execute()
      for (const row of rows) {
        if (!allowed(row.status, 'cancel')) continue
        await move(uow, row, 'cancel', { actor: 'system', reason: 'order cancelled' })
        if (row.slot !== null) {
          const slot = JSON.parse(row.slot) as { id: string }
          await uow.db.updateTable('ordo_delivery_slot').set((eb) => ({ booked: eb('booked', '-', 1) })).where('slot_id', '=', slot.id).where('booked', '>', 0).execute()
        }
        if (row.carrier_shipment_id) runtime.logger.warn('An order was cancelled after its shipment was registered; cancel it at the carrier too.', { shipmentId: row.id, carrier: row.carrier })
      }
      await uow.db.updateTable('ordo_supplier_order').set({ status: 'cancelled', updated_at: uow.now.getTime() }).where('order_id', '=', event.data.orderId).where('status', 'in', ['placed', 'confirmed']).execute()
    },
  }

  const internal: ShipmentInternal = {
    async refusedLines(db, orderId) {
      const rows = await db
        .selectFrom('ordo_shipment_line as l')
        .innerJoin('ordo_shipment as s', 's.id', 'l.shipment_id')
        .select(['l.order_line_id', 'l.refused_quantity'])
        .where('s.order_id', '=', orderId)
        .where('s.direction', '=', 'outbound')
        .where('l.refused_quantity', '>', 0)
        .execute()
      const refused = new Map<string, number>()
      for (const r of rows) refused.set(r.order_line_id, (refused.get(r.order_line_id) ?? 0) + Number(r.refused_quantity))
      return refused
    },
  }

  /**
   * An order edited before anything was packed (lines, quantities, address,
   * delivery) gets its shipments planned again from its current reservations
   * and delivery choice; once a shipment is packed the warehouse owns it and an
   * edit only logs a warning.
   */
  const replanHandler: EventHandler<'order.changed'> = {
    id: 'delivery.replan-on-edit',
    events: ['order.changed'],
    async handle(event, { uow }) {
      const order = await deps.orders.get(uow.db, event.data.orderId)
      const choice = order?.delivery as DeliveryChoice | null | undefined
      if (!order || order.group === 'cancel' || !choice || typeof choice !== 'object' || typeof choice.optionId !== 'string' || typeof choice.methodType !== 'string') return
      const rows = await uow.db.selectFrom('ordo_shipment').selectAll().where('order_id', '=', order.id).where('direction', '=', 'outbound').execute()
      if (rows.length === 0) return
      if (rows.some((r) => r.status !== 'pending' && r.status !== 'cancelled')) {
        runtime.logger.warn('An order changed after its goods were packed; its shipments stay as packed.', { orderId: order.id, change: event.data.kind })
        return
      }
      const ids = rows.map((r) => r.id)
      await uow.db.deleteFrom('ordo_shipment_line').where('shipment_id', 'in', ids).execute()
      await uow.db.deleteFrom('ordo_shipment').where('id', 'in', ids).execute()
      await uow.db.deleteFrom('ordo_supplier_order').where('order_id', '=', order.id).where('status', '=', 'placed').execute()
      const reservations = (await deps.inventory.reservationsFor(uow.db, { ownerType: 'order', ownerId: order.id })).filter((r) => r.status === 'active')
      await deps.delivery.planShipments(uow, order, reservations, choice, deps.payments.method(order.paymentMethod)?.type === 'cash_on_delivery')
    },
  }

  return { api, internal, jobs, handlers: [cancelledHandler, replanHandler] }
}

function toSupplierOrder(row: SupplierOrderTable): SupplierOrder {
  return {
    id: row.id,
    orderId: row.order_id,
    orderNumber: row.order_number,
    locationId: row.location_id,
    status: row.status as SupplierOrder['status'],
    lines: JSON.parse(row.lines),
    costTotal: Number(row.cost_total),
    expectedAt: new Date(Number(row.expected_at)),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  }
}
