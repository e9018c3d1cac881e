import { OrdoError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import { newId } from '../storage/ids.js'
import { PaymentProviderError, type PaymentProvider } from './payment-provider.js'

/** Settings of the provider wrapper. */
export interface ProviderCallSettings {
  timeoutMs: number
  maxAttempts: number
  backoffMs: number
}

/** What one wrapped provider call is about, for the attempt log. */
export interface ProviderCallTarget {
  provider: PaymentProvider
  operation: string
  operationId: string | null
  paymentId: string | null
  /** The request as logged (no secrets: core never has any; adapters keep theirs). */
  request: unknown
}

const SECRET_KEY = /secret|password|token|authorization|api[-_]?key|card(number)?|cvc|cvv|pan/i

/** Removes anything that looks like a secret from what is logged. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1))
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1)]))
}

/**
 * Calls a provider with a timeout (AbortSignal), retries retryable
 * {@link PaymentProviderError}s with exponential backoff (the caller's
 * context carries the same idempotency key on every attempt) and logs every
 * attempt in `ordo_payment_attempt`. Throws `OrdoError('PAYMENT_PROVIDER')`
 * when the last attempt fails.
 */
export async function callProvider<T>(
  runtime: Runtime,
  settings: ProviderCallSettings,
  target: ProviderCallTarget,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const started = Date.now()
    const at = runtime.clock.now().getTime()
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort(new PaymentProviderError(`${target.provider.id}.${target.operation} timed out after ${settings.timeoutMs} ms`, { retryable: true }))
    }, settings.timeoutMs)
    try {
      const result = await Promise.race([
        call(controller.signal),
        new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true })),
      ])
      await log(runtime, target, attempt, at, Date.now() - started, 'ok', null, result)
      return result
    } catch (error) {
      const retryable = timedOut || (error instanceof PaymentProviderError && error.retryable)
      const message = error instanceof Error ? error.message : String(error)
      await log(runtime, target, attempt, at, Date.now() - started, timedOut ? 'timeout' : 'error', message, null)
      if (!retryable || attempt >= settings.maxAttempts) {
        throw new OrdoError('PAYMENT_PROVIDER', `Payment provider "${target.provider.id}" failed to ${target.operation} after ${attempt} attempt${attempt > 1 ? 's' : ''}: ${message}`, {
          cause: error,
          details: {
            provider: target.provider.id,
            operation: target.operation,
            attempts: attempt,
            retryable,
            status: error instanceof PaymentProviderError ? error.status : null,
            vendorCode: error instanceof PaymentProviderError ? error.vendorCode : null,
          },
        })
      }
      await new Promise((resolve) => setTimeout(resolve, settings.backoffMs * 2 ** (attempt - 1)))
    } finally {
      clearTimeout(timer)
    }
  }
}

async function log(runtime: Runtime, target: ProviderCallTarget, attempt: number, at: number, durationMs: number, outcome: 'ok' | 'error' | 'timeout', error: string | null, response: unknown) {
  try {
    await runtime.db
      .insertInto('ordo_payment_attempt')
      .values({
        id: newId(),
        operation_id: target.operationId,
        payment_id: target.paymentId,
        provider_id: target.provider.id,
        operation: target.operation,
        attempt,
        at,
        duration_ms: Math.max(0, Math.round(durationMs)),
        outcome,
        error: error === null ? null : error.slice(0, 2000),
        request: JSON.stringify(redact(target.request)),
        response: response === null || response === undefined ? null : JSON.stringify(redact(response)),
      })
      .execute()
  } catch (logError) {
    runtime.logger.warn('Could not log a payment provider attempt.', { error: logError, provider: target.provider.id })
  }
}
