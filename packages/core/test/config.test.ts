import { createCommerce, OrdoError } from '@ordo/core'
import { sqliteStorage } from '@ordo/storage-sqlite'
import { describe, expect, test } from 'vitest'

const storage = () => sqliteStorage({ filename: ':memory:' })

async function configError(config: unknown): Promise<OrdoError> {
  const error = await createCommerce(config as never).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(OrdoError)
  return error as OrdoError
}

describe('createCommerce config', () => {
  test('an unknown key is rejected naming the key', async () => {
    const error = await configError({ storage: storage(), currency: 'RUB', curency: 'RUB' })
    expect(error.code).toBe('INVALID_CONFIG')
    expect(error.details.key).toBe('curency')
    expect(error.message).toContain('"curency"')
  })

  test('a wrong type is rejected naming the nested key', async () => {
    const error = await configError({ storage: storage(), currency: 'RUB', delivery: { maxAttempts: 'ten' } })
    expect(error.code).toBe('INVALID_CONFIG')
    expect(error.details.key).toBe('delivery.maxAttempts')
  })

  test('an unknown currency is rejected', async () => {
    const error = await configError({ storage: storage(), currency: 'RUR' })
    expect(error.details.key).toBe('currency')
    expect(error.message).toMatch(/ISO 4217/)
  })

  test('a missing storage is rejected with a hint', async () => {
    const error = await configError({ currency: 'RUB' })
    expect(error.details.key).toBe('storage')
  })

  test('a config that is not an object is rejected', async () => {
    const error = await configError(null)
    expect(error.code).toBe('INVALID_CONFIG')
  })

  test('storage factories validate their own config', () => {
    expect(() => sqliteStorage({ filename: '' })).toThrowError(OrdoError)
    expect(() => sqliteStorage({ filename: 'a.db', busy: 1 } as never)).toThrowError(/busy/)
  })

  test('two plugins with one id are rejected', async () => {
    const error = await configError({ storage: storage(), currency: 'RUB', plugins: [{ id: 'a' }, { id: 'a' }] })
    expect(error.code).toBe('INVALID_PLUGIN')
  })

  test('a hook with an unknown name is rejected', async () => {
    const error = await configError({
      storage: storage(),
      currency: 'RUB',
      plugins: [{ id: 'p', hooks: { before: { 'order.teleport': () => undefined } } }],
    })
    expect(error.code).toBe('INVALID_PLUGIN')
    expect(error.message).toContain('order.teleport')
  })

  test('a plugin extending an unknown machine is rejected', async () => {
    const error = await configError({
      storage: storage(),
      currency: 'RUB',
      plugins: [{ id: 'p', extendMachines: { nope: { states: {} } } }],
    })
    expect(error.code).toBe('INVALID_PLUGIN')
    expect(error.details.machine).toBe('nope')
  })

  test('a valid config gives an engine that closes cleanly', async () => {
    const shop = await createCommerce({ storage: storage(), currency: 'RUB' })
    expect(shop.currency).toBe('RUB')
    expect(await shop.storage.migrations()).toContain('core/0001_kernel')
    await shop.close()
    await expect(shop.jobs.list()).rejects.toMatchObject({ code: 'CLOSED' })
  })
})
