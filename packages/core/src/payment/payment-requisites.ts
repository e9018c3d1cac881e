import { z } from 'zod'

const INN10_WEIGHTS = [2, 4, 10, 3, 5, 9, 4, 6, 8] as const
const INN11_WEIGHTS = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8] as const
const INN12_WEIGHTS = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8] as const

function checkDigit(digits: readonly number[], weights: readonly number[]): number {
  let sum = 0
  weights.forEach((w, i) => (sum += w * (digits[i] ?? 0)))
  return (sum % 11) % 10
}

/**
 * True when `taxId` is a Russian taxpayer number (ИНН) with valid check
 * digits: 10 digits for an organisation, 12 for an individual entrepreneur.
 *
 * @example
 * ```ts
 * isValidTaxId('7707083893') // true
 * isValidTaxId('7707083894') // false: the check digit is wrong
 * ```
 */
export function isValidTaxId(taxId: string): boolean {
  if (!/^(\d{10}|\d{12})$/.test(taxId)) return false
  const d = [...taxId].map(Number)
  if (d.length === 10) return checkDigit(d, INN10_WEIGHTS) === d[9]
  return checkDigit(d, INN11_WEIGHTS) === d[10] && checkDigit(d, INN12_WEIGHTS) === d[11]
}

/** The seller's requisites printed on bank invoices: `payments.seller` in the config. */
export interface SellerRequisites {
  /** Legal name, e.g. `ООО «Ромашка»`. */
  name: string
  /** ИНН: 10 digits (organisation) or 12 (individual entrepreneur), with valid check digits. */
  taxId: string
  /** КПП: 9 characters; organisations only. */
  kpp?: string
  /** Legal address. */
  address: string
  /** The account the buyer pays to. */
  bank: {
    /** The bank's name. */
    name: string
    /** БИК: 9 digits. */
    bik: string
    /** Settlement account (расчётный счёт): 20 digits. */
    account: string
    /** The bank's correspondent account (корр. счёт): 20 digits. */
    correspondentAccount: string
  }
}

/** The buyer (a legal entity or an individual entrepreneur) an invoice is made out to. */
export interface InvoiceBuyer {
  /** Legal name. */
  name: string
  /** ИНН: 10 or 12 digits, with valid check digits. */
  taxId: string
  /** КПП: 9 characters; only with a 10-digit ИНН. */
  kpp?: string
  address?: string
  email?: string
}

const taxIdSchema = z
  .string()
  .trim()
  .regex(/^(\d{10}|\d{12})$/, 'expected an ИНН of 10 digits (organisation) or 12 digits (entrepreneur)')
  .refine(isValidTaxId, 'the ИНН check digits do not match: check for a typo')
const kppSchema = z
  .string()
  .trim()
  .regex(/^\d{4}[\dA-Z]{2}\d{3}$/, 'expected a КПП of 9 characters (e.g. 770701001)')
const digits = (n: number, what: string) => z.string().trim().regex(new RegExp(`^\\d{${n}}$`), `expected ${what} of ${n} digits`)

function kppOnlyWithOrganisation(value: { taxId: string; kpp?: string | undefined }, ctx: z.RefinementCtx): void {
  if (value.kpp !== undefined && value.taxId.length === 12) {
    ctx.addIssue({ code: 'custom', path: ['kpp'], message: 'an individual entrepreneur (12-digit ИНН) has no КПП; leave it out' })
  }
}

/** @internal Validates `payments.seller`. */
export const sellerSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(500),
    taxId: taxIdSchema,
    kpp: kppSchema.optional(),
    address: z.string().trim().min(1).max(1000),
    bank: z.strictObject({
      name: z.string().trim().min(1).max(500),
      bik: digits(9, 'a БИК'),
      account: digits(20, 'a settlement account'),
      correspondentAccount: digits(20, 'a correspondent account'),
    }),
  })
  .superRefine(kppOnlyWithOrganisation)

/** @internal Validates an invoice's buyer. */
export const buyerSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(500),
    taxId: taxIdSchema,
    kpp: kppSchema.optional(),
    address: z.string().trim().min(1).max(1000).optional(),
    email: z.email().max(254).optional(),
  })
  .superRefine(kppOnlyWithOrganisation)
