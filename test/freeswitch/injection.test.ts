import { PassThrough } from 'node:stream'
import fc from 'fast-check'
import type { Kysely } from 'kysely'
import t from 'tap'
import type { DB } from '../../src/db/schema.js'
import { buildApp } from '../helpers/app.js'
import { dialplanOf } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture, rewrite, without } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { at, isNotFound, nameValues, parseXml } from '../helpers/xml.js'

// Issue 8 §1: mod_xml_curl writes key_value (the realm of a REGISTER) raw,
// so a realm can carry form fields. The attack and its variants, from the
// REGISTER FreeSWITCH 1.10.12 sent (test/fixtures/directory-sip_auth-register.txt).

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const REGISTER = fixture('directory-sip_auth-register.txt')
const A1_1000_AT_127_0_0_1_PW_1234 = 'e2f582b9dc317e63b6fe82419883aac5' // FreeSWITCH accepted it (md5sum)
const ATTACK =
  'pbx-b.example.com&section=dialplan&Hunt-Context=pbx-b.example.com&Hunt-Destination-Number=*21' +
  '&variable_sip_authorized=true&variable_user_name=200&variable_domain_name=pbx-b.example.com'

async function seed(db: Kysely<DB>): Promise<void> {
  const local = await insertDomain(db, '127.0.0.1')
  await insertExtension(db, local, '1000', { sip_password: '1234' })
  const b = await insertDomain(db, 'pbx-b.example.com')
  const e200 = await insertExtension(db, b, '200', { sip_password: 'tenant b secret' })
  await db.insertInto('follow_me').values({ extension_id: e200, enabled: false }).execute()
}

/** Follow Me state and audit rows: what the attack used to change. */
async function followMeState(db: Kysely<DB>) {
  const rows = await db.selectFrom('follow_me').select('enabled').execute()
  const { n } = await db.selectFrom('follow_me_changes').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()
  return { enabled: rows.map((r) => r.enabled), changes: Number(n) }
}

eachDatabase(t, async (t, database) => {
  const { db } = database
  let logs = ''
  const stream = new PassThrough()
  stream.on('data', (chunk: Buffer) => (logs += chunk.toString()))
  const app = await buildApp(t, database, {}, stream)
  const post = (payload: string) => app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload })
  t.beforeEach(async () => {
    await seed(db)
    logs = ''
  })

  t.test('the realm of the issue toggles nothing: a directory lookup for a domain that does not exist', async (t) => {
    const before = await followMeState(db)
    // As FreeSWITCH sends it (force-register-domain off): raw in key_value,
    // encoded in the event's domain and sip_auth_realm.
    const attack = rewrite(REGISTER, { key_value: ATTACK, domain: ATTACK, sip_auth_realm: ATTACK })
    for (let i = 0; i < 3; i++) {
      const res = await post(attack)
      t.equal(res.statusCode, 200)
      t.ok(isNotFound(parseXml(res.body)), 'not found: no domain has that name')
      t.notMatch(res.body, /dialplan/)
    }
    t.strictSame(await followMeState(db), before, 'follow_me.enabled and its audit unchanged')
  })

  t.test('with the domain forced (force-register-domain), the realm cannot reach another tenant', async (t) => {
    const before = await followMeState(db)
    const res = await post(rewrite(REGISTER, { key_value: ATTACK }))
    const doc = parseXml(res.body)
    t.equal(at(doc, 'section')?.attrs.name, 'directory')
    t.equal(at(doc, 'section', 'domain')?.attrs.name, '127.0.0.1', 'the domain of the event, not of key_value')
    t.equal(at(doc, 'section', 'domain', 'users', 'user')?.attrs.id, '1000')
    const params = nameValues(at(doc, 'section', 'domain', 'users', 'user', 'params'), 'param')
    t.equal(params.get('a1-hash'), A1_1000_AT_127_0_0_1_PW_1234)
    t.strictSame(await followMeState(db), before)
  })

  t.test('a repeated field: not found, and a warning naming it', async (t) => {
    const res = await post(`${REGISTER}&user=200`)
    t.ok(isNotFound(parseXml(res.body)))
    t.match(logs, /"level":40.*"reason":"field user is repeated".*lookup refused/)
  })

  t.test('a body without the shape FreeSWITCH sends: not found, and a warning saying why', async (t) => {
    const res = await post('section=dialplan&Hunt-Context=pbx-b.example.com&Hunt-Destination-Number=*21&variable_sip_authorized=true&variable_user_name=200&variable_domain_name=pbx-b.example.com&Unique-ID=x&Caller-Unique-ID=x&Channel-Name=y')
    t.ok(isNotFound(parseXml(res.body)))
    t.match(logs, /"level":40.*does not start with hostname=/)
    t.strictSame((await followMeState(db)).enabled, [false])
  })

  t.test('a dialplan *21 without a channel changes nothing', async (t) => {
    const star21 = rewrite(fixture('dialplan-invite-feature-code.txt'), {
      'Hunt-Context': 'pbx-b.example.com',
      'Caller-Context': 'pbx-b.example.com',
      variable_domain_name: 'pbx-b.example.com',
      variable_user_name: '200',
    })
    const before = await followMeState(db)
    const cases = {
      'no Unique-ID': without(star21, 'Unique-ID'),
      'a Caller-Unique-ID of another call': rewrite(star21, { 'Caller-Unique-ID': 'a9d9c5ac-0000-4000-8000-000000000000' }),
      'no Channel-Name': without(star21, 'Channel-Name'),
    }
    for (const [what, body] of Object.entries(cases)) {
      const res = await post(body)
      const actions = dialplanOf(parseXml(res.body)).actions.map(([app]) => app)
      t.notOk(actions.includes('event'), `${what}: no lamp`)
      t.ok(actions.includes('playback'), `${what}: an announcement`)
    }
    t.strictSame(await followMeState(db), before, 'nothing written')
    // The same request with its channel toggles: the guard is the channel.
    await post(star21)
    t.strictSame((await followMeState(db)).enabled, [true])
  })

  t.test('property: whatever the realm carries, the answer is the genuine user and no row changes', async (t) => {
    const before = await followMeState(db)
    const pieces = fc.constantFrom(ATTACK, '&', '=', '%', '%26', '&Event-Name=REQUEST_PARAMS', '&user=200', '&domain=pbx-b.example.com', '&action=user_call', '&section=dialplan')
    const realm = fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), pieces), { maxLength: 8 }).map((parts) => parts.join(''))
    await fc.assert(
      fc.asyncProperty(realm, async (kv) => {
        const res = await post(rewrite(REGISTER, { key_value: kv }))
        const user = at(parseXml(res.body), 'section', 'domain', 'users', 'user')
        const hash = nameValues(user && at(user, 'params'), 'param').get('a1-hash')
        return res.statusCode === 200 && user?.attrs.id === '1000' && hash === A1_1000_AT_127_0_0_1_PW_1234
      }),
      { numRuns: 150 },
    )
    t.strictSame(await followMeState(db), before)
  })
})
