import type { Commerce, NotifyConfig, SmsGateway } from '@ordo/core'
import { smsru } from '@ordo/sms-smsru'
import { startSmsRuFake, type SmsFakeOutcome, type SmsRuFake } from '@ordo/testing'

/** A delivery-report request as `shop.notify.handleCallback()` reads it. */
export type SmsCallback = Parameters<Commerce['notify']['handleCallback']>[1]

/** The sender name the demo's SMS carry (approved at SMS.ru for a real account; the fake approves it). */
export const DEMO_SENDER = 'OrdoShop'

/** The demo shop's SMS gateway and, in demo mode, the fake it talks to. */
export interface DemoSms {
  gateway: SmsGateway
  /**
   * Demo mode: the operator reports the outcome of an SMS at the fake, which
   * then posts SMS.ru's delivery callback — returned here for the shop to
   * read with `shop.notify.handleCallback()`. Undefined with the real SMS.ru.
   */
  report?: (providerMessageId: string, outcome: SmsFakeOutcome) => Promise<SmsCallback>
  /** Where the fake listens, for the start-up message; null with the real SMS.ru. */
  fakeOrigin: string | null
  close(): Promise<void>
}

/**
 * SMS through SMS.ru: the real API when SMSRU_API_ID is in the environment
 * (with SMSRU_SENDER, a sender name approved in the SMS.ru dashboard),
 * otherwise a loopback fake of its API started here.
 */
export async function startSms(env: Record<string, string | undefined>): Promise<DemoSms> {
  if (env.SMSRU_API_ID) {
    return {
      gateway: smsru({ apiId: env.SMSRU_API_ID, ...(env.SMSRU_SENDER ? { sender: env.SMSRU_SENDER } : {}) }),
      fakeOrigin: null,
      close: async () => {},
    }
  }
  const fake: SmsRuFake = await startSmsRuFake({ approvedSenders: [DEMO_SENDER] })
  return {
    gateway: smsru({ apiId: fake.apiId, sender: DEMO_SENDER, baseUrl: fake.url }),
    report: async (providerMessageId, outcome) => {
      await fake.control.deliver(providerMessageId, outcome)
      return fake.control.callback!(providerMessageId)
    },
    fakeOrigin: new URL(fake.url).origin,
    close: () => fake.close(),
  }
}

/** The demo shop's notifications: order, shipment and points messages by SMS, in Russian, times in Moscow. */
export function notifyConfig(sms: SmsGateway): NotifyConfig {
  return {
    sms,
    locale: 'ru',
    defaultTimeZone: 'Europe/Moscow',
    quietHours: { from: '21:00', to: '09:00' },
    templates: {
      // "{points} баллов" reads wrong for 1 or 104 points; this wording fits any number and says when they can be spent.
      points_earned: { ru: { sms: 'За заказ {number} начислены баллы: {points}. Они станут доступны после окончания срока возврата.' } },
    },
  }
}
