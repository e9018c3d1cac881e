import { describeSmsGatewayContract, startSmscFake } from '@ordo/testing'
import { smsc } from '@ordo/sms-smsc'

describeSmsGatewayContract('smsc', async () => {
  const fake = await startSmscFake({ login: 'ordo-contract', password: 'contract-password' })
  return {
    gateway: smsc({ login: fake.login, password: fake.password, baseUrl: fake.url, callbackSecret: fake.callbackSecret }),
    unauthorized: smsc({ login: fake.login, password: 'not-the-password', baseUrl: fake.url }),
    control: fake.control,
    close: () => fake.close(),
  }
})
