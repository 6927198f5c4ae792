import { createHash } from 'node:crypto'
import t from 'tap'
import { seedDemo } from '../../src/db/demo.js'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { at, nameValues, parseXml } from '../helpers/xml.js'

eachDatabase(t, async (t, database) => {
  t.test('the demo tenant registers with the passwords it printed', async (t) => {
    const tenant = await seedDemo(database.db, 'pbx.example.com')
    t.strictSame(tenant.extensions.map((e) => e.extension), ['100', '101', '102'])
    t.equal(new Set(tenant.extensions.map((e) => e.password)).size, 3, 'every password is different')
    const app = await buildApp(t, database)
    const alice = tenant.extensions[0]!
    const res = await app.inject({
      method: 'POST',
      url: '/freeswitch',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: rewrite(fixture('directory-sip_auth-register.txt'), {
        key_value: 'pbx.example.com',
        domain: 'pbx.example.com',
        sip_auth_realm: 'pbx.example.com',
        user: '100',
        sip_auth_username: '100',
      }),
    })
    const params = nameValues(at(parseXml(res.body), 'section', 'domain', 'users', 'user', 'params'), 'param')
    const expected = createHash('md5').update(`100:pbx.example.com:${alice.password}`).digest('hex')
    t.equal(params.get('a1-hash'), expected)
    t.equal(params.get('vm-password'), alice.pin)

    const fm = await database.db.selectFrom('follow_me').selectAll().executeTakeFirstOrThrow()
    t.equal(fm.enabled, true)
    const kinds = await database.db.selectFrom('follow_me_destinations').select('kind').orderBy('position').execute()
    t.strictSame(kinds.map((k) => k.kind), ['extension', 'external', 'voicemail'])
  })

  t.test('a second demo tenant gets DIDs of its own', async (t) => {
    const a = await seedDemo(database.db, 'pbx.example.com')
    const b = await seedDemo(database.db, 'pbx-b.example.com')
    t.match(a.did, /^1555555[0-9]{4}$/)
    t.match(b.did, /^1555555[0-9]{4}$/)
    t.not(a.did, b.did)
    const dids = await database.db
      .selectFrom('dids')
      .innerJoin('domains', 'domains.id', 'dids.domain_id')
      .select(['dids.number', 'domains.name'])
      .orderBy('domains.name')
      .execute()
    t.strictSame(dids, [
      { number: b.did, name: 'pbx-b.example.com' },
      { number: a.did, name: 'pbx.example.com' },
    ])
  })

  t.test('seeding the same domain twice is refused', async (t) => {
    await seedDemo(database.db, 'pbx.example.com')
    await t.rejects(seedDemo(database.db, 'pbx.example.com'), { name: 'DemoExistsError', message: /already exists/ })
  })
})
