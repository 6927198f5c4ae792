import { loadConfig } from '../config.js'
import type { Database } from '../db/database.js'
import { runningEmbeddedUrl } from '../db/embedded.js'
import { openDatabase } from '../db/open.js'
import { openPostgres } from '../db/postgres.js'

/**
 * Opens the configured database for a command-line tool (no statement
 * timeout), or exits with one clear line. With the embedded database, a
 * running service's server is used when there is one; otherwise the tool
 * starts the server itself for its run.
 */
export async function openForCli(tool: string): Promise<Database> {
  try {
    const config = loadConfig()
    if (config.database.kind === 'embedded') {
      const url = await runningEmbeddedUrl(config.database.dataDir)
      if (url !== undefined) return openPostgres({ url, maxConnections: 2 })
    }
    return await openDatabase(config.database, { maxConnections: 2 })
  } catch (err) {
    fail(tool, err)
  }
}

export function fail(tool: string, err: unknown): never {
  process.stderr.write(`${tool}: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
}
