import { describeSmsGatewayContract, startSmscFake } from '@ordo/testing'
import { smsc } from '@ordo/sms-smsc'

describeSmsGatewayContract('smsc', async () => {
  const fake = await startSmscFake({ login: 'ordo-contract', password: 'contract-password' })
  return {
    gateway: smsc({ login: fake.login, password: fake.password, baseUrl: fake.url }),
    unauthorized: smsc({ login: fake.login, password: 'not-the-password', baseUrl: fake.url }),
    control: fake.control,
    // Our own SMSC message id, checked with status.php before sending.
    deduplicatesByKey: true,
    close: () => fake.close(),
  }
})
