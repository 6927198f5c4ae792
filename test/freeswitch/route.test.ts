import { PassThrough } from 'node:stream'
import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { openPostgres } from '../../src/db/postgres.js'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { until } from '../helpers/until.js'
import { isNotFound, parseXml } from '../helpers/xml.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const REGISTER = fixture('directory-sip_auth-register.txt')

eachDatabase(t, async (t, database) => {
  const { db } = database

  t.test('a lookup slower than the budget gets a 503 at once', async (t) => {
    const app = await buildApp(t, database, { lookupBudgetMs: 150 })
    const domain = await insertDomain(db, '127.0.0.1')
    await insertExtension(db, domain, '1000', { sip_password: '1234' })

    // Another session holds an exclusive lock on extensions for 1.5 s.
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let locked!: () => void
    const isLocked = new Promise<void>((resolve) => (locked = resolve))
    const blocker = db.transaction().execute(async (trx) => {
      await sql`lock table extensions in access exclusive mode`.execute(trx)
      locked()
      await held
    })
    await isLocked
    const started = Date.now()
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: REGISTER })
    const waited = Date.now() - started
    // The lookup's query is abandoned, not cancelled: it still waits for the
    // lock (statement_timeout ends it only after 1.5 s). Wait until it is
    // seen waiting, release the lock, and wait for it to finish, so it can
    // never run into the next test's TRUNCATE (the query holds extensions
    // and wants domains, the TRUNCATE the reverse: a deadlock, seen once).
    const watcher = new pg.Client({ connectionString: database.url })
    await watcher.connect()
    t.teardown(() => watcher.end())
    const waiting = async () =>
      (
        await watcher.query<{ pid: number }>(
          "select pid from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock' and query like '%from extensions e join domains d%'",
          [database.applicationName],
        )
      ).rows.map((r) => r.pid)
    const abandoned = await until('the lookup waiting on the lock', 5000, async () => ((await waiting()).length === 1 ? await waiting() : undefined))
    release()
    await blocker
    await until('the abandoned query to stop', 5000, async () => {
      const { rows } = await watcher.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where pid = any($1) and state = 'active'", [abandoned])
      return rows[0]?.n === 0 ? true : undefined
    })
    t.equal(res.statusCode, 503)
    t.match(res.body, /over budget/)
    t.ok(waited < 1000, `answered after ${waited} ms, not when the lock went`)

    // The lookup works again once the lock is gone.
    const again = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: REGISTER })
    t.equal(again.statusCode, 200)
  })

  t.test('basic auth, when configured, guards /freeswitch', async (t) => {
    const app = await buildApp(t, database, { basicAuth: { username: 'freeswitch', password: 'xml-curl-secret' } })
    const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`
    const post = (authorization?: string) =>
      app.inject({
        method: 'POST',
        url: '/freeswitch',
        headers: { ...FORM, ...(authorization ? { authorization } : {}) },
        payload: REGISTER,
      })
    t.equal((await post()).statusCode, 401, 'no credentials')
    t.equal((await post(basic('freeswitch', 'wrong'))).statusCode, 401, 'wrong password')
    t.equal((await post(basic('someone', 'xml-curl-secret'))).statusCode, 401, 'wrong user')
    const ok = await post(basic('freeswitch', 'xml-curl-secret'))
    t.equal(ok.statusCode, 200, 'right credentials')
    t.ok(isNotFound(parseXml(ok.body)))
    const health = await app.inject({ method: 'GET', url: '/healthz' })
    t.equal(health.statusCode, 200, '/healthz stays open for load balancers')
  })

  t.test('logs never carry passwords, hashes or PINs', async (t) => {
    const stream = new PassThrough()
    let logs = ''
    stream.on('data', (chunk: Buffer) => (logs += chunk.toString()))
    const app = await buildApp(t, database, {}, stream)
    const domain = await insertDomain(db, '127.0.0.1')
    await insertExtension(db, domain, '1000', { sip_password: 'pw-Very-Secret', voicemail_pin: '97531' })
    const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: REGISTER })
    t.equal(res.statusCode, 200)
    const hash = /name="a1-hash" value="([0-9a-f]{32})"/.exec(res.body)?.[1]
    t.ok(hash, 'the answer has a hash')
    const lines = logs.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    t.equal(lines.length, 1, 'one line per lookup, even at trace level (no access log lines)')
    t.match(lines[0], { level: 30, msg: 'lookup', section: 'directory', action: 'sip_auth', user: '1000@127.0.0.1', decision: 'user' })
    t.type(lines[0]?.ms, 'number')
    for (const secret of ['pw-Very-Secret', '97531', hash as string, 'sip_auth_response']) {
      t.notOk(logs.includes(secret), `log does not contain ${secret}`)
    }
  })

  t.test('bodies that are not a form are refused', async (t) => {
    const app = await buildApp(t, database)
    const json = await app.inject({ method: 'POST', url: '/freeswitch', payload: { section: ['directory', { x: 1 }] } })
    t.equal(json.statusCode, 415)
    t.equal(json.body, 'expected an application/x-www-form-urlencoded body\n')
    const text = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'text/plain' }, payload: 'x' })
    t.equal(text.statusCode, 415)
    const none = await app.inject({ method: 'POST', url: '/freeswitch' })
    t.equal(none.statusCode, 400, 'no body at all')
    const xml = await app.inject({ method: 'POST', url: '/freeswitch', headers: { 'content-type': 'application/xml' }, payload: '<x/>' })
    t.equal(xml.statusCode, 415)
  })
})

t.test('a database that fails gets a 503 (FreeSWITCH falls back)', async (t) => {
  // A real driver pointed at a port where nothing listens.
  const broken = openPostgres({ url: 'postgres://nobody@127.0.0.1:9/none', statementTimeoutMs: 500 })
  t.teardown(() => broken.close())
  const app = await buildApp(t, broken)
  const res = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: REGISTER })
  t.equal(res.statusCode, 503)
  t.match(res.body, /lookup failed/)
  const health = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(health.statusCode, 200, 'the process is alive')
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 503, 'but not ready')
  t.strictSame(ready.json(), { status: 'not ready', database: 'lookup query failed or too slow', event_sockets: {} })
  // Lookups that need no database still answer.
  const config = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: fixture('configuration-acl.conf.txt') })
  t.equal(config.statusCode, 200)
  t.ok(isNotFound(parseXml(config.body)))
})
