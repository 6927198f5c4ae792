import pg from 'pg'
import t from 'tap'
import { PendingWrites, type Batch } from '../../src/status/pending.js'
import type { StatusRecord } from '../../src/status/records.js'
import { writeBatch } from '../../src/status/repository.js'
import { eachDatabase, TEST_STATEMENT_TIMEOUT_MS } from '../helpers/databases.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'

// A status write is not bound by the lookup budget (the pool's
// statement_timeout): during a storm a batch outlasted it and was retried,
// backing off, with rows 90 s late (bench:storm, README). Here an
// operator's transaction holds the registrations table for longer than the
// pool's timeout; the batch waits for it and lands at the first try, while
// a lookup-path statement on the same pool is cancelled.

const D = 'pbx.example.com'
const HOLD_MS = TEST_STATEMENT_TIMEOUT_MS + 700

const registered: StatusRecord = {
  kind: 'registered', node: 'fs1', coreUuid: 'run-1', profile: 'internal', callId: 'c1', domain: D, extension: '100',
  contact: '<sip:100@192.0.2.1>', userAgent: 'phone', networkIp: '192.0.2.1', networkPort: 5060, transport: 'udp', expiresS: 60,
}

eachDatabase(t, async (t, database) => {
  const { db } = database

  t.test('a batch waits past the pool statement timeout for a held table, and is written', async (t) => {
    const d = await insertDomain(db, D)
    await insertExtension(db, d, '100', {})
    const queue = new PendingWrites({ maxBatch: 1000, maxPending: 1000 })
    queue.add(registered, new Date())
    const batch = queue.take() as Batch

    const operator = new pg.Client({ connectionString: database.url, options: `-c search_path=${database.schema}` })
    await operator.connect()
    t.teardown(() => operator.end())
    await operator.query('begin')
    await operator.query('lock table registrations in share mode')
    const released = new Promise<void>((resolve) => setTimeout(() => void operator.query('commit').then(() => resolve()), HOLD_MS))

    const started = Date.now()
    const lookupPath = db
      .updateTable('registrations')
      .set({ user_agent: 'other' })
      .where('call_id', '=', 'none')
      .execute()
      .then(() => 'finished', (err: Error) => err.message)
    const counts = await writeBatch(db, batch)
    t.ok(Date.now() - started >= TEST_STATEMENT_TIMEOUT_MS, `waited ${Date.now() - started} ms, past the pool's ${TEST_STATEMENT_TIMEOUT_MS} ms`)
    t.equal(counts.registered, 1)
    t.match(await lookupPath, /statement timeout/, 'a statement under the pool timeout gave up meanwhile')
    await released
    const rows = await db.selectFrom('registrations').select(['call_id', 'user_agent']).execute()
    t.strictSame(rows, [{ call_id: 'c1', user_agent: 'phone' }])
  })
})
