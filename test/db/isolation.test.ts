import pg from 'pg'
import t, { type Test } from 'tap'
import { buildApp } from '../helpers/app.js'
import { dialplanOf } from '../helpers/calls.js'
import { eachDatabase, type TestDatabase } from '../helpers/databases.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { at, nameValues, parseXml } from '../helpers/xml.js'

// An operator in psql, in a session of their own, while the service answers
// lookups (issue 8 §2: on PGlite they shared one session). The operator is a
// plain Postgres client, as psql is.

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const D = '127.0.0.1'

async function operator(t: Test, database: TestDatabase): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: database.url, options: `-c search_path=${database.schema}` })
  client.on('error', () => {})
  await client.connect()
  t.teardown(() => client.end().catch(() => {}))
  return client
}

function star21(from: string, uuid: string): string {
  return rewrite(fixture('dialplan-invite-feature-code.txt'), {
    'Unique-ID': uuid,
    'Caller-Unique-ID': uuid,
    'Hunt-Context': D,
    'Caller-Context': D,
    variable_domain_name: D,
    variable_user_name: from,
  })
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  t.beforeEach(async () => {
    const d = await insertDomain(db, D)
    const e1000 = await insertExtension(db, d, '1000', { sip_password: '1234', display_name: 'Committed Name' })
    const e1001 = await insertExtension(db, d, '1001')
    await db.insertInto('follow_me').values([{ extension_id: e1000 }, { extension_id: e1001 }]).execute()
  })
  const enabled = async (ext: string) =>
    (await db.selectFrom('follow_me as fm').innerJoin('extensions as e', 'e.id', 'fm.extension_id').select('fm.enabled').where('e.extension', '=', ext).executeTakeFirstOrThrow()).enabled

  t.test("lookups never see an operator's uncommitted change", async (t) => {
    const app = await buildApp(t, database)
    const psql = await operator(t, database)
    await psql.query('begin')
    await psql.query("update extensions set display_name = 'Uncommitted' where extension = '1000'")
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: fixture('directory-sip_auth-register.txt') })
    const variables = nameValues(at(parseXml(res.body), 'section', 'domain', 'users', 'user', 'variables'), 'variable')
    t.equal(variables.get('effective_caller_id_name'), 'Committed Name')
    await psql.query('rollback')
  })

  t.test("*21 commits its own change, never the operator's", async (t) => {
    const app = await buildApp(t, database)
    const psql = await operator(t, database)
    await psql.query('begin')
    await psql.query("update extensions set display_name = 'Half Done' where extension = '1000'")
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: star21('1001', 'b9b5c1f0-0000-4000-8000-000000000001') })
    t.ok(dialplanOf(parseXml(res.body)).actions.some(([a]) => a === 'event'), '*21 toggled')
    const rollback = await psql.query('rollback')
    t.equal(rollback.command, 'ROLLBACK', "the operator's transaction was still open")
    const row = await db.selectFrom('extensions').select('display_name').where('extension', '=', '1000').executeTakeFirstOrThrow()
    t.equal(row.display_name, 'Committed Name', 'and its change is undone')
    t.equal(await enabled('1001'), true, 'while the *21 stays')
  })

  t.test("an operator's failed transaction fails no lookup", async (t) => {
    const app = await buildApp(t, database)
    const psql = await operator(t, database)
    await psql.query('begin')
    await t.rejects(psql.query('select 1/0'), { message: /division by zero/ })
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: fixture('directory-sip_auth-register.txt') })
    t.equal(res.statusCode, 200)
    t.equal(at(parseXml(res.body), 'section', 'domain', 'users', 'user')?.attrs.id, '1000')
    t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)
    await psql.query('rollback')
  })

  t.test('a lookup that must wait for an operator\'s lock waits within the budget, then 503', async (t) => {
    const app = await buildApp(t, database, { lookupBudgetMs: 300 })
    const psql = await operator(t, database)
    await psql.query('begin')
    await psql.query("update follow_me set enabled = true where extension_id = (select id from extensions where extension = '1000')")
    const started = Date.now()
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: star21('1000', 'b9b5c1f0-0000-4000-8000-000000000002') })
    t.equal(res.statusCode, 503)
    t.ok(Date.now() - started < 1000, 'answered at the budget, not when the lock went')
    await psql.query('commit')
    t.equal(await enabled('1000'), true, "the operator's change")
    const after = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: star21('1000', 'b9b5c1f0-0000-4000-8000-000000000003') })
    t.equal(after.statusCode, 200)
    t.equal(await enabled('1000'), false, 'the next *21 toggles from there')
  })
})
