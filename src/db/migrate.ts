import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Migrator, sql, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely'
import type { Database } from './database.js'

/**
 * migrations/ at the package root: from src/db (tests) and dist/db (built)
 * alike; a build elsewhere (the benchmark's .bench-build/) runs from the root.
 */
export const MIGRATIONS_DIR = [fileURLToPath(new URL('../../migrations/', import.meta.url)), join(process.cwd(), 'migrations/')].find((dir) =>
  existsSync(dir),
) as string

/**
 * Reads migrations/NNNN_name.sql. Plain SQL files, so an operator can read
 * the schema's history (and apply it with psql if they must); Kysely's
 * Migrator applies them in name order, each in a transaction, under an
 * advisory lock, and records them in kysely_migration. Forward only.
 */
export class SqlFileMigrationProvider implements MigrationProvider {
  constructor(
    private readonly database: Database,
    private readonly dir: string = MIGRATIONS_DIR,
  ) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort()
    const migrations: Record<string, Migration> = {}
    for (const file of files) {
      const script = await readFile(`${this.dir}${file}`, 'utf8')
      migrations[file.replace(/\.sql$/, '')] = {
        up: (db) => this.database.runScript(db, script),
      }
    }
    return migrations
  }
}

export class MigrationError extends Error {
  override name = 'MigrationError'
}

/** Applies every pending migration; throws naming the one that failed. */
export async function migrateToLatest(database: Database, dir?: string): Promise<MigrationResultSet> {
  // Kysely looks for its bookkeeping tables in every schema unless told
  // which one: name the one the migrations go into (the search_path's first).
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db)
  const migrator = new Migrator({
    db: database.db,
    provider: new SqlFileMigrationProvider(database, dir),
    migrationTableSchema: rows[0]?.schema ?? 'public',
    // Migration numbers are taken per change and may land out of order (0006
    // merged before 0004): a missing lower number is applied when it arrives
    // instead of refusing to start. Each file stands alone, so order between
    // independent changes does not matter.
    allowUnorderedMigrations: true,
  })
  const result = await migrator.migrateToLatest()
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    const cause = result.error instanceof Error ? result.error.message : String(result.error)
    throw new MigrationError(`migration ${failed} failed: ${cause}`, { cause: result.error })
  }
  return result
}
