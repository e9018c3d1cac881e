import { OrdoError } from '../errors.js'
import type { Courier } from '../delivery/courier.js'
import type { PaymentProvider } from '../payment/payment-provider.js'
import type { OrdoPlugin } from './define-plugin.js'

/** Adapters a plugin may bring (fields of {@link OrdoPlugin}): they join those of the config. */
export interface AdapterPluginFields {
  /** Payment providers, usable by `payments.methods` like the config's own `payments.providers`. */
  readonly paymentProviders?: readonly PaymentProvider[]
  /** Courier adapters, quoted and tracked like the config's own `delivery.couriers`. */
  readonly couriers?: readonly Courier[]
}

declare module './define-plugin.js' {
  interface OrdoPlugin extends AdapterPluginFields {}
}

/**
 * The config's adapters followed by the plugins' (in plugin order). A field
 * that is not an array is an `INVALID_PLUGIN` error naming the plugin.
 *
 * @internal
 */
export function adaptersFromPlugins<K extends keyof AdapterPluginFields>(plugins: readonly OrdoPlugin[], field: K, fromConfig: readonly NonNullable<AdapterPluginFields[K]>[number][] = []): NonNullable<AdapterPluginFields[K]>[number][] {
  const all = [...fromConfig]
  for (const plugin of plugins) {
    const value = plugin[field]
    if (value === undefined) continue
    if (!Array.isArray(value)) {
      throw new OrdoError('INVALID_PLUGIN', `Plugin "${plugin.id}": ${field} must be an array.`, { details: { plugin: plugin.id, field } })
    }
    all.push(...(value as NonNullable<AdapterPluginFields[K]>[number][]))
  }
  return all
}
