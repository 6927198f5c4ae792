/**
 * The status tables' SQL (migrations/0006). Every write takes a whole batch
 * as arrays (unnest), so a storm of 10,000 REGISTERs is a few dozen
 * statements, not 10,000. Names that are no extension of ours fall out of
 * the joins. A batch is one transaction: retried whole after a failure.
 */
import { sql, type Kysely, type Transaction } from 'kysely'
import type { DB } from '../db/schema.js'
import type { Batch, ChannelRow, RegistrationRemoval, RegistrationRow, Resync } from './pending.js'
import { channelRow, countFailures, listedRow, removeChannels, removeRegistrations, upsertChannels, upsertRegistrations } from './table-writes.js'

export interface WriteCounts {
  /** Registration rows inserted or refreshed. */
  registered: number
  /** Registration names that are no extension of ours (not stored). */
  unknown: number
  removed: number
  channels: number
  failures: number
}

/**
 * A status write's own time limit. The pool's statement_timeout is the
 * lookup budget (LOOKUP_BUDGET_MS), meant for what FreeSWITCH waits on; a
 * 1,000-record batch during a storm, on a database busy answering the
 * storm's lookups, outlasted it (bench:storm on PostgreSQL 15: "canceling
 * statement due to statement timeout", then retries backing off to 30 s,
 * rows 90 s late). Nobody waits on a status write, and the writer holds
 * one connection at a time.
 */
export const STATUS_WRITE_TIMEOUT_MS = 30_000

/** A transaction with the status write's time limit. */
function statusTransaction<T>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('statement_timeout', ${String(STATUS_WRITE_TIMEOUT_MS)}, true)`.execute(trx)
    return work(trx)
  })
}

const none = (): WriteCounts => ({ registered: 0, unknown: 0, removed: 0, channels: 0, failures: 0 })

export async function writeBatch(db: Kysely<DB>, batch: Batch): Promise<WriteCounts> {
  const upserts: RegistrationRow[] = []
  const removals: RegistrationRemoval[] = []
  for (const write of batch.registrations.values()) {
    if (write.op === 'upsert') upserts.push(write.row)
    else removals.push(write.removal)
  }
  const channelRows: ChannelRow[] = []
  const gone: Array<{ node: string; uuid: string }> = []
  for (const write of batch.channels.values()) {
    if (write.op === 'upsert') channelRows.push(write.row)
    else gone.push({ node: write.node, uuid: write.uuid })
  }
  return statusTransaction(db, async (trx) => {
    const counts = none()
    // Within a batch no registration is both written and removed (pending.ts).
    counts.removed = await removeRegistrations(trx, removals)
    const written = await upsertRegistrations(trx, upserts, 'registered')
    counts.registered = written
    counts.unknown = upserts.length - written
    counts.channels = (await removeChannels(trx, gone)) + (await upsertChannels(trx, channelRows))
    counts.failures = await countFailures(trx, [...batch.failures.values()], batch.failedAuth)
    return counts
  })
}

/**
 * Replaces a node's rows by its list: listed registrations are written
 * (new ones logged as online, 'listed at resync'), the node's others are
 * removed (logged offline, 'gone at resync'); its channel rows become the
 * listed channels.
 */
export async function writeResync(db: Kysely<DB>, resync: Resync): Promise<WriteCounts> {
  return statusTransaction(db, async (trx) => {
    const counts = none()
    const rows = resync.registrations.map((r) => listedRow(r, resync.at))
    counts.registered = await upsertRegistrations(trx, rows, 'listed at resync')
    counts.unknown = rows.length - counts.registered
    const result = await sql<{ n: string }>`
      WITH listed AS (
        SELECT * FROM unnest(${rows.map((r) => r.profile)}::text[], ${rows.map((r) => r.callId)}::text[]) AS x(profile, call_id)
      ), gone AS (
        DELETE FROM registrations r
         WHERE r.node = ${resync.node}
           AND NOT EXISTS (SELECT 1 FROM listed x WHERE x.profile = r.profile AND x.call_id = r.call_id)
        RETURNING r.*
      ), logged AS (
        INSERT INTO registration_events (domain_id, extension_id, at, kind, reason, node, profile, call_id, contact, user_agent, network_ip, network_port)
        SELECT domain_id, extension_id, ${resync.at}, 'offline', 'gone at resync', node, profile, call_id, contact, user_agent, network_ip, network_port
          FROM gone
        RETURNING 1
      )
      SELECT count(*) AS n FROM logged`.execute(trx)
    counts.removed = Number(result.rows[0]?.n ?? 0)
    if (resync.channels !== undefined) {
      await sql`DELETE FROM extension_channels WHERE node = ${resync.node}`.execute(trx)
      counts.channels = await upsertChannels(trx, resync.channels.map((c) => channelRow(c, resync.node, resync.at)))
    }
    return counts
  })
}

/**
 * Deletes up to `limit` history rows older than `hours` (and failure
 * counts of such hours): the pruner calls it until it returns less than
 * `limit`, pausing in between, so lookups never wait behind a long delete.
 */
export async function pruneHistory(db: Kysely<DB>, hours: number, limit: number): Promise<number> {
  const events = await sql`
    DELETE FROM registration_events WHERE id IN (
      SELECT id FROM registration_events WHERE at < now() - make_interval(hours => ${hours}) ORDER BY at LIMIT ${limit})`.execute(db)
  const failures = await sql`
    DELETE FROM registration_failures WHERE (network_ip, hour, node) IN (
      SELECT network_ip, hour, node FROM registration_failures WHERE hour < date_trunc('hour', now() - make_interval(hours => ${hours})) LIMIT ${limit})`.execute(db)
  return Number(events.numAffectedRows ?? 0) + Number(failures.numAffectedRows ?? 0)
}
