export type { CartApi } from './cart-module.js'
export type { AbandonedCart, Address, Cart, CartContact, CartItem, ChannelAttribution, CreateCartInput } from './cart-types.js'
export { addressSchema, toE164 } from './contact-schema.js'
