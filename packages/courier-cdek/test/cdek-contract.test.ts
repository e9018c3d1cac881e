import { describeCourierContract, startCdekFake } from '@ordo/testing'
import { cdek } from '@ordo/courier-cdek'

describeCourierContract('cdek', async () => {
  const fake = await startCdekFake({ clientId: 'contract_account', clientSecret: 'contract_secret' })
  const config = { clientId: fake.clientId, clientSecret: fake.clientSecret, baseUrl: fake.url, labelPollIntervalMs: 5 }
  return { courier: cdek(config), restarted: cdek(config), control: fake.control, close: () => fake.close() }
})
