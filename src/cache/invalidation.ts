import type { Database } from '../db/database.js'
import { sql } from 'kysely'
import type { AnswerCache } from './answer-cache.js'
import { ReplicaFence } from './replica-fence.js'

export interface InvalidationLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

/** The payload of lookup_changed (migrations/0003). */
interface Announcement {
  schema?: unknown
  table?: unknown
  domains?: unknown
  all?: unknown
}

/**
 * Keeps the cache in step with the database: drops the tenants every
 * committed statement touched (lookup_changed), and turns the cache off
 * whenever the listening connection is down, since changes made meanwhile
 * would go unannounced. It comes back on, empty, once listening again. The
 * connection is checked every `heartbeatMs`, so a silent loss is noticed too.
 */
export async function keepCacheFresh(
  database: Database,
  cache: AnswerCache,
  log: InvalidationLog,
  options: { heartbeatMs?: number; retryMs?: number; replica?: Database | undefined } = {},
): Promise<() => Promise<void>> {
  const replica = options.replica
  const fence =
    replica === undefined
      ? undefined
      : new ReplicaFence(
          cache,
          {
            primary: async () => (await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(database.db)).rows[0]?.lsn ?? '0/0',
            replica: async () => (await sql<{ lsn: string | null }>`select pg_last_wal_replay_lsn()::text as lsn`.execute(replica.db)).rows[0]?.lsn ?? null,
          },
          20,
          (err) => log.warn({ err }, 'lookup cache: replica position unknown'),
        )
  const stop = await database.listen(
    'lookup_changed',
    {
      onConnect: () => {
        cache.enable()
        log.info({}, 'lookup cache on: listening for changes')
      },
      onDisconnect: () => {
        cache.disable()
        log.warn({}, 'lookup cache off: not listening for changes (every lookup reads the database until it is back)')
      },
      onReconnect: () => {},
      onError: (err) => log.warn({ err }, 'lookup cache: listener error'),
      onMessage: (payload) => {
        let change: Announcement
        try {
          change = JSON.parse(payload) as Announcement
        } catch {
          // Correctness over speed: an announcement we cannot read drops everything.
          cache.clear()
          log.warn({ payload: payload.slice(0, 200) }, 'lookup_changed: not JSON; cache cleared')
          return
        }
        if (change.schema !== database.schema) return
        const domains = change.domains
        if (change.all === true || !Array.isArray(domains) || !domains.every((d): d is string => typeof d === 'string')) {
          cache.clear()
          void fence?.changed('all')
          return
        }
        cache.invalidate(domains)
        void fence?.changed(domains)
      },
    },
    { heartbeatMs: options.heartbeatMs ?? 2000, retryMs: options.retryMs ?? 1000 },
  )
  return async () => {
    fence?.stop()
    await stop()
  }
}
