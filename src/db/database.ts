import type { Kysely } from 'kysely'
import type { DB } from './schema.js'

/**
 * An open database, whichever engine is behind it. Repositories only see
 * `db`; `runScript` exists for migrations, whose .sql files hold several
 * statements (which the extended query protocol refuses).
 */
export interface Database {
  readonly engine: 'postgres' | 'pglite'
  readonly db: Kysely<DB>
  /** Runs a multi-statement SQL script on the connection `executor` holds. */
  runScript(executor: Kysely<unknown>, script: string): Promise<void>
  /**
   * Calls `onMessage` with each NOTIFY payload on `channel` until the
   * returned function is called. `onReconnect` follows a lost and regained
   * connection (notifications in between were missed).
   */
  listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>>
  close(): Promise<void>
}

export interface ListenHandlers {
  onMessage(payload: string): void
  onReconnect(): void
  onError(err: Error): void
}
