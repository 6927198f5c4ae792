import type { Event } from 'drachtio-modesl'
import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import type { DB } from '../db/schema.js'
import type { Metrics } from '../observability/metrics.js'
import { allLamps, lampState } from '../followme/repository.js'
import { allForwardLamps, forwardLampStates } from '../forwards/repository.js'
import type { EventSocket } from './event-socket.js'
import { presenceInHeaders, probeTarget, type Lamp, type LampFeature } from './lamp.js'
import type { EventSocketNodes, NodeListener } from './nodes.js'

const LAMP_CHANNELS = ['follow_me_changed', 'call_forwarding_changed'] as const

export interface PresenceLog {
  debug(obj: object, msg: string): void
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface PresenceOptions {
  database: Database
  /** The FreeSWITCH nodes' event sockets (started by the app, after every listener joined). */
  nodes: EventSocketNodes
  /** Domain for lamps subscribed at a host that is no domain of ours (an IP address). */
  defaultDomain: string | undefined
  log: PresenceLog
  metrics: Metrics
}

/**
 * Keeps every BLF lamp in step with the rows: fm<EXT> with
 * follow_me.enabled, dnd<EXT> with call_forwarding.do_not_disturb, cf<EXT>
 * with call_forwarding.forward_all_enabled:
 * - a phone subscribes: FreeSWITCH sends PRESENCE_PROBE; we answer with the state;
 * - a flag changes by any path (feature code, key, psql, portal): the
 *   database's follow_me_changed / call_forwarding_changed notice
 *   (migrations/0002, 0004) makes us send PRESENCE_IN;
 * - after the event socket or the database connection comes back, every lamp
 *   is sent again, since changes in between were missed.
 * Sending the same state twice is harmless; missing one is not.
 */
export class PresenceService implements NodeListener {
  readonly subscription = { events: ['PRESENCE_PROBE'], subclasses: [] }
  private readonly unlisten: Array<() => Promise<void>> = []
  /** Hosts phones subscribed with that map to a domain (PRESENCE_DEFAULT_DOMAIN), by domain. */
  private readonly aliases = new Map<string, Set<string>>()

  constructor(private readonly options: PresenceOptions) {
    options.nodes.listen(this)
  }

  onEvent(_node: EventSocket, event: Event): void {
    if (event.getHeader('Event-Name') !== 'PRESENCE_PROBE') return
    void this.onProbe(event).catch((err: Error) => this.options.log.warn({ err: err.message }, 'presence probe failed'))
  }

  onReady(node: EventSocket): void {
    void this.resync(`event socket ${node.label} connected`, node)
  }

  /** Each event socket and whether it is connected now. */
  connections(): Record<string, boolean> {
    return this.options.nodes.connections()
  }

  private get db(): Kysely<DB> {
    return this.options.database.db
  }

  async start(): Promise<void> {
    // One connection for both channels: one resync when it comes back.
    this.unlisten.push(
      await this.options.database.listen(LAMP_CHANNELS, {
        onMessage: (payload, channel) => this.onChange(channel, payload),
        onReconnect: () => void this.resync('database listener reconnected'),
        onError: (err) => this.options.log.warn({ err: err.message }, 'database listener error'),
      }),
    )
  }

  async stop(): Promise<void> {
    await Promise.all(this.unlisten.splice(0).map((stop) => stop()))
  }

  /** Whether at least one node's event socket is connected. */
  get connected(): boolean {
    return this.options.nodes.connected
  }

  /** Sends the lamp's state to every connected node (or `to`), at its domain and every alias host. */
  publish(domain: string, extension: string, on: boolean, feature: LampFeature = 'fm', to?: EventSocket): void {
    for (const host of [domain, ...(this.aliases.get(domain) ?? [])]) this.send({ feature, extension, host }, on, to)
  }

  private send(lamp: Lamp, on: boolean, to?: EventSocket): void {
    const sent = this.options.nodes.send('PRESENCE_IN', presenceInHeaders(lamp, on), to)
    if (sent > 0) {
      this.options.metrics.lampEvents.inc(sent)
      this.options.log.debug({ lamp: `${lamp.feature}${lamp.extension}@${lamp.host}`, on, nodes: sent }, 'lamp sent')
    } else {
      this.options.log.warn({ lamp: `${lamp.feature}${lamp.extension}@${lamp.host}` }, 'no event socket connected: lamp not sent')
    }
  }

  private onChange(channel: string, payload: string): void {
    let change: { schema?: unknown; domain?: unknown; extension?: unknown; enabled?: unknown; do_not_disturb?: unknown; forward_all?: unknown }
    try {
      change = JSON.parse(payload) as typeof change
    } catch {
      this.options.log.warn({ payload }, `${channel}: not JSON`)
      return
    }
    if (change.schema !== this.options.database.schema) return
    const { domain, extension } = change
    if (typeof domain === 'string' && typeof extension === 'string') {
      if (channel === 'follow_me_changed' && typeof change.enabled === 'boolean') return this.publish(domain, extension, change.enabled)
      if (channel === 'call_forwarding_changed' && typeof change.do_not_disturb === 'boolean' && typeof change.forward_all === 'boolean') {
        this.publish(domain, extension, change.do_not_disturb, 'dnd')
        return this.publish(domain, extension, change.forward_all, 'cf')
      }
    }
    this.options.log.warn({ payload }, `${channel}: unexpected payload`)
  }

  /** Whether `feature`'s lamp of `extension` in `domain` is on; undefined: no such enabled extension. */
  private async stateOf(feature: LampFeature, domain: string, extension: string): Promise<boolean | undefined> {
    if (feature === 'fm') return lampState(this.db, domain, extension)
    const states = await forwardLampStates(this.db, domain, extension)
    return states === undefined ? undefined : feature === 'dnd' ? states.doNotDisturb : states.forwardAll
  }

  private async onProbe(event: Event): Promise<void> {
    const header = (name: string) => {
      const value = event.getHeader(name)
      return typeof value === 'string' ? value : null
    }
    const target = probeTarget({ to: header('to'), proto: header('proto'), expires: header('expires') })
    if (target.kind === 'ignore') {
      this.options.log.debug({ reason: target.reason }, 'presence probe ignored')
      return
    }
    let on = await this.stateOf(target.feature, target.host, target.extension)
    const fallback = this.options.defaultDomain
    if (on === undefined && fallback !== undefined && fallback !== target.host) {
      on = await this.stateOf(target.feature, fallback, target.extension)
      if (on !== undefined) {
        const hosts = this.aliases.get(fallback) ?? new Set<string>()
        hosts.add(target.host)
        this.aliases.set(fallback, hosts)
      }
    }
    if (on === undefined) {
      this.options.log.info({ to: `${target.feature}${target.extension}@${target.host}` }, 'presence probe for no extension of ours: ignored')
      return
    }
    this.send({ feature: target.feature, extension: target.extension, host: target.host }, on)
  }

  /** Every lamp again, to `to` (a node that connected) or to all (the database listener came back). */
  private async resync(why: string, to?: EventSocket): Promise<void> {
    if (to === undefined ? !this.connected : !to.connected) return
    try {
      // Both lists read before anything is sent: the lamps go out together.
      const [lamps, forwards] = await Promise.all([allLamps(this.db), allForwardLamps(this.db)])
      for (const lamp of lamps) this.publish(lamp.domain, lamp.extension, lamp.enabled, 'fm', to)
      for (const lamp of forwards) {
        this.publish(lamp.domain, lamp.extension, lamp.doNotDisturb, 'dnd', to)
        this.publish(lamp.domain, lamp.extension, lamp.forwardAll, 'cf', to)
      }
      this.options.log.info({ lamps: lamps.length + 2 * forwards.length, why }, 'lamps sent again')
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message, why }, 'could not send the lamps again')
    }
  }
}
