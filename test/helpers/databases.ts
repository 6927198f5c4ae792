import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import type { Database } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { openPostgres } from '../../src/db/postgres.js'
import { testEmbeddedDir } from '../setup/embedded.js'

/**
 * The databases every database-backed test runs against: the embedded
 * PostgreSQL (the one `npm start` runs, PostgreSQL 18, started once per test
 * run by test/setup/start-embedded.ts) always, and the real Postgres at
 * TEST_DATABASE_URL when it is set (the machine's PostgreSQL 15 in CI). Each
 * test process works in a schema of its own, dropped at the end, so parallel
 * test files never meet; tests call `reset()` to start from empty tables.
 * Statements get the production statement_timeout (the default lookup
 * budget), so a query a test abandons cannot outlive its test.
 */
export interface TestDatabase extends Database {
  readonly name: DatabaseName
  /** The server's URL (no schema): for tests that need connections of their own. */
  readonly url: string
  /** pg_stat_activity's application_name of its pool; its listeners add " listener". */
  readonly applicationName: string
  reset(): Promise<void>
}

export type DatabaseName = 'embedded' | 'postgres'

export const TEST_STATEMENT_TIMEOUT_MS = 1500

const opened = new Map<string, Promise<TestDatabase>>()

/** The URL of the run's embedded server. */
export function embeddedTestUrl(): string {
  const file = join(testEmbeddedDir(), 'url')
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    throw new Error(`no embedded test database (${file}): run the tests with tap, whose before script starts it`)
  }
}

async function openTestDatabase(name: DatabaseName, url: string): Promise<TestDatabase> {
  const schema = `test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = openPostgres({ url, maxConnections: 1 })
  await sql`create schema ${sql.id(schema)}`.execute(admin.db)
  await admin.close()
  // Migrated without a statement timeout: Kysely's migration lock is one
  // advisory lock for the whole server, so parallel test processes wait
  // for each other's migrations.
  // Kysely's migrator first lists every table of every schema (its
  // introspector calls pg_get_serial_sequence on each); another test
  // process dropping its schema at that moment makes that list fail with
  // "relation (or schema) ... does not exist". Such a failure changed
  // nothing: try again.
  const migrator = openPostgres({ url, searchPath: schema, maxConnections: 1 })
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateToLatest(migrator)
      break
    } catch (err) {
      // 42P01 undefined_table, 3F000 invalid_schema_name: the other schema vanished under the listing.
      const code = ((err as Error).cause as { code?: string } | undefined)?.code
      if (attempt >= 5 || (code !== '42P01' && code !== '3F000')) throw err
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
    }
  }
  await migrator.close()
  // Its own application name: tests that terminate "the service's"
  // connections must not reach other test processes'.
  const applicationName = `freeswitch-followme ${schema}`
  const database = openPostgres({ url, searchPath: schema, maxConnections: 4, statementTimeoutMs: TEST_STATEMENT_TIMEOUT_MS, applicationName })
  return {
    ...database,
    name,
    url,
    applicationName,
    reset: () => truncateAll(database),
    close: async () => {
      await database.close()
      // Without the statement timeout: dropping a schema of tables and
      // triggers took longer than 1.5 s on a loaded machine (seen in a loop
      // of the fault tests), failing a run whose tests had all passed.
      const dropper = openPostgres({ url, maxConnections: 1 })
      await sql`drop schema ${sql.id(schema)} cascade`.execute(dropper.db)
      await dropper.close()
    },
  }
}

async function truncateAll(database: Database): Promise<void> {
  // Every table hangs off domains but registration_failures (source
  // addresses are nobody's); kysely_migration stays.
  await sql`truncate domains, registration_failures restart identity cascade`.execute(database.db)
}

function open(name: DatabaseName, url: string): Promise<TestDatabase> {
  let db = opened.get(name)
  if (db === undefined) {
    db = openTestDatabase(name, url)
    opened.set(name, db)
    t.teardown(async () => (await db)?.close())
  }
  return db
}

/**
 * The databases of this run: [name, server URL]. TEST_DATABASE_ONLY=postgres
 * leaves the embedded one out of the per-database suites (for repeated runs
 * against Postgres alone, README "Tests"); tests of the embedded server
 * itself still use it.
 */
export function testDatabaseTargets(): Array<[DatabaseName, string]> {
  const url = process.env.TEST_DATABASE_URL
  const only = process.env.TEST_DATABASE_ONLY
  if (only !== undefined && only !== '' && (only !== 'postgres' || !url)) {
    throw new Error(`TEST_DATABASE_ONLY=${only}: only "postgres" is known, and it needs TEST_DATABASE_URL`)
  }
  const targets: Array<[DatabaseName, string]> = only === 'postgres' ? [] : [['embedded', embeddedTestUrl()]]
  if (url) targets.push(['postgres', url])
  return targets
}

/**
 * Runs `suite` once per database, as subtests named after it, with empty
 * tables before each of its tests.
 */
export function eachDatabase(parent: Test, suite: (t: Test, database: TestDatabase) => void | Promise<void>): void {
  for (const [name, url] of testDatabaseTargets()) {
    parent.test(name, async (t) => {
      const database = await open(name, url)
      t.beforeEach(() => database.reset())
      await suite(t, database)
    })
  }
}
