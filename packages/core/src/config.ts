import { z } from 'zod'
import type { Clock } from './clock.js'
import { OrdoError } from './errors.js'
import type { EventHandler } from './events/event-handler.js'
import type { JobDefinition } from './jobs/job-types.js'
import type { Logger } from './logger.js'
import type { AllocationStrategy } from './inventory/index.js'
import { notifyConfigSchema } from './notify/notify-config.js'
import type { NotifyConfig } from './notify/notify-types.js'
import type { OrdersConfig } from './order/order-types.js'
import { CURRENCIES, type CurrencyCode } from './money/index.js'
import type { OrdoPlugin } from './plugin/define-plugin.js'
import type { PaymentsConfig } from './payment/payment-types.js'
import { PAYMENT_METHOD_TYPES } from './payment/payment-types.js'
import { sellerSchema } from './payment/payment-requisites.js'
import type { StorageDialect } from './storage/storage-dialect.js'
import type { Courier } from './delivery/courier.js'
import { deliveryCalendarSchema, ownCourierSchema, packagingRuleSchema } from './delivery/delivery-config.js'
import type { DeliveryConfig } from './delivery/delivery-types.js'
import { loyaltyConfigSchema, type LoyaltyConfig } from './loyalty/loyalty-config.js'
import { trackingConfigSchema, type TrackingConfig } from './tracking/tracking-types.js'
import { crmConfigSchema, type CrmConfig } from './crm/crm-config.js'
import type { CustomersConfig } from './crm/customer-types.js'

/**
 * The configuration of `createCommerce()`. Unknown keys and wrong types are
 * rejected with an `OrdoError('INVALID_CONFIG')` naming the key.
 */
export interface CommerceConfig {
  /** Where data lives: `sqliteStorage()`, `postgresStorage()`, `mysqlStorage()` or your own {@link StorageDialect}. */
  storage: StorageDialect
  /** The shop's base currency (ISO 4217). */
  currency: CurrencyCode
  /** Plugins, applied in this order (their hooks run in this order too). */
  plugins?: readonly OrdoPlugin[]
  /** Durable event handlers of your own, delivered through the outbox. */
  eventHandlers?: readonly EventHandler<any>[]
  /** Scheduled work of your own, by name. */
  jobs?: Readonly<Record<string, JobDefinition<any>>>
  /** @default the system clock */
  clock?: Clock
  /** @default a silent logger */
  logger?: Logger
  /** Apply pending migrations at start-up. Turn off when you run `shop.storage.migrate()` from a deploy step. @default true */
  migrate?: boolean
  /** Stock rules. */
  inventory?: {
    /** How a reservation is split across stock locations. @default defaultAllocationStrategy: one location that can serve all, else the fewest, warehouses before suppliers */
    allocationStrategy?: AllocationStrategy
  }
  /** Cart rules. */
  cart?: {
    /** Largest quantity of one line. @default 999 */
    maxQuantityPerLine?: number
    /** Most lines in one cart. @default 200 */
    maxLines?: number
    /** Country assumed for phone numbers written without a country code (ISO 3166 alpha-2). @default 'RU' */
    defaultCountry?: string
  }
  /** Order rules: the status machine, cancellation reasons, reservation TTL, confirmation codes. */
  orders?: OrdersConfig
  /** Notifications: the SMS gateway and e-mail sender, templates, which events send what, consent and quiet hours. */
  notify?: NotifyConfig
  /** Payment providers, methods and the provider wrapper's timeouts and retries. */
  payments?: PaymentsConfig
  /** Delivery: couriers, the shop's own couriers, showroom pickup, dates, packaging, tracking. */
  delivery?: DeliveryConfig
  /** Loyalty points: earning, activation, expiry, redemption, tiers. Without it nothing is earned or redeemed. */
  loyalty?: LoyaltyConfig
  /** Visit tracking and attribution: the attribution model, its look-back window, how visits are batched. */
  tracking?: TrackingConfig
  /** CRM: managers and how new orders are assigned to them. */
  crm?: CrmConfig
  /** Customers: whether guest orders attach to customers by phone or e-mail. */
  customers?: CustomersConfig
  /** Retries and leases of the outbox relay and the job runner (`shop.worker`). */
  worker?: {
    /** @default 10 */
    maxAttempts?: number
    /** @default 1000 */
    backoffMs?: number
    /** @default 3_600_000 (one hour) */
    maxBackoffMs?: number
    /** @default 60_000 */
    leaseMs?: number
    /** @default 100 */
    batchSize?: number
  }
}

const fn = (what: string) => z.custom<(...args: any[]) => unknown>((v) => typeof v === 'function', { message: `expected ${what}` })

const storageSchema = z.custom<StorageDialect>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as StorageDialect).createDialect === 'function' &&
    typeof (v as StorageDialect).name === 'string' &&
    typeof (v as StorageDialect).capabilities === 'object',
  { message: 'expected a storage such as sqliteStorage({ filename }) or postgresStorage({ connectionString })' },
)

const positiveInt = z.number().int().positive()

const configSchema = z.strictObject({
  storage: storageSchema,
  currency: z.string().refine((c) => c in CURRENCIES, { message: `expected an ISO 4217 code such as RUB (known: ${Object.keys(CURRENCIES).join(', ')})` }),
  plugins: z.array(z.looseObject({ id: z.string().min(1) })).optional(),
  eventHandlers: z
    .array(z.looseObject({ id: z.string().min(1), events: z.union([z.literal('*'), z.array(z.string())]), handle: fn('a function handle(event, context)') }))
    .optional(),
  jobs: z.record(z.string(), z.looseObject({ run: fn('a function run(payload, context)'), every: positiveInt.optional(), maxAttempts: positiveInt.optional() })).optional(),
  clock: z.looseObject({ now: fn('a function now(): Date') }).optional(),
  logger: z
    .looseObject({ debug: fn('a function'), info: fn('a function'), warn: fn('a function'), error: fn('a function') })
    .optional(),
  migrate: z.boolean().optional(),
  inventory: z.strictObject({ allocationStrategy: fn('a function (request, candidates) => plan').optional() }).optional(),
  cart: z
    .strictObject({
      maxQuantityPerLine: positiveInt.max(1_000_000).optional(),
      maxLines: positiveInt.max(10_000).optional(),
      defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 country code such as RU').optional(),
    })
    .optional(),
  orders: z
    .strictObject({
      machine: z.looseObject({}).optional(),
      cancellationReasons: z.array(z.string().trim().min(1).max(100)).min(1).max(100).optional(),
      reservationTtlMinutes: positiveInt.max(60 * 24 * 365).optional(),
      confirmationCode: z
        .strictObject({
          length: z.number().int().min(4).max(8).optional(),
          ttlMinutes: positiveInt.max(60 * 24).optional(),
          maxAttempts: positiveInt.max(100).optional(),
        })
        .optional(),
      autoCancelAfterNoAnswer: positiveInt.max(100).nullable().optional(),
      autoConfirmPrepaid: z.boolean().optional(),
      numberStart: positiveInt.max(Number.MAX_SAFE_INTEGER).optional(),
    })
    .optional(),
  notify: notifyConfigSchema.optional(),
  payments: z
    .strictObject({
      providers: z
        .array(
          z.looseObject({
            id: z.string().min(1).max(64),
            capabilities: z.looseObject({ webhookVerification: z.enum(['signature', 'refetch']) }),
            createPayment: fn('a function createPayment(request, context)'),
            capture: fn('a function capture(request, context)'),
            void: fn('a function void(request, context)'),
            refund: fn('a function refund(request, context)'),
            getPayment: fn('a function getPayment(id, context)'),
            parseWebhook: fn('a function parseWebhook(request)'),
          }),
        )
        .optional(),
      methods: z
        .array(
          z.strictObject({
            code: z.string().trim().min(1).max(64),
            type: z.enum(PAYMENT_METHOD_TYPES),
            label: z.string().max(255).optional(),
            provider: z.string().min(1).max(64).optional(),
            providerMethod: z.string().min(1).max(64).optional(),
            twoStage: z.boolean().optional(),
            regions: z.array(z.string().min(1).max(64)).optional(),
            deliveryTypes: z.array(z.string().min(1).max(64)).optional(),
            minAmount: z.number().int().nonnegative().optional(),
            maxAmount: z.number().int().positive().optional(),
            feeBasisPoints: z.number().int().min(-10_000).max(10_000).optional(),
            feeFixed: z.number().int().optional(),
          }),
        )
        .optional(),
      timeoutMs: positiveInt.max(600_000).optional(),
      maxAttempts: positiveInt.max(20).optional(),
      retryBackoffMs: z.number().int().nonnegative().max(60_000).optional(),
      reconcileAfterMinutes: positiveInt.max(60 * 24 * 30).optional(),
      holdDays: positiveInt.max(60).optional(),
      onHoldExpiry: z.enum(['capture', 'void']).optional(),
      seller: sellerSchema.optional(),
    })
    .optional(),
  delivery: z
    .strictObject({
      couriers: z
        .array(
          z.custom<Courier>(
            (v) => typeof v === 'object' && v !== null && typeof (v as Courier).id === 'string' && typeof (v as Courier).quote === 'function' && typeof (v as Courier).track === 'function',
            { message: 'expected a courier adapter (cdek(...), russianPost(...))' },
          ),
        )
        .refine((list) => new Set(list.map((c) => c.id)).size === list.length, 'two couriers have the same id')
        .refine((list) => !list.some((c) => c.id === 'own' || c.id === 'showroom'), 'the courier ids "own" and "showroom" are the built-in methods\' ids')
        .optional(),
      ownCourier: ownCourierSchema.optional(),
      showroomPickup: z
        .strictObject({
          locations: z
            .array(
              z.strictObject({
                code: z.string().trim().min(1).max(100),
                name: z.string().max(255).optional(),
                city: z.string().trim().min(1).max(191),
                address: z.string().trim().min(1).max(500),
                postalCode: z.string().max(20).optional(),
                workingHours: z.string().max(255).optional(),
                lat: z.number().min(-90).max(90).optional(),
                lon: z.number().min(-180).max(180).optional(),
              }),
            )
            .min(1),
          price: z.number().int().nonnegative().optional(),
          transferDays: z.number().int().nonnegative().max(60).optional(),
        })
        .optional(),
      from: z
        .strictObject({
          country: z.string().length(2),
          city: z.string().min(1).max(191),
          postalCode: z.string().max(20).optional(),
          region: z.string().max(191).optional(),
          line: z.string().max(500).optional(),
          lat: z.number().optional(),
          lon: z.number().optional(),
          carrierCityCode: z.string().max(64).optional(),
        })
        .optional(),
      calendar: deliveryCalendarSchema.optional(),
      cutoff: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected local time 'HH:mm'").optional(),
      handlingDays: z.number().int().nonnegative().max(60).optional(),
      markup: z.strictObject({ basisPoints: z.number().int().min(0).max(100_000).optional(), fixed: z.number().int().optional() }).optional(),
      packaging: packagingRuleSchema.optional(),
      quoteTimeoutMs: positiveInt.max(120_000).optional(),
      quoteCacheSeconds: z.number().int().nonnegative().max(86_400).optional(),
      pickupPointsRefreshHours: positiveInt.max(24 * 30).optional(),
      trackEveryMinutes: positiveInt.max(24 * 60).optional(),
      maxAttempts: positiveInt.max(20).optional(),
      completeOnDelivery: z.boolean().optional(),
    })
    .optional(),
  loyalty: loyaltyConfigSchema.optional(),
  tracking: trackingConfigSchema.optional(),
  crm: crmConfigSchema.optional(),
  customers: z.strictObject({ attachGuestOrders: z.boolean().optional() }).optional(),
  worker: z
    .strictObject({
      maxAttempts: positiveInt.optional(),
      backoffMs: positiveInt.optional(),
      maxBackoffMs: positiveInt.optional(),
      leaseMs: positiveInt.optional(),
      batchSize: positiveInt.max(1000).optional(),
    })
    .optional(),
})

/** Validates the config; the first problem becomes an `OrdoError('INVALID_CONFIG')` naming its key. */
export function parseConfig(input: unknown): CommerceConfig {
  const result = configSchema.safeParse(input)
  if (result.success) return input as CommerceConfig
  const problems = result.error.issues.map((issue) => {
    const path = [...issue.path, ...(issue.code === 'unrecognized_keys' ? [issue.keys.join(', ')] : [])]
    const key = path.map(String).join('.') || '(root)'
    const message = issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''}` : issue.message
    return { key, message }
  })
  const first = problems[0]!
  throw new OrdoError(
    'INVALID_CONFIG',
    `Invalid createCommerce config at "${first.key}": ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''}`,
    { details: { key: first.key, problems } },
  )
}
