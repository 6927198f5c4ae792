import { PGlite } from '@electric-sql/pglite'
import { Kysely } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import type { Database } from './database.js'
import type { DB } from './schema.js'

/**
 * Wraps a PGlite instance. PGlite is one Postgres session inside this
 * process: the dialect queues Kysely's connections onto it.
 */
export function wrapPGlite(pglite: PGlite, onClose: () => Promise<void> = async () => {}): Database {
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) })
  return {
    engine: 'pglite',
    db,
    // The dialect sends every query with the extended protocol (one statement
    // only); exec() uses the simple protocol. There is a single session, so
    // the script runs inside whatever transaction `executor` holds.
    runScript: async (_executor, script) => {
      await pglite.exec(script)
    },
    // One session in this process: it never reconnects.
    listen: async (channel, handlers) => pglite.listen(channel, handlers.onMessage),
    close: async () => {
      await db.destroy() // closes the PGlite instance too
      await onClose()
    },
  }
}

/** A throw-away in-memory database (tests, benchmarks). */
export async function openMemoryPGlite(): Promise<Database> {
  return wrapPGlite(await PGlite.create())
}
