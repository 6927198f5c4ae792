import pg from 'pg'
import type { ListenHandlers } from './database.js'

export interface ListenerOptions {
  /** What pg_stat_activity shows for the connection. */
  applicationName?: string
  /** First reconnect delay; it doubles up to 30 s. */
  retryMs?: number
  /**
   * How often the connection is checked with a query of its own. A
   * connection can die without a word (a network path gone): without a
   * check, notifications would just stop, and whatever relies on them (the
   * lookup cache) would go stale.
   */
  heartbeatMs?: number
}

/**
 * LISTEN (one or more channels) on its own connection (a pooled one can't keep a LISTEN),
 * reconnecting with backoff (1 s doubling to 30 s) when it drops, and
 * saying so: onConnect when listening (again), onDisconnect when not.
 */
export class PgListener {
  private client: pg.Client | undefined
  private stopped = false
  private readonly firstDelayMs: number
  private delayMs: number
  private timer: NodeJS.Timeout | undefined
  private heartbeat: NodeJS.Timeout | undefined
  private everConnected = false

  constructor(
    private readonly url: string,
    private readonly channels: readonly string[],
    private readonly events: ListenHandlers,
    private readonly options: ListenerOptions = {},
  ) {
    this.firstDelayMs = options.retryMs ?? 1000
    this.delayMs = this.firstDelayMs
  }

  /**
   * Connects now if it can. If the database is unreachable it keeps trying
   * (onError on each failure, onConnect once listening): the service starts
   * without its database and catches up when it appears.
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
    clearInterval(this.heartbeat)
    await this.client?.end().catch(() => {})
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: this.options.applicationName ?? 'freeswitch-followme listener', keepAlive: true })
    client.on('notification', (n) => {
      if (this.channels.includes(n.channel) && n.payload !== undefined) this.events.onMessage(n.payload, n.channel)
    })
    client.on('error', (err) => {
      this.events.onError(err)
      this.lost(client)
    })
    client.on('end', () => this.lost(client))
    try {
      await client.connect()
      for (const channel of this.channels) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
    } catch (err) {
      client.removeAllListeners()
      client.on('error', () => {})
      await client.end().catch(() => {})
      throw err
    }
    this.client = client
    this.delayMs = this.firstDelayMs
    const again = this.everConnected
    this.everConnected = true
    this.events.onConnect?.()
    if (again) this.events.onReconnect()
    if (this.options.heartbeatMs !== undefined) this.startHeartbeat(client, this.options.heartbeatMs)
  }

  private startHeartbeat(client: pg.Client, everyMs: number): void {
    clearInterval(this.heartbeat)
    this.heartbeat = setInterval(() => {
      let answered = false
      const deadline = setTimeout(() => {
        if (!answered) {
          this.events.onError(new Error(`listener connection did not answer within ${everyMs} ms`))
          this.lost(client)
        }
      }, everyMs)
      client.query('select 1').then(
        () => {
          answered = true
          clearTimeout(deadline)
        },
        () => {
          answered = true
          clearTimeout(deadline)
          this.lost(client)
        },
      )
    }, everyMs)
  }

  private lost(failed: pg.Client): void {
    if (this.stopped || this.client !== failed) return
    this.client = undefined
    clearInterval(this.heartbeat)
    this.events.onDisconnect?.()
    failed.removeAllListeners('end')
    void failed.end().catch(() => {})
    this.scheduleRetry()
  }

  private scheduleRetry(): void {
    const attempt = () => {
      if (this.stopped) return
      this.connect().catch((err: Error) => {
        this.events.onError(err)
        this.delayMs = Math.min(this.delayMs * 2, 30_000)
        this.timer = setTimeout(attempt, this.delayMs)
      })
    }
    this.timer = setTimeout(attempt, this.delayMs)
  }
}
