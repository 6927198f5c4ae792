import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t, { type Test } from 'tap'
import { openEmbedded, runningEmbeddedUrl } from '../../src/db/embedded.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { freePort } from '../setup/embedded.js'

// The embedded PostgreSQL as `npm start` runs it, in a directory of its own.

/** A data directory; mkdtemp makes it 0700, which the postgres account (when we are root) cannot enter. */
async function dataDirectory(t: Test): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ffm-embedded-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  await chmod(dataDir, 0o755)
  return dataDir
}

t.test('as root, a data directory the postgres account cannot reach is refused with advice', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ffm-embedded-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const opening = openEmbedded({ dataDir, port: await freePort() })
  if (userInfo().uid === 0) {
    await t.rejects(opening, { name: 'EmbeddedServerError', message: /postgres account, which cannot enter .*ffm-embedded-.* \(mode 700\): set DATA_DIR/ })
  } else {
    const database = await opening // our own account owns it
    t.equal(database.engine, 'embedded')
    await database.close()
  }
})

t.test('the embedded database: created once, persistent, locked, reachable by psql', async (t) => {
  const dataDir = await dataDirectory(t)
  const port = await freePort()

  const first = await openEmbedded({ dataDir, port })
  t.equal(first.engine, 'embedded')
  t.match(first.url, new RegExp(`^postgres://postgres:[A-Za-z0-9_-]{24}@127\\.0\\.0\\.1:${port}/postgres$`))
  t.equal(await runningEmbeddedUrl(dataDir), undefined, 'our own lock is not "another service"')
  t.equal((await stat(join(dataDir, 'embedded-db.url'))).mode & 0o777, 0o600, 'the URL file (it holds the password) is private')
  t.equal((await stat(join(dataDir, 'postgres.password'))).mode & 0o777, 0o600)
  await migrateToLatest(first)
  await first.db.insertInto('domains').values({ name: 'pbx.example.com' }).execute()

  // A Postgres client (what psql speaks) sees the same rows, in a session of its own.
  const client = new pg.Client({ connectionString: (await readFile(join(dataDir, 'embedded-db.url'), 'utf8')).trim() })
  await client.connect()
  const { rows } = await client.query<{ name: string }>('select name from domains')
  t.strictSame(rows, [{ name: 'pbx.example.com' }])
  await client.query("insert into domains (name) values ('b.example.com')")
  t.equal((await first.db.selectFrom('domains').select('name').execute()).length, 2, 'the service sees psql writes')
  const wrong = new pg.Client({ connectionString: `postgres://postgres:wrong@127.0.0.1:${port}/postgres` })
  await t.rejects(wrong.connect(), { message: /password authentication failed/ }, 'a password is required')
  await client.end()

  // Another process holding the directory: a second service is refused, tools are told where it is.
  const lock = await readFile(join(dataDir, 'embedded-db.lock'), 'utf8')
  t.equal(lock, `${process.pid}\n`)
  const holder = process.ppid // alive, and not us
  await writeFile(join(dataDir, 'embedded-db.lock'), `${holder}\n`)
  t.equal(await runningEmbeddedUrl(dataDir), first.url, 'the CLIs find the running server')
  await t.rejects(openEmbedded({ dataDir, port: await freePort() }), {
    name: 'EmbeddedDatabaseBusyError',
    message: new RegExp(`in use by process ${holder}; .*psql "\\$\\(cat .*embedded-db\\.url\\)"`),
  })
  await writeFile(join(dataDir, 'embedded-db.lock'), lock)

  await first.close()
  await t.rejects(readFile(join(dataDir, 'embedded-db.lock')), { code: 'ENOENT' }, 'close releases the lock')
  await t.rejects(new pg.Client({ connectionString: first.url }).connect(), { code: 'ECONNREFUSED' }, 'close stops the server')

  // A lock left by a dead process is taken over; the data and the password survived.
  await writeFile(join(dataDir, 'embedded-db.lock'), '999999999\n')
  const secondPort = await freePort()
  const second = await openEmbedded({ dataDir, port: secondPort })
  t.equal(second.url, first.url.replace(`:${port}/`, `:${secondPort}/`), 'same password, new port')
  const names = await second.db.selectFrom('domains').select('name').orderBy('name').execute()
  t.strictSame(names.map((r) => r.name), ['b.example.com', 'pbx.example.com'])
  t.strictSame((await migrateToLatest(second)).results, [], 'nothing left to migrate')
  await second.close()
})

t.test('a server left running by a killed service is stopped and started again', async (t) => {
  const dataDir = await dataDirectory(t)
  const first = await openEmbedded({ dataDir, port: await freePort() })
  await migrateToLatest(first)
  // As after kill -9 of the service: the server runs on, the lock names a dead pid.
  await writeFile(join(dataDir, 'embedded-db.lock'), '999999999\n')
  const orphanPid = Number.parseInt((await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0] ?? '', 10)
  const second = await openEmbedded({ dataDir, port: await freePort() })
  t.teardown(() => second.close())
  t.throws(() => process.kill(orphanPid, 0), { code: 'ESRCH' }, 'the orphan was stopped')
  t.equal((await second.db.selectFrom('domains').select('id').execute()).length, 0, 'and the new server answers')
  await first.close().catch(() => {}) // its pool is gone with its server
})
