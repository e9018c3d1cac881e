import { relayOutbox } from '../events/outbox-relay.js'
import type { Runtime } from '../runtime.js'
import { runDueJobs } from './job-runner.js'

/** Options of `shop.worker.start()`. */
export interface WorkerOptions {
  /** How long the worker sleeps when there was nothing to do. A commit that queues work wakes it at once. @default 1000 */
  pollIntervalMs?: number
}

/**
 * The background loop of one process: relays the outbox and runs due jobs.
 * Any number of processes may run one on PostgreSQL or MySQL; on SQLite one
 * process holds the worker.
 */
export class Worker {
  readonly #runtime: Runtime
  #running = false
  #loop: Promise<void> | undefined
  #wake: (() => void) | undefined
  #pending = false

  /** @internal */
  constructor(runtime: Runtime) {
    this.#runtime = runtime
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.#running
  }

  /** Starts the loop; calling it twice is harmless. */
  start(options: WorkerOptions = {}): void {
    if (this.#running) return
    this.#running = true
    const pollIntervalMs = options.pollIntervalMs ?? 1000
    this.#loop = this.#run(pollIntervalMs)
  }

  /** Stops after the current round and resolves once it is finished. */
  async stop(): Promise<void> {
    this.#running = false
    this.#wake?.()
    await this.#loop
    this.#loop = undefined
  }

  /** @internal Wakes a sleeping worker: there is new work. */
  nudge(): void {
    this.#pending = true
    this.#wake?.()
  }

  async #run(pollIntervalMs: number): Promise<void> {
    while (this.#running) {
      this.#pending = false
      let busy = false
      try {
        const relayed = await relayOutbox(this.#runtime)
        const ran = await runDueJobs(this.#runtime, 1)
        busy = relayed.delivered + relayed.retried + relayed.parked + ran.completed + ran.retried + ran.failed > 0
      } catch (error) {
        this.#runtime.logger.error('Worker round failed; it will try again.', { error })
      }
      if (!this.#running || busy || this.#pending) continue
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs)
        this.#wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.#wake = undefined
    }
  }
}
