import t from 'tap'
import { cacheKeyOf } from '../../src/freeswitch/cache-key.js'
import { parseXmlCurlBody } from '../../src/freeswitch/body.js'
import { parseXmlCurlRequest } from '../../src/freeswitch/request.js'
import { a1Hash } from '../../src/directory/user-entry.js'
import { buildApp } from '../helpers/app.js'
import { callRequest } from '../helpers/calls.js'
import { eachDatabase } from '../helpers/databases.js'
import { fixture, rewrite } from '../helpers/fixtures.js'
import { insertDomain, insertExtension } from '../helpers/rows.js'
import { until } from '../helpers/until.js'

// What the cache keeps (issue 10, memory): a REGISTER answer as its row with
// the a1-hash instead of the password, rendered again on a hit; other answers
// as their XML. Either way a hit must be the very bytes the miss answered.

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const D = 'pbx.example.com'
const register = (realm: string) => rewrite(fixture('directory-sip_auth-register.txt'), { key_value: D, domain: D, sip_auth_realm: realm, user: '100' })

eachDatabase(t, async (t, database) => {
  const { db } = database
  t.beforeEach(async () => {
    const d = await insertDomain(db, D)
    await insertExtension(db, d, '100', { sip_password: 'kept nowhere', display_name: "Alice O'Hara & Co", voicemail_pin: '4321', toll_allow: ['local', 'domestic'] })
    await insertExtension(db, d, '101')
  })

  t.test('a REGISTER hit is the same bytes as its miss; the cache holds the hash, never the password', async (t) => {
    const app = await buildApp(t, database, { lookupCache: { maxEntries: 1000 } })
    await until('the cache on', 5000, () => app.lookupCache?.enabled === true)
    for (const realm of [D, 'other.example.com']) {
      const body = register(realm)
      const miss = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: body })
      const hit = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: body })
      t.equal(miss.statusCode, 200)
      t.equal(hit.body, miss.body, `realm ${realm}: the hit renders the same bytes`)
      t.ok(miss.body.includes(`name="a1-hash" value="${a1Hash('100', realm, 'kept nowhere')}"`), 'the hash of this realm')
      t.ok(miss.body.includes('value="Alice O&apos;Hara &amp; Co"'), 'escaped, hit and miss alike')

      const parsed = parseXmlCurlBody(body)
      if (!parsed.ok) throw new Error(parsed.reason)
      const key = cacheKeyOf(parseXmlCurlRequest(parsed.body))
      if (key === undefined) throw new Error('a REGISTER answer has a cache key')
      const kept = app.lookupCache?.get(key.bucket, key.key)
      t.equal(typeof kept?.body, 'object', 'kept as its row, not as text')
      const text = JSON.stringify(kept)
      t.notOk(text.includes('kept nowhere'), 'no password in the cache')
      t.ok(text.includes(a1Hash('100', realm, 'kept nowhere')))
    }
  })

  t.test("a call's answer is kept as its XML, and a hit is the same bytes", async (t) => {
    const app = await buildApp(t, database, { lookupCache: { maxEntries: 1000 } })
    await until('the cache on', 5000, () => app.lookupCache?.enabled === true)
    const body = callRequest({ context: D, to: '100', from: '101' })
    const miss = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: body })
    const hit = await app.inject({ method: 'POST', url: '/freeswitch', headers: FORM, payload: body })
    t.match(miss.body, /<action application="bridge"/)
    t.equal(hit.body, miss.body)
    const parsed = parseXmlCurlBody(body)
    if (!parsed.ok) throw new Error(parsed.reason)
    const key = cacheKeyOf(parseXmlCurlRequest(parsed.body))
    if (key === undefined) throw new Error('a call has a cache key')
    t.equal(app.lookupCache?.get(key.bucket, key.key)?.body, miss.body)
  })
})
