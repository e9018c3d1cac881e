import { OrdoError } from '../errors.js'
import type { OrdoPlugin } from '../plugin/define-plugin.js'
import type { PricingOptions } from './price-breakdown.js'
import type { PricingAdjuster } from './pricing-types.js'
import type { BenefitType, ConditionType } from './promotion-types.js'

/** What a plugin may add to pricing and promotions (fields of {@link OrdoPlugin}). */
export interface PricingPluginFields {
  /** Promotion condition types the plugin adds; see `defineConditionType`. */
  readonly promotionConditions?: readonly ConditionType[]
  /** Promotion benefit types the plugin adds; see `defineBenefitType`. */
  readonly promotionBenefits?: readonly BenefitType[]
  /** Steps the plugin adds to the pricing pipeline; see `PricingAdjuster`. */
  readonly pricingAdjusters?: readonly PricingAdjuster[]
}

declare module '../plugin/define-plugin.js' {
  interface OrdoPlugin extends PricingPluginFields {}
}

/**
 * Collects the plugins' promotion condition and benefit types and pricing
 * adjusters, in plugin order. A field that is not an array is an
 * `INVALID_PLUGIN` error naming the plugin.
 *
 * @internal
 */
export function pricingOptionsFromPlugins(plugins: readonly OrdoPlugin[]): Required<PricingOptions> {
  const options = { adjusters: [] as PricingAdjuster[], conditionTypes: [] as ConditionType[], benefitTypes: [] as BenefitType[] }
  for (const plugin of plugins) {
    options.conditionTypes.push(...list(plugin, 'promotionConditions', plugin.promotionConditions))
    options.benefitTypes.push(...list(plugin, 'promotionBenefits', plugin.promotionBenefits))
    options.adjusters.push(...list(plugin, 'pricingAdjusters', plugin.pricingAdjusters))
  }
  return options
}

function list<T>(plugin: OrdoPlugin, field: string, value: readonly T[] | undefined): readonly T[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    throw new OrdoError('INVALID_PLUGIN', `Plugin "${plugin.id}": ${field} must be an array.`, { details: { plugin: plugin.id, field } })
  }
  return value
}
