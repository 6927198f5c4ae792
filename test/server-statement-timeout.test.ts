import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { openPostgres } from '../src/db/postgres.js'
import { fixture } from './helpers/fixtures.js'
import { embeddedTestUrl } from './helpers/databases.js'
import { until } from './helpers/until.js'
import { freePort } from './setup/embedded.js'

// server.ts gives its database connections the lookup budget as Postgres'
// statement_timeout: a lookup the route gave up on (503) is also ended
// server-side, instead of waiting behind an operator's lock for as long as
// the lock lasts. Seen from a real service process on its own schema.

t.setTimeout(300_000)
const BUDGET_MS = 1000
const REGISTER = fixture('directory-sip_auth-register.txt')

t.test("the budget reaches Postgres even when DATABASE_URL carries options of its own", async (t) => {
  const url = embeddedTestUrl()
  // An operator's URL may set startup options (a schema, a timezone, even a
  // timeout of its own); the pool's statement_timeout must survive them.
  const operatorUrl = `${url}?options=${encodeURIComponent('-c search_path=elsewhere -c statement_timeout=0 -c TimeZone=UTC')}`
  const database = openPostgres({ url: operatorUrl, statementTimeoutMs: 4321, maxConnections: 1 })
  t.teardown(() => database.close())
  const { rows } = await sql<{ timeout: string; search_path: string; tz: string }>`
    select current_setting('statement_timeout') as timeout, current_setting('search_path') as search_path, current_setting('TimeZone') as tz`.execute(database.db)
  t.strictSame(rows, [{ timeout: '4321ms', search_path: 'elsewhere', tz: 'UTC' }])
})

t.test('a lookup abandoned over budget is cancelled by Postgres while the lock is still held', async (t) => {
  const url = embeddedTestUrl()
  const schema = `timeout_${process.pid}_${randomBytes(3).toString('hex')}`
  const psql = new pg.Client({ connectionString: url })
  await psql.connect()
  await psql.query(`create schema ${schema}`)
  t.teardown(async () => {
    await psql.query(`drop schema ${schema} cascade`)
    await psql.end()
  })

  const port = await freePort()
  const child = spawn(process.execPath, [...process.execArgv, 'src/server.ts'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      LOOKUP_BUDGET_MS: String(BUDGET_MS),
      DATABASE_URL: `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  t.teardown(async () => {
    // SIGTERM, so the process writes its coverage on the way out.
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
  })
  const base = `http://127.0.0.1:${port}`
  await until('the service to be ready (migrated)', 240_000, async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok === true, { everyMs: 20, context: () => output })

  await psql.query(`set search_path = ${schema}`)
  await psql.query("insert into domains (name) values ('127.0.0.1')")
  await psql.query("insert into extensions (domain_id, extension, sip_password) select id, '1000', '1234' from domains")
  await psql.query('begin')
  await psql.query('lock table extensions in access exclusive mode')
  const waiting = async () =>
    (
      await psql.query<{ n: number }>(
        'select count(*)::int as n from pg_locks where not granted and relation = $1::regclass and pid <> pg_backend_pid()',
        [`${schema}.extensions`],
      )
    ).rows[0]?.n ?? 0
  // pg_locks is read afresh by each statement, even inside this transaction.
  try {
    const lookup = fetch(`${base}/freeswitch`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: REGISTER })
    await until("the service's lookup waiting for the lock", 10_000, async () => (await waiting()) === 1, { everyMs: 20, context: () => output })
    const res = await lookup
    t.equal(res.status, 503, 'over budget: FreeSWITCH falls back')
    // Still locked: only statement_timeout can end the wait now.
    await until('the abandoned query to be cancelled', 3 * BUDGET_MS, async () => (await waiting()) === 0, { everyMs: 20, context: () => output })
    t.pass('no query of the service waits behind the lock any more')
  } finally {
    // Released either way: a service stopping waits for its queries.
    await psql.query('rollback')
  }
})
