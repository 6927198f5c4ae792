/**
 * Writes the pending batches, one at a time, in order, on one database
 * connection at a time, so a storm takes at most one of the pool's
 * connections from lookups. The first record of a quiet spell waits
 * `flushMs` for company; under load, what arrives during a write is the
 * next batch. A failed write is retried (backing off to 30 s) until it
 * succeeds; meanwhile the queue is bounded and refused records are the
 * caller's to recover (a resync).
 */
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { PendingWrites, type Resync } from './pending.js'
import type { StatusRecord } from './records.js'
import { writeBatch, writeResync, type WriteCounts } from './repository.js'

export interface WriterLog {
  debug(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface WriterOptions {
  flushMs: number
  maxBatch: number
  maxPending: number
  /** Told after each successful write (metrics, tests). */
  onWritten?: (counts: WriteCounts, kind: 'batch' | 'resync') => void
  /** Told when the queue has drained to nothing. */
  onDrained?: () => void
}

export class StatusWriter {
  private readonly queue: PendingWrites
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private retryMs = 0
  private stopped = false

  constructor(
    private readonly db: Kysely<DB>,
    private readonly log: WriterLog,
    private readonly options: WriterOptions,
  ) {
    this.queue = new PendingWrites({ maxBatch: options.maxBatch, maxPending: options.maxPending })
  }

  get pending(): number {
    return this.queue.pending
  }

  /** False when the queue is full and the record was dropped. */
  add(record: StatusRecord, at: Date = new Date()): boolean {
    if (!this.queue.add(record, at)) return false
    this.schedule()
    return true
  }

  addResync(resync: Omit<Resync, 'kind'>): void {
    this.queue.addResync(resync)
    this.schedule()
  }

  /** Writes what is queued now and waits for it (tests, shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.running
    // One pass: a failed write leaves the rest to the retry timer.
    if (!this.queue.empty && !this.stopped) await (this.running ??= this.drain())
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }

  private schedule(): void {
    if (this.running !== undefined || this.timer !== undefined || this.stopped) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.running ??= this.drain()
    }, this.retryMs || this.options.flushMs)
  }

  private async drain(): Promise<void> {
    try {
      for (let item = this.queue.take(); item !== undefined && !this.stopped; item = this.queue.take()) {
        try {
          const counts = item.kind === 'resync' ? await writeResync(this.db, item) : await writeBatch(this.db, item)
          this.retryMs = 0
          this.options.onWritten?.(counts, item.kind)
          if (counts.unknown > 0) this.log.debug({ names: counts.unknown }, 'registrations of users that are no extension of ours: not stored')
        } catch (err) {
          this.queue.putBack(item)
          this.retryMs = Math.min(Math.max(this.retryMs * 2, 250), 30_000)
          this.log.warn({ err: (err as Error).message, retryInMs: this.retryMs, pending: this.queue.pending }, 'status write failed; retrying')
          return
        }
      }
      if (this.queue.empty) this.options.onDrained?.()
    } finally {
      this.running = undefined
      if (!this.queue.empty) this.schedule()
    }
  }
}
