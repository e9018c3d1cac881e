import { describeSmsGatewayContract, startSmsRuFake } from '@ordo/testing'
import { smsru } from '@ordo/sms-smsru'

describeSmsGatewayContract('smsru', async () => {
  const fake = await startSmsRuFake({ apiId: 'contract-api-id' })
  return {
    gateway: smsru({ apiId: fake.apiId, baseUrl: fake.url }),
    unauthorized: smsru({ apiId: 'not-the-api-id', baseUrl: fake.url }),
    control: fake.control,
    // SMS.ru has no client message id: a repeated key cannot be recognised (see the smsru() docs).
    deduplicatesByKey: false,
    close: () => fake.close(),
  }
})
