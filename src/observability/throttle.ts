/**
 * At most one log line per `key` per window: during an outage every lookup
 * fails the same way, and one line a second with a count says as much as a
 * thousand.
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>()

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Undefined: stay quiet. Otherwise log now, saying how many were left out since the last line. */
  take(key: string): { suppressed: number } | undefined {
    const now = this.now()
    const entry = this.last.get(key)
    if (entry !== undefined && now - entry.at < this.windowMs) {
      entry.suppressed++
      return undefined
    }
    const suppressed = entry?.suppressed ?? 0
    this.last.set(key, { at: now, suppressed: 0 })
    return { suppressed }
  }
}
