import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import type { Database } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { openMemoryPGlite } from '../../src/db/pglite.js'
import { openPostgres } from '../../src/db/postgres.js'

/**
 * The databases every database-backed test runs against: PGlite always, and
 * the real Postgres at TEST_DATABASE_URL when it is set. Each is opened once
 * per test process (PGlite takes seconds to start) and migrated; tests call
 * `reset()` to start from empty tables. On Postgres the process works in a
 * schema of its own, dropped at the end, so parallel test files never meet.
 */
export interface TestDatabase extends Database {
  readonly name: 'pglite' | 'postgres'
  reset(): Promise<void>
}

const opened = new Map<string, Promise<TestDatabase>>()

async function openTestPGlite(): Promise<TestDatabase> {
  const database = await openMemoryPGlite()
  await migrateToLatest(database)
  return { ...database, name: 'pglite', reset: () => truncateAll(database) }
}

async function openTestPostgres(url: string): Promise<TestDatabase> {
  const schema = `test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = openPostgres({ url, maxConnections: 1 })
  await sql`create schema ${sql.id(schema)}`.execute(admin.db)
  await admin.close()
  const database = openPostgres({ url, searchPath: schema, maxConnections: 4 })
  await migrateToLatest(database)
  return {
    ...database,
    name: 'postgres',
    reset: () => truncateAll(database),
    close: async () => {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(database.db)
      await database.close()
    },
  }
}

async function truncateAll(database: Database): Promise<void> {
  // Every table hangs off domains; kysely_migration stays.
  await sql`truncate domains restart identity cascade`.execute(database.db)
}

function open(name: 'pglite' | 'postgres', url?: string): Promise<TestDatabase> {
  let db = opened.get(name)
  if (db === undefined) {
    db = name === 'pglite' ? openTestPGlite() : openTestPostgres(url as string)
    opened.set(name, db)
    t.teardown(async () => (await db)?.close())
  }
  return db
}

/**
 * Runs `suite` once per database, as subtests named after it, with empty
 * tables before each of its tests.
 */
export function eachDatabase(parent: Test, suite: (t: Test, database: TestDatabase) => void | Promise<void>): void {
  const targets: Array<['pglite' | 'postgres', string | undefined]> = [['pglite', undefined]]
  const url = process.env.TEST_DATABASE_URL
  if (url) targets.push(['postgres', url])
  for (const [name, target] of targets) {
    parent.test(name, async (t) => {
      const database = await open(name, target)
      t.beforeEach(() => database.reset())
      await suite(t, database)
    })
  }
}
