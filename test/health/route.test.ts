import { sql } from 'kysely'
import t from 'tap'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'

eachDatabase(t, async (t, database) => {
  t.test('GET /healthz: the process is up, whatever the database does', async (t) => {
    const app = await buildApp(t, database, {}, undefined, { readiness: { migrated: false } })
    const res = await app.inject({ method: 'GET', url: '/healthz' })
    t.equal(res.statusCode, 200)
    t.strictSame(res.json(), { status: 'ok' })
  })

  t.test('GET /readyz: ready when the lookup query answers', async (t) => {
    const app = await buildApp(t, database)
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { status: 'ready', database: 'ok', lookup_ms: Number, event_sockets: {} })
  })

  t.test('GET /readyz: not ready before the schema is migrated', async (t) => {
    const app = await buildApp(t, database, {}, undefined, { readiness: { migrated: false } })
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    t.equal(res.statusCode, 503)
    t.strictSame(res.json(), { status: 'not ready', database: 'not migrated', event_sockets: {} })
    const lookup = await app.inject({
      method: 'POST',
      url: '/freeswitch',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'hostname=vm&section=directory&tag_name=domain&key_name=name&key_value=a.example.com&Event-Name=REQUEST_PARAMS&action=sip_auth&key=id&user=100&domain=a.example.com',
    })
    t.equal(lookup.statusCode, 503, 'lookups get 503 too: FreeSWITCH falls back')
    t.equal(lookup.body, 'database not ready\n')
  })

  t.test('GET /readyz: not ready while a lock holds the tables lookups read (select 1 would have said ok)', async (t) => {
    const app = await buildApp(t, database, { lookupBudgetMs: 200 })
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let locked!: () => void
    const isLocked = new Promise<void>((resolve) => (locked = resolve))
    const blocker = database.db.transaction().execute(async (trx) => {
      await sql`lock table extensions in access exclusive mode`.execute(trx)
      locked()
      await held
    })
    await isLocked
    const started = Date.now()
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    const waited = Date.now() - started
    t.equal(res.statusCode, 503)
    t.equal(res.json().database, 'lookup query failed or too slow')
    t.ok(waited < 1000, `answered within the budget (${waited} ms)`)
    const health = await app.inject({ method: 'GET', url: '/healthz' })
    t.equal(health.statusCode, 200, 'alive all the same')
    release()
    await blocker
    // The abandoned query ends with the lock (or at statement_timeout); readiness is back.
    const again = await app.inject({ method: 'GET', url: '/readyz' })
    t.equal(again.statusCode, 200)
  })
})
