import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'
import { z } from 'zod'
import type { ChannelAttribution } from './cart-types.js'

/** Longest free text kept (comments, notes). */
export const MAX_TEXT = 2000

/** A delivery address as carts and orders accept it. */
export const addressSchema = z
  .strictObject({
    country: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 code such as RU'),
    region: z.string().max(255).optional(),
    city: z.string().trim().min(1).max(255),
    postalCode: z.string().trim().max(20).optional(),
    street: z.string().max(255).optional(),
    house: z.string().max(50).optional(),
    apartment: z.string().max(50).optional(),
    comment: z.string().max(MAX_TEXT).optional(),
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
  })
  .nullable()

/**
 * The phone in E.164 (`8 916 123-45-67` → `+79161234567`), reading numbers
 * without a country code as `defaultCountry`; null when it is not a valid
 * number. Carts, orders and customers store phones this way.
 *
 * @example
 * ```ts
 * toE164('8 (916) 123-45-67 доб. 12', 'RU') // '+79161234567'
 * ```
 */
export function toE164(phone: string, defaultCountry: string): string | null {
  const parsed = parsePhoneNumberFromString(phone, defaultCountry as CountryCode)
  return parsed?.isValid() ? parsed.number : null
}

/** The attribution columns carts and orders both keep. */
export interface ChannelColumns {
  channel_source: string | null
  channel_medium: string | null
  channel_campaign: string | null
  landing_page: string | null
  referrer: string | null
}

/** A row's attribution columns as a {@link ChannelAttribution}. */
export function channelOf(row: ChannelColumns): ChannelAttribution {
  return { source: row.channel_source, medium: row.channel_medium, campaign: row.channel_campaign, landingPage: row.landing_page, referrer: row.referrer }
}
