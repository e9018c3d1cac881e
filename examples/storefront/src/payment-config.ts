import type { PaymentMethodConfig, SellerRequisites } from '@ordo/core'

/**
 * The demo shop's requisites for bank invoices (счёт на оплату). Made up:
 * the ИНН has valid check digits but belongs to nobody; a real shop puts its
 * own here.
 */
export const DEMO_SELLER: SellerRequisites = {
  name: 'ООО «Ордо Демо»',
  taxId: '7701000019',
  kpp: '770101001',
  address: '101000, Москва, ул. Мясницкая, д. 13, стр. 2',
  bank: { name: 'АО «Демо-Банк»', bik: '044525999', account: '40702810900000000001', correspondentAccount: '30101810400000000999' },
}

/**
 * The payment methods the demo offers: a card through the provider (paid at
 * once, or held and taken when the order ships), cash on delivery, paying at
 * the showroom, and a bank invoice for companies.
 */
export function demoPaymentMethods(providerId: string | null): PaymentMethodConfig[] {
  return [
    ...(providerId
      ? [
          { code: 'card', type: 'card_online', label: 'Картой онлайн (ЮKassa)', provider: providerId } as const,
          { code: 'card_hold', type: 'card_online', label: 'Картой, списание при отправке (ЮKassa)', provider: providerId, twoStage: true } as const,
        ]
      : []),
    { code: 'cash_on_delivery', type: 'cash_on_delivery', label: 'Наложенный платёж' },
    { code: 'pay_at_pickup', type: 'pay_at_pickup', label: 'При получении в шоуруме' },
    { code: 'invoice', type: 'bank_invoice', label: 'По счёту для юрлиц и ИП' },
  ]
}
