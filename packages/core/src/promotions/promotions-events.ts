import type { PromotionKind } from '../pricing/promotion-types.js'

declare module '../events/domain-events.js' {
  interface DomainEventMap {
    /** A promotion was created. */
    'promotion.created': { promotionId: string; name: string; kind: PromotionKind; requiresCoupon: boolean }
    /** A promotion was changed; `changes` names the fields given. */
    'promotion.updated': { promotionId: string; changes: string[] }
    /** A promotion was archived: it no longer applies. */
    'promotion.archived': { promotionId: string }
    /** A single coupon code was created. */
    'coupon.created': { couponId: string; promotionId: string; code: string }
    /** A batch of coupon codes was generated (the codes are not in the event; list them by `batchId`). */
    'coupon.batch_generated': { batchId: string; promotionId: string; count: number }
    /** An order's use of promotions and coupons was counted. */
    'promotion.usage_recorded': { orderId: string; customerKey: string | null; promotionIds: string[]; couponCodes: string[] }
    /** An order's use of promotions and coupons was released (the order was cancelled). */
    'promotion.usage_released': { orderId: string; promotionIds: string[]; couponCodes: string[] }
  }
}

export {}
