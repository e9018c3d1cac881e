import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { expect, test } from 'vitest'

test('the minimal embedding runs one order from cart to completion', () => {
  const output = execFileSync('node', ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
    cwd: join(import.meta.dirname, '..'),
    encoding: 'utf8',
  })
  expect(output).toMatch(/Order \d{6}: 1180 RUB/)
  expect(output).toContain('awaiting_confirmation → confirmed (manager:1)')
  expect(output.trim().split('\n').at(-1)).toMatch(/is completed$/)
}, 60_000)
