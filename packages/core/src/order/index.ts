/**
 * Orders: the order aggregate, its configurable status machine (groups,
 * statuses with capabilities, transitions, guards), confirmation by call or
 * SMS code, edits before packing, cancellation with a reason, reservation
 * expiry and back-office queries — `shop.orders`.
 *
 * @module
 */
export type { OrderApi, OrderDraft, OrderInternal, OrderTimelineRow } from './order-module.js'
export type { CustomerOrderStatsRow } from './order-module.js'
export {
  DEFAULT_CANCELLATION_REASONS,
  DEFAULT_ORDER_MACHINE,
  ORDER_CAPABILITIES,
  ORDER_EFFECTS,
  ORDER_GROUPS,
  ORDER_TRANSITIONS,
  SYSTEM_CANCELLATION_REASONS,
  buildOrderMachine,
} from './order-machine.js'
export type { OrderCapability, OrderGroup, OrderGuardContext, OrderMachineConfig } from './order-machine.js'
export { CALL_OUTCOMES, CONFIRMATION_CHANNELS, ORDER_CHANGE_KINDS } from './order-types.js'
export type {
  AddLineInput,
  AssignManagerInput,
  CallOutcome,
  CancelOrderOptions,
  ChangeAddressInput,
  ChangeDeliveryInput,
  ChangeQuantityInput,
  ConfirmByCodeResult,
  ConfirmationChannel,
  ConfirmationCodeRequest,
  ConfirmOrderOptions,
  ListOrdersInput,
  LogCallInput,
  Order,
  OrderBoard,
  OrderCall,
  OrderChange,
  OrderChangeKind,
  OrderCommandOptions,
  OrderHistoryEntry,
  OrderLine,
  OrderPage,
  OrdersConfig,
  OrderSummary,
  OrderTotals,
  OrderView,
  RemoveLineInput,
  SubstituteVariantInput,
  TransitionOrderOptions,
} from './order-types.js'
