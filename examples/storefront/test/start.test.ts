import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'

test('`npm start` seeds a fresh SQLite file and serves the shop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-start-'))
  const port = 40_000 + Math.floor(Math.random() * 10_000)
  const child = spawn('npm', ['start'], {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, PORT: String(port), ORDO_DB: join(dir, 'shop.db') },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  try {
    for (let i = 0; i < 300 && !output.includes(`localhost:${port}`); i++) await new Promise((r) => setTimeout(r, 100))
    expect(output).toContain('Seeded the demo shop')
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text()
    expect(page).toContain('Ordo Demo Shop')
    expect(page).toContain('Худи')
  } finally {
    process.kill(-child.pid!, 'SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
}, 60_000)
