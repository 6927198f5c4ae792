import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildApp } from '../helpers/app.js'
import { callRequest, dataOf, dialplanOf } from '../helpers/calls.js'
import { eachDatabase, type TestDatabase } from '../helpers/databases.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { operator } from '../helpers/operator.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { until } from '../helpers/until.js'
import { at, isNotFound, nameValues, parseXml } from '../helpers/xml.js'

// Issue 10: two service instances with the lookup cache on, one real
// database; every change made by a third connection (an operator's psql) is
// seen by both on the next lookup, within 100 ms.

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const D = 'pbx.example.com'
const REGISTER = rewrite(fixture('directory-sip_auth-register.txt'), { key_value: D, domain: D, sip_auth_realm: D, user: '100' })

async function instances(t: Test, database: TestDatabase): Promise<FastifyInstance[]> {
  const apps = [
    await buildApp(t, database, { lookupCache: { maxEntries: 10_000 } }),
    await buildApp(t, database, { lookupCache: { maxEntries: 10_000 } }),
  ]
  await until('both caches on', 5000, () => apps.every((a) => a.lookupCache?.enabled === true))
  return apps
}

const hashOf = (body: string) => nameValues(at(parseXml(body), 'section', 'domain', 'users', 'user', 'params'), 'param').get('a1-hash')

eachDatabase(t, async (t, database) => {
  const { db } = database
  t.beforeEach(async () => {
    const d = await insertDomain(db, D)
    const e100 = await insertExtension(db, d, '100', { sip_password: 'first secret', toll_allow: ['domestic'] })
    await insertExtension(db, d, '101')
    await insertExtension(db, d, '102')
    await db.insertInto('follow_me').values({ extension_id: e100, enabled: true, ring_extension_first_s: 10 }).execute()
    await db.insertInto('follow_me_destinations').values({ extension_id: e100, position: 1, kind: 'external', target: '+15555550100' }).execute()
    await db.insertInto('outbound_routes').values({ domain_id: d, priority: 10, pattern: '^\\+?1?[2-9][0-9]{9}$', gateway: 'carrier_a', toll_class: 'domestic' }).execute()
  })

  t.test('a change by a third connection, to any table the answers read, is seen by both instances within 100 ms', async (t) => {
    const apps = await instances(t, database)
    const psql = await operator(t, database)
    const lookup = (app: FastifyInstance, payload: string) => app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload }).then((r) => r.body)
    const bridgeOf = async (app: FastifyInstance, to = '100') => dataOf(dialplanOf(parseXml(await lookup(app, callRequest({ context: D, to, from: '101' })))), 'bridge') ?? ''
    const both = async <T>(f: (app: FastifyInstance) => Promise<T>) => Promise.all(apps.map(f))
    const afterCommit = async (statement: string) => {
      await psql.query(statement)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }

    // Warm both caches, and check they answer from them.
    const hashes = await both((a) => lookup(a, REGISTER).then(hashOf))
    t.equal(new Set(hashes).size, 1)
    await both((a) => lookup(a, REGISTER))
    t.ok(apps.every((a) => (a.lookupCache?.size ?? 0) >= 1), 'answers are kept')

    await afterCommit("update extensions set sip_password = 'second secret' where extension = '100'")
    const changed = await both((a) => lookup(a, REGISTER).then(hashOf))
    t.ok(changed.every((h) => h !== hashes[0]), 'extensions: the new password, on both')

    t.ok((await both((a) => bridgeOf(a))).every((b) => b.includes('sofia/gateway/carrier_a/')), 'warm: Follow Me via carrier_a')
    await afterCommit("update outbound_routes set gateway = 'carrier_b'")
    t.ok((await both((a) => bridgeOf(a))).every((b) => b.includes('sofia/gateway/carrier_b/')), 'outbound_routes')
    await afterCommit("insert into follow_me_destinations (extension_id, position, kind, target) select id, 2, 'extension', '102' from extensions where extension = '100'")
    t.ok((await both((a) => bridgeOf(a))).every((b) => b.includes('102@pbx.example.com')), 'follow_me_destinations: INSERT')
    await afterCommit('delete from follow_me_destinations where position = 2')
    t.ok((await both((a) => bridgeOf(a))).every((b) => !b.includes('102@pbx.example.com')), 'follow_me_destinations: DELETE')
    await afterCommit('update follow_me set enabled = false')
    t.ok((await both((a) => bridgeOf(a))).every((b) => !b.includes('carrier_b')), 'follow_me: off, no external leg')

    const didCall = callRequest({ context: 'public', to: '15551230000' })
    t.ok((await both((a) => lookup(a, didCall))).every((b) => /UNALLOCATED_NUMBER/.test(b)), 'warm: no such DID')
    await afterCommit("insert into dids (number, domain_id, extension_id) select '15551230000', domain_id, id from extensions where extension = '101'")
    t.ok((await both((a) => lookup(a, didCall))).every((b) => b.includes('101@pbx.example.com')), 'dids: INSERT reaches the public context')

    await afterCommit("update domains set enabled = false")
    t.ok((await both((a) => lookup(a, REGISTER))).every((b) => isNotFound(parseXml(b))), 'domains: disabled, not found')
  })

  t.test('*21 with the cache on: it runs every time (never answered from the cache), and calls follow it', async (t) => {
    const [app] = await instances(t, database)
    if (app === undefined) throw new Error('no app')
    const star21 = (uuid: string) =>
      rewrite(fixture('dialplan-invite-feature-code.txt'), {
        'Unique-ID': uuid,
        'Caller-Unique-ID': uuid,
        'Hunt-Context': D,
        'Caller-Context': D,
        variable_domain_name: D,
        variable_user_name: '100',
      })
    const outcome = async (uuid: string) => {
      const actions = dialplanOf(parseXml((await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: star21(uuid) })).body)).actions
      return actions.find(([a]) => a === 'playback')?.[1]
    }
    const rings = async () => dataOf(dialplanOf(parseXml((await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: callRequest({ context: D, to: '100', from: '101' }) })).body)), 'bridge') ?? ''
    t.match(await rings(), /carrier_a/, 'Follow Me on (kept in the cache)')
    t.match(await outcome('a9d9c5ac-0000-4000-8000-000000000001'), /cancelled/, '*21: off')
    await new Promise((resolve) => setTimeout(resolve, 100))
    t.notMatch(await rings(), /carrier_a/, 'the next call: Follow Me off')
    t.match(await outcome('a9d9c5ac-0000-4000-8000-000000000002'), /has_been_set/, '*21 again: on, not a replay of the first answer')
    await new Promise((resolve) => setTimeout(resolve, 100))
    t.match(await rings(), /carrier_a/, 'the next call: Follow Me on')
    const changes = await db.selectFrom('follow_me_changes').select('source').where('source', '=', 'feature_code').execute()
    t.equal(changes.length, 2, 'two changes audited')
  })

  t.test('the listening connection killed: the cache empties and stays off, so no stale answer; it comes back on when listening again', async (t) => {
    const apps = await instances(t, database)
    const psql = await operator(t, database)
    const lookup = (app: FastifyInstance) => app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: REGISTER }).then((r) => hashOf(r.body))
    const before = await Promise.all(apps.map(lookup))
    await Promise.all(apps.map(lookup))

    const { rows } = await psql.query<{ n: number }>(
      'select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = $1',
      [`${database.applicationName} listener`],
    )
    t.ok((rows[0]?.n ?? 0) >= 2, `${rows[0]?.n} listening connections terminated`)
    await until('both caches off', 5000, () => apps.every((a) => a.lookupCache?.enabled === false))
    t.ok(apps.every((a) => a.lookupCache?.size === 0), 'and empty')
    // A change nobody hears about…
    await psql.query("update extensions set sip_password = 'changed while deaf' where extension = '100'")
    const during = await Promise.all(apps.map(lookup))
    t.ok(during.every((h) => h !== before[0]), '…is still seen: every lookup reads the database')
    t.ok(apps.every((a) => a.lookupCache?.size === 0), 'nothing is kept meanwhile')

    await until('both caches on again', 10_000, () => apps.every((a) => a.lookupCache?.enabled === true))
    await psql.query("update extensions set sip_password = 'after the gap' where extension = '100'")
    await new Promise((resolve) => setTimeout(resolve, 100))
    const after = await Promise.all(apps.map(lookup))
    t.ok(after.every((h) => h !== during[0]), 'listening again, changes are heard')
  })
})
