import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Database } from './database.js'
import { PgListener } from './pg-listener.js'
import type { DB } from './schema.js'

export interface PostgresOptions {
  url: string
  /**
   * Server-side cap on every statement, so a query abandoned by the lookup
   * budget does not keep running. Undefined: no cap (migrations, CLI).
   */
  statementTimeoutMs?: number
  /** Schema to put first on the search_path (tests isolate themselves this way). */
  searchPath?: string
  maxConnections?: number
  applicationName?: string
  /** Told when a pooled connection dies (e.g. Postgres restarted); the pool replaces it. */
  onIdleError?: (err: Error) => void
}

export function openPostgres(options: PostgresOptions): Database {
  const settings: string[] = []
  if (options.statementTimeoutMs !== undefined) settings.push(`-c statement_timeout=${options.statementTimeoutMs}`)
  if (options.searchPath !== undefined) settings.push(`-c search_path=${options.searchPath}`)

  // How an operator tells the service's sessions apart in pg_stat_activity.
  const applicationName = options.applicationName ?? 'freeswitch-followme'
  const pool = new pg.Pool({
    connectionString: withStartupSettings(options.url, settings),
    application_name: applicationName,
    max: options.maxConnections ?? 10,
    ...(options.statementTimeoutMs !== undefined ? { connectionTimeoutMillis: options.statementTimeoutMs } : {}),
  })
  // A connection that dies (Postgres restarted, pg_terminate_backend) emits
  // 'error'. The pool listens only while a client is idle: a client checked
  // out between two statements has no listener, and an unhandled 'error'
  // kills the process (seen in test/db/faults.test.ts). Every client gets a
  // listener of its own; the pool drops the dead client when it comes back
  // (pg-pool checks _queryable) and the next query reconnects.
  pool.on('error', (err) => options.onIdleError?.(err))
  pool.on('connect', (client) => client.on('error', (err) => options.onIdleError?.(err)))

  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
  return {
    engine: 'postgres',
    db,
    schema: options.searchPath ?? 'public',
    prepared: async (statement, values) => (await pool.query({ name: statement.name, text: statement.text, values: [...values] })).rows,
    // node-postgres uses the simple query protocol when a query has no
    // parameters, and that protocol accepts several statements at once.
    runScript: async (executor, script) => {
      await sql.raw(script).execute(executor)
    },
    listen: async (channels, handlers, listenerOptions) => {
      const listener = new PgListener(options.url, typeof channels === 'string' ? [channels] : channels, handlers, { applicationName: `${applicationName} listener`, ...listenerOptions })
      await listener.start()
      return () => listener.stop()
    },
    close: () => db.destroy(),
  }
}

/**
 * The URL with `settings` (`-c name=value` startup options) appended to its
 * own `options` parameter. node-postgres lets a URL's parameters replace the
 * pool's (connection-parameters.js), so a DATABASE_URL with `?options=...`
 * would silently drop statement_timeout; appended last, ours also win over
 * the same setting in the URL.
 */
export function withStartupSettings(url: string, settings: readonly string[]): string {
  if (settings.length === 0) return url
  const parsed = new URL(url)
  const own = parsed.searchParams.get('options')
  parsed.searchParams.set('options', [...(own ? [own] : []), ...settings].join(' '))
  return parsed.toString()
}
