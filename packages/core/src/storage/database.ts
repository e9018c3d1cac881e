import type { CartTables } from '../cart/cart-module.js'
import type { CatalogTables } from '../catalog/catalog-module.js'
import type { InventoryTables } from '../inventory/inventory-module.js'
import type { OrderTables } from '../order/order-module.js'
import type { PromotionsTables } from '../promotions/promotions-module.js'
import type { CheckoutTables } from '../checkout/checkout-module.js'
import type { PaymentTables } from '../payment/payment-module.js'
import type { DeliveryTables } from '../delivery/delivery-schema.js'
import type { KernelTables } from './kernel-schema.js'
import type { RevisionTables } from './revisions.js'
import type { NotifyTables } from '../notify/notify-schema.js'
import type { LoyaltyTables } from '../loyalty/loyalty-schema.js'
import type { TrackingTables } from '../tracking/tracking-schema.js'
import type { CrmTables } from '../crm/crm-schema.js'
import type { ReportsTables } from '../reports/reports-schema.js'
import type { CustomerTables } from '../crm/customer-schema.js'

/**
 * The whole engine's schema as Kysely sees it: each module owns its tables and
 * adds them here.
 */
export interface Database extends KernelTables, RevisionTables, CheckoutTables, CatalogTables, InventoryTables, PromotionsTables, CartTables, OrderTables, PaymentTables, DeliveryTables, LoyaltyTables, NotifyTables, CrmTables, CustomerTables, TrackingTables, ReportsTables {}
