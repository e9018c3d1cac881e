import { OrdoError } from '../errors.js'
import type { InputIssue } from '../validation.js'
import { BUILTIN_BENEFIT_TYPES } from './builtin-benefits.js'
import { BUILTIN_CONDITION_TYPES } from './builtin-conditions.js'
import type { BenefitType, ConditionType, PromotionBenefit, PromotionCondition, PromotionKind } from './promotion-types.js'

/** The condition and benefit types in force: the built-ins plus those plugins registered. */
export interface PromotionRegistry {
  readonly conditions: ReadonlyMap<string, ConditionType>
  readonly benefits: ReadonlyMap<string, BenefitType>
}

/**
 * Builds the registry of condition and benefit types: the built-ins, then
 * `conditionTypes` and `benefitTypes` (a plugin's). A type name used twice is
 * an `INVALID_PLUGIN` error.
 *
 * @internal
 */
export function createPromotionRegistry(
  options: { conditionTypes?: readonly ConditionType[]; benefitTypes?: readonly BenefitType[] } = {},
): PromotionRegistry {
  return {
    conditions: byType('condition', [...BUILTIN_CONDITION_TYPES, ...(options.conditionTypes ?? [])]),
    benefits: byType('benefit', [...BUILTIN_BENEFIT_TYPES, ...(options.benefitTypes ?? [])]),
  }
}

function byType<D extends { type: string; schema: unknown }>(what: string, definitions: readonly D[]): Map<string, D> {
  const map = new Map<string, D>()
  for (const definition of definitions) {
    if (typeof definition?.type !== 'string' || definition.type === '' || typeof definition.schema !== 'object' || definition.schema === null) {
      throw new OrdoError('INVALID_PLUGIN', `A promotion ${what} type needs a non-empty "type" and a zod "schema".`, { details: { type: definition?.type } })
    }
    if (map.has(definition.type)) {
      throw new OrdoError('INVALID_PLUGIN', `The promotion ${what} type "${definition.type}" is registered twice; type names must be unique (prefix yours with your plugin id).`, {
        details: { type: definition.type },
      })
    }
    map.set(definition.type, definition)
  }
  return map
}

/** The result of {@link validatePromotionRules}. @internal */
export type RulesValidation =
  | { ok: true; conditions: PromotionCondition[]; benefits: PromotionBenefit[] }
  | { ok: false; issues: InputIssue[] }

/**
 * Checks a promotion's conditions and benefits against the registry: the
 * type exists, may be used in this kind of promotion, and its config passes
 * the type's schema. Returns the parsed rules (defaults applied) or every
 * problem with its path.
 *
 * @internal
 */
export function validatePromotionRules(
  registry: PromotionRegistry,
  kind: PromotionKind,
  conditions: readonly { type: string }[],
  benefits: readonly { type: string }[],
): RulesValidation {
  const issues: InputIssue[] = []
  const parsedConditions = parseRules('conditions', 'condition', registry.conditions, kind, conditions, issues) as PromotionCondition[]
  const parsedBenefits = parseRules('benefits', 'benefit', registry.benefits, kind, benefits, issues) as PromotionBenefit[]
  return issues.length > 0 ? { ok: false, issues } : { ok: true, conditions: parsedConditions, benefits: parsedBenefits }
}

function parseRules(
  path: string,
  what: string,
  types: ReadonlyMap<string, ConditionType | BenefitType>,
  kind: PromotionKind,
  rules: readonly { type: string }[],
  issues: InputIssue[],
): { type: string }[] {
  const parsed: { type: string }[] = []
  rules.forEach((rule, index) => {
    const definition = types.get(rule.type)
    if (definition === undefined) {
      issues.push({ path: `${path}.${index}.type`, message: `unknown ${what} type "${rule.type}" (known: ${[...types.keys()].join(', ')})` })
      return
    }
    if (definition.kinds !== undefined && !definition.kinds.includes(kind)) {
      issues.push({ path: `${path}.${index}.type`, message: `a ${kind} promotion cannot use the ${what} "${rule.type}" (only ${definition.kinds.join(', ')} promotions can)` })
      return
    }
    const { type, ...config } = rule
    const result = definition.schema.safeParse(config)
    if (!result.success) {
      for (const issue of result.error.issues) {
        const keys = issue.code === 'unrecognized_keys' ? [issue.keys.join(', ')] : []
        issues.push({
          path: [path, index, ...issue.path, ...keys].map(String).join('.'),
          message: issue.code === 'unrecognized_keys' ? `unknown key for ${what} "${type}"` : issue.message,
        })
      }
      return
    }
    parsed.push({ type, ...(result.data as object) })
  })
  return parsed
}
