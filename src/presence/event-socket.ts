import type { Socket } from 'node:net'
import esl, { type Connection, type Event } from 'drachtio-modesl'

export interface EventSocketConfig {
  host: string
  port: number
  password: string
}

/**
 * What to subscribe to: plain event names, then CUSTOM subclasses. After
 * `CUSTOM` every word is a subclass (mod_event_socket.c:2486-2492), so the
 * plain names must come first (facts-2 §10). BACKGROUND_JOB is always added:
 * bgapi answers arrive as that event.
 */
export interface Subscription {
  events: readonly string[]
  subclasses: readonly string[]
}

/** A bgapi answer: its body, and the BACKGROUND_JOB event's headers (Core-UUID, FreeSWITCH-Switchname). */
export interface ApiAnswer {
  body: string
  header(name: string): string | undefined
}

export class EventSocketDown extends Error {
  override name = 'EventSocketDown'
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

  private readonly jobs = new Set<(err: Error) => void>()

  constructor(
    private readonly config: EventSocketConfig,
    private readonly subscription: Subscription,
    private readonly onEvent: (event: Event) => void,
    private readonly onReady: () => void,
    private readonly log: EventSocketLog,
    private readonly onStateChange: (connected: boolean) => void = () => {},
  ) {}

  get connected(): boolean {
    return this.ready
  }

  /** host:port, how logs and metrics name this connection. */
  get label(): string {
    return `${this.config.host}:${this.config.port}`
  }

  /**
   * Runs an API command in the background (bgapi): FreeSWITCH answers with a
   * BACKGROUND_JOB event, which also says which node and run answered.
   * Rejects when the connection is down or goes, or after `timeoutMs`.
   */
  bgapi(command: string, timeoutMs = 30_000): Promise<ApiAnswer> {
    const connection = this.connection
    if (!this.ready || connection === undefined) return Promise.reject(new EventSocketDown(`event socket ${this.label} is down`))
    return new Promise<ApiAnswer>((resolve, reject) => {
      const abort = (err: Error) => {
        clearTimeout(timer)
        this.jobs.delete(abort)
        reject(err)
      }
      const timer = setTimeout(() => abort(new Error(`bgapi ${command}: no answer within ${timeoutMs} ms`)), timeoutMs)
      this.jobs.add(abort)
      // The library writes `bgapi <name> <args>`: given the whole line as the
      // name it would add a trailing space, which FreeSWITCH passes on to the
      // command as part of its arguments.
      const space = command.indexOf(' ')
      const name = space === -1 ? command : command.slice(0, space)
      const args = space === -1 ? undefined : command.slice(space + 1)
      const answered = (event: Event) => {
        clearTimeout(timer)
        this.jobs.delete(abort)
        resolve({
          body: event.getBody(),
          header: (name) => {
            const value = event.getHeader(name)
            return typeof value === 'string' ? value : undefined
          },
        })
      }
      if (args === undefined) connection.bgapi(name, answered)
      else connection.bgapi(name, args, answered)
    })
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
      const { events, subclasses } = this.subscription
      const names = [...new Set([...events, 'BACKGROUND_JOB'])]
      connection.subscribe(subclasses.length > 0 ? [...names, 'CUSTOM', ...subclasses] : names, () => this.onReady())
    })
    // The library's own reconnect loop has no delay cap; ours replaces it.
    connection.reconnectOpts = { maxAttempts: 1 }
    this.connection = connection
    for (const name of new Set([...this.subscription.events, ...(this.subscription.subclasses.length > 0 ? ['CUSTOM'] : [])])) {
      connection.on(`esl::event::${name}::**`, (event: Event) => this.onEvent(event))
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
    for (const abort of [...this.jobs]) abort(new EventSocketDown(`event socket ${this.label} lost`))
    if (connection !== undefined) {
      connection.removeAllListeners()
      connection.on('error', () => {}) // late socket errors of a dropped connection
      // Still connecting: disconnect() would null the library's socket and its
      // pending connect callback would then build a parser on null and throw
      // out of a socket callback (drachtio-modesl Connection.js _onConnect).
      // Destroying the socket instead means the callback never runs; `closing`
      // keeps the library's close handler from starting its own reconnect loop.
      const internals = connection as unknown as { connecting?: boolean; closing?: boolean; socket?: Socket | null }
      if (internals.connecting === true && internals.socket) {
        internals.closing = true
        internals.socket.destroy()
        return
      }
      try {
        connection.disconnect()
      } catch {
        // already closed
      }
    }
  }
}
