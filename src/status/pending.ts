/**
 * What is waiting to be written, as a queue of batches. Pure (no I/O, no
 * clock): records go in with the time they were received; the writer takes
 * whole batches out, one SQL transaction each.
 *
 * Memory stays bounded in a storm: within a batch a refresh replaces the
 * pending write of the same registration (a REGISTER storm of 10,000
 * phones is at most one row each), a channel's phases fold into one row,
 * and failures are counted per source address and hour. A change that
 * cannot fold (a registration written and then removed) starts a new batch,
 * so the order of transitions, and the history, is kept. Past `maxPending`
 * writes, records are refused: the caller drops them and lists the node
 * again from FreeSWITCH once the queue has room (resync).
 */
import type { ListedChannel, ListedRegistration } from './listing.js'
import type { AuthFailed, ChannelChange, RegisteredContact, StatusRecord } from './records.js'

export interface RegistrationRow extends RegisteredContact {
  node: string
  expiresAt: Date
  at: Date
}

export interface RegistrationRemoval {
  node: string
  profile: string
  callId: string
  contact: string | undefined
  kind: 'offline' | 'expired'
  reason: 'unregistered' | 'socket-disconnection' | 'expired'
  at: Date
}

export type RegistrationWrite = { op: 'upsert'; row: RegistrationRow } | { op: 'remove'; removal: RegistrationRemoval }

export interface ChannelRow {
  node: string
  uuid: string
  domain: string
  extension: string
  direction: 'inbound' | 'outbound'
  callUuid: string | undefined
  otherParty: string | undefined
  createdAt: Date
  answeredAt: Date | undefined
}

export type ChannelWrite = { op: 'upsert'; row: ChannelRow } | { op: 'remove'; node: string; uuid: string }

export interface FailureCount {
  node: string
  networkIp: string
  hour: Date
  attempts: number
  firstAt: Date
  lastAt: Date
  user: string | undefined
  domain: string | undefined
  userAgent: string | undefined
  request: AuthFailed['request']
}

export interface FailedAuth {
  node: string
  profile: string | undefined
  domain: string
  extension: string
  networkIp: string
  userAgent: string | undefined
  at: Date
}

export class Batch {
  readonly kind = 'batch'
  readonly registrations = new Map<string, RegistrationWrite>()
  readonly channels = new Map<string, ChannelWrite>()
  readonly failures = new Map<string, FailureCount>()
  readonly failedAuth: FailedAuth[] = []

  get size(): number {
    return this.registrations.size + this.channels.size + this.failures.size + this.failedAuth.length
  }
}

/** A node's full list: replaces every row of the node (at connect, after a restart or dropped events). */
export interface Resync {
  kind: 'resync'
  node: string
  registrations: ListedRegistration[]
  /** Undefined: the channel list could not be read; channel rows are left alone. */
  channels: ListedChannel[] | undefined
  at: Date
}

export type WriteItem = Batch | Resync

export class PendingWrites {
  private readonly items: WriteItem[] = []
  private count = 0

  constructor(
    private readonly limits: { maxBatch: number; maxPending: number },
  ) {}

  /** Writes waiting (rows, not bytes). */
  get pending(): number {
    return this.count
  }

  get empty(): boolean {
    return this.items.length === 0
  }

  /** Adds a record; false when the queue is full (the record is not kept). */
  add(record: StatusRecord, at: Date): boolean {
    if (this.count >= this.limits.maxPending) return false
    const before = this.open()
    switch (record.kind) {
      case 'registered':
      case 'unregistered': {
        const key = `${record.node}\u0000${record.profile}\u0000${record.callId}`
        const write: RegistrationWrite =
          record.kind === 'registered'
            ? { op: 'upsert', row: { ...pick(record), expiresAt: new Date(at.getTime() + record.expiresS * 1000), at } }
            : {
                op: 'remove',
                removal: {
                  node: record.node,
                  profile: record.profile,
                  callId: record.callId,
                  contact: record.contact,
                  kind: record.reason === 'expired' ? 'expired' : 'offline',
                  reason: record.reason,
                  at,
                },
              }
        let batch = before
        const existing = batch.registrations.get(key)
        // A refresh folds into the pending write; a change of kind must not.
        if (existing !== undefined && existing.op !== write.op) batch = this.seal()
        else if (existing === undefined && batch.size >= this.limits.maxBatch) batch = this.seal()
        if (!batch.registrations.has(key) || write.op === 'upsert') {
          this.count += batch.registrations.has(key) ? 0 : 1
          batch.registrations.set(key, write)
        }
        return true
      }
      case 'channel':
        this.addChannel(this.roomy(before), record, at)
        return true
      case 'auth-failed':
        this.addFailure(this.roomy(before), record, at)
        return true
    }
  }

  /** Queues a node's full list after what is pending (it replaces the node's rows when written). */
  addResync(resync: Omit<Resync, 'kind'>): void {
    this.items.push({ kind: 'resync', ...resync })
    this.count += 1
  }

  /** The oldest item, removed from the queue. */
  take(): WriteItem | undefined {
    const item = this.items.shift()
    if (item !== undefined) this.count -= item.kind === 'resync' ? 1 : item.size
    return item
  }

  /** Puts back an item whose write failed, to be tried first again. */
  putBack(item: WriteItem): void {
    this.items.unshift(item)
    this.count += item.kind === 'resync' ? 1 : item.size
  }

  private open(): Batch {
    const last = this.items[this.items.length - 1]
    return last?.kind === 'batch' ? last : this.seal()
  }

  private roomy(batch: Batch): Batch {
    return batch.size >= this.limits.maxBatch ? this.seal() : batch
  }

  private seal(): Batch {
    const batch = new Batch()
    this.items.push(batch)
    return batch
  }

  private addChannel(batch: Batch, record: ChannelChange, at: Date): void {
    const key = `${record.node}\u0000${record.uuid}`
    const existing = batch.channels.get(key)
    if (existing === undefined) this.count += 1
    if (record.phase === 'gone') {
      batch.channels.set(key, { op: 'remove', node: record.node, uuid: record.uuid })
      return
    }
    const earlier = existing?.op === 'upsert' ? existing.row : undefined
    batch.channels.set(key, {
      op: 'upsert',
      row: {
        node: record.node,
        uuid: record.uuid,
        domain: record.domain,
        extension: record.extension,
        direction: record.direction,
        callUuid: record.callUuid,
        otherParty: record.otherParty ?? earlier?.otherParty,
        createdAt: earlier?.createdAt ?? at,
        answeredAt: earlier?.answeredAt ?? (record.phase === 'answered' ? at : undefined),
      },
    })
  }

  private addFailure(batch: Batch, record: AuthFailed, at: Date): void {
    const hour = new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000)
    const key = `${record.node}\u0000${record.networkIp}\u0000${hour.getTime()}`
    const existing = batch.failures.get(key)
    if (existing === undefined) this.count += 1
    batch.failures.set(key, {
      node: record.node,
      networkIp: record.networkIp,
      hour,
      attempts: (existing?.attempts ?? 0) + 1,
      firstAt: existing?.firstAt ?? at,
      lastAt: at,
      user: record.user,
      domain: record.domain,
      userAgent: record.userAgent,
      request: record.request,
    })
    // Our extension's name was tried: its history says so (the join in SQL
    // drops names that are no extension of ours).
    if (record.user !== undefined && record.domain !== undefined) {
      batch.failedAuth.push({ node: record.node, profile: record.profile, domain: record.domain, extension: record.user, networkIp: record.networkIp, userAgent: record.userAgent, at })
      this.count += 1
    }
  }
}

function pick(r: Extract<StatusRecord, { kind: 'registered' }>): Omit<RegistrationRow, 'expiresAt' | 'at'> {
  return {
    node: r.node,
    profile: r.profile,
    callId: r.callId,
    domain: r.domain,
    extension: r.extension,
    contact: r.contact,
    userAgent: r.userAgent,
    networkIp: r.networkIp,
    networkPort: r.networkPort,
    transport: r.transport,
  }
}
