import { describeCourierContract, startRussianPostFake } from '@ordo/testing'
import { russianPost, type RussianPostConfig } from '@ordo/courier-russianpost'

describeCourierContract('russianpost', async () => {
  const fake = await startRussianPostFake()
  const config: RussianPostConfig = {
    accessToken: fake.accessToken,
    login: fake.login,
    password: fake.password,
    fromPostalCode: '101000',
    baseUrl: fake.url,
    trackingUrl: fake.trackingUrl,
    trackingLogin: fake.trackingLogin,
    trackingPassword: fake.trackingPassword,
    ticketPollIntervalMs: 10,
  }
  // `restarted` shares nothing with `courier`: a retry through it must find the order at the carrier.
  return { courier: russianPost(config), restarted: russianPost(config), control: fake.control, close: () => fake.close() }
})
