import { spawn, type ChildProcess } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t, { type Test } from 'tap'
import { initCluster, startServer } from '../src/db/embedded-server.js'
import { freePort } from './setup/embedded.js'
import { fixture, rewrite } from './helpers/fixtures.js'
import { until, type UntilOptions } from './helpers/until.js'

// The service as `npm start` runs it (src/server.ts in a process of its own).

const REGISTER = fixture('directory-sip_auth-register.txt')
// Each test starts a service process (TypeScript compiled on the fly) and a
// PostgreSQL cluster: slow on a loaded 2-core machine.
t.setTimeout(300_000)
const START_MS = 120_000

interface Service {
  child: ChildProcess
  base: string
  exited: Promise<number | null>
  output: () => string
}

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ffm-server-'))
  await chmod(dir, 0o755) // the postgres account (when we are root) must enter it
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function startService(t: Test, env: Record<string, string>): Promise<Service> {
  const port = await freePort()
  const child = spawn(process.execPath, [...process.execArgv, 'src/server.ts'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    await exited
  })
  const base = `http://127.0.0.1:${port}`
  await until('the service to answer /healthz', START_MS, async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.ok === true, polling(() => output))
  return { child, base, exited, output: () => output }
}

/** Polls every 100 ms; a timeout shows the process's output so far. */
const polling = (output: () => string): UntilOptions => ({ everyMs: 100, context: () => `output so far:\n${output()}` })

const post = (base: string, body: string) =>
  fetch(`${base}/freeswitch`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })

t.test('SIGTERM with lookups in flight: they are answered, then the process and its database stop', async (t) => {
  const dir = await tempDir(t)
  const t0 = Date.now()
  const service = await startService(t, { DATA_DIR: dir, EMBEDDED_DB_PORT: String(await freePort()), LOOKUP_BUDGET_MS: '5000' })
  t.comment(`started in ${Date.now() - t0} ms`)
  await until('the service to be ready (/readyz)', START_MS, async () => (await fetch(`${service.base}/readyz`)).ok, polling(service.output))

  const psql = new pg.Client({ connectionString: (await readFile(join(dir, 'embedded-db.url'), 'utf8')).trim() })
  await psql.connect()
  await psql.query("insert into domains (name) values ('127.0.0.1')")
  await psql.query("insert into extensions (domain_id, extension, sip_password) select id, '1000', '1234' from domains")
  // The log is buffered (4 kB writes): a lone lookup's line still shows
  // within LOG_FLUSH_MS while nothing else happens. (Another user: the
  // answer cache must not serve the lookups below.)
  t.equal((await post(service.base, rewrite(REGISTER, { user: '1001', sip_auth_username: '1001' }))).status, 200)
  const logged = Date.now()
  await until("the lone lookup's log line", 2000, async () => /"msg":"lookup"/.test(service.output()), polling(service.output))
  t.comment(`a lone lookup's line showed after ${Date.now() - logged} ms`)

  await psql.query('begin')
  await psql.query('lock table extensions in access exclusive mode')
  const inFlight = [post(service.base, REGISTER), post(service.base, REGISTER), post(service.base, REGISTER)]
  await new Promise((resolve) => setTimeout(resolve, 300))
  service.child.kill('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(service.child.exitCode, null, 'still running while lookups are in flight')
  // Ending the session releases the lock (its transaction is rolled back;
  // it wrote nothing). Not commit-then-end: the lookups finish as soon as
  // the lock goes, the service stops its database, and a session still open
  // then gets "terminating connection due to administrator command" (57P01),
  // an error event with no query to catch it (seen once in ten runs).
  await psql.end()

  for (const res of await Promise.all(inFlight)) {
    t.equal(res.status, 200)
    t.match(await res.text(), /<user id="1000">/)
  }
  const stopAt = Date.now()
  t.equal(await service.exited, 0, 'exit code 0')
  t.ok(Date.now() - stopAt < 10_000, `stopped ${Date.now() - stopAt} ms after the last lookup`)
  t.match(service.output(), /"signal":"SIGTERM".*stopping/)
  t.equal(service.output().match(/"msg":"lookup"/g)?.length, 4, 'every lookup logged, the buffered lines flushed at exit')
  await t.rejects(stat(join(dir, 'postgres', 'postmaster.pid')), { code: 'ENOENT' }, 'the embedded PostgreSQL stopped cleanly')
})

t.test('the database unreachable at start: the service runs, says 503, and becomes ready when it appears', async (t) => {
  const dir = await tempDir(t)
  const dbPort = await freePort()
  const service = await startService(t, { DATABASE_URL: `postgres://postgres:late@127.0.0.1:${dbPort}/postgres` })
  t.equal((await fetch(`${service.base}/readyz`)).status, 503, 'not ready')
  const early = await post(service.base, REGISTER)
  t.equal(early.status, 503, 'lookups get 503: FreeSWITCH falls back')
  t.equal(await early.text(), 'database not ready\n')

  await initCluster(join(dir, 'cluster'), 'late', { sync: false })
  const server = await startServer({ clusterDir: join(dir, 'cluster'), port: dbPort })
  t.teardown(() => server.stop())
  await until('the service to be ready (/readyz) once the database is up', START_MS, async () => (await fetch(`${service.base}/readyz`)).ok, polling(service.output))
  const late = await post(service.base, REGISTER)
  t.equal(late.status, 200, 'lookups answer (not found: no rows yet)')
  t.match(await late.text(), /<result status="not found"\/>/)
  // Log lines leave in buffered writes, at most LOG_FLUSH_MS late.
  await until('the migration log line', 2000, async () => /"migration":"0001_initial_schema".*migration applied/.test(service.output()), polling(service.output))
  t.match(service.output(), /"migration":"0001_initial_schema".*migration applied/)
  t.equal(service.child.exitCode, null, 'it never exited')
})
