import { createCartModule, type CartApi } from './cart/cart-module.js'
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
import type { EventHandler } from './events/event-handler.js'
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
  const notify = createNotifyModule(runtime)
  for (const [name, job] of Object.entries(notify.jobs)) runtime.jobs.set(name, job)
  const loyalty = createLoyaltyModule(runtime, { orders: orders.internal, catalog: catalog.internal, shipments: shipments.internal, promotions: promotions.internal })
  for (const [name, job] of Object.entries(loyalty.jobs)) runtime.jobs.set(name, job)
  const carts = createCartModule(runtime, {
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
  }
  return { apis, handlers: [...payments.handlers, ...shipments.handlers, ...loyalty.handlers, ...notify.handlers] }
}
