import { OrdoError } from '../errors.js'
import { CourierError, type Courier } from './courier.js'

/** How the engine calls a courier: per-attempt timeout, attempts on retryable failures, first backoff. */
export interface CourierCallSettings {
  timeoutMs: number
  maxAttempts: number
  backoffMs: number
}

/**
 * Calls a courier with a timeout per attempt, retrying network failures,
 * timeouts and `CourierError`s marked retryable with exponential backoff. The
 * last failure becomes `OrdoError('COURIER')` naming the carrier and operation.
 */
export async function callCourier<T>(courier: Courier, operation: string, settings: CourierCallSettings, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  let lastError: unknown
  for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
    const signal = AbortSignal.timeout(settings.timeoutMs)
    try {
      return await call(signal)
    } catch (error) {
      lastError = error
      const retryable = signal.aborted || !(error instanceof CourierError) || error.retryable
      if (!retryable || attempt === settings.maxAttempts) break
      await new Promise((resolve) => setTimeout(resolve, settings.backoffMs * 2 ** (attempt - 1)))
    }
  }
  const vendor = lastError instanceof CourierError ? lastError : null
  const reason = lastError instanceof Error ? (lastError.name === 'TimeoutError' ? `no answer within ${settings.timeoutMs} ms` : lastError.message) : String(lastError)
  throw new OrdoError('COURIER', `Courier "${courier.id}" failed to ${operation}: ${reason}.`, {
    details: { carrier: courier.id, operation, status: vendor?.status ?? null, vendorCode: vendor?.vendorCode ?? null, retryable: vendor ? vendor.retryable : true },
    cause: lastError,
  })
}

/** Runs `call` with an overall deadline (one attempt): the quote path, where a slow courier is reported rather than waited for. */
export async function withDeadline<T>(timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new Error(`no answer within ${timeoutMs} ms`))
    }, timeoutMs)
  })
  try {
    return await Promise.race([call(controller.signal), deadline])
  } finally {
    clearTimeout(timer)
  }
}
