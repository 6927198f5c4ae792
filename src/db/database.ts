import type { Kysely } from 'kysely'
import type { ListenerOptions } from './pg-listener.js'
import type { DB } from './schema.js'

/**
 * An open PostgreSQL database: the operator's (DATABASE_URL) or the embedded
 * one the service runs itself. Repositories only see `db`; `runScript`
 * exists for migrations, whose .sql files hold several statements (which
 * the extended query protocol refuses).
 */
export interface Database {
  readonly engine: 'postgres' | 'embedded'
  readonly db: Kysely<DB>
  /**
   * The schema the tables are in (the search_path's first). Triggers put it
   * in their NOTIFY payloads, so listeners sharing a database keep to theirs.
   */
  readonly schema: string
  /**
   * Runs a statement prepared once per connection (a named statement):
   * Postgres parses and plans it once, not on every call. For the queries
   * on every lookup's path; everything else goes through `db`.
   */
  prepared<Row>(statement: PreparedStatement<Row>, values: readonly unknown[]): Promise<Row[]>
  /** Runs a multi-statement SQL script on the connection `executor` holds. */
  runScript(executor: Kysely<unknown>, script: string): Promise<void>
  /**
   * Calls `onMessage` with each NOTIFY payload on `channel` until the
   * returned function is called. `onReconnect` follows a lost and regained
   * connection (notifications in between were missed).
   */
  listen(channels: string | readonly string[], handlers: ListenHandlers, options?: ListenerOptions): Promise<() => Promise<void>>
  close(): Promise<void>
}

export interface ListenHandlers {
  /** A NOTIFY's payload, and the channel it came on. */
  onMessage(payload: string, channel: string): void
  /** Listening again after a gap: notifications in it were missed. */
  onReconnect(): void
  onError(err: Error): void
  /** Listening (the first time, and after every gap). */
  onConnect?(): void
  /** No longer listening: notifications from now on are missed until onConnect. */
  onDisconnect?(): void
}

/**
 * A statement and the shape of its rows. Each name has one text for the
 * life of the process (Postgres keeps named statements per connection).
 */
export interface PreparedStatement<Row> {
  readonly name: string
  readonly text: string
  /** Only carries the row type. */
  readonly row?: Row
}
