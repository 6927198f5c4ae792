import type { Event } from 'drachtio-modesl'
import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import type { DB } from '../db/schema.js'
import type { Metrics } from '../observability/metrics.js'
import { allLamps, lampState } from '../followme/repository.js'
import { EventSocket, type EventSocketConfig } from './event-socket.js'
import { presenceInHeaders, probeTarget, type Lamp } from './lamp.js'

export interface PresenceLog {
  debug(obj: object, msg: string): void
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface PresenceOptions {
  database: Database
  eventSocket: EventSocketConfig
  /** Domain for lamps subscribed at a host that is no domain of ours (an IP address). */
  defaultDomain: string | undefined
  log: PresenceLog
  metrics: Metrics
}

/**
 * Keeps every fm<EXT> BLF lamp in step with follow_me.enabled:
 * - a phone subscribes: FreeSWITCH sends PRESENCE_PROBE; we answer with the state;
 * - the flag changes by any path (*21, the key, psql): the database's
 *   follow_me_changed notice (migrations/0002) makes us send PRESENCE_IN;
 * - after the event socket or the database connection comes back, every lamp
 *   is sent again, since changes in between were missed.
 * Sending the same state twice is harmless; missing one is not.
 */
export class PresenceService {
  private readonly socket: EventSocket
  private unlisten: (() => Promise<void>) | undefined
  /** Hosts phones subscribed with that map to a domain (PRESENCE_DEFAULT_DOMAIN), by domain. */
  private readonly aliases = new Map<string, Set<string>>()

  constructor(private readonly options: PresenceOptions) {
    this.socket = new EventSocket(
      options.eventSocket,
      ['PRESENCE_PROBE'],
      (_name, event) => void this.onProbe(event).catch((err: Error) => this.options.log.warn({ err: err.message }, 'presence probe failed')),
      () => void this.resync('event socket connected'),
      options.log,
      (connected) => options.metrics.eventSocketConnected.set({ node: this.node }, connected ? 1 : 0),
    )
    options.metrics.eventSocketConnected.set({ node: this.node }, 0)
  }

  private get node(): string {
    return `${this.options.eventSocket.host}:${this.options.eventSocket.port}`
  }

  /** Each event socket and whether it is connected now. */
  connections(): Record<string, boolean> {
    return { [this.node]: this.socket.connected }
  }

  private get db(): Kysely<DB> {
    return this.options.database.db
  }

  async start(): Promise<void> {
    this.unlisten = await this.options.database.listen('follow_me_changed', {
      onMessage: (payload) => this.onChange(payload),
      onReconnect: () => void this.resync('database listener reconnected'),
      onError: (err) => this.options.log.warn({ err: err.message }, 'database listener error'),
    })
    this.socket.start()
  }

  async stop(): Promise<void> {
    this.socket.stop()
    await this.unlisten?.()
  }

  get connected(): boolean {
    return this.socket.connected
  }

  /** Sends the lamp's state to FreeSWITCH, at its domain and every alias host. */
  publish(domain: string, extension: string, on: boolean): void {
    for (const host of [domain, ...(this.aliases.get(domain) ?? [])]) this.send({ extension, host }, on)
  }

  private send(lamp: Lamp, on: boolean): void {
    if (this.socket.send('PRESENCE_IN', presenceInHeaders(lamp, on))) {
      this.options.metrics.lampEvents.inc()
      this.options.log.debug({ lamp: `fm${lamp.extension}@${lamp.host}`, on }, 'lamp sent')
    }
  }

  private onChange(payload: string): void {
    let change: { schema?: unknown; domain?: unknown; extension?: unknown; enabled?: unknown }
    try {
      change = JSON.parse(payload) as typeof change
    } catch {
      this.options.log.warn({ payload }, 'follow_me_changed: not JSON')
      return
    }
    if (change.schema !== this.options.database.schema) return
    if (typeof change.domain !== 'string' || typeof change.extension !== 'string' || typeof change.enabled !== 'boolean') {
      this.options.log.warn({ payload }, 'follow_me_changed: unexpected payload')
      return
    }
    this.publish(change.domain, change.extension, change.enabled)
  }

  private async onProbe(event: Event): Promise<void> {
    const target = probeTarget({ to: event.getHeader('to'), proto: event.getHeader('proto'), expires: event.getHeader('expires') })
    if (target.kind === 'ignore') {
      this.options.log.debug({ reason: target.reason }, 'presence probe ignored')
      return
    }
    let on = await lampState(this.db, target.host, target.extension)
    const fallback = this.options.defaultDomain
    if (on === undefined && fallback !== undefined && fallback !== target.host) {
      on = await lampState(this.db, fallback, target.extension)
      if (on !== undefined) {
        const hosts = this.aliases.get(fallback) ?? new Set<string>()
        hosts.add(target.host)
        this.aliases.set(fallback, hosts)
      }
    }
    if (on === undefined) {
      this.options.log.info({ to: `fm${target.extension}@${target.host}` }, 'presence probe for no extension of ours: ignored')
      return
    }
    this.send({ extension: target.extension, host: target.host }, on)
  }

  private async resync(why: string): Promise<void> {
    if (!this.socket.connected) return
    try {
      const lamps = await allLamps(this.db)
      for (const lamp of lamps) this.publish(lamp.domain, lamp.extension, lamp.enabled)
      this.options.log.info({ lamps: lamps.length, why }, 'lamps sent again')
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message, why }, 'could not send the lamps again')
    }
  }
}
