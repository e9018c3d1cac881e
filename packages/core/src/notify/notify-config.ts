import { z } from 'zod'

const fn = (what: string) => z.custom<(...args: any[]) => unknown>((v) => typeof v === 'function', { message: `expected ${what}` })
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected local time 'HH:mm'")
const templateText = z.strictObject({
  sms: z.string().min(1).max(2000).optional(),
  subject: z.string().min(1).max(500).optional(),
  email: z.string().min(1).max(100_000).optional(),
  html: z.string().min(1).max(500_000).optional(),
})
const route = z.strictObject({
  template: z.string().min(1).max(100),
  channels: z.array(z.enum(['sms', 'email'])).min(1).optional(),
  kind: z.enum(['transactional', 'marketing']).optional(),
})

/** The zod schema of the config's `notify` key (see `NotifyConfig`). */
export const notifyConfigSchema = z.strictObject({
  sms: z.looseObject({ id: z.string().min(1), send: fn('a function send(message)') }).optional(),
  email: z.looseObject({ id: z.string().min(1), send: fn('a function send(message)') }).optional(),
  locale: z.string().min(2).max(16).optional(),
  templates: z.record(z.string().min(1).max(100), z.record(z.string().min(2).max(16), templateText)).optional(),
  events: z.record(z.string().min(1).max(100), z.union([z.literal(false), route])).optional(),
  quietHours: z.strictObject({ from: hhmm, to: hhmm }).nullable().optional(),
  defaultTimeZone: z.string().min(1).max(64).optional(),
  fallbackToEmail: z.boolean().optional(),
  sender: z.string().min(1).max(64).optional(),
  unsubscribeUrl: z.string().url().refine((u) => u.includes('{token}') || u.includes('%7Btoken%7D'), 'expected a URL with {token}').optional(),
  trackingUrls: z.record(z.string().min(1).max(64), z.string().min(1).max(500)).optional(),
  reasons: z.record(z.string().min(2).max(16), z.record(z.string().min(1).max(100), z.string().min(1).max(500))).optional(),
  maxAttempts: z.number().int().positive().max(50).optional(),
  statusSyncMinutes: z.number().int().positive().max(24 * 60).optional(),
  timeoutMs: z.number().int().positive().max(600_000).optional(),
})
