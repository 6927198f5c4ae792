import { loadConfig } from '../config.js'
import type { Database } from '../db/database.js'
import { openDatabase } from '../db/open.js'

/**
 * Opens the configured database for a command-line tool (no statement
 * timeout, no psql socket of its own), or exits with one clear line.
 */
export async function openForCli(tool: string): Promise<Database> {
  try {
    const config = loadConfig()
    const target = config.database.kind === 'embedded' ? { ...config.database, socketPort: 0 } : config.database
    return (await openDatabase(target)).database
  } catch (err) {
    fail(tool, err)
  }
}

export function fail(tool: string, err: unknown): never {
  process.stderr.write(`${tool}: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
}
