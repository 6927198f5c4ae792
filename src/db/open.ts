import type { DatabaseConfig } from '../config.js'
import type { Database } from './database.js'
import { openEmbedded } from './embedded.js'
import { openPostgres } from './postgres.js'

export interface OpenedDatabase {
  database: Database
  /** Where psql reaches the embedded database, when it is the one in use. */
  socketUrl?: string | undefined
}

/** Opens the configured database: Postgres when DATABASE_URL is set, else the embedded one. */
export async function openDatabase(
  config: DatabaseConfig,
  options: { statementTimeoutMs?: number; onIdleError?: (err: Error) => void } = {},
): Promise<OpenedDatabase> {
  if (config.kind === 'postgres') {
    return { database: openPostgres({ url: config.url, ...options }) }
  }
  const embedded = await openEmbedded({ dataDir: config.dataDir, socketPort: config.socketPort })
  return { database: embedded, socketUrl: embedded.socketUrl }
}
