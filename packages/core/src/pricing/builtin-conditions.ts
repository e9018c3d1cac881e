import { z } from 'zod'
import { defineConditionType, type ConditionType, type PromotionRule } from './promotion-types.js'

const id = z.string().min(1).max(191)
const ids = z.array(id).min(1)
const amount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const attributeValue = z.union([z.string(), z.number(), z.boolean()])
const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'expected a time as HH:MM, 00:00–23:59')
const timeZone = z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Moscow')
const instant = z.iso.datetime({ offset: true })

const list = (values: readonly unknown[]): string => values.map((v) => `"${String(v)}"`).join(', ')

/** Cart subtotal (after catalog promotions) at least `min`; with `matchingOnly`, only the matching lines count. */
export const cartSubtotalCondition = defineConditionType({
  type: 'cart_subtotal',
  kinds: ['cart'],
  schema: z.strictObject({ min: amount, matchingOnly: z.boolean().optional() }),
  matches(config, { lines, matching, state }) {
    let sum = 0
    for (const line of config.matchingOnly ? matching : lines) sum += line.total
    if (sum >= config.min) return true
    return `${config.matchingOnly ? 'matching items come to' : 'cart subtotal is'} ${state.formatMoney(sum)}; the promotion needs at least ${state.formatMoney(config.min)}`
  },
})

/** At least `min` units of matching items in the cart. */
export const itemQuantityCondition = defineConditionType({
  type: 'item_quantity',
  kinds: ['cart'],
  schema: z.strictObject({ min: z.number().int().min(1) }),
  matches(config, { matching }) {
    let quantity = 0
    for (const line of matching) quantity += line.quantity
    if (quantity >= config.min) return true
    return `the cart has ${quantity} matching item${quantity === 1 ? '' : 's'}; the promotion needs at least ${config.min}`
  },
})

/** Lines of these products (or, with `exclude`, of any other product). */
export const productCondition = defineConditionType({
  type: 'product',
  schema: z.strictObject({ productIds: ids, exclude: z.boolean().optional() }),
  lineFilter: (config, line) => config.productIds.includes(line.productId) !== (config.exclude === true),
  describeLines: (config) => `${config.exclude ? 'not ' : ''}of product ${list(config.productIds)}`,
})

/** Lines of these variants, by id or SKU (or, with `exclude`, any other). */
export const variantCondition = defineConditionType({
  type: 'variant',
  schema: z
    .strictObject({ variantIds: ids.optional(), skus: ids.optional(), exclude: z.boolean().optional() })
    .refine((c) => c.variantIds !== undefined || c.skus !== undefined, 'name variantIds or skus'),
  lineFilter: (config, line) =>
    ((config.variantIds?.includes(line.variantId) ?? false) || (config.skus?.includes(line.sku) ?? false)) !== (config.exclude === true),
  describeLines: (config) => `${config.exclude ? 'not ' : ''}of SKU/variant ${list([...(config.skus ?? []), ...(config.variantIds ?? [])])}`,
})

/** Lines whose product is in one of these categories or below them (or, with `exclude`, is not). */
export const categoryCondition = defineConditionType({
  type: 'category',
  schema: z.strictObject({ categoryIds: ids, exclude: z.boolean().optional() }),
  lineFilter: (config, line) => intersects(config.categoryIds, line.categoryIds) !== (config.exclude === true),
  describeLines: (config) => `${config.exclude ? 'not ' : ''}in category ${list(config.categoryIds)}`,
})

/** Lines whose attribute `code` has one of `values` (or, with `exclude`, does not). */
export const attributeCondition = defineConditionType({
  type: 'attribute',
  schema: z.strictObject({ code: id, values: z.array(attributeValue).min(1), exclude: z.boolean().optional() }),
  lineFilter(config, line) {
    const value = line.attributes[config.code]
    return (value !== undefined && config.values.includes(value)) !== (config.exclude === true)
  },
  describeLines: (config) => `with ${config.code} ${config.exclude ? 'other than' : 'of'} ${list(config.values)}`,
})

/** The customer belongs to one of these groups. */
export const customerGroupCondition = defineConditionType({
  type: 'customer_group',
  schema: z.strictObject({ groups: ids }),
  matches: (config, { context }) =>
    intersects(config.groups, context.customerGroups) || `only for customer group ${list(config.groups)}`,
})

/** The customer has no previous order. */
export const firstOrderCondition = defineConditionType({
  type: 'first_order',
  schema: z.strictObject({}),
  matches: (_config, { context }) => context.orderCount === 0 || "only for a customer's first order",
})

/** This is the customer's `n`-th order (with `repeat`, every `n`-th). */
export const nthOrderCondition = defineConditionType({
  type: 'nth_order',
  schema: z.strictObject({ n: z.number().int().min(1), repeat: z.boolean().optional() }),
  matches(config, { context }) {
    const number = context.orderCount + 1
    if (config.repeat ? number % config.n === 0 : number === config.n) return true
    return `only for ${config.repeat ? 'every' : "the customer's"} ${ordinal(config.n)} order; this would be their ${ordinal(number)}`
  },
})

/** The context's region is one of these. */
export const regionCondition = defineConditionType({
  type: 'region',
  schema: z.strictObject({ regions: ids }),
  matches(config, { context }) {
    if (context.region !== null && config.regions.includes(context.region)) return true
    return `only in region ${list(config.regions)}${context.region === null ? '; no region is chosen yet' : ''}`
  },
})

/** The visitor came from one of these UTM sources (and mediums/campaigns, when named). */
export const channelCondition = defineConditionType({
  type: 'channel',
  schema: z
    .strictObject({ sources: ids.optional(), mediums: ids.optional(), campaigns: ids.optional() })
    .refine((c) => c.sources !== undefined || c.mediums !== undefined || c.campaigns !== undefined, 'name sources, mediums or campaigns'),
  matches(config, { context }) {
    const channel = context.channel
    const ok =
      channel !== null &&
      (config.sources === undefined || (channel.source !== null && config.sources.includes(channel.source))) &&
      (config.mediums === undefined || (channel.medium !== null && config.mediums.includes(channel.medium))) &&
      (config.campaigns === undefined || (channel.campaign !== null && config.campaigns.includes(channel.campaign)))
    if (ok) return true
    const parts = [
      config.sources && `source ${list(config.sources)}`,
      config.mediums && `medium ${list(config.mediums)}`,
      config.campaigns && `campaign ${list(config.campaigns)}`,
    ].filter(Boolean)
    return `only for visitors from ${parts.join(', ')}`
  },
})

/**
 * A date/time window: between `from` and `to` (ISO instants), on
 * `daysOfWeek` (ISO: 1 = Monday … 7 = Sunday), between `startTime` and
 * `endTime` (HH:MM, local to `timeZone`; an end before the start spans
 * midnight). Every part is optional.
 */
export const timeWindowCondition = defineConditionType({
  type: 'time_window',
  schema: z.strictObject({
    from: instant.optional(),
    to: instant.optional(),
    daysOfWeek: z.array(z.number().int().min(1).max(7)).min(1).optional(),
    startTime: hhmm.optional(),
    endTime: hhmm.optional(),
    timeZone: timeZone.optional(),
  }),
  matches(config, { at }) {
    if (config.from !== undefined && at < Date.parse(config.from)) return `starts at ${config.from}`
    if (config.to !== undefined && at >= Date.parse(config.to)) return `ended at ${config.to}`
    if (config.daysOfWeek === undefined && config.startTime === undefined && config.endTime === undefined) return true
    const zone = config.timeZone ?? 'UTC'
    const local = localTime(at, zone)
    const dayOk = config.daysOfWeek === undefined || config.daysOfWeek.includes(local.isoDay)
    const start = config.startTime === undefined ? 0 : minutes(config.startTime)
    const end = config.endTime === undefined ? 24 * 60 : minutes(config.endTime)
    const timeOk = start <= end ? local.minutes >= start && local.minutes < end : local.minutes >= start || local.minutes < end
    if (dayOk && timeOk) return true
    const days = config.daysOfWeek ? `on ${config.daysOfWeek.map((d) => DAY_NAMES[d - 1]).join(', ')} ` : ''
    const hours = config.startTime !== undefined || config.endTime !== undefined ? `${config.startTime ?? '00:00'}–${config.endTime ?? '24:00'} ` : ''
    return `only ${days}${hours}(${zone})`
  },
})

/** Every built-in condition type. */
export const BUILTIN_CONDITION_TYPES: readonly ConditionType[] = [
  cartSubtotalCondition,
  itemQuantityCondition,
  productCondition,
  variantCondition,
  categoryCondition,
  attributeCondition,
  customerGroupCondition,
  firstOrderCondition,
  nthOrderCondition,
  regionCondition,
  channelCondition,
  timeWindowCondition,
]


/** The built-in conditions, by `type`, with their config. */
export type BuiltinPromotionCondition =
  | PromotionRule<typeof cartSubtotalCondition>
  | PromotionRule<typeof itemQuantityCondition>
  | PromotionRule<typeof productCondition>
  | PromotionRule<typeof variantCondition>
  | PromotionRule<typeof categoryCondition>
  | PromotionRule<typeof attributeCondition>
  | PromotionRule<typeof customerGroupCondition>
  | PromotionRule<typeof firstOrderCondition>
  | PromotionRule<typeof nthOrderCondition>
  | PromotionRule<typeof regionCondition>
  | PromotionRule<typeof channelCondition>
  | PromotionRule<typeof timeWindowCondition>

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const

function intersects(wanted: readonly string[], present: readonly string[]): boolean {
  for (const value of present) if (wanted.includes(value)) return true
  return false
}

function ordinal(n: number): string {
  const mod100 = n % 100
  const suffix = mod100 >= 11 && mod100 <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th'
  return `${n}${suffix}`
}

function minutes(hhmmText: string): number {
  return Number(hhmmText.slice(0, 2)) * 60 + Number(hhmmText.slice(3, 5))
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

// One formatter per zone: building an Intl.DateTimeFormat is the slow part.
const formatters = new Map<string, Intl.DateTimeFormat>()

/** ISO weekday (1 = Monday) and minutes since local midnight of `at` in `zone`. */
function localTime(at: number, zone: string): { isoDay: number; minutes: number } {
  if (zone === 'UTC') {
    const date = new Date(at)
    return { isoDay: ((date.getUTCDay() + 6) % 7) + 1, minutes: date.getUTCHours() * 60 + date.getUTCMinutes() }
  }
  let formatter = formatters.get(zone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    formatters.set(zone, formatter)
  }
  let isoDay = 1
  let hour = 0
  let minute = 0
  for (const part of formatter.formatToParts(at)) {
    if (part.type === 'weekday') isoDay = DAY_NAMES.indexOf(part.value as (typeof DAY_NAMES)[number]) + 1
    else if (part.type === 'hour') hour = Number(part.value)
    else if (part.type === 'minute') minute = Number(part.value)
  }
  return { isoDay, minutes: hour * 60 + minute }
}
