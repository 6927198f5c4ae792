import pg from 'pg'
import type { Test } from 'tap'
import type { TestDatabase } from './databases.js'

/**
 * An operator's psql: a plain Postgres client in a session of its own, in
 * the test's schema, closed when `t` ends.
 */
export async function operator(t: Test, database: TestDatabase): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: database.url, options: `-c search_path=${database.schema}` })
  await client.connect()
  t.teardown(() => client.end())
  return client
}
