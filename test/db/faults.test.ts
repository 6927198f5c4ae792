import pg from 'pg'
import t from 'tap'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { until } from '../helpers/until.js'

// Database faults on a real server, as an operator meets them.

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const REGISTER = fixture('directory-sip_auth-register.txt')

eachDatabase(t, async (t, database) => {
  t.test('backends terminated mid-traffic: some 503s at worst, never a 500, and recovery without a restart', async (t) => {
    const app = await buildApp(t, database)
    const d = await insertDomain(database.db, '127.0.0.1')
    await insertExtension(database.db, d, '1000', { sip_password: '1234' })
    const lookup = () => app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: REGISTER })
    t.equal((await lookup()).statusCode, 200)

    // An operator's session, outside the service's pool.
    const admin = new pg.Client({ connectionString: database.url })
    await admin.connect()
    t.teardown(() => admin.end())
    const during: Array<Promise<{ statusCode: number }>> = []
    for (let i = 0; i < 40; i++) during.push(lookup())
    // What `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ...` does to the service.
    const killed = await admin.query<{ n: number }>(
      'select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = $1',
      [database.applicationName],
    )
    t.ok((killed.rows[0]?.n ?? 0) >= 1, `${killed.rows[0]?.n} backends terminated`)
    for (const res of await Promise.all(during)) t.ok([200, 503].includes(res.statusCode), `during: ${res.statusCode}`)

    // The pool drops each killed connection when it is next used: once the
    // lookups answer again, every one of them does.
    const after = await until('ten lookups answered at once', 5000, async () => {
      const codes = (await Promise.all(Array.from({ length: 10 }, lookup))).map((r) => r.statusCode)
      return codes.every((c) => c === 200) && codes
    })
    t.strictSame(after, Array(10).fill(200), 'every lookup answers again')
  })
})
