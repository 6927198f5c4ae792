import type { KeptDirectoryUser } from '../directory/user-entry.js'

/**
 * Answers to lookups, kept until the rows behind them change.
 *
 * Entries live in buckets: a tenant's (its domain name) for what depends on
 * that tenant's rows only, and GLOBAL_BUCKET for what may depend on any
 * tenant's (the public context's DIDs, the domain list). The database says
 * which tenants a committed statement touched (migrations/0003,
 * lookup_changed); invalidate() drops those buckets and the global one.
 *
 * Never stale, by construction:
 * - A lookup takes a ticket before it reads the database, and its answer is
 *   kept only if no invalidation of its bucket (nor a clear) came in between:
 *   an answer read before a commit whose notice arrived meanwhile is dropped.
 * - While the notices cannot be trusted (the listening connection is down)
 *   the cache is disabled: empty, and nothing is kept.
 * Bounded: the least recently used entries go first.
 */
export const GLOBAL_BUCKET = '*'

export interface CachedAnswer {
  /** The answer's XML, or the directory user's row it is rendered from again (a third of the size). */
  body: string | KeptDirectoryUser
  decision: string
  notes: readonly string[]
}

export interface Ticket {
  readonly bucket: string
  readonly generation: number
  readonly epoch: number
}

interface Entry {
  bucket: string
  value: CachedAnswer
}

export class AnswerCache {
  /** Insertion order is recency order (a hit moves its entry to the end). */
  private readonly entries = new Map<string, Entry>()
  private readonly keysByBucket = new Map<string, Set<string>>()
  private readonly generations = new Map<string, number>()
  private epoch = 0
  private on = false
  /** Buckets whose new rows the read replica may not have yet (replica-fence.ts): nothing kept. */
  private readonly held = new Map<string, number>()
  private allHeld = 0

  constructor(readonly maxEntries: number) {}

  get enabled(): boolean {
    return this.on
  }

  get size(): number {
    return this.entries.size
  }

  enable(): void {
    this.clear()
    this.on = true
  }

  /** Empties the cache and keeps nothing until enable(). */
  disable(): void {
    this.on = false
    this.clear()
  }

  get(bucket: string, key: string): CachedAnswer | undefined {
    if (!this.on) return undefined
    const id = entryId(bucket, key)
    const entry = this.entries.get(id)
    if (entry === undefined) return undefined
    this.entries.delete(id)
    this.entries.set(id, entry)
    return entry.value
  }

  ticket(bucket: string): Ticket {
    return { bucket, generation: this.generations.get(bucket) ?? 0, epoch: this.epoch }
  }

  /**
   * Keep nothing for these buckets (every bucket with `all`) until
   * release(): lookups read a replica that has not replayed their change yet.
   */
  hold(buckets: readonly string[] | 'all'): void {
    if (buckets === 'all') this.allHeld++
    else for (const b of [...buckets, GLOBAL_BUCKET]) this.held.set(b, (this.held.get(b) ?? 0) + 1)
  }

  release(buckets: readonly string[] | 'all'): void {
    if (buckets === 'all') this.allHeld = Math.max(0, this.allHeld - 1)
    else {
      for (const b of [...buckets, GLOBAL_BUCKET]) {
        const n = (this.held.get(b) ?? 0) - 1
        if (n > 0) this.held.set(b, n)
        else this.held.delete(b)
      }
    }
  }

  /** Keeps `value` unless its bucket changed since the ticket was taken; true when kept. */
  set(ticket: Ticket, key: string, value: CachedAnswer): boolean {
    if (!this.on || ticket.epoch !== this.epoch) return false
    if (this.allHeld > 0 || this.held.has(ticket.bucket)) return false
    if ((this.generations.get(ticket.bucket) ?? 0) !== ticket.generation) return false
    // Copies of our own: the request's strings are slices of its whole body
    // (freeswitch/body.ts), and a slice kept here keeps that body alive (a
    // kept row's strings are the database's, its hash a new string).
    // Measured with 100,000 REGISTER answers kept: heap used 289 MiB with
    // the slices, 164 MiB with copies (README, Performance).
    const id = ownCopy(entryId(ticket.bucket, key))
    const bucket = ownCopy(ticket.bucket)
    const kept: CachedAnswer = {
      body: typeof value.body === 'string' ? ownCopy(value.body) : value.body,
      // Made of the service's own words (answer.ts, describeDecision), never of the request.
      decision: value.decision,
      notes: value.notes.length === 0 ? NO_NOTES : value.notes.map(ownCopy),
    }
    this.entries.delete(id)
    this.entries.set(id, { bucket, value: kept })
    let keys = this.keysByBucket.get(bucket)
    if (keys === undefined) this.keysByBucket.set(bucket, (keys = new Set()))
    keys.add(id)
    while (this.entries.size > this.maxEntries) this.evictOldest()
    return true
  }

  /** The rows of these tenants changed: their answers, and the global ones, go. */
  invalidate(buckets: readonly string[]): void {
    for (const bucket of [...buckets, GLOBAL_BUCKET]) {
      this.generations.set(bucket, (this.generations.get(bucket) ?? 0) + 1)
      for (const id of this.keysByBucket.get(bucket) ?? []) this.entries.delete(id)
      this.keysByBucket.delete(bucket)
    }
  }

  /** Everything goes (TRUNCATE, a statement over many tenants, a gap in the notices). */
  clear(): void {
    this.epoch++
    this.entries.clear()
    this.keysByBucket.clear()
    this.generations.clear()
  }

  private evictOldest(): void {
    const oldest = this.entries.keys().next()
    if (oldest.done === true) return
    const id = oldest.value
    const entry = this.entries.get(id)
    this.entries.delete(id)
    if (entry !== undefined) this.keysByBucket.get(entry.bucket)?.delete(id)
  }
}

function entryId(bucket: string, key: string): string {
  return `${bucket}\u0000${key}`
}

const NO_NOTES: readonly string[] = Object.freeze([])

/** A flat string that shares no memory with `s` (a slice or a concatenation of other strings). */
function ownCopy(s: string): string {
  // Lossless but for a lone surrogate, which becomes U+FFFD: as it would on
  // the wire (answers and log lines leave as UTF-8); a key so changed misses.
  return Buffer.from(s, 'utf8').toString('utf8')
}
