import { OrdoError } from '../errors.js'
import type { UnitOfWork } from '../unit-of-work.js'
import type { AfterHook, BeforeHook, HookMap, HookName } from './hook-types.js'

interface Registered<T> {
  pluginId: string
  hook: T
}

/**
 * The engine's hook registry. Hooks run in the order plugins were listed in
 * the config, `before` hooks first, then the command, then `after` hooks, all
 * inside the command's transaction: a veto or a throw writes nothing.
 */
export class HookRunner {
  readonly #before = new Map<string, Registered<BeforeHook<any>>[]>()
  readonly #after = new Map<string, Registered<AfterHook<any>>[]>()

  addBefore<K extends HookName>(name: K, pluginId: string, hook: BeforeHook<K>): void {
    const list = this.#before.get(name) ?? []
    list.push({ pluginId, hook })
    this.#before.set(name, list)
  }

  addAfter<K extends HookName>(name: K, pluginId: string, hook: AfterHook<K>): void {
    const list = this.#after.get(name) ?? []
    list.push({ pluginId, hook })
    this.#after.set(name, list)
  }

  /** True when any hook is registered for `name` (lets hot paths skip the wrapper). */
  has(name: HookName): boolean {
    return this.#before.has(name) || this.#after.has(name)
  }

  /** Runs `command` wrapped by the hooks registered under `name`. */
  async run<K extends HookName>(
    name: K,
    uow: UnitOfWork,
    input: HookMap[K]['input'],
    command: (input: HookMap[K]['input']) => Promise<HookMap[K]['result']>,
  ): Promise<HookMap[K]['result']> {
    let current = input
    for (const { pluginId, hook } of this.#before.get(name) ?? []) {
      const outcome = await hook(current, { uow, pluginId })
      if (outcome && 'reject' in outcome) {
        throw new OrdoError('REJECTED_BY_PLUGIN', `Plugin "${pluginId}" refused ${name}: ${outcome.reject}`, {
          details: { plugin: pluginId, hook: name, reason: outcome.reject },
        })
      }
      if (outcome && 'input' in outcome) current = outcome.input
    }
    const result = await command(current)
    for (const { pluginId, hook } of this.#after.get(name) ?? []) {
      await hook(current, result, { uow, pluginId })
    }
    return result
  }
}
