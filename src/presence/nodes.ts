import type { Event } from 'drachtio-modesl'
import type { Metrics } from '../observability/metrics.js'
import { EventSocket, type EventSocketConfig, type EventSocketLog, type Subscription } from './event-socket.js'

/** Who wants the events of every node: the lamps (presence/) and the status (status/). */
export interface NodeListener {
  /** Plain event names and CUSTOM subclasses this listener needs. */
  readonly subscription: Subscription
  onEvent(node: EventSocket, event: Event): void
  /** The node is connected and subscribed (the first time and after every reconnect). */
  onReady(node: EventSocket): void
}

/**
 * One event socket connection per FreeSWITCH node (ESL_NODES), each
 * reconnecting on its own. Sofia NOTIFYs only the subscriptions of its own
 * node (sofia_presence.c:1423-1500, facts-2 §15), so lamps go to every
 * connected node.
 */
export class EventSocketNodes {
  private readonly listeners: NodeListener[] = []
  private sockets: EventSocket[] = []

  constructor(
    private readonly configs: readonly EventSocketConfig[],
    private readonly log: EventSocketLog,
    private readonly metrics: Metrics,
  ) {
    for (const config of configs) metrics.eventSocketConnected.set({ node: `${config.host}:${config.port}` }, 0)
  }

  /** Before start(): subscriptions are made when a node connects. */
  listen(listener: NodeListener): void {
    this.listeners.push(listener)
  }

  start(): void {
    const events = [...new Set(this.listeners.flatMap((l) => l.subscription.events))]
    const subclasses = [...new Set(this.listeners.flatMap((l) => l.subscription.subclasses))]
    this.sockets = this.configs.map((config) => {
      const label = `${config.host}:${config.port}`
      const socket: EventSocket = new EventSocket(
        config,
        { events, subclasses },
        (event) => {
          for (const listener of this.listeners) listener.onEvent(socket, event)
        },
        () => {
          for (const listener of this.listeners) listener.onReady(socket)
        },
        this.log,
        (connected) => this.metrics.eventSocketConnected.set({ node: label }, connected ? 1 : 0),
      )
      return socket
    })
    for (const socket of this.sockets) socket.start()
  }

  stop(): void {
    for (const socket of this.sockets) socket.stop()
  }

  get nodes(): readonly EventSocket[] {
    return this.sockets
  }

  /** Whether at least one node is connected. */
  get connected(): boolean {
    return this.sockets.some((s) => s.connected)
  }

  /** Each node (host:port) and whether it is connected now. */
  connections(): Record<string, boolean> {
    return Object.fromEntries(this.sockets.map((s) => [s.label, s.connected]))
  }

  /** Sends the event to every connected node (or only `to`); how many took it. */
  send(name: string, headers: ReadonlyArray<readonly [string, string]>, to?: EventSocket): number {
    let sent = 0
    for (const socket of to === undefined ? this.sockets : [to]) {
      if (socket.connected && socket.send(name, headers)) sent++
    }
    return sent
  }
}
