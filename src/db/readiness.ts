import type { Database } from './database.js'
import { migrateToLatest } from './migrate.js'

export interface Readiness {
  /** The schema is migrated: lookups may run. */
  readonly migrated: boolean
}

export interface ReadinessLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

/**
 * Brings the schema up when the database can be reached, retrying until it
 * can: the service starts and answers 503 (FreeSWITCH falls back) while
 * Postgres is down, and becomes ready by itself when it appears.
 */
export class SchemaUpkeep implements Readiness {
  migrated = false
  private stopped = false
  private timer: NodeJS.Timeout | undefined
  private delayMs: number

  constructor(
    private readonly database: Database,
    private readonly log: ReadinessLog,
    private readonly retry: { firstMs: number; maxMs: number } = { firstMs: 1000, maxMs: 10_000 },
  ) {
    this.delayMs = retry.firstMs
  }

  /** Resolves after the first attempt, whether it succeeded or not. */
  async start(): Promise<void> {
    await this.attempt()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return
    try {
      const { results = [] } = await migrateToLatest(this.database)
      for (const r of results) this.log.info({ migration: r.migrationName }, 'migration applied')
      this.migrated = true
      this.log.info({}, 'database ready')
    } catch (err) {
      this.log.warn({ err, retryInMs: this.delayMs }, 'database not ready; lookups get 503 until it is')
      this.timer = setTimeout(() => void this.attempt(), this.delayMs)
      this.delayMs = Math.min(this.delayMs * 2, this.retry.maxMs)
    }
  }
}
