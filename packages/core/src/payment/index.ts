/**
 * Payments: methods, the payment machine, the provider port and the wrapper
 * core puts around it, webhooks, reconciliation, refunds, cash-on-delivery
 * settlement and fiscal receipt data (54-FZ) — `shop.payments`.
 *
 * @module
 */
export * from './payment-provider.js'
export type { PaymentApi } from './payment-module.js'
export { PAYMENT_MACHINE, PAYMENT_TRANSITIONS, deriveOrderPaymentState } from './payment-machine.js'
export { buildReceipt } from './payment-receipt.js'
export { BANK_STATEMENT_MISMATCH_REASONS } from './payment-invoice.js'
export type { BankInvoice, BankInvoiceLine, BankStatementMismatch, BankStatementMismatchReason, BankStatementResult, BankStatementRow, IssueInvoiceInput } from './payment-invoice.js'
export { isValidTaxId } from './payment-requisites.js'
export type { InvoiceBuyer, SellerRequisites } from './payment-requisites.js'
export { ORDER_PAYMENT_STATUSES, PAYMENT_METHOD_TYPES, PAYMENT_STATUSES, PAY_ON_RECEIPT_METHOD_TYPES, PROVIDER_METHOD_TYPES, REFUND_PURPOSES } from './payment-types.js'
export type {
  BuildReceiptOptions,
  CapturePaymentInput,
  OrderPayments,
  OrderPaymentState,
  OrderPaymentStatus,
  Payment,
  PaymentMethod,
  PaymentMethodConfig,
  PaymentMethodQuery,
  PaymentMethodType,
  PaymentsConfig,
  PaymentStatus,
  ReconcileResult,
  RecordCashInput,
  RefundPaymentInput,
  RefundPurpose,
  RemittanceMismatch,
  RemittanceResult,
  RemittanceRow,
  StartPaymentInput,
  StoredReceipt,
  WebhookResult,
} from './payment-types.js'
