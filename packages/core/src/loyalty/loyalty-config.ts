import { z } from 'zod'

/** What a customer's balance may do when a reversal takes back points already spent. */
export const NEGATIVE_BALANCE_POLICIES = ['allow', 'debt'] as const

/** One of {@link NEGATIVE_BALANCE_POLICIES}. */
export type NegativeBalancePolicy = (typeof NEGATIVE_BALANCE_POLICIES)[number]

/** A tier: from `minSpend` (minor units kept over the last 12 months) up, earning with `multiplierBasisPoints`. */
export interface LoyaltyTier {
  /** E.g. `silver`. */
  code: string
  /** Goods kept and paid over the rolling 12 months, minor units, from which the tier applies. */
  minSpend: number
  /** Earn multiplier, basis points (10000 = ×1, 15000 = ×1.5). */
  multiplierBasisPoints: number
}

/**
 * Personal coupons that bring customers back, issued by the daily
 * `loyalty.personal-coupons` job (or `shop.loyalty.issuePersonalCoupons()`).
 * Each coupon is a single-use code of the given promotion, which must require
 * a coupon.
 *
 * @example
 * ```ts
 * loyalty: {
 *   earnBasisPoints: 500,
 *   personalCoupons: {
 *     birthday: { promotionId: birthdayPromo.id, validDays: 14 },
 *     winBack: { promotionId: comeBackPromo.id, afterDays: 90, validDays: 30 },
 *   },
 * }
 * ```
 */
export interface PersonalCouponsConfig {
  /** A coupon once a year, on the customer's birthday (set with `shop.loyalty.setBirthday()`), or within a week after it when the job was late. */
  birthday?: { promotionId: string; validDays?: number } | undefined
  /** A coupon to customers whose last completed order is older than `afterDays` (@default 90), once per such lull. */
  winBack?: { promotionId: string; afterDays?: number; validDays?: number } | undefined
}

/**
 * The `loyalty` key of `createCommerce()`: earning, activation, expiry,
 * redemption and tiers. Points are whole numbers; each is worth `pointValue`
 * minor units when spent. Without this key the shop earns no points and
 * carts cannot redeem any.
 *
 * @example
 * ```ts
 * const shop = await createCommerce({
 *   storage, currency: 'RUB',
 *   loyalty: { earnBasisPoints: 500, activationDays: 14, expiryDays: 180, maxRedeemBasisPoints: 3000, negativeBalance: 'debt' },
 * })
 * ```
 */
export interface LoyaltyConfig {
  /** Share of the kept and paid goods amount earned, basis points: 500 = 5 %. */
  earnBasisPoints: number
  /** Minor units one point is worth, both when earned and when spent. @default 100 (1 ₽) */
  pointValue?: number
  /** Earn nothing on lines a promotion or coupon already discounted. @default false */
  excludeDiscountedLines?: boolean
  /** Earn multipliers by category id (the product's categories and their ancestors), basis points; the highest matching applies. */
  categoryMultipliers?: Readonly<Record<string, number>>
  /** Earn multipliers by product id, basis points; they win over category multipliers. */
  productMultipliers?: Readonly<Record<string, number>>
  /** Days after the order completes (the return window) before earned points become active. @default 14 */
  activationDays?: number
  /** Days after activation (or a manual credit) before unspent points expire. @default 180 */
  expiryDays?: number
  /** Days before expiry at which `loyalty.points_expiring` warns the customer, once. @default 7 */
  warnDaysBefore?: number
  /** Largest share of the goods total (after promotions) points may pay, basis points. @default 3000 (30 %) */
  maxRedeemBasisPoints?: number
  /** Tiers by rolling 12-month spend; the highest reached applies. @default none: every customer earns ×1 */
  tiers?: readonly LoyaltyTier[]
  /** Points credited once by `shop.loyalty.awardBonus(customerId, 'signup')`. */
  signupBonus?: number
  /** Points credited once a year by `shop.loyalty.awardBonus(customerId, 'birthday')`. */
  birthdayBonus?: number
  /**
   * When a return takes back points already spent: `allow` draws on the
   * customer's other points and lets the balance go below zero; `debt` keeps
   * their other points and carries the shortfall against future earns.
   * @default 'debt'
   */
  negativeBalance?: NegativeBalancePolicy
  /** Points cannot be redeemed in a cart where a coupon applies. @default false */
  notCombinableWithCoupons?: boolean
  /** Birthday and win-back coupons; see {@link PersonalCouponsConfig}. @default none */
  personalCoupons?: PersonalCouponsConfig
}

const bp = z.number().int().min(0).max(1_000_000)

/** @internal The zod schema of {@link LoyaltyConfig}, used by `createCommerce`'s config check. */
export const loyaltyConfigSchema = z.strictObject({
  earnBasisPoints: z.number().int().min(0).max(10_000),
  pointValue: z.number().int().positive().max(1_000_000).optional(),
  excludeDiscountedLines: z.boolean().optional(),
  categoryMultipliers: z.record(z.string().min(1), bp).optional(),
  productMultipliers: z.record(z.string().min(1), bp).optional(),
  activationDays: z.number().int().min(0).max(3650).optional(),
  expiryDays: z.number().int().positive().max(36500).optional(),
  warnDaysBefore: z.number().int().min(0).max(3650).optional(),
  maxRedeemBasisPoints: z.number().int().min(0).max(10_000).optional(),
  tiers: z
    .array(z.strictObject({ code: z.string().trim().min(1).max(64), minSpend: z.number().int().nonnegative(), multiplierBasisPoints: bp }))
    .max(50)
    .refine((tiers) => new Set(tiers.map((t) => t.code)).size === tiers.length, 'two tiers have the same code')
    .optional(),
  signupBonus: z.number().int().positive().optional(),
  birthdayBonus: z.number().int().positive().optional(),
  negativeBalance: z.enum(NEGATIVE_BALANCE_POLICIES).optional(),
  notCombinableWithCoupons: z.boolean().optional(),
  personalCoupons: z
    .strictObject({
      birthday: z.strictObject({ promotionId: z.string().min(1).max(64), validDays: z.number().int().positive().max(3650).optional() }).optional(),
      winBack: z
        .strictObject({
          promotionId: z.string().min(1).max(64),
          afterDays: z.number().int().positive().max(3650).optional(),
          validDays: z.number().int().positive().max(3650).optional(),
        })
        .optional(),
    })
    .optional(),
})

/** @internal The config with every default applied. */
export interface LoyaltySettings {
  earnBasisPoints: number
  pointValue: number
  excludeDiscountedLines: boolean
  categoryMultipliers: Readonly<Record<string, number>>
  productMultipliers: Readonly<Record<string, number>>
  activationMs: number
  expiryMs: number
  warnMs: number
  maxRedeemBasisPoints: number
  /** Highest `minSpend` first. */
  tiers: readonly LoyaltyTier[]
  signupBonus: number | null
  birthdayBonus: number | null
  negativeBalance: NegativeBalancePolicy
  notCombinableWithCoupons: boolean
  personalCoupons: PersonalCouponsConfig
}

const DAY = 86_400_000

/** @internal Applies the defaults. */
export function loyaltySettings(config: LoyaltyConfig): LoyaltySettings {
  return {
    earnBasisPoints: config.earnBasisPoints,
    pointValue: config.pointValue ?? 100,
    excludeDiscountedLines: config.excludeDiscountedLines ?? false,
    categoryMultipliers: config.categoryMultipliers ?? {},
    productMultipliers: config.productMultipliers ?? {},
    activationMs: (config.activationDays ?? 14) * DAY,
    expiryMs: (config.expiryDays ?? 180) * DAY,
    warnMs: (config.warnDaysBefore ?? 7) * DAY,
    maxRedeemBasisPoints: config.maxRedeemBasisPoints ?? 3000,
    tiers: [...(config.tiers ?? [])].sort((a, b) => b.minSpend - a.minSpend),
    signupBonus: config.signupBonus ?? null,
    birthdayBonus: config.birthdayBonus ?? null,
    negativeBalance: config.negativeBalance ?? 'debt',
    notCombinableWithCoupons: config.notCombinableWithCoupons ?? false,
    personalCoupons: config.personalCoupons ?? {},
  }
}
