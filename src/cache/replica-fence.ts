import type { AnswerCache } from './answer-cache.js'

/**
 * With lookups read from a replica, a change is announced (by the primary)
 * before the replica necessarily has it: an answer read from the replica
 * then, and kept, would stay stale. So on each announcement the primary's
 * WAL position is taken, the tenants' buckets are held (nothing kept for
 * them), and they are released once the replica has replayed that far.
 */
export interface WalPositions {
  /** pg_current_wal_lsn() on the primary. */
  primary(): Promise<string>
  /** pg_last_wal_replay_lsn() on the replica; null when it is no standby (then it is the primary). */
  replica(): Promise<string | null>
}

export class ReplicaFence {
  private readonly waiting: Array<{ lsn: bigint; buckets: readonly string[] | 'all' }> = []
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor(
    private readonly cache: AnswerCache,
    private readonly wal: WalPositions,
    private readonly pollMs = 20,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  /** A change to these tenants (or to all) was announced. */
  async changed(buckets: readonly string[] | 'all'): Promise<void> {
    this.cache.hold(buckets)
    let lsn: bigint
    try {
      lsn = parseLsn(await this.wal.primary())
    } catch (err) {
      // Without the primary's position, wait for nothing we can check:
      // clear instead (correctness over speed) and let go.
      this.onError(err as Error)
      this.cache.clear()
      this.cache.release(buckets)
      return
    }
    this.waiting.push({ lsn, buckets })
    this.schedule()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  private schedule(): void {
    if (this.timer !== undefined || this.stopped || this.waiting.length === 0) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.poll()
    }, this.pollMs)
  }

  private async poll(): Promise<void> {
    let replayed: bigint | undefined
    try {
      const position = await this.wal.replica()
      replayed = position === null ? undefined : parseLsn(position)
    } catch (err) {
      this.onError(err as Error)
      this.schedule()
      return
    }
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const entry = this.waiting[i]
      if (entry !== undefined && (replayed === undefined || replayed >= entry.lsn)) {
        this.waiting.splice(i, 1)
        this.cache.release(entry.buckets)
      }
    }
    this.schedule()
  }
}

/** A WAL position ("16/B374D848") as a number. */
export function parseLsn(lsn: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn)
  if (match === null) throw new Error(`not a WAL position: ${lsn}`)
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`)
}
