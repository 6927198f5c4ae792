import pg from 'pg'

export interface ListenerEvents {
  onMessage(payload: string): void
  /** After a lost connection is back: notifications in the gap were missed, so resynchronise. */
  onReconnect(): void
  onError(err: Error): void
}

/**
 * LISTEN on its own connection (a pooled one can't keep a LISTEN), and
 * reconnect with backoff (1 s doubling to 30 s) when it drops.
 */
export class PgListener {
  private client: pg.Client | undefined
  private stopped = false
  private delayMs = 1000
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly events: ListenerEvents,
  ) {}

  /**
   * Connects now if it can. If the database is unreachable it keeps trying
   * (onError on each failure, onReconnect once connected): the service
   * starts without its database and catches up when it appears.
   */
  async start(): Promise<void> {
    try {
      await this.connect()
    } catch (err) {
      this.events.onError(err as Error)
      this.scheduleRetry()
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.client?.end().catch(() => {})
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'freeswitch-followme listener' })
    client.on('notification', (n) => {
      if (n.channel === this.channel && n.payload !== undefined) this.events.onMessage(n.payload)
    })
    client.on('error', (err) => {
      this.events.onError(err)
      this.retry(client)
    })
    client.on('end', () => this.retry(client))
    await client.connect()
    await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`)
    this.client = client
    this.delayMs = 1000
  }

  private retry(failed: pg.Client): void {
    if (this.stopped || this.client !== failed) return
    this.client = undefined
    void failed.end().catch(() => {})
    this.scheduleRetry()
  }

  private scheduleRetry(): void {
    const attempt = () => {
      if (this.stopped) return
      this.connect().then(
        () => this.events.onReconnect(),
        (err: Error) => {
          this.events.onError(err)
          this.delayMs = Math.min(this.delayMs * 2, 30_000)
          this.timer = setTimeout(attempt, this.delayMs)
        },
      )
    }
    this.timer = setTimeout(attempt, this.delayMs)
  }
}
