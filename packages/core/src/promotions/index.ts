/**
 * Promotions and coupons: `shop.promotions`.
 *
 * @module
 */
export type { PromotionsApi } from './promotions-module.js'
export type {
  CheckCouponOptions,
  CreateCouponInput,
  CreatePromotionInput,
  GenerateCouponsInput,
  ListCouponsInput,
  ListPromotionsInput,
  UpdatePromotionInput,
} from './promotion-inputs.js'
export { COUPON_CODE_PATTERN, MAX_COUPONS_PER_BATCH } from './promotion-inputs.js'
export type { Coupon, CouponCheck, CouponRefusal, GeneratedCoupons, PromotionRecord } from './promotion-records.js'
export { COUPON_ALPHABET } from './coupon-codes.js'
