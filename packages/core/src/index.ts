/**
 * Ordo's engine: `createCommerce()` and the kernel every module stands on —
 * money, errors, state machines, plugins, domain events with a transactional
 * outbox, jobs and storage.
 *
 * @example
 * ```ts
 * import { createCommerce } from '@ordo/core'
 * import { sqliteStorage } from '@ordo/storage-sqlite'
 *
 * const shop = await createCommerce({ storage: sqliteStorage({ filename: 'shop.db' }), currency: 'RUB' })
 * shop.events.on('state.changed', (event) => console.log(event.data.to))
 * shop.worker.start()
 * ```
 *
 * @module
 */

// The engine
export { createCommerce } from './engine.js'
export type { Commerce, EventsApi, JobsApi, StorageApi, ParkedDelivery } from './engine.js'
export type { CommerceConfig } from './config.js'
export { UnitOfWork } from './unit-of-work.js'
export type { TransitionRequest, TransitionOutcome } from './unit-of-work.js'
export { systemClock } from './clock.js'
export type { Clock } from './clock.js'
export { silentLogger } from './logger.js'
export type { Logger } from './logger.js'

// Errors
export { OrdoError, ORDO_ERROR_CODES, isOrdoError } from './errors.js'
export { AdapterError } from './adapter-error.js'
export type { OrdoErrorCode } from './errors.js'

// Money
export * from './money/index.js'

// State machines
export * from './machine/index.js'

// Plugins and hooks
export { definePlugin } from './plugin/define-plugin.js'
export type { OrdoPlugin, PluginMachine } from './plugin/define-plugin.js'
export type { AdapterPluginFields } from './plugin/adapter-plugin.js'
export { HOOK_NAMES } from './plugin/hook-types.js'
export type {
  AfterHook,
  BeforeHook,
  BeforeHookResult,
  HookContext,
  HookMap,
  HookName,
  PluginHooks,
  TransitionHookInput,
} from './plugin/hook-types.js'

// Events
export { defineEventHandler } from './events/event-handler.js'
export type { EventHandler, EventHandlerContext } from './events/event-handler.js'
export type {
  AnyDomainEvent,
  DomainEvent,
  DomainEventInput,
  DomainEventMap,
  DomainEventType,
  StateChangedData,
} from './events/domain-events.js'
export type { RelayResult } from './events/outbox-relay.js'

// Jobs
export { Worker } from './jobs/worker.js'
export type { WorkerOptions } from './jobs/worker.js'
export type { Job, JobContext, JobDefinition, RunDueResult, ScheduleOptions } from './jobs/job-types.js'

// Storage
export type { StorageCapabilities, StorageDialect } from './storage/storage-dialect.js'
export type { MigrationContext, OrdoMigration } from './storage/migration.js'
export { COLUMN } from './storage/migration.js'
export type { Database } from './storage/database.js'
export { newId } from './storage/ids.js'

// Modules
export type { CoreModules } from './modules.js'
export * from './catalog/index.js'
export * from './inventory/index.js'
export * from './promotions/index.js'
export * from './pricing/index.js'
export * from './cart/index.js'
export * from './checkout/index.js'
export * from './order/index.js'
export * from './loyalty/index.js'
export * from './crm/index.js'
export * from './tracking/index.js'
export * from './experiments/index.js'
export * from './reports/index.js'
export { FUNNEL_DIMENSIONS } from './reports/funnel-report.js'
export type {
  ExperimentReport,
  ExperimentReportInput,
  ExperimentVariantRow,
  FunnelCancellationRow,
  FunnelDimension,
  FunnelFigures,
  FunnelPeriodRow,
  FunnelReport,
  FunnelReportInput,
  FunnelReports,
  FunnelRow,
} from './reports/funnel-report.js'

// Ports for adapters
export * from './payment/index.js'
export * from './delivery/index.js'
export * from './notify/index.js'
export { parseInput } from './validation.js'

// Command input schemas, for transports that validate before calling the engine
export { cartSchemas, checkoutSchemas, crmSchemas, deliverySchemas, loyaltySchemas, orderSchemas, paymentSchemas, shipmentSchemas } from './input-schemas.js'
export type { InputIssue } from './validation.js'
