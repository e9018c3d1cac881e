import { describeSmsGatewayContract, startSmsRuFake } from '@ordo/testing'
import { smsru } from '@ordo/sms-smsru'

describeSmsGatewayContract('smsru', async () => {
  const fake = await startSmsRuFake({ apiId: 'contract-api-id' })
  return {
    gateway: smsru({ apiId: fake.apiId, baseUrl: fake.url }),
    unauthorized: smsru({ apiId: 'not-the-api-id', baseUrl: fake.url }),
    control: fake.control,
    close: () => fake.close(),
  }
})
