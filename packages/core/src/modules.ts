import { createCartModule, type CartApi } from './cart/cart-module.js'
import { revisionMigrations } from './storage/revisions.js'
import { createCatalogModule, type CatalogApi } from './catalog/catalog-module.js'
import { createInventoryModule, type InventoryApi } from './inventory/inventory-module.js'
import { createPricingModule, type PricingApi } from './pricing/pricing-module.js'
import { createOrderModule, orderMigrations, type OrderApi } from './order/order-module.js'
import { buildOrderMachine } from './order/order-machine.js'
import { checkoutMigrations, createCheckoutModule, type CheckoutApi } from './checkout/checkout-module.js'
import { createPromotionsModule, type PromotionsApi } from './promotions/promotions-module.js'
import { createPaymentModule, paymentMigrations, type PaymentApi } from './payment/payment-module.js'
import { createDeliveryModule, deliveryMigrations, type DeliveryApi } from './delivery/delivery-module.js'
import { createShipmentModule, type ShipmentApi } from './delivery/shipment-module.js'
import { createLoyaltyModule, loyaltyMigrations, type LoyaltyApi } from './loyalty/loyalty-module.js'
import { defineMachine } from './machine/index.js'
import { SHIPMENT_MACHINE } from './delivery/shipment-machine.js'
import { createNotifyModule } from './notify/notify-module.js'
import { MESSAGE_MACHINE } from './notify/message-machine.js'
import { notifyMigrations } from './notify/notify-schema.js'
import type { NotifyApi } from './notify/notify-types.js'
import { createCrmModule, crmMigrations, type CrmApi, type CrmInternal } from './crm/crm-module.js'
import { createCustomerModule, customerMigrations, type CustomerApi } from './crm/customer-module.js'
import type { EventHandler } from './events/event-handler.js'
import { createTrackingModule, trackingMigrations, type TrackingApi } from './tracking/tracking-module.js'
import { createExperimentsModule, type ExperimentsApi } from './experiments/experiments-module.js'
import { createReportsModule, reportsMigrations, type ReportsApi } from './reports/reports-module.js'
import type { Runtime } from './runtime.js'
import { cartMigrations } from './cart/cart-module.js'
import { catalogMigrations } from './catalog/catalog-module.js'
import { inventoryMigrations } from './inventory/inventory-module.js'
import { promotionsMigrations } from './promotions/promotions-module.js'
import { kernelMigrations } from './storage/kernel-schema.js'
import type { OrdoMigration } from './storage/migration.js'

/** Every core module's migrations, in the order they apply. */
export const CORE_MIGRATIONS: readonly OrdoMigration[] = [
  ...kernelMigrations,
  ...catalogMigrations,
  ...inventoryMigrations,
  ...promotionsMigrations,
  ...cartMigrations,
  ...orderMigrations,
  ...checkoutMigrations,
  ...paymentMigrations,
  ...deliveryMigrations,
  ...loyaltyMigrations,
  ...notifyMigrations,
  ...customerMigrations,
  ...crmMigrations,
  ...trackingMigrations,
  ...reportsMigrations,
  ...revisionMigrations,
]

/**
 * The namespaces core's modules add to the shop. Each module builds its
 * public API and the internal calls other modules make to it inside one unit
 * of work.
 */
export interface CoreModules {
  /** Products, variants, categories, attributes, suppliers and price lists. */
  readonly catalog: CatalogApi
  /** Stock locations, levels, movements and reservations. */
  readonly inventory: InventoryApi
  /** Promotions and coupons. */
  readonly promotions: PromotionsApi
  /** The pricing pipeline. */
  readonly pricing: PricingApi
  /** Carts. */
  readonly carts: CartApi
  /** Orders: status machine, confirmation, edits, cancellation, back-office queries. */
  readonly orders: OrderApi
  /** Placing orders from carts. */
  readonly checkout: CheckoutApi
  /** Payments: methods, the payment machine, providers, webhooks, refunds, cash-on-delivery settlement, fiscal receipts. */
  readonly payments: PaymentApi
  /** Delivery options (couriers, own couriers, showroom pickup), estimated dates, pickup points. */
  readonly delivery: DeliveryApi
  /** Shipments: packing, carrier registration, tracking, try-on and partial buyout outcomes, returns, drop-ship supplier orders. */
  readonly shipments: ShipmentApi
  /** Loyalty points: balance, statement, adjustments, bonuses, tiers, activation and expiry. */
  readonly loyalty: LoyaltyApi
  /** Notifications: messages by SMS and e-mail from domain events, their statuses, consent and campaigns. */
  readonly notify: NotifyApi
  /** Visits (batched), leads and channel attribution. */
  readonly tracking: TrackingApi
  /** A/B tests: deterministic variant assignment and exposures. */
  readonly experiments: ExperimentsApi
  /** CRM: calls, notes and tasks about customers, manager assignment of new orders, saved segments and RFM scores. */
  readonly crm: CrmApi
  /** Customers: contacts (unique per shop), addresses, groups and tags, consent, guest orders attached by phone or e-mail, merges of duplicates, the timeline. */
  readonly customers: CustomerApi
  /** Reports: sales, margin, cancellations, cross-sell, retention, ad spend and acquisition, couriers, managers, the funnel and experiments; CSV export. */
  readonly reports: ReportsApi
}

/**
 * Creates every core module on the runtime, in dependency order. Returns their
 * APIs and the durable event handlers core modules bring, which the engine
 * registers before those of the config and plugins.
 */
export function createModules(runtime: Runtime): { apis: CoreModules; handlers: EventHandler<any>[] } {
  const catalog = createCatalogModule(runtime)
  const inventory = createInventoryModule(runtime, {
    ...(runtime.config.inventory?.allocationStrategy ? { allocationStrategy: runtime.config.inventory.allocationStrategy } : {}),
  })
  runtime.jobs.set('inventory.expire-reservations', {
    every: 60_000,
    run: async (_payload, { uow }) => {
      await inventory.internal.expireDue(uow)
    },
  })
  const promotions = createPromotionsModule(runtime)
  const pricing = createPricingModule(runtime, { catalog: catalog.internal, promotions: promotions.internal })
  // Registered before plugins extend machines (engine.ts runs addPluginMachines after this).
  runtime.machines.set('order', { machine: buildOrderMachine(runtime.config.orders ?? {}), event: 'order.status_changed' })
  const orders = createOrderModule(runtime, { inventory: inventory.internal, promotions: promotions.internal, pricing: pricing.internal, catalog: catalog.internal })
  for (const [name, job] of Object.entries(orders.jobs)) runtime.jobs.set(name, job)
  const payments = createPaymentModule(runtime, { orders: orders.internal })
  for (const [name, job] of Object.entries(payments.jobs)) runtime.jobs.set(name, job)
  const delivery = createDeliveryModule(runtime, { catalog: catalog.internal, locations: inventory.internal.locations })
  for (const [name, job] of Object.entries(delivery.jobs)) runtime.jobs.set(name, job)
  runtime.machines.set('shipment', { machine: defineMachine(SHIPMENT_MACHINE), event: 'shipment.status_changed' })
  const shipments = createShipmentModule(runtime, { delivery: delivery.internal, orders: orders.internal, payments: payments.internal, inventory: inventory.internal })
  for (const [name, job] of Object.entries(shipments.jobs)) runtime.jobs.set(name, job)
  runtime.machines.set('message', { machine: defineMachine(MESSAGE_MACHINE), event: 'message.status_changed' })
  // Campaigns to a segment resolve through the CRM, created later: notify only knows the function.
  let crmInternal: CrmInternal | null = null
  const notify = createNotifyModule(runtime, {
    audience: (db, audience, now) => {
      if (!crmInternal) throw new Error('The CRM module is not created yet.')
      return crmInternal.audience(db, audience.segment, now)
    },
  })
  for (const [name, job] of Object.entries(notify.jobs)) runtime.jobs.set(name, job)
  const loyalty = createLoyaltyModule(runtime, { orders: orders.internal, catalog: catalog.internal, shipments: shipments.internal, promotions: promotions.internal })
  for (const [name, job] of Object.entries(loyalty.jobs)) runtime.jobs.set(name, job)
  // Carts are created further down; a merge reaches them only when it runs.
  const customers = createCustomerModule(runtime, {
    orders: orders.internal,
    loyalty: loyalty.internal,
    notify: notify.internal,
    promotions: promotions.internal,
    carts: { moveCustomer: (uow, from, to) => carts.internal.moveCustomer(uow, from, to) },
  })
  const crm = createCrmModule(runtime, { orders: orders.internal, catalog: catalog.internal, loyalty: loyalty.internal, customers: customers.internal })
  crmInternal = crm.internal
  for (const [name, job] of Object.entries(crm.jobs)) runtime.jobs.set(name, job)
  // Tracking keeps the funnel's carts from events; carts are created after it (they take their channel from it).
  const tracking = createTrackingModule(runtime, { orders: orders.internal, carts: { rows: (db, cartId) => carts.internal.rows(db, cartId) } })
  const experiments = createExperimentsModule(runtime, tracking.settings)
  const carts = createCartModule(runtime, {
    tracking: tracking.internal,
    loyalty: loyalty.internal,
    delivery: delivery.internal,
    catalog: catalog.internal,
    inventory: inventory.internal,
    pricing: pricing.internal,
    promotions: promotions.internal,
    payments: payments.internal,
  })
  const checkout = createCheckoutModule(runtime, {
    loyalty: loyalty.internal,
    delivery: delivery.internal,
    carts: carts.internal,
    orders: orders.internal,
    pricing: pricing.internal,
    inventory: inventory.internal,
    promotions: promotions.internal,
    payments: payments.internal,
  })
  const reports = createReportsModule(runtime, { delivery: delivery.internal })
  const apis: CoreModules = {
    catalog: catalog.api,
    inventory: inventory.api,
    promotions: promotions.api,
    pricing: pricing.api,
    carts: carts.api,
    orders: orders.api,
    checkout: checkout.api,
    payments: payments.api,
    delivery: delivery.api,
    shipments: shipments.api,
    loyalty: loyalty.api,
    notify: notify.api,
    tracking: tracking.api,
    experiments: experiments.api,
    crm: crm.api,
    customers: customers.api,
    reports: reports.api,
  }
  return { apis, handlers: [...payments.handlers, ...shipments.handlers, ...loyalty.handlers, ...notify.handlers, ...tracking.handlers, ...customers.handlers, ...crm.handlers] }
}
