import esl, { type Connection, type Event } from 'drachtio-modesl'

export interface EventSocketConfig {
  host: string
  port: number
  password: string
}

export interface EventSocketLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

/**
 * FreeSWITCH's event socket (mod_event_socket, inbound), through
 * drachtio-modesl. It reconnects by itself after FreeSWITCH restarts (1 s,
 * doubling to 30 s) and never throws at callers: while it is down, send()
 * drops the event and says so; the lamps are set again when phones
 * resubscribe after FreeSWITCH's restart (PRESENCE_PROBE).
 */
export class EventSocket {
  private connection: Connection | undefined
  private ready = false
  private stopped = false
  private delayMs = 1000
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly config: EventSocketConfig,
    private readonly subscriptions: readonly string[],
    private readonly onEvent: (name: string, event: Event) => void,
    private readonly onReady: () => void,
    private readonly log: EventSocketLog,
    private readonly onStateChange: (connected: boolean) => void = () => {},
  ) {}

  get connected(): boolean {
    return this.ready
  }

  start(): void {
    this.connect()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.drop()
  }

  /** Sends `sendevent <name>` with these headers; false when not connected. */
  send(name: string, headers: ReadonlyArray<readonly [string, string]>): boolean {
    const connection = this.connection
    if (!this.ready || connection === undefined) {
      this.log.warn({ event: name }, 'event socket down: event not sent')
      return false
    }
    const event = new esl.Event(name)
    for (const [header, value] of headers) event.addHeader(header, value)
    connection.sendEvent(event)
    return true
  }

  private connect(): void {
    const { host, port, password } = this.config
    const connection = new esl.Connection(host, port, password, () => {
      if (this.connection !== connection) return
      this.ready = true
      this.onStateChange(true)
      this.delayMs = 1000
      this.log.info({ host, port }, 'event socket connected')
      connection.subscribe([...this.subscriptions], () => this.onReady())
    })
    // The library's own reconnect loop has no delay cap; ours replaces it.
    connection.reconnectOpts = { maxAttempts: 1 }
    this.connection = connection
    for (const name of this.subscriptions) {
      connection.on(`esl::event::${name}::**`, (event: Event) => this.onEvent(name, event))
    }
    connection.on('error', (err: Error) => {
      if (this.connection === connection) this.log.warn({ err: err.message }, 'event socket error')
    })
    connection.on('esl::end', () => this.lost(connection))
    connection.on('esl::event::auth::fail', () => {
      this.log.warn({ host, port }, 'event socket: wrong password')
      this.lost(connection)
    })
  }

  private lost(connection: Connection): void {
    if (this.connection !== connection) return
    this.drop()
    if (this.stopped) return
    this.log.warn({ retryInMs: this.delayMs }, 'event socket lost; reconnecting')
    this.timer = setTimeout(() => this.connect(), this.delayMs)
    this.delayMs = Math.min(this.delayMs * 2, 30_000)
  }

  private drop(): void {
    const connection = this.connection
    this.connection = undefined
    if (this.ready) this.onStateChange(false)
    this.ready = false
    if (connection !== undefined) {
      connection.removeAllListeners()
      connection.on('error', () => {}) // late socket errors of a dropped connection
      try {
        connection.disconnect()
      } catch {
        // already closed
      }
    }
  }
}
