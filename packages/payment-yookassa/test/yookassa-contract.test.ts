import { describePaymentProviderContract, startYooKassaFake } from '@ordo/testing'
import { yookassa } from '@ordo/payment-yookassa'

describePaymentProviderContract('yookassa', async () => {
  const fake = await startYooKassaFake({ shopId: '504030', secretKey: 'test_contract_key' })
  // allowedIps stays at its default (YooKassa's published ranges): the fake's notifications come from inside them.
  const provider = yookassa({ shopId: fake.shopId, secretKey: fake.secretKey, baseUrl: fake.url })
  return { provider, fake: fake.control, close: () => fake.close() }
})
