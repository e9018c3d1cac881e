export type { CheckoutApi, PlaceOrderOptions, PriceChange } from './checkout-module.js'
