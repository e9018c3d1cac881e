import { createHmac, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fromMajor, isCurrencyCode, money, toMajorString, type CurrencyCode, type WebhookRequest } from '@ordo/core'

/**
 * How a test drives the CloudPayments fake: plays the customer on the payment
 * page, builds signed notifications and injects failures. Structurally the
 * `PaymentFakeControl` of the provider contract suite.
 */
export interface CloudPaymentsFakeControl {
  /** The customer pays on the order page: the transaction becomes `Authorized` (two-stage) or `Completed` (one-stage). */
  approve(providerPaymentId: string): Promise<void>
  /** The customer's bank declines: a `Declined` transaction with Reason/ReasonCode (5051, insufficient funds). */
  decline(providerPaymentId: string): Promise<void>
  /** The notification CloudPayments would send about the payment's current state (Pay, Confirm, Fail, Refund or Cancel), form-encoded and signed with `Content-HMAC` / `X-Content-HMAC`. */
  webhookFor(providerPaymentId: string): Promise<WebhookRequest>
  /** The same notification signed with a different secret: it must be rejected. */
  forgedWebhookFor(providerPaymentId: string): Promise<WebhookRequest>
  /** The next `count` API calls answer with this HTTP status (e.g. 500) without doing anything. */
  failNext(count: number, status: number): void
  /** Every API request the fake received, oldest first: method, path and the `X-Request-ID` header. */
  requests(): { method: string; path: string; idempotencyKey: string | null }[]
}

/** A running CloudPayments fake; see {@link startCloudPaymentsFake}. */
export interface CloudPaymentsFake {
  /** Base URL of the fake API (`http://127.0.0.1:<port>`), to pass as the adapter's `baseUrl`. */
  readonly url: string
  /** The credentials the fake accepts. */
  readonly publicId: string
  /** The API secret: HTTP Basic password and the notification HMAC key. */
  readonly apiSecret: string
  /** Test controls. */
  readonly control: CloudPaymentsFakeControl
  /** Stops the server. */
  close(): Promise<void>
}

/** Options of {@link startCloudPaymentsFake}. */
export interface CloudPaymentsFakeOptions {
  /** @default 'pk_test_ordo' */
  publicId?: string
  /** @default 'test_api_secret' */
  apiSecret?: string
}

type TransactionStatus = 'AwaitingAuthentication' | 'Authorized' | 'Completed' | 'Cancelled' | 'Declined'

interface FakeOrder {
  id: string
  number: number
  invoiceId: string | null
  amount: number
  currency: CurrencyCode
  description: string
  email: string | null
  requireConfirmation: boolean
  jsonData: unknown
  canceled: boolean
  createdAt: Date
  /** Payment transactions made on this order's page, oldest first. */
  transactions: FakeTransaction[]
}

interface FakeTransaction {
  transactionId: number
  order: FakeOrder
  status: TransactionStatus
  /** Authorised amount, then the confirmed amount after `payments/confirm` (minor units). */
  amount: number
  reason: string
  reasonCode: number
  refunds: { transactionId: number; amount: number; at: Date }[]
  createdAt: Date
  authDate: Date | null
  confirmDate: Date | null
}

type Envelope = { Success: boolean; Message: string | null; Model?: unknown }

const json = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const major = (amount: number, currency: CurrencyCode): number => Number(toMajorString(money(amount, currency)))

const LIST_PAGE_SIZE = 100

const netDate = (date: Date): string => `/Date(${date.getTime()})/`

/**
 * Starts a loopback fake of the CloudPayments API (`api.cloudpayments.ru`),
 * built from the public docs: HTTP Basic `PublicId:ApiSecret`, `X-Request-ID`
 * idempotency (the same id gets the first answer again), the
 * `{ Success, Message, Model }` envelope, `orders/create` payment links paid on
 * the fake's page `GET /pay/{Id}`, `payments/find` / `payments/get`,
 * `payments/confirm` (partial), `payments/void`, `payments/refund` (partial, up
 * to the confirmed amount minus refunds) and `orders/cancel`. Notifications are
 * form-encoded and signed with base64 HMAC-SHA256 of the body keyed by the API
 * secret.
 *
 * @example
 * ```ts
 * const fake = await startCloudPaymentsFake()
 * const provider = cloudpayments({ publicId: fake.publicId, apiSecret: fake.apiSecret, baseUrl: fake.url })
 * // ... createPayment, then fake.control.approve(state.providerPaymentId)
 * await fake.close()
 * ```
 */
export async function startCloudPaymentsFake(options: CloudPaymentsFakeOptions = {}): Promise<CloudPaymentsFake> {
  const publicId = options.publicId ?? 'pk_test_ordo'
  const apiSecret = options.apiSecret ?? 'test_api_secret'
  const expectedAuth = `Basic ${Buffer.from(`${publicId}:${apiSecret}`).toString('base64')}`

  const orders = new Map<string, FakeOrder>()
  const transactions = new Map<number, FakeTransaction>()
  const idempotent = new Map<string, { status: number; body: Envelope }>()
  const log: { method: string; path: string; idempotencyKey: string | null }[] = []
  let failures: { count: number; status: number } = { count: 0, status: 500 }
  let nextNumber = 1000
  let nextTransactionId = 500_000_000
  let baseUrl = ''

  const ok = (model?: unknown): Envelope => (model === undefined ? { Success: true, Message: null } : { Success: true, Message: null, Model: model })
  const fail = (message: string, model?: unknown): Envelope => (model === undefined ? { Success: false, Message: message } : { Success: false, Message: message, Model: model })

  const orderModel = (order: FakeOrder) => ({
    Id: order.id,
    Number: order.number,
    Amount: major(order.amount, order.currency),
    Currency: order.currency,
    CurrencyCode: 0,
    Email: order.email,
    Description: order.description,
    RequireConfirmation: order.requireConfirmation,
    Url: `${baseUrl}/pay/${order.id}`,
    InvoiceId: order.invoiceId,
    Status: order.canceled ? 'Cancelled' : 'Created',
    StatusCode: order.canceled ? 3 : 0,
    CreatedDate: netDate(order.createdAt),
    CreatedDateIso: order.createdAt.toISOString(),
  })

  const statusCodes: Record<TransactionStatus, number> = { AwaitingAuthentication: 1, Authorized: 2, Completed: 3, Cancelled: 4, Declined: 5 }

  const transactionModel = (tx: FakeTransaction) => ({
    PublicId: publicId,
    TransactionId: tx.transactionId,
    Amount: major(tx.amount, tx.order.currency),
    Currency: tx.order.currency,
    CurrencyCode: 0,
    PaymentAmount: major(tx.amount, tx.order.currency),
    PaymentCurrency: tx.order.currency,
    InvoiceId: tx.order.invoiceId,
    AccountId: null,
    Email: tx.order.email,
    Description: tx.order.description,
    JsonData: tx.order.jsonData === undefined ? null : JSON.stringify(tx.order.jsonData),
    CreatedDate: netDate(tx.createdAt),
    CreatedDateIso: tx.createdAt.toISOString(),
    AuthDate: tx.authDate ? netDate(tx.authDate) : null,
    AuthDateIso: tx.authDate?.toISOString() ?? null,
    ConfirmDate: tx.confirmDate ? netDate(tx.confirmDate) : null,
    ConfirmDateIso: tx.confirmDate?.toISOString() ?? null,
    AuthCode: tx.authDate ? 'A1B2C3' : null,
    TestMode: true,
    IpAddress: '127.0.0.1',
    CardFirstSix: '424242',
    CardLastFour: '4242',
    CardExpDate: '12/30',
    CardType: 'Visa',
    CardTypeCode: 0,
    Issuer: 'Fake Bank',
    IssuerBankCountry: 'RU',
    Status: tx.status,
    StatusCode: statusCodes[tx.status],
    Reason: tx.reason,
    ReasonCode: tx.reasonCode,
    CardHolderMessage: tx.reasonCode === 0 ? 'Оплата успешно проведена' : 'Недостаточно средств на карте',
    Refunded: tx.refunds.length > 0,
    OriginalTransactionId: null,
    Type: 0,
    Name: 'CARD HOLDER',
  })

  /** A refund is a transaction of its own, pointing at the payment through OriginalTransactionId. */
  const refundModel = (tx: FakeTransaction, refund: FakeTransaction['refunds'][number]): Record<string, unknown> => ({
    ...transactionModel(tx),
    TransactionId: refund.transactionId,
    Amount: major(refund.amount, tx.order.currency),
    PaymentAmount: major(refund.amount, tx.order.currency),
    CreatedDate: netDate(refund.at),
    CreatedDateIso: refund.at.toISOString(),
    ConfirmDate: netDate(refund.at),
    ConfirmDateIso: refund.at.toISOString(),
    Status: 'Completed',
    StatusCode: statusCodes.Completed,
    OriginalTransactionId: tx.transactionId,
    Refunded: false,
    Type: 2,
  })

  /** The adapter may hand us its own composite id; any `|`-separated part naming an order (its Id or InvoiceId) resolves it. */
  const findOrder = (reference: string): FakeOrder | undefined => {
    for (const part of [reference, ...reference.split('|')]) {
      const direct = orders.get(part)
      if (direct) return direct
      for (const order of orders.values()) if (order.invoiceId !== null && order.invoiceId === part) return order
    }
    return undefined
  }

  const lastTransaction = (order: FakeOrder): FakeTransaction | undefined => order.transactions.at(-1)

  const pay = (order: FakeOrder, outcome: 'approve' | 'decline'): FakeTransaction => {
    if (order.canceled) throw new Error(`CloudPayments fake: order ${order.id} was canceled; it can no longer be paid`)
    const paid = order.transactions.find((t) => t.status === 'Authorized' || t.status === 'Completed')
    if (paid) throw new Error(`CloudPayments fake: order ${order.id} is already paid by transaction ${paid.transactionId}`)
    const now = new Date()
    const tx: FakeTransaction = {
      transactionId: nextTransactionId++,
      order,
      status: outcome === 'decline' ? 'Declined' : order.requireConfirmation ? 'Authorized' : 'Completed',
      amount: order.amount,
      reason: outcome === 'decline' ? 'InsufficientFunds' : 'Approved',
      reasonCode: outcome === 'decline' ? 5051 : 0,
      refunds: [],
      createdAt: now,
      authDate: outcome === 'decline' ? null : now,
      confirmDate: outcome === 'approve' && !order.requireConfirmation ? now : null,
    }
    order.transactions.push(tx)
    transactions.set(tx.transactionId, tx)
    return tx
  }

  const requireOrder = (providerPaymentId: string): FakeOrder => {
    const order = findOrder(providerPaymentId)
    if (!order) throw new Error(`CloudPayments fake: no order for ${JSON.stringify(providerPaymentId)}`)
    return order
  }

  const sign = (body: string, secret: string) => ({
    'content-hmac': createHmac('sha256', secret).update(body, 'utf8').digest('base64'),
    // X-Content-HMAC is computed over the URL-decoded message.
    'x-content-hmac': createHmac('sha256', secret).update(decodeURIComponent(body.replace(/\+/g, ' ')), 'utf8').digest('base64'),
  })

  const notificationBody = (order: FakeOrder): URLSearchParams => {
    const tx = lastTransaction(order)
    if (!tx) throw new Error(`CloudPayments fake: order ${order.id} has no transaction yet; CloudPayments sends no notification before the customer pays`)
    const currency = tx.order.currency
    const common = {
      InvoiceId: order.invoiceId ?? '',
      AccountId: '',
      Email: order.email ?? '',
      DateTime: new Date().toISOString().replace('T', ' ').slice(0, 19),
      Data: order.jsonData === undefined ? '' : JSON.stringify(order.jsonData),
    }
    const card = {
      CardFirstSix: '424242',
      CardLastFour: '4242',
      CardType: 'Visa',
      CardExpDate: '12/30',
      TestMode: '1',
      Name: 'CARD HOLDER',
      IpAddress: '127.0.0.1',
      Issuer: 'Fake Bank',
      IssuerBankCountry: 'RU',
      Description: order.description,
    }
    const lastRefund = tx.refunds.at(-1)
    if (lastRefund) {
      return new URLSearchParams({
        TransactionId: String(lastRefund.transactionId),
        PaymentTransactionId: String(tx.transactionId),
        Amount: toMajorString(money(lastRefund.amount, currency)),
        OperationType: 'Refund',
        ...common,
      })
    }
    const amount = toMajorString(money(tx.amount, currency))
    const base = { TransactionId: String(tx.transactionId), Amount: amount, Currency: currency, PaymentAmount: amount, PaymentCurrency: currency, OperationType: 'Payment' }
    switch (tx.status) {
      case 'Declined':
        return new URLSearchParams({ ...base, ...common, ...card, Reason: tx.reason, ReasonCode: String(tx.reasonCode) })
      case 'Cancelled':
        return new URLSearchParams({ TransactionId: base.TransactionId, Amount: amount, ...common })
      case 'AwaitingAuthentication':
        throw new Error('CloudPayments fake: no notification is sent while 3-D Secure is pending')
      default:
        // Confirm after payments/confirm, Pay otherwise; both carry the status.
        return new URLSearchParams({ ...base, ...common, ...card, Status: tx.status, AuthCode: 'A1B2C3', Token: `tk_${tx.transactionId}` })
    }
  }

  const webhook = (order: FakeOrder, secret: string): WebhookRequest => {
    const rawBody = notificationBody(order).toString()
    return { headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(rawBody, secret) }, rawBody, remoteAddress: '127.0.0.1' }
  }

  const money2 = (value: unknown, currency: CurrencyCode): number | null => {
    if (typeof value !== 'number' && typeof value !== 'string') return null
    try {
      const parsed = fromMajor(value, currency).amount
      return parsed > 0 ? parsed : null
    } catch {
      return null
    }
  }

  const api = (path: string, body: Record<string, unknown>): Envelope => {
    switch (path) {
      case '/test':
        return ok()
      case '/orders/create': {
        const currency = body.Currency === undefined ? 'RUB' : body.Currency
        if (!isCurrencyCode(currency)) return fail('Currency is invalid')
        const amount = money2(body.Amount, currency)
        if (amount === null) return fail('Amount is required and must be greater than 0')
        if (typeof body.Description !== 'string' || body.Description === '') return fail('Description is required')
        const order: FakeOrder = {
          id: randomBytes(8).toString('hex'),
          number: nextNumber++,
          invoiceId: typeof body.InvoiceId === 'string' && body.InvoiceId !== '' ? body.InvoiceId : null,
          amount,
          currency,
          description: body.Description,
          email: typeof body.Email === 'string' ? body.Email : null,
          requireConfirmation: body.RequireConfirmation === true,
          jsonData: typeof body.JsonData === 'string' ? (JSON.parse(body.JsonData) as unknown) : body.JsonData,
          canceled: false,
          createdAt: new Date(),
          transactions: [],
        }
        orders.set(order.id, order)
        return ok(orderModel(order))
      }
      case '/orders/cancel': {
        const order = typeof body.Id === 'string' ? orders.get(body.Id) : undefined
        if (!order) return fail('Not found')
        if (order.transactions.some((t) => t.status === 'Authorized' || t.status === 'Completed')) return fail('Order is already paid')
        order.canceled = true
        return ok()
      }
      case '/payments/find': {
        if (typeof body.InvoiceId !== 'string') return fail('InvoiceId is required')
        const matching = [...orders.values()].filter((o) => o.invoiceId === body.InvoiceId).flatMap((o) => o.transactions)
        const tx = matching.at(-1)
        return tx ? ok(transactionModel(tx)) : fail('Not found')
      }
      case '/payments/get': {
        const tx = transactions.get(Number(body.TransactionId))
        return tx ? ok(transactionModel(tx)) : fail('Not found')
      }
      case '/payments/confirm': {
        const tx = transactions.get(Number(body.TransactionId))
        if (!tx) return fail('Transaction not found')
        if (tx.status !== 'Authorized') return fail(`Transaction is ${tx.status}; only an Authorized transaction can be confirmed`)
        const amount = money2(body.Amount, tx.order.currency)
        if (amount === null) return fail('Amount is required and must be greater than 0')
        if (amount > tx.amount) return fail('Amount exceeds the authorized amount')
        tx.amount = amount
        tx.status = 'Completed'
        tx.confirmDate = new Date()
        return ok()
      }
      case '/payments/void': {
        const tx = transactions.get(Number(body.TransactionId))
        if (!tx) return fail('Transaction not found')
        if (tx.status !== 'Authorized') return fail(`Transaction is ${tx.status}; only an Authorized transaction can be voided`)
        tx.status = 'Cancelled'
        return ok()
      }
      case '/payments/refund': {
        const tx = transactions.get(Number(body.TransactionId))
        if (!tx) return fail('Transaction not found')
        if (tx.status !== 'Completed') return fail(`Transaction is ${tx.status}; only a Completed transaction can be refunded`)
        const amount = money2(body.Amount, tx.order.currency)
        if (amount === null) return fail('Amount is required and must be greater than 0')
        const refunded = tx.refunds.reduce((sum, r) => sum + r.amount, 0)
        if (amount > tx.amount - refunded) return fail('Refund amount exceeds the amount available for refund')
        const refund = { transactionId: nextTransactionId++, amount, at: new Date() }
        tx.refunds.push(refund)
        return ok({ TransactionId: refund.transactionId })
      }
      case '/v2/payments/list': {
        const from = Date.parse(String(body.CreatedDateGte))
        const to = Date.parse(String(body.CreatedDateLte))
        const page = Number(body.PageNumber ?? 1)
        if (Number.isNaN(from) || Number.isNaN(to)) return fail('CreatedDateGte and CreatedDateLte are required')
        if (!Number.isInteger(page) || page < 1) return fail('PageNumber must be 1 or more')
        const statuses = Array.isArray(body.Statuses) ? body.Statuses.map(String) : null
        const all = [...transactions.values()].flatMap((tx) => [
          { at: tx.createdAt, status: tx.status as string, model: transactionModel(tx) as Record<string, unknown> },
          ...tx.refunds.map((refund) => ({ at: refund.at, status: 'Completed', model: refundModel(tx, refund) })),
        ])
        const items = all
          .filter((item) => item.at.getTime() >= from && item.at.getTime() <= to && (statuses === null || statuses.includes(item.status)))
          .sort((a, b) => a.at.getTime() - b.at.getTime())
          .slice((page - 1) * LIST_PAGE_SIZE, page * LIST_PAGE_SIZE)
          .map((item) => item.model)
        return ok(items)
      }
      default:
        return fail('Method not found')
    }
  }

  const handleApi = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const requestId = req.headers['x-request-id']
    const idempotencyKey = typeof requestId === 'string' ? requestId : null
    log.push({ method: req.method ?? 'GET', path, idempotencyKey })
    const raw = await readBody(req)
    if (failures.count > 0) {
      failures.count--
      json(res, failures.status, fail(failures.status >= 500 ? 'Internal server error' : 'Too many requests'))
      return
    }
    if (req.headers.authorization !== expectedAuth) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="api.cloudpayments.ru"', 'content-length': 0 })
      res.end()
      return
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-length': 0 })
      res.end()
      return
    }
    if (idempotencyKey !== null) {
      const previous = idempotent.get(idempotencyKey)
      if (previous) {
        json(res, previous.status, previous.body)
        return
      }
    }
    let body: Record<string, unknown>
    try {
      const contentType = req.headers['content-type'] ?? ''
      body = raw === '' ? {} : contentType.includes('json') ? (JSON.parse(raw) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(raw))
    } catch {
      json(res, 400, fail('Request body is not valid JSON'))
      return
    }
    const answer = api(path, body)
    if (idempotencyKey !== null) idempotent.set(idempotencyKey, { status: 200, body: answer })
    json(res, 200, answer)
  }

  const handlePage = async (req: IncomingMessage, res: ServerResponse, orderId: string, action: string | undefined): Promise<void> => {
    const order = orders.get(orderId)
    if (!order) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      res.end('Счёт не найден')
      return
    }
    if (req.method === 'POST' && (action === 'approve' || action === 'decline')) {
      await readBody(req)
      try {
        pay(order, action)
      } catch (error) {
        res.writeHead(409, { 'content-type': 'text/plain; charset=utf-8' })
        res.end((error as Error).message)
        return
      }
      res.writeHead(303, { location: `/pay/${order.id}` })
      res.end()
      return
    }
    const tx = lastTransaction(order)
    const amount = `${toMajorString(money(order.amount, order.currency))} ${order.currency}`
    const state = order.canceled ? 'Счёт отменён' : tx ? `Транзакция ${tx.transactionId}: ${tx.status}` : 'Ожидает оплаты'
    const payable = !order.canceled && !order.transactions.some((t) => t.status === 'Authorized' || t.status === 'Completed')
    const html = `<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Оплата заказа №${order.number}</title></head><body>
<h1>CloudPayments (fake) — заказ №${order.number}</h1>
<p>${escapeHtml(order.description)}</p><p>Сумма: <b>${escapeHtml(amount)}</b></p><p>${escapeHtml(state)}</p>
${payable ? `<form method="post" action="/pay/${order.id}/approve"><button>Оплатить</button></form><form method="post" action="/pay/${order.id}/decline"><button>Отклонить (банк)</button></form>` : ''}
</body></html>`
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(html)
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname.replace(/\/+$/, '') || '/'
    const page = /^\/pay\/([^/]+)(?:\/(approve|decline))?$/.exec(path)
    const work = page ? handlePage(req, res, page[1]!, page[2]) : handleApi(req, res, path)
    work.catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, fail(`fake crashed: ${(error as Error).message}`))
      else res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const control: CloudPaymentsFakeControl = {
    async approve(providerPaymentId) {
      pay(requireOrder(providerPaymentId), 'approve')
    },
    async decline(providerPaymentId) {
      pay(requireOrder(providerPaymentId), 'decline')
    },
    async webhookFor(providerPaymentId) {
      return webhook(requireOrder(providerPaymentId), apiSecret)
    },
    async forgedWebhookFor(providerPaymentId) {
      return webhook(requireOrder(providerPaymentId), `${apiSecret}-forged`)
    },
    failNext(count, status) {
      failures = { count, status }
    },
    requests() {
      return log.map((entry) => ({ ...entry }))
    },
  }

  return {
    url: baseUrl,
    publicId,
    apiSecret,
    control,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
