export type { CartApi } from './cart-module.js'
