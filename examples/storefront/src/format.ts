import { formatMoney, type CurrencyCode } from '@ordo/core'

/** `149990, 'RUB'` → `1 499,90 ₽`. */
export const rub = (amount: number, currency: CurrencyCode = 'RUB') => formatMoney({ amount, currency }, 'ru-RU')
