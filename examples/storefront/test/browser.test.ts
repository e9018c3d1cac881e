import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'

// The real app (`npm start`: SQLite file, demo seed, in-process fakes of
// YooKassa, CDEK, Russian Post and SMS.ru) driven by a real Chromium.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const SCREENSHOTS = join(import.meta.dirname, '..', 'test-results', 'screenshots')

let dir: string
let child: ChildProcess
let browser: Browser
let base: string
let output = ''

/** A loopback port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordo-browser-'))
  mkdirSync(SCREENSHOTS, { recursive: true })
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  child = spawn('npm', ['start'], {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, PORT: String(port), ORDO_DB: join(dir, 'shop.db'), PUBLIC_URL: base },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  for (let i = 0; i < 1500 && !output.includes(`localhost:${port}`); i++) await new Promise((r) => setTimeout(r, 100))
  if (!output.includes(`localhost:${port}`)) throw new Error(`The shop did not start:\n${output}`)
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  if (child?.pid) process.kill(-child.pid, 'SIGTERM')
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** Saves what the page shows now as a test artifact. */
async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

/** Clicks the submit button of the first form matching `form` and waits for the page it leads to. */
async function submit(page: Page, form: string, button?: string) {
  const target = page.locator(form).first().locator(button ?? 'button')
  await Promise.all([page.waitForNavigation(), target.first().click()])
}

/** Adds a SKU to the cart from its product page. */
async function addToCart(page: Page, handle: string, sku: string) {
  await page.goto(`${base}/p/${handle}`)
  const form = page.locator('form[action="/cart/add"]').filter({ has: page.locator(`input[name="sku"][value="${sku}"]`) })
  await Promise.all([page.waitForURL(/\/cart/), form.locator('button').click()])
}

test('a visitor buys two items cash on delivery at a CDEK point; the manager confirms, packs, hands over; the carrier reports a partial buyout', async () => {
  const context = await browser.newContext({ locale: 'ru-RU' })
  const page = await context.newPage()
  await page.goto(base)
  expect((await page.locator('h1').textContent())?.trim()).toBe('Каталог')
  await shot(page, '01-catalog')

  await page.getByRole('link', { name: 'Джинсы Slim' }).click()
  await page.waitForURL(/\/p\/jeans-slim/)
  await shot(page, '02-product')
  await addToCart(page, 'jeans-slim', 'JEANS-SLIM-BLUE-M')
  await addToCart(page, 'tee-basic', 'TEE-BASIC-WHITE-M')
  const cart = page.locator('table tbody tr')
  expect(await cart.count()).toBe(2)

  // Delivery: the CDEK pickup point list in Moscow, with try-on (and so partial buyout).
  await page.fill('input[name="city"]', 'Москва')
  await submit(page, 'form[action="/cart#delivery"]')
  const option = page.locator('[data-method="pickup_point"] form').filter({ hasText: 'СДЭК' }).first()
  await option.locator('input[name="pickupPointId"][value="MSK12"]').check()
  await option.locator('input[name="tryOn"]').check()
  await Promise.all([page.waitForNavigation(), option.locator('button').click()])
  expect(await page.locator('[data-chosen]').first().isVisible()).toBe(true)
  await shot(page, '03-cart')

  const checkout = page.locator('form[action="/checkout"]')
  await checkout.locator('input[name="name"]').fill('Мария')
  await checkout.locator('input[name="phone"]').fill('+7 916 700 11 22')
  await checkout.locator('select[name="payment"]').selectOption('cash_on_delivery')
  await Promise.all([page.waitForURL(/\/orders\//), checkout.locator('button').last().click()])
  const orderUrl = page.url()
  const orderId = orderUrl.split('/').pop()!
  expect(await page.locator('[data-payment]').getAttribute('data-payment')).toBe('unpaid')
  await shot(page, '04-order-placed')

  // The manager, in the back office.
  const admin = await context.newPage()
  await admin.goto(`${base}/admin/orders`)
  await shot(admin, '05-admin-board')
  await Promise.all([admin.waitForURL(new RegExp(`/admin/orders/${orderId}`)), admin.locator(`a[href="/admin/orders/${orderId}"]`).first().click()])
  // Confirmed by phone: the call is logged and confirms the order.
  await admin.locator('[data-call-form] select[name="outcome"]').selectOption('confirmed')
  await admin.locator('[data-call-form] input[name="note"]').fill('Клиент подтвердил, будет примерять')
  await submit(admin, '[data-call-form]')
  expect(await admin.locator('[data-calls]').textContent()).toContain('Клиент подтвердил')
  expect(await admin.locator('[data-status]').first().getAttribute('data-status')).toBe('confirmed')
  await shot(admin, '06-admin-confirmed')

  await submit(admin, `form[action="/admin/orders/${orderId}/transition"]:has(input[value="start_picking"])`)
  await admin.locator('input[name="weightGrams"]').fill('900')
  await submit(admin, 'form[action$="/pack"]')
  expect(await admin.locator('[data-shipment-status]').first().getAttribute('data-shipment-status')).toBe('ready_to_ship')
  await submit(admin, 'form[action$="/register"]')
  expect(await admin.locator('[data-shipment-status]').first().getAttribute('data-shipment-status')).toBe('registered')
  // Handed to the carrier: CDEK accepts the parcel at its warehouse, then it reaches the point.
  await admin.locator('form[action$="/demo-advance"] select[name="status"]').selectOption('handed_over')
  await submit(admin, 'form[action$="/demo-advance"]')
  expect(await admin.locator('[data-shipment-status]').first().getAttribute('data-shipment-status')).toBe('handed_over')
  await admin.locator('form[action$="/demo-advance"] select[name="status"]').selectOption('at_pickup_point')
  await submit(admin, 'form[action$="/demo-advance"]')
  expect(await admin.locator('[data-shipment-status]').first().getAttribute('data-shipment-status')).toBe('at_pickup_point')
  await shot(admin, '07-admin-at-point')

  // At the point the customer tries both on and keeps only the jeans; CDEK reports it.
  const partial = admin.locator('[data-demo-partial]')
  const inputs = partial.locator('input[type="number"]')
  expect(await inputs.count()).toBe(2)
  const labels = await partial.locator('label').allTextContents()
  for (const [i, label] of labels.entries()) await inputs.nth(i).fill(label.includes('JEANS') ? '1' : '0')
  await submit(admin, '[data-demo-partial]')
  expect(await admin.locator('[data-shipment-status]').first().getAttribute('data-shipment-status')).toBe('partially_delivered')
  await shot(admin, '08-admin-partial-buyout')

  // The customer's order page: partially bought out, and what the jeans (and delivery) cost.
  await page.goto(orderUrl)
  expect(await page.locator('[data-status]').getAttribute('data-status')).toBe('partially_completed')
  expect((await page.locator('[data-status]').textContent())?.trim()).toBe('Выкуплен частично')
  const due = Number(await page.locator('[data-final-total]').getAttribute('data-final-total'))
  const jeansRow = page.locator('tr', { hasText: 'Джинсы Slim' })
  const jeansTotal = Number(await jeansRow.getAttribute('data-line-total'))
  const deliveryTotal = Number(await page.locator('[data-order-delivery]').getAttribute('data-order-delivery'))
  expect(jeansTotal).toBeGreaterThan(0)
  expect(due).toBe(jeansTotal + deliveryTotal)
  await shot(page, '09-order-partially-completed')
  await context.close()
}, 120_000)

test('another visitor switches to English, pays by card on the YooKassa page and lands on a paid order', async () => {
  const context = await browser.newContext({ locale: 'en-GB' })
  const page = await context.newPage()
  await page.goto(base)
  await Promise.all([page.waitForURL(/lang=en/), page.locator('[data-lang-switch]').click()])
  expect((await page.locator('h1').textContent())?.trim()).toBe('Catalog')
  expect(await page.locator('html').getAttribute('lang')).toBe('en')
  await shot(page, '10-catalog-english')
  await addToCart(page, 'hoodie-zip', 'HOODIE-ZIP-GREY-M')
  // Picked up at the shop's showroom, paid in advance.
  await page.fill('input[name="city"]', 'Москва')
  await submit(page, 'form[action="/cart#delivery"]')
  const showroom = page.locator('[data-method="showroom_pickup"] form').first()
  await showroom.locator('input[name="pickupPointId"]').first().check()
  await Promise.all([page.waitForNavigation(), showroom.locator('button').click()])
  const checkout = page.locator('form[action="/checkout"]')
  await checkout.locator('input[name="name"]').fill('Пётр')
  await checkout.locator('input[name="phone"]').fill('+7 916 700 33 44')
  await checkout.locator('select[name="payment"]').selectOption('card')
  await shot(page, '11-card-checkout')
  await Promise.all([page.waitForURL(/\/confirm\//), checkout.locator('button').last().click()])
  expect(new URL(page.url()).origin).not.toBe(base)
  await shot(page, '12-yookassa-confirmation')

  await Promise.all([page.waitForURL(new RegExp(`^${base}/orders/`)), page.getByRole('button', { name: 'Pay' }).click()])
  expect(await page.locator('[data-payment]').getAttribute('data-payment')).toBe('paid')
  // Still in English after the trip to the provider's page.
  expect((await page.locator('[data-payment]').textContent())?.trim()).toBe('paid')
  expect(await page.locator('h1').textContent()).toMatch(/^Order No\. \d+$/)
  await shot(page, '13-order-paid')
  await context.close()
}, 60_000)

test('the manager opens the first buyer’s page from the order and the reports dashboard with both orders', async () => {
  const context = await browser.newContext({ locale: 'ru-RU' })
  const admin = await context.newPage()
  await admin.goto(`${base}/admin/customers?q=${encodeURIComponent('+7 916 700 11 22')}`)
  await Promise.all([admin.waitForURL(/\/admin\/customers\/[^?]+$/), admin.locator('[data-customer] a').first().click()])
  expect((await admin.locator('h1').textContent())?.trim()).toBe('Мария')
  expect(await admin.locator('[data-timeline-kind="order"]').count()).toBe(1)
  await admin.locator('[data-note-form] textarea[name="body"]').fill('Примеряет в пункте выдачи, футболки не берёт')
  await submit(admin, '[data-note-form]')
  expect(await admin.locator('[data-timeline-kind="note"]').first().textContent()).toContain('футболки не берёт')
  await shot(admin, '14-admin-customer')

  await Promise.all([admin.waitForURL(/\/admin\/reports/), admin.locator('[data-admin-nav] a[href="/admin/reports"]').click()])
  // The SVG funnel counts both visitors' orders; the revenue chart has a column per day.
  expect(await admin.locator('svg[data-chart="funnel"] [data-bar="orders"]').getAttribute('data-count')).toBe('2')
  expect(await admin.locator('svg[data-chart="revenue"] [data-day]').count()).toBe(7)
  await shot(admin, '15-admin-reports')
  await context.close()
}, 60_000)
