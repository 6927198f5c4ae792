/**
 * Live extension status from every node's event socket: parse each event
 * at the edge (records.ts), queue it (pending.ts), write it in batches
 * (writer.ts, repository.ts). A node's rows are listed again from
 * FreeSWITCH (sofia xmlstatus, show channels) when it connects, when it
 * restarted (a new Core-UUID), and after events had to be dropped. Old
 * history is pruned in small batches. Nothing here runs on a lookup's path.
 */
import type { Event } from 'drachtio-modesl'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { Metrics } from '../observability/metrics.js'
import { LogThrottle } from '../observability/throttle.js'
import type { EventSocket } from '../presence/event-socket.js'
import type { EventSocketNodes, NodeListener } from '../presence/nodes.js'
import { listedChannels, listedProfiles, listedRegistrations, type ListedRegistration } from './listing.js'
import { CHANNEL_EVENTS, REGISTRATION_SUBCLASSES, parseStatusEvent, type HeaderReader, type StatusRecord } from './records.js'
import { pruneHistory, type WriteCounts } from './repository.js'
import { nodeName } from './text.js'
import { StatusWriter } from './writer.js'

export interface StatusLog {
  debug(obj: object, msg: string): void
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface StatusOptions {
  db: Kysely<DB>
  nodes: EventSocketNodes
  log: StatusLog
  metrics: Metrics
  /** registration_events and registration_failures older than this are deleted. */
  historyHours: number
  pruneEveryMs?: number
  flushMs?: number
  maxBatch?: number
  maxPending?: number
  /** Told after each write (tests, the benchmark). */
  onWritten?: (counts: WriteCounts, kind: 'batch' | 'resync') => void
}

const PRUNE_BATCH = 500

interface NodeRun {
  /** The node's switchname and run, once known. */
  node?: string
  coreUuid?: string
  resyncing: boolean
  /** Another resync was asked for while one ran. */
  again: boolean
  /**
   * Records received while the node is being listed: queued after the list,
   * since FreeSWITCH may have made the list before or after them (bgapi runs
   * in its own thread) and replaying them is harmless.
   */
  held: StatusRecord[]
}

export class StatusService implements NodeListener {
  readonly subscription = { events: [...CHANNEL_EVENTS], subclasses: [...REGISTRATION_SUBCLASSES] }
  readonly writer: StatusWriter
  private readonly runs = new Map<EventSocket, NodeRun>()
  /** Nodes whose events were dropped (queue full): listed again once it drains. */
  private readonly dirty = new Set<EventSocket>()
  private readonly throttle = new LogThrottle(1000)
  private pruneTimer: NodeJS.Timeout | undefined
  private pruning: Promise<void> | undefined
  private stopped = false

  constructor(private readonly options: StatusOptions) {
    this.writer = new StatusWriter(options.db, options.log, {
      flushMs: options.flushMs ?? 50,
      maxBatch: options.maxBatch ?? 1000,
      maxPending: options.maxPending ?? 50_000,
      onWritten: (counts, kind) => {
        options.metrics.statusRowsWritten.inc(counts.registered + counts.removed + counts.channels)
        options.onWritten?.(counts, kind)
      },
      onDrained: () => this.resyncDirty(),
    })
    options.metrics.observeStatus(() => this.writer.pending)
    options.nodes.listen(this)
  }

  start(): void {
    const every = this.options.pruneEveryMs ?? 60_000
    this.pruneTimer = setInterval(() => void this.prune(), every)
    this.pruneTimer.unref()
    void this.prune()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.pruneTimer)
    await this.pruning
    await this.writer.flush().catch(() => {})
    await this.writer.stop()
  }

  onEvent(socket: EventSocket, event: Event): void {
    const get: HeaderReader = (name) => {
      const value = event.getHeader(name)
      return typeof value === 'string' ? value : undefined
    }
    const parsed = parseStatusEvent(get)
    if ('skip' in parsed) {
      if (parsed.skip === 'malformed') {
        this.options.metrics.statusEvents.inc({ result: 'malformed' })
        const logNow = this.throttle.take(`malformed ${socket.label}`)
        if (logNow) this.options.log.warn({ node: socket.label, why: parsed.why, suppressed: logNow.suppressed }, 'malformed event skipped')
      }
      return
    }
    const record = parsed.record
    const run = this.run(socket)
    if (run.coreUuid !== undefined && run.coreUuid !== record.coreUuid && !run.resyncing) {
      this.options.log.info({ node: record.node, was: run.coreUuid, now: record.coreUuid }, 'FreeSWITCH node restarted (new Core-UUID): listing it again')
      void this.resync(socket, 'node restarted')
    }
    if (run.resyncing) {
      if (run.held.length < (this.options.maxPending ?? 50_000)) run.held.push(record)
      else this.dropped(socket)
      return
    }
    run.coreUuid = record.coreUuid
    this.queue(socket, record)
  }

  /** Whether a node is being listed now (tests wait for it). */
  get listing(): boolean {
    return [...this.runs.values()].some((r) => r.resyncing)
  }

  /** How many nodes have been listed at least once. */
  get listedNodes(): number {
    return [...this.runs.values()].filter((r) => r.node !== undefined).length
  }

  private queue(socket: EventSocket, record: StatusRecord): void {
    if (this.writer.add(record)) {
      this.options.metrics.statusEvents.inc({ result: 'queued' })
    } else {
      this.dropped(socket)
    }
  }

  private dropped(socket: EventSocket): void {
    this.options.metrics.statusEvents.inc({ result: 'dropped' })
    this.dirty.add(socket)
    const logNow = this.throttle.take('dropped')
    if (logNow) this.options.log.warn({ node: socket.label, pending: this.writer.pending, suppressed: logNow.suppressed }, 'status queue full: event dropped; the node is listed again when the queue drains')
  }

  onReady(socket: EventSocket): void {
    void this.resync(socket, 'connected')
  }

  /**
   * Lists the node's profiles, each profile's registrations and the
   * channels, and queues them to replace the node's rows.
   */
  async resync(socket: EventSocket, why: string): Promise<void> {
    const run = this.run(socket)
    if (run.resyncing) {
      run.again = true
      return
    }
    run.resyncing = true
    try {
      const profilesAnswer = await socket.bgapi('sofia xmlstatus')
      const node = nodeName(profilesAnswer.header('FreeSWITCH-Switchname'))
      const coreUuid = profilesAnswer.header('Core-UUID')
      if (node === undefined || coreUuid === undefined) throw new Error('bgapi answer without FreeSWITCH-Switchname or Core-UUID')
      const registrations: ListedRegistration[] = []
      let skipped = 0
      for (const profile of listedProfiles(profilesAnswer.body)) {
        const answer = await socket.bgapi(`sofia xmlstatus profile ${profile} reg`)
        const listed = listedRegistrations(answer.body, profile, node)
        registrations.push(...listed.rows)
        skipped += listed.skipped
      }
      const channels = listedChannels((await socket.bgapi('show channels as json')).body)
      if (this.stopped) return
      this.writer.addResync({ node, registrations, channels, at: new Date() })
      run.node = node
      run.coreUuid = coreUuid
      this.options.log.info({ node, socket: socket.label, why, registrations: registrations.length, skipped, channels: channels?.length ?? null }, 'node listed: its rows are replaced')
    } catch (err) {
      this.options.log.warn({ node: socket.label, why, err: (err as Error).message }, 'could not list the node; its rows are kept until it reconnects')
    } finally {
      run.resyncing = false
      const held = run.held.splice(0)
      for (const record of held) this.queue(socket, record)
      if (run.again && !this.stopped) {
        run.again = false
        void this.resync(socket, why)
      }
    }
  }

  private run(socket: EventSocket): NodeRun {
    let run = this.runs.get(socket)
    if (run === undefined) {
      run = { resyncing: false, again: false, held: [] }
      this.runs.set(socket, run)
    }
    return run
  }

  private resyncDirty(): void {
    for (const socket of this.dirty) {
      this.dirty.delete(socket)
      if (socket.connected) void this.resync(socket, 'events were dropped')
    }
  }

  private prune(): Promise<void> {
    this.pruning ??= (async () => {
      try {
        let deleted = 0
        for (;;) {
          const n = await pruneHistory(this.options.db, this.options.historyHours, PRUNE_BATCH)
          deleted += n
          if (n < PRUNE_BATCH || this.stopped) break
          // Room for lookups between two small deletes.
          await new Promise((r) => setTimeout(r, 20))
        }
        if (deleted > 0) this.options.log.debug({ deleted }, 'registration history pruned')
      } catch (err) {
        this.options.log.warn({ err: (err as Error).message }, 'could not prune the registration history')
      } finally {
        this.pruning = undefined
      }
    })()
    return this.pruning
  }
}
