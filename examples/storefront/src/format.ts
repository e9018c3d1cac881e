import { formatMoney, type CurrencyCode } from '@ordo/core'
import { locale } from './i18n.js'

/** `149990, 'RUB'` → `1 499,90 ₽` (in the request's language: `RUB 1,499.90` in English). */
export const rub = (amount: number, currency: CurrencyCode = 'RUB') => formatMoney({ amount, currency }, locale())
