import { describePaymentProviderContract, startCloudPaymentsFake } from '@ordo/testing'
import { cloudpayments } from '@ordo/payment-cloudpayments'

describePaymentProviderContract('cloudpayments', async () => {
  const fake = await startCloudPaymentsFake({ publicId: 'pk_contract', apiSecret: 'contract_secret' })
  const provider = cloudpayments({ publicId: fake.publicId, apiSecret: fake.apiSecret, baseUrl: fake.url })
  return { provider, fake: fake.control, close: () => fake.close() }
})
