import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { openEmbedded } from '../../src/db/embedded.js'
import { migrateToLatest } from '../../src/db/migrate.js'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

t.test('the embedded database: persistent, locked, reachable by psql', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'fm-embedded-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const port = await freePort()

  const first = await openEmbedded({ dataDir, socketPort: port })
  t.equal(first.socketUrl, `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`)
  await migrateToLatest(first)
  await first.db.insertInto('domains').values({ name: 'pbx.example.com' }).execute()

  // A Postgres client (what psql speaks) sees the same rows through the socket.
  const client = new pg.Client({ connectionString: first.socketUrl })
  await client.connect()
  const { rows } = await client.query<{ name: string }>('select name from domains')
  t.same(rows, [{ name: 'pbx.example.com' }])
  await client.query("insert into domains (name) values ('b.example.com')")
  await client.end()
  t.equal((await first.db.selectFrom('domains').select('name').execute()).length, 2, 'the service sees psql writes')

  // A second process may not open the same directory while we hold it.
  const lock = await readFile(join(dataDir, 'embedded-db.lock'), 'utf8')
  t.equal(lock, `${process.pid}\n${first.socketUrl}\n`)
  const holder = process.ppid // alive, and not us
  await writeFile(join(dataDir, 'embedded-db.lock'), `${holder}\n${first.socketUrl}\n`)
  await t.rejects(openEmbedded({ dataDir, socketPort: 0 }), {
    name: 'EmbeddedDatabaseBusyError',
    message: new RegExp(`in use by process ${holder}\\. Reach it through its socket instead: DATABASE_URL=postgres://`),
  })
  await writeFile(join(dataDir, 'embedded-db.lock'), lock)

  await first.close()
  await t.rejects(readFile(join(dataDir, 'embedded-db.lock')), { code: 'ENOENT' }, 'close releases the lock')

  // A lock left by a dead process is taken over; the data survived.
  await writeFile(join(dataDir, 'embedded-db.lock'), '999999999\n\n')
  const second = await openEmbedded({ dataDir, socketPort: 0 })
  t.equal(second.socketUrl, undefined)
  const names = await second.db.selectFrom('domains').select('name').orderBy('name').execute()
  t.same(names.map((r) => r.name), ['b.example.com', 'pbx.example.com'])
  const again = await migrateToLatest(second)
  t.same(again.results, [], 'nothing left to migrate')
  await second.close()
})
