import type { DatabaseConfig } from '../config.js'
import type { Database } from './database.js'
import { openEmbedded } from './embedded.js'
import { openPostgres, type PostgresOptions } from './postgres.js'

export type OpenOptions = Omit<PostgresOptions, 'url'> & { onServerLog?: (line: string) => void }

/**
 * Opens the configured database: Postgres at DATABASE_URL (connections are
 * made on first use, so an unreachable server is no error here), else the
 * embedded PostgreSQL, started now.
 */
export async function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Promise<Database> {
  if (config.kind === 'postgres') {
    const { onServerLog: _unused, ...postgres } = options
    return openPostgres({ url: config.url, ...postgres })
  }
  return openEmbedded({ dataDir: config.dataDir, port: config.port, ...options })
}
