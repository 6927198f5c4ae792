import t from 'tap'
import { buildApp } from '../helpers/app.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { at, isNotFound, nameValues, parseXml } from '../helpers/xml.js'

// Bodies no FreeSWITCH sends, as an attacker or a broken proxy might: each
// gets a clear answer, never a 500, and never another user's entry.

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const REGISTER = fixture('directory-sip_auth-register.txt')

eachDatabase(t, async (t, database) => {
  const app = await buildApp(t, database)
  const post = (payload: string | Buffer, headers: Record<string, string> = FORM) => app.inject({ method: 'POST', url: '/freeswitch', headers, payload })
  t.beforeEach(async () => {
    const d = await insertDomain(database.db, '127.0.0.1')
    await insertExtension(database.db, d, '1000', { sip_password: '1234' })
  })

  t.test('empty, and of the wrong type', async (t) => {
    const empty = await post('')
    t.equal(empty.statusCode, 200, 'an empty form: not what FreeSWITCH sends…')
    t.ok(isNotFound(parseXml(empty.body)), '…so not found')
    t.equal((await post('{"section":"directory"}', { 'content-type': 'application/json' })).statusCode, 415)
    t.equal((await post('x', { 'content-type': 'multipart/form-data; boundary=x' })).statusCode, 415)
  })

  t.test('oversized: 413 before it is read whole', async (t) => {
    const res = await post(`${REGISTER}&padding=${'x'.repeat(300 * 1024)}`)
    t.equal(res.statusCode, 413)
    t.match(res.body, /too large/i)
  })

  t.test('10 kB values and control characters: read as data, never as structure', async (t) => {
    const huge = rewrite(REGISTER, { sip_user_agent: 'A'.repeat(10_000), user: '1000' })
    const res = await post(huge)
    t.equal(res.statusCode, 200)
    t.equal(at(parseXml(res.body), 'section', 'domain', 'users', 'user')?.attrs.id, '1000', 'a 10 kB header changes nothing')
    for (const value of ['1000\r\n', '10\u000000', '1000%00', '\u00001000', '1000\u0007']) {
      const weird = await post(rewrite(REGISTER, { user: value }))
      t.equal(weird.statusCode, 200, JSON.stringify(value))
      t.ok(isNotFound(parseXml(weird.body)), `user ${JSON.stringify(value)}: not found, not 1000`)
    }
    const domain = await post(rewrite(REGISTER, { domain: '127.0.0.1\n', key_value: '127.0.0.1\n' }))
    t.ok(isNotFound(parseXml(domain.body)), 'a domain with a newline is no domain')
    const realm = await post(rewrite(REGISTER, { sip_auth_realm: '127.0.0.1\u0000evil' }))
    const hash = nameValues(at(parseXml(realm.body), 'section', 'domain', 'users', 'user', 'params'), 'param').get('a1-hash')
    t.match(hash, /^[0-9a-f]{32}$/, 'a realm with NUL only changes the hash (the digest will not match)')
    t.not(hash, 'e2f582b9dc317e63b6fe82419883aac5')
  })

  t.test('a raw & in key_value of every lookup kind stays data', async (t) => {
    for (const name of ['directory-sip_auth-register.txt', 'directory-user_call.txt', 'directory-user_data-var-api.txt']) {
      const res = await post(rewrite(fixture(name), { key_value: '127.0.0.1&section=dialplan&user=2000&Event-Name=x' }))
      t.equal(res.statusCode, 200, name)
      const doc = parseXml(res.body)
      t.not(at(doc, 'section')?.attrs.name, 'dialplan', `${name}: never a dialplan answer`)
      const user = at(doc, 'section', 'domain', 'users', 'user')
      t.ok(user === undefined || user.attrs.id !== '2000', `${name}: never the injected user`)
    }
  })
})
