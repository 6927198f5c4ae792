import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import t, { type Test } from 'tap'
import { openPostgres } from '../../src/db/postgres.js'
import { buildApp } from '../helpers/app.js'
import { dialplanOf, type DialplanAnswer } from '../helpers/calls.js'
import { eachDatabase, TEST_STATEMENT_TIMEOUT_MS, type TestDatabase } from '../helpers/databases.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { until } from '../helpers/until.js'
import { parseXml } from '../helpers/xml.js'

// *21 once per call, with real concurrency: two service instances, each with
// its own pool, fetch the same call's dialplan at the same moment. A third
// connection (an operator's open transaction) holds the follow_me row, so
// both writes are provably waiting on it at once before it is released.
// Two guards keep it to one flip: the UPDATE's NOT EXISTS on the call's
// audit row, and follow_me_changes_call_uuid_unique (the loser's error is
// caught and it answers the winner's state). Each has a case only it decides.

const D = 'pbx.example.com'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const SET = ['playback', 'ivr/ivr-call_forwarding_has_been_set.wav']

const star21 = (uuid: string) =>
  rewrite(fixture('dialplan-invite-feature-code.txt'), {
    'Unique-ID': uuid,
    'Caller-Unique-ID': uuid,
    'Hunt-Unique-ID': uuid,
    'Caller-Context': D,
    'Hunt-Context': D,
    variable_domain_name: D,
    variable_user_name: '100',
  })

async function client(t: Test, database: TestDatabase, applicationName: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: database.url, application_name: applicationName, options: `-c search_path=${database.schema}` })
  await c.connect()
  t.teardown(() => c.end())
  return c
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  // A second instance: its own pool (own connections) on the same schema.
  const secondName = `${database.applicationName} second`
  const second = openPostgres({ url: database.url, searchPath: database.schema, maxConnections: 4, statementTimeoutMs: TEST_STATEMENT_TIMEOUT_MS, applicationName: secondName })
  t.teardown(() => second.close())

  t.beforeEach(async () => {
    const d = await insertDomain(db, D)
    const e100 = await insertExtension(db, d, '100')
    await db.insertInto('follow_me').values({ extension_id: e100, enabled: false }).execute()
  })
  const post = async (app: FastifyInstance, body: string): Promise<{ status: number; answer: DialplanAnswer | undefined }> => {
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: body })
    return { status: res.statusCode, answer: res.statusCode === 200 ? dialplanOf(parseXml(res.body)) : undefined }
  }
  const state = async () => {
    const flag = await db.selectFrom('follow_me').select('enabled').executeTakeFirstOrThrow()
    const audit = await db.selectFrom('follow_me_changes').select(['call_uuid', 'old_enabled', 'new_enabled']).where('call_uuid', 'is not', null).orderBy('id').execute()
    return { enabled: flag.enabled, audit }
  }

  t.test('two instances fetch the same call at the same moment: one flip, one audit row, the same answer', async (t) => {
    const apps = [await buildApp(t, database), await buildApp(t, second)]
    const operator = await client(t, database, `${database.applicationName} operator`)
    const watcher = await client(t, database, `${database.applicationName} watcher`)
    const uuid = '5d2c1a8e-0000-4000-8000-000000000021'

    await operator.query('begin')
    await operator.query('select enabled from follow_me for update')
    const both = apps.map((app) => post(app, star21(uuid)))
    // The barrier: both instances' UPDATEs are blocked on the row at once.
    await until('both writes waiting on the row lock', 5000, async () => {
      const { rows } = await watcher.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where application_name = any($1) and wait_event_type = 'Lock'",
        [[database.applicationName, secondName]],
      )
      return rows[0]?.n === 2
    })
    await operator.query('commit')
    const [a, b] = await Promise.all(both)

    t.equal(a?.status, 200, 'first instance answers')
    t.equal(b?.status, 200, 'second instance answers (not a 503)')
    t.strictSame(a?.answer?.actions.find(([app]) => app === 'playback'), SET, 'on')
    t.strictSame(b?.answer?.actions, a?.answer?.actions, 'both announce the same state, lamp included')
    t.strictSame(await state(), { enabled: true, audit: [{ call_uuid: uuid, old_enabled: false, new_enabled: true }] }, 'flipped once, audited once')
  })

  t.test("a second fetch of a call that already flipped answers at once, even while an operator holds the row", async (t) => {
    const app = await buildApp(t, database)
    const uuid = '5d2c1a8e-0000-4000-8000-000000000022'
    const first = await post(app, star21(uuid))
    t.strictSame(first.answer?.actions.find(([a]) => a === 'playback'), SET)

    // An operator's edit in progress keeps the row locked; the call's
    // change is already done, so the repeat must not wait for (or fail on) it.
    const operator = await client(t, database, `${database.applicationName} operator`)
    await operator.query('begin')
    await operator.query('update follow_me set ring_extension_first_s = 5')
    const again = await post(app, star21(uuid))
    await operator.query('rollback')
    t.equal(again.status, 200, 'answered, not a 503 after waiting for the lock')
    t.strictSame(again.answer?.actions, first.answer?.actions, 'the same announcement and lamp')
    t.strictSame(await state(), { enabled: true, audit: [{ call_uuid: uuid, old_enabled: false, new_enabled: true }] })
  })
})
