import type { Logger } from '../logger.js'

/** When a {@link BatchWriter} writes what it holds. */
export interface BatchWriterSettings {
  /** Rows held before a write starts. */
  maxRows: number
  /** Longest a row waits in memory before a write starts, ms. */
  maxDelayMs: number
  /** Rows held at most while writes fail (the oldest are dropped beyond it, with an error logged). */
  maxHeld: number
}

/** Rows per statement: under every dialect's bound-parameter limit for the widest table written this way. */
const CHUNK = 500

/**
 * Holds rows in memory and writes them as multi-row inserts: when `maxRows`
 * are waiting, `maxDelayMs` after the first one came, or on `flush()`. Callers
 * never wait for the database. Writes run one at a time; rows of a failed
 * write go back to the front and are tried again with the next write. After a
 * failure, full batches no longer start writes of their own: the next try is
 * the retry timer's (or an explicit `flush()`), so a database that is down is
 * not hit once per incoming row.
 */
export class BatchWriter<Row> {
  private held: Row[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  private writing: Promise<void> = Promise.resolve()
  /** A write for a full batch is queued and has not taken its rows yet: more rows join it instead of queueing another. */
  private queued = false
  /** The last write failed: full batches wait for the retry timer instead of each starting a write against a failing database. */
  private failing = false
  /** Rows of the write running now. */
  private inFlight: Row[] = []

  constructor(
    private readonly what: string,
    private readonly settings: BatchWriterSettings,
    private readonly write: (rows: Row[]) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Rows waiting to be written. */
  get pending(): number {
    return this.held.length
  }

  /** Queues a row; starts a write in the background when the batch is full. */
  add(row: Row): void {
    this.held.push(row)
    if (this.held.length >= this.settings.maxRows && !this.failing) {
      if (this.queued) return
      this.queued = true
      void this.flush().catch(() => {})
    } else {
      this.retryLater()
    }
  }

  /** True when a row not yet stored matches: one waiting, or one in a write still running. */
  holds(match: (row: Row) => boolean): boolean {
    return this.held.some(match) || this.inFlight.some(match)
  }

  /** Writes everything queued so far; resolves when it is stored (rejects with the database error, the rows kept for the next try). */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer)
      this.timer = null
    }
    const next = this.writing.then(() => this.writeHeld())
    this.writing = next.catch(() => {})
    return next
  }

  private retryLater(): void {
    if (this.timer !== null) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.flush().catch(() => {})
    }, this.settings.maxDelayMs)
    this.timer.unref?.()
  }

  private async writeHeld(): Promise<void> {
    this.queued = false
    // Only the rows held now: rows coming in during the write wait for their own batch or timer.
    const taken = this.held.splice(0)
    this.inFlight = taken
    try {
      await this.writeRows(taken)
    } finally {
      this.inFlight = []
    }
  }

  private async writeRows(taken: Row[]): Promise<void> {
    for (let i = 0; i < taken.length; i += CHUNK) {
      try {
        await this.write(taken.slice(i, i + CHUNK))
      } catch (error) {
        // Not unshift(...rows): spreading a large array as arguments overflows the call stack.
        this.held = taken.slice(i).concat(this.held)
        const over = this.held.length - this.settings.maxHeld
        if (over > 0) {
          this.held = this.held.slice(over)
          this.logger.error(`${this.what}: dropped the ${over} oldest rows held while writes failed (${this.settings.maxHeld} kept at most)`, { error, dropped: over })
        }
        this.logger.error(`${this.what}: batch write failed; ${this.held.length} rows wait for the next try`, { error })
        this.failing = true
        this.retryLater()
        throw error
      }
    }
    this.failing = false
    if (this.held.length >= this.settings.maxRows) {
      // Rows piled up while writes failed or ran: write them now rather than after the timer.
      if (!this.queued) {
        this.queued = true
        void this.flush().catch(() => {})
      }
    } else if (this.held.length > 0) {
      this.retryLater()
    }
  }
}
